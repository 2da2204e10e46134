// tether/engine/engine.hpp — what a new engine implements.
// A driver is shared and thread-safe; it makes connections. A connection is used by one
// thread at a time (the pool guarantees it) and every call on it blocks on I/O.
// Engines throw tether::error, mapped from native errors in the engine's own error.cpp.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tether/engine/plan.hpp"
#include "tether/engine/schema.hpp"
#include "tether/error.hpp"
#include "tether/options.hpp"

namespace tether::engine {

// What an engine can do. The planner refuses a call that needs a missing capability,
// naming the engine and the feature, before any I/O.
struct capabilities {
  std::string engine{};  // the engine's name, for the errors that refuse a call
  bool transactions = false;
  bool savepoints = false;
  bool returning = false;
  bool upsert = false;
  bool aggregates = false;
  bool regex = false;
  bool json_arrays = false;      // $push $pull $addToSet $pop
  bool raw_queries = false;
  bool partial_indexes = false;    // create_index with a where
  bool transactional_ddl = false;  // a failed migration leaves nothing behind
  std::vector<isolation> isolation_levels;  // the levels begin() honours
  bool read_only_transactions = false;
  bool deferrable_transactions = false;
};

// The outcome of one plan.
struct execution {
  records rows{};
  std::int64_t affected = 0;
  std::vector<value> inserted_ids{};
  upsert_operation operation = upsert_operation::inserted;
  std::vector<field_info> fields{};
};

// How often statements were rendered, prepared, and taken from the cache instead.
struct statement_stats {
  std::uint64_t renders = 0;
  std::uint64_t prepares = 0;
  std::uint64_t reuses = 0;
  statement_stats& operator+=(const statement_stats& o) {
    renders += o.renders;
    prepares += o.prepares;
    reuses += o.reuses;
    return *this;
  }
};

// Rows of one query, a chunk at a time, so memory is bounded by the chunk size. The
// connection that opened it is busy until the cursor is exhausted or destroyed.
class cursor {
 public:
  virtual ~cursor() = default;
  // Replaces `out` with up to max_rows next rows; false when there were none left.
  virtual bool fetch(records& out, std::size_t max_rows) = 0;
};

class connection {
 public:
  virtual ~connection() = default;
  virtual execution execute(const plan& p) = 0;
  // A find's rows (or a count's or an aggregate's), written into `out`, which is emptied
  // and named anew: the caller's own result is filled in place instead of being moved out
  // of an execution. The default runs execute() and moves the rows over.
  virtual void read(const plan& p, records& out);
  // A streaming cursor for a find or raw plan. The default runs the whole query and
  // serves it in chunks (no memory bound); engines that can stream override it.
  virtual std::unique_ptr<cursor> open(const plan& p);
  // Independent plans, results in order. The default runs them one by one; PostgreSQL
  // pipelines them. The first failure is thrown after the batch has been read.
  virtual std::vector<execution> execute_batch(const std::vector<const plan*>& plans);
  virtual void begin(const transaction_options& options) = 0;
  virtual void commit() = 0;
  virtual void rollback() = 0;
  virtual void savepoint(std::string_view name) = 0;
  virtual void release_savepoint(std::string_view name) = 0;
  virtual void rollback_to_savepoint(std::string_view name) = 0;
  // Cheap liveness check, used before handing an idle connection out again.
  virtual bool alive() = 0;
  virtual std::string server_version() = 0;
  virtual engine::statement_stats statement_stats() const { return {}; }

  // Schema changes (engine/schema.hpp). The defaults refuse with `unsupported`.
  // The statements that make `op` happen; `before` is the table as it is now, for the
  // operations that need it (a rebuild, dropping a constraint by its kind), else null.
  virtual std::vector<std::string> schema_statements(const schema_op& op, const table_description* before);
  // The table as the database has it; nothing when there is no such table.
  virtual std::optional<table_description> describe(std::string_view table);
  virtual std::vector<std::string> list_tables();
  // Whether DDL takes part in transactions (a failed migration then leaves no trace).
  virtual bool transactional_ddl() const noexcept { return false; }
  // One migrator at a time, across processes: waits up to `timeout`, then throws
  // tether::error (timeout) naming the lock. The lock is the connection's until unlocked.
  virtual void lock_migrations(std::chrono::milliseconds timeout);
  virtual void unlock_migrations();
};

class driver {
 public:
  virtual ~driver() = default;
  virtual std::string_view name() const noexcept = 0;
  virtual std::vector<std::string> schemes() const = 0;  // "sqlite", "postgresql", …
  virtual const engine::capabilities& capabilities() const noexcept = 0;
  // Throws tether::error (usage) naming the URL (password masked) when it is malformed.
  virtual void validate_url(std::string_view url) const = 0;
  virtual std::unique_ptr<connection> connect(std::string_view url) = 0;
  // The largest pool that makes sense (an in-memory SQLite database is one connection).
  virtual std::size_t max_pool_size(std::string_view /*url*/) const { return 1024; }
};

// Drivers by URL scheme. register_driver is thread-safe; a later registration of the
// same scheme replaces the earlier one.
void register_driver(std::shared_ptr<driver> d);
// Throws tether::error (usage) for a URL with no scheme or an unknown one.
std::shared_ptr<driver> find_driver(std::string_view url);

}  // namespace tether::engine
