// The SQL adapter's connection: schema changes and savepoints as statements.
#include "connection.hpp"

#include <atomic>

#include "core/query/planner.hpp"
#include "statement_cache.hpp"

namespace tether::detail::sql {

std::uint64_t next_generation() noexcept {
  static std::atomic<std::uint64_t> last{0};
  return last.fetch_add(1, std::memory_order_relaxed) + 1;
}

void connection::savepoint(std::string_view name) { run_sql(savepoint_sql(sql_dialect(), "SAVEPOINT", name)); }

void connection::release_savepoint(std::string_view name) {
  run_sql(savepoint_sql(sql_dialect(), "RELEASE SAVEPOINT", name));
}

void connection::rollback_to_savepoint(std::string_view name) {
  run_sql(savepoint_sql(sql_dialect(), "ROLLBACK TO SAVEPOINT", name));
}

engine::schema_step connection::apply(const engine::schema_op& op, const engine::table_description* before,
                                      bool dry_run) {
  engine::schema_step step{schema_statements(op, before)};
  if (dry_run) return step;
  static const engine::capabilities raw_only = [] {
    engine::capabilities caps;
    caps.raw_queries = true;
    return caps;
  }();
  for (const auto& text : step.description) {
    // Through the planner, so that the plan's shape (the statement-cache key) is the text.
    engine::execution done;
    execute(detail::plan_raw({.query = text}, raw_only), done);
  }
  return step;
}

}  // namespace tether::detail::sql
