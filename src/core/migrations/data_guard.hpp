// Private: what a schema step does to the data that is there, measured by the database
// (counts and aggregates through the client's ordinary calls; no row is read to count).
// A plan is walked step by step: each step is measured on the live table and field it
// concerns, found through the renames the earlier steps made; a table or field the plan
// itself makes holds nothing yet.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "tether/engine/schema.hpp"
#include "tether/schema_workflow.hpp"

namespace tether {
class client;
}

namespace tether::detail {

class data_guard {
 public:
  explicit data_guard(client& db) : db_(db) {}
  // What `op` would do; `before` is its table as the earlier steps leave it (null: none).
  std::optional<data_finding> measure(const engine::schema_op& op, const engine::table_description* before);
  // Follows `op`'s renames and creations, for the steps after it.
  void after(const engine::schema_op& op);
  std::vector<std::string> notes{};  // what could not be measured, and why

 private:
  // The live name of a table or field, or nothing when the plan made it (it is empty).
  std::optional<std::string> live_table(const std::string& table) const;
  std::optional<std::string> live_field(const std::string& table, const std::string& field) const;
  std::optional<data_finding> duplicates(const std::string& label, const std::string& table,
                                         const std::vector<std::string>& fields);
  std::optional<data_finding> orphans(const std::string& label, const std::string& table, const engine::constraint_def& c);
  client& db_;
  std::map<std::string, std::optional<std::string>> tables_;  // plan name → live name (nullopt: made by the plan)
  std::map<std::pair<std::string, std::string>, std::optional<std::string>> fields_;
};

// 1203 → "1,203".
std::string grouped(std::int64_t n);

}  // namespace tether::detail
