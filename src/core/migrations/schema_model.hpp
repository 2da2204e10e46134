// Private: tables as schema operations leave them, without running them. A dry run reads
// each table through a model, so that a step sees what the earlier pending steps would
// have made (a table created two steps before); and an interrupted migration asks whether
// the step it was running took effect, by comparing the database with what the step does.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "tether/engine/engine.hpp"

namespace tether::detail {

class schema_model {
 public:
  schema_model() = default;
  // closed: the model is the whole schema (replayed migration files); a table it has not
  // made is absent, whatever the database holds.
  explicit schema_model(bool closed) : closed_(closed) {}
  // The table as the steps simulated so far leave it, else as the database (read through
  // `c`, any connection to it) has it.
  std::optional<engine::table_description> describe(const std::string& table, engine::introspection& c);
  // What `op` does to the model. A raw step changes nothing the model can know.
  void apply(const engine::schema_op& op, engine::introspection& c);

 private:
  std::map<std::string, std::optional<engine::table_description>> tables_;  // nullopt: dropped
  bool closed_ = false;

 public:
  // Every table the model holds, by name.
  std::vector<engine::table_description> tables() const;
};

enum class step_effect { done, not_done, unknown };

// Whether `op` has taken effect in the database as it is now, read by introspection (a
// raw step: unknown). `why` says what was found ("index big_v_idx: present in the database").
step_effect effect_of(const engine::schema_op& op, engine::introspection& c, std::string& why);

}  // namespace tether::detail
