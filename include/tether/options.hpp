// tether/options.hpp — what each call takes and what it returns.
// Plain aggregates: fill them with designated initialisers,
//   db.find({.table = "users", .where = {{"age", {{"$gt", 18}}}}, .limit = 10});
// Options are read during the call only; nothing keeps a reference to them afterwards.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "tether/records.hpp"
#include "tether/value.hpp"

namespace tether {

// Records for a write: a braced list or a moved vector is owned; an lvalue vector is
// borrowed, not copied (options are read during the call only), so inserting a large
// vector you already hold costs no copy.
class value_list {
 public:
  value_list() noexcept = default;
  value_list(std::initializer_list<value> items) : owned_(items), view_(owned_) {}
  value_list(std::vector<value>&& items) noexcept : owned_(std::move(items)), view_(owned_) {}
  value_list(const std::vector<value>& items) noexcept : view_(items), borrowed_(true) {}
  value_list(std::span<const value> items) noexcept : view_(items), borrowed_(true) {}
  value_list(const value_list& o) : owned_(o.owned_), view_(o.borrowed_ ? o.view_ : owned_), borrowed_(o.borrowed_) {}
  value_list(value_list&& o) noexcept
      : owned_(std::move(o.owned_)), view_(o.borrowed_ ? o.view_ : owned_), borrowed_(o.borrowed_) {}
  value_list& operator=(value_list o) noexcept {
    owned_ = std::move(o.owned_);
    borrowed_ = o.borrowed_;
    view_ = borrowed_ ? o.view_ : std::span<const value>(owned_);
    return *this;
  }

  std::span<const value> view() const noexcept { return view_; }
  std::size_t size() const noexcept { return view_.size(); }
  bool empty() const noexcept { return view_.empty(); }
  const value& operator[](std::size_t i) const noexcept { return view_[i]; }
  auto begin() const noexcept { return view_.begin(); }
  auto end() const noexcept { return view_.end(); }

 private:
  std::vector<value> owned_;
  std::span<const value> view_;
  bool borrowed_ = false;
};

// A named placeholder for a prepared query: {"id": tether::param("id")}. It stands where a
// filter operand would, and run() supplies its value.
inline value param(std::string name) { return value(object{{"$param", value(std::move(name))}}); }

enum class direction { asc, desc };

struct order_term {
  std::string column{};
  direction dir = direction::asc;
  // "name", "name:asc" or "name:desc"; throws tether::error (usage) otherwise.
  static order_term parse(std::string_view text);
};

// A relation of a find's `include` (docs/querying.md, "Relations"): the related rows appear
// under `relation` in each result, read with record::related. Keys, as in Ductape:
// - many_to_one: `foreign_key` is the parent's column, `primary_key` the related table's
//   key it points at; the related row, or nothing.
// - one_to_many: `foreign_key` is the related table's column that points at the parent's
//   `primary_key`; a list.
// - many_to_many: `through` is the join table, `through_foreign_key` its column pointing at
//   the parent's `primary_key`, `through_related_key` its column pointing at the related
//   table's `foreign_key`; a list.
// where/order_by/limit apply per parent (the five newest lines of each order); `include`
// nests, up to include_options::max_depth levels. The join columns are always read, so
// a `select` gains them when it leaves them out.
// What a relation leaves out follows from the foreign keys introspection finds: `table`
// from the relation's name (a table of that name, or the parent's foreign key <name>_id),
// `type` from which side holds the key, and the keys from the key itself; so
// {"customer": {}} and {"lines": {"limit": 5}} are enough where the keys are declared.
enum class relation_type { many_to_one, one_to_many, many_to_many };

struct include_options {
  std::string relation{};
  // Unset: from the foreign key between the tables, else many_to_one when both keys are given.
  std::optional<relation_type> type{};
  std::string table{};
  std::string foreign_key{};
  std::string primary_key{};
  std::string through{};
  std::string through_foreign_key{};
  std::string through_related_key{};
  std::vector<std::string> select{};
  value where{};
  std::vector<order_term> order_by{};
  std::optional<std::int64_t> limit{};
  std::vector<include_options> include{};

  static constexpr int max_depth = 8;
  // The JSON form: a list of relations ({"relation", "type", "table", …, "order_by":
  // "a:desc,b" or [{"column", "order"}], "include": […]}), or an object keyed by relation
  // name. Throws tether::error (usage) naming what is wrong.
  static std::vector<include_options> parse(const value& v);
};

struct find_options {
  std::string table{};
  std::vector<std::string> select{};  // empty: every column
  value where{};                      // null or {}: every row
  std::vector<order_term> order_by{};
  std::optional<std::int64_t> limit{};
  std::optional<std::int64_t> offset{};
  // Paging by key (docs/api.md, "Paging"): set (to "" for the first page, then to the last
  // result's `next`) and the find is ordered by order_by and then the primary key, and
  // returns the rows after the token's.
  std::optional<std::string> after{};
  // Related rows read with the parents: one query per relation level, never one per parent.
  std::vector<include_options> include{};
};

struct find_result {
  tether::records records{};
  std::int64_t count = 0;  // rows returned
  // With `after` and a limit: the token of the next page; "" when no rows are left.
  std::string next{};
  std::string to_json() const;
};

enum class conflict_action { ignore, update };

struct on_conflict {
  std::vector<std::string> columns{};  // the unique key that conflicts
  conflict_action action = conflict_action::ignore;
  std::vector<std::string> update{};   // with update: columns to take from the new row; empty: all others
};

struct insert_options {
  std::string table{};
  value_list records{};  // each an object with the same keys; keys become columns
  std::vector<std::string> returning{};  // empty: none; {"*"}: every column
  std::optional<tether::on_conflict> on_conflict{};
  // false: no inserted_ids, which lets an engine take its fastest bulk path (PostgreSQL:
  // COPY) when nothing else is to be returned either.
  bool return_ids = true;
};

struct insert_result {
  tether::records records{};  // when `returning` was asked for
  std::int64_t count = 0;   // rows inserted (rows skipped by on_conflict ignore are not counted)
  std::vector<value> inserted_ids{};  // primary key of each inserted row, in order
  std::string to_json() const;
};

struct update_options {
  std::string table{};
  value data{};    // plain values and update operators: {"name": "x", "$inc": {"visits": 1}}
  value where{};   // must not be empty unless all_rows is set
  std::vector<std::string> returning{};
  bool all_rows = false;  // the explicit consent to update every row
};

struct update_result {
  std::int64_t count = 0;
  tether::records records{};
  std::string to_json() const;
};

struct remove_options {
  std::string table{};
  value where{};
  std::vector<std::string> returning{};
  bool all_rows = false;  // the explicit consent to delete every row
};

struct remove_result {
  std::int64_t count = 0;
  tether::records records{};  // when `returning` was asked for
  std::string to_json() const;
};

struct upsert_options {
  std::string table{};
  value data{};                              // one record
  std::vector<std::string> conflict_keys{};  // a unique key of the table
  std::vector<std::string> update_columns{}; // empty: every data column that is not a key
};

enum class upsert_operation { inserted, updated };

struct upsert_result {
  tether::records records{};  // the row as stored
  std::int64_t count = 0;
  upsert_operation operation = upsert_operation::inserted;
  std::string to_json() const;
};

struct count_options {
  std::string table{};
  std::string column{};  // empty: rows; otherwise non-null values of the column
  value where{};
  bool distinct = false;
};

struct column_options {  // sum, avg, min, max
  std::string table{};
  std::string column{};
  value where{};
};

struct aggregate_options {
  std::string table{};
  // {"alias": {"$fn": "column"}}; $count takes "*" or a column; $stringAgg takes a column
  // or {"column": c, "separator": s}.
  value operations{};
  value where{};
  std::vector<std::string> group_by{};
  value having{};  // a filter over aliases and group_by columns
  std::vector<order_term> order_by{};  // over aliases and group_by columns
  std::optional<std::int64_t> limit{};
  std::optional<std::int64_t> offset{};
};

struct raw_options {
  std::string query{};          // the engine's own language; placeholders as the engine writes them
  std::vector<value> params{};
};

struct field_info {
  std::string name{};
  std::string type{};  // as the engine declares it; empty where unknown
};

struct raw_result {
  tether::records records{};
  std::vector<field_info> fields{};
  std::int64_t count = 0;  // rows returned, or rows changed by a statement that returns none
  std::string to_json() const;
};

enum class isolation { read_uncommitted, read_committed, repeatable_read, serializable };

struct transaction_options {
  std::optional<tether::isolation> isolation{};
  bool read_only = false;
  bool deferrable = false;  // PostgreSQL's SERIALIZABLE READ ONLY DEFERRABLE
};

}  // namespace tether
