// Aggregate result kinds: count → integer; sum → exact (an integer when the total is a
// whole number that fits 64 bits and the input has no decimal places; a decimal when the
// input is decimal; a double when it is a double); avg → double; min and max → the
// column's own kind; string_agg → string.
#include "core/query/aggregate_types.hpp"

#include "tether/engine/evaluate.hpp"
#include "core/results/records_builder.hpp"

#include <charconv>
#include <cstdlib>

namespace tether::detail {

using engine::aggregate_fn;

namespace {

bool integer_type(field_type t) {
  return t == field_type::integer || t == field_type::bigint || t == field_type::smallint;
}

// Text an engine gave for a decimal (SQLite keeps decimals as text) as a decimal value.
value as_decimal_value(const value& v) {
  if (v.kind() == value_kind::string) return decimal::parse(v.as_string());
  if (v.kind() == value_kind::integer) return decimal{std::to_string(v.as_int())};
  return v;
}

value whole_to_integer(const value& v) {
  if (v.kind() != value_kind::decimal && v.kind() != value_kind::string) return v;
  const std::string& t = v.kind() == value_kind::decimal ? v.as_decimal().text : v.as_string();
  std::int64_t i = 0;
  auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), i);
  if (ec == std::errc() && end == t.data() + t.size()) return i;
  return as_decimal_value(v);
}

value typed(const value& v, const engine::aggregate_term& t) {
  if (v.is_null() || !t.input) return v;
  const field_type in = *t.input;
  switch (t.fn) {
    case aggregate_fn::sum:
      if (integer_type(in)) return whole_to_integer(v);
      if (in == field_type::decimal) return as_decimal_value(v);
      if ((in == field_type::double_ || in == field_type::float_) && v.is_number()) return v.as_double();
      return v;
    case aggregate_fn::avg: return v.is_number() ? value(v.as_double()) : v;
    case aggregate_fn::min:
    case aggregate_fn::max:
      switch (in) {
        case field_type::boolean: return v.kind() == value_kind::integer ? value(v.as_int() != 0) : v;
        case field_type::decimal: return as_decimal_value(v);
        case field_type::date: return v.is_string() ? value(date::parse(v.as_string())) : v;
        case field_type::time: return v.is_string() ? value(time_of_day::parse(v.as_string())) : v;
        case field_type::datetime:
        case field_type::timestamp: return v.is_string() ? value(timestamp::parse(v.as_string())) : v;
        default: return v;
      }
    default: return v;
  }
}

}  // namespace

namespace {
std::optional<value_kind> kind_of(field_type t) {
  switch (t) {
    case field_type::integer: case field_type::bigint: case field_type::smallint: return value_kind::integer;
    case field_type::float_: case field_type::double_: return value_kind::real;
    case field_type::decimal: return value_kind::decimal;
    case field_type::string: case field_type::text: case field_type::enum_: return value_kind::string;
    case field_type::boolean: return value_kind::boolean;
    case field_type::date: return value_kind::date;
    case field_type::time: return value_kind::time;
    case field_type::datetime: case field_type::timestamp: return value_kind::timestamp;
    case field_type::uuid: return value_kind::uuid;
    default: return std::nullopt;  // json, arrays, bytes: no rules
  }
}
}  // namespace

void check_types(const engine::plan& p, const engine::table_description& t) {
  auto column = [&](const std::string& field) -> std::optional<std::pair<value_kind, std::string_view>> {
    const auto* f = engine::find_named(t.columns, field);
    if (!f) return std::nullopt;
    auto k = kind_of(f->type);
    if (!k) return std::nullopt;
    return std::pair{*k, to_string(f->type)};
  };
  engine::check_operands(p, p.where, column);
  for (const auto& a : p.aggregates)
    if (auto k = column(a.column)) engine::check_aggregate_input(k->first, k->second, a.fn, a.column);
}

bool needs_input_types(const engine::plan& p) noexcept {
  for (const auto& a : p.aggregates)
    if (a.fn == aggregate_fn::sum || a.fn == aggregate_fn::avg || a.fn == aggregate_fn::min || a.fn == aggregate_fn::max)
      return true;
  return false;
}

void annotate_inputs(engine::plan& p, const engine::table_description& t) {
  for (auto& a : p.aggregates)
    if (const auto* f = engine::find_named(t.columns, a.column)) a.input = f->type;
}

void type_results(records& rows, const std::vector<engine::aggregate_term>& terms, std::size_t group_columns) {
  bool changes = false;
  for (std::size_t r = 0; r < rows.size() && !changes; ++r)
    for (std::size_t k = 0; k < terms.size() && !changes; ++k) {
      value v = rows.get(r, group_columns + k);
      changes = !(typed(v, terms[k]) == v) || (typed(v, terms[k]).kind() != v.kind());
    }
  if (!changes) return;
  std::vector<std::string> names;
  for (std::size_t c = 0; c < rows.column_count(); ++c) names.emplace_back(rows.column_name(c));
  records out(std::move(names));
  detail::records_builder(out).reserve(rows.size());
  for (std::size_t r = 0; r < rows.size(); ++r) {
    for (std::size_t c = 0; c < rows.column_count(); ++c) {
      value v = rows.get(r, c);
      detail::records_builder(out).add(c >= group_columns && c - group_columns < terms.size() ? typed(v, terms[c - group_columns]) : v);
    }
    detail::records_builder(out).end_row();
  }
  rows = std::move(out);
}

}  // namespace tether::detail
