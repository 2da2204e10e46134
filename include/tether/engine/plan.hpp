// tether/engine/plan.hpp — the engine-neutral description of one call.
// A plan holds no SQL, no BSON and no request JSON: engines render it. It borrows the
// caller's values (params point into the options), so a plan made for a call is valid
// for that call only; the plan cache (src/core/query/plan_cache.hpp) keeps a plan beyond its
// call only after it owns what it borrowed, and re-points its params at each new call.
// `shape` identifies everything except parameter values; equal shapes render equal text,
// which is what lets an engine cache the rendered and prepared statement.
#pragma once

#include <array>
#include <cstdint>
#include <forward_list>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "tether/engine/operators.hpp"
#include "tether/options.hpp"
#include "tether/types.hpp"
#include "tether/value.hpp"

namespace tether::engine {

enum class plan_kind : std::uint8_t { find, count, aggregate, insert, update, remove, upsert, raw };

// A text-match operand longer than this many bytes plans with a shape of its own (and a
// kept plan of a shorter one never takes it), so that an engine may render it otherwise:
// SQLite's GLOB and LIKE refuse patterns over 50,000 bytes, escaping included.
inline constexpr std::size_t long_text_bytes = 16 * 1024;
inline bool long_text(const value& v) noexcept { return v.is_string() && v.as_string().size() > long_text_bytes; }

inline constexpr std::uint32_t no_param = 0xffffffffu;

// The kind of number a comparison's operands are, when they are not all plain integers:
// real when any is a double (then the column and every operand compare as doubles),
// else decimal when any is a decimal, else big_integer when any integer is beyond 2^53 in
// magnitude (it compares with a double column as a double). It is part of a plan's shape,
// so that a dialect may render the comparison by it.
enum class operand_number : std::uint8_t { integer_or_other, real, decimal, big_integer };

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
  set, unset, inc, dec, mul, min, max, concat, push, pull, add_to_set, pop_first, pop_last,
  rename,        // the column's value moved to the field its operand names (a string)
  current_date,  // the column set to the current time (no operand)
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
  // The column's type, where the client knows it (a dialect may render by it: PostgreSQL
  // has no MIN of a boolean); not part of the shape, as a table's columns keep their types.
  std::optional<field_type> input{};
};

// Parameter pointers; the first eight live inside the plan, so a small call allocates none.
class param_list {
 public:
  void push_back(const value* v) {
    if (size_ < small_.size()) {
      small_[size_] = v;
    } else {
      if (size_ == small_.size()) big_.assign(small_.begin(), small_.end());
      big_.push_back(v);
    }
    ++size_;
  }
  void reserve(std::size_t n) {
    if (n > small_.size()) big_.reserve(n);
  }
  const value* operator[](std::size_t i) const noexcept {
    return size_ <= small_.size() ? small_[i] : big_[i];
  }
  std::size_t size() const noexcept { return size_; }
  bool empty() const noexcept { return size_ == 0; }
  void set(std::size_t i, const value* v) noexcept {
    if (size_ <= small_.size()) small_[i] = v;
    else big_[i] = v;
  }

 private:
  std::array<const value*, 8> small_{};
  std::vector<const value*> big_;
  std::size_t size_ = 0;
};

// The statement-cache key. Short keys (most of them) stay inside the plan.
class shape_key {
 public:
  void append(std::string_view s) {
    if (heap_.empty() && size_ + s.size() <= sizeof(small_)) {
      // Pieces are names and one-character codes: a loop beats a call to memcpy.
      for (std::size_t i = 0; i < s.size(); ++i) small_[size_ + i] = s[i];
      size_ += s.size();
      return;
    }
    if (heap_.empty()) heap_.assign(small_, size_);
    heap_.append(s);
  }
  void push_back(char c) { append(std::string_view(&c, 1)); }
  std::string_view view() const noexcept {
    return heap_.empty() ? std::string_view(small_, size_) : std::string_view(heap_);
  }
  operator std::string_view() const noexcept { return view(); }
  std::string str() const { return std::string(view()); }

 private:
  char small_[160];
  std::size_t size_ = 0;
  std::string heap_;
};

// Move-only: `columns` may view `owned_columns`, and params may point into `owned`.
struct plan {
  plan() = default;
  plan(plan&&) noexcept = default;
  plan& operator=(plan&&) noexcept = default;
  plan(const plan&) = delete;
  plan& operator=(const plan&) = delete;

  plan_kind kind = plan_kind::find;
  std::string table{};
  std::span<const std::string> columns{};  // find: selected (the caller's); insert/upsert: written
  std::vector<std::string> owned_columns{};
  filter_node where{};
  std::vector<order_term> order_by{};
  // Bit i set: order_by[i]'s column is NOT NULL (from the table's description, when the
  // client knows it), so a dialect may leave the null order out and let an index serve
  // the order (PostgreSQL's default b-tree sorts null last ascending, tether first).
  std::uint32_t order_not_null = 0;
  bool not_null_order(std::size_t i) const noexcept { return i < 32 && (order_not_null >> i & 1u) != 0; }
  std::uint32_t limit = no_param;
  std::uint32_t offset = no_param;

  // insert and upsert: the caller's records, read in place. Params from rows_param on are
  // the cells, row-major (param(i) resolves them). The planner checks record 0; every
  // other record is checked as its cells are read (cell() throws tether::error naming it),
  // so one pass over the records both checks and binds them. An engine reads all the
  // rows of one statement before it runs it, and runs several statements in one unit
  // that a throw rolls back: a bad record leaves nothing written.
  std::size_t row_count = 0;
  std::uint32_t rows_param = 0;
  std::span<const value> rows{};
  std::vector<std::string> conflict_columns{};
  std::vector<std::string> conflict_update{};  // columns to overwrite on conflict
  bool has_conflict = false;
  bool want_ids = true;  // insert: fill inserted_ids
  conflict_action on_conflict = conflict_action::ignore;

  std::vector<assignment> set{};              // update
  std::vector<std::string> returning{};       // empty: none; "*": all
  std::vector<aggregate_term> aggregates{};   // count/aggregate
  std::vector<std::string> group_by{};
  filter_node having{};

  std::string raw_query{};                    // raw

  // Named placeholders (tether::param) of a prepared query: the param each fills, and the
  // operator it feeds, so that a bound value can be checked like a literal one.
  struct slot {
    std::string name;
    std::uint32_t param;
    compare op;
  };
  std::vector<slot> slots{};

  param_list params;

  // Where an engine found this plan's statement last time, so that a prepared query skips
  // the cache lookup. Engines check owner and generation before trusting entry.
  struct statement_hint {
    const void* owner = nullptr;
    std::uint64_t generation = 0;
    void* entry = nullptr;
  };
  mutable statement_hint hint{};
  std::forward_list<value> owned{};  // values the planner made; stable addresses
  shape_key shape{};

  const value* param(std::size_t i) const {
    if (row_count > 0 && i >= rows_param) {
      std::size_t k = i - rows_param;
      return &cell(k / columns.size(), k % columns.size());
    }
    return params[i];
  }

  // Row r's value of column c of an insert. Throws tether::error (usage) naming the record
  // when it is not an object with record 0's columns.
  const value& cell(std::size_t r, std::size_t c) const {
    const object* members = rows[r].if_object();
    if (members && members->size() == columns.size()) {
      const member& m = (*members)[c];
      const std::string& want = columns[c];
      if (same_name(m.first, want)) return m.second.is_scalar() ? m.second : checked_container(r, c, m.second);
    }
    return find_cell(r, c);
  }
  // Keys are short: an inline loop beats a call to memcmp once per cell of a bulk insert.
  static bool same_name(const std::string& a, const std::string& b) noexcept {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
      if (a[i] != b[i]) return false;
    return true;
  }
  // cell()'s slow path: a record whose keys are in another order, or a bad record.
  const value& find_cell(std::size_t r, std::size_t c) const;
  // An array or object cell is a JSON value within max_nesting_depth, unless it is a
  // tether::param placeholder: those have no value outside a prepared insert, which
  // replaces them before it runs.
  const value& checked_container(std::size_t r, std::size_t c, const value& v) const;

  // See operand_number; for a leaf of this plan.
  operand_number number_kind(const filter_node& n) const noexcept {
    if (n.first_param == no_param) return operand_number::integer_or_other;
    operand_number k = operand_number::integer_or_other;
    for (std::uint32_t i = 0; i < n.param_count; ++i) {
      const value& v = *params[n.first_param + i];
      if (v.kind() == value_kind::real) return operand_number::real;
      if (v.kind() == value_kind::decimal) k = operand_number::decimal;
      if (v.kind() == value_kind::integer && k == operand_number::integer_or_other) {
        constexpr std::int64_t exact_in_double = std::int64_t{1} << 53;
        std::int64_t x = v.as_int();
        if (x > exact_in_double || x < -exact_in_double) k = operand_number::big_integer;
      }
    }
    return k;
  }

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
