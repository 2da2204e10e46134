// The MySQL and MariaDB driver: URL rules, capabilities, connections.
#include "tether/engines/mysql.hpp"

#include <mutex>

#include "core/workspace/url.hpp"
#include "connection.hpp"

namespace tether::detail::mysql {
namespace {

class driver final : public engine::driver {
 public:
  driver() {
    // Connector/C's global set-up is not thread-safe; do it once, before any thread connects.
    static std::once_flag once;
    std::call_once(once, [] { mysql_library_init(0, nullptr, nullptr); });
  }
  std::string_view name() const noexcept override { return "mysql"; }
  std::vector<std::string> schemes() const override { return {"mysql", "mariadb"}; }
  const engine::capabilities& capabilities() const noexcept override {
    static const engine::capabilities caps = [] {
      engine::capabilities c;
      c.engine = "mysql";
      c.transactions = c.savepoints = c.transaction_reads_own_writes = c.returning = c.upsert = c.aggregates = c.json_arrays =
          c.raw_queries = c.read_only_transactions = c.check_constraints = c.any_double = c.field_comments = true;
      c.unique_fields = c.prepared_statements = c.foreign_keys = c.table_renames = true;
      c.deferrable_transactions = false;
      c.isolation_levels = {isolation::read_uncommitted, isolation::read_committed, isolation::repeatable_read,
                            isolation::serializable};
      return c;
    }();
    return caps;
  }
  void validate_url(std::string_view url) const override { parse_url(url); }
  std::unique_ptr<engine::connection> connect(std::string_view url) override {
    mysql_thread_init();  // per thread; Connector/C frees it at thread exit
    return std::make_unique<connection>(parse_url(url), mask_url(url));
  }
};

}  // namespace
}  // namespace tether::detail::mysql

namespace tether::mysql {

std::shared_ptr<engine::driver> make_driver() { return std::make_shared<detail::mysql::driver>(); }

}  // namespace tether::mysql
