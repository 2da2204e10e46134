// tether/engine/engine.hpp — what a new engine implements.
// A driver is shared and thread-safe; it makes connections. A connection is used by one
// thread at a time (the pool guarantees it) and every call on it blocks on I/O.
// Engines throw tether::error, mapped from native errors in the engine's own error.cpp.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tether/engine/capabilities.hpp"
#include "tether/engine/plan.hpp"
#include "tether/engine/schema.hpp"
#include "tether/error.hpp"
#include "tether/options.hpp"

namespace tether::engine {

// The outcome of one plan.
struct execution {
  records rows{};
  std::int64_t affected = 0;
  std::vector<value> inserted_ids{};
  upsert_operation operation = upsert_operation::inserted;
  std::vector<field_info> fields{};
};

// Rows of one query, a chunk at a time, so memory is bounded by the chunk size. The
// connection that opened it is busy until the cursor is exhausted or destroyed.
class cursor {
 public:
  virtual ~cursor() = default;
  // Replaces `out` with up to max_rows next rows; false when there were none left.
  virtual bool fetch(records& out, std::size_t max_rows) = 0;
};

// --- optional parts: a connection offers each or not (connection::*_part) ------------------

// begin/commit/rollback of one transaction at a time on the connection.
class transactions {
 public:
  virtual ~transactions() = default;
  // options were checked against capabilities() (isolation_levels, read_only, deferrable).
  virtual void begin(const transaction_options& options) = 0;
  virtual void commit() = 0;
  virtual void rollback() = 0;
};

// Savepoints inside a transaction of the transactions part.
class savepoints {
 public:
  virtual ~savepoints() = default;
  virtual void savepoint(std::string_view name) = 0;
  virtual void release_savepoint(std::string_view name) = 0;
  virtual void rollback_to_savepoint(std::string_view name) = 0;
};

// One schema change as the engine made it (or, in a dry run, would make it): what dry runs
// print and migrations record. SQL engines describe it by their statements; DynamoDB by
// its requests.
struct schema_step {
  std::vector<std::string> description{};
};

// Schema changes (engine/schema.hpp), applied by the engine.
class schema_applier {
 public:
  virtual ~schema_applier() = default;
  // Makes `op` happen; `before` is the table as it is now, for the operations that need
  // it (a rebuild, dropping a constraint by its kind), else null. With dry_run it only
  // says how. An engine whose changes are asynchronous waits for them here, with a timeout.
  virtual schema_step apply(const schema_op& op, const table_description* before, bool dry_run) = 0;
  // Whether changes take part in transactions (a failed migration then leaves no trace).
  virtual bool transactional() const noexcept { return false; }
  // Around a migration's transaction, for settings a transaction cannot change: SQLite
  // turns foreign-key enforcement off before it begins, so that rebuilding a table
  // referenced ON DELETE CASCADE never deletes the rows that reference it, and
  // verify_changes (called before commit) then refuses the changes if any reference
  // dangles. end_changes runs after commit or rollback.
  virtual void begin_changes() {}
  virtual void verify_changes() {}
  virtual void end_changes() noexcept {}
  // A foreign key's orphans before it is added: the rows of `table` whose `column` holds a
  // value that no row of `ref_table` has in `ref_column`, counted by the database in one
  // statement. Null where the engine cannot (the caller then pages the distinct values).
  struct orphans {
    std::int64_t rows = 0, values = 0;  // rows, and distinct values among them
    value example{};                     // the smallest such value
  };
  virtual std::optional<orphans> count_orphans(std::string_view /*table*/, std::string_view /*column*/,
                                               std::string_view /*ref_table*/, std::string_view /*ref_column*/) {
    return std::nullopt;
  }
};

// The tables as the database has them.
class introspection {
 public:
  virtual ~introspection() = default;
  // Nothing when there is no such table.
  virtual std::optional<table_description> describe(std::string_view table) = 0;
  virtual std::vector<std::string> list_tables() = 0;
};

// One migrator at a time, across processes.
class migration_lock {
 public:
  virtual ~migration_lock() = default;
  // Waits up to `timeout`, then throws tether::error (timeout) naming the lock. The lock is
  // the connection's until unlocked (or until the connection ends).
  virtual void lock_migrations(std::chrono::milliseconds timeout) = 0;
  virtual void unlock_migrations() = 0;
};

// The required core: run plans. The optional parts are asked for by the *_part() calls,
// which return null when the engine does not offer them; the core then refuses the call
// with `unsupported`, naming the engine and the feature (need() below).
class connection {
 public:
  virtual ~connection() = default;
  // Runs one plan into `out`, which the caller passes empty (its rows are named anew).
  virtual void execute(const plan& p, execution& out) = 0;
  // A streaming cursor for a find or raw plan. The default runs the whole query and
  // serves it in chunks (no memory bound); engines that can stream override it.
  virtual std::unique_ptr<cursor> open(const plan& p);
  // Independent plans, results in order. The default runs them one by one; PostgreSQL
  // pipelines them. The first failure is thrown after the batch has been read.
  virtual std::vector<execution> execute_batch(const std::vector<const plan*>& plans);
  // Cheap liveness check, used before handing an idle connection out again.
  virtual bool alive() = 0;
  // The server's version where it has one to tell.
  virtual std::optional<std::string> server_version() { return std::nullopt; }
  virtual engine::statement_stats statement_stats() const { return {}; }

  virtual engine::transactions* transactions_part() noexcept { return nullptr; }
  virtual engine::savepoints* savepoints_part() noexcept { return nullptr; }
  virtual engine::schema_applier* schema_part() noexcept { return nullptr; }
  virtual engine::introspection* introspection_part() noexcept { return nullptr; }
  virtual engine::migration_lock* lock_part() noexcept { return nullptr; }

  execution execute(const plan& p) {
    execution e;
    execute(p, e);
    return e;
  }
};

[[noreturn]] void refuse_part(std::string_view engine, std::string_view feature);

// The part, or tether::error (unsupported) naming the engine and the feature.
template <class Part>
Part& need(Part* part, std::string_view engine, std::string_view feature) {
  if (!part) refuse_part(engine, feature);
  return *part;
}

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
