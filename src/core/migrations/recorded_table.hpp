// Private: a table's definition as tether records it on an engine that keeps none of its
// own (DynamoDB keeps only keys, MongoDB nothing): the fields with their portable
// definitions, the primary key and the indexes' names and fields. The engines store the
// JSON text of this value beside the data, and read it back for describe().
#pragma once

#include <string>

#include "tether/engine/schema.hpp"
#include "tether/value.hpp"

namespace tether::detail {

// {"fields": [{"name", …definition}], "primary_key": [names],
//  "indexes": [{"name", "fields", "unique" (when true)}], "constraints": [as in migrations]}
value recorded_definition(const engine::table_description& t);
// The table `name` from a recorded definition; throws tether::error (schema) naming the
// table when the record is not one.
engine::table_description from_recorded(const std::string& name, const value& definition);

}  // namespace tether::detail
