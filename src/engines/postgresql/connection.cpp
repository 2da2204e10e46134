// One PostgreSQL connection: named prepared statements in the shared statement cache,
// single-row-mode cursors, pipelined batches, reads, raw statements and transactions.
// Values in and out are types.cpp; inserts and upserts are writes.cpp.
#include "connection.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <optional>

#include "core/workspace/url.hpp"
#include "dialect.hpp"
#include "error.hpp"
#include "../../sql/redact.hpp"
#include "core/results/records_builder.hpp"

namespace tether::detail::postgresql {
namespace {

// libpq's URI options that tether passes through; anything else is a typo to refuse.
constexpr std::string_view known_options[] = {
    "sslmode", "connect_timeout", "application_name", "host", "port", "options", "sslrootcert",
    "sslcert", "sslkey", "target_session_attrs", "keepalives", "keepalives_idle", "client_encoding"};

}  // namespace

void validate_url(std::string_view url) {
  auto u = parse_network_url(url);
  if (u.scheme != "postgresql" && u.scheme != "postgres")
    throw error(error_category::usage,
                fmt::format("\"{}\" is not a PostgreSQL URL; expected postgresql:// or postgres://", mask_url(url)));
  for (const auto& [key, value] : u.options)
    if (std::find(std::begin(known_options), std::end(known_options), key) == std::end(known_options))
      throw error(error_category::usage,
                  fmt::format("unknown option \"{}\" in PostgreSQL URL \"{}\"; known: sslmode, connect_timeout, "
                              "application_name, host (a unix-socket folder), …",
                              key, mask_url(url)));
}

connection::connection(std::string_view url) {
  // libpq parses the URL again: it is given the parts as tether read them, encoded.
  const std::string u = canonical_url(parse_network_url(url));
  conn_ = PQconnectdb(u.c_str());
  if (!conn_ || PQstatus(conn_) != CONNECTION_OK) {
    std::string why = conn_ ? PQerrorMessage(conn_) : "out of memory";
    PQfinish(conn_);
    conn_ = nullptr;
    while (!why.empty() && (why.back() == '\n' || why.back() == ' ')) why.pop_back();
    throw error(error_category::connection,
                fmt::format("cannot connect to PostgreSQL at {}: {}", mask_url(url), why),
                error_details{.engine = "postgresql", .sqlstate = "08001"});
  }
  // Notices (CREATE … IF NOT EXISTS skipping) are not errors; libpq would print them.
  PQsetNoticeProcessor(conn_, [](void*, const char*) {}, nullptr);
  // One way to read dates and times, whatever the server's defaults.
  command("SET TimeZone = 'UTC'; SET DateStyle = 'ISO, YMD'; SET client_encoding = 'UTF8'");
}

connection::~connection() { PQfinish(conn_); }

void connection::command(const char* sql) {
  result r{PQexec(conn_, sql)};
  auto status = PQresultStatus(r.r);
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK && status != PGRES_EMPTY_QUERY)
    throw_result_error(conn_, r.r, sql);
}

connection::cached& connection::prepare(std::string_view key, sql::render_ref render) {
  return statements_.get(
      key, render,
      [&](sql::statement&& s) {
        cached c{fmt::format("t{}", ++next_name_), std::move(s.text), std::move(s.bindings)};
        result r{PQprepare(conn_, c.name.c_str(), c.text.c_str(), 0, nullptr)};
        if (PQresultStatus(r.r) != PGRES_COMMAND_OK) throw_result_error(conn_, r.r, c.text);
        // The server's inferred parameter types tell an array column from a json one.
        result d{PQdescribePrepared(conn_, c.name.c_str())};
        if (PQresultStatus(d.r) == PGRES_COMMAND_OK) {
          for (int i = 0; i < PQnparams(d.r); ++i) c.param_types.push_back(PQparamtype(d.r, i));
          std::vector<std::string> names;
          for (int i = 0; i < PQnfields(d.r); ++i) names.emplace_back(PQfname(d.r, i));
          c.names = std::make_shared<const std::vector<std::string>>(std::move(names));
          c.binary = PQnfields(d.r) > 0;
          for (int i = 0; i < PQnfields(d.r); ++i) c.binary = c.binary && has_binary_decoder(PQftype(d.r, i));
        }
        return c;
      },
      [&] { drop_statements(); });
}

void connection::drop_statements() {
  command("DEALLOCATE ALL");
  statements_.clear();
}

const sql::dialect& connection::sql_dialect() const noexcept { return the_dialect(); }

connection::cached& connection::prepare_plan(const engine::plan& p) {
  return statements_.hinted(p, this, [&]() -> cached& { return prepare(p.shape, [&] { return sql::render(p, the_dialect()); }); });
}

void connection::run(const cached& c, const engine::plan& p, std::size_t offset, result& out, bool binary_rows) {
  bind(c, p, offset);
  out.r = PQexecPrepared(conn_, c.name.c_str(), static_cast<int>(c.bindings.size()), values_.data(), lengths_.data(),
                         formats_.data(), binary_rows && c.binary ? 1 : 0);
  auto status = PQresultStatus(out.r);
  if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) {
    if (PQresultErrorField(out.r, PG_DIAG_SQLSTATE) &&
        std::string_view(PQresultErrorField(out.r, PG_DIAG_SQLSTATE)).substr(0, 2) == "42") {
      keys_.clear();  // the schema may have changed under cached facts
      json_.clear();
    }
    throw_result_error(conn_, out.r, c.text);
  }
}

// libpq's single-row mode: the server sends rows as it produces them and libpq hands them
// over one by one, so only the current chunk is in memory. Destroyed early, the cursor
// cancels the query and drains what is left, leaving the connection ready for the next.
class cursor final : public engine::cursor {
 public:
  cursor(connection& c, std::string statement) : c_(c), statement_(std::move(statement)) {}
  ~cursor() override {
    if (done_) return;
    if (PGcancel* cancel = PQgetCancel(c_.conn_)) {
      char why[256];
      PQcancel(cancel, why, sizeof why);
      PQfreeCancel(cancel);
    }
    while (PGresult* r = PQgetResult(c_.conn_)) PQclear(r);
  }
  bool fetch(records& out, std::size_t max_rows) override {
    if (done_) return false;
    if (names_) detail::records_builder(out).restart(names_);  // the last chunk's storage, kept for this one
    else out = records();
    for (std::size_t n = 0; n < max_rows;) {
      connection::result r{PQgetResult(c_.conn_)};
      if (!r.r) {
        done_ = true;
        break;
      }
      auto status = PQresultStatus(r.r);
      if (status == PGRES_SINGLE_TUPLE) {
        if (!names_) {  // the first row: its result says the layout of every one after it
          const int ncols = PQnfields(r.r);
          names_ = column_names(r.r, ncols);
          for (int c = 0; c < ncols; ++c) types_.push_back(PQftype(r.r, c));
          binary_ = ncols > 0 && PQfformat(r.r, 0) == 1;
          detail::records_builder(out).restart(names_);
        }
        append_rows(r.r, out, types_, binary_);
        ++n;
      } else if (status == PGRES_TUPLES_OK) {
        if (out.column_count() == 0) decode_rows(r.r, out);  // names for an empty result
      } else {
        while (PGresult* rest = PQgetResult(c_.conn_)) PQclear(rest);
        done_ = true;
        throw_result_error(c_.conn_, r.r, statement_);
      }
    }
    return !out.empty();
  }

 private:
  connection& c_;
  std::string statement_;
  bool done_ = false;
  // The rows' layout, from the first row's result.
  std::shared_ptr<const std::vector<std::string>> names_;
  std::vector<Oid> types_;
  bool binary_ = false;
};

std::unique_ptr<engine::cursor> connection::open(const engine::plan& p) {
  if (p.kind != engine::plan_kind::find) return engine::connection::open(p);
  cached& c = prepare_plan(p);
  bind(c, p, 0);
  if (!PQsendQueryPrepared(conn_, c.name.c_str(), static_cast<int>(c.bindings.size()), values_.data(),
                           lengths_.data(), formats_.data(), 0))
    throw_connection_error(conn_, "cannot send the query");
  if (!PQsetSingleRowMode(conn_)) {
    while (PGresult* r = PQgetResult(conn_)) PQclear(r);
    throw error(error_category::query, "libpq refused single-row mode", error_details{.engine = "postgresql", .statement = sql::redact_statement(c.text)});
  }
  return std::make_unique<cursor>(*this, c.text);
}

// A fact about a table, as the names a catalog query gives for its oid ($1), kept in `cache`.
const std::vector<std::string>& connection::table_names(std::unordered_map<std::string, std::vector<std::string>>& cache,
                                                         const std::string& table, const char* sql) {
  if (auto it = cache.find(table); it != cache.end()) return it->second;
  std::string quoted;
  the_dialect().quote(quoted, table);
  const char* values[] = {quoted.c_str()};
  result r{PQexecParams(conn_, sql, 1, nullptr, values, nullptr, nullptr, 0)};
  if (PQresultStatus(r.r) != PGRES_TUPLES_OK) throw_result_error(conn_, r.r, sql);
  std::vector<std::string> names;
  for (int i = 0; i < PQntuples(r.r); ++i) names.emplace_back(PQgetvalue(r.r, i, 0));
  return cache[table] = std::move(names);
}

const std::vector<std::string>& connection::primary_key(const std::string& table) {
  return table_names(keys_, table,
                     "SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid "
                     "AND a.attnum = ANY(i.indkey) WHERE i.indrelid = to_regclass($1) AND i.indisprimary "
                     "ORDER BY array_position(i.indkey, a.attnum)");
}

const std::vector<std::string>& connection::json_columns(const std::string& table) {
  return table_names(json_, table,
                     "SELECT attname FROM pg_attribute WHERE attrelid = to_regclass($1) AND attnum > 0 "
                     "AND NOT attisdropped AND atttypid IN (114, 3802) ORDER BY attnum");
}

void connection::execute(const engine::plan& p, engine::execution& out) {
  switch (p.kind) {
    case engine::plan_kind::insert: out = insert(p); return;
    case engine::plan_kind::upsert: out = upsert(p); return;
    case engine::plan_kind::raw: out = raw(p); return;
    default:
      out = rows(p);
      return;
  }
}

// Pipeline mode: send a group of queries and a sync, then read every result. Groups of
// 200 keep both directions' buffers small, so a blocking client cannot deadlock with a
// server that is waiting for it to read.
std::vector<engine::execution> connection::execute_batch(const std::vector<const engine::plan*>& plans) {
  for (const auto* p : plans)
    if (p->kind != engine::plan_kind::find) return engine::connection::execute_batch(plans);
  constexpr std::size_t group = 200;
  std::vector<cached*> statements;
  statements.reserve(plans.size());
  for (const auto* p : plans) statements.push_back(&prepare_plan(*p));  // new shapes prepared first
  std::vector<engine::execution> out(plans.size());
  std::optional<error> failure;
  if (!PQenterPipelineMode(conn_)) throw_connection_error(conn_, "cannot enter pipeline mode");
  struct leave {
    PGconn* c;
    ~leave() { PQexitPipelineMode(c); }
  } leave_pipeline{conn_};
  for (std::size_t first = 0; first < plans.size(); first += group) {
    const std::size_t last = std::min(plans.size(), first + group);
    for (std::size_t i = first; i < last; ++i) {
      bind(*statements[i], *plans[i], 0);
      if (!PQsendQueryPrepared(conn_, statements[i]->name.c_str(), static_cast<int>(statements[i]->bindings.size()),
                               values_.data(), lengths_.data(), formats_.data(), 0))
        throw_connection_error(conn_, "cannot send a pipelined query");
    }
    if (!PQpipelineSync(conn_)) throw_connection_error(conn_, "cannot sync the pipeline");
    for (std::size_t i = first; i < last; ++i) {
      result r{PQgetResult(conn_)};
      auto status = PQresultStatus(r.r);
      if (status == PGRES_TUPLES_OK) {
        decode_rows(r.r, out[i].rows);
        out[i].affected = PQntuples(r.r);
      } else if (status != PGRES_PIPELINE_ABORTED && !failure) {
        try {
          throw_result_error(conn_, r.r, statements[i]->text);
        } catch (const error& e) {
          failure = e;
        }
      }
      while (PGresult* end = PQgetResult(conn_)) PQclear(end);  // the NULL after each query
    }
    while (PGresult* r = PQgetResult(conn_)) {  // the sync's own result
      bool synced = PQresultStatus(r) == PGRES_PIPELINE_SYNC;
      PQclear(r);
      if (synced) break;
    }
    if (failure) break;
  }
  if (failure) throw *failure;
  return out;
}

// PostgreSQL refuses to run a prepared statement whose result columns changed since it
// was prepared (a migration added or dropped a column of its table): every statement
// prepared before is suspect, so all are dropped and this one is prepared again. Outside a
// transaction nothing has happened yet and it is run again; inside one, the transaction
// is already aborted and the error goes to the caller.
engine::execution connection::rows(const engine::plan& p) {
  try {
    return rows_once(p);
  } catch (const error& e) {
    if (e.sqlstate() != "0A000" || std::string_view(e.what()).find("cached plan must not change result type") == std::string_view::npos ||
        PQtransactionStatus(conn_) != PQTRANS_IDLE)
      throw;
    drop_statements();
    keys_.clear();
    json_.clear();
    return rows_once(p);
  }
}

engine::execution connection::rows_once(const engine::plan& p) {
  cached& c = prepare_plan(p);
  result r;
  const bool read = p.kind == engine::plan_kind::find || p.kind == engine::plan_kind::count ||
                    p.kind == engine::plan_kind::aggregate;
  run(c, p, 0, r, read);
  engine::execution e;
  if (PQresultStatus(r.r) == PGRES_TUPLES_OK && PQnfields(r.r) > 0) {
    if (c.names && c.names->size() == static_cast<std::size_t>(PQnfields(r.r))) detail::records_builder(e.rows).reset(c.names);
    decode_rows(r.r, e.rows);
  }
  const char* tuples = PQcmdTuples(r.r);
  e.affected = (p.kind == engine::plan_kind::update || p.kind == engine::plan_kind::remove) && *tuples
                   ? std::atoll(tuples)
                   : static_cast<std::int64_t>(e.rows.size());
  return e;
}

engine::execution connection::raw(const engine::plan& p) {
  engine::execution e;
  result r;
  if (p.params.empty()) {
    r.r = PQexec(conn_, p.raw_query.c_str());  // may hold several statements
  } else {
    cached identity;  // param i fills placeholder $i+1, converted as every other call's are
    identity.bindings = sql::with_params({}, p.params.size()).bindings;
    bind(identity, p, 0);
    r.r = PQexecParams(conn_, p.raw_query.c_str(), static_cast<int>(p.params.size()), nullptr, values_.data(),
                       lengths_.data(), formats_.data(), 0);
  }
  auto status = PQresultStatus(r.r);
  if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK && status != PGRES_EMPTY_QUERY)
    throw_result_error(conn_, r.r, p.raw_query);
  keys_.clear();  // raw may have changed the schema
  json_.clear();
  if (status == PGRES_TUPLES_OK) {
    decode_rows(r.r, e.rows);
    for (int c = 0; c < PQnfields(r.r); ++c) e.fields.push_back({PQfname(r.r, c), type_name(r.r, PQftype(r.r, c))});
    e.affected = PQntuples(r.r);
  } else {
    const char* tuples = PQcmdTuples(r.r);
    e.affected = *tuples ? std::atoll(tuples) : 0;
  }
  return e;
}

// Type names for raw()'s fields, kept per connection: the first time a result holds
// types not seen yet, one query names all of them.
const std::string& connection::type_name(const PGresult* res, Oid type) {
  if (auto it = type_names_.find(type); it != type_names_.end()) return it->second;
  std::string oids = "{";
  for (int c = 0; c < PQnfields(res); ++c)
    if (!type_names_.count(PQftype(res, c))) oids += (oids.size() > 1 ? "," : "") + std::to_string(PQftype(res, c));
  oids += "}";
  const char* sql = "SELECT t, format_type(t, NULL) FROM unnest($1::oid[]) AS t";
  const char* values[] = {oids.c_str()};
  result r{PQexecParams(conn_, sql, 1, nullptr, values, nullptr, nullptr, 0)};
  if (PQresultStatus(r.r) == PGRES_TUPLES_OK)
    for (int i = 0; i < PQntuples(r.r); ++i)
      type_names_[static_cast<Oid>(std::strtoul(PQgetvalue(r.r, i, 0), nullptr, 10))] = PQgetvalue(r.r, i, 1);
  return type_names_[type];  // empty when the server could not name it
}

void connection::begin(const transaction_options& o) {
  std::string sql = "BEGIN";
  if (o.isolation) {
    switch (*o.isolation) {
      case isolation::read_uncommitted: sql += " ISOLATION LEVEL READ UNCOMMITTED"; break;
      case isolation::read_committed: sql += " ISOLATION LEVEL READ COMMITTED"; break;
      case isolation::repeatable_read: sql += " ISOLATION LEVEL REPEATABLE READ"; break;
      case isolation::serializable: sql += " ISOLATION LEVEL SERIALIZABLE"; break;
    }
  }
  if (o.read_only) sql += " READ ONLY";
  if (o.deferrable) sql += " DEFERRABLE";
  command(sql.c_str());
}

void connection::commit() {
  result r{PQexec(conn_, "COMMIT")};
  if (PQresultStatus(r.r) != PGRES_COMMAND_OK) throw_result_error(conn_, r.r, "COMMIT");
  // COMMIT of a transaction in which a statement failed answers ROLLBACK: say so.
  if (std::string_view(PQcmdStatus(r.r)) == "ROLLBACK")
    throw error(error_category::query, "the transaction was rolled back because a statement in it failed",
                error_details{.engine = "postgresql", .code = "25P02", .sqlstate = "25P02", .statement = "COMMIT"});
}

void connection::rollback() {
  if (PQtransactionStatus(conn_) != PQTRANS_IDLE) command("ROLLBACK");
}

bool connection::alive() {
  if (PQstatus(conn_) != CONNECTION_OK) return false;
  result r{PQexec(conn_, "")};  // one round trip
  return PQresultStatus(r.r) == PGRES_EMPTY_QUERY;
}

std::optional<std::string> connection::server_version() {
  const char* v = PQparameterStatus(conn_, "server_version");
  return v ? v : "";
}

}  // namespace tether::detail::postgresql
