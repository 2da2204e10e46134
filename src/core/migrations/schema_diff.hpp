// Private: the operations that take the tables as they are to the tables a schema file
// declares, and the semantic equality that decides what differs (a type spelled the way
// the engine reads it back is the same type).
#pragma once

#include <string>
#include <vector>

#include "core/migrations/declared_schema.hpp"
#include "tether/engine/capabilities.hpp"
#include "tether/engine/schema.hpp"

namespace tether::detail {

// Whether two definitions of a field mean the same to the engine with `caps`: a string
// without a length is string(255); binary and blob, datetime and timestamp, array and
// json are each one type as the engines read them back; a comment counts only where the
// engine keeps comments.
bool same_field(const engine::field_def& a, const engine::field_def& b, const engine::capabilities& caps);
bool same_index(const engine::index_def& a, const engine::index_def& b);
bool same_constraint(const engine::constraint_def& a, const engine::constraint_def& b);

// The steps from `current` to `desired`, in an order every engine can run: foreign keys
// and indexes that go are dropped first, then tables (those that reference others
// first), then renames, new tables, field changes, new indexes, and last the foreign
// keys, so a referenced table always exists before its reference. Renames come only from
// "renamed_from". Throws tether::error (unsupported) for what no step can say (a changed
// primary key), naming the table.
std::vector<engine::schema_op> diff(const std::vector<engine::table_description>& current, const declared_schema& desired,
                                    const engine::capabilities& caps);

// The file a database's tables make (the reverse of diff): what `pull` writes.
declared_schema from_tables(const std::vector<engine::table_description>& tables);

}  // namespace tether::detail
