// Where-filters: JSON-style objects → filter tree, with one clear error per bad input.
#include <fmt/format.h>

#include <array>

#include "core/query/planner.hpp"
#include "tether/engine/evaluate.hpp"
#include "core/values/utf8.hpp"

namespace tether::detail {

const value* param_name(const value& v) {
  const object* o = v.if_object();
  if (!o || o->size() != 1 || (*o)[0].first != "$param") return nullptr;
  return &(*o)[0].second;
}

void check_text_operand(engine::compare op, const std::string& operand, std::string_view column) {
  if (op == engine::compare::like || op == engine::compare::ilike) engine::check_like_pattern(operand, column);
  else if (op == engine::compare::regex) engine::check_regex(operand, column);
}

namespace {

using engine::compare;
using engine::filter_node;
using engine::logic;

enum class opcode : std::uint8_t { cmp, is_null_flag, is_not_null_flag, exists, and_, or_, nor_, not_ };

struct operator_spec {
  std::string_view canonical;
  std::string_view legacy;      // the uppercase spelling
  std::string_view legacy_alt;  // a second legacy spelling, or empty
  opcode code;
  compare op;
};

constexpr std::array<operator_spec, 23> operators{{
    {"$eq", "$EQ", "", opcode::cmp, compare::eq},
    {"$ne", "$NE", "", opcode::cmp, compare::ne},
    {"$gt", "$GT", "", opcode::cmp, compare::gt},
    {"$gte", "$GTE", "", opcode::cmp, compare::gte},
    {"$lt", "$LT", "", opcode::cmp, compare::lt},
    {"$lte", "$LTE", "", opcode::cmp, compare::lte},
    {"$in", "$IN", "", opcode::cmp, compare::in},
    {"$nin", "$NIN", "$NOT_IN", opcode::cmp, compare::nin},
    {"$like", "$LIKE", "", opcode::cmp, compare::like},
    {"$ilike", "$ILIKE", "", opcode::cmp, compare::ilike},
    {"$between", "$BETWEEN", "", opcode::cmp, compare::between},
    {"$isNull", "$IS_NULL", "", opcode::is_null_flag, compare::is_null},
    {"$isNotNull", "$IS_NOT_NULL", "", opcode::is_not_null_flag, compare::is_not_null},
    {"$exists", "$EXISTS", "", opcode::exists, compare::is_not_null},
    {"$regex", "$REGEX", "", opcode::cmp, compare::regex},
    {"$contains", "$CONTAINS", "", opcode::cmp, compare::contains},
    {"$startsWith", "$STARTS_WITH", "", opcode::cmp, compare::starts_with},
    {"$endsWith", "$ENDS_WITH", "", opcode::cmp, compare::ends_with},
    {"$and", "$AND", "", opcode::and_, compare::eq},
    {"$or", "$OR", "", opcode::or_, compare::eq},
    {"$nor", "$NOR", "", opcode::nor_, compare::eq},
    {"$not", "$NOT", "", opcode::not_, compare::eq},
    {"$isnull", "", "", opcode::is_null_flag, compare::is_null},  // common misspelling
}};

const operator_spec* lookup(std::string_view name) {
  for (const auto& spec : operators)
    if (name == spec.canonical || name == spec.legacy ||
        (!spec.legacy_alt.empty() && name == spec.legacy_alt))
      return &spec;
  return nullptr;
}

std::string operator_list() {
  std::string out;
  for (std::size_t i = 0; i + 1 < operators.size(); ++i) {
    if (!out.empty()) out += ' ';
    out += operators[i].canonical;
  }
  return out;
}

[[noreturn]] void fail(std::string message) {
  throw error(error_category::usage, std::move(message));
}

std::string short_json(const value& v) {
  auto s = v.to_json();
  return s.size() > 60 ? s.substr(0, 57) + "..." : s;
}

struct parser {
  engine::plan& p;
  const engine::capabilities& caps;
  std::size_t depth = 0;

  // One level of nesting for the scope of a recursion, within max_nesting_depth.
  struct level {
    parser& self;
    explicit level(parser& s) : self(s) {
      if (++self.depth > max_nesting_depth)
        fail(fmt::format("the where-filter nests deeper than {} levels (tether's limit)", max_nesting_depth));
    }
    ~level() { --self.depth; }
  };

  void logical(opcode code, std::string_view name, const value& operand, filter_node& out) {
    level nested(*this);
    if (code == opcode::not_) {
      if (!operand.is_object())
        fail(fmt::format("{} takes an object filter, got {}", name, short_json(operand)));
      out.kind = logic::not_;
      out.children.emplace_back();
      object_filter(operand, out.children.back());
      return;
    }
    out.kind = code == opcode::and_ ? logic::and_ : code == opcode::or_ ? logic::or_ : logic::nor_;
    if (operand.is_object()) {
      // {"$or": {"a": 1, "b": 2}}: each member is one alternative.
      if (operand.size() == 0) fail(fmt::format("{} needs at least one condition, got {{}}", name));
      for (const auto& [k, v] : operand.as_object()) {
        out.children.emplace_back();
        member(k, v, out.children.back());
      }
      return;
    }
    if (!operand.is_array() || operand.size() == 0)
      fail(fmt::format("{} takes a non-empty array of filters or an object, got {}", name,
                       short_json(operand)));
    for (const auto& item : operand.as_array()) {
      if (!item.is_object())
        fail(fmt::format("each element of {} must be an object filter, got {}", name,
                         short_json(item)));
      out.children.emplace_back();
      object_filter(item, out.children.back());
    }
    flatten(out);
  }

  // An $and inside an $and (an $or inside an $or) is one node, and a node of one condition
  // is that condition: the same filter, with SQL nested no deeper than it must be (SQLite's
  // parser stops at about 100 levels of parentheses).
  static void flatten(filter_node& out) {
    if (out.kind != logic::and_ && out.kind != logic::or_) return;
    std::vector<filter_node> kept;
    kept.reserve(out.children.size());
    for (auto& c : out.children) {
      if (c.kind == out.kind && !c.children.empty())
        for (auto& g : c.children) kept.push_back(std::move(g));
      else if (!(out.kind == logic::and_ && c.matches_all()))  // and(every row, x) is x
        kept.push_back(std::move(c));
    }
    out.children = std::move(kept);
    if (out.children.size() == 1) {
      filter_node only = std::move(out.children.front());
      out = std::move(only);
    }
  }

  void object_filter(const value& where, filter_node& out) {
    if (where.size() == 1) {  // the common case: no and_ node around one condition
      const auto& [k, v] = where.as_object().front();
      return member(k, v, out);
    }
    out.kind = logic::and_;
    for (const auto& [k, v] : where.as_object()) {
      out.children.emplace_back();
      member(k, v, out.children.back());
    }
    if (out.children.size() == 1) {
      filter_node only = std::move(out.children.front());
      out = std::move(only);
    }
  }

  void member(const std::string& key, const value& v, filter_node& out) {
    if (!key.empty() && key[0] == '$') {
      const operator_spec* spec = lookup(key);
      if (!spec || spec->code == opcode::cmp || spec->code == opcode::is_null_flag ||
          spec->code == opcode::is_not_null_flag || spec->code == opcode::exists)
        fail(fmt::format("unknown top-level operator \"{}\"; expected a column name or one of "
                         "$and $or $nor $not",
                         key));
      logical(spec->code, key, v, out);
      return;
    }
    validate_identifier(key, "column");
    field(key, v, out);
  }

  // {"$param": "name"}: a placeholder of a prepared query, recorded as a slot.
  bool take_param(const std::string& column, compare op, const value& operand) {
    const value* name = param_name(operand);
    if (!name) return false;
    if (!name->is_string() || name->as_string().empty())
      fail(fmt::format("the $param on column \"{}\" needs a name, got {}", column, short_json(*name)));
    p.slots.push_back({name->as_string(), static_cast<std::uint32_t>(p.params.size()), op});
    return true;
  }

  static bool is_operator_object(const value& v) {
    if (!v.is_object() || v.size() == 0) return false;
    for (const auto& [k, _] : v.as_object())
      if (k.empty() || k[0] != '$') return false;
    return true;
  }

  void field(const std::string& name, const value& v, filter_node& out) {
    level nested(*this);
    if (v.is_null()) return leaf(name, compare::is_null, 0, nullptr, out);
    if (take_param(name, compare::eq, v)) return leaf(name, compare::eq, 1, &v, out);
    if (v.is_object()) {
      if (!is_operator_object(v))
        fail(fmt::format("the filter on column \"{}\" must be a value or an object of operators "
                         "such as {{\"$gt\": 1}}, got {}",
                         name, short_json(v)));
      if (v.size() == 1) return field_operator(name, v.as_object()[0], out);
      out.kind = logic::and_;
      for (const auto& m : v.as_object()) {
        out.children.emplace_back();
        field_operator(name, m, out.children.back());
      }
      return;
    }
    if (v.is_array())
      fail(fmt::format("the filter on column \"{}\" is an array; to match any of several values "
                       "use {{\"$in\": {}}}",
                       name, short_json(v)));
    leaf(name, compare::eq, 1, &v, out);
  }

  void field_operator(const std::string& name, const tether::member& m, filter_node& out) {
    const auto& [op_name, operand] = m;
    const operator_spec* spec = lookup(op_name);
    if (!spec || spec->code == opcode::and_ || spec->code == opcode::or_ ||
        spec->code == opcode::nor_)
      fail(fmt::format("unknown where-operator \"{}\" on column \"{}\"; expected one of {}",
                       op_name, name, operator_list()));
    switch (spec->code) {
      case opcode::not_:
        if (!is_operator_object(operand))
          fail(fmt::format("{} on column \"{}\" takes an object of operators such as "
                           "{{\"$gt\": 1}}, got {}",
                           op_name, name, short_json(operand)));
        out.kind = logic::not_;
        out.children.emplace_back();
        return field(name, operand, out.children.back());
      case opcode::is_null_flag:
      case opcode::is_not_null_flag:
      case opcode::exists: {
        if (operand.kind() != value_kind::boolean)
          fail(fmt::format("{} on column \"{}\" takes true or false, got {}", op_name, name,
                           short_json(operand)));
        bool want_null = (spec->code == opcode::is_null_flag) == operand.as_bool();
        if (spec->code == opcode::exists) want_null = !operand.as_bool();
        return leaf(name, want_null ? compare::is_null : compare::is_not_null, 0, nullptr, out);
      }
      default: break;
    }
    compare op = spec->op;
    // The engine's support for the operator, decided before any I/O.
    if (caps.of(op) == engine::support::refused) require(false, op_name, caps);
    if (op != compare::in && op != compare::nin && op != compare::between && take_param(name, op, operand))
      return leaf(name, op, 1, &operand, out);
    switch (op) {
      case compare::eq:
      case compare::ne:
        if (operand.is_null())
          return leaf(name, op == compare::eq ? compare::is_null : compare::is_not_null, 0,
                      nullptr, out);
        scalar(op_name, name, operand);
        return leaf(name, op, 1, &operand, out);
      case compare::gt:
      case compare::gte:
      case compare::lt:
      case compare::lte:
        if (operand.is_null())
          fail(fmt::format("{} on column \"{}\" needs a value, got null", op_name, name));
        scalar(op_name, name, operand);
        return leaf(name, op, 1, &operand, out);
      case compare::in:
      case compare::nin: {
        if (!operand.is_array())
          fail(fmt::format("{} on column \"{}\" takes an array of values, got {}", op_name, name,
                           short_json(operand)));
        out.kind = logic::leaf;
        out.op = op;
        out.field = name;
        out.param_count = static_cast<std::uint32_t>(operand.size());
        out.first_param = static_cast<std::uint32_t>(p.params.size());
        for (const auto& item : operand.as_array()) {
          if (item.is_null())
            fail(fmt::format("{} on column \"{}\" may not hold null; match nulls with "
                             "{{\"{}\": null}} inside $or",
                             op_name, name, name));
          if (!take_param(name, op, item)) scalar(op_name, name, item);
          text(name, item);
          p.add_param(&item);
        }
        return;
      }
      case compare::between: {
        if (!operand.is_array() || operand.size() != 2)
          fail(fmt::format("$between on column \"{}\" takes exactly two values [low, high], got {}",
                           name, short_json(operand)));
        out.kind = logic::leaf;
        out.op = op;
        out.field = name;
        out.param_count = 2;
        out.first_param = static_cast<std::uint32_t>(p.params.size());
        for (const auto& item : operand.as_array()) {
          if (item.is_null()) fail(fmt::format("$between on column \"{}\" may not hold null", name));
          if (!take_param(name, op, item)) scalar(op_name, name, item);
          text(name, item);
          p.add_param(&item);
        }
        return;
      }
      case compare::regex:
      case compare::like:
      case compare::ilike:
      case compare::contains:
      case compare::starts_with:
      case compare::ends_with:
        if (!operand.is_string())
          fail(fmt::format("{} on column \"{}\" takes a string, got {}", op_name, name,
                           short_json(operand)));
        check_text_operand(op, operand.as_string(), name);
        return leaf(name, op, 1, &operand, out);
      default: break;
    }
    fail(fmt::format("unhandled operator \"{}\"", op_name));
  }

  // A server may read an ill-formed byte as '?' and match rows that hold one.
  static void text(std::string_view name, const value& v) {
    if (v.is_string() && invalid_utf8_at(v.as_string()) != std::string_view::npos)
      check_utf8(v.as_string(), fmt::format("the value for column \"{}\"", name));
  }

  static void scalar(std::string_view op_name, std::string_view name, const value& v) {
    if (!v.is_scalar())
      fail(fmt::format("{} on column \"{}\" takes a single value, got {}", op_name, name,
                       short_json(v)));
  }

  void leaf(const std::string& name, compare op, std::uint32_t n, const value* v,
            filter_node& out) {
    if (v) text(name, *v);
    out.kind = logic::leaf;
    out.op = op;
    out.field = name;
    out.param_count = n;
    out.first_param = v ? p.add_param(v) : engine::no_param;
  }
};

}  // namespace

void parse_filter(const value& where, engine::plan& p, engine::filter_node& out,
                  const engine::capabilities& caps) {
  out = filter_node{};
  if (where.is_null()) return;
  if (!where.is_object())
    fail(fmt::format("a where-filter must be an object such as {{\"status\": \"active\"}}, got {}",
                     short_json(where)));
  parser{p, caps}.object_filter(where, out);
}

}  // namespace tether::detail
