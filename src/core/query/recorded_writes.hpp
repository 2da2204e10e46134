// Private: what the SQL engines' databases do to a written row, done by tether for an
// engine that keeps no schema (DynamoDB, MongoDB) from the table tether recorded
// (recorded_table.hpp): ids drawn for an auto-increment field, defaults applied, required
// fields checked; and the value each update operator leaves, computed on the client.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string_view>
#include <vector>

#include "tether/engine/plan.hpp"
#include "tether/engine/schema.hpp"
#include "tether/value.hpp"

namespace tether::detail {

// Every field a plan names is one tether recorded for the table, as a SQL table's columns
// are: a misspelt field is a schema error naming it (details name `engine`, code
// UnknownField), not an empty result or a stray attribute.
void check_fields(const engine::plan& p, const engine::table_description& t, std::string_view engine);

// The plan's records (an insert's) as complete rows: each record's non-null cells (a null
// is stored as nothing, so a field's default applies to it as to a field left out), then
// every field of `t` it leaves out. The auto-increment field's ids come from `next_ids(n)`
// (the last of n fresh ids, asked once) for the records that leave it out or null; a
// default is its literal or the current moment, at `now_micros` precision (1000 on an
// engine that keeps milliseconds); a required field left without a value is a
// not_null_violation naming the record and the field (details name `engine`). Every
// record is read, and checked, before anything is written.
std::vector<object> complete_records(const engine::plan& p, const engine::table_description& t,
                                     const std::function<std::int64_t(std::int64_t)>& next_ids, std::string_view engine,
                                     std::int64_t now_micros = 1);

// `v` as a field declared `f` (null: one tether did not record) keeps it, as a SQL column
// keeps it: a number in a decimal field with a precision, rounded to its scale (half away
// from zero, as the servers round) and kept as a decimal; a text that is not one of an enum
// field's values refused (check_violation naming `field`; details name `engine`); an
// object or array in a field of another type refused (usage), as a SQL column refuses
// it. Any other value as it is.
value as_declared(const value& v, const engine::field_def* f, std::string_view field, std::string_view engine);

// The value update operator `op` (with `operand`, null for those without) leaves in a
// column that holds `old`, as the SQL engines compute it (docs/querying.md, "Update
// operators"): null counts as 0 for $inc, $dec and $mul, as "" for $concat, and takes the
// value for $min and $max; the array operators as engine::array_update. std::nullopt when
// the value stays as it is. Throws tether::error (query) naming `column` for an integer
// that overflows, (unsupported) for decimal arithmetic, which tether leaves to the database.
std::optional<value> updated_value(engine::update_op op, const value& old, const value* operand, std::string_view column);

}  // namespace tether::detail
