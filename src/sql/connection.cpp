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

namespace {
const engine::capabilities& raw_only() {
  static const engine::capabilities caps = [] {
    engine::capabilities c;
    c.raw_queries = true;
    return c;
  }();
  return caps;
}
}  // namespace

engine::schema_step connection::apply(const engine::schema_op& op, const engine::table_description* before,
                                      bool dry_run) {
  engine::schema_step step{schema_statements(op, before)};
  if (dry_run) return step;
  for (const auto& text : step.description) {
    // Through the planner, so that the plan's shape (the statement-cache key) is the text.
    engine::execution done;
    execute(detail::plan_raw({.query = text}, raw_only()), done);
  }
  return step;
}

std::optional<engine::schema_applier::orphans> connection::count_orphans(std::string_view table, std::string_view column,
                                                                         std::string_view ref_table,
                                                                         std::string_view ref_column) {
  const dialect& d = sql_dialect();
  auto q = [&](std::string_view id) {
    std::string s;
    d.quote(s, id);
    return s;
  };
  const std::string c = "tether_c." + q(column);
  const std::string text = "SELECT COUNT(*), COUNT(DISTINCT " + c + "), MIN(" + c + ") FROM " + q(table) +
                           " tether_c WHERE " + c + " IS NOT NULL AND NOT EXISTS (SELECT 1 FROM " + q(ref_table) +
                           " tether_p WHERE tether_p." + q(ref_column) + " = " + c + ")";
  engine::execution e;
  execute(detail::plan_raw({.query = text}, raw_only()), e);
  if (e.rows.size() != 1) return std::nullopt;
  auto number = [](const value& v) -> std::int64_t {
    if (v.is_string()) return std::stoll(v.as_string());
    return v.is_null() ? 0 : v.as_int();
  };
  const auto row = e.rows[0];
  return orphans{number(row.at(0)), number(row.at(1)), row.at(2)};
}

}  // namespace tether::detail::sql
