// libFuzzer target: where-filters and update documents through the planner and the plan
// cache (twice, so the second call takes the kept plan), rendered by every SQL dialect.
// The input is JSON: {"where": …, "data": …, "having": …}, or any value used as all three.
// Any input plans and renders, or is refused with tether::error.
#include <tether/tether.hpp>

#include <cstdint>

#include "core/query/plan_cache.hpp"
#include "core/query/planner.hpp"
#include "engines/mysql/dialect.hpp"
#include "engines/postgresql/dialect.hpp"
#include "engines/sqlite/dialect.hpp"

namespace {

const tether::engine::capabilities& caps() {
  static const tether::engine::capabilities c = [] {
    tether::engine::capabilities c;
    c.engine = "fuzz";
    c.json_arrays = c.returning = c.upsert = c.aggregates = c.raw_queries = true;
    return c;
  }();
  return c;
}

void render_all(const tether::engine::plan& p) {
  using namespace tether::detail;
  (void)sql::render(p, sqlite::the_dialect());
  (void)sql::render(p, postgresql::the_dialect());
  (void)sql::render(p, mysql::the_dialect(true));
}

template <class F>
void attempt(F&& f) {
  try {
    f();
  } catch (const tether::error&) {
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  tether::value input;
  try {
    input = tether::value::from_json(std::string_view(reinterpret_cast<const char*>(data), size));
  } catch (const tether::error&) {
    return 0;
  }
  const tether::value* w = input.find("where");
  const tether::value* d = input.find("data");
  const tether::value* h = input.find("having");
  const tether::value& where = w ? *w : input;
  const tether::value& update = d ? *d : input;
  const tether::value& having = h ? *h : input;
  static tether::detail::plan_cache cache;
  for (int round = 0; round < 2; ++round) {
    // A kept plan points into its call's options, so they outlive the rendering, as in a call.
    attempt([&] {
      const tether::find_options options{.table = "t", .where = where, .limit = 3};
      auto plan = cache.get(options, caps());
      render_all(plan.plan());
    });
    attempt([&] {
      const tether::count_options options{.table = "t", .where = where};
      auto plan = cache.get(options, caps());
      render_all(plan.plan());
    });
  }
  attempt([&] { render_all(tether::detail::plan_update({.table = "t", .data = update, .where = where}, caps())); });
  attempt([&] { render_all(tether::detail::plan_remove({.table = "t", .where = where}, caps())); });
  attempt([&] {
    render_all(tether::detail::plan_aggregate(
        {.table = "t", .operations = {{"n", {{"$count", "*"}}}}, .where = where, .group_by = {"g"}, .having = having},
        caps()));
  });
  attempt([&] {
    tether::value records = tether::make_array({update});
    render_all(tether::detail::plan_insert({.table = "t", .records = records.as_array()}, caps()));
  });
  return 0;
}
