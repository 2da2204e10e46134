// A table's definition as tether records it (recorded_table.hpp).
#include "core/migrations/recorded_table.hpp"

#include <fmt/format.h>

#include "core/migrations/schema_ops.hpp"
#include "tether/error.hpp"

namespace tether::detail {

value recorded_definition(const engine::table_description& t) {
  array fields;
  for (const auto& f : t.columns) fields.push_back(field_to_value(f));  // its name first
  array key;
  for (const auto& k : t.primary_key) key.emplace_back(k);
  object out{{"fields", value(std::move(fields))}, {"primary_key", value(std::move(key))}};
  if (!t.indexes.empty()) {
    array indexes;
    for (const auto& i : t.indexes) indexes.push_back(index_to_value(i));
    out.emplace_back("indexes", value(std::move(indexes)));
  }
  if (!t.constraints.empty()) {
    array constraints;
    for (const auto& c : t.constraints) constraints.push_back(constraint_to_value(c));
    out.emplace_back("constraints", value(std::move(constraints)));
  }
  return value(std::move(out));
}

engine::table_description from_recorded(const std::string& name, const value& def) {
  engine::table_description t;
  t.name = name;
  try {
    for (const auto& f : def["fields"].as_array()) t.columns.push_back(parse_field(f["name"].as_string(), f));
    for (const auto& k : def["primary_key"].as_array()) t.primary_key.push_back(k.as_string());
    if (const value* indexes = def.find("indexes"))
      for (const auto& i : indexes->as_array()) t.indexes.push_back(parse_index(name, i));
    if (const value* constraints = def.find("constraints"))
      for (const auto& c : constraints->as_array()) t.constraints.push_back(parse_constraint(name, c));
  } catch (const error& e) {
    throw error(error_category::schema, fmt::format("tether's record of table \"{}\" is damaged: {}", name, e.what()));
  }
  return t;
}

}  // namespace tether::detail
