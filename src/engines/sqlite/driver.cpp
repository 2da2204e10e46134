// The SQLite driver: URL rules, capabilities, connections.
#include "tether/engines/sqlite.hpp"

#include "connection.hpp"

namespace tether::detail::sqlite {
namespace {

class driver final : public engine::driver {
 public:
  std::string_view name() const noexcept override { return "sqlite"; }
  std::vector<std::string> schemes() const override { return {"sqlite"}; }
  const engine::capabilities& capabilities() const noexcept override {
    static const engine::capabilities caps = [] {
      engine::capabilities c;
      c.engine = "sqlite";
      c.transactions = c.savepoints = c.transaction_reads_own_writes = c.returning = c.upsert = c.aggregates =
          c.json_arrays = c.raw_queries = c.read_only_transactions = c.partial_indexes = c.transactional_ddl =
          c.check_constraints = c.any_double = c.unique_fields = c.prepared_statements = c.foreign_keys = c.table_renames = true;
      c.isolation_levels = {isolation::read_uncommitted, isolation::read_committed,
                            isolation::repeatable_read, isolation::serializable};
      return c;
    }();
    return caps;
  }
  void validate_url(std::string_view url) const override { (void)parse_url(url); }
  std::unique_ptr<engine::connection> connect(std::string_view url) override {
    return std::make_unique<connection>(parse_url(url));
  }
  std::size_t max_pool_size(std::string_view url) const override {
    // Each connection to :memory: is a database of its own.
    return parse_url(url).path == ":memory:" ? 1 : 1024;
  }
};

}  // namespace
}  // namespace tether::detail::sqlite

namespace tether::sqlite {

std::shared_ptr<engine::driver> make_driver() {
  return std::make_shared<detail::sqlite::driver>();
}

}  // namespace tether::sqlite
