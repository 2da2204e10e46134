// One PostgreSQL connection: named prepared statements keyed by plan shape, text params
// (bytea as binary), results decoded by type, and each plan kind.
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

constexpr Oid json_oid = 114, jsonb_oid = 3802;

// A timestamp as its UTC wall-clock time: a zone-less column (TIMESTAMP, tether's datetime)
// ignores an offset it is given, so "12:00+02:00" would be kept as 12:00 and shift the
// instant; in UTC it keeps the instant, and a TIMESTAMPTZ reads the same instant either way.
std::string utc(const timestamp& t) { return timestamp{t.micros, 0}.to_string(); }

// PostgreSQL's text holds no NUL byte: libpq would cut the value short at it, so that "a\0b"
// was stored as "a" and a where on "a\0zzz" matched it. Refused before anything is sent.
void refuse_nul(std::string_view s) {
  auto at = s.find('\0');
  if (at == std::string_view::npos) return;
  std::string shown = value(std::string(s.substr(0, std::min<std::size_t>(at + 8, 40)))).to_json();
  throw error(error_category::usage,
              fmt::format("PostgreSQL text cannot hold a NUL byte, found at offset {} of the string {}; remove it, "
                          "or store the value as bytes (tether::bytes, {{\"$bytes\": …}})",
                          at, shown),
              error_details{"postgresql"});
}

void append_array_literal(std::string& out, const value& v);

// One element of a PostgreSQL array literal: NULL, a nested array, a bare number or
// boolean, or anything else as a double-quoted string with " and \ escaped.
void append_array_element(std::string& out, const value& e) {
  switch (e.kind()) {
    case value_kind::null: out += "NULL"; return;
    case value_kind::array: append_array_literal(out, e); return;
    case value_kind::boolean: out += e.as_bool() ? "t" : "f"; return;
    case value_kind::integer: case value_kind::real: out += e.to_json(); return;
    case value_kind::decimal: out += e.as_decimal().text; return;
    default: break;
  }
  std::string text = e.is_string() ? e.as_string()
                     : e.kind() == value_kind::uuid ? e.as_uuid().to_string()
                     : e.kind() == value_kind::date ? e.as_date().to_string()
                     : e.kind() == value_kind::time ? e.as_time().to_string()
                     : e.kind() == value_kind::timestamp ? utc(e.as_timestamp())
                                                       : e.to_json();
  refuse_nul(text);
  out += '"';
  for (char ch : text) {
    if (ch == '"' || ch == '\\') out += '\\';
    out += ch;
  }
  out += '"';
}

// A PostgreSQL array literal: {1,"a \"b\"",NULL,{2,3}}.
void append_array_literal(std::string& out, const value& v) {
  out += '{';
  bool first = true;
  for (const auto& e : v.as_array()) {
    if (!first) out += ',';
    first = false;
    append_array_element(out, e);
  }
  out += '}';
}

constexpr std::size_t max_rows_per_insert = 1000;

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

void connection::bind(const cached& c, const engine::plan& p, std::size_t offset) {
  const std::size_t n = c.bindings.size();
  texts_.resize(n);
  values_.assign(n, nullptr);
  lengths_.assign(n, 0);
  formats_.assign(n, 0);
  for (std::size_t i = 0; i < n; ++i) {
    const auto& b = c.bindings[i];
    const value& v = *p.param(b.param + offset);
    std::string& t = texts_[i];
    if (b.how == sql::transform::json_text) {
      t = v.to_json();
    } else if (b.how == sql::transform::array) {  // $in's list: one array literal
      t = "{";
      for (std::uint32_t k = 0; k < b.count; ++k) {
        if (k) t += ',';
        append_array_element(t, *p.param(b.param + offset + k));
      }
      t += '}';
    } else if (b.how != sql::transform::none) {
      t = sql::apply_transform(b.how, v.as_string());
    } else if (!v.is_null() && i < c.param_types.size() &&
               (c.param_types[i] == json_oid || c.param_types[i] == jsonb_oid)) {
      t = v.to_json();  // a json parameter: a string is a JSON string, never parsed as a document
    } else {
      switch (v.kind()) {
        case value_kind::null: continue;  // values_[i] stays null: SQL NULL
        case value_kind::boolean: t = v.as_bool() ? "t" : "f"; break;
        case value_kind::integer: t = std::to_string(v.as_int()); break;
        case value_kind::real: {
          double d = v.as_double();
          t = std::isnan(d) ? "NaN" : std::isinf(d) ? (d > 0 ? "Infinity" : "-Infinity") : fmt::format("{}", d);
          break;
        }
        case value_kind::decimal: t = v.as_decimal().text; break;
        case value_kind::string: {
          const auto& s = v.as_string();
          refuse_nul(s);
          values_[i] = s.data();
          lengths_[i] = static_cast<int>(s.size());
          continue;
        }
        case value_kind::bytes: {  // binary: no escaping, no hex
          const auto& b = v.as_bytes().data;
          // An empty vector has no address, and libpq sends a null address as NULL.
          values_[i] = b.empty() ? "" : reinterpret_cast<const char*>(b.data());
          lengths_[i] = static_cast<int>(b.size());
          formats_[i] = 1;
          continue;
        }
        case value_kind::date: t = v.as_date().to_string(); break;
        case value_kind::time: t = v.as_time().to_string(); break;
        case value_kind::timestamp: t = utc(v.as_timestamp()); break;
        case value_kind::uuid: t = v.as_uuid().to_string(); break;
        case value_kind::array: {
          // A native array column takes an array literal; json and jsonb take JSON.
          Oid type = i < c.param_types.size() ? c.param_types[i] : 0;
          if (type != 0 && type != json_oid && type != jsonb_oid) {
            t.clear();
            append_array_literal(t, v);
          } else {
            t = v.to_json();
          }
          break;
        }
        default: t = v.to_json(); break;
      }
    }
    values_[i] = t.c_str();
    lengths_[i] = static_cast<int>(t.size());
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

engine::execution connection::rows(const engine::plan& p) {
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

namespace {

// A value in COPY's text format: \N for null; backslash, tab, newline and carriage
// return escaped; bytea as \\x hex; arrays as array literals; json as its text.
void append_copy_field(std::string& out, const value& v) {
  auto escaped = [&](std::string_view s) {
    for (char c : s) {
      switch (c) {
        case '\\': out += "\\\\"; break;
        case '\t': out += "\\t"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        default: out += c;
      }
    }
  };
  switch (v.kind()) {
    case value_kind::null: out += "\\N"; return;
    case value_kind::boolean: out += v.as_bool() ? 't' : 'f'; return;
    case value_kind::integer: out += std::to_string(v.as_int()); return;
    case value_kind::real: {
      double d = v.as_double();
      out += std::isnan(d) ? "NaN" : std::isinf(d) ? (d > 0 ? "Infinity" : "-Infinity") : fmt::format("{}", d);
      return;
    }
    case value_kind::decimal: out += v.as_decimal().text; return;
    case value_kind::string: refuse_nul(v.as_string()); return escaped(v.as_string());
    case value_kind::bytes: {
      static constexpr char hex[] = "0123456789abcdef";
      out += "\\\\x";
      for (auto b : v.as_bytes().data) {
        out += hex[b >> 4];
        out += hex[b & 15];
      }
      return;
    }
    case value_kind::date: out += v.as_date().to_string(); return;
    case value_kind::time: out += v.as_time().to_string(); return;
    case value_kind::timestamp: out += utc(v.as_timestamp()); return;
    case value_kind::uuid: out += v.as_uuid().to_string(); return;
    case value_kind::array: {
      std::string literal;
      append_array_literal(literal, v);
      return escaped(literal);
    }
    case value_kind::object: return escaped(v.to_json());
  }
}

}  // namespace

engine::execution connection::copy(const engine::plan& p) {
  const std::size_t ncols = p.columns.size();
  std::vector<bool> json(ncols);  // written as JSON text: a string is a JSON string
  for (const auto& name : json_columns(p.table))  // asked before the COPY starts
    for (std::size_t c = 0; c < ncols; ++c) json[c] = json[c] || p.columns[c] == name;
  std::string sql = "COPY ";
  the_dialect().quote(sql, p.table);
  sql += " (";
  for (std::size_t i = 0; i < p.columns.size(); ++i) {
    if (i) sql += ", ";
    the_dialect().quote(sql, p.columns[i]);
  }
  sql += ") FROM STDIN";
  result start{PQexec(conn_, sql.c_str())};
  if (PQresultStatus(start.r) != PGRES_COPY_IN) throw_result_error(conn_, start.r, sql);
  std::string buffer;
  buffer.reserve(1 << 17);
  bool sent = true;
  try {
    for (std::size_t r = 0; r < p.row_count && sent; ++r) {
      for (std::size_t c = 0; c < ncols; ++c) {
        if (c) buffer += '\t';
        const value& cell = p.cell(r, c);
        if (json[c] && !cell.is_null()) append_copy_field(buffer, value(cell.to_json()));
        else append_copy_field(buffer, cell);
      }
      buffer += '\n';
      if (buffer.size() >= (1 << 16)) {
        sent = PQputCopyData(conn_, buffer.data(), static_cast<int>(buffer.size())) == 1;
        buffer.clear();
      }
    }
  } catch (...) {
    // A bad record: the server discards the rows sent so far, and the connection is usable.
    PQputCopyEnd(conn_, "tether: the insert was abandoned");
    while (PGresult* r = PQgetResult(conn_)) PQclear(r);
    throw;
  }
  if (sent && !buffer.empty()) sent = PQputCopyData(conn_, buffer.data(), static_cast<int>(buffer.size())) == 1;
  PQputCopyEnd(conn_, sent ? nullptr : "tether: sending rows failed");
  result done{PQgetResult(conn_)};
  while (PGresult* extra = PQgetResult(conn_)) PQclear(extra);
  if (PQresultStatus(done.r) != PGRES_COMMAND_OK) throw_result_error(conn_, done.r, sql);
  engine::execution e;
  e.affected = std::atoll(PQcmdTuples(done.r));
  return e;
}

engine::execution connection::insert(const engine::plan& p) {
  // Nothing to return: COPY sends every row in one statement, in one round trip.
  if (!p.want_ids && p.returning.empty() && !p.has_conflict && p.row_count > 1) return copy(p);
  static const std::vector<std::string> no_key;
  const std::vector<std::string>* looked_up = nullptr;
  auto id_key = [&]() -> const std::vector<std::string>& {  // not needed on a hinted run
    if (!looked_up) looked_up = p.want_ids ? &primary_key(p.table) : &no_key;
    return *looked_up;
  };
  auto id_expression = [&] {  // rendered only when a statement is prepared
    const auto& key = id_key();
    std::string out;
    if (key.size() == 1) {
      the_dialect().quote(out, key[0]);
    } else if (key.size() > 1) {
      out = "json_build_array(";
      for (std::size_t i = 0; i < key.size(); ++i) {
        if (i) out += ", ";
        the_dialect().quote(out, key[i]);
      }
      out += ")";
    }
    return out;
  };
  const std::size_t ncols = p.columns.size();
  const std::size_t chunk = std::min({p.row_count, std::max<std::size_t>(1, max_params / ncols), max_rows_per_insert});
  const bool several = p.row_count > chunk;
  const bool own = several && PQtransactionStatus(conn_) == PQTRANS_IDLE;
  if (several) command(own ? "BEGIN" : "SAVEPOINT tether_insert");
  engine::execution e;
  e.inserted_ids.reserve(p.row_count);
  try {
    for (std::size_t start = 0; start < p.row_count; start += chunk) {
      std::size_t n = std::min(chunk, p.row_count - start);
      auto render = [&] {
        sql::statement s = sql::render_insert(p, the_dialect(), n);
        if (!id_key().empty()) {
          s.text += p.returning.empty() ? " RETURNING " : ", ";
          s.text += id_expression();
        }
        return s;
      };
      auto lookup = [&](std::string_view key) -> cached& {
        cached& c = prepare(key, render);
        c.returns_id = !id_key().empty();
        return c;
      };
      // The shape counts the rows, so a single statement is keyed by it alone, and a
      // prepared insert finds it by the plan's hint.
      cached& c = n == p.row_count
                      ? statements_.hinted(p, this, [&]() -> cached& { return lookup(p.shape); })
                      : lookup(std::string(p.shape.view()) + "#" + std::to_string(n));
      result r;
      run(c, p, start * ncols, r);
      const int skip = c.returns_id ? 1 : 0;
      if (!p.returning.empty()) decode_rows(r.r, e.rows, skip);
      if (skip)
        for (int row = 0; row < PQntuples(r.r); ++row) e.inserted_ids.push_back(decode_cell(r.r, row, PQnfields(r.r) - 1));
      // A statement that returns rows returns each row it wrote (the command tag counts
      // the same rows), so the tag is parsed only when nothing came back.
      e.affected += skip || !p.returning.empty() ? PQntuples(r.r) : std::atoll(PQcmdTuples(r.r));
    }
    if (several) command(own ? "COMMIT" : "RELEASE SAVEPOINT tether_insert");
  } catch (...) {
    if (several) {
      try {
        command(own ? "ROLLBACK" : "ROLLBACK TO SAVEPOINT tether_insert");
      } catch (...) {
        // The original error is the one to report.
      }
    }
    throw;
  }
  return e;
}

engine::execution connection::upsert(const engine::plan& p) {
  std::string key(p.shape.view());
  key += "#upsert";
  cached& c = prepare(key, [&] {
    sql::statement s = sql::render(p, the_dialect());
    // xmax is 0 on a row version this statement inserted, and set when it updated one.
    s.text += ", (xmax = 0) AS tether_inserted";
    return s;
  });
  result r;
  run(c, p, 0, r);
  engine::execution e;
  decode_rows(r.r, e.rows, 1);
  e.affected = PQntuples(r.r);
  const int last = PQnfields(r.r) - 1;
  e.operation = PQntuples(r.r) > 0 && std::string_view(PQgetvalue(r.r, 0, last)) == "t"
                    ? upsert_operation::inserted
                    : upsert_operation::updated;
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
