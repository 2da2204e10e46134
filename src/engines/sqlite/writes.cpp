// Inserts and upserts on SQLite, and the table facts they need.
//
// Inserted ids, without RETURNING where they are known another way (RETURNING makes
// SQLite buffer every row in a second b-tree, which halves a bulk insert's speed):
// - The caller's own keys. When the table's key is one column that stores a caller's
//   value unchanged (an INTEGER PRIMARY KEY given integers, a TEXT-affinity key given
//   strings), the ids are those values, once the statement has inserted every row.
// - Rowids. One row's id is sqlite3_last_insert_rowid() on any rowid table whose id is
//   the rowid (a trigger's own inserts do not change it once the trigger ends). Several
//   rows get consecutive rowids (max + 1 each) unless the table's largest rowid is
//   2^63-1, when SQLite picks them at random, or a trigger inserts rows of its own in
//   between. So for a rowid table without triggers the ids are [last - changes + 1,
//   last]; after the inserts, max(rowid) < 2^63-1 proves the random mode never ran.
// When a proof fails, the unit is rolled back and the insert is done again with
// RETURNING. The ids are never a guess.
#include <fmt/format.h>

#include <algorithm>
#include <cstdint>
#include <limits>

#include "connection.hpp"
#include "dialect.hpp"
#include "error.hpp"
#include "../../sql/redact.hpp"
#include "core/results/records_builder.hpp"

namespace tether::detail::sqlite {
namespace {

constexpr std::size_t max_variables = 32766;  // SQLITE_MAX_VARIABLE_NUMBER since 3.32
constexpr std::size_t max_rows_per_insert = 500;

struct resetter {
  sqlite3_stmt* s;
  ~resetter() { sqlite3_reset(s); }
};

// SQLite folds ASCII letters only in names; std::tolower would also cost a locale call a
// character on every insert.
bool iequals(std::string_view a, std::string_view b) {
  auto fold = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; };
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [&](char x, char y) { return fold(x) == fold(y); });
}

bool icontains(std::string_view s, std::string_view part) {
  for (std::size_t i = 0; i + part.size() <= s.size(); ++i)
    if (iequals(s.substr(i, part.size()), part)) return true;
  return false;
}

// Whether a column of this declared type stores a string as given: TEXT affinity (or
// none), by SQLite's rules in order, and read back as the text it is.
bool keeps_text(std::string_view declared) {
  if (icontains(declared, "INT")) return false;  // INTEGER affinity
  if (!(icontains(declared, "CHAR") || icontains(declared, "CLOB") || icontains(declared, "TEXT") ||
        icontains(declared, "BLOB") || declared.empty()))
    return false;  // REAL or NUMERIC affinity
  std::string copy(declared);
  return decoder_for(copy.c_str()) == decode::storage;
}

// The scale of a declared "DECIMAL_TEXT(p, s)" or "NUMERIC(p, s)", if it says one.
std::optional<int> declared_scale(std::string_view declared) {
  auto comma = declared.find(',');
  auto close = declared.find(')', comma);
  if (comma == std::string_view::npos || close == std::string_view::npos) return std::nullopt;
  int scale = 0;
  bool any = false;
  for (char c : declared.substr(comma + 1, close - comma - 1)) {
    if (c == ' ') continue;
    if (c < '0' || c > '9' || scale > 1000) return std::nullopt;
    scale = scale * 10 + (c - '0');
    any = true;
  }
  return any ? std::optional<int>(scale) : std::nullopt;
}

// Whether rows [first, first + n) all give key column `key` a value of `kind`.
bool keys_given(const engine::plan& p, std::size_t first, std::size_t n, std::size_t key, value_kind kind) {
  for (std::size_t r = first; r < first + n; ++r)
    if (p.cell(r, key).kind() != kind) return false;
  return true;
}

}  // namespace

const connection::table_info& connection::info(const std::string& table) {
  if (!last_table_ || last_table_->first != table) last_table_ = &*tables_.try_emplace(table).first;
  table_info& t = last_table_->second;
  if (t.schema_version >= 0 && t.epoch == schema_epoch_) return t;
  cached& version = prepare("\x01schema_version", [] { return sql::statement{"PRAGMA schema_version", {}}; });
  int sv = 0;
  {
    resetter r{version.stmt};
    if (sqlite3_step(version.stmt) == SQLITE_ROW) sv = sqlite3_column_int(version.stmt, 0);
    notice_reprepare(version);
  }
  if (t.schema_version == sv) {
    t.epoch = schema_epoch_;
    return t;
  }

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
  t.decimal_columns.clear();
  {
    resetter r{cols.stmt};
    bind_names(cols.stmt);
    while (sqlite3_step(cols.stmt) == SQLITE_ROW) {
      any = true;
      const auto* column = reinterpret_cast<const char*>(sqlite3_column_text(cols.stmt, 0));
      const auto* declared = reinterpret_cast<const char*>(sqlite3_column_text(cols.stmt, 2));
      if (sqlite3_column_int(cols.stmt, 1) > 0) pk.emplace_back(column, declared ? declared : "");
      if (declared && decoder_for(declared) == decode::json) t.json_columns.emplace_back(column);
      if (declared && decoder_for(declared) == decode::decimal)
        if (auto scale = declared_scale(declared)) t.decimal_columns.push_back({column, *scale});
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
  t.has_triggers = true;
  if (schema == "main") {
    resetter r{triggers.stmt};
    sqlite3_bind_text(triggers.stmt, 1, name.data(), static_cast<int>(name.size()), SQLITE_TRANSIENT);
    if (sqlite3_step(triggers.stmt) == SQLITE_ROW) t.has_triggers = sqlite3_column_int(triggers.stmt, 0) > 0;
  }

  const auto& d = the_dialect();
  std::string expr;
  t.rowid_column.clear();
  t.key_column.clear();
  t.key_kind = value_kind::null;
  if (pk.empty()) {
    expr = "rowid";
  } else if (pk.size() == 1) {
    d.quote(expr, pk[0].first);
    if (iequals(pk[0].second, "INTEGER")) {
      t.rowid_column = pk[0].first;
      t.key_kind = value_kind::integer;
    } else if (keeps_text(pk[0].second)) {
      t.key_kind = value_kind::string;
    }
    if (t.key_kind != value_kind::null) t.key_column = pk[0].first;
  } else {
    expr = "json_array(";
    for (std::size_t i = 0; i < pk.size(); ++i) {
      if (i) expr += ", ";
      d.quote(expr, pk[i].first);
    }
    expr += ")";
  }
  t.id_expression = std::move(expr);
  t.key_columns.clear();
  for (auto& [column, declared] : pk) t.key_columns.push_back(column);
  t.rowid_ids = !without_rowid && (pk.empty() || !t.rowid_column.empty());
  t.consecutive_ids = t.rowid_ids && !t.has_triggers;
  t.schema_version = sv;
  t.epoch = schema_epoch_;
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
  if (json) {
    for (std::size_t r = first; r < first + n; ++r)
      for (std::size_t col = 0; col < ncols; ++col, ++i) bind_value(c.stmt, i, p.cell(r, col), c.bindings[col].how);
    return;
  }
  // A bulk insert's hot loop: integers and short text bind here, without bind_value's
  // dispatch on the transform; everything else (reals for their NaN check, and the rest)
  // goes through it.
  for (std::size_t r = first; r < first + n; ++r)
    for (std::size_t col = 0; col < ncols; ++col, ++i) {
      const value& v = p.cell(r, col);
      int rc = SQLITE_OK;
      if (v.kind() == value_kind::integer) {
        rc = sqlite3_bind_int64(c.stmt, i, v.as_int());
      } else if (v.kind() == value_kind::string && v.as_string().size() < (1u << 30)) {
        const auto& text = v.as_string();
        rc = sqlite3_bind_text(c.stmt, i, text.data(), static_cast<int>(text.size()), SQLITE_STATIC);
      } else {
        bind_value(c.stmt, i, v, sql::transform::none);
        continue;
      }
      if (rc != SQLITE_OK) throw_error(db_, rc, sqlite3_sql(c.stmt));
    }
}

bool connection::insert_rows(const engine::plan& p, const table_info& t, id_source ids, std::size_t key,
                             engine::execution& e) {
  const std::size_t ncols = p.columns.size();
  const std::size_t chunk =
      std::min({p.row_count, std::max<std::size_t>(1, max_variables / ncols), max_rows_per_insert});
  for (std::size_t start = 0; start < p.row_count; start += chunk) {
    std::size_t n = std::min(chunk, p.row_count - start);
    // A statement whose rows do not all give a key of the key's kind returns its ids.
    const bool keys = ids == id_source::keys && keys_given(p, start, n, key, t.key_kind);
    const bool returning_ids = ids == id_source::returning || (ids == id_source::keys && !keys);
    auto lookup = [&]() -> cached& {
      engine::shape_key shape;  // inline: no allocation per call
      shape.append(p.shape.view());
      shape.append(returning_ids ? "#r" : "#f");
      if (n != p.row_count) shape.append(std::to_string(n));  // the shape counts the rows
      return prepare(shape.view(), [&] {
        sql::statement s = sql::render_insert(p, the_dialect(), n, t.json_columns, t.decimal_columns);
        if (returning_ids) {
          s.text += p.returning.empty() ? " RETURNING " : ", ";
          s.text += t.id_expression;
        }
        return s;
      });
    };
    // A prepared insert of one statement keeps it in its plan's hint (the variant without
    // RETURNING ids only, so the hint always means that one).
    cached& c = n == p.row_count && !returning_ids ? statements_.hinted(p, this, lookup) : lookup();
    if (p.rows_param == 0)
      bind_rows(c, p, start, n);
    else
      bind(c, p, start * ncols);
    if (ids == id_source::rowids || keys) {
      run(c, nullptr, nullptr);
      const auto changed = sqlite3_changes64(db_);
      e.affected += changed;
      if (keys) {
        // Without a conflict clause a row is skipped only by a trigger's RAISE(IGNORE);
        // then which rows went in is unknown, and RETURNING says.
        if (changed != static_cast<std::int64_t>(n)) {
          if (n == 1) continue;  // the one row was skipped: no id
          return false;
        }
        for (std::size_t r = start; r < start + n; ++r) e.inserted_ids.push_back(p.cell(r, key));
        continue;
      }
      const auto last = sqlite3_last_insert_rowid(db_);
      for (std::int64_t i = changed - 1; i >= 0; --i) e.inserted_ids.emplace_back(last - i);
      continue;
    }
    if (!p.returning.empty() && e.rows.column_count() == 0)
      detail::records_builder(e.rows).reset(returning_ids ? c.data_names : c.all_names);
    run(c, p.returning.empty() ? nullptr : &e.rows, returning_ids ? &e.inserted_ids : nullptr);
    e.affected += sqlite3_changes64(db_);
  }
  if (ids != id_source::rowids || p.row_count == 1) return true;
  std::string max_key = "\x01max_rowid#" + p.table;
  cached& max = prepare(max_key, [&] {
    sql::statement s{"SELECT max(rowid) FROM ", {}};
    the_dialect().quote(s.text, p.table);
    return s;
  });
  resetter r{max.stmt};
  const bool below = sqlite3_step(max.stmt) == SQLITE_ROW &&
                     sqlite3_column_int64(max.stmt, 0) < std::numeric_limits<std::int64_t>::max();
  notice_reprepare(max);
  return below;
}

void connection::refuse_unknown(const table_info& t, const engine::plan& p) {
  if (t.exists) return;
  (void)prepare_uncached(sql::render(p, the_dialect()).text);  // fails: "no such table", its code, the statement
  throw error(error_category::schema, fmt::format("unknown table \"{}\"", p.table), {.engine = "sqlite", .code = std::to_string(SQLITE_ERROR), .sqlstate = "42P01"});
}

namespace {

bool iequals_any(std::string_view col, std::initializer_list<std::string_view> names) {
  for (auto n : names)
    if (iequals(col, n)) return true;
  return false;
}

}  // namespace

// Where an insert's ids come from, by the table's facts: see the top of this file.
connection::id_choice connection::choose_ids(const engine::plan& p, const table_info& t) {
  using ids = id_source;
  id_choice c;
  if (!p.want_ids) return c;
  c.ids = ids::returning;
  bool writes_rowid = false;  // the caller's own rowids need not be consecutive
  for (std::size_t i = 0; i < p.columns.size(); ++i) {
    const auto& col = p.columns[i];
    if (col.size() == t.key_column.size() && iequals(col, t.key_column)) c.key = i, c.ids = ids::keys;
    if (col.size() == t.rowid_column.size() && iequals(col, t.rowid_column)) writes_rowid = true;
    const char first = col.empty() ? '\0' : static_cast<char>(col[0] | 0x20);  // r, o, _ (0x5f | 0x20 = 0x7f)
    if ((first == 'r' || first == 'o' || first == 0x7f) && iequals_any(col, {"rowid", "oid", "_rowid_"}))
      writes_rowid = true;
  }
  if (!p.returning.empty() || p.has_conflict) c.ids = ids::returning;  // which rows went in: RETURNING says
  else if (c.ids != ids::keys && !writes_rowid && (p.row_count == 1 ? t.rowid_ids : t.consecutive_ids))
    c.ids = ids::rowids;
  return c;
}

engine::execution connection::insert(const engine::plan& p) {
  const table_info* t = &info(p.table);
  refuse_unknown(*t, p);
  cached* kept = statements_.hint_of(p, this);
  const std::uint64_t chosen_at = schema_epoch_;
  id_choice how = kept && kept->ids_epoch == chosen_at
                      ? id_choice{static_cast<id_source>(kept->ids_source), kept->ids_key}
                      : choose_ids(p, *t);
  const std::size_t per_statement = std::max<std::size_t>(1, max_variables / p.columns.size());
  // Several statements are one unit: all rows or none. So is one whose ids may need a
  // second try.
  const bool guarded = p.row_count > std::min(per_statement, max_rows_per_insert) ||
                       (p.row_count > 1 && (how.ids == id_source::rowids || how.ids == id_source::keys));
  engine::execution e;
  if (p.want_ids) e.inserted_ids.reserve(p.row_count);
  bool own = guarded && begin_unit("tether_insert");
  try {
    if (guarded) {
      // The unit holds the write lock, so the facts read now hold until it ends.
      t = &info(p.table);
      how = choose_ids(p, *t);
    }
    const std::uint64_t epoch = schema_epoch_;
    if (kept && kept->ids_epoch != chosen_at && !guarded && epoch == chosen_at) {
      // Kept where the next run of this plan finds it (the statement its hint names).
      kept->ids_epoch = chosen_at, kept->ids_source = static_cast<std::uint8_t>(how.ids), kept->ids_key = how.key;
    }
    if (!insert_rows(p, *t, how.ids, how.key, e)) {
      undo_unit("tether_insert", own);
      e = engine::execution{};
      insert_rows(p, *t, id_source::returning, how.key, e);
    }
    if (guarded) end_unit("tether_insert", own, true);
    // One row, in autocommit or a transaction of the caller's, by facts cached from an
    // earlier call; SQLite re-prepared the statement, so the schema changed since. The
    // row is in: if the new facts give its id another way, read it that way.
    else if (schema_epoch_ != epoch && p.row_count == 1 && !e.inserted_ids.empty() &&
             (how.ids == id_source::rowids || how.ids == id_source::keys)) {
      const table_info& now = info(p.table);
      const id_choice again = choose_ids(p, now);
      if (again.ids != how.ids || again.key != how.key) e.inserted_ids[0] = id_after_schema_change(p, now);
    }
  } catch (...) {
    if (guarded) end_unit("tether_insert", own, false);
    throw;
  }
  return e;
}

// The id of the one row just inserted, by the table's current facts: by its rowid on a
// rowid table (last_insert_rowid is the row's), else by the key the caller gave.
value connection::id_after_schema_change(const engine::plan& p, const table_info& t) {
  sql::statement s{"SELECT " + t.id_expression + " FROM ", {}};
  the_dialect().quote(s.text, p.table);
  std::vector<const value*> keys;
  if (!t.rowid_ids && !t.key_columns.empty()) {
    s.text += " WHERE ";
    for (std::size_t k = 0; k < t.key_columns.size(); ++k) {
      auto col = std::find_if(p.columns.begin(), p.columns.end(),
                              [&](const std::string& c) { return iequals(c, t.key_columns[k]); });
      if (col == p.columns.end())
        throw error(error_category::schema,
                    fmt::format("the schema of \"{}\" changed during the insert and its new key \"{}\" was not given; "
                                "the row is in, its id is unknown",
                                p.table, t.key_columns[k]),
                    {"sqlite"});
      if (k) s.text += " AND ";
      the_dialect().quote(s.text, t.key_columns[k]);
      s.text += " = ?";
      keys.push_back(&p.cell(0, static_cast<std::size_t>(col - p.columns.begin())));
    }
  } else {
    s.text += " WHERE rowid = last_insert_rowid()";
  }
  cached c = prepare_uncached(s.text);
  struct finalizer {
    sqlite3_stmt* s;
    ~finalizer() { sqlite3_finalize(s); }
  } f{c.stmt};
  for (std::size_t i = 0; i < keys.size(); ++i) bind_value(c.stmt, static_cast<int>(i) + 1, *keys[i], sql::transform::none);
  std::vector<value> ids;
  run(c, nullptr, &ids);
  if (ids.empty())
    throw error(error_category::schema,
                fmt::format("the schema of \"{}\" changed during the insert; the row is in, its id is unknown", p.table),
                {.engine = "sqlite", .statement = sql::redact_statement(s.text)});
  return ids[0];
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
    cached& c = prepare(p.shape, [&] { return sql::render(p, the_dialect(), t.json_columns, t.decimal_columns); });
    bind(c, p, 0);
    detail::records_builder(e.rows).reset(c.all_names);
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
