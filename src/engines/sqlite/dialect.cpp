// SQLite's hooks. SQLite's LIKE ignores ASCII case and its lower() folds ASCII only, so
// case-sensitive matches use GLOB, and $ilike folds both sides with tether_fold(), a
// function this engine registers that folds all of Unicode (see functions.cpp).
#include "dialect.hpp"

#include "types.hpp"

namespace tether::detail::sqlite {

using engine::compare;
using sql::transform;

// Bindings follow the placeholders in order, so plain ? is exact; numbered ?NNN would
// make SQLite keep a name list that costs 3% of a bulk insert.
void dialect::placeholder(std::string& out, std::size_t /*ordinal*/) const { out += '?'; }

namespace {
// GLOB and LIKE refuse a pattern of over 50,000 bytes (SQLite's hard limit), so a long
// operand, or one a prepared query binds later (whose length is not known yet), goes to
// tether_glob / tether_like (functions.cpp), which match the same patterns with no limit
// but cannot use an index.
bool unbounded(sql::renderer& r, const engine::filter_node& n) {
  if (engine::long_text(*r.plan().param(n.first_param))) return true;
  for (const auto& s : r.plan().slots)
    if (s.param == n.first_param) return true;
  return false;
}
}  // namespace

void dialect::text_match(sql::renderer& r, const engine::filter_node& n) const {
  switch (n.op) {
    case compare::like:
    case compare::starts_with:
    case compare::ends_with: {
      const transform how = n.op == compare::like          ? transform::glob_from_like
                            : n.op == compare::starts_with ? transform::glob_prefix
                                                           : transform::glob_suffix;
      if (unbounded(r, n)) {
        r.text("tether_glob(");
        r.param(n.first_param, how);
        r.text(", ");
        r.column(n);
        return r.text(")");
      }
      r.column(n);
      r.text(" GLOB ");
      return r.param(n.first_param, how);
    }
    case compare::contains:
      r.text("instr(");
      r.column(n);
      r.text(", ");
      r.param(n.first_param);
      return r.text(") > 0");
    case compare::ilike:
      if (unbounded(r, n)) {
        r.text("tether_like(tether_fold(");
        r.param(n.first_param);
        r.text("), tether_fold(");
        r.column(n);
        return r.text("))");
      }
      r.text("tether_fold(");
      r.column(n);
      r.text(") LIKE tether_fold(");
      r.param(n.first_param);
      return r.text(") ESCAPE '\\'");
    case compare::regex:
      r.column(n);
      r.text(" REGEXP ");
      return r.param(n.first_param);
    default: break;
  }
}

void dialect::not_equal(sql::renderer& r, const engine::filter_node& n) const {
  compared_column(r, n);
  r.text(" IS NOT ");
  r.operand(n, n.first_param);
}

// SQLite compares an integer with a double exactly; the servers (and docs/querying.md)
// compare them as doubles, so a double operand meets the column as a double.
void dialect::compared_column(sql::renderer& r, const engine::filter_node& n) const {
  if (r.plan().number_kind(n) != engine::operand_number::real) return r.column(n);
  r.text("CAST(");
  r.column(n);
  r.text(" AS REAL)");
}

// With a double among the operands every operand is a double; an integer beyond 2^53
// meets a double column (a row whose value is REAL) as a double, as on the servers.
void dialect::operand(sql::renderer& r, const engine::filter_node& n, std::uint32_t param) const {
  switch (r.plan().number_kind(n)) {
    case engine::operand_number::real:
      r.text("CAST(");
      r.param(param);
      return r.text(" AS REAL)");
    case engine::operand_number::big_integer:
      r.text("(CASE WHEN typeof(");
      r.column(n);
      r.text(") = 'real' THEN CAST(");
      r.param(param);
      r.text(" AS REAL) ELSE ");
      r.param(param);
      return r.text(" END)");
    default: return r.param(param);
  }
}

// SQLite's SUM fails on an integer overflow and adds decimal text as doubles.
void dialect::sum(sql::renderer& r, const engine::aggregate_term& t) const {
  r.text("tether_sum(");
  r.ident(t.column);
  r.text(")");
}

void dialect::decimal_value(sql::renderer& r, std::uint32_t param, int scale) const {
  r.text("tether_decimal(");
  r.param(param);
  r.text(", ");
  r.text(std::to_string(scale));
  r.text(")");
}

void dialect::string_agg(sql::renderer& r, const engine::aggregate_term& t) const {
  r.text("group_concat(");
  r.ident(t.column);
  r.text(", ");
  r.param(t.separator);
  r.text(")");
}

void dialect::json_array_op(sql::renderer& r, const engine::assignment& a) const {
  auto col = [&] { r.ident(a.column); };
  // An element of json_each as JSON again (true stays true, not 1).
  constexpr std::string_view element =
      "CASE type WHEN 'true' THEN json('true') WHEN 'false' THEN json('false') "
      "WHEN 'null' THEN json('null') WHEN 'object' THEN json(value) "
      "WHEN 'array' THEN json(value) ELSE value END";
  switch (a.op) {
    case engine::update_op::push:
      r.text("json_insert(COALESCE(");
      col();
      r.text(", '[]'), '$[#]', json(");
      r.param(a.param, transform::json_text);
      return r.text("))");
    case engine::update_op::add_to_set:
      r.text("CASE WHEN EXISTS (SELECT 1 FROM json_each(");
      col();
      r.text(") WHERE atom IS ");
      r.param(a.param);
      r.text(") THEN ");
      col();
      r.text(" ELSE json_insert(COALESCE(");
      col();
      r.text(", '[]'), '$[#]', json(");
      r.param(a.param, transform::json_text);
      return r.text(")) END");
    case engine::update_op::pull:
      r.text("(SELECT json_group_array(");
      r.text(element);
      r.text(") FROM json_each(");
      col();
      r.text(") WHERE NOT (atom IS ");
      r.param(a.param);
      return r.text("))");
    case engine::update_op::pop_last:
      r.text("json_remove(");
      col();
      return r.text(", '$[#-1]')");
    case engine::update_op::pop_first:
      r.text("json_remove(");
      col();
      return r.text(", '$[0]')");
    default: break;
  }
}


// An auto-increment key is the table's INTEGER PRIMARY KEY: SQLite's rowid.
std::string dialect::column_type(const engine::field_def& f, const sql::literal_maker&) const {
  if (f.auto_increment) return "INTEGER";
  if (f.type == field_type::string && f.length) return "VARCHAR(" + std::to_string(f.length) + ")";
  // Decimals are text compared by value (functions.cpp): a tool that opens the file
  // without tether cannot compare them (it has no tether_decimal collation).
  if (f.type == field_type::decimal && f.precision)
    return "DECIMAL_TEXT(" + std::to_string(f.precision) + ", " + std::to_string(f.scale) + ") COLLATE tether_decimal";
  if (f.type == field_type::decimal) return std::string(sqlite::column_type(f.type)) + " COLLATE tether_decimal";
  return std::string(sqlite::column_type(f.type));
}

const dialect& the_dialect() {
  static const dialect d;
  return d;
}

}  // namespace tether::detail::sqlite
