// A plan's filter as a MongoDB pre-filter (filter.hpp says what is sent and why).
#include "filter.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "types.hpp"

namespace tether::detail::mongodb {
namespace {

using engine::compare;
using engine::filter_node;
using engine::logic;

constexpr double exact_in_double = 9007199254740992.0;  // 2^53
// The longest text operand sent as a regular expression: escaped and with its wildcards
// spelt out it stays below the 32 KB MongoDB's PCRE takes.
constexpr std::size_t max_pattern_operand = 2048;

// Whether MongoDB compares `v` with a document's value as tether does (filter.hpp).
bool comparable(const value& v) {
  switch (v.kind()) {
    case value_kind::string:
    case value_kind::boolean:
    case value_kind::date:
    case value_kind::time:
    case value_kind::object_id: return true;  // ObjectIds: by their 12 bytes on both
    case value_kind::integer: {
      constexpr std::int64_t exact = std::int64_t{1} << 53;
      return v.as_int() >= -exact && v.as_int() <= exact;
    }
    case value_kind::real: return std::isfinite(v.as_double()) && std::abs(v.as_double()) < exact_in_double;
    case value_kind::timestamp: return v.as_timestamp().micros % 1000 == 0;  // BSON dates are milliseconds
    default: return false;
  }
}

bool is_number(const value& v) { return v.kind() == value_kind::integer || v.kind() == value_kind::real; }

// Whether `v` may be sent in a condition on the field `f` (null: one tether did not
// record): numbers only against fields declared with a number type that is not decimal,
// and in a range only against doubles (filter.hpp says why).
bool sendable_operand(const value& v, const engine::field_def* f, bool range) {
  if (!comparable(v)) return false;
  if (f && f->type == field_type::decimal) return false;
  if (v.is_string() && range)  // below U+D000 (no UTF-8 lead byte 0xED or above): see filter.hpp
    return std::none_of(v.as_string().begin(), v.as_string().end(), [](char c) { return static_cast<unsigned char>(c) >= 0xED; });
  if (!is_number(v)) return true;
  if (!f) return false;
  switch (f->type) {
    case field_type::float_:
    case field_type::double_: return true;
    case field_type::integer:
    case field_type::bigint:
    case field_type::smallint: return !range;
    default: return false;
  }
}

bool declared_scalar(const engine::table_description* t, const std::string& field) {
  const engine::field_def* f = t ? engine::find_named(t->columns, field) : nullptr;
  return f && f->type != field_type::json && f->type != field_type::array;
}

// A regular expression that means at least `text` on PCRE and on JavaScript.
void escape_into(std::string& out, char c) {
  static constexpr std::string_view special = "\\^$.|?*+()[]{}/";
  if (special.find(c) != std::string_view::npos) out += '\\';
  out += c;
}
std::string escaped(std::string_view text) {
  std::string out;
  for (char c : text) escape_into(out, c);
  return out;
}
std::string like_regex(std::string_view pattern) {
  std::string out = "^";
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    const char c = pattern[i];
    if (c == '\\' && i + 1 < pattern.size()) escape_into(out, pattern[++i]);
    else if (c == '%') out += "[\\s\\S]*";
    else if (c == '_') out += "[\\s\\S]{1,2}";
    else escape_into(out, c);
  }
  return out + "$";
}

class prefilter {
 public:
  prefilter(const engine::plan& p, const engine::table_description* t) : p_(p), t_(t) {}

  bool sendable(const filter_node& n) const {
    switch (n.kind) {
      case logic::leaf: return leaf_sendable(n);
      case logic::and_:
        for (const auto& c : n.children)
          if (sendable(c)) return true;
        return n.children.empty();
      case logic::or_:
        for (const auto& c : n.children)
          if (!sendable(c)) return false;
        return !n.children.empty();
      default: return false;  // $not, $nor
    }
  }

  // `n` (sendable) as one condition document appended to `out` under `key`.
  void append(bson_t* out, const char* key, const filter_node& n) const {
    bson_t doc;
    bson_append_document_begin(out, key, -1, &doc);
    fill(&doc, n);
    bson_append_document_end(out, &doc);
  }

  // `n` (sendable) into the document `doc`.
  void fill(bson_t* doc, const filter_node& n) const {
    if (n.kind == logic::leaf) return fill_leaf(doc, n);
    std::vector<const filter_node*> parts;
    for (const auto& c : n.children)
      if (sendable(c)) parts.push_back(&c);
    if (parts.empty()) return;  // an and of nothing sendable: every document
    if (parts.size() == 1 && n.kind == logic::and_) return fill(doc, *parts[0]);
    bson_t list;
    bson_append_array_begin(doc, n.kind == logic::and_ ? "$and" : "$or", -1, &list);
    for (std::size_t i = 0; i < parts.size(); ++i) append(&list, std::to_string(i).c_str(), *parts[i]);
    bson_append_array_end(doc, &list);
  }

 private:
  const value& operand(const filter_node& n, std::uint32_t i = 0) const { return *p_.param(n.first_param + i); }

  bool leaf_sendable(const filter_node& n) const {
    // The planner makes $eq null and $isNull a parameterless is_null, $ne null and
    // $isNotNull an is_not_null.
    if (n.op == compare::is_null) return true;
    if (n.op == compare::is_not_null) return declared_scalar(t_, n.field);
    if (n.first_param == engine::no_param) return false;
    const engine::field_def* f = t_ ? engine::find_named(t_->columns, n.field) : nullptr;
    switch (n.op) {
      case compare::eq: return sendable_operand(operand(n), f, false);
      case compare::gt:
      case compare::gte:
      case compare::lt:
      case compare::lte:
      case compare::in:
      case compare::between:
        for (std::uint32_t i = 0; i < n.param_count; ++i)
          if (!sendable_operand(operand(n, i), f, n.op != compare::in)) return false;
        return n.op != compare::between || n.param_count == 2;
      case compare::starts_with:
      case compare::ends_with:
      case compare::contains:
      case compare::like:  // MongoDB refuses a pattern past 32 KB, JavaScript one past about 50 KB
        return operand(n).is_string() && operand(n).as_string().size() <= max_pattern_operand;
      default: return false;
    }
  }

  void fill_leaf(bson_t* doc, const filter_node& n) const {
    const std::string& f = n.field;
    auto one = [&](const char* op, const value& v) {
      bson_t cond;
      bson_append_document_begin(doc, f.c_str(), -1, &cond);
      append_value(&cond, op, v, f);
      bson_append_document_end(doc, &cond);
    };
    auto regex = [&](const std::string& pattern) {
      bson_t cond;
      bson_append_document_begin(doc, f.c_str(), -1, &cond);
      bson_append_utf8(&cond, "$regex", -1, pattern.data(), static_cast<int>(pattern.size()));
      bson_append_document_end(doc, &cond);
    };
    switch (n.op) {
      case compare::eq: return one("$eq", operand(n));
      case compare::gt: return one("$gt", operand(n));
      case compare::gte: return one("$gte", operand(n));
      case compare::lt: return one("$lt", operand(n));
      case compare::lte: return one("$lte", operand(n));
      case compare::between: {
        bson_t cond;
        bson_append_document_begin(doc, f.c_str(), -1, &cond);
        append_value(&cond, "$gte", operand(n, 0), f);
        append_value(&cond, "$lte", operand(n, 1), f);
        bson_append_document_end(doc, &cond);
        return;
      }
      case compare::in: {
        array items;
        for (std::uint32_t i = 0; i < n.param_count; ++i) items.push_back(operand(n, i));
        return one("$in", value(std::move(items)));
      }
      case compare::is_null: return (void)bson_append_null(doc, f.c_str(), -1);
      case compare::is_not_null: {
        bson_t cond;
        bson_append_document_begin(doc, f.c_str(), -1, &cond);
        bson_append_null(&cond, "$ne", -1);
        bson_append_document_end(doc, &cond);
        return;
      }
      case compare::starts_with: return regex("^" + escaped(operand(n).as_string()));
      case compare::ends_with: return regex(escaped(operand(n).as_string()) + "$");
      case compare::contains: return regex(escaped(operand(n).as_string()));
      case compare::like: return regex(like_regex(operand(n).as_string()));
      default: return;
    }
  }

  const engine::plan& p_;
  const engine::table_description* t_;
};

}  // namespace

void append_prefilter(const engine::plan& p, const engine::table_description* t, bson_t* out) {
  const prefilter f(p, t);
  if (!p.where.matches_all() && f.sendable(p.where)) f.fill(out, p.where);
}

void append_any_of(bson_t* out, const std::string& field, const std::vector<value>& values, const engine::field_def* f) {
  for (const auto& v : values)
    if (!sendable_operand(v, f, false)) return;
  bson_t cond;
  bson_append_document_begin(out, field.c_str(), -1, &cond);
  append_value(&cond, "$in", value(array(values.begin(), values.end())), field);
  bson_append_document_end(out, &cond);
}

}  // namespace tether::detail::mongodb
