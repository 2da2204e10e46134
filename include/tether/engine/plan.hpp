// tether/engine/plan.hpp — the engine-neutral description of one call.
// A plan holds no SQL, no BSON and no request JSON: engines render it. It borrows the
// caller's values (params point into the options), so it lives for one call only.
// `shape` identifies everything except parameter values; equal shapes render equal text,
// which is what lets an engine cache the rendered and prepared statement.
#pragma once

#include <cstdint>
#include <forward_list>
#include <string>
#include <vector>

#include "tether/options.hpp"
#include "tether/value.hpp"

namespace tether::engine {

enum class plan_kind : std::uint8_t { find, count, aggregate, insert, update, remove, upsert, raw };

enum class compare : std::uint8_t {
  eq, ne, gt, gte, lt, lte, in, nin, like, ilike, between, is_null, is_not_null,
  regex, contains, starts_with, ends_with
};

enum class logic : std::uint8_t { leaf, and_, or_, nor_, not_ };

inline constexpr std::uint32_t no_param = 0xffffffffu;

struct filter_node {
  logic kind = logic::and_;  // an empty and_ matches every row
  compare op = compare::eq;
  std::string field{};
  std::uint32_t first_param = no_param;  // into plan::params
  std::uint32_t param_count = 0;
  std::vector<filter_node> children{};
  bool matches_all() const noexcept { return kind == logic::and_ && children.empty(); }
};

enum class update_op : std::uint8_t {
  set, unset, inc, dec, mul, min, max, concat, push, pull, add_to_set, pop_first, pop_last
};

struct assignment {
  std::string column{};
  update_op op = update_op::set;
  std::uint32_t param = no_param;
};

enum class aggregate_fn : std::uint8_t { count, count_distinct, sum, avg, min, max, string_agg };

struct aggregate_term {
  std::string alias{};
  aggregate_fn fn = aggregate_fn::count;
  std::string column{};                    // "*" for count of rows
  std::uint32_t separator = no_param;    // string_agg
};

struct plan {
  plan_kind kind = plan_kind::find;
  std::string table{};
  std::vector<std::string> columns{};    // find/aggregate: selected; insert/upsert: written
  filter_node where{};
  std::vector<order_term> order_by{};
  std::uint32_t limit = no_param;
  std::uint32_t offset = no_param;

  // insert and upsert: rows × columns params, row-major, starting at rows_param
  std::size_t row_count = 0;
  std::uint32_t rows_param = 0;
  std::vector<std::string> conflict_columns{};
  std::vector<std::string> conflict_update{};  // columns to overwrite on conflict
  bool has_conflict = false;
  conflict_action on_conflict = conflict_action::ignore;

  std::vector<assignment> set{};              // update
  std::vector<std::string> returning{};       // empty: none; "*": all
  std::vector<aggregate_term> aggregates{};   // count/aggregate
  std::vector<std::string> group_by{};
  filter_node having{};

  std::string raw_query{};                    // raw

  std::vector<const value*> params;
  std::forward_list<value> owned{};  // values the planner made; stable addresses
  std::string shape{};

  std::uint32_t add_param(const value* v) {
    params.push_back(v);
    return static_cast<std::uint32_t>(params.size() - 1);
  }
  std::uint32_t add_owned(value v) {
    owned.push_front(std::move(v));
    return add_param(&owned.front());
  }
};

}  // namespace tether::engine
