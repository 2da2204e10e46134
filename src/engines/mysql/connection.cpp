// One MySQL or MariaDB connection: URL rules, connecting (host by host), prepared
// statements in the shared statement cache, row fetching, reads, raw, transactions.
// Result buffers and parameter binding (the type mapping) are types.cpp.
#include "connection.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstring>

#include "core/workspace/url.hpp"
#include "dialect.hpp"
#include "error.hpp"
#include "../../sql/redact.hpp"
#include "core/results/records_builder.hpp"

namespace tether::detail::mysql {
namespace {


// Strict, so that a bad value is an error and not a warning and a mangled row; zero
// dates refused; backslash escapes as the dialect's literals expect.
constexpr const char* session_setup =
    "SET time_zone = '+00:00', group_concat_max_len = 4294967295, sql_mode = "
    "'STRICT_ALL_TABLES,NO_ZERO_DATE,NO_ZERO_IN_DATE,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION'";

constexpr std::string_view known_options[] = {"ssl_mode", "sslmode", "ssl_ca", "charset", "connect_timeout",
                                              "socket", "returning"};

}  // namespace

url_parts parse_url(std::string_view url) {
  auto u = parse_network_url(url);
  if (u.scheme != "mysql" && u.scheme != "mariadb")
    throw error(error_category::usage,
                fmt::format("\"{}\" is not a MySQL URL; expected mysql:// or mariadb://", mask_url(url)));
  url_parts out;
  out.user = u.user;
  out.password = u.password;
  out.database = u.database;
  out.hosts = u.hosts;
  for (const auto& [key, v] : u.options) {
    if (std::find(std::begin(known_options), std::end(known_options), key) == std::end(known_options))
      throw error(error_category::usage,
                  fmt::format("unknown option \"{}\" in MySQL URL \"{}\"; known: ssl_mode, ssl_ca, charset, "
                              "connect_timeout, socket, returning",
                              key, mask_url(url)));
    if (key == "ssl_mode" || key == "sslmode") {
      std::string mode = v;
      std::transform(mode.begin(), mode.end(), mode.begin(), [](unsigned char c) { return std::tolower(c); });
      if (mode != "disabled" && mode != "preferred" && mode != "required" && mode != "verify_ca" &&
          mode != "verify_identity")
        throw error(error_category::usage,
                    fmt::format("ssl_mode \"{}\" in MySQL URL \"{}\"; expected disabled, preferred, required, "
                                "verify_ca or verify_identity",
                                v, mask_url(url)));
      out.ssl_mode = mode;
    } else if (key == "connect_timeout") {
      unsigned n = 0;
      auto r = std::from_chars(v.data(), v.data() + v.size(), n);
      if (r.ec != std::errc{} || r.ptr != v.data() + v.size() || n == 0)
        throw error(error_category::usage,
                    fmt::format("connect_timeout \"{}\" in MySQL URL \"{}\"; expected whole seconds, at least 1", v,
                                mask_url(url)));
      out.connect_timeout = n;
    } else if (key == "returning") {
      if (v != "auto" && v != "emulate")
        throw error(error_category::usage,
                    fmt::format("returning \"{}\" in MySQL URL \"{}\"; expected auto or emulate", v, mask_url(url)));
      out.emulate_returning = v == "emulate";
    } else if (key == "charset") {
      // tether's strings are UTF-8, and only a connection in utf8mb4 takes every one of
      // them as it is; a multi-byte charset such as gbk or sjis would also let a 0x5c
      // trail byte end a quoted literal early.
      std::string cs = v;
      std::transform(cs.begin(), cs.end(), cs.begin(), [](unsigned char c) { return std::tolower(c); });
      if (cs != "utf8mb4")
        throw error(error_category::usage,
                    fmt::format("charset \"{}\" in MySQL URL \"{}\"; tether connects in utf8mb4 only (its strings "
                                "are UTF-8; the server converts to each column's own character set)",
                                v, mask_url(url)));
      out.charset = cs;
    } else if (key == "ssl_ca") {
      out.ssl_ca = v;
    } else {
      out.socket = v;
    }
  }
  return out;
}

connection::connection(const url_parts& url, std::string_view masked_url) {
  std::string last_error;
  for (const auto& [host, port] : url.hosts) {
    conn_ = mysql_init(nullptr);
    if (!conn_) throw error(error_category::connection, "out of memory", error_details{.engine = "mysql", .sqlstate = "08001"});
    mysql_optionsv(conn_, MYSQL_SET_CHARSET_NAME, url.charset.c_str());
    mysql_optionsv(conn_, MYSQL_OPT_CONNECT_TIMEOUT, &url.connect_timeout);
    my_bool on = 1, off = 0;
    mysql_optionsv(conn_, MYSQL_REPORT_DATA_TRUNCATION, &on);
    mysql_optionsv(conn_, MYSQL_OPT_LOCAL_INFILE, &off);
    if (url.ssl_mode == "required" || url.ssl_mode == "verify_ca" || url.ssl_mode == "verify_identity")
      mysql_optionsv(conn_, MYSQL_OPT_SSL_ENFORCE, &on);
    if (url.ssl_mode == "verify_ca" || url.ssl_mode == "verify_identity")
      mysql_optionsv(conn_, MYSQL_OPT_SSL_VERIFY_SERVER_CERT, &on);
    if (!url.ssl_ca.empty()) mysql_optionsv(conn_, MYSQL_OPT_SSL_CA, url.ssl_ca.c_str());
    if (mysql_real_connect(conn_, url.socket.empty() ? host.c_str() : nullptr, url.user.c_str(),
                           url.password.empty() ? nullptr : url.password.c_str(),
                           url.database.empty() ? nullptr : url.database.c_str(),
                           static_cast<unsigned>(port ? port : 3306), url.socket.empty() ? nullptr : url.socket.c_str(),
                           CLIENT_MULTI_STATEMENTS | CLIENT_MULTI_RESULTS)) {
      // Checked here as well: Connector/C may fall back to a clear connection when the
      // server has no TLS, and ssl_mode=required must never mean that.
      const bool must_encrypt = url.ssl_mode == "required" || url.ssl_mode == "verify_ca" ||
                                url.ssl_mode == "verify_identity";
      if (!must_encrypt || mysql_get_ssl_cipher(conn_)) {
        last_error.clear();
        break;
      }
      last_error = fmt::format("{}:{}: SSL is required (ssl_mode={}) but the server did not encrypt the connection",
                               host, port ? port : 3306, url.ssl_mode);
      mysql_close(conn_);
      conn_ = nullptr;
      continue;
    }
    last_error = fmt::format("{}:{}: {}", host, port ? port : 3306, mysql_error(conn_));
    mysql_close(conn_);
    conn_ = nullptr;
    if (!url.socket.empty()) break;
  }
  if (!conn_)
    throw error(error_category::connection, fmt::format("cannot connect to MySQL at {}: {}", masked_url, last_error),
                error_details{.engine = "mysql", .sqlstate = "08001"});
  command(session_setup);
  const char* probe = "SELECT @@max_allowed_packet, @@auto_increment_increment, @@innodb_autoinc_lock_mode";
  if (mysql_query(conn_, probe)) throw_error(conn_, probe);
  if (MYSQL_RES* res = mysql_store_result(conn_)) {
    if (MYSQL_ROW row = mysql_fetch_row(res)) {
      max_packet_ = std::strtoull(row[0], nullptr, 10);
      auto_increment_step_ = std::max<std::int64_t>(1, std::strtoll(row[1], nullptr, 10));
      consecutive_ids_ = row[2] && std::strtol(row[2], nullptr, 10) <= 1;
    }
    mysql_free_result(res);
  }
  mariadb_ = std::string_view(mysql_get_server_info(conn_)).find("MariaDB") != std::string_view::npos;
  has_returning_ = mariadb_ && mysql_get_server_version(conn_) >= 100500 && !url.emulate_returning;
  dialect_ = &the_dialect(has_returning_, mariadb_);
}

connection::~connection() {
  drop_statements();
  mysql_close(conn_);
}

void connection::command(std::string_view sql) {
  if (mysql_real_query(conn_, sql.data(), sql.size())) throw_error(conn_, sql);
  do {  // a multi-statement script answers once per statement
    if (MYSQL_RES* res = mysql_store_result(conn_)) mysql_free_result(res);
  } while (mysql_next_result(conn_) == 0);
  if (mysql_errno(conn_)) throw_error(conn_, sql);
  after_statement(sql);
}

// DDL commits the open transaction on MySQL and MariaDB; the server says so in its status
// flags, and a later rollback reports it instead of pretending to undo anything.
void connection::after_statement(std::string_view sql) {
  if (!in_transaction_ || !implicit_commit_.empty()) return;
  unsigned status = 0;
  mariadb_get_infov(conn_, MARIADB_CONNECTION_SERVER_STATUS, &status);
  if (!(status & SERVER_STATUS_IN_TRANS)) implicit_commit_ = sql::redact_statement(sql.substr(0, 80));
}

connection::cached& connection::prepare(std::string_view key, sql::render_ref render) {
  return statements_.get(
      key, render,
      [&](sql::statement&& s) {
        cached c{mysql_stmt_init(conn_), std::move(s.text), std::move(s.bindings)};
        if (!c.stmt) throw_error(conn_, c.text);
        if (mysql_stmt_prepare(c.stmt, c.text.data(), c.text.size())) {
          unsigned code = mysql_stmt_errno(c.stmt);
          std::string state = mysql_stmt_sqlstate(c.stmt), message = mysql_stmt_error(c.stmt);
          mysql_stmt_close(c.stmt);
          if (code == 1146 || code == 1054) tables_.clear();
          throw_error(code, state, message, c.text);
        }
        describe(c);
        return c;
      },
      [&] { drop_statements(); });
}

void connection::drop_statements() {
  statements_.for_each([](cached& c) { mysql_stmt_close(c.stmt); });
  statements_.clear();
}

const sql::dialect& connection::sql_dialect() const noexcept { return *dialect_; }

std::span<const std::string> connection::json_of(const engine::plan& p) {
  const bool writes = p.kind == engine::plan_kind::insert || p.kind == engine::plan_kind::upsert ||
                      p.kind == engine::plan_kind::update;
  if (!writes) return {};
  return info(p.table).json_columns;
}

connection::cached& connection::prepare_plan(const engine::plan& p) {
  return statements_.hinted(
      p, this, [&]() -> cached& { return prepare(p.shape, [&] { return sql::render(p, *dialect_, json_of(p)); }); });
}

namespace {
// The server's "… at row 501" counts the rows of one statement; the caller counts records.
error naming_the_record(const error& e, std::size_t first_record) {
  std::string what = e.what();
  const auto at = what.find(" at row ");
  if (at == std::string::npos) return e;
  std::size_t end = at + 8, row = 0;
  while (end < what.size() && std::isdigit(static_cast<unsigned char>(what[end]))) row = row * 10 + (what[end++] - '0');
  if (end == at + 8 || row == 0) return e;
  what.replace(at, end - at, fmt::format(" at record {} of the insert", first_record + row - 1));
  return error(e.category(), what, e.details());
}
}  // namespace

void connection::run(cached& c, std::size_t first_record) {
  if (mysql_stmt_execute(c.stmt)) {
    unsigned code = mysql_stmt_errno(c.stmt);
    if (code == 1146 || code == 1054) tables_.clear();
    if (first_record == no_record) throw_error(c.stmt, c.text);
    try {
      throw_error(c.stmt, c.text);
    } catch (const error& e) {
      throw naming_the_record(e, first_record);
    }
  }
  if (mysql_stmt_field_count(c.stmt) != c.columns.size()) describe(c);  // the table changed under it
  if (!c.results.empty() && mysql_stmt_bind_result(c.stmt, c.results.data())) throw_error(c.stmt, c.text);
  after_statement(c.text);
}

std::size_t connection::fetch(cached& c, records& out, std::size_t max_rows, std::vector<value>* id_out) {
  const std::size_t ncols = c.columns.size();
  const std::size_t data_cols = id_out ? ncols - 1 : ncols;
  std::size_t rows = 0;
  const std::size_t text_before = detail::records_builder(out).text_bytes();
  if (data_cols && c.last_rows <= max_rows) detail::records_builder(out).reserve(out.size() + c.last_rows, text_before + c.last_text);
  while (rows < max_rows) {
    int rc = mysql_stmt_fetch(c.stmt);
    if (rc == MYSQL_NO_DATA) break;
    if (rc == 1) {
      // An error found while the rows were being sent (a duplicate key under RETURNING)
      // is recorded on the connection, not on the statement.
      if (mysql_stmt_errno(c.stmt) == 0) throw_error(conn_, c.text);
      throw_error(c.stmt, c.text);
    }
    bool rebind = false;
    for (std::size_t i = 0; i < ncols; ++i) {
      column& k = c.columns[i];
      records& target = out;
      if (i >= data_cols) {  // the id column
        if (!k.is_null && k.how == decode::integer) {
          id_out->emplace_back(k.fixed.integer);
          continue;
        }
        records one(std::vector<std::string>{"id"});
        if (k.is_null) detail::records_builder(one).add_null();
        else if (k.how == decode::integer) detail::records_builder(one).add_int(k.fixed.integer);
        else append_text(one, k.how, std::string_view(k.data.data(), std::min<std::size_t>(k.length, k.data.size())));
        detail::records_builder(one).end_row();
        id_out->push_back(one.get(0, 0));
        continue;
      }
      if (k.is_null) {
        detail::records_builder(target).add_null();
        continue;
      }
      switch (k.how) {
        case decode::integer: detail::records_builder(target).add_int(k.fixed.integer); break;
        case decode::boolean: detail::records_builder(target).add_bool(k.fixed.integer != 0); break;
        case decode::unsigned_integer: {
          auto u = static_cast<std::uint64_t>(k.fixed.integer);
          if (u <= static_cast<std::uint64_t>(INT64_MAX)) detail::records_builder(target).add_int(static_cast<std::int64_t>(u));
          else detail::records_builder(target).add_decimal(std::to_string(u));
          break;
        }
        case decode::real: detail::records_builder(target).add_double(k.fixed.real); break;
        case decode::date: case decode::time: case decode::datetime: {
          MYSQL_TIME t;
          std::memcpy(&t, k.data.data(), sizeof t);
          using namespace std::chrono;
          year_month_day ymd{year{static_cast<int>(t.year)}, month{t.month}, day{t.day}};
          std::int64_t clock = ((std::int64_t(t.hour) * 60 + t.minute) * 60 + t.second) * 1'000'000 +
                               static_cast<std::int64_t>(t.second_part);
          if (k.how == decode::time) {
            if (t.neg || t.hour >= 24) detail::records_builder(target).add_text(fmt::format("{}{:02}:{:02}:{:02}", t.neg ? "-" : "", t.hour,
                                                                   t.minute, t.second));
            else detail::records_builder(target).add_time(time_of_day{clock});
          } else if (!ymd.ok()) {  // a zero date a lenient server stored
            detail::records_builder(target).add_text(fmt::format("{:04}-{:02}-{:02}", t.year, t.month, t.day));
          } else {
            auto days = static_cast<std::int32_t>(sys_days(ymd).time_since_epoch().count());
            if (k.how == decode::date) detail::records_builder(target).add_date(date{days});
            else detail::records_builder(target).add_timestamp(timestamp{days * std::int64_t{86'400'000'000} + clock, 0});
          }
          break;
        }
        default: {
          if (k.length <= k.data.size() && (k.how == decode::text || k.how == decode::decimal)) {
            // The usual text and DECIMAL digits, straight in: append_text handles the rest.
            const std::string_view s(k.data.data(), k.length);
            if (k.how == decode::text) detail::records_builder(target).add_text(s);
            else detail::records_builder(target).add_decimal(s);
            break;
          }
          if (k.length > k.data.size()) {  // the cell did not fit: fetch it again, whole
            k.data.resize(k.length);
            MYSQL_BIND& b = c.results[i];
            b.buffer = k.data.data();
            b.buffer_length = k.data.size();
            if (mysql_stmt_fetch_column(c.stmt, &b, static_cast<unsigned>(i), 0)) throw_error(c.stmt, c.text);
            rebind = true;
          }
          append_text(target, k.how, std::string_view(k.data.data(), k.length));
        }
      }
    }
    if (data_cols) detail::records_builder(out).end_row();
    ++rows;
    if (rebind && mysql_stmt_bind_result(c.stmt, c.results.data())) throw_error(c.stmt, c.text);
  }
  c.last_rows = rows;
  c.last_text = detail::records_builder(out).text_bytes() - text_before;
  return rows;
}

// Rows are read from the socket as they are fetched (no mysql_stmt_store_result), so a
// cursor holds one chunk at a time. Destroyed early, it lets the server finish sending
// and discards the rest, leaving the connection ready for the next statement.
class cursor final : public engine::cursor {
 public:
  cursor(connection& conn, connection::cached& c) : conn_(conn), c_(c) {}
  ~cursor() override {
    if (!done_) mysql_stmt_free_result(c_.stmt);
  }
  bool fetch(records& out, std::size_t max_rows) override {
    if (done_) return false;
    detail::records_builder(out).restart(c_.names);  // the last chunk's storage, kept for this one
    try {
      if (conn_.fetch(c_, out, max_rows) < max_rows) done_ = true;
    } catch (...) {
      done_ = true;
      mysql_stmt_free_result(c_.stmt);
      throw;
    }
    return !out.empty();
  }

 private:
  connection& conn_;
  connection::cached& c_;
  bool done_ = false;
};

std::unique_ptr<engine::cursor> connection::open(const engine::plan& p) {
  if (p.kind != engine::plan_kind::find) return engine::connection::open(p);
  cached& c = prepare_plan(p);
  bind(c, p, 0);
  run(c);
  return std::make_unique<cursor>(*this, c);
}

void connection::execute(const engine::plan& p, engine::execution& out) {
  switch (p.kind) {
    case engine::plan_kind::insert: out = insert(p); return;
    case engine::plan_kind::upsert: out = upsert(p); return;
    case engine::plan_kind::raw: out = raw(p); return;
    case engine::plan_kind::update:
      if (!p.returning.empty()) {
        out = write_returning(p);
        return;
      }
      out = rows(p);
      return;
    case engine::plan_kind::remove:
      if (!p.returning.empty() && !has_returning_) {
        out = write_returning(p);
        return;
      }
      out = rows(p);
      return;
    default:
      out = rows(p);
      return;
  }
}

engine::execution connection::rows(const engine::plan& p) {
  cached& c = prepare_plan(p);
  bind(c, p, 0);
  run(c);
  engine::execution e;
  if (!c.columns.empty()) {
    detail::records_builder(e.rows).reset(c.names);
    e.affected = static_cast<std::int64_t>(fetch(c, e.rows, SIZE_MAX));
  }
  if (c.columns.empty() && (p.kind == engine::plan_kind::update || p.kind == engine::plan_kind::remove)) {
    e.affected = static_cast<std::int64_t>(mysql_stmt_affected_rows(c.stmt));
    // MySQL counts the rows an UPDATE changed; tether counts those it matched, as every
    // other engine does. The server's info line has both.
    const char* info = p.kind == engine::plan_kind::update ? mysql_info(conn_) : nullptr;
    if (info && std::strncmp(info, "Rows matched: ", 14) == 0) e.affected = std::atoll(info + 14);
  }
  return e;
}

engine::execution connection::raw(const engine::plan& p) {
  engine::execution e;
  // Statements that may change the schema make every cached fact suspect.
  std::string_view q = p.raw_query;
  while (!q.empty() && std::isspace(static_cast<unsigned char>(q.front()))) q.remove_prefix(1);
  std::string head(q.substr(0, 6));
  std::transform(head.begin(), head.end(), head.begin(), [](unsigned char ch) { return std::tolower(ch); });
  if (head != "select") {
    tables_.clear();
  }
  // Prepared (one statement, bound params) … unless it is a script without params.
  sql::statement text = sql::with_params(p.raw_query, p.params.size());
  cached c{mysql_stmt_init(conn_), std::move(text.text), std::move(text.bindings)};
  struct closer {
    MYSQL_STMT* s;
    ~closer() { mysql_stmt_close(s); }
  } close{c.stmt};
  if (mysql_stmt_prepare(c.stmt, c.text.data(), c.text.size())) {
    unsigned code = mysql_stmt_errno(c.stmt);
    // 1064 on a script (several statements), 1295 on a statement the binary protocol lacks
    if (p.params.empty() && (code == 1064 || code == 1295)) {
      if (mysql_real_query(conn_, c.text.data(), c.text.size())) throw_error(conn_, c.text);
      do {
        if (MYSQL_RES* res = mysql_store_result(conn_)) {
          const unsigned n = mysql_num_fields(res);
          const MYSQL_FIELD* fields = mysql_fetch_fields(res);
          std::vector<std::string> names;
          std::vector<decode> how;
          e.fields.clear();
          for (unsigned i = 0; i < n; ++i) {
            names.emplace_back(fields[i].name, fields[i].name_length);
            how.push_back(decoder_for(fields[i]));
            e.fields.push_back({names.back(), type_name(fields[i])});
          }
          e.rows = records(std::move(names));
          while (MYSQL_ROW row = mysql_fetch_row(res)) {
            const unsigned long* lengths = mysql_fetch_lengths(res);
            for (unsigned i = 0; i < n; ++i) {
              if (!row[i]) detail::records_builder(e.rows).add_null();
              else append_text(e.rows, how[i], std::string_view(row[i], lengths[i]));
            }
            detail::records_builder(e.rows).end_row();
          }
          e.affected = static_cast<std::int64_t>(e.rows.size());
          mysql_free_result(res);
        } else if (mysql_field_count(conn_) == 0) {
          e.affected = static_cast<std::int64_t>(mysql_affected_rows(conn_));
        }
      } while (mysql_next_result(conn_) == 0);
      if (mysql_errno(conn_)) throw_error(conn_, c.text);
      after_statement(c.text);
      return e;
    }
    throw_error(c.stmt, c.text);
  }
  describe(c);
  bind(c, p, 0);
  run(c);
  if (!c.columns.empty()) {
    detail::records_builder(e.rows).reset(c.names);
    e.affected = static_cast<std::int64_t>(fetch(c, e.rows, SIZE_MAX));
    MYSQL_RES* meta = mysql_stmt_result_metadata(c.stmt);
    const MYSQL_FIELD* fields = mysql_fetch_fields(meta);
    for (unsigned i = 0; i < mysql_num_fields(meta); ++i)
      e.fields.push_back({std::string(fields[i].name, fields[i].name_length), type_name(fields[i])});
    mysql_free_result(meta);
  } else {
    e.affected = static_cast<std::int64_t>(mysql_stmt_affected_rows(c.stmt));
  }
  return e;
}

void connection::begin(const transaction_options& o) {
  if (o.deferrable)
    throw error(error_category::unsupported, "MySQL and MariaDB have no deferrable transactions",
                error_details{"mysql"});
  if (o.isolation) {
    switch (*o.isolation) {
      case isolation::read_uncommitted: command("SET TRANSACTION ISOLATION LEVEL READ UNCOMMITTED"); break;
      case isolation::read_committed: command("SET TRANSACTION ISOLATION LEVEL READ COMMITTED"); break;
      case isolation::repeatable_read: command("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ"); break;
      case isolation::serializable: command("SET TRANSACTION ISOLATION LEVEL SERIALIZABLE"); break;
    }
  }
  command(o.read_only ? "START TRANSACTION READ ONLY" : "START TRANSACTION");
  in_transaction_ = true;
  implicit_commit_.clear();
}

void connection::commit() {
  in_transaction_ = false;
  implicit_commit_.clear();
  command("COMMIT");
}

void connection::rollback() {
  in_transaction_ = false;
  command("ROLLBACK");
  if (!implicit_commit_.empty()) {
    std::string what = std::move(implicit_commit_);
    implicit_commit_.clear();
    throw error(error_category::query,
                fmt::format("cannot roll back: \"{}\" committed the transaction implicitly (DDL commits on MySQL "
                            "and MariaDB), so the writes before it are permanent and those after it ran on their own",
                            what),
                error_details{.engine = "mysql", .sqlstate = "25000", .statement = "ROLLBACK"});
  }
}

bool connection::alive() { return mysql_ping(conn_) == 0; }

std::optional<std::string> connection::server_version() { return mysql_get_server_info(conn_); }

}  // namespace tether::detail::mysql
