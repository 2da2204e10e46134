// The PostgreSQL test binary: the conformance suite plus PostgreSQL's own tests, against
// the real server that scripts/postgres-test-server starts (its URL in TETHER_PG_URL).
// Tests share one database; each gets tables of its own.
#include <gtest/gtest.h>

#include <cstdlib>
#include <iostream>

#include "conformance.hpp"

namespace tether::conformance {

namespace {
std::string postgresql_type(std::string_view kind) {
  static const std::pair<const char*, const char*> map[] = {
      {"pk", "BIGSERIAL PRIMARY KEY"}, {"int", "BIGINT"},         {"text", "TEXT"},
      {"real", "DOUBLE PRECISION"},   {"bool", "BOOLEAN"},        {"json", "JSONB"},
      {"decimal", "NUMERIC"},         {"timestamp", "TIMESTAMPTZ"}, {"date", "DATE"},
      {"time", "TIME"},               {"uuid", "UUID"},           {"bytes", "BYTEA"}};
  for (const auto& [k, v] : map)
    if (kind == k) return v;
  throw std::invalid_argument("no PostgreSQL type for " + std::string(kind));
}
}  // namespace

const engine_profile& profile() {
  static const engine_profile p{
      "postgresql",
      [] {
        const char* url = std::getenv("TETHER_PG_URL");
        return std::string(url ? url : "");
      },
      [](const std::string& table, const columns& cols) { return create_table_sql(table, cols, postgresql_type); },
      [](const std::string& table) { return "DROP TABLE IF EXISTS \"" + table + "\""; },
  };
  return p;
}

}  // namespace tether::conformance

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  if (!std::getenv("TETHER_PG_URL") && !::testing::GTEST_FLAG(list_tests)) {
    // Only when run by hand: `make test` and CI always start the server and set the URL.
    std::cerr << "TETHER_PG_URL is not set: start a server with scripts/postgres-test-server start\n";
    return 1;
  }
  return RUN_ALL_TESTS();
}
