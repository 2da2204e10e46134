// The SQL adapter's connection: schema changes as statements.
#include "connection.hpp"

#include "core/query/planner.hpp"

namespace tether::detail::sql {

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
