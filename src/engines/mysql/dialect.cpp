// MySQL and MariaDB's hooks. Text columns usually carry a case- and accent-insensitive
// collation (utf8mb4_general_ci), so the case-sensitive operators compare under
// a binary collation without padding (exact_collation()), and $ilike folds both sides and
// then compares under it too, so
// that it folds case and nothing else, as it does on PostgreSQL and SQLite. REGEXP
// follows the collation as well, so it gets the binary one. Identifiers are quoted with
// backticks, which work whatever the server's sql_mode; OFFSET needs a LIMIT.
#include "dialect.hpp"

#include <fmt/format.h>

namespace tether::detail::mysql {

using engine::compare;
using sql::transform;
void dialect::placeholder(std::string& out, std::size_t /*ordinal*/) const { out += '?'; }



void dialect::text_match(sql::renderer& r, const engine::filter_node& n) const {
  auto like = [&](transform how) {
    r.column(n);
    r.text(" LIKE (");
    r.param(n.first_param, how);
    r.text(" COLLATE ");
    r.text(exact_collation());
    r.text(")");
  };
  switch (n.op) {
    case compare::like: return like(transform::none);
    case compare::starts_with: return like(transform::like_prefix);
    case compare::ends_with: return like(transform::like_suffix);
    case compare::contains: return like(transform::like_contains);
    case compare::ilike: {
      // Each side upper-cased, then lower-cased (docs/querying.md), by the folding
      // collation's tables, then matched exactly.
      auto folded = [&](auto&& side) {
        r.text("LOWER(UPPER(CONVERT(");
        side();
        r.text(" USING utf8mb4) COLLATE ");
        r.text(folding_collation());
        r.text(")) COLLATE ");
        r.text(exact_collation());
      };
      folded([&] { r.column(n); });
      r.text(" LIKE (");
      folded([&] { r.param(n.first_param); });
      return r.text(")");
    }
    case compare::regex:
      r.column(n);
      r.text(" REGEXP (");
      r.param(n.first_param, transform::regex_pcre);
      r.text(" COLLATE ");
      r.text(exact_collation());
      return r.text(")");
    default: break;
  }
}

void dialect::not_equal(sql::renderer& r, const engine::filter_node& n) const {
  r.text("NOT (");
  compared_column(r, n);
  r.text(" <=> ");
  r.operand(n, n.first_param);
  r.text(")");
}

// When a double is among a comparison's operands, the column and every operand are
// doubles (MySQL would compare an integer operand with an integer column exactly, and an
// IN list of doubles with a BIGINT column as decimals).
void dialect::compared_column(sql::renderer& r, const engine::filter_node& n) const {
  if (r.plan().number_kind(n) != engine::operand_number::real) return r.column(n);
  r.text("CAST(");
  r.column(n);
  r.text(" AS DOUBLE)");
}

void dialect::operand(sql::renderer& r, const engine::filter_node& n, std::uint32_t param) const {
  if (r.plan().number_kind(n) != engine::operand_number::real) return r.param(param);
  r.text("CAST(");
  r.param(param);
  r.text(" AS DOUBLE)");
}

// GROUP_CONCAT takes its SEPARATOR as a literal only, so the separator is bound instead:
// each value is concatenated after it, joined with nothing, and the first one cut off
// (CONCAT with a null is null, which GROUP_CONCAT skips, as it skips null values).
void dialect::string_agg(sql::renderer& r, const engine::aggregate_term& t) const {
  r.text("SUBSTRING(GROUP_CONCAT(CONCAT(");
  r.param(t.separator);
  r.text(", ");
  r.ident(t.column);
  r.text(") SEPARATOR ''), CHAR_LENGTH(");
  r.param(t.separator);
  r.text(") + 1)");
}

// CAST(… AS DOUBLE) is MariaDB 10.4's and MySQL 8.0.17's; a product with 1e0 is a double
// on every version.
void dialect::avg(sql::renderer& r, const engine::aggregate_term& t) const {
  r.text("SUM(");
  r.ident(t.column);
  r.text(") * 1e0 / COUNT(");
  r.ident(t.column);
  r.text(")");
}

void dialect::concat(sql::renderer& r, const engine::assignment& a) const {
  r.text("CONCAT(COALESCE(");
  r.ident(a.column);
  r.text(", ''), ");
  r.param(a.param);
  r.text(")");
}

// Elements arrive as JSON text; JSON_EXTRACT(?, '$') makes them JSON values, so that a
// pushed object is an object and not a string holding one.
void dialect::json_array_op(sql::renderer& r, const engine::assignment& a) const {
  auto col = [&] { r.ident(a.column); };
  auto element = [&] {
    r.text("JSON_EXTRACT(");
    r.param(a.param, transform::json_text);
    r.text(", '$')");
  };
  auto append = [&] {
    r.text("JSON_ARRAY_APPEND(COALESCE(");
    col();
    r.text(", '[]'), '$', ");
    element();
    r.text(")");
  };
  switch (a.op) {
    case engine::update_op::push: return append();
    case engine::update_op::add_to_set:
      r.text("CASE WHEN JSON_CONTAINS(COALESCE(");
      col();
      r.text(", '[]'), JSON_ARRAY(");
      element();
      r.text(")) THEN ");
      col();
      r.text(" ELSE ");
      append();
      return r.text(" END");
    case engine::update_op::pull:
      // The elements that differ from the value, in their order, joined back as JSON.
      r.text("(SELECT JSON_COMPACT(CONCAT('[', COALESCE(GROUP_CONCAT(j ORDER BY i SEPARATOR ','), ''), ']')) "
             "FROM JSON_TABLE(COALESCE(");
      col();
      r.text(", '[]'), '$[*]' COLUMNS (i FOR ORDINALITY, j JSON PATH '$')) AS t "
             "WHERE NOT JSON_EQUALS(j, ");
      r.param(a.param, transform::json_text);
      return r.text("))");
    case engine::update_op::pop_last:
      r.text("JSON_REMOVE(");
      col();
      return r.text(", '$[last]')");
    case engine::update_op::pop_first:
      r.text("JSON_REMOVE(");
      col();
      return r.text(", '$[0]')");
    default: break;
  }
}


// ON DUPLICATE KEY UPDATE fires on any unique key of the table, not only the conflict
// columns named (docs/engines/mysql.md says so). "Ignore" is a no-op assignment rather
// than INSERT IGNORE, which would also turn other errors (NOT NULL, bad values) into
// warnings.
void dialect::upsert_clause(sql::renderer& r, const engine::plan& p) const {
  r.text(" ON DUPLICATE KEY UPDATE ");
  if (p.on_conflict == conflict_action::ignore || p.conflict_update.empty()) {
    const auto& c = p.conflict_columns.empty() ? p.columns.front() : p.conflict_columns.front();
    r.ident(c);
    r.text(" = ");
    r.ident(c);
    return;
  }
  for (std::size_t i = 0; i < p.conflict_update.size(); ++i) {
    if (i) r.text(", ");
    r.ident(p.conflict_update[i]);
    r.text(" = VALUES(");
    r.ident(p.conflict_update[i]);
    r.text(")");
  }
}

// The one table of portable field types → MySQL/MariaDB types (docs/engines/mysql.md).
std::string dialect::column_type(const engine::field_def& f, const sql::literal_maker& lit) const {
  switch (f.type) {
    case field_type::integer: return "INT";
    case field_type::bigint: return "BIGINT";
    case field_type::smallint: return "SMALLINT";
    case field_type::float_: return "FLOAT";
    case field_type::double_: return "DOUBLE";
    case field_type::decimal:
      return "DECIMAL(" + std::to_string(f.precision ? f.precision : 38) + ", " +
             std::to_string(f.precision ? f.scale : 9) + ")";
    case field_type::string:
      return fmt::format("VARCHAR({}) CHARACTER SET utf8mb4 COLLATE {}", f.length ? f.length : 255, exact_collation());
    case field_type::text: return fmt::format("TEXT CHARACTER SET utf8mb4 COLLATE {}", exact_collation());
    case field_type::boolean: return "BOOLEAN";
    case field_type::date: return "DATE";
    case field_type::time: return "TIME(6)";
    case field_type::datetime: case field_type::timestamp: return "DATETIME(6)";
    case field_type::json: case field_type::array: return "JSON";
    case field_type::uuid: return "UUID";
    case field_type::enum_: {
      std::string s = "ENUM(";
      for (std::size_t i = 0; i < f.enum_values.size(); ++i) {
        if (i) s += ", ";
        literal(s, value(f.enum_values[i]), lit);
      }
      return s + ")";
    }
    case field_type::binary: return "VARBINARY(" + std::to_string(f.length ? f.length : 255) + ")";
    case field_type::blob: return "LONGBLOB";
  }
  return "TEXT";
}

// MODIFY COLUMN restates the whole column; UNIQUE is left out, since restating it would
// add a second unique index (uniqueness changes go through indexes and constraints).
std::vector<std::string> dialect::modify_field(const std::string& table, const engine::field_def& f,
                                               const engine::field_def& /*before*/,
                                               const sql::literal_maker& lit) const {
  engine::field_def def = f;
  def.unique = false;
  def.primary_key = false;
  std::string s = "ALTER TABLE ";
  quote(s, table);
  return {s + " MODIFY COLUMN " + sql::column_definition(*this, def, false, lit)};
}

std::string dialect::drop_index(const std::string& table, const std::string& name) const {
  std::string s = "DROP INDEX ";
  quote(s, name);
  s += " ON ";
  quote(s, table);
  return s;
}

std::string dialect::drop_constraint(const std::string& table, const engine::constraint_def& c) const {
  std::string s = "ALTER TABLE ";
  quote(s, table);
  s += c.type == engine::constraint_type::foreign_key ? " DROP FOREIGN KEY "
       : c.type == engine::constraint_type::unique    ? " DROP INDEX "
                                                      : " DROP CONSTRAINT ";
  quote(s, c.name);
  return s;
}

const dialect& the_dialect(bool native_returning, bool mariadb) {
  static const dialect with(true, true), without(false, true), mysql_with(true, false), mysql_without(false, false);
  if (!mariadb) return native_returning ? mysql_with : mysql_without;
  return native_returning ? with : without;
}

}  // namespace tether::detail::mysql
