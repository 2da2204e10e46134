// The SQL adapter's connection: what SQLite, PostgreSQL and MySQL share on the engine
// contract (engine/engine.hpp). They offer every optional part; a schema change is the
// dialect's DDL statements (ddl.cpp), run in order through the engine's raw path; a
// savepoint is the dialect's statement, run by the engine's run_sql. Each engine keeps its
// prepared statements in one sql::statement_cache (statement_cache.hpp).
#pragma once

#include <string>
#include <vector>

#include "renderer.hpp"
#include "tether/engine/engine.hpp"

namespace tether::detail::sql {

class connection : public engine::connection,
                   public engine::transactions,
                   public engine::savepoints,
                   public engine::schema_applier,
                   public engine::introspection,
                   public engine::migration_lock {
 public:
  engine::transactions* transactions_part() noexcept override { return this; }
  engine::savepoints* savepoints_part() noexcept override { return this; }
  engine::schema_applier* schema_part() noexcept override { return this; }
  engine::introspection* introspection_part() noexcept override { return this; }
  engine::migration_lock* lock_part() noexcept override { return this; }

  // The statements of schema_statements(), run one by one unless dry_run.
  engine::schema_step apply(const engine::schema_op& op, const engine::table_description* before,
                            bool dry_run) override;

  // SELECT COUNT(*), COUNT(DISTINCT c), MIN(c) … WHERE c IS NOT NULL AND NOT EXISTS (the parent).
  std::optional<orphans> count_orphans(std::string_view table, std::string_view column, std::string_view ref_table,
                                       std::string_view ref_column) override;

  void savepoint(std::string_view name) override;
  void release_savepoint(std::string_view name) override;
  void rollback_to_savepoint(std::string_view name) override;

 protected:
  // The dialect this connection renders with.
  virtual const dialect& sql_dialect() const noexcept = 0;
  // Runs one statement that returns nothing the caller needs; throws the engine's error.
  virtual void run_sql(const std::string& text) = 0;

  // The statements that make `op` happen (see schema_applier::apply for `before`).
  virtual std::vector<std::string> schema_statements(const engine::schema_op& op,
                                                     const engine::table_description* before) = 0;
};

}  // namespace tether::detail::sql
