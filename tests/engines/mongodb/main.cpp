// The MongoDB test binary: the conformance suite plus MongoDB's own tests, against the
// CongoDB that scripts/mongodb-test-server starts, or the mongod TETHER_MONGODB_URL names.
// Every test makes collections of its own, so tests may run in parallel against one server.
// What CongoDB lacks (unique indexes enforced, transactions isolated) the tests find by
// trying it once and skip with the reason printed.
#include <gtest/gtest.h>

#include <cstdlib>

#include <bson/bson.h>

#include "conformance.hpp"
#include "engines/mongodb/connection.hpp"
#include "tether/engines/mongodb.hpp"

namespace tether::conformance {
namespace {

// The URL with its path (the database) replaced by `name`.
std::string with_database(const std::string& url, const std::string& name) {
  const std::size_t scheme = url.find("://");
  const std::size_t slash = url.find('/', scheme == std::string::npos ? 0 : scheme + 3);
  const std::size_t query = url.find('?');
  std::string out = url.substr(0, slash == std::string::npos ? std::min(query, url.size()) : slash);
  out += "/" + name;
  if (query != std::string::npos) out += url.substr(query);
  return out;
}

}  // namespace

const engine_profile& profile() {
  static const engine_profile p{
      "mongodb",
      [] {
        const char* url = std::getenv("TETHER_MONGODB_URL");
        return std::string(url ? url : "");
      },
  };
  static const bool extended = [] {
    auto& q = const_cast<engine_profile&>(p);
    // Another environment on the same server: another database, made by its first write.
    q.create_database = [](tether::client&, const std::string& name) { return with_database(p.url(), name); };
    q.drop_database = [](tether::client&, const std::string& name) {
      auto c = tether::mongodb::make_driver()->connect(with_database(p.url(), name));
      bson_t* drop = BCON_NEW("dropDatabase", BCON_INT32(1));
      dynamic_cast<detail::mongodb::connection&>(*c).command(*drop);
      bson_destroy(drop);
    };
    // Raw queries are commands, their values {"$param": N}.
    q.raw_is_sql = false;
    q.raw_select = [](const std::string& table, const std::string& column, const std::string& key) {
      return R"({"find": ")" + table + R"(", "filter": {")" + key + R"(": {"$param": 1}}, "projection": {"_id": 0, ")" +
             column + R"(": 1}})";
    };
    // The lock is a document: another connection of the engine's own takes it, and gives
    // it back when the handle goes.
    q.hold_migration_lock =
        lock_from_another_connection([] { return std::shared_ptr(tether::mongodb::make_driver()->connect(p.url())); });
    return true;
  }();
  (void)extended;
  return p;
}

}  // namespace tether::conformance

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  if (!tether::conformance::server_given("TETHER_MONGODB_URL",
                                         "run the suite with scripts/run-tests (or make test), which starts CongoDB"))
    return 1;
  return RUN_ALL_TESTS();
}
