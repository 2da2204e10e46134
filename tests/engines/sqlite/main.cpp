// The SQLite test binary: the conformance suite plus SQLite's own tests.
// Each test gets a fresh database file under $TMPDIR (or the URL in TETHER_SQLITE_URL).
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>

#include "conformance.hpp"

namespace tether::conformance {

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
  };
  static const bool extended = [] {
    auto& q = const_cast<engine_profile&>(p);
    // SQLite's migration lock is its write lock: a write transaction holds it.
    q.hold_migration_lock = [](tether::client& other, const std::string& scratch) -> std::shared_ptr<void> {
      auto writer = std::make_shared<transaction>(other.begin());
      writer->insert({.table = scratch, .records = {{{"id", 1}}}});
      return std::shared_ptr<void>(writer.get(), [writer](void*) { writer->rollback(); });
    };
    return true;
  }();
  (void)extended;
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
