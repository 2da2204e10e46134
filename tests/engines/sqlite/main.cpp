// The SQLite test binary: the conformance suite plus SQLite's own tests.
// Each test gets a fresh database file under $TMPDIR (or the URL in TETHER_SQLITE_URL).
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>

#include "conformance.hpp"

namespace tether::conformance {

namespace {
std::string sqlite_type(std::string_view kind) {
  static const std::pair<const char*, const char*> map[] = {
      {"pk", "INTEGER PRIMARY KEY"}, {"int", "INTEGER"},   {"text", "TEXT"},
      {"real", "REAL"},              {"bool", "BOOLEAN"},  {"json", "JSON"},
      {"decimal", "DECIMAL_TEXT"},   {"timestamp", "TIMESTAMP"}, {"date", "DATE"},
      {"time", "TIME"},              {"uuid", "UUID"},     {"bytes", "BLOB"}};
  for (const auto& [k, v] : map)
    if (kind == k) return v;
  throw std::invalid_argument("no SQLite type for " + std::string(kind));
}
}  // namespace

const engine_profile& profile() {
  static const engine_profile p{
      "sqlite",
      [] {
        if (const char* u = std::getenv("TETHER_SQLITE_URL")) return std::string(u);
        static std::atomic<int> n{0};
        auto dir = std::filesystem::temp_directory_path() / ("tether-sqlite-" + std::to_string(getpid()));
        std::filesystem::create_directories(dir);
        return "sqlite://" + (dir / ("t" + std::to_string(++n) + ".db")).string();
      },
      [](const std::string& table, const columns& cols) { return create_table_sql(table, cols, sqlite_type); },
      [](const std::string& table) { return "DROP TABLE IF EXISTS \"" + table + "\""; },
  };
  return p;
}

}  // namespace tether::conformance

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  int rc = RUN_ALL_TESTS();
  std::error_code ec;
  std::filesystem::remove_all(
      std::filesystem::temp_directory_path() / ("tether-sqlite-" + std::to_string(getpid())), ec);
  return rc;
}
