// Plan → DynamoDB FilterExpression and ProjectionExpression (expressions.hpp tells the rules).
#include "expressions.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "tether/engine/evaluate.hpp"
#include "tether/error.hpp"

namespace tether::detail::dynamodb {
namespace {

constexpr std::uint32_t max_in_values = 100;  // DynamoDB's limit on an IN list

// A number operand is pushed only onto a field of its own kind: DynamoDB compares numbers as exact
// decimals, the client compares an integer with a real in doubles, and they part near 2^53.
enum class kind { integer, real, decimal, text, boolean, other };

kind kind_of(const engine::table_description& t, const std::string& field) {
  for (const auto& f : t.columns) {
    if (f.name != field) continue;
    switch (f.type) {
      case field_type::integer: case field_type::bigint: case field_type::smallint:
        return kind::integer;
      case field_type::float_: case field_type::double_:
        return kind::real;
      case field_type::decimal:
        return kind::decimal;
      case field_type::string: case field_type::text: case field_type::enum_:
        return kind::text;
      case field_type::boolean:
        return kind::boolean;
      default:
        return kind::other;
    }
  }
  return kind::other;  // not recorded: its attributes may be of any type
}

// Whether the operand is one DynamoDB compares as the client does, for a field of kind k.
bool comparable(const value& v, kind k) {
  switch (k) {
    case kind::integer: return v.kind() == value_kind::integer;
    case kind::real: return v.kind() == value_kind::real;
    case kind::decimal: return v.kind() == value_kind::decimal;
    case kind::text: return v.kind() == value_kind::string;
    case kind::boolean: return v.kind() == value_kind::boolean;
    case kind::other: return false;
  }
  return false;
}

// Whether DynamoDB orders the operand against any stored text as the client does (by UTF-8 bytes,
// that is by code point). dynalite compares JavaScript strings by UTF-16 unit, which parts from
// code-point order only where a character from U+E000 up meets one past U+FFFF; an operand below
// U+E000 throughout decides every comparison before such a pair can matter.
bool orders_alike(const value& v) {
  if (v.kind() != value_kind::string) return true;
  for (unsigned char c : v.as_string())
    if (c >= 0xEE) return false;  // the lead byte of U+E000 and above
  return true;
}

class builder {
 public:
  builder(const engine::plan& p, const engine::table_description& t, expression_names& x,
          std::span<const std::string> keys)
      : p_(p), t_(t), x_(x), keys_(keys) {}

  // The expression of `n`, leaving no placeholder behind when there is none.
  std::optional<std::string> node(const engine::filter_node& n) {
    const expression_names before = x_;
    auto e = part(n);
    if (!e) {
      x_ = before;
      const bool key = n.kind == engine::logic::leaf && std::find(keys_.begin(), keys_.end(), n.field) != keys_.end();
      ++(key ? keys_left_ : others_left_);
    }
    return e;
  }
  // Whether everything but one condition per key is in the expression (see filter_expression).
  bool whole() const noexcept { return others_left_ == 0 && keys_left_ == keys_.size(); }

 private:
  std::optional<std::string> part(const engine::filter_node& n) {
    switch (n.kind) {
      case engine::logic::leaf: return leaf(n);
      case engine::logic::and_: {
        std::vector<std::string> parts;
        for (const auto& c : n.children)
          if (auto e = node(c)) parts.push_back(std::move(*e));
        return joined(parts, " AND ");
      }
      case engine::logic::or_: {
        std::vector<std::string> parts;
        for (const auto& c : n.children) {
          auto e = node(c);
          if (!e) return std::nullopt;  // one alternative DynamoDB cannot judge: the client judges all
          parts.push_back(std::move(*e));
        }
        return joined(parts, " OR ");
      }
      case engine::logic::nor_:
      case engine::logic::not_:
        return std::nullopt;
    }
    return std::nullopt;
  }

  // DynamoDB refuses redundant parentheses, so a lone part goes bare and only combined parts are wrapped.
  static std::optional<std::string> joined(const std::vector<std::string>& parts, std::string_view op) {
    if (parts.empty()) return std::nullopt;
    if (parts.size() == 1) return parts[0];
    std::string out;
    for (const auto& e : parts) out += fmt::format("{}({})", out.empty() ? "" : op, e);
    return out;
  }

  const value& param(std::uint32_t i) const { return *p_.param(i); }
  std::string operand(const value& v, const std::string& field) { return x_.value(to_attribute(v, field)); }

  std::optional<std::string> leaf(const engine::filter_node& n) {
    try {
      return judged(n);
    } catch (const error&) {
      return std::nullopt;  // an operand DynamoDB cannot hold (a number past its range): the client's
    }
  }

  std::optional<std::string> judged(const engine::filter_node& n) {
    if (std::find(keys_.begin(), keys_.end(), n.field) != keys_.end())
      return std::nullopt;  // a Query's filter may not name the key: the key condition and the client judge it
    const kind k = kind_of(t_, n.field);
    const auto null_test = [&](bool is_null) {
      const std::string f = x_.name(n.field), nul = x_.value(json{{"S", "NULL"}});
      return is_null ? fmt::format("attribute_not_exists({0}) OR attribute_type({0}, {1})", f, nul)
                     : fmt::format("attribute_exists({0}) AND NOT attribute_type({0}, {1})", f, nul);
    };
    switch (n.op) {
      case engine::compare::is_null:
      case engine::compare::is_not_null:
        return null_test(n.op == engine::compare::is_null);
      case engine::compare::eq:
      case engine::compare::gt:
      case engine::compare::gte:
      case engine::compare::lt:
      case engine::compare::lte: {
        if (n.param_count != 1 || !comparable(param(n.first_param), k)) return std::nullopt;
        if (k == kind::boolean && n.op != engine::compare::eq) return std::nullopt;
        if (n.op != engine::compare::eq && !orders_alike(param(n.first_param))) return std::nullopt;
        static constexpr const char* symbols[] = {"=", "<>", ">", ">=", "<", "<="};
        return fmt::format("{} {} {}", x_.name(n.field), symbols[static_cast<int>(n.op)],
                           operand(param(n.first_param), n.field));
      }
      case engine::compare::in: {
        // dynalite matches no BOOL in an IN list; `= true` is pushed, a boolean list is the client's.
        if (n.param_count == 0 || n.param_count > max_in_values || k == kind::boolean) return std::nullopt;
        std::string list;
        for (std::uint32_t i = 0; i < n.param_count; ++i) {
          const value& v = param(n.first_param + i);
          if (!comparable(v, k)) return std::nullopt;
          list += (i ? ", " : "") + operand(v, n.field);
        }
        return fmt::format("{} IN ({})", x_.name(n.field), list);
      }
      case engine::compare::between: {
        if (n.param_count != 2 || k == kind::boolean) return std::nullopt;
        const value &low = param(n.first_param), &high = param(n.first_param + 1);
        if (!comparable(low, k) || !comparable(high, k) || !orders_alike(low) || !orders_alike(high))
          return std::nullopt;
        // DynamoDB refuses a BETWEEN whose low bound is above its high one; no item matches it.
        if (auto order = engine::compare_values(low, high); !order || *order > 0) return std::nullopt;
        return fmt::format("{} BETWEEN {} AND {}", x_.name(n.field), operand(low, n.field), operand(high, n.field));
      }
      case engine::compare::starts_with:
      case engine::compare::contains: {
        if (k != kind::text || n.param_count != 1 || !comparable(param(n.first_param), k)) return std::nullopt;
        if (param(n.first_param).as_string().empty()) return std::nullopt;  // DynamoDB refuses an empty operand
        return fmt::format("{}({}, {})", n.op == engine::compare::contains ? "contains" : "begins_with",
                           x_.name(n.field), operand(param(n.first_param), n.field));
      }
      default:
        return std::nullopt;  // $ne, $nin, $like, $ilike, $regex, $endsWith: the client's
    }
  }

  const engine::plan& p_;
  const engine::table_description& t_;
  expression_names& x_;
  std::span<const std::string> keys_;
  std::size_t keys_left_ = 0, others_left_ = 0;  // parts left to the key condition / the client
};

}  // namespace

std::string expression_names::name(const std::string& attribute) {
  for (const auto& [k, v] : names.items())
    if (v == attribute) return k;
  std::string n = fmt::format("#{}n{}", prefix, names.size());
  names[n] = attribute;
  return n;
}

std::string expression_names::value(json attribute) {
  std::string v = fmt::format(":{}v{}", prefix, values.size());
  values[v] = std::move(attribute);
  return v;
}

void expression_names::add_to(json& request) const {
  if (!names.empty()) request["ExpressionAttributeNames"] = names;
  if (!values.empty()) request["ExpressionAttributeValues"] = values;
}

std::optional<std::string> filter_expression(const engine::plan& p, const engine::table_description& t,
                                             expression_names& x, std::span<const std::string> keys, bool* whole) {
  builder b(p, t, x, keys);
  auto e = b.node(p.where);
  if (whole) *whole = e && b.whole();
  return e;
}

std::optional<std::string> projection(const engine::plan& p, const engine::table_description& t,
                                      expression_names& x) {
  const bool aggregates = !p.aggregates.empty() || !p.group_by.empty();
  if (!aggregates && p.columns.empty()) return std::nullopt;  // every attribute
  std::vector<std::string> wanted(t.primary_key.begin(), t.primary_key.end());
  auto want = [&](const std::string& f) {
    if (f != "*" && std::find(wanted.begin(), wanted.end(), f) == wanted.end()) wanted.push_back(f);
  };
  std::vector<const engine::filter_node*> stack{&p.where, &p.having};
  while (!stack.empty()) {
    const auto* n = stack.back();
    stack.pop_back();
    if (n->kind == engine::logic::leaf) want(n->field);
    for (const auto& c : n->children) stack.push_back(&c);
  }
  if (!aggregates)
    for (const auto& c : p.columns) want(c);
  for (const auto& o : p.order_by) want(o.column);
  for (const auto& g : p.group_by) want(g);
  for (const auto& a : p.aggregates) want(a.column);
  std::string out;
  for (const auto& f : wanted) {
    bool alias = false;  // having and order_by may name an aggregate's alias
    for (const auto& a : p.aggregates) alias = alias || a.alias == f;
    if (!alias) out += (out.empty() ? "" : ", ") + x.name(f);
  }
  return out;
}

}  // namespace tether::detail::dynamodb
