// Inserts and upserts on SQLite, and the table facts they need.
//
// Inserted ids. SQLite gives the rows of one INSERT consecutive rowids (max + 1 each)
// unless the table's largest rowid is 2^63-1, when it picks them at random, or a trigger
// inserts rows of its own in between. So for a rowid table without triggers, when the
// caller gives no key of their own, the ids are [last - changes + 1, last] and RETURNING
// (which makes SQLite buffer every row in a second b-tree) is not needed. After the
// inserts, max(rowid) < 2^63-1 proves the random mode never ran; if it did, the savepoint
// is rolled back and the insert is done again with RETURNING. The ids are never a guess.
#include <fmt/format.h>

#include <algorithm>
#include <cstdint>
#include <limits>

#include "connection.hpp"
#include "dialect.hpp"
#include "error.hpp"

namespace tether::detail::sqlite {
namespace {

constexpr std::size_t max_variables = 32766;  // SQLITE_MAX_VARIABLE_NUMBER since 3.32
constexpr std::size_t max_rows_per_insert = 500;

struct resetter {
  sqlite3_stmt* s;
  ~resetter() { sqlite3_reset(s); }
};

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) { return std::tolower(x) == std::tolower(y); });
}

}  // namespace

const connection::table_info& connection::info(const std::string& table) {
  cached& version = prepare("\x01schema_version", [] { return sql::statement{"PRAGMA schema_version", {}}; });
  int sv = 0;
  {
    resetter r{version.stmt};
    if (sqlite3_step(version.stmt) == SQLITE_ROW) sv = sqlite3_column_int(version.stmt, 0);
  }
  auto& t = tables_[table];
  if (t.schema_version == sv) return t;

  auto dot = table.find('.');
  std::string schema = dot == std::string::npos ? "main" : table.substr(0, dot);
  std::string name = dot == std::string::npos ? table : table.substr(dot + 1);
  auto bind_names = [&](sqlite3_stmt* st) {
    sqlite3_bind_text(st, 1, name.data(), static_cast<int>(name.size()), SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, schema.data(), static_cast<int>(schema.size()), SQLITE_TRANSIENT);
  };

  cached& cols = prepare("\x01table_info", [] {
    return sql::statement{"SELECT name, pk, type FROM pragma_table_info(?1, ?2) ORDER BY pk", {}};
  });
  std::vector<std::pair<std::string, std::string>> pk;  // name, declared type
  bool any = false;
  t.json_columns.clear();
  {
    resetter r{cols.stmt};
    bind_names(cols.stmt);
    while (sqlite3_step(cols.stmt) == SQLITE_ROW) {
      any = true;
      const auto* column = reinterpret_cast<const char*>(sqlite3_column_text(cols.stmt, 0));
      const auto* declared = reinterpret_cast<const char*>(sqlite3_column_text(cols.stmt, 2));
      if (sqlite3_column_int(cols.stmt, 1) > 0) pk.emplace_back(column, declared ? declared : "");
      if (declared && decoder_for(declared) == decode::json) t.json_columns.emplace_back(column);
    }
  }
  t.exists = any;
  if (!any) return t;  // the caller lets SQLite refuse its statement, with its own code and text

  cached& list = prepare("\x01table_list", [] {
    return sql::statement{"SELECT wr FROM pragma_table_list(?1) WHERE schema = ?2", {}};
  });
  bool without_rowid = false;
  {
    resetter r{list.stmt};
    bind_names(list.stmt);
    if (sqlite3_step(list.stmt) == SQLITE_ROW) without_rowid = sqlite3_column_int(list.stmt, 0) != 0;
  }
  cached& triggers = prepare("\x01triggers", [] {
    return sql::statement{"SELECT count(*) FROM sqlite_schema WHERE type = 'trigger' AND tbl_name = ?1", {}};
  });
  bool has_triggers = true;
  if (schema == "main") {
    resetter r{triggers.stmt};
    sqlite3_bind_text(triggers.stmt, 1, name.data(), static_cast<int>(name.size()), SQLITE_TRANSIENT);
    if (sqlite3_step(triggers.stmt) == SQLITE_ROW) has_triggers = sqlite3_column_int(triggers.stmt, 0) > 0;
  }

  const auto& d = the_dialect();
  std::string expr;
  t.rowid_column.clear();
  if (pk.empty()) {
    expr = "rowid";
  } else if (pk.size() == 1) {
    d.quote(expr, pk[0].first);
    if (iequals(pk[0].second, "INTEGER")) t.rowid_column = pk[0].first;
  } else {
    expr = "json_array(";
    for (std::size_t i = 0; i < pk.size(); ++i) {
      if (i) expr += ", ";
      d.quote(expr, pk[i].first);
    }
    expr += ")";
  }
  t.id_expression = std::move(expr);
  t.consecutive_ids = !without_rowid && !has_triggers && (pk.empty() || !t.rowid_column.empty());
  t.schema_version = sv;
  return t;
}

bool connection::begin_unit(std::string_view name) {
  if (sqlite3_get_autocommit(db_)) {
    exec("BEGIN IMMEDIATE");
    return true;
  }
  savepoint(name);
  return false;
}

void connection::undo_unit(std::string_view name, bool own) {
  if (own) {
    exec("ROLLBACK");
    exec("BEGIN IMMEDIATE");
  } else {
    rollback_to_savepoint(name);
  }
}

void connection::end_unit(std::string_view name, bool own, bool keep) {
  if (own) {
    if (keep) exec("COMMIT");
    else if (!sqlite3_get_autocommit(db_)) exec("ROLLBACK");
    return;
  }
  if (!keep) rollback_to_savepoint(name);
  release_savepoint(name);
}

void connection::bind_rows(cached& c, const engine::plan& p, std::size_t first, std::size_t n) {
  c.bound_ints.clear();  // bound here without being kept
  int i = 1;
  const std::size_t ncols = p.columns.size();
  // The statement's first row of bindings says which columns are JSON (json_value).
  const bool json = std::any_of(c.bindings.begin(), c.bindings.begin() + static_cast<std::ptrdiff_t>(ncols),
                                [](const sql::binding& b) { return b.how != sql::transform::none; });
  for (std::size_t r = first; r < first + n; ++r)
    for (std::size_t col = 0; col < ncols; ++col, ++i)
      bind_value(c.stmt, i, p.cell(r, col), json ? c.bindings[col].how : sql::transform::none);
}

bool connection::insert_rows(const engine::plan& p, const table_info& t, bool fast, engine::execution& e) {
  const std::size_t ncols = p.columns.size();
  const std::size_t chunk =
      std::min({p.row_count, std::max<std::size_t>(1, max_variables / ncols), max_rows_per_insert});
  for (std::size_t start = 0; start < p.row_count; start += chunk) {
    std::size_t n = std::min(chunk, p.row_count - start);
    engine::shape_key key;  // inline: no allocation per call
    key.append(p.shape.view());
    key.append(fast ? "#f" : "#r");
    if (n != p.row_count) key.append(std::to_string(n));  // the shape counts the rows
    cached& c = prepare(key.view(), [&] {
      sql::statement s = sql::render_insert(p, the_dialect(), n, t.json_columns);
      if (!fast && p.want_ids) {
        s.text += p.returning.empty() ? " RETURNING " : ", ";
        s.text += t.id_expression;
      }
      return s;
    });
    if (p.rows_param == 0)
      bind_rows(c, p, start, n);
    else
      bind(c, p, start * ncols);
    if (fast) {
      run(c, nullptr, nullptr);
      auto changed = sqlite3_changes64(db_);
      auto last = sqlite3_last_insert_rowid(db_);
      for (std::int64_t i = changed - 1; i >= 0; --i) e.inserted_ids.emplace_back(last - i);
      e.affected += changed;
      continue;
    }
    if (!p.returning.empty() && e.rows.column_count() == 0)
      e.rows.reset(p.want_ids ? c.data_names : c.all_names);
    run(c, p.returning.empty() ? nullptr : &e.rows, p.want_ids ? &e.inserted_ids : nullptr);
    e.affected += sqlite3_changes64(db_);
  }
  if (!fast) return true;
  std::string key = "\x01max_rowid#" + p.table;
  cached& max = prepare(key, [&] {
    sql::statement s{"SELECT max(rowid) FROM ", {}};
    the_dialect().quote(s.text, p.table);
    return s;
  });
  resetter r{max.stmt};
  return sqlite3_step(max.stmt) == SQLITE_ROW &&
         sqlite3_column_int64(max.stmt, 0) < std::numeric_limits<std::int64_t>::max();
}

void connection::refuse_unknown(const table_info& t, const engine::plan& p) {
  if (t.exists) return;
  (void)prepare_uncached(sql::render(p, the_dialect()).text);  // fails: "no such table", its code, the statement
  throw error(error_category::schema, fmt::format("unknown table \"{}\"", p.table), {"sqlite", SQLITE_ERROR, "42P01", ""});
}

engine::execution connection::insert(const engine::plan& p) {
  const table_info& t = info(p.table);
  refuse_unknown(t, p);
  bool fast = p.want_ids && t.consecutive_ids && p.returning.empty() && !p.has_conflict;
  for (const auto& col : p.columns)
    if (iequals(col, t.rowid_column) || iequals(col, "rowid") || iequals(col, "oid") || iequals(col, "_rowid_"))
      fast = false;  // the caller's own keys need not be consecutive
  const std::size_t per_statement = std::max<std::size_t>(1, max_variables / p.columns.size());
  const bool guarded = fast || p.row_count > std::min(per_statement, max_rows_per_insert);
  engine::execution e;
  e.inserted_ids.reserve(p.row_count);
  // Several statements are one unit: all rows or none.
  bool own = guarded && begin_unit("tether_insert");
  try {
    if (!insert_rows(p, t, fast, e)) {
      undo_unit("tether_insert", own);
      e = engine::execution{};
      insert_rows(p, t, false, e);
    }
    if (guarded) end_unit("tether_insert", own, true);
  } catch (...) {
    if (guarded) end_unit("tether_insert", own, false);
    throw;
  }
  return e;
}

engine::execution connection::upsert(const engine::plan& p) {
  const table_info& t = info(p.table);
  refuse_unknown(t, p);
  engine::execution e;
  // Read-then-write inside one savepoint: in WAL mode a write after a stale read fails
  // with a serialization conflict, so "inserted" or "updated" is never a guess.
  bool own = begin_unit("tether_upsert");
  try {
    cached& probe = prepare(p.shape.str() + "#exists", [&] {
      sql::statement s;
      s.text = "SELECT 1 FROM ";
      the_dialect().quote(s.text, p.table);
      s.text += " WHERE ";
      for (std::size_t i = 0; i < p.conflict_columns.size(); ++i) {
        if (i) s.text += " AND ";
        the_dialect().quote(s.text, p.conflict_columns[i]);
        s.text += " = ";
        auto col = std::find(p.columns.begin(), p.columns.end(), p.conflict_columns[i]);
        s.bindings.push_back(
            {static_cast<std::uint32_t>(p.rows_param + (col - p.columns.begin())), sql::transform::none});
        the_dialect().placeholder(s.text, s.bindings.size());
      }
      s.text += " LIMIT 1";
      return s;
    });
    bind(probe, p, 0);
    bool existed = run(probe, nullptr, nullptr) > 0;
    cached& c = prepare(p.shape, [&] { return sql::render(p, the_dialect(), t.json_columns); });
    bind(c, p, 0);
    e.rows.reset(c.all_names);
    e.affected = run(c, &e.rows, nullptr);
    e.operation = existed ? upsert_operation::updated : upsert_operation::inserted;
    end_unit("tether_upsert", own, true);
  } catch (...) {
    end_unit("tether_upsert", own, false);
    throw;
  }
  return e;
}

}  // namespace tether::detail::sqlite
