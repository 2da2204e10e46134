// Private: the JSON form of schema operations ↔ engine::schema_op, and each operation's
// inverse. Parsing validates everything (names, types, options) before any I/O.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "tether/engine/capabilities.hpp"
#include "tether/engine/schema.hpp"
#include "tether/value.hpp"

namespace tether::detail {

// A field from its definition: a type name ("integer") or an object
// {type, required|nullable, unique, primary_key, auto_increment, default, length,
//  precision, scale, enum_values, comment}. Throws tether::error (usage) naming the field.
engine::field_def parse_field(std::string name, const value& def);
value field_to_value(const engine::field_def& f);  // the object form, defaults left out

// An index {name, fields, unique, where} or a constraint {name, type, columns, references,
// check | expression} on `table`, and back; a missing name is the default one.
engine::index_def parse_index(const std::string& table, const value& def);
value index_to_value(const engine::index_def& i);
engine::constraint_def parse_constraint(const std::string& table, const value& def);
value constraint_to_value(const engine::constraint_def& c);

engine::schema_op parse_op(const value& op);
value op_to_value(const engine::schema_op& op);

// Refuses (unsupported, naming the engine and the feature) an operation that needs what
// the engine lacks: a partial index, a check constraint, a unique field or index, a
// foreign key.
void require_features(const engine::schema_op& op, const engine::capabilities& caps);

// Whether the inverse needs the table as it is before the operation runs.
bool inverse_needs_state(const engine::schema_op& op);
// The operations that undo `op`, and what they cannot restore (notes). `before` is the
// table before `op` (required when inverse_needs_state). Throws tether::error (schema)
// when the field, index or constraint it drops does not exist.
std::vector<engine::schema_op> inverse(const engine::schema_op& op, const engine::table_description* before,
                                       std::vector<std::string>& notes);

// The name an index gets when none is given: <table>_<fields…>_idx (or _key when unique).
std::string default_index_name(const std::string& table, const std::vector<std::string>& fields, bool unique);

value describe_to_value(const engine::table_description& t);

// Tags: YYYYMMDD_HHMMSS_name at a given second, and the second a tag names.
std::string tag_at(std::chrono::sys_seconds when, std::string_view name);
std::optional<std::chrono::sys_seconds> tag_time(std::string_view tag);
// `tag`, or the same name at the second after `newest` when it would not sort after it:
// tags sort in the order the migrations were made, also for several in one second.
std::string tag_after(const std::string& tag, std::string_view newest);

}  // namespace tether::detail
