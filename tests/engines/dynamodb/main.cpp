// The DynamoDB test binary: the conformance suite plus DynamoDB's own tests, against the
// dynalite that scripts/dynamodb-test-server starts (TETHER_DYNAMODB_URL). Every test
// makes tables of its own, so tests may run in parallel against one server.
#include <gtest/gtest.h>

#include <cstdlib>

#include "conformance.hpp"
#include "tether/engines/dynamodb.hpp"

namespace tether::conformance {

const engine_profile& profile() {
  static const engine_profile p{
      "dynamodb",
      [] {
        const char* url = std::getenv("TETHER_DYNAMODB_URL");
        return std::string(url ? url : "");
      },
  };
  static const bool extended = [] {
    auto& q = const_cast<engine_profile&>(p);
    // Another environment on the same server: the same URL with a table prefix of its own.
    q.create_database = [](tether::client&, const std::string& name) {
      const std::string url = p.url();
      return url + (url.find('?') == std::string::npos ? "?" : "&") + "table_prefix=" + name + "_";
    };
    q.drop_database = [](tether::client&, const std::string& name) {
      const std::string url = p.url() + (p.url().find('?') == std::string::npos ? "?" : "&") + "table_prefix=" + name + "_";
      auto c = tether::dynamodb::make_driver()->connect(url);
      for (const auto& t : c->introspection_part()->list_tables()) {
        engine::schema_op drop{.kind = engine::schema_op_kind::drop_collection, .table = t};
        drop.if_exists = true;
        c->schema_part()->apply(drop, nullptr, false);
      }
    };
    // The lock is an item: another connection of the engine's own takes it, and gives it
    // back when the handle goes.
    q.hold_migration_lock =
        lock_from_another_connection([] { return std::shared_ptr(tether::dynamodb::make_driver()->connect(p.url())); });
    return true;
  }();
  (void)extended;
  return p;
}

}  // namespace tether::conformance

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  if (!tether::conformance::server_given("TETHER_DYNAMODB_URL",
                                         "run the suite with scripts/run-tests (or make test), which starts dynalite"))
    return 1;
  return RUN_ALL_TESTS();
}
