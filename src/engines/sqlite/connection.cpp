// One SQLite connection: statements in the shared cache, binding, the row loop, and each
// plan kind. Declared types → cells are types.cpp.
#include "connection.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <charconv>
#include <cstring>
#include <functional>

#include "dialect.hpp"
#include "error.hpp"
#include "functions.hpp"
#include "../../sql/redact.hpp"
#include "core/results/records_builder.hpp"

namespace tether::detail::sqlite {
namespace {


// Fixed-width UTC text, so that stored timestamps sort as they compare.
std::string utc_text(const timestamp& ts) {
  timestamp utc{ts.micros, 0};
  std::string s = utc.to_string();  // …SS[.ffffff]Z
  if (s.size() == 20) s.insert(19, ".000000");
  return s;
}

// One row's first `ncols` columns. A cell is read through its sqlite3_value: one column
// call per cell instead of one for the type and one or two for the contents, each of
// which re-checks the statement. The value is unprotected, which is safe on a connection
// one thread uses at a time (NOMUTEX). An integer, a real or a text cell of a column with
// no declared type to decode is stored here, inline; everything else in add_decoded.
inline void add_row(records& out, sqlite3_stmt* stmt, const decode* how, int ncols) {
  for (int i = 0; i < ncols; ++i) {
    sqlite3_value* cell = sqlite3_column_value(stmt, i);
    const int type = sqlite3_value_type(cell);
    if (how[i] == decode::storage) {
      if (type == SQLITE_INTEGER) {
        detail::records_builder(out).add_int(sqlite3_value_int64(cell));
        continue;
      }
      if (type == SQLITE_TEXT) {
        const auto* text = reinterpret_cast<const char*>(sqlite3_value_text(cell));
        detail::records_builder(out).add_text({text, static_cast<std::size_t>(sqlite3_value_bytes(cell))});
        continue;
      }
      if (type == SQLITE_FLOAT) {
        detail::records_builder(out).add_double(sqlite3_value_double(cell));
        continue;
      }
    }
    add_decoded(out, cell, type, how[i]);
  }
  detail::records_builder(out).end_row();
}

value cell_value(sqlite3_stmt* stmt, int i) {
  switch (sqlite3_column_type(stmt, i)) {
    case SQLITE_NULL: return nullptr;
    case SQLITE_INTEGER: return sqlite3_column_int64(stmt, i);
    case SQLITE_FLOAT: return sqlite3_column_double(stmt, i);
    case SQLITE_TEXT: {
      std::string_view text(reinterpret_cast<const char*>(sqlite3_column_text(stmt, i)),
                            static_cast<std::size_t>(sqlite3_column_bytes(stmt, i)));
      if (!text.empty() && text.front() == '[') return value::from_json(text);  // json_array ids
      return std::string(text);
    }
    default: {
      auto* p = static_cast<const std::uint8_t*>(sqlite3_column_blob(stmt, i));
      return bytes{std::vector<std::uint8_t>(p, p + sqlite3_column_bytes(stmt, i))};
    }
  }
}

}  // namespace

url_parts parse_url(std::string_view url) {
  auto bad = [&](std::string_view why) {
    return error(error_category::usage,
                 fmt::format("malformed SQLite URL \"{}\": {}; expected sqlite:///abs/path.db, "
                             "sqlite://relative/path.db or sqlite::memory:",
                             url, why));
  };
  url_parts parts;
  std::string_view rest;
  if (url == "sqlite::memory:" || url == "sqlite://:memory:") {
    parts.path = ":memory:";
    parts.wal = false;
    return parts;
  }
  if (url.rfind("sqlite://", 0) != 0) throw bad("it does not start with sqlite://");
  rest = url.substr(9);
  std::string_view query;
  if (auto q = rest.find('?'); q != std::string_view::npos) {
    query = rest.substr(q + 1);
    rest = rest.substr(0, q);
  }
  if (rest.empty() || rest == "/") throw bad("the file path is empty");
  parts.path = std::string(rest);
  while (!query.empty()) {
    auto amp = query.find('&');
    auto pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    auto eq = pair.find('=');
    auto key = pair.substr(0, eq);
    auto val = eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1);
    if (key == "busy_timeout") {
      int ms = 0;
      auto r = std::from_chars(val.data(), val.data() + val.size(), ms);
      if (r.ec != std::errc{} || r.ptr != val.data() + val.size() || ms < 0)
        throw bad(fmt::format("busy_timeout must be milliseconds, got \"{}\"", val));
      parts.busy_timeout_ms = ms;
    } else if (key == "mode") {
      if (val != "ro" && val != "rwc") throw bad(fmt::format("mode must be ro or rwc, got \"{}\"", val));
      parts.read_only = val == "ro";
    } else if (key == "journal") {
      if (val != "wal" && val != "delete") throw bad(fmt::format("journal must be wal or delete, got \"{}\"", val));
      parts.wal = val == "wal";
    } else {
      throw bad(fmt::format("unknown option \"{}\" (known: busy_timeout, mode, journal)", key));
    }
  }
  return parts;
}

connection::connection(const url_parts& url) {
  int flags = (url.read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) |
              SQLITE_OPEN_NOMUTEX;
  int rc = sqlite3_open_v2(url.path.c_str(), &db_, flags, nullptr);
  if (rc != SQLITE_OK) {
    std::string native = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
    sqlite3_close_v2(db_);
    db_ = nullptr;
    throw error(error_category::connection,
                fmt::format("cannot open SQLite database \"{}\" (sqlite: {})", url.path, native),
                error_details{.engine = "sqlite", .code = std::to_string(rc), .sqlstate = "08001"});
  }
  sqlite3_extended_result_codes(db_, 1);
  // Without this, a double-quoted unknown column silently becomes a string literal.
  sqlite3_db_config(db_, SQLITE_DBCONFIG_DQS_DML, 0, nullptr);
  sqlite3_db_config(db_, SQLITE_DBCONFIG_DQS_DDL, 0, nullptr);
  busy_timeout_ms_ = url.busy_timeout_ms;
  sqlite3_busy_timeout(db_, url.busy_timeout_ms);
  register_functions(db_);
  statements_.set_max_placeholders(static_cast<std::size_t>(sqlite3_limit(db_, SQLITE_LIMIT_VARIABLE_NUMBER, -1)));
  try {
    exec("PRAGMA foreign_keys = ON");
    if (url.wal && !url.read_only && url.path != ":memory:") exec("PRAGMA journal_mode = WAL");
  } catch (...) {
    sqlite3_close_v2(db_);
    db_ = nullptr;
    throw;
  }
}

connection::~connection() {
  drop_statements();
  sqlite3_close_v2(db_);
}

void connection::exec(const char* sql) {
  ++schema_epoch_;  // BEGIN, a savepoint, a pragma, a script: SQLite's re-prepares there are not seen
  char* message = nullptr;
  int rc = sqlite3_exec(db_, sql, nullptr, nullptr, &message);
  sqlite3_free(message);
  if (rc != SQLITE_OK) throw_error(db_, rc, sql);
}

connection::cached connection::prepare_uncached(std::string_view text) {
  cached c;
  const char* tail = nullptr;
  int rc = sqlite3_prepare_v3(db_, text.data(), static_cast<int>(text.size()),
                              SQLITE_PREPARE_PERSISTENT, &c.stmt, &tail);
  if (rc != SQLITE_OK) throw_error(db_, rc, text);
  if (!c.stmt) throw error(error_category::usage, "the statement is empty", {"sqlite"});
  std::string_view rest(tail, static_cast<std::size_t>(text.data() + text.size() - tail));
  if (rest.find_first_not_of(" \t\r\n;") != std::string_view::npos)
    c.tail = static_cast<std::size_t>(tail - text.data());
  describe_columns(c);
  return c;
}

void connection::describe_columns(cached& c) {
  c.names.clear();
  c.decoders.clear();
  int n = sqlite3_column_count(c.stmt);
  for (int i = 0; i < n; ++i) {
    c.names.emplace_back(sqlite3_column_name(c.stmt, i));
    c.decoders.push_back(decoder_for(sqlite3_column_decltype(c.stmt, i)));
  }
  c.all_names = std::make_shared<const std::vector<std::string>>(c.names);
  c.data_names = std::make_shared<const std::vector<std::string>>(
      c.names.begin(), c.names.empty() ? c.names.end() : c.names.end() - 1);
  c.reprepares = sqlite3_stmt_status(c.stmt, SQLITE_STMTSTATUS_REPREPARE, 0);
}

connection::cached& connection::prepare(std::string_view key, sql::render_ref render) {
  return statements_.get(
      key, render,
      [&](sql::statement&& s) {
        cached c = prepare_uncached(s.text);
        c.bindings = std::move(s.bindings);
        return c;
      },
      [&] { drop_statements(); });
}

void connection::drop_statements() {
  statements_.for_each([](cached& c) { sqlite3_finalize(c.stmt); });
  statements_.clear();
}

const sql::dialect& connection::sql_dialect() const noexcept { return the_dialect(); }

void connection::bind_value(sqlite3_stmt* stmt, int i, const value& v, sql::transform how) {
  int rc = SQLITE_OK;
  if (how != sql::transform::none) {  // the common case (none) goes straight to the value's kind below
    // json_text, and a JSON column's value (json_value): a string is stored as a JSON string,
    // never parsed as a document; a number or null in a JSON column is bound as itself (the
    // column's NUMERIC affinity would turn a number's text into the number anyway).
    const bool as_json = how == sql::transform::json_text ||
                         (how == sql::transform::json_value && !v.is_null() && !v.is_number());
    if (as_json || how != sql::transform::json_value) {
      scratch_ = as_json ? v.to_json() : sql::apply_transform(how, v.as_string());
      rc = sqlite3_bind_text(stmt, i, scratch_.data(), static_cast<int>(scratch_.size()), SQLITE_TRANSIENT);
      if (rc != SQLITE_OK) throw_error(db_, rc, sqlite3_sql(stmt));
      return;
    }
  }
  {
    switch (v.kind()) {
      case value_kind::null: rc = sqlite3_bind_null(stmt, i); break;
      case value_kind::boolean: rc = sqlite3_bind_int(stmt, i, v.as_bool() ? 1 : 0); break;
      case value_kind::integer: rc = sqlite3_bind_int64(stmt, i, v.as_int()); break;
      case value_kind::real:
        // SQLite stores a NaN as NULL, silently; infinities it keeps.
        if (std::isnan(v.as_double()))
          throw error(error_category::usage, "SQLite cannot store NaN (it would keep NULL instead); pass null, or a number",
                      error_details{.engine = "sqlite", .statement = sql::redact_statement(sqlite3_sql(stmt))});
        rc = sqlite3_bind_double(stmt, i, v.as_double());
        break;
      case value_kind::string: {
        const auto& s = v.as_string();
        rc = sqlite3_bind_text(stmt, i, s.data(), static_cast<int>(s.size()), SQLITE_STATIC);
        break;
      }
      case value_kind::decimal: {
        const auto& s = v.as_decimal().text;
        rc = sqlite3_bind_text(stmt, i, s.data(), static_cast<int>(s.size()), SQLITE_STATIC);
        break;
      }
      case value_kind::bytes: {
        const auto& b = v.as_bytes().data;
        // An empty vector has no address, and SQLite binds a null address as NULL.
        rc = b.empty() ? sqlite3_bind_zeroblob(stmt, i, 0)
                       : sqlite3_bind_blob(stmt, i, b.data(), static_cast<int>(b.size()), SQLITE_STATIC);
        break;
      }
      default: {
        switch (v.kind()) {
          case value_kind::date: scratch_ = v.as_date().to_string(); break;
          case value_kind::time: scratch_ = v.as_time().to_string(); break;
          case value_kind::timestamp: scratch_ = utc_text(v.as_timestamp()); break;
          case value_kind::uuid: scratch_ = v.as_uuid().to_string(); break;
          case value_kind::object_id: scratch_ = v.as_object_id().to_string(); break;
          default: scratch_ = v.to_json(); break;  // arrays and objects: JSON text
        }
        rc = sqlite3_bind_text(stmt, i, scratch_.data(), static_cast<int>(scratch_.size()),
                               SQLITE_TRANSIENT);
      }
    }
  }
  if (rc != SQLITE_OK) throw_error(db_, rc, sqlite3_sql(stmt));
}

void connection::bind(cached& c, const engine::plan& p, std::size_t offset) {
  const std::size_t n = c.bindings.size();
  if (c.bound_ints.size() != n) c.bound_ints.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    const auto& b = c.bindings[i];
    const value& v = *p.param(b.param + offset);
    auto& kept = c.bound_ints[i];
    if (b.how == sql::transform::none && v.kind() == value_kind::integer) {
      const std::int64_t x = v.as_int();
      if (kept == x) continue;
      if (int rc = sqlite3_bind_int64(c.stmt, static_cast<int>(i) + 1, x); rc != SQLITE_OK)
        throw_error(db_, rc, sqlite3_sql(c.stmt));
      kept = x;
      continue;
    }
    bind_value(c.stmt, static_cast<int>(i) + 1, v, b.how);
    kept.reset();
  }
}

// max_rows: when the plan's LIMIT says no more rows can come, stop there and reset,
// instead of stepping once more only to hear SQLITE_DONE.
std::int64_t connection::run(cached& c, records* out, std::vector<value>* ids, std::int64_t max_rows) {
  struct resetter {
    sqlite3_stmt* s;
    ~resetter() { sqlite3_reset(s); }
  } reset{c.stmt};
  std::int64_t rows = 0;
  for (;;) {
    int rc = sqlite3_step(c.stmt);
    if (rows == 0 && sqlite3_stmt_status(c.stmt, SQLITE_STMTSTATUS_REPREPARE, 0) != c.reprepares) {
      // The schema changed under a cached statement: its columns may have too.
      ++schema_epoch_;
      describe_columns(c);
      if (out && out->empty()) detail::records_builder(*out).reset(ids ? c.data_names : c.all_names);
    }
    if (rc == SQLITE_DONE) break;
    if (rc != SQLITE_ROW) throw_error(db_, rc, sqlite3_sql(c.stmt));
    const int ncols = static_cast<int>(c.names.size());
    const int data_cols = ids ? ncols - 1 : ncols;
    ++rows;
    if (out) add_row(*out, c.stmt, c.decoders.data(), data_cols);
    if (ids) ids->push_back(cell_value(c.stmt, ncols - 1));
    if (rows == max_rows) break;
  }
  return rows;
}

void connection::execute(const engine::plan& p, engine::execution& out) {
  switch (p.kind) {
    case engine::plan_kind::find:
    case engine::plan_kind::count:
    case engine::plan_kind::aggregate: return find(p, out);
    case engine::plan_kind::insert: out = insert(p); return;
    case engine::plan_kind::update:
    case engine::plan_kind::remove: out = write(p); return;
    case engine::plan_kind::upsert: out = upsert(p); return;
    case engine::plan_kind::raw: out = raw(p); return;
  }
  throw error(error_category::unsupported, "unknown plan kind");
}

connection::cached& connection::prepare_plan(const engine::plan& p) {
  return statements_.hinted(p, this, [&]() -> cached& { return prepare(p.shape, [&] { return sql::render(p, the_dialect()); }); });
}

// A find's, a count's or an aggregate's rows, straight into the caller's result.
void connection::find(const engine::plan& p, engine::execution& e) {
  records& out = e.rows;
  cached& c = prepare_plan(p);
  bind(c, p, 0);
  detail::records_builder(out).reset(c.all_names);
  std::int64_t limit = -1;
  if (p.limit != engine::no_param) {
    const value* v = p.param(p.limit);
    if (v->kind() == value_kind::integer) limit = v->as_int();
  }
  e.affected = run(c, &out, nullptr, limit);
}

// A statement of its own, stepped a chunk at a time: nothing beyond the chunk is held.
class cursor final : public engine::cursor {
 public:
  cursor(connection& c, connection::cached stmt) : c_(c), s_(std::move(stmt)) {}
  ~cursor() override { sqlite3_finalize(s_.stmt); }
  bool fetch(records& out, std::size_t max_rows) override {
    if (done_) return false;
    detail::records_builder(out).restart(s_.all_names);  // the last chunk's storage, kept for this one
    for (std::size_t n = 0; n < max_rows; ++n) {
      int rc = sqlite3_step(s_.stmt);
      if (rc == SQLITE_DONE) {
        done_ = true;
        break;
      }
      if (rc != SQLITE_ROW) throw_error(c_.db_, rc, sqlite3_sql(s_.stmt));
      if (n == 0) c_.notice_reprepare(s_);
      add_row(out, s_.stmt, s_.decoders.data(), static_cast<int>(s_.names.size()));
    }
    return !out.empty();
  }

 private:
  connection& c_;
  connection::cached s_;
  bool done_ = false;
};

std::unique_ptr<engine::cursor> connection::open(const engine::plan& p) {
  if (p.kind != engine::plan_kind::find) return engine::connection::open(p);
  sql::statement text = sql::render(p, the_dialect());
  cached c = prepare_uncached(text.text);
  c.bindings = std::move(text.bindings);
  try {
    bind(c, p, 0);
  } catch (...) {
    sqlite3_finalize(c.stmt);
    throw;
  }
  return std::make_unique<cursor>(*this, std::move(c));
}

engine::execution connection::write(const engine::plan& p) {
  // An update's values for JSON columns are bound as JSON; the table's facts say which.
  const table_info* t = p.kind == engine::plan_kind::update ? &info(p.table) : nullptr;
  if (t) refuse_unknown(*t, p);
  cached& c = prepare(p.shape, [&] {
    if (!t) return sql::render(p, the_dialect());
    return sql::render(p, the_dialect(), t->json_columns, t->decimal_columns);
  });
  bind(c, p, 0);
  engine::execution e;
  if (!p.returning.empty()) detail::records_builder(e.rows).reset(c.all_names);
  run(c, p.returning.empty() ? nullptr : &e.rows, nullptr);
  e.affected = sqlite3_changes64(db_);
  return e;
}

void connection::notice_reprepare(cached& c) {
  const int n = sqlite3_stmt_status(c.stmt, SQLITE_STMTSTATUS_REPREPARE, 0);
  if (n == c.reprepares) return;
  c.reprepares = n;
  ++schema_epoch_;
}

engine::execution connection::raw(const engine::plan& p) {
  ++schema_epoch_;  // raw SQL may change any table
  engine::execution e;
  cached& c = prepare(p.shape, [&] { return sql::with_params(p.raw_query, p.params.size()); });
  if (c.tail != 0 && !p.params.empty())
    throw error(error_category::usage,
                "a raw query with params must be one statement; send the others separately",
                {.engine = "sqlite", .statement = sql::redact_statement(p.raw_query)});
  int expected = sqlite3_bind_parameter_count(c.stmt);
  if (expected != static_cast<int>(p.params.size()))
    throw error(error_category::usage,
                fmt::format("the raw query has {} placeholders but {} params were given", expected,
                            p.params.size()),
                {.engine = "sqlite", .statement = sql::redact_statement(p.raw_query)});
  bind(c, p, 0);
  detail::records_builder(e.rows).reset(c.all_names);
  for (std::size_t i = 0; i < c.names.size(); ++i) {
    const char* decl = sqlite3_column_decltype(c.stmt, static_cast<int>(i));
    e.fields.push_back({c.names[i], decl ? decl : ""});
  }
  std::int64_t rows = run(c, &e.rows, nullptr);
  e.affected = c.names.empty() ? sqlite3_changes64(db_) : rows;
  if (c.tail != 0) run_script(std::string_view(p.raw_query).substr(c.tail), e);
  return e;
}

// The statements after the first of a script, each run once; the last one that returns
// rows gives the result.
void connection::run_script(std::string_view rest, engine::execution& e) {
  while (rest.find_first_not_of(" \t\r\n;") != std::string_view::npos) {
    sqlite3_stmt* stmt = nullptr;
    const char* tail = nullptr;
    int rc = sqlite3_prepare_v2(db_, rest.data(), static_cast<int>(rest.size()), &stmt, &tail);
    if (rc != SQLITE_OK) throw_error(db_, rc, rest);
    rest = rest.substr(static_cast<std::size_t>(tail - rest.data()));
    if (!stmt) continue;
    cached c;
    c.stmt = stmt;
    describe_columns(c);
    struct finalizer {
      sqlite3_stmt* s;
      ~finalizer() { sqlite3_finalize(s); }
    } fin{stmt};
    records rows(c.all_names);
    std::int64_t n = run(c, &rows, nullptr);
    if (!c.names.empty()) {
      e.rows = std::move(rows);
      e.affected = n;
    } else {
      e.affected = sqlite3_changes64(db_);
    }
  }
}

void connection::begin(const transaction_options& o) {
  if (o.deferrable)
    throw error(error_category::unsupported,
                "sqlite cannot honour a deferrable transaction (a PostgreSQL option); drop it",
                {"sqlite"});
  // Every SQLite transaction is serializable, which honours any level asked for: the SQL
  // standard lets an engine run a stronger level than requested. A read-write
  // transaction takes the write lock at BEGIN (IMMEDIATE): begun deferred, a read and then
  // a write fails at once with SQLITE_BUSY when another connection writes, instead of
  // waiting out the busy timeout.
  if (o.read_only) {
    exec("PRAGMA query_only = ON");
    read_only_tx_ = true;
  }
  try {
    exec(o.read_only ? "BEGIN" : "BEGIN IMMEDIATE");
  } catch (...) {
    if (read_only_tx_) exec("PRAGMA query_only = OFF");
    read_only_tx_ = false;
    throw;
  }
}

void connection::commit() {
  exec("COMMIT");
  if (read_only_tx_) exec("PRAGMA query_only = OFF");
  read_only_tx_ = false;
}

void connection::rollback() {
  // SQLite may already have rolled back on its own (after some errors).
  if (!sqlite3_get_autocommit(db_)) exec("ROLLBACK");
  if (read_only_tx_) exec("PRAGMA query_only = OFF");
  read_only_tx_ = false;
}

bool connection::alive() { return db_ != nullptr; }

std::optional<std::string> connection::server_version() { return sqlite3_libversion(); }

}  // namespace tether::detail::sqlite
