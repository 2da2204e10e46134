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

// DDL's literals by SQLite's own %Q.
class literals final : public sql::literal_maker {
  void quote(std::string& out, std::string_view text) const override {
    char* q = sqlite3_mprintf("%.*Q", static_cast<int>(text.size()), text.data());
    if (!q) throw error(error_category::connection, "out of memory quoting a constant", error_details{"sqlite"});
    out += q;
    sqlite3_free(q);
  }
};

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
  // A type tether did not write keeps SQLite's affinity (section 3.1 of its datatype
  // page): INT → integer, CHAR/CLOB/TEXT → text, BLOB or none → blob, REAL/FLOA/DOUB →
  // double, anything else (NUMERIC, DECIMAL(10,2), MONEY) → decimal.
  auto has = [&](std::string_view s) { return base.find(s) != std::string::npos; };
  f.type = has("INT")                                   ? field_type::bigint
           : has("CHAR") || has("CLOB") || has("TEXT") ? field_type::text
           : has("BLOB") || base.empty()               ? field_type::blob
           : has("REAL") || has("FLOA") || has("DOUB") ? field_type::double_
                                                       : field_type::decimal;
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

// The CREATE TABLE text split at its top-level commas: column definitions and table
// constraints, as written (quotes and parentheses respected).
std::vector<std::string> definitions(std::string_view sql) {
  std::vector<std::string> out;
  auto open = sql.find('(');
  if (open == std::string_view::npos) return out;
  int depth = 0;
  char quote = 0;
  std::string cur;
  for (std::size_t i = open + 1; i < sql.size(); ++i) {
    char c = sql[i];
    if (quote) {
      cur += c;
      if (c == quote) quote = 0;
      continue;
    }
    if (c == '"' || c == '\'' || c == '`' || c == '[') {
      quote = c == '[' ? ']' : c;
      cur += c;
      continue;
    }
    if (c == '(') ++depth;
    if (c == ')' && depth-- == 0) break;
    if (c == ',' && depth == 0) {
      out.push_back(cur);
      cur.clear();
      continue;
    }
    cur += c;
  }
  if (!cur.empty()) out.push_back(cur);
  for (auto& d : out) {
    while (!d.empty() && std::isspace(static_cast<unsigned char>(d.front()))) d.erase(d.begin());
    while (!d.empty() && std::isspace(static_cast<unsigned char>(d.back()))) d.pop_back();
  }
  return out;
}

// Identifiers and string literals of a clause, in order: "a", 'b', `c` (quotes removed).
std::vector<std::string> quoted_items(std::string_view text, char quote) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != quote) continue;
    std::string item;
    for (++i; i < text.size(); ++i) {
      if (text[i] == quote) {
        if (i + 1 < text.size() && text[i + 1] == quote) {
          item += quote;
          ++i;
          continue;
        }
        break;
      }
      item += text[i];
    }
    out.push_back(item);
  }
  return out;
}

std::string upper(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::toupper(c); });
  return s;
}

// What PRAGMA table_info cannot tell: named table constraints, and the values of an
// enum column's CHECK, read from the table's CREATE text as tether writes it.
void read_constraints(engine::table_description& t, std::string_view sql) {
  for (const auto& d : definitions(sql)) {
    std::string u = upper(d);
    if (u.rfind("CONSTRAINT ", 0) == 0) {
      auto names = quoted_items(d, '"');
      if (names.empty()) continue;
      engine::constraint_def c;
      c.name = names[0];
      auto after_name = d.find('"', d.find('"') + 1) + 1;
      std::string body = d.substr(after_name);
      std::string ub = upper(body);
      auto paren = [&](std::size_t from) {  // the text inside the parentheses that open at or after `from`
        auto open = body.find('(', from);
        int depth = 0;
        for (std::size_t i = open; i < body.size(); ++i) {
          if (body[i] == '(') ++depth;
          if (body[i] == ')' && --depth == 0) return body.substr(open + 1, i - open - 1);
        }
        return std::string();
      };
      if (ub.find("FOREIGN KEY") != std::string::npos) {
        c.type = engine::constraint_type::foreign_key;
        auto refs = ub.find("REFERENCES");
        c.columns = quoted_items(paren(0), '"');
        auto target = quoted_items(body.substr(refs), '"');
        if (target.empty()) continue;
        c.ref_table = target[0];
        c.ref_columns = quoted_items(paren(refs), '"');
        auto rule = [&](std::string_view key) {
          auto at = ub.find(key);
          if (at == std::string::npos) return std::string();
          std::string rest = ub.substr(at + key.size());
          for (const char* r : {"CASCADE", "RESTRICT", "SET NULL", "SET DEFAULT", "NO ACTION"})
            if (rest.rfind(r, 0) == 0) {
              std::string lower(r);
              std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char ch) { return std::tolower(ch); });
              return lower;
            }
          return std::string();
        };
        c.on_delete = rule("ON DELETE ");
        c.on_update = rule("ON UPDATE ");
      } else if (ub.find("UNIQUE") != std::string::npos) {
        c.type = engine::constraint_type::unique;
        c.columns = quoted_items(paren(0), '"');
      } else if (ub.find("CHECK") != std::string::npos) {
        c.type = engine::constraint_type::check;
        c.native_check = paren(0);
      } else {
        continue;
      }
      t.constraints.push_back(std::move(c));
      continue;
    }
    // A column: "name" TYPE … CHECK ("name" IN ('a', 'b')) is an enum.
    auto names = quoted_items(d, '"');
    auto check = u.find(" CHECK (");
    if (names.empty() || check == std::string::npos || u.find(" IN (", check) == std::string::npos) continue;
    for (auto& f : t.columns)
      if (f.name == names[0] && f.type == field_type::text) {
        f.type = field_type::enum_;
        f.enum_values = quoted_items(d.substr(check), '\'');
      }
  }
}

}  // namespace

// SQLite's ALTER TABLE cannot change a column or a constraint: the table is rebuilt. A
// new table with the new definition takes the rows, the old one is dropped, the new one
// renamed, and the indexes made again. Foreign keys are checked at commit (the migration
// runs in one transaction), when other tables' references resolve to the new table.
std::vector<std::string> connection::rebuild(const engine::schema_op& op, const engine::table_description& before) {
  using engine::schema_op_kind;
  engine::schema_op create{schema_op_kind::create_collection, "tether_rebuild_" + before.name};
  create.fields = before.columns;
  create.constraints = before.constraints;
  if (op.kind == schema_op_kind::modify_field) {
    auto it = std::find_if(create.fields.begin(), create.fields.end(), [&](const auto& f) { return f.name == op.name; });
    if (it == create.fields.end())
      throw error(error_category::schema, fmt::format("no field \"{}\" on table \"{}\"", op.name, op.table));
    engine::field_def f = op.fields.at(0);
    f.primary_key = it->primary_key;
    if (f.primary_key) f.nullable = false;
    *it = f;
  } else if (op.kind == schema_op_kind::add_constraint) {
    create.constraints.push_back(op.constraints.at(0));
  } else {
    auto n = std::erase_if(create.constraints, [&](const auto& c) { return c.name == op.name; });
    if (n == 0) throw error(error_category::schema, fmt::format("no constraint \"{}\" on table \"{}\"", op.name, op.table));
  }
  const auto& d = the_dialect();
  std::vector<std::string> out{"PRAGMA defer_foreign_keys = ON"};
  auto made = sql::schema_statements(d, create, nullptr, literals());
  out.insert(out.end(), made.begin(), made.end());
  std::string columns;
  for (const auto& f : before.columns) {
    if (!columns.empty()) columns += ", ";
    d.quote(columns, f.name);
  }
  std::string copy = "INSERT INTO ";
  d.quote(copy, create.table);
  copy += " (" + columns + ") SELECT " + columns + " FROM ";
  d.quote(copy, before.name);
  out.push_back(copy);
  std::string drop = "DROP TABLE ";
  d.quote(drop, before.name);
  out.push_back(drop);
  std::string rename = "ALTER TABLE ";
  d.quote(rename, create.table);
  rename += " RENAME TO ";
  d.quote(rename, before.name);
  out.push_back(rename);
  for (const auto& i : before.indexes) {
    engine::schema_op index{schema_op_kind::create_index, before.name, i.name};
    index.indexes = {i};
    auto s = sql::schema_statements(d, index, nullptr, literals());
    out.insert(out.end(), s.begin(), s.end());
  }
  return out;
}

std::vector<std::string> connection::schema_statements(const engine::schema_op& op,
                                                       const engine::table_description* before) {
  using engine::schema_op_kind;
  tables_.clear();
  last_table_ = nullptr;
  ++schema_epoch_;
  if (op.kind == schema_op_kind::modify_field || op.kind == schema_op_kind::add_constraint ||
      op.kind == schema_op_kind::drop_constraint) {
    if (!before) throw error(error_category::schema, fmt::format("unknown table \"{}\"", op.table));
    return rebuild(op, *before);
  }
  return sql::schema_statements(the_dialect(), op, before, literals());
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
    ++schema_epoch_;  // introspection: the schema may be newer than the tables' cached facts
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
    t.indexes.push_back({.name = i[0], .fields = fields, .unique = i[1] == "1", .native_where = i[4]});
  }
  auto sql = rows("\x01" "describe_sql", "SELECT sql FROM sqlite_schema WHERE type = 'table' AND name = ?1", {name});
  if (!sql.empty()) read_constraints(t, sql[0][0]);
  // The foreign keys the CREATE text does not name as tether writes them (a table made
  // elsewhere: FOREIGN KEY ([a]) REFERENCES [b], or a column's REFERENCES): SQLite's own
  // list knows every one; such a key is named <table>_<columns>_fkey, as tether would.
  auto fks = rows("\x01" "describe_foreign_keys",
                  "SELECT f.id, f.\"table\", f.\"from\", COALESCE(f.\"to\", (SELECT name FROM pragma_table_info(f.\"table\") "
                  "WHERE pk = f.seq + 1)), f.on_delete, f.on_update FROM pragma_foreign_key_list(?1) f ORDER BY f.id, f.seq",
                  {name});
  auto rule = [](std::string r) {
    std::transform(r.begin(), r.end(), r.begin(), [](unsigned char ch) { return std::tolower(ch); });
    return r == "no action" ? std::string() : r;
  };
  for (std::size_t i = 0; i < fks.size();) {
    engine::constraint_def c;
    c.type = engine::constraint_type::foreign_key;
    c.ref_table = fks[i][1];
    c.on_delete = rule(fks[i][4]);
    c.on_update = rule(fks[i][5]);
    for (const std::string id = fks[i][0]; i < fks.size() && fks[i][0] == id; ++i) {
      c.columns.push_back(fks[i][2]);
      c.ref_columns.push_back(fks[i][3]);
    }
    const bool named = std::any_of(t.constraints.begin(), t.constraints.end(), [&](const engine::constraint_def& k) {
      return k.type == engine::constraint_type::foreign_key && k.columns == c.columns && k.ref_table == c.ref_table;
    });
    if (named) continue;
    c.name = fmt::format("{}_{}_fkey", name, fmt::join(c.columns, "_"));
    t.constraints.push_back(std::move(c));
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
  notice_reprepare(c);
  sqlite3_reset(c.stmt);
  return out;
}

// A rebuild drops the old table, and with enforcement on, SQLite deletes (or nulls) the
// rows that reference it ON DELETE CASCADE (or SET NULL) as it does. The 12-step procedure
// of SQLite's documentation: enforcement off outside the transaction, the references
// checked before commit, enforcement back on after.
void connection::begin_changes() { exec("PRAGMA foreign_keys = OFF"); }

void connection::verify_changes() {
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(db_, "PRAGMA foreign_key_check", -1, &st, nullptr) != SQLITE_OK)
    throw error(error_category::query, fmt::format("sqlite: cannot check foreign keys: {}", sqlite3_errmsg(db_)));
  std::string found;
  std::int64_t n = 0;
  while (sqlite3_step(st) == SQLITE_ROW) {
    if (n++ == 0) {
      auto text = [&](int i) {
        const auto* t = sqlite3_column_text(st, i);
        return t ? std::string(reinterpret_cast<const char*>(t)) : std::string();
      };
      found = fmt::format("a row of \"{}\" (rowid {}) references \"{}\", where no row matches", text(0), text(1), text(2));
    }
  }
  sqlite3_finalize(st);
  if (n)
    throw error(error_category::foreign_key_violation,
                fmt::format("the schema change leaves {} {} pointing at no row: {}", n, n == 1 ? "reference" : "references", found));
}

void connection::end_changes() noexcept {
  try {
    exec("PRAGMA foreign_keys = ON");
  } catch (...) {
    // The connection keeps enforcement off; it is marked broken by the failure itself.
  }
}

// The lock is the migration's own write transaction (BEGIN IMMEDIATE, which begin()
// issues); here it only sets how long to wait for another writer.
void connection::lock_migrations(std::chrono::milliseconds timeout) {
  sqlite3_busy_timeout(db_, static_cast<int>(timeout.count()));
}

void connection::unlock_migrations() { sqlite3_busy_timeout(db_, busy_timeout_ms_); }

}  // namespace tether::detail::sqlite
