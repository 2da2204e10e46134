// Private: one SQLite connection with its statement cache.
#pragma once

#include <sqlite3.h>

#include <string>
#include <functional>
#include <optional>
#include <unordered_map>
#include <vector>

#include "../../sql/connection.hpp"
#include "../../sql/renderer.hpp"
#include "../../sql/statement_cache.hpp"
#include "tether/engine/engine.hpp"

namespace tether::detail::sqlite {

struct url_parts {
  std::string path;  // a file path or ":memory:"
  int busy_timeout_ms = 5000;
  bool read_only = false;
  bool wal = true;
};

// Throws tether::error (usage) naming the URL when it is not a SQLite URL.
url_parts parse_url(std::string_view url);

// How to turn a column's cells into values, from its declared type.
enum class decode : std::uint8_t {
  storage, boolean, decimal, date, time, timestamp, uuid, json
};
decode decoder_for(const char* declared_type);  // null: by storage class (types.cpp)
// Appends a cell of a declared type (or a blob) of SQLite storage class `type`.
void add_decoded(records& out, sqlite3_value* cell, int type, decode how);

class connection final : public sql::connection {
 public:
  explicit connection(const url_parts& url);
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
  bool transactional() const noexcept override { return true; }
  void begin_changes() override;
  void verify_changes() override;
  void end_changes() noexcept override;
  void lock_migrations(std::chrono::milliseconds timeout) override;
  void unlock_migrations() override;

 protected:
  std::vector<std::string> schema_statements(const engine::schema_op& op,
                                             const engine::table_description* before) override;
  const sql::dialect& sql_dialect() const noexcept override;
  void run_sql(const std::string& text) override { exec(text.c_str()); }

 private:
  friend class cursor;
  struct cached {
    sqlite3_stmt* stmt = nullptr;
    std::vector<sql::binding> bindings;
    std::vector<decode> decoders;
    std::vector<std::string> names;
    // The same names, shared with every result (all of them, and all but the last).
    std::shared_ptr<const std::vector<std::string>> all_names, data_names;
    std::size_t tail = 0;  // where a second statement starts in the text; 0 when none
    int reprepares = 0;    // SQLite re-prepares after a schema change; columns may differ
    // The integer each parameter was bound to last, when it was one. SQLite keeps bindings
    // across resets (and re-prepares), so an unchanged integer (a LIMIT) is not bound again.
    std::vector<std::optional<std::int64_t>> bound_ints{};
    // An insert's id choice (writes.cpp), kept on the statement its plan's hint names, as
    // of ids_epoch: a prepared insert does not work it out again until the schema may
    // have changed. The choice follows from the plan's shape and the table's facts.
    std::uint64_t ids_epoch = 0;
    std::uint8_t ids_source = 0;
    std::size_t ids_key = 0;
  };
  struct table_info {
    int schema_version = -1;
    std::uint64_t epoch = 0;    // schema_epoch_ when last known to be current
    std::vector<std::string> key_columns;  // the primary key's, in order
    std::string id_expression;  // what RETURNING gives as the inserted id
    std::string rowid_column;   // the INTEGER PRIMARY KEY (a rowid alias), if any
    bool rowid_ids = false;        // a rowid table whose id is the rowid: see writes.cpp
    bool consecutive_ids = false;  // ... and without triggers
    bool has_triggers = true;
    // The one key column whose values a caller gives are stored unchanged, so are the ids:
    // an INTEGER PRIMARY KEY given integers, or a key of TEXT affinity given strings.
    std::string key_column;
    value_kind key_kind = value_kind::null;
    std::vector<std::string> json_columns;  // declared JSON: written with transform::json_value
    std::vector<sql::scaled_column> decimal_columns;  // DECIMAL(p, s): written through tether_decimal
    bool exists = false;
  };

  cached& prepare(std::string_view key, sql::render_ref render);
  void drop_statements();  // finalizes every cached statement
  cached& prepare_plan(const engine::plan& p);  // by the plan's hint, else by its shape
  cached prepare_uncached(std::string_view text);
  static void describe_columns(cached& c);
  void bind(cached& c, const engine::plan& p, std::size_t param_offset);
  // An INSERT's rows [first, first + n), straight from records in column order.
  void bind_rows(cached& c, const engine::plan& p, std::size_t first, std::size_t n);
  void bind_value(sqlite3_stmt* stmt, int index, const value& v, sql::transform how);
  // Steps to completion; rows go to `out` (all columns but the last `id_columns`, which go
  // to `ids`). Returns the number of rows.
  std::int64_t run(cached& c, records* out, std::vector<value>* ids, std::int64_t max_rows = -1);
  void exec(const char* sql);
  // The table's facts, read again only when the schema may have changed: see schema_epoch_.
  const table_info& info(const std::string& table);
  // Notes a statement that SQLite re-prepared since it was last seen (the schema changed).
  void notice_reprepare(cached& c);
  value id_after_schema_change(const engine::plan& p, const table_info& t);
  // Throws SQLite's own error for the plan's statement when the table does not exist.
  void refuse_unknown(const table_info& t, const engine::plan& p);

  void find(const engine::plan& p, engine::execution& out);
  // A unit of tether's own that is sure to write: BEGIN IMMEDIATE outside a transaction
  // (a read first would make a later write fail at once with SQLITE_BUSY under
  // contention, instead of waiting), a savepoint inside one. Returns whether it began a
  // transaction; pass that to the matching end.
  bool begin_unit(std::string_view name);
  void undo_unit(std::string_view name, bool own);  // back to the start, still open
  void end_unit(std::string_view name, bool own, bool keep);
  engine::execution insert(const engine::plan& p);
  // Where an insert's ids come from (writes.cpp says when each is exact).
  enum class id_source : std::uint8_t { none, rowids, keys, returning };
  struct id_choice {
    id_source ids = id_source::none;
    std::size_t key = 0;  // with keys: the key column's index in the plan's columns
  };
  static id_choice choose_ids(const engine::plan& p, const table_info& t);
  bool insert_rows(const engine::plan& p, const table_info& t, id_source ids, std::size_t key, engine::execution& e);
  engine::execution write(const engine::plan& p);
  engine::execution upsert(const engine::plan& p);
  engine::execution raw(const engine::plan& p);
  std::vector<std::string> rebuild(const engine::schema_op& op, const engine::table_description& before);
  void run_script(std::string_view rest, engine::execution& e);

  sqlite3* db_ = nullptr;
  sql::statement_cache<cached> statements_{256, 32766, "sqlite"};  // the limit is read once open
  std::unordered_map<std::string, table_info> tables_;
  // The last table asked for (an insert loop asks for one table again and again): found
  // by comparing its name, not by hashing it. Nodes of tables_ stay put until it is cleared.
  std::pair<const std::string, table_info>* last_table_ = nullptr;
  // Moves on whenever this connection may see a new schema: SQLite re-prepared one of its
  // statements (another connection changed the schema: every statement compiled before
  // re-prepares on its next step, and the first one to run reloads the schema), or it ran
  // SQL whose effect on the schema is not watched (exec, raw, schema changes). Cached
  // table facts of an older epoch are checked against PRAGMA schema_version before use,
  // which costs a read transaction in autocommit, so a repeated insert skips it.
  std::uint64_t schema_epoch_ = 1;
  bool read_only_tx_ = false;
  int busy_timeout_ms_ = 5000;  // the URL's; a migrator waits longer for the write lock
  std::string scratch_;
};

}  // namespace tether::detail::sqlite
