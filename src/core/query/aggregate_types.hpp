// Private: what each aggregate returns (docs/querying.md, "Aggregate results"), made the
// same on every engine. The client learns a table's column types once (table_facts),
// tells the engine each aggregate's input type (a boolean's min/max is bool_and/bool_or on
// PostgreSQL), and gives each result the documented kind: an engine's SUM may come back as
// a whole decimal, its MIN of a boolean as 0 or 1, its MIN of a date as text.
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "tether/engine/plan.hpp"
#include "tether/engine/schema.hpp"

namespace tether::detail {

// Tables' column types by name, read once through describe(). Thread-safe. Forgotten when
// this client changes a schema (a migration, a raw statement).
class table_facts {
 public:
  using description = std::shared_ptr<const engine::table_description>;
  template <class Describe>
  description get(const std::string& table, Describe&& describe) {
    {
      std::lock_guard lock(mutex_);
      if (auto it = tables_.find(table); it != tables_.end()) return it->second;
    }
    std::optional<engine::table_description> d = describe();
    description made = d ? std::make_shared<const engine::table_description>(std::move(*d)) : nullptr;
    std::lock_guard lock(mutex_);
    return tables_[table] = made;
  }
  void forget() {
    std::lock_guard lock(mutex_);
    tables_.clear();
  }

 private:
  std::mutex mutex_;
  std::unordered_map<std::string, description> tables_;
};

// The operand rules (engine::check_operand) for the plan's where and aggregates, by the
// table's declared column types.
void check_types(const engine::plan& p, const engine::table_description& t);

// Whether the plan has an aggregate whose result kind depends on its input's type.
bool needs_input_types(const engine::plan& p) noexcept;
// Sets each aggregate term's input type from the table's columns.
void annotate_inputs(engine::plan& p, const engine::table_description& t);
// Gives each aggregate column of `rows` its documented kind (the terms as annotated).
void type_results(records& rows, const std::vector<engine::aggregate_term>& terms, std::size_t group_columns);

}  // namespace tether::detail
