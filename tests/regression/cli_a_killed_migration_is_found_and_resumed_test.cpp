// Regression: a MariaDB migration whose `tether migrate` was killed (kill -9) during step 3
// of 4 was reported as applied ("2 of 2 applied", exit 0), `migrate` said "nothing to
// apply" and never ran step 4, `migrate down` left step 3 in place, and a failed record was
// counted as completed. Now the journal is written before each step with that step's
// inverse; `status` says where the migration stopped and what the database shows, and
// exits 6; `migrate` goes on from the first step that did not take effect; `migrate down`
// undoes exactly the steps that did. Where DDL is transactional (PostgreSQL, SQLite) a kill
// leaves no trace. Each test kills a real `tether migrate` process during each step.
#include <tether/tether.hpp>

#include <chrono>
#include <thread>

#include "cli_fixture.hpp"

namespace {

using namespace tether_cli_test;
using namespace std::chrono_literals;

constexpr const char* tag = "20260101_000000_big";
constexpr int rows = 300'000;

struct target_db {
  std::string type, url, admin_url, name;  // admin_url: where the database is made and dropped
};

class killed_migration : public cli {
 protected:
  void TearDown() override {
    if (!t_.admin_url.empty()) {
      try {
        tether::client admin{t_.admin_url};
        admin.raw({.query = "DROP DATABASE IF EXISTS " + t_.name});
      } catch (const std::exception&) {
      }
    }
    cli::TearDown();
  }

  // A workspace whose database `big` (dev) has a table of `rows` rows, and the migration
  // file of four steps: a column, an index, a column's type, another index.
  void prepare(const std::string& type) {
    t_.type = type;
    t_.name = "killed_" + std::to_string(::getpid());
    if (type == "sqlite") {
      t_.url = "sqlite://" + (dir_ / "big.db").string();
    } else {
      const char* base = std::getenv(type == "postgresql" ? "TETHER_PG_URL" : "TETHER_MYSQL_URL");
      ASSERT_TRUE(base) << "no server URL for " << type;
      t_.admin_url = base;
      tether::client admin{t_.admin_url};
      admin.raw({.query = "DROP DATABASE IF EXISTS " + t_.name});
      admin.raw({.query = "CREATE DATABASE " + t_.name});
      t_.url = with_database(base, t_.name);
    }
    tether::client db{t_.url};
    const std::string n = std::to_string(rows);
    if (type == "sqlite") {
      db.raw({.query = "CREATE TABLE big (id INTEGER PRIMARY KEY, v INTEGER, s TEXT)"});
      db.raw({.query = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < " + n +
                       ") INSERT INTO big (v, s) SELECT i, 'row' || i FROM n"});
    } else if (type == "postgresql") {
      db.raw({.query = "CREATE TABLE big (id SERIAL PRIMARY KEY, v INTEGER, s TEXT)"});
      db.raw({.query = "INSERT INTO big (v, s) SELECT i, 'row' || i FROM generate_series(1, " + n + ") i"});
    } else {
      db.raw({.query = "CREATE TABLE big (id INT AUTO_INCREMENT PRIMARY KEY, v INT, s VARCHAR(40))"});
      db.raw({.query = "INSERT INTO big (v, s) SELECT seq, CONCAT('row', seq) FROM seq_1_to_" + n});
    }
    ASSERT_EQ(run({"init"}).code, 0);
    auto c = run({"db", "create", "--product", "p", "--tag", "big", "--name", "Big", "--type", type, "--env",
                  "dev=" + t_.url});
    ASSERT_EQ(c.code, 0) << c.err;
    auto m = tether::migration_builder(tag)
                 .add_field("big", "note", "text")
                 .create_index("big", {"v"}, {{"name", "big_v_idx"}})
                 .modify_field("big", "v", "bigint")
                 .create_index("big", {"s"}, {{"name", "big_s_idx"}})
                 .build();
    tether::save_migration((dir_ / "migrations" / "p" / "big").string(), m);
  }

  outcome cli_run(std::vector<std::string> args) {
    args.insert(args.begin(), {"--product", "p", "--database", "big", "--env", "dev"});
    return run(args);
  }

  // The table as the migration leaves it (`after`), or as it was before it.
  void expect_table(bool after, const std::string& when) {
    tether::client db{t_.url};
    auto d = tether::schema{db}.describe("big");
    std::vector<std::string> columns, indexes;
    std::string v_type;
    for (const auto& c : d["columns"].as_array()) {
      columns.push_back(c["name"].as_string());
      if (c["name"].as_string() == "v") v_type = c["type"].as_string();
    }
    for (const auto& i : d["indexes"].as_array()) indexes.push_back(i["name"].as_string());
    std::sort(indexes.begin(), indexes.end());
    const bool has_note = std::find(columns.begin(), columns.end(), "note") != columns.end();
    EXPECT_EQ(has_note, after) << when;
    EXPECT_EQ(v_type, after ? "bigint" : "integer") << when;
    const std::vector<std::string> expected = after ? std::vector<std::string>{"big_s_idx", "big_v_idx"}
                                                    : std::vector<std::string>{};
    EXPECT_EQ(indexes, expected) << when;
    EXPECT_EQ(db.count({.table = "big"}), rows) << when;
  }

  // The journaled step the running migrator has begun (its steps_done), or -1.
  int begun_step() {
    try {
      tether::client db{t_.url};
      auto r = db.find({.table = "tether_migrations", .where = {{"tag", tag}}});
      if (r.records.empty() || r.records[0].get<std::string>("status") != "running") return -1;
      return static_cast<int>(r.records[0].get<std::int64_t>("steps_done"));
    } catch (const tether::error&) {
      return -1;
    }
  }

  // MySQL: the killed migrator's server session still holds the migration lock while it
  // finishes the statement it was running; wait until it is gone.
  void wait_for_the_killed_session() {
    if (t_.type != "mysql") return;
    tether::client db{t_.url};
    for (int i = 0; i < 600; ++i) {
      auto r = db.raw({.query = "SELECT IS_FREE_LOCK('tether_migrations') AS f"});
      if (r.records[0].get<std::int64_t>("f") == 1) return;
      std::this_thread::sleep_for(50ms);
    }
    FAIL() << "the killed migrator's session never ended";
  }

  target_db t_;
};

TEST_F(killed_migration, mariadb_journal_says_where_it_stopped_and_resumes) {
  if (!std::getenv("TETHER_MYSQL_URL")) GTEST_SKIP() << "no MariaDB server (run through scripts/run-tests)";
  prepare("mysql");
  for (int step = 0; step < 4; ++step) {
    for (bool resume : {true, false}) {
      const std::string when = "killed during step " + std::to_string(step + 1) + (resume ? ", resumed" : ", undone");
      pid_t pid = start({"--product", "p", "--database", "big", "--env", "dev", "migrate"}, "migrate");
      int seen = -1;
      for (int i = 0; i < 4000 && seen < step; ++i) {
        seen = begun_step();
        if (seen < step) std::this_thread::sleep_for(2ms);
      }
      ::kill(pid, SIGKILL);
      wait_for(pid);
      wait_for_the_killed_session();
      auto status = cli_run({"migrate", "status"});
      if (status.code == 0) {
        // It finished before the kill landed: nothing partial to find.
        EXPECT_NE(status.out.find("1 of 1 applied"), std::string::npos) << when << ": " << status.out;
      } else {
        EXPECT_EQ(status.code, 6) << when << ": " << status.err;
        EXPECT_NE(status.err.find("stopped at step"), std::string::npos) << when << ": " << status.err;
        EXPECT_NE(status.out.find("0 of 1 applied"), std::string::npos) << when << ": " << status.out;
      }
      if (resume) {
        auto again = cli_run({"migrate"});
        if (status.code == 6) {
          EXPECT_NE(again.out.find("stopped at step"), std::string::npos) << when << ": " << again.out;
        }
        EXPECT_EQ(again.code, 0) << when << ": " << again.err;
        auto after = cli_run({"migrate", "status"});
        EXPECT_EQ(after.code, 0) << when << ": " << after.err;
        EXPECT_NE(after.out.find("1 of 1 applied, 0 pending"), std::string::npos) << when << ": " << after.out;
        expect_table(true, when);
      }
      auto down = cli_run({"migrate", "down"});
      EXPECT_EQ(down.code, 0) << when << ": " << down.err;
      expect_table(false, when + ", then down");
      auto none = cli_run({"migrate", "status"});
      EXPECT_EQ(none.code, 0) << when << ": " << none.err;
      EXPECT_NE(none.out.find("0 of 1 applied, 1 pending"), std::string::npos) << when << ": " << none.out;
    }
  }
}

// Transactional DDL: a kill at any moment leaves no trace, and the migration runs again.
TEST_F(killed_migration, postgresql_kill_leaves_no_trace) {
  if (!std::getenv("TETHER_PG_URL")) GTEST_SKIP() << "no PostgreSQL server (run through scripts/run-tests)";
  prepare("postgresql");
  auto started = std::chrono::steady_clock::now();
  ASSERT_EQ(cli_run({"migrate"}).code, 0);
  auto took = std::chrono::steady_clock::now() - started;
  ASSERT_EQ(cli_run({"migrate", "down"}).code, 0);
  for (double at : {0.2, 0.5, 0.8}) {
    pid_t pid = start({"--product", "p", "--database", "big", "--env", "dev", "migrate"}, "migrate");
    std::this_thread::sleep_for(std::chrono::duration_cast<std::chrono::milliseconds>(took * at));
    ::kill(pid, SIGKILL);
    wait_for(pid);
    auto status = cli_run({"migrate", "status"});
    EXPECT_EQ(status.code, 0) << status.err;
    if (status.out.find("1 of 1 applied") == std::string::npos) {
      EXPECT_NE(status.out.find("0 of 1 applied, 1 pending"), std::string::npos) << status.out;
      expect_table(false, "killed at " + std::to_string(at));
    }
    auto again = cli_run({"migrate"});
    EXPECT_EQ(again.code, 0) << again.err;
    expect_table(true, "applied again");
    ASSERT_EQ(cli_run({"migrate", "down"}).code, 0);
  }
}

TEST_F(killed_migration, sqlite_kill_leaves_no_trace) {
  prepare("sqlite");
  auto started = std::chrono::steady_clock::now();
  ASSERT_EQ(cli_run({"migrate"}).code, 0);
  auto took = std::chrono::steady_clock::now() - started;
  ASSERT_EQ(cli_run({"migrate", "down"}).code, 0);
  for (double at : {0.2, 0.5, 0.8}) {
    pid_t pid = start({"--product", "p", "--database", "big", "--env", "dev", "migrate"}, "migrate");
    std::this_thread::sleep_for(std::chrono::duration_cast<std::chrono::milliseconds>(took * at));
    ::kill(pid, SIGKILL);
    wait_for(pid);
    auto status = cli_run({"migrate", "status"});
    EXPECT_EQ(status.code, 0) << status.err;
    if (status.out.find("1 of 1 applied") == std::string::npos) {
      EXPECT_NE(status.out.find("0 of 1 applied, 1 pending"), std::string::npos) << status.out;
      expect_table(false, "killed at " + std::to_string(at));
    }
    auto again = cli_run({"migrate"});
    EXPECT_EQ(again.code, 0) << again.err;
    expect_table(true, "applied again");
    ASSERT_EQ(cli_run({"migrate", "down"}).code, 0);
  }
}

}  // namespace
