// The MySQL/MariaDB test binary: the conformance suite plus the engine's own tests,
// against the real server that scripts/mariadb-test-server starts (its URL in
// TETHER_MYSQL_URL). Tests share one database; each gets tables of its own.
#include <gtest/gtest.h>

#include <cstdlib>
#include <iostream>

#include "conformance.hpp"

namespace tether::conformance {

namespace {
// --emulate-returning runs everything again as on a server without RETURNING (MySQL, or
// MariaDB before 10.5), through the exact emulation.
bool emulate_returning = false;

}  // namespace

const engine_profile& profile() {
  static const engine_profile p{
      "mysql",
      [] {
        const char* url = std::getenv("TETHER_MYSQL_URL");
        std::string u = url ? url : "";
        if (emulate_returning) u += (u.find('?') == std::string::npos ? "?" : "&") + std::string("returning=emulate");
        return u;
      },
      "`",
  };
  static const bool extended = [] {
    auto& q = const_cast<engine_profile&>(p);
    q.create_database = sql_database_url;
    q.drop_database = drop_sql_database;
    q.hold_migration_lock = [](tether::client& other, const std::string&) -> std::shared_ptr<void> {
      // Tests in parallel take the same lock: wait for it.
      auto got = other.raw({.query = "SELECT GET_LOCK('tether_migrations', 30) AS got"});
      if (got.records.front().get<std::int64_t>("got") != 1) throw std::runtime_error("GET_LOCK timed out");
      return nullptr;
    };
    q.literal_sessions = {
        {"ordinary", "", "", true},
        {"SET NAMES gbk", "", "SET NAMES gbk", true, "gbk"},
        {"SET NAMES sjis", "", "SET NAMES sjis", true, "sjis"},
        {"SET NAMES big5", "", "SET NAMES big5", true, "big5"},
        {"NO_BACKSLASH_ESCAPES", "", "SET SESSION sql_mode = CONCAT(@@sql_mode, ',NO_BACKSLASH_ESCAPES')", false},
    };
    // The general log, as a table; left on for the rest of the throwaway server's life,
    // so that tests running at the same time never turn it off under each other.
    q.start_statement_log = [](tether::client& c) {
      c.raw({.query = "SET GLOBAL log_output = 'TABLE', general_log = 'ON'"});
    };
    q.logged_statements = [](tether::client& c, const std::string& marker) {
      auto r = c.raw({.query = "SELECT CONVERT(argument USING utf8mb4) AS a FROM mysql.general_log "
                               "WHERE command_type IN ('Query', 'Execute') AND argument LIKE ? "
                               "AND argument NOT LIKE '%general_log%'",
                      .params = {"%" + marker + "%"}});
      std::vector<std::string> out;
      for (auto row : r.records)
        if (!row.is_null("a")) out.push_back(row.get<std::string>("a"));
      return out;
    };
    q.kill_session = [](tether::executor& victim, tether::client& other) {
      auto id = victim.raw({.query = "SELECT CONNECTION_ID() AS id"}).records[0].get<std::int64_t>("id");
      other.raw({.query = "KILL CONNECTION " + std::to_string(id)});  // KILL takes no parameter
    };
    return true;
  }();
  (void)extended;
  return p;
}

}  // namespace tether::conformance

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  for (int i = 1; i < argc; ++i)
    if (std::string_view(argv[i]) == "--emulate-returning") tether::conformance::emulate_returning = true;
  if (!std::getenv("TETHER_MYSQL_URL") && !::testing::GTEST_FLAG(list_tests)) {
    // Only when run by hand: `make test` and CI always start the server and set the URL.
    std::cerr << "TETHER_MYSQL_URL is not set: start a server with scripts/mariadb-test-server start\n";
    return 1;
  }
  return RUN_ALL_TESTS();
}
