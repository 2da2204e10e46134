// Private: where an executor's calls go — the client's pool, or the one connection a
// transaction pins — and what every call shares: the kept plans, the tables' facts, the
// engine's capabilities. The public executor holds one of these (client.hpp).
#pragma once

#include <memory>
#include <string_view>
#include <vector>

#include "tether/client.hpp"
#include "tether/engine/engine.hpp"

namespace tether::detail {

class declared_relations;
class lease;
class plan_cache;
class table_facts;

class runner {
 public:
  virtual ~runner() = default;
  // Runs one plan into `out` on a connection; an error's message loses the plan's values
  // unless values_in_errors (client_options) asks for them.
  virtual void execute(const engine::plan& p, engine::execution& out) = 0;
  virtual std::vector<engine::execution> execute_batch(const std::vector<const engine::plan*>& plans) = 0;
  // A connection held beyond one call (streams, migrations): a fresh lease kept in `hold`,
  // or the transaction's own connection.
  virtual engine::connection& pin(std::unique_ptr<lease>& hold) = 0;
  virtual const engine::capabilities& capabilities() const noexcept = 0;
  virtual std::string_view engine_name() const noexcept = 0;
  virtual plan_cache& kept_plans() noexcept = 0;  // find() and count() plans by shape: the client's
  virtual table_facts& facts() noexcept = 0;     // column types, learnt once per table: the client's
  virtual declared_relations& relations() noexcept = 0;  // the schema file's, by name: the client's
  bool values_in_errors = false;
  // After a raw statement or a migration: the tables' columns may have changed, and the
  // kept plans carry what was known of them.
  void forget_tables();
};

inline runner& runner_of(executor& e) noexcept { return *e.runner_; }

}  // namespace tether::detail
