// Inserts, upserts and RETURNING on MySQL and MariaDB, and the table facts they need.
//
// RETURNING. MariaDB 10.5+ takes INSERT … RETURNING and DELETE … RETURNING; no server
// takes UPDATE … RETURNING. Where the server lacks it, tether emulates it exactly:
// - insert: a multi-row INSERT's rows get the ids first, first + step, … (step being
//   auto_increment_increment, which Galera sets to the cluster size) when
//   innodb_autoinc_lock_mode is 0 or 1; under mode 2 the rows go one by one, each with its
//   own LAST_INSERT_ID. Returned columns are then read again by those keys.
// - update and delete: the matching rows are locked and their keys read (SELECT … FOR
//   UPDATE), the write is restricted to those keys, and the rows are read by key (after
//   an update; before a delete).
// Each runs in a unit of its own (a transaction, or a savepoint inside the caller's), so
// the rows returned are exactly the rows written. When the keys cannot be known, the call
// fails and says why; the ids are never a guess.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <unordered_map>

#include "connection.hpp"
#include "dialect.hpp"
#include "error.hpp"
#include "core/results/records_builder.hpp"

namespace tether::detail::mysql {
namespace {

constexpr std::size_t max_params = 65535;  // the protocol's limit per statement
constexpr std::size_t max_rows_per_insert = 1000;
constexpr std::size_t keys_per_statement = 500;

// The bytes a row's params take on the wire, roughly: enough to keep a statement under
// max_allowed_packet.
std::size_t row_bytes(const engine::plan& p, std::size_t row) {
  std::size_t n = 0;
  const std::size_t ncols = p.columns.size();
  for (std::size_t c = 0; c < ncols; ++c) {
    const value& v = p.cell(row, c);
    n += 16;
    if (v.is_string()) n += v.as_string().size();
    else if (v.kind() == value_kind::bytes) n += v.as_bytes().data.size();
    else if (v.kind() == value_kind::array || v.kind() == value_kind::object) n += v.to_json().size();
  }
  return n;
}

// The rows of the statement that starts at row `start`: at most `limit`, and few enough
// to stay under max_allowed_packet.
std::size_t chunk_at(const engine::plan& p, std::size_t start, std::size_t limit, std::size_t max_packet) {
  if (p.row_count - start <= 1) return p.row_count - start;  // one row always goes, whatever its size
  std::size_t n = 0, bytes = 0;
  while (start + n < p.row_count && n < limit) {
    bytes += row_bytes(p, start + n);
    if (n > 0 && bytes > max_packet / 2) break;
    ++n;
  }
  return n;
}

[[noreturn]] void no_keys(const std::string& table, std::string_view why) {
  throw error(error_category::unsupported,
              fmt::format("cannot tell which rows of \"{}\" were written: {}", table, why),
              error_details{"mysql"});
}

}  // namespace

const connection::table_info& connection::info(const std::string& table) {
  if (auto it = tables_.find(table); it != tables_.end()) return it->second;
  cached& c = prepare("\x01primary_key", [] {
    return sql::with_params(
        "SELECT k.COLUMN_NAME, c.EXTRA FROM information_schema.KEY_COLUMN_USAGE k "
        "JOIN information_schema.COLUMNS c ON c.TABLE_SCHEMA = k.TABLE_SCHEMA AND c.TABLE_NAME = k.TABLE_NAME "
        "AND c.COLUMN_NAME = k.COLUMN_NAME "
        "WHERE k.TABLE_SCHEMA = COALESCE(?, DATABASE()) AND k.TABLE_NAME = ? AND k.CONSTRAINT_NAME = 'PRIMARY' "
        "ORDER BY k.ORDINAL_POSITION",
        2);
  });
  auto dot = table.find('.');
  value schema = dot == std::string::npos ? value() : value(table.substr(0, dot));
  value name = dot == std::string::npos ? value(table) : value(table.substr(dot + 1));
  bind(c, {&schema, &name});
  run(c);
  records r(c.names);
  fetch(c, r, SIZE_MAX);
  table_info t;
  for (auto row : r) {
    t.key.emplace_back(row.get<std::string>(0));
    if (!row.is_null(1) && row.get<std::string>(1).find("auto_increment") != std::string::npos)
      t.auto_increment = t.key.back();
  }
  cached& j = prepare("\x01json_columns", [] {
    return sql::with_params(
        "SELECT c.COLUMN_NAME FROM information_schema.COLUMNS c WHERE c.TABLE_SCHEMA = COALESCE(?, DATABASE()) "
        "AND c.TABLE_NAME = ? AND (c.DATA_TYPE = 'json' OR EXISTS (SELECT 1 FROM information_schema.CHECK_CONSTRAINTS k "
        "WHERE k.CONSTRAINT_SCHEMA = c.TABLE_SCHEMA AND k.TABLE_NAME = c.TABLE_NAME "
        "AND k.CHECK_CLAUSE = CONCAT('json_valid(`', c.COLUMN_NAME, '`)'))) ORDER BY c.ORDINAL_POSITION",
        2);
  });
  bind(j, {&schema, &name});
  run(j);
  records json(j.names);
  fetch(j, json, SIZE_MAX);
  for (auto row : json) t.json_columns.emplace_back(row.get<std::string>(0));
  return tables_[table] = std::move(t);
}

std::string connection::key_expression(const table_info& t) const {
  std::string out;
  if (t.key.size() == 1) {
    dialect_->quote(out, t.key[0]);
  } else if (t.key.size() > 1) {
    out = "JSON_ARRAY(";
    for (std::size_t i = 0; i < t.key.size(); ++i) {
      if (i) out += ", ";
      dialect_->quote(out, t.key[i]);
    }
    out += ")";
  }
  return out;
}

bool connection::begin_unit() {
  unsigned status = 0;
  mariadb_get_infov(conn_, MARIADB_CONNECTION_SERVER_STATUS, &status);
  if (!(status & SERVER_STATUS_IN_TRANS)) {
    command("START TRANSACTION");
    return true;
  }
  command("SAVEPOINT tether_unit");
  return false;
}

void connection::end_unit(bool own, bool keep) {
  if (own) return command(keep ? "COMMIT" : "ROLLBACK");
  if (!keep) command("ROLLBACK TO SAVEPOINT tether_unit");
  command("RELEASE SAVEPOINT tether_unit");
}


namespace {

// A composite key comes back from JSON_ARRAY(…) as text; make it the array it is.
void normalize_keys(std::vector<value>& keys, std::size_t key_columns, std::size_t from = 0) {
  if (key_columns < 2) return;
  for (std::size_t i = from; i < keys.size(); ++i)
    if (keys[i].is_string()) keys[i] = value::from_json(keys[i].as_string());
}

// The key of row `row` when the caller supplied every key column, else null.
value supplied_key(const engine::plan& p, const std::vector<std::string>& key, std::size_t row) {
  if (key.size() == 1) {
    auto it = std::find(p.columns.begin(), p.columns.end(), key[0]);
    return it == p.columns.end() ? value() : p.cell(row, static_cast<std::size_t>(it - p.columns.begin()));
  }
  std::vector<value> parts;
  for (const auto& k : key) {
    auto it = std::find(p.columns.begin(), p.columns.end(), k);
    if (it == p.columns.end()) return value();
    const value& v = *p.param(p.rows_param + row * p.columns.size() + static_cast<std::size_t>(it - p.columns.begin()));
    if (v.is_null()) return value();
    parts.push_back(v);
  }
  if (parts.size() == 1) return parts[0];
  return value(std::move(parts));
}

// Where an insert's keys come from: the rows (every row gives the whole key), the server
// (a single AUTO_INCREMENT key that no row gives), or nowhere tether can know.
key_source source_of(const engine::plan& p, const std::vector<std::string>& key, const std::string& auto_increment) {
  if (key.empty()) return key_source::none;
  std::size_t given = 0;
  for (std::size_t r = 0; r < p.row_count; ++r)
    if (!supplied_key(p, key, r).is_null()) ++given;
  if (given == p.row_count) return key_source::supplied;
  if (given == 0 && key.size() == 1 && auto_increment == key[0]) return key_source::generated;
  return key_source::none;
}

}  // namespace

records connection::select_by_key(const std::string& table, const table_info& t,
                                  const std::vector<std::string>& columns, const std::vector<value>& keys, bool lock) {
  records out;
  if (keys.empty()) return out;
  const std::string key_expr = key_expression(t);
  records found;
  std::vector<value> found_keys;
  for (std::size_t start = 0; start < keys.size(); start += keys_per_statement) {
    const std::size_t n = std::min(keys_per_statement, keys.size() - start);
    std::string cache_key = fmt::format("\x01select_by_key#{}#{}#{}#{}", table, fmt::join(columns, ","), n, lock);
    cached& c = prepare(cache_key, [&] {
      std::string sql = "SELECT ";
      if (columns.empty() || (columns.size() == 1 && columns[0] == "*")) {
        sql += "*";
      } else {
        for (std::size_t i = 0; i < columns.size(); ++i) {
          if (i) sql += ", ";
          dialect_->quote(sql, columns[i]);
        }
      }
      sql += ", " + key_expr + " FROM ";
      dialect_->quote(sql, table);
      sql += " WHERE (";
      for (std::size_t i = 0; i < t.key.size(); ++i) {
        if (i) sql += ", ";
        dialect_->quote(sql, t.key[i]);
      }
      sql += ") IN (";
      for (std::size_t i = 0; i < n; ++i) {
        if (i) sql += ", ";
        sql += '(';
        for (std::size_t k = 0; k < t.key.size(); ++k) sql += k ? ", ?" : "?";
        sql += ')';
      }
      sql += ")";
      if (lock) sql += " FOR UPDATE";
      return sql::with_params(std::move(sql), n * t.key.size());
    });
    std::vector<const value*> params;
    for (std::size_t i = start; i < start + n; ++i) {
      if (t.key.size() == 1) params.push_back(&keys[i]);
      else
        for (const auto& part : keys[i].as_array()) params.push_back(&part);
    }
    bind(c, params);
    run(c);
    if (found.column_count() == 0) found = records(c.data_names);
    fetch(c, found, SIZE_MAX, &found_keys);
  }
  normalize_keys(found_keys, t.key.size());
  // In the order of the keys given, as RETURNING would have them.
  std::unordered_map<std::string, std::size_t> where;
  for (std::size_t i = 0; i < found_keys.size(); ++i) where.emplace(found_keys[i].to_json(), i);
  std::vector<std::string> names;
  for (std::size_t i = 0; i < found.column_count(); ++i) names.emplace_back(found.column_name(i));
  out = records(std::move(names));
  for (const auto& k : keys) {
    auto it = where.find(k.to_json());
    if (it == where.end()) continue;
    for (std::size_t col = 0; col < found.column_count(); ++col) detail::records_builder(out).add(found.get(it->second, col));
    detail::records_builder(out).end_row();
  }
  return out;
}

engine::execution connection::insert(const engine::plan& p) {
  if (!p.want_ids && p.returning.empty() && !p.has_conflict && p.row_count > 1 && mariadb_) {
    engine::execution e;
    if (insert_bulk(p, e)) return e;
  }
  const bool wants_rows = p.want_ids || !p.returning.empty();
  const table_info* t = wants_rows ? &info(p.table) : nullptr;
  if (wants_rows && p.has_conflict) return insert_one_by_one(p, *t);
  // Ids alone, from an AUTO_INCREMENT key: LAST_INSERT_ID is exact and cheaper than a
  // RETURNING result set, so MariaDB takes this path too.
  if (wants_rows) {
    const key_source source = source_of(p, t->key, t->auto_increment);
    const bool generated_ids = p.want_ids && p.returning.empty() && source == key_source::generated;
    if (!has_returning_ || generated_ids) return insert_emulated(p, *t, source);
  }
  const std::string id_expr = p.want_ids ? key_expression(*t) : "";
  const std::size_t ncols = p.columns.size();
  const std::size_t limit = std::min(std::max<std::size_t>(1, max_params / ncols), max_rows_per_insert);
  auto body = [&] {
    engine::execution e;
    e.inserted_ids.reserve(p.want_ids ? p.row_count : 0);
    for (std::size_t start = 0, n; start < p.row_count; start += n) {
      n = chunk_at(p, start, limit, max_packet_);
      std::string cache_key(p.shape.view());
      cache_key += "#" + std::to_string(n);
      cached& c = prepare(cache_key, [&] {
        sql::statement s = sql::render_insert(p, *dialect_, n, json_of(p));
        if (!id_expr.empty()) {
          s.text += p.returning.empty() ? " RETURNING " : ", ";
          s.text += id_expr;
        }
        return s;
      });
      bind(c, p, start * ncols);
      run(c, start);
      if (!c.columns.empty()) {
        if (!p.returning.empty() && e.rows.column_count() == 0) detail::records_builder(e.rows).reset(id_expr.empty() ? c.names : c.data_names);
        const std::size_t before = e.inserted_ids.size();
        e.affected += static_cast<std::int64_t>(fetch(c, e.rows, SIZE_MAX, id_expr.empty() ? nullptr : &e.inserted_ids));
        normalize_keys(e.inserted_ids, t ? t->key.size() : 0, before);
      } else {
        // With ON DUPLICATE KEY UPDATE a row counts 1 inserted, 2 updated, 0 unchanged;
        // every row of an update-on-conflict insert was either inserted or updated.
        auto affected = static_cast<std::int64_t>(mysql_stmt_affected_rows(c.stmt));
        e.affected += p.has_conflict && p.on_conflict == conflict_action::update ? static_cast<std::int64_t>(n)
                                                                                : affected;
      }
    }
    return e;
  };
  const bool several = chunk_at(p, 0, limit, max_packet_) < p.row_count;
  return several ? in_unit(body) : body();  // several statements: all or nothing
}

// Without RETURNING: ids from LAST_INSERT_ID (or from the rows, when the caller gave the
// key), then the returned columns read again by key.
engine::execution connection::insert_emulated(const engine::plan& p, const table_info& t, key_source source) {
  const std::size_t ncols = p.columns.size();
  const bool supplied = source == key_source::supplied, generated = source == key_source::generated;
  if (source == key_source::none && (!p.returning.empty() || (p.want_ids && !t.key.empty())))
    no_keys(p.table, t.key.empty() ? "it has no primary key, and the server has no RETURNING"
                                   : "its key is given by some rows and not others, or is neither given nor "
                                     "AUTO_INCREMENT, and the server has no RETURNING");
  const std::size_t limit = generated && !consecutive_ids_
                                ? 1
                                : std::min(std::max<std::size_t>(1, max_params / ncols), max_rows_per_insert);
  std::vector<value> keys;
  keys.reserve(p.want_ids ? p.row_count : 0);
  auto body = [&] {
    engine::execution e;
    for (std::size_t start = 0, n; start < p.row_count; start += n) {
      n = chunk_at(p, start, limit, max_packet_);
      // The whole insert in one statement (the usual case) is keyed by the plan's shape,
      // and a prepared insert finds it by the plan's hint. Only this path hints an insert's
      // plan: the RETURNING path renders other text for the same plan.
      cached& c = n == p.row_count ? prepare_plan(p)
                                   : prepare(std::string(p.shape.view()) + "#e" + std::to_string(n),
                                             [&] { return sql::render_insert(p, *dialect_, n, json_of(p)); });
      bind(c, p, start * ncols);
      run(c, start);
      e.affected += static_cast<std::int64_t>(mysql_stmt_affected_rows(c.stmt));
      for (std::size_t i = 0; i < n; ++i) {
        if (generated) {
          keys.emplace_back(static_cast<std::int64_t>(mysql_stmt_insert_id(c.stmt)) +
                            static_cast<std::int64_t>(i) * auto_increment_step_);
        } else if (supplied) {
          keys.push_back(supplied_key(p, t.key, start + i));
        }
      }
    }
    if (!p.returning.empty()) {
      e.rows = select_by_key(p.table, t, p.returning, keys, false);
      if (e.rows.size() != keys.size()) no_keys(p.table, "reading the inserted rows back by key found fewer rows");
    }
    return e;
  };
  // One statement and nothing to read back: atomic on its own.
  const bool several = chunk_at(p, 0, limit, max_packet_) < p.row_count;
  engine::execution e = several || !p.returning.empty() ? in_unit(body) : body();
  if (p.want_ids) e.inserted_ids = std::move(keys);
  return e;
}

// ON DUPLICATE KEY UPDATE with ids or rows wanted: one row at a time, because only a
// single row's affected count (1 inserted, 2 updated, 0 left as it was) says what
// happened to it. Rows an ignore skipped are not returned, as on PostgreSQL.
engine::execution connection::insert_one_by_one(const engine::plan& p, const table_info& t) {
  const std::size_t ncols = p.columns.size();
  const auto& plain_dialect = the_dialect(false, mariadb_);  // no RETURNING: the count must be read
  std::string cache_key(p.shape.view());
  cache_key += "#one";
  std::vector<value> keys;
  engine::execution e = in_unit([&] {
    engine::execution e;
    for (std::size_t row = 0; row < p.row_count; ++row) {
      // Looked up each time: a prepare below may have emptied a full cache.
      cached& c = prepare(cache_key, [&] { return sql::render_insert(p, plain_dialect, 1, json_of(p)); });
      bind(c, p, row * ncols);
      run(c, row);
      auto affected = mysql_stmt_affected_rows(c.stmt);
      bool inserted = affected == 1;
      if (!inserted && p.on_conflict == conflict_action::ignore) continue;
      ++e.affected;
      if (t.key.empty()) continue;
      value key = supplied_key(p, t.key, row);
      if (key.is_null() && inserted && t.key.size() == 1 && t.auto_increment == t.key[0])
        key = value(static_cast<std::int64_t>(mysql_stmt_insert_id(c.stmt)));
      if (key.is_null()) {  // an existing row: find it by the conflict columns
        std::vector<std::string> by = p.conflict_columns;
        std::string sql = "SELECT " + key_expression(t) + " FROM ";
        dialect_->quote(sql, p.table);
        std::vector<const value*> params;
        for (std::size_t i = 0; i < by.size(); ++i) {
          sql += i ? " AND " : " WHERE ";
          dialect_->quote(sql, by[i]);
          sql += " = ?";
          auto it = std::find(p.columns.begin(), p.columns.end(), by[i]);
          params.push_back(p.param(p.rows_param + row * ncols + static_cast<std::size_t>(it - p.columns.begin())));
        }
        cached& find = prepare("\x01" "conflict#" + sql, [&] { return sql::with_params(sql, params.size()); });
        bind(find, params);
        run(find);
        records r(find.names);
        fetch(find, r, SIZE_MAX);
        if (r.size() != 1) no_keys(p.table, "the conflicting row was not found by its conflict columns");
        key = r.get(0, 0);
        std::vector<value> one{key};
        normalize_keys(one, t.key.size());
        key = one[0];
      }
      keys.push_back(std::move(key));
    }
    if (!p.returning.empty()) e.rows = select_by_key(p.table, t, p.returning, keys, false);
    return e;
  });
  if (p.want_ids) e.inserted_ids = std::move(keys);
  return e;
}

engine::execution connection::write_returning(const engine::plan& p) {
  const bool update = p.kind == engine::plan_kind::update;
  const table_info& t = info(p.table);
  if (t.key.empty()) no_keys(p.table, "returning needs a primary key on MySQL");
  if (update)
    for (const auto& a : p.set)
      if (std::find(t.key.begin(), t.key.end(), a.column) != t.key.end())
        throw error(error_category::unsupported,
                    fmt::format("an update that changes the key column \"{}\" of \"{}\" cannot return rows on "
                                "MySQL; leave out returning",
                                a.column, p.table),
                    error_details{"mysql"});
  const std::string key_expr = key_expression(t);
  return in_unit([&] {
    engine::execution e;
    std::vector<value> keys;
    // 1. Lock the matching rows and read their keys (and, for a delete, the rows).
    std::string lock_key(p.shape.view());
    lock_key += "#lock";
    cached& lock = prepare(lock_key, [&] {
      sql::renderer r(*dialect_, p);
      r.text("SELECT ");
      if (!update) {
        if (p.returning.size() == 1 && p.returning[0] == "*") {
          r.text("*");
        } else {
          for (std::size_t i = 0; i < p.returning.size(); ++i) {
            if (i) r.text(", ");
            r.ident(p.returning[i]);
          }
        }
        r.text(", ");
      }
      r.text(key_expr);
      r.text(" FROM ");
      r.ident(p.table);
      if (!p.where.matches_all()) {
        r.text(" WHERE ");
        r.filter(p.where);
      }
      r.text(" FOR UPDATE");
      return std::move(r).take();
    });
    bind(lock, p, 0);
    run(lock);
    records before(update ? std::vector<std::string>{} : std::vector<std::string>(lock.data_names->begin(), lock.data_names->end()));
    fetch(lock, before, SIZE_MAX, &keys);
    normalize_keys(keys, t.key.size());
    // 2. The write, restricted to those keys.
    sql::statement base = sql::render(p, *dialect_, json_of(p));
    for (std::size_t start = 0; start < keys.size(); start += keys_per_statement) {
      const std::size_t n = std::min(keys_per_statement, keys.size() - start);
      std::string write_key(p.shape.view());
      write_key += "#keys" + std::to_string(n);
      cached& c = prepare(write_key, [&] {
        sql::statement s = base;
        s.text += p.where.matches_all() ? " WHERE (" : " AND (";
        for (std::size_t i = 0; i < t.key.size(); ++i) {
          if (i) s.text += ", ";
          dialect_->quote(s.text, t.key[i]);
        }
        s.text += ") IN (";
        for (std::size_t i = 0; i < n; ++i) {
          s.text += i ? ", (" : "(";
          for (std::size_t k = 0; k < t.key.size(); ++k) s.text += k ? ", ?" : "?";
          s.text += ')';
        }
        s.text += ")";
        for (std::size_t i = 0; i < n * t.key.size(); ++i)
          s.bindings.push_back({static_cast<std::uint32_t>(p.params.size() + i), sql::transform::none});
        return s;
      });
      engine::plan q;  // the plan's params, then this chunk's key parts
      for (std::size_t i = 0; i < p.params.size(); ++i) q.add_param(p.params[i]);
      for (std::size_t i = start; i < start + n; ++i) {
        if (t.key.size() == 1) q.add_param(&keys[i]);
        else
          for (const auto& part : keys[i].as_array()) q.add_param(&part);
      }
      bind(c, q, 0);
      run(c);
    }
    e.affected = static_cast<std::int64_t>(keys.size());
    // 3. The rows: as they are now after an update, as they were before a delete.
    e.rows = update ? select_by_key(p.table, t, p.returning, keys, false) : std::move(before);
    return e;
  });
}

// One row, ON DUPLICATE KEY UPDATE: the affected count says inserted (1) or updated (2,
// or 0 when the values were already those). The row is then read by its conflict
// columns inside the same unit, so it is the row this call wrote.
engine::execution connection::upsert(const engine::plan& p) {
  const auto& plain_dialect = the_dialect(false, mariadb_);
  std::string cache_key(p.shape.view());
  cache_key += "#upsert";
  return in_unit([&] {
    engine::execution e;
    cached& c = prepare(cache_key, [&] { return sql::render_insert(p, plain_dialect, 1, json_of(p)); });
    bind(c, p, 0);
    run(c);
    e.operation = mysql_stmt_affected_rows(c.stmt) == 1 ? upsert_operation::inserted : upsert_operation::updated;
    e.affected = 1;
    std::string sql = "SELECT ";
    if (p.returning.empty() || (p.returning.size() == 1 && p.returning[0] == "*")) {
      sql += "*";
    } else {
      for (std::size_t i = 0; i < p.returning.size(); ++i) {
        if (i) sql += ", ";
        dialect_->quote(sql, p.returning[i]);
      }
    }
    sql += " FROM ";
    dialect_->quote(sql, p.table);
    std::vector<const value*> params;
    for (std::size_t i = 0; i < p.conflict_columns.size(); ++i) {
      sql += i ? " AND " : " WHERE ";
      dialect_->quote(sql, p.conflict_columns[i]);
      sql += " = ?";
      auto it = std::find(p.columns.begin(), p.columns.end(), p.conflict_columns[i]);
      params.push_back(p.param(p.rows_param + static_cast<std::size_t>(it - p.columns.begin())));
    }
    cached& read = prepare(std::string(p.shape.view()) + "#upsert_read", [&] { return sql::with_params(sql, params.size()); });
    bind(read, params);
    run(read);
    detail::records_builder(e.rows).reset(read.names);
    fetch(read, e.rows, SIZE_MAX);
    return e;
  });
}

}  // namespace tether::detail::mysql
