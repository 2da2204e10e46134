// SQLite's schema side: DDL through the shared renderer, introspection from the table
// pragmas, and the migration lock, which is SQLite's own write lock (BEGIN IMMEDIATE).
#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>

#include "connection.hpp"
#include "dialect.hpp"
#include "error.hpp"

namespace tether::detail::sqlite {
namespace {

// A declared type back into a portable field (types.cpp has the forward table).
void read_type(engine::field_def& f, std::string declared) {
  std::transform(declared.begin(), declared.end(), declared.begin(), [](unsigned char c) { return std::toupper(c); });
  auto args = [&] {
    auto open = declared.find('(');
    return open == std::string::npos ? std::string{} : declared.substr(open + 1, declared.find(')') - open - 1);
  };
  std::string base = declared.substr(0, declared.find('('));
  while (!base.empty() && base.back() == ' ') base.pop_back();
  static const std::pair<const char*, field_type> table[] = {
      {"INTEGER", field_type::integer}, {"BIGINT", field_type::bigint},     {"SMALLINT", field_type::smallint},
      {"REAL", field_type::float_},     {"DOUBLE", field_type::double_},    {"DECIMAL_TEXT", field_type::decimal},
      {"VARCHAR", field_type::string},  {"TEXT", field_type::text},         {"BOOLEAN", field_type::boolean},
      {"DATE", field_type::date},       {"TIME", field_type::time},         {"DATETIME", field_type::datetime},
      {"TIMESTAMP", field_type::timestamp}, {"JSON", field_type::json},     {"UUID", field_type::uuid},
      {"BLOB", field_type::blob}};
  f.type = field_type::text;
  for (const auto& [name, type] : table)
    if (base == name) f.type = type;
  if (f.type == field_type::string) f.length = std::atoi(args().c_str());
  if (f.type == field_type::decimal && !args().empty()) {
    f.precision = std::atoi(args().c_str());
    auto comma = args().find(',');
    if (comma != std::string::npos) f.scale = std::atoi(args().c_str() + comma + 1);
  }
}

void read_default(engine::field_def& f, std::string_view expr) {
  if (expr.empty() || expr == "NULL") return;
  if (expr.find("'now'") != std::string_view::npos || expr == "CURRENT_TIMESTAMP") {
    f.default_now = true;
    return;
  }
  if (expr.front() == '\'') {
    std::string s;
    for (std::size_t i = 1; i + 1 < expr.size(); ++i) {
      s += expr[i];
      if (expr[i] == '\'') ++i;  // '' is one quote
    }
    f.default_value = value(s);
  } else if (expr == "TRUE" || expr == "FALSE") {
    f.default_value = value(expr == "TRUE");
  } else {
    try {
      f.default_value = value::from_json(expr);
    } catch (const error&) {
      // An expression tether does not model: left out.
    }
  }
}

}  // namespace

std::vector<std::string> connection::schema_statements(const engine::schema_op& op,
                                                       const engine::table_description* before) {
  using engine::schema_op_kind;
  tables_.clear();
  if (op.kind == schema_op_kind::modify_field || op.kind == schema_op_kind::add_constraint ||
      op.kind == schema_op_kind::drop_constraint)
    throw error(error_category::unsupported,
                fmt::format("{} on SQLite needs a table rebuild, which tether does not do yet (table \"{}\")",
                            op.kind == schema_op_kind::modify_field ? "modify_field"
                            : op.kind == schema_op_kind::add_constraint ? "add_constraint" : "drop_constraint",
                            op.table),
                error_details{"sqlite", 0, "0A000", ""});
  return sql::schema_statements(the_dialect(), op, before);
}

std::optional<engine::table_description> connection::describe(std::string_view table) {
  std::string name(table);
  auto rows = [&](std::string_view key, const char* sql, std::vector<value> params) {
    cached& c = prepare(key, [&] { return sql::statement{sql, {}}; });
    struct reset {
      sqlite3_stmt* s;
      ~reset() { sqlite3_reset(s); sqlite3_clear_bindings(s); }
    } r{c.stmt};
    for (std::size_t i = 0; i < params.size(); ++i)
      bind_value(c.stmt, static_cast<int>(i + 1), params[i], sql::transform::none);
    std::vector<std::vector<std::string>> out;
    while (sqlite3_step(c.stmt) == SQLITE_ROW) {
      std::vector<std::string> row;
      for (int col = 0; col < sqlite3_column_count(c.stmt); ++col) {
        const unsigned char* t = sqlite3_column_text(c.stmt, col);
        row.emplace_back(t ? reinterpret_cast<const char*>(t) : "");
      }
      out.push_back(std::move(row));
    }
    return out;
  };
  auto cols = rows("\x01" "describe_columns", "SELECT name, type, \"notnull\", dflt_value, pk FROM pragma_table_info(?1)", {name});
  if (cols.empty()) return std::nullopt;
  engine::table_description t;
  t.name = name;
  std::vector<std::pair<int, std::string>> key;
  for (const auto& c : cols) {
    engine::field_def f;
    f.name = c[0];
    read_type(f, c[1]);
    f.nullable = c[2] != "1";
    read_default(f, c[3]);
    if (std::atoi(c[4].c_str()) > 0) {
      f.primary_key = true;
      f.nullable = false;
      key.emplace_back(std::atoi(c[4].c_str()), f.name);
    }
    t.columns.push_back(std::move(f));
  }
  std::sort(key.begin(), key.end());
  for (const auto& [_, k] : key) t.primary_key.push_back(k);
  if (t.primary_key.size() == 1)  // INTEGER PRIMARY KEY: the rowid, which counts up
    for (auto& f : t.columns)
      if (f.primary_key && f.type == field_type::integer) f.auto_increment = true;
  auto indexes = rows("\x01" "describe_indexes",
                      "SELECT l.name, l.\"unique\", l.origin, (SELECT group_concat(name, ',') FROM "
                      "(SELECT name FROM pragma_index_info(l.name) ORDER BY seqno)), "
                      "COALESCE((SELECT substr(sql, instr(upper(sql), ' WHERE ') + 7) FROM sqlite_schema "
                      "WHERE type = 'index' AND name = l.name AND l.partial), '') "
                      "FROM pragma_index_list(?1) l ORDER BY l.name",
                      {name});
  for (const auto& i : indexes) {
    std::vector<std::string> fields;
    for (std::size_t start = 0; start <= i[3].size();) {
      auto comma = i[3].find(',', start);
      fields.push_back(i[3].substr(start, comma - start));
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
    if (i[2] == "pk") continue;
    if (i[2] == "u" && fields.size() == 1) {  // a column's own UNIQUE
      for (auto& f : t.columns)
        if (f.name == fields[0]) f.unique = true;
      continue;
    }
    t.indexes.push_back({i[0], fields, i[1] == "1", i[4]});
  }
  return t;
}

std::vector<std::string> connection::list_tables() {
  std::vector<std::string> out;
  cached& c = prepare("\x01list_tables", [] {
    return sql::statement{"SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' "
                          "ORDER BY name", {}};
  });
  while (sqlite3_step(c.stmt) == SQLITE_ROW) out.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(c.stmt, 0)));
  sqlite3_reset(c.stmt);
  return out;
}

// The lock is the migration's own write transaction (BEGIN IMMEDIATE, which begin()
// issues); here it only sets how long to wait for another writer.
void connection::lock_migrations(std::chrono::milliseconds timeout) {
  sqlite3_busy_timeout(db_, static_cast<int>(timeout.count()));
}

void connection::unlock_migrations() { sqlite3_busy_timeout(db_, busy_timeout_ms_); }

}  // namespace tether::detail::sqlite
