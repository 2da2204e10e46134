// Private: one MySQL or MariaDB connection (MariaDB Connector/C) with its prepared
// statements, which use the binary protocol and are cached per connection by plan shape.
#pragma once

#include <mysql.h>

#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "../../sql/connection.hpp"
#include "../../sql/renderer.hpp"
#include "../../sql/statement_cache.hpp"
#include "tether/engine/engine.hpp"

namespace tether::detail::mysql {

struct url_parts {
  std::string user, password, database;
  std::vector<std::pair<std::string, int>> hosts;  // tried in order (a Galera cluster's nodes)
  std::string socket;                              // a unix socket instead of TCP
  std::string charset = "utf8mb4";
  std::string ssl_mode;                            // disabled, required, verify_ca, verify_identity
  std::string ssl_ca;
  unsigned connect_timeout = 10;                   // seconds, per host
  bool emulate_returning = false;                  // returning=emulate: as on MySQL
};

// Throws tether::error (usage) naming the URL (masked) when it does not fit.
url_parts parse_url(std::string_view url);

// How a result column becomes cells, from its field type, flags and charset.
enum class decode : std::uint8_t {
  integer, unsigned_integer, real, boolean, decimal, text, bytes, date, time, datetime, json, uuid, bits
};
decode decoder_for(const MYSQL_FIELD& field);
// Appends one cell from the text the server sent (the text protocol, or a binary-protocol
// column read into a string buffer).
void append_text(records& out, decode how, std::string_view text);
// A date, time or timestamp (as its UTC wall-clock time) for a MYSQL_TIME parameter.
void fill_time(MYSQL_TIME& t, const value& v);
// The column's type as raw() reports it in fields: "bigint", "varchar", "json", …
std::string type_name(const MYSQL_FIELD& field);

// Where an insert's keys come from: the rows, the server (AUTO_INCREMENT), or nowhere.
enum class key_source : std::uint8_t { none, generated, supplied };

class connection final : public sql::connection {
 public:
  explicit connection(const url_parts& url, std::string_view masked_url);
  ~connection() override;

  void execute(const engine::plan& p, engine::execution& out) override;
  std::unique_ptr<engine::cursor> open(const engine::plan& p) override;
  void begin(const transaction_options& options) override;
  void commit() override;
  void rollback() override;
  bool alive() override;
  std::optional<std::string> server_version() override;
  engine::statement_stats statement_stats() const override { return statements_.stats(); }
  std::optional<engine::table_description> describe(std::string_view table) override;
  std::vector<std::string> list_tables() override;
  void lock_migrations(std::chrono::milliseconds timeout) override;
  void unlock_migrations() override;

 protected:
  std::vector<std::string> schema_statements(const engine::schema_op& op,
                                             const engine::table_description* before) override;
  const sql::dialect& sql_dialect() const noexcept override;
  void run_sql(const std::string& text) override { command(text); }

 private:
  friend class cursor;
  struct column {
    decode how = decode::text;
    std::vector<char> data{};  // var-length cells; fixed-width ones use `fixed`
    union {
      std::int64_t integer;
      double real;
    } fixed{};
    unsigned long length = 0;
    my_bool is_null = 0;
    my_bool truncated = 0;
  };
  struct cached {
    MYSQL_STMT* stmt = nullptr;
    std::string text;
    std::vector<sql::binding> bindings;
    std::vector<column> columns{};
    std::vector<MYSQL_BIND> results{};
    std::shared_ptr<const std::vector<std::string>> names{}, data_names{};  // all; all but the last
    // Rows the last run fetched: rows are read as they come, so their count is not known
    // before, and a prepared query's next run likely returns as many.
    std::size_t last_rows = 0;
    std::size_t last_text = 0;  // and the bytes of text they held
  };
  struct table_info {
    std::vector<std::string> key;  // primary key columns, in key order
    std::string auto_increment;    // the AUTO_INCREMENT column, if any
    std::vector<std::string> json_columns;  // JSON (MariaDB: LONGTEXT with its json_valid check)
  };

  cached& prepare(std::string_view key, sql::render_ref render);
  void drop_statements();  // closes every cached statement
  cached& prepare_plan(const engine::plan& p);
  void describe(cached& c);
  // Binds the plan's params (from `offset`) as the bindings say, or `values` in order.
  void bind(cached& c, const engine::plan& p, std::size_t offset);
  void bind(cached& c, const std::vector<const value*>& values);
  // Executes; throws on failure. With `first_record`, the statement inserts the call's
  // records from that index on, and the server's "at row N" in an error becomes the
  // caller's record (row 501 of the second statement of 500 is record 999).
  static constexpr std::size_t no_record = static_cast<std::size_t>(-1);
  void run(cached& c, std::size_t first_record = no_record);
  // Reads up to max_rows rows into out (all columns but the last `ids` go to out; those
  // go to *id_out). Returns the number read; fewer than max_rows means the end.
  std::size_t fetch(cached& c, records& out, std::size_t max_rows, std::vector<value>* id_out = nullptr);
  void command(std::string_view sql);  // no params, no rows
  void after_statement(std::string_view sql);  // notices a commit that DDL made
  const table_info& info(const std::string& table);
  // The JSON columns an insert, upsert or update writes values to (none for reads).
  std::span<const std::string> json_of(const engine::plan& p);
  std::string key_expression(const table_info& t) const;

  engine::execution rows(const engine::plan& p);
  engine::execution insert(const engine::plan& p);
  // Array binding (MariaDB's bulk execution): one statement, sent once, with a column of
  // values per parameter. False when a column mixes kinds it cannot bind as one type.
  bool insert_bulk(const engine::plan& p, engine::execution& e);
  engine::execution insert_emulated(const engine::plan& p, const table_info& t, key_source source);
  engine::execution insert_one_by_one(const engine::plan& p, const table_info& t);
  engine::execution write_returning(const engine::plan& p);  // UPDATE (and DELETE on MySQL) … RETURNING
  engine::execution upsert(const engine::plan& p);
  engine::execution raw(const engine::plan& p);
  // Rows of `columns` from `table` whose key is one of `keys`, in the keys' order.
  records select_by_key(const std::string& table, const table_info& t, const std::vector<std::string>& columns,
                        const std::vector<value>& keys, bool lock);
  // A unit of tether's own: a transaction outside one, a savepoint inside one.
  bool begin_unit();
  void end_unit(bool own, bool keep);
  // Runs body in a unit: kept when it returns, undone when it throws.
  template <class F>
  engine::execution in_unit(F&& body);

  MYSQL* conn_ = nullptr;
  sql::statement_cache<cached> statements_{256, 65535, "mysql"};  // 65535: the protocol's placeholders
  std::unordered_map<std::string, table_info> tables_;
  bool has_returning_ = false;  // MariaDB 10.5+: INSERT and DELETE … RETURNING
  bool mariadb_ = false;
  const class dialect* dialect_ = nullptr;
  bool consecutive_ids_ = true;  // innodb_autoinc_lock_mode ≤ 1: a statement's ids are consecutive
  std::int64_t auto_increment_step_ = 1;
  std::size_t max_packet_ = 16 << 20;
  bool in_transaction_ = false;
  std::string implicit_commit_;  // the statement that committed our transaction, if any
  // Parameter buffers, reused from call to call.
  std::vector<MYSQL_BIND> params_;
  std::vector<std::string> texts_;
  std::vector<MYSQL_TIME> times_;
  std::vector<std::int64_t> integers_;
};

template <class F>
engine::execution connection::in_unit(F&& body) {
  const bool own = begin_unit();
  try {
    engine::execution e = body();
    end_unit(own, true);
    return e;
  } catch (...) {
    try {
      end_unit(own, false);
    } catch (...) {
      // The original error is the one to report.
    }
    throw;
  }
}

}  // namespace tether::detail::mysql
