// Private: a schema file parsed into the engine's portable terms, with the renames it
// declares. The diff (schema_diff.hpp) works on these.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "tether/engine/schema.hpp"
#include "tether/options.hpp"
#include "tether/value.hpp"

namespace tether::detail {

struct declared_table {
  engine::table_description table{};
  std::string renamed_from{};
  std::vector<std::string> field_renamed_from{};  // one per column; empty: not renamed
  std::vector<include_options> relations{};        // "relations", completed (relations/declared.hpp)
};

struct declared_schema {
  std::vector<declared_table> tables{};
  const declared_table* find(std::string_view name) const;
};

// Validates a schema document (tether::error (usage) naming the table, field and key).
declared_schema declared(const value& doc);
// The canonical document of a schema.
value to_document(const declared_schema& s);

}  // namespace tether::detail
