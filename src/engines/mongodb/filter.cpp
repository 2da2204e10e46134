// A plan's filter as a MongoDB pre-filter (filter.hpp says what is sent and why).
#include "filter.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <string>

#include "core/query/planner.hpp"
#include "tether/error.hpp"
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

  // Whether `n` is sent whole and means on MongoDB what it means in tether (filter.hpp).
  bool exact(const filter_node& n) const {
    switch (n.kind) {
      case logic::leaf: {
        if (!declared_scalar(t_, n.field) || !leaf_sendable(n)) return false;
        if (n.op == compare::starts_with || n.op == compare::contains) {
          const engine::field_def* f = engine::find_named(t_->columns, n.field);
          return f->type == field_type::string || f->type == field_type::text || f->type == field_type::enum_;
        }
        return n.op != compare::ends_with && n.op != compare::like;
      }
      case logic::and_:
      case logic::or_:
        for (const auto& c : n.children)
          if (!exact(c)) return false;
        return true;
      default: return false;
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

namespace {

// The partialFilterExpression of a parsed where (append_index_filter).
class index_filter {
 public:
  index_filter(const engine::plan& p, const engine::index_def& i, const engine::table_description& t) : p_(p), i_(i), t_(t) {}

  void fill(bson_t* doc, const filter_node& n) const {
    if (n.kind == logic::leaf) return fill_leaf(doc, n);
    if (n.children.size() == 1) return fill(doc, n.children[0]);
    if (n.children.empty()) return;  // {}: every document (an and of nothing)
    bson_t list;
    bson_append_array_begin(doc, n.kind == logic::or_ ? "$or" : "$and", -1, &list);
    for (std::size_t c = 0; c < n.children.size(); ++c) {
      bson_t one;
      bson_append_document_begin(&list, std::to_string(c).c_str(), -1, &one);
      fill(&one, n.children[c]);
      bson_append_document_end(&list, &one);
    }
    bson_append_array_end(doc, &list);
  }

 private:
  [[noreturn]] void bad(const filter_node& n, std::string_view why) const {
    throw error(error_category::usage,
                fmt::format("the where of partial index \"{}\": {} on \"{}\" {}", i_.name, engine::operator_name(n.op), n.field,
                            why),
                error_details{"mongodb"});
  }

  // Throws unless MongoDB compares `v` with the field's stored values as tether does.
  void check_operand(const filter_node& n, const engine::field_def& f, const value& v) const {
    auto takes = [&](std::string_view what) {
      bad(n, fmt::format("({}) takes {} in a partial index on MongoDB, got {}", to_string(f.type), what, v.to_json()));
    };
    switch (f.type) {
      case field_type::integer:
      case field_type::bigint:
      case field_type::smallint:
      case field_type::float_:
      case field_type::double_:
      case field_type::decimal:
        if (!is_number(v) || !comparable(v)) takes("a number within ±2^53");
        return;
      case field_type::string:
      case field_type::text:
      case field_type::enum_:
        if (!v.is_string()) takes("text");
        return;
      case field_type::boolean:
        if (v.kind() != value_kind::boolean) takes("true or false");
        return;
      case field_type::timestamp:
      case field_type::datetime:
        if (v.kind() != value_kind::timestamp || !comparable(v)) takes("a timestamp of whole milliseconds");
        return;
      case field_type::date:
        if (v.kind() != value_kind::date) takes("a date");
        return;
      case field_type::time:
        if (v.kind() != value_kind::time) takes("a time");
        return;
      default:
        bad(n, fmt::format("({}) cannot be compared in a partial index on MongoDB: it compares only fields of numbers, "
                           "text, booleans, timestamps, dates and times",
                           to_string(f.type)));
    }
  }

  void fill_leaf(bson_t* doc, const filter_node& n) const {
    const engine::field_def* f = engine::find_named(t_.columns, n.field);
    if (!f) bad(n, "names no field of the table");
    bson_t cond;
    bson_append_document_begin(doc, n.field.c_str(), -1, &cond);
    if (n.op == compare::is_not_null) {
      BSON_APPEND_BOOL(&cond, "$exists", true);
    } else {
      for (std::uint32_t k = 0; k < n.param_count; ++k) check_operand(n, *f, *p_.param(n.first_param + k));
      const value& first = *p_.param(n.first_param);
      switch (n.op) {
        case compare::eq: append_value(&cond, "$eq", first, n.field); break;
        case compare::gt: append_value(&cond, "$gt", first, n.field); break;
        case compare::gte: append_value(&cond, "$gte", first, n.field); break;
        case compare::lt: append_value(&cond, "$lt", first, n.field); break;
        case compare::lte: append_value(&cond, "$lte", first, n.field); break;
        case compare::between:
          append_value(&cond, "$gte", first, n.field);
          append_value(&cond, "$lte", *p_.param(n.first_param + 1), n.field);
          break;
        case compare::in: {
          array items;
          for (std::uint32_t k = 0; k < n.param_count; ++k) items.push_back(*p_.param(n.first_param + k));
          append_value(&cond, "$in", value(std::move(items)), n.field);
          break;
        }
        default: bad(n, "is not held by MongoDB's partialFilterExpression");  // the capabilities refuse it first
      }
    }
    bson_append_document_end(doc, &cond);
  }

  const engine::plan& p_;
  const engine::index_def& i_;
  const engine::table_description& t_;
};

}  // namespace

void append_index_filter(const engine::index_def& i, const engine::table_description& t, bson_t* out) {
  if (!i.native_where.empty()) {
    bson_error_t err;
    bson_t* native = bson_new_from_json(reinterpret_cast<const std::uint8_t*>(i.native_where.data()),
                                        static_cast<ssize_t>(i.native_where.size()), &err);
    if (!native)
      throw error(error_category::usage,
                  fmt::format("the where of partial index \"{}\" is text, so MongoDB's own: a partialFilterExpression in "
                              "Extended JSON such as {{\"qty\": {{\"$gt\": 0}}}}, or a tether filter as an object; got "
                              "{:.80} ({})",
                              i.name, i.native_where, err.message),
                  error_details{"mongodb"});
    bson_concat(out, native);
    bson_destroy(native);
    return;
  }
  engine::plan p;
  engine::capabilities any;
  parse_filter(i.where, p, p.where, any);
  index_filter(p, i, t).fill(out, p.where);
}

bool filter_names(const value& where, const std::string& field) {
  if (where.is_array()) {
    for (const auto& w : where.as_array())
      if (filter_names(w, field)) return true;
    return false;
  }
  if (!where.is_object()) return false;
  for (const auto& [key, v] : where.as_object()) {
    if (key == field) return true;
    if (!key.empty() && key[0] == '$' && filter_names(v, field)) return true;  // $and $or $not $nor
  }
  return false;
}

value filter_renamed(const value& where, const std::string& field, const std::string& to) {
  if (where.is_array()) {
    array out;
    for (const auto& w : where.as_array()) out.push_back(filter_renamed(w, field, to));
    return value(std::move(out));
  }
  if (!where.is_object()) return where;
  object out;
  for (const auto& [key, v] : where.as_object()) {
    if (key == field) out.emplace_back(to, v);
    else if (!key.empty() && key[0] == '$') out.emplace_back(key, filter_renamed(v, field, to));
    else out.emplace_back(key, v);
  }
  return value(std::move(out));
}

bool exact_prefilter(const engine::plan& p, const engine::table_description* t) {
  return p.where.matches_all() || (t && prefilter(p, t).exact(p.where));
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
