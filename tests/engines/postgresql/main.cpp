// The PostgreSQL test binary: the conformance suite plus PostgreSQL's own tests, against
// the real server that scripts/postgres-test-server starts (its URL in TETHER_PG_URL).
// Tests share one database; each gets tables of its own.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <iostream>

#include "conformance.hpp"

namespace tether::conformance {

const engine_profile& profile() {
  static const engine_profile p{
      "postgresql",
      [] {
        const char* url = std::getenv("TETHER_PG_URL");
        return std::string(url ? url : "");
      },
  };
  static const bool extended = [] {
    auto& q = const_cast<engine_profile&>(p);
    q.literal_sessions = {
        {"ordinary", "", "", false},
        {"standard_conforming_strings off by URL", "options=-c%20standard_conforming_strings%3Doff", "", true},
        {"SET standard_conforming_strings = off", "", "SET standard_conforming_strings = off", true},
    };
    // log_statement is a superuser's setting; the test server's user is one.
    q.placeholder = "$1";
    q.create_database = sql_database_url;
    q.drop_database = drop_sql_database;
    q.hold_migration_lock = [](tether::client& other, const std::string&) -> std::shared_ptr<void> {
      other.raw({.query = "SELECT pg_advisory_lock(7489559315765489005)"});  // held until other ends
      return nullptr;
    };
    q.start_statement_log = [](tether::client& c) { c.raw({.query = "SET log_statement = 'all'"}); };
    q.logged_statements = [](tether::client&, const std::string& marker) {
      // scripts/postgres-test-server logs to <dir>/server.log; an entry starts with its
      // timestamp, and a statement's further lines follow it.
      const char* dir = std::getenv("TETHER_PG_SOCKET_DIR");
      std::ifstream log(std::string(dir ? dir : "/tmp/tether-pg-test") + "/server.log");
      std::vector<std::string> entries, out;
      for (std::string line; std::getline(log, line);) {
        if (line.size() > 4 && std::isdigit(static_cast<unsigned char>(line[0])) && line[4] == '-') entries.push_back(line);
        else if (!entries.empty()) entries.back() += "\n" + line;
      }
      for (const auto& e : entries) {
        // The statements it ran ("statement: …", "execute <name>: …"); a DETAIL line lists
        // bound parameters, which may hold anything.
        auto at = e.find("LOG:  statement: ");
        if (at == std::string::npos) at = e.find("LOG:  execute ");
        if (at != std::string::npos && e.find(marker, at) != std::string::npos) out.push_back(e.substr(at));
      }
      return out;
    };
    q.kill_session = [](tether::executor& victim, tether::client& other) {
      auto pid = victim.raw({.query = "SELECT pg_backend_pid() AS pid"}).records[0].get<std::int64_t>("pid");
      other.raw({.query = "SELECT pg_terminate_backend($1::int)", .params = {pid}});
    };
    return true;
  }();
  (void)extended;
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
