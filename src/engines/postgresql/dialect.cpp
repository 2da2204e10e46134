// PostgreSQL's hooks: its LIKE is case-sensitive and ILIKE folds case by the database's
// LC_CTYPE, so both are used as they are; arrays of json live in jsonb.
#include "dialect.hpp"

namespace tether::detail::postgresql {

using engine::compare;
using sql::transform;

void dialect::placeholder(std::string& out, std::size_t ordinal) const {
  out += '$';
  out += std::to_string(ordinal);
}

void dialect::text_match(sql::renderer& r, const engine::filter_node& n) const {
  auto like = [&](std::string_view op, transform how) {
    r.column(n);
    r.text(op);
    r.param(n.first_param, how);
    r.text(" ESCAPE '\\'");
  };
  switch (n.op) {
    case compare::like: return like(" LIKE ", transform::none);
    case compare::ilike:
      // ILIKE only lowers; the folding docs/querying.md defines upper-cases first, so
      // that ς meets σ and ẞ meets ß (by the database's LC_CTYPE: C.UTF-8 or a UTF-8 locale).
      r.text("lower(upper(");
      r.column(n);
      r.text(")) LIKE lower(upper(");
      r.param(n.first_param);
      return r.text(")) ESCAPE '\\'");
    case compare::starts_with: return like(" LIKE ", transform::like_prefix);
    case compare::ends_with: return like(" LIKE ", transform::like_suffix);
    case compare::contains:
      r.text("strpos(");
      r.column(n);
      r.text(", ");
      r.param(n.first_param);
      return r.text(") > 0");
    case compare::regex:
      r.column(n);
      r.text(" ~ ");
      return r.param(n.first_param);
    default: break;
  }
}

void dialect::json_array_op(sql::renderer& r, const engine::assignment& a) const {
  auto col = [&] { r.ident(a.column); };
  auto element = [&] {
    r.text("jsonb_build_array(");
    r.param(a.param, transform::json_text);
    r.text("::jsonb)");
  };
  switch (a.op) {
    case engine::update_op::push:
      r.text("COALESCE(");
      col();
      r.text(", '[]'::jsonb) || ");
      return element();
    case engine::update_op::add_to_set:
      r.text("CASE WHEN COALESCE(");
      col();
      r.text(", '[]'::jsonb) @> ");
      element();
      r.text(" THEN ");
      col();
      r.text(" ELSE COALESCE(");
      col();
      r.text(", '[]'::jsonb) || ");
      element();
      return r.text(" END");
    case engine::update_op::pull:
      r.text("(SELECT COALESCE(jsonb_agg(e ORDER BY i), '[]'::jsonb) FROM jsonb_array_elements(");
      col();
      r.text(") WITH ORDINALITY AS t(e, i) WHERE e <> ");
      r.param(a.param, transform::json_text);
      return r.text("::jsonb)");
    case engine::update_op::pop_last:
      col();
      r.text(" - (jsonb_array_length(");
      col();
      return r.text(") - 1)");
    case engine::update_op::pop_first:
      col();
      return r.text(" - 0");
    default: break;
  }
}

// PostgreSQL sorts null as the largest value; tether's order is the other way round.
void dialect::null_order(sql::renderer& r, direction dir) const {
  r.text(dir == direction::desc ? " NULLS LAST" : " NULLS FIRST");
}

// The one table of portable field types → PostgreSQL types (docs/engines/postgresql.md).
std::string dialect::column_type(const engine::field_def& f, const sql::literal_maker&) const {
  switch (f.type) {
    case field_type::integer: return "INTEGER";
    case field_type::bigint: return "BIGINT";
    case field_type::smallint: return "SMALLINT";
    case field_type::float_: return "REAL";
    case field_type::double_: return "DOUBLE PRECISION";
    case field_type::decimal:
      return f.precision ? "NUMERIC(" + std::to_string(f.precision) + ", " + std::to_string(f.scale) + ")" : "NUMERIC";
    case field_type::string: return "VARCHAR(" + std::to_string(f.length ? f.length : 255) + ")";
    case field_type::text: case field_type::enum_: return "TEXT";
    case field_type::boolean: return "BOOLEAN";
    case field_type::date: return "DATE";
    case field_type::time: return "TIME";
    case field_type::datetime: return "TIMESTAMP";
    case field_type::timestamp: return "TIMESTAMPTZ";
    case field_type::json: case field_type::array: return "JSONB";
    case field_type::uuid: return "UUID";
    case field_type::binary: case field_type::blob: return "BYTEA";
  }
  return "TEXT";
}

std::vector<std::string> dialect::modify_field(const std::string& table, const engine::field_def& f,
                                               const engine::field_def& before, const sql::literal_maker& lit) const {
  std::string head = "ALTER TABLE ";
  quote(head, table);
  head += " ALTER COLUMN ";
  quote(head, f.name);
  std::vector<std::string> out;
  const std::string type = column_type(f, lit);
  if (type != column_type(before, lit)) {
    std::string s = head + " TYPE " + type + " USING ";
    quote(s, f.name);
    out.push_back(s + "::" + type);
  }
  if (f.nullable != before.nullable) out.push_back(head + (f.nullable ? " DROP NOT NULL" : " SET NOT NULL"));
  if (f.default_now != before.default_now || f.default_value != before.default_value) {
    if (f.default_now) out.push_back(head + " SET DEFAULT " + std::string(now()));
    else if (f.default_value) {
      std::string s = head + " SET DEFAULT ";
      literal(s, *f.default_value, lit);
      out.push_back(s);
    } else {
      out.push_back(head + " DROP DEFAULT");
    }
  }
  return out;
}

// $1 takes the column's type: a double or a decimal for a bigint column says its own.
std::string_view dialect::operand_cast(const engine::filter_node& n, const engine::plan& p) const {
  switch (p.number_kind(n)) {
    case engine::operand_number::real: return "::float8";
    case engine::operand_number::decimal: return "::numeric";
    default: return {};
  }
}

void dialect::operand(sql::renderer& r, const engine::filter_node& n, std::uint32_t param) const {
  r.param(param);
  r.text(operand_cast(n, r.plan()));
}

// PostgreSQL has no MIN or MAX of a boolean: false < true, so they are every and any.
void dialect::extreme(sql::renderer& r, const engine::aggregate_term& t) const {
  if (t.input != field_type::boolean) return sql::dialect::extreme(r, t);
  r.text(t.fn == engine::aggregate_fn::min ? "bool_and(" : "bool_or(");
  r.ident(t.column);
  r.text(")");
}

const dialect& the_dialect() {
  static const dialect d;
  return d;
}

}  // namespace tether::detail::postgresql
