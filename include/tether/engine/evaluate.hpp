// tether/engine/evaluate.hpp — the reference meaning of a plan, computed in memory.
// docs/querying.md defines what each operator, ordering and aggregate means; this is that
// definition in code. The differential test holds every engine to it, and an engine whose
// server cannot evaluate part of a plan (an $ilike on DynamoDB) evaluates that part here,
// on the client. Pure functions of their arguments: thread-safe, no I/O.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "tether/engine/plan.hpp"
#include "tether/options.hpp"
#include "tether/records.hpp"
#include "tether/value.hpp"

namespace tether::engine {

// A find, count or aggregate plan evaluated over `rows`, which hold every row of the
// plan's table. A find returns the selected columns (all of `rows`' when it selects none);
// a count or aggregate returns its group_by columns, then its aliases, as engines do.
// Throws tether::error (usage) for an operand that does not fit a column's values, naming
// the column, the operand and what was expected.
records evaluate(const plan& p, const records& rows);

// The same for a call's options, planned as a client plans them (every capability
// granted): what db.find(o), db.count(o) or db.aggregate(o) must return over `rows`.
records evaluate(const find_options& o, const records& rows);
records evaluate(const count_options& o, const records& rows);      // one column, "count"
records evaluate(const aggregate_options& o, const records& rows);

// The rest of a count or aggregate plan over `groups`: rows an engine grouped and
// aggregated itself (the plan's group_by columns, then its aliases, a row a group). Its
// having, order_by, offset and limit, as evaluate() applies them after grouping.
records evaluate_groups(const plan& p, const records& groups);

// Whether row `row` of `rows` satisfies `filter` (a node of `p`'s, whose params it reads).
bool matches(const plan& p, const filter_node& filter, const records& rows, std::size_t row);

// The operand rules (docs/querying.md, "Operands and column types"): whether `operand`
// fits `op` on a column whose values are of `column` kind (integer, real and decimal
// columns take any number; text columns take strings; a boolean column true or false;
// date, time, timestamp and uuid columns a value of their own kind; text matches need a
// text column). Throws tether::error (usage) naming the column, `type` (as the
// schema names it), the operator and the operand when it does not. Kinds without rules
// (json, bytes, arrays) pass.
void check_operand(value_kind column, std::string_view type, compare op, std::string_view field, const value& operand);
// The same rule for an aggregate: $sum and $avg need a numeric column.
void check_aggregate_input(value_kind column, std::string_view type, aggregate_fn fn, std::string_view field);
// Every leaf of `filter` (a node of `p`'s) by check_operand, with `kind_of(field)` giving
// a column's kind and type name, or nothing when it is not known.
template <class KindOf>
void check_operands(const plan& p, const filter_node& filter, KindOf&& kind_of) {
  if (filter.kind == logic::leaf) {
    if (filter.first_param == no_param) return;
    auto known = kind_of(filter.field);
    if (!known) return;
    for (std::uint32_t i = 0; i < filter.param_count; ++i)
      check_operand(known->first, known->second, filter.op, filter.field, *p.param(filter.first_param + i));
    return;
  }
  for (const auto& c : filter.children) check_operands(p, c, kind_of);
}

// The order of two non-null values: negative, zero or positive; std::nullopt when the
// kinds cannot be compared (a string and a number). Numbers compare across integer,
// double and decimal: as doubles when either is a double, otherwise exactly. Strings
// compare by code point (UTF-8 byte order); timestamps by their instant; false < true.
std::optional<int> compare_values(const value& a, const value& b);

// The json array an array update operator ($push, $addToSet, $pull, $pop: docs/querying.md)
// makes of `old`, for an engine that computes it on the client; std::nullopt when it leaves
// the value as it is. Null starts [] for $push, $addToSet and $pull; $pop of null or []
// changes nothing. Elements are equal when compare_values says so (1 equals 1.0).
std::optional<value> array_update(update_op op, const value& old, const value* operand);

// $like's matcher: `%` any run of characters, `_` one character, `\` makes the next one
// literal. The pattern must be valid (check_like_pattern).
bool like_match(std::string_view text, std::string_view pattern);
// Throws tether::error (usage), naming `column`, when the pattern ends in a lone `\`.
void check_like_pattern(std::string_view pattern, std::string_view column);

// $ilike's case folding: each code point is upper-cased and then lower-cased by its simple
// Unicode mappings (so ß, ẞ; σ, ς, Σ; ǳ, ǲ, Ǳ; i, I, İ each fold to one letter).
std::string fold_case(std::string_view text);

// The portable $regex subset (docs/querying.md): throws tether::error (usage), naming
// `column` and the offset, for a pattern outside it.
void check_regex(std::string_view pattern, std::string_view column);
// A portable pattern written for a PCRE2 engine that cannot be given compile options
// (MariaDB): `.` matches a newline and `$` only the very end, as the subset defines.
std::string regex_for_pcre(std::string_view pattern);
// Whether `text` holds a match of the portable `pattern`.
bool regex_search(std::string_view text, std::string_view pattern);

// A decimal literal ("2.5", "1.005", "1e3") as the canonical text a DECIMAL(p, scale)
// column holds: rounded half away from zero to `scale` places ("2.50", "1.01", "1000.00"),
// as PostgreSQL and MySQL round. Throws tether::error (usage) for text that is not one.
std::string round_decimal(std::string_view text, int scale);
// The order of two decimal literals by value ("2.5" = "2.50" < "10"); std::nullopt when
// either is not a decimal literal.
std::optional<int> compare_decimal_text(std::string_view a, std::string_view b);

// Exact sums: of integers (an integer while the total fits 64 bits, a decimal after) and
// of decimals (a decimal with the largest scale among the addends).
class exact_sum {
 public:
  void add(std::int64_t v);
  void add_decimal(std::string_view text);
  bool empty() const noexcept { return count_ == 0; }
  std::size_t count() const noexcept { return count_; }
  value result() const;      // null when nothing was added
  double as_double() const;  // the total, correctly rounded
 private:
  void spill();               // the fast total into the digits, once it would overflow
  std::int64_t fast_ = 0;     // the total while only integers that fit were added
  bool fast_only_ = true;
  bool negative_ = false;
  std::string digits_;       // magnitude, most significant first, no leading zeros
  std::int32_t scale_ = 0;   // digits after the point
  bool decimal_ = false;
  std::size_t count_ = 0;
};

}  // namespace tether::engine
