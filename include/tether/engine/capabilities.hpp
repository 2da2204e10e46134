// tether/engine/capabilities.hpp — what an engine can do, per operator and per feature,
// and how often it rendered and prepared statements.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "tether/engine/operators.hpp"
#include "tether/options.hpp"

namespace tether::engine {

// How an engine evaluates one where-operator (docs/querying.md gives each its meaning).
enum class support : std::uint8_t {
  native,   // the engine's server evaluates it: rendered into the statement or request
  client,   // evaluated on the client, on the rows the server returns, by the reference
            // evaluator (engine/evaluate.hpp): the same meaning, more rows read
  refused,  // the call is refused while planning, naming the engine and the operator
};

inline constexpr std::size_t compare_count = static_cast<std::size_t>(compare::ends_with) + 1;

// What an engine can do. The planner decides with it, before any I/O, how each operator
// is evaluated and refuses a call that needs a missing feature, naming the engine.
struct capabilities {
  std::string engine{};  // the engine's name, for the errors that refuse a call
  std::array<support, compare_count> operators = [] {
    std::array<support, compare_count> all{};
    all.fill(support::native);
    return all;
  }();
  bool transactions = false;  // the connection offers the transactions part
  bool savepoints = false;    // ... and the savepoints part
  // Reads inside a transaction see its own writes (SQL). DynamoDB sends a transaction's
  // writes at commit, and refuses a read that would need to see them.
  bool transaction_reads_own_writes = false;
  bool returning = false;
  bool upsert = false;
  bool aggregates = false;
  bool json_arrays = false;      // $push $pull $addToSet $pop
  bool rename_updates = false;        // $rename: a field's value moved to another field (MongoDB)
  bool current_date_updates = false;  // $currentDate: a field set to the server's time (MongoDB)
  bool raw_queries = false;
  bool partial_indexes = false;    // create_index with a where
  // The where-operators a partial index's where may use, and whether it may use $not and
  // $nor: every one on SQL; MongoDB's partialFilterExpression holds only comparisons,
  // $in, $between and $isNotNull, under $and and $or.
  std::array<bool, compare_count> partial_index_operators = [] {
    std::array<bool, compare_count> all{};
    all.fill(true);
    return all;
  }();
  bool partial_index_negations = true;
  bool sparse_indexes = false;     // create_index with sparse: true (MongoDB)
  bool ttl_indexes = false;        // create_index with expire_after_seconds (MongoDB)
  bool check_constraints = false;  // add_constraint of type check
  bool field_comments = false;     // a field's comment is kept by the database (describe shows it)
  bool unique_fields = false;      // a unique field or index other than the key is enforced
  bool foreign_keys = false;       // add_constraint of type foreign_key
  bool table_renames = false;      // rename_collection (DynamoDB has no rename)
  bool prepared_statements = false;  // statements are prepared and cached (statement_stats counts them)
  bool any_double = false;         // any finite double is stored as it is (DynamoDB's numbers are
                                   // decimal: 38 digits, magnitude 1e-130 to 1e126)
  int timestamp_digits = 6;         // fractional second digits a stored timestamp keeps (MongoDB's
                                   // dates: 3); a finer one is refused, never rounded
  bool transactional_ddl = false;  // a failed migration leaves nothing behind
  std::vector<isolation> isolation_levels;  // the levels begin() honours
  bool read_only_transactions = false;
  bool deferrable_transactions = false;

  support of(compare op) const noexcept { return operators[static_cast<std::size_t>(op)]; }
  void set(compare op, support how) noexcept { operators[static_cast<std::size_t>(op)] = how; }
  bool in_partial_index(compare op) const noexcept { return partial_index_operators[static_cast<std::size_t>(op)]; }
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

}  // namespace tether::engine
