// The PostgreSQL driver: URL rules, capabilities, connections.
#include "tether/engines/postgresql.hpp"

#include "connection.hpp"

namespace tether::detail::postgresql {
namespace {

class driver final : public engine::driver {
 public:
  std::string_view name() const noexcept override { return "postgresql"; }
  std::vector<std::string> schemes() const override { return {"postgresql", "postgres"}; }
  const engine::capabilities& capabilities() const noexcept override {
    static const engine::capabilities caps = [] {
      engine::capabilities c;
      c.engine = "postgresql";
      c.transactions = c.savepoints = c.transaction_reads_own_writes = c.returning = c.upsert = c.aggregates = c.json_arrays =
          c.raw_queries = c.read_only_transactions = c.deferrable_transactions = c.partial_indexes =
          c.transactional_ddl = c.check_constraints = c.any_double = c.field_comments = c.unique_fields =
          c.table_renames = c.prepared_statements = c.foreign_keys = true;
      c.isolation_levels = {isolation::read_uncommitted, isolation::read_committed, isolation::repeatable_read,
                            isolation::serializable};
      return c;
    }();
    return caps;
  }
  void validate_url(std::string_view url) const override { postgresql::validate_url(url); }
  std::unique_ptr<engine::connection> connect(std::string_view url) override {
    return std::make_unique<connection>(url);
  }
};

}  // namespace
}  // namespace tether::detail::postgresql

namespace tether::postgresql {

std::shared_ptr<engine::driver> make_driver() { return std::make_shared<detail::postgresql::driver>(); }

}  // namespace tether::postgresql
