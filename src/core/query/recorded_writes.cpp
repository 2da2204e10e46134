// Written rows completed, and updates computed, on the client (recorded_writes.hpp).
#include "core/query/recorded_writes.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>

#include "tether/engine/evaluate.hpp"
#include "tether/error.hpp"

namespace tether::detail {
namespace {

// A field's default, as the SQL engines apply it: its literal, or the current moment.
std::optional<value> default_of(const engine::field_def& f, std::int64_t precision) {
  if (f.default_value && !f.default_value->is_null()) return *f.default_value;
  if (!f.default_now) return std::nullopt;
  std::int64_t micros =
      std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  micros -= micros % precision;
  if (f.type == field_type::date) return value(date{static_cast<std::int32_t>(micros / 86'400'000'000)});
  if (f.type == field_type::time) return value(time_of_day{micros % 86'400'000'000});
  return value(timestamp{micros, 0});
}

void filter_fields(const engine::filter_node& n, std::vector<const std::string*>& out) {
  if (n.kind == engine::logic::leaf) out.push_back(&n.field);
  for (const auto& c : n.children) filter_fields(c, out);
}

}  // namespace

void check_fields(const engine::plan& p, const engine::table_description& t, std::string_view engine) {
  std::vector<const std::string*> names;
  filter_fields(p.where, names);
  filter_fields(p.having, names);
  for (const auto& c : p.columns) names.push_back(&c);
  for (const auto& o : p.order_by) names.push_back(&o.column);
  for (const auto& s : p.set) {
    names.push_back(&s.column);
    if (s.op == engine::update_op::rename) names.push_back(&p.param(s.param)->as_string());  // where the value goes
  }
  for (const auto& g : p.group_by) names.push_back(&g);
  for (const auto& a : p.aggregates)
    if (a.column != "*") names.push_back(&a.column);
  for (const std::string* n : names) {
    bool alias = false;  // having and order_by may name an aggregate's alias
    for (const auto& a : p.aggregates) alias = alias || a.alias == *n;
    if (alias) continue;
    if (!engine::find_named(t.columns, *n))
      throw error(error_category::schema, fmt::format("unknown column \"{}\" in \"{}\"", *n, t.name),
                  error_details{.engine = std::string(engine), .code = "UnknownField"});
  }
}

std::vector<object> complete_records(const engine::plan& p, const engine::table_description& t,
                                     const std::function<std::int64_t(std::int64_t)>& next_ids, std::string_view engine,
                                     std::int64_t now_micros) {
  const engine::field_def* counter = nullptr;
  for (const auto& f : t.columns)
    if (f.auto_increment) counter = &f;
  std::vector<object> rows;
  rows.reserve(p.row_count);
  std::int64_t missing_ids = 0;
  for (std::size_t r = 0; r < p.row_count; ++r) {
    object row;
    row.reserve(t.columns.size() + p.columns.size());
    bool has_id = false;
    for (std::size_t c = 0; c < p.columns.size(); ++c) {
      const value& v = p.cell(r, c);
      if (v.is_null()) continue;  // as absent: stored as nothing, so a default applies
      if (counter && p.columns[c] == counter->name) has_id = true;
      row.emplace_back(p.columns[c], v);
    }
    if (counter && !has_id) ++missing_ids;
    rows.push_back(std::move(row));
  }
  std::int64_t id = missing_ids > 0 ? next_ids(missing_ids) - missing_ids : 0;
  for (std::size_t r = 0; r < rows.size(); ++r) {
    object& row = rows[r];
    auto has = [&](const std::string& name) {
      return std::any_of(row.begin(), row.end(), [&](const member& m) { return m.first == name; });
    };
    for (const auto& f : t.columns) {
      if (has(f.name)) continue;
      if (counter && &f == counter) {
        row.emplace_back(f.name, value(++id));
      } else if (auto d = default_of(f, now_micros)) {
        row.emplace_back(f.name, std::move(*d));
      } else if (!f.nullable || f.primary_key) {
        throw error(error_category::not_null_violation,
                    fmt::format("record {} for \"{}\" has no value for \"{}\", which is required{}", r, p.table, f.name,
                                f.primary_key ? " (a field of the key)" : ""),
                    error_details{std::string(engine)});
      }
    }
  }
  return rows;
}

value as_declared(const value& v, const engine::field_def* f, std::string_view field, std::string_view engine) {
  if (!f || v.is_null()) return v;
  const bool container = v.kind() == value_kind::object || v.kind() == value_kind::array;
  if (container && f->type != field_type::json && !(f->type == field_type::array && v.kind() == value_kind::array))
    throw error(error_category::usage,
                fmt::format("field \"{}\" is {}: {} {} does not fit it (update operators go at the top: "
                            "{{\"$inc\": {{\"{}\": 1}}}})",
                            field, to_string(f->type), v.kind() == value_kind::object ? "an object" : "an array",
                            v.to_json().substr(0, 80), field),
                error_details{std::string(engine)});
  // An ObjectId is kept as itself in a json field and as its 24 hex digits in a text
  // field, as the SQL engines store it; no other type takes one.
  if (v.kind() == value_kind::object_id) {
    if (f->type == field_type::string || f->type == field_type::text) return value(v.as_object_id().to_string());
    if (f->type != field_type::json)
      throw error(error_category::usage,
                  fmt::format("field \"{}\" is {}: the ObjectId {} does not fit it (an ObjectId fits a string, "
                              "text or json field)",
                              field, to_string(f->type), v.to_json()),
                  error_details{std::string(engine)});
  }
  if (f->type == field_type::decimal && f->precision > 0) {
    switch (v.kind()) {
      case value_kind::decimal: return value(decimal::parse(engine::round_decimal(v.as_decimal().text, f->scale)));
      case value_kind::integer: return value(decimal::parse(engine::round_decimal(std::to_string(v.as_int()), f->scale)));
      case value_kind::real:
        if (std::isfinite(v.as_double())) {
          std::string text = fmt::format("{}", v.as_double());  // shortest; "1e+300" read as 1e300
          text.erase(std::remove(text.begin(), text.end(), '+'), text.end());
          return value(decimal::parse(engine::round_decimal(text, f->scale)));
        }
        return v;
      default: return v;
    }
  }
  if (f->type == field_type::enum_ && v.kind() == value_kind::string && !f->enum_values.empty()) {
    const auto& allowed = f->enum_values;
    if (std::find(allowed.begin(), allowed.end(), v.as_string()) == allowed.end()) {
      std::string list;
      for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + value(a).to_json();
      throw error(error_category::check_violation,
                  fmt::format("field \"{}\": {} is not one of its values ({})", field, v.to_json(), list),
                  error_details{std::string(engine)});
    }
  }
  return v;
}

std::optional<value> updated_value(engine::update_op op, const value& old, const value* operand, std::string_view column) {
  using engine::update_op;
  auto arithmetic = [&](const value& a, const value& b, char how) -> value {
    if (a.kind() == value_kind::decimal || b.kind() == value_kind::decimal)
      throw error(error_category::unsupported,
                  fmt::format("update of \"{}\": decimal arithmetic ($inc, $dec, $mul) is not done on the client", column));
    if (a.kind() == value_kind::integer && b.kind() == value_kind::integer) {
      std::int64_t out = 0;
      const bool overflow = how == '+'   ? __builtin_add_overflow(a.as_int(), b.as_int(), &out)
                            : how == '-' ? __builtin_sub_overflow(a.as_int(), b.as_int(), &out)
                                         : __builtin_mul_overflow(a.as_int(), b.as_int(), &out);
      if (overflow)
        throw error(error_category::query, fmt::format("update of \"{}\": the result is out of range for a 64-bit integer",
                                                       column));
      return value(out);
    }
    const double x = a.as_double(), y = b.as_double();
    return value(how == '+' ? x + y : how == '-' ? x - y : x * y);
  };
  switch (op) {
    case update_op::set: return *operand;
    case update_op::unset: return value();
    case update_op::inc: return arithmetic(old.is_null() ? value(0) : old, *operand, '+');
    case update_op::dec: return arithmetic(old.is_null() ? value(0) : old, *operand, '-');
    case update_op::mul: return arithmetic(old.is_null() ? value(0) : old, *operand, '*');
    case update_op::min:
    case update_op::max: {
      if (old.is_null()) return *operand;
      const auto order = engine::compare_values(*operand, old);
      if (order && (op == update_op::min ? *order < 0 : *order > 0)) return *operand;
      return std::nullopt;
    }
    case update_op::concat: return value((old.is_null() ? std::string() : old.as_string()) + operand->as_string());
    case update_op::push:
    case update_op::add_to_set:
    case update_op::pull:
    case update_op::pop_first:
    case update_op::pop_last: return engine::array_update(op, old, operand);
    case update_op::rename:        // the engine moves the value: it needs the other field
    case update_op::current_date:  // the engine takes the time: the server's, where it can
      return std::nullopt;
  }
  return std::nullopt;
}

}  // namespace tether::detail
