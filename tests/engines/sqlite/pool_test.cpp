// The connection pool, over real SQLite connections: stress, lifetime, health checks,
// counters, and the start-up wait.
#include <gtest/gtest.h>
#include <tether/tether.hpp>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <thread>
#include <vector>

namespace tether {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

fs::path scratch_dir() { return fs::temp_directory_path() / ("tether-pool-" + std::to_string(::getpid())); }

fs::path scratch(const std::string& name) {
  fs::create_directories(scratch_dir());
  return scratch_dir() / name;
}

// The scratch folder goes when the tests end.
class scratch_cleanup : public ::testing::Environment {
 public:
  void TearDown() override { fs::remove_all(scratch_dir()); }
};
[[maybe_unused]] const auto* const cleanup = ::testing::AddGlobalTestEnvironment(new scratch_cleanup);

TEST(pool, many_more_threads_than_connections_neither_leak_nor_deadlock) {
  client db{"sqlite://" + scratch("stress.db").string(), {.pool_size = 3, .acquire_timeout = 20s}};
  db.raw({.query = "CREATE TABLE s (id INTEGER PRIMARY KEY, n INTEGER)"});
  std::atomic<int> done{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 32; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < 20; ++i) {
        if (i % 4 == 0) {
          db.transaction([&](transaction& tx) {
            tx.insert({.table = "s", .records = {{{"n", t}}}});
            (void)tx.count({.table = "s"});
          });
        } else {
          (void)db.find({.table = "s", .where = {{"n", t}}, .limit = 5});
        }
      }
      ++done;
    });
  for (auto& th : threads) th.join();
  EXPECT_EQ(done.load(), 32);
  EXPECT_EQ(db.count({.table = "s"}), 32 * 5);
  auto s = db.pool_stats();
  EXPECT_LE(s.open, 3u);
  EXPECT_EQ(s.in_use, 0u) << "a leased connection was never returned";
  EXPECT_EQ(s.idle, s.open);
  EXPECT_GT(s.waits, 0u) << "32 threads over 3 connections never waited?";
  EXPECT_EQ(s.timeouts, 0u);
}

TEST(pool, exhaustion_counts_waits_and_timeouts) {
  client db{"sqlite://" + scratch("exhaust.db").string(), {.pool_size = 1, .acquire_timeout = 30ms}};
  auto tx = db.begin();
  EXPECT_THROW(db.count({.table = "sqlite_schema"}), error);
  auto s = db.pool_stats();
  EXPECT_EQ(s.in_use, 1u);
  EXPECT_EQ(s.waits, 1u);
  EXPECT_EQ(s.timeouts, 1u);
  tx.rollback();
  EXPECT_EQ(db.pool_stats().in_use, 0u);
}

TEST(pool, connections_past_their_lifetime_are_replaced) {
  client db{"sqlite://" + scratch("lifetime.db").string(), {.pool_size = 1, .max_lifetime = 200ms}};
  // A TEMP table lives in one connection only: seeing it means the same connection.
  db.raw({.query = "CREATE TEMP TABLE mark (x INTEGER)"});
  EXPECT_EQ(db.count({.table = "mark"}), 0);
  std::this_thread::sleep_for(250ms);
  try {
    db.count({.table = "mark"});
    FAIL() << "the old connection was reused past its lifetime";
  } catch (const error& e) {
    EXPECT_EQ(e.category(), error_category::schema);
  }
  EXPECT_GE(db.pool_stats().discarded, 1u);
  EXPECT_GE(db.pool_stats().created, 2u);
}

// The real SQLite driver, whose connections can be declared dead, as a lost server would be.
class dying_driver : public engine::driver {
 public:
  explicit dying_driver(std::shared_ptr<engine::driver> real) : real_(std::move(real)) {}
  std::atomic<bool> alive{true};
  std::string_view name() const noexcept override { return real_->name(); }
  std::vector<std::string> schemes() const override { return {"dying"}; }
  const engine::capabilities& capabilities() const noexcept override { return real_->capabilities(); }
  void validate_url(std::string_view url) const override { real_->validate_url(url); }
  std::unique_ptr<engine::connection> connect(std::string_view url) override {
    struct conn : engine::connection {
      std::unique_ptr<engine::connection> c;
      std::atomic<bool>* flag;
      // The contract's required core, and the transactions part a long lease uses.
      void execute(const engine::plan& p, engine::execution& out) override { c->execute(p, out); }
      engine::transactions* transactions_part() noexcept override { return c->transactions_part(); }
      bool alive() override { return flag->load(); }
    };
    auto out = std::make_unique<conn>();
    out->c = real_->connect(url);
    out->flag = &alive;
    return out;
  }

 private:
  std::shared_ptr<engine::driver> real_;
};

TEST(pool, idle_connections_are_health_checked_before_reuse) {
  auto driver = std::make_shared<dying_driver>(sqlite::make_driver());
  client db{driver, "sqlite://" + scratch("health.db").string(), {.pool_size = 2, .health_check_after = 0ms}};
  db.raw({.query = "CREATE TABLE IF NOT EXISTS h (x INTEGER)"});
  EXPECT_EQ(db.pool_stats().created, 1u);
  driver->alive = false;  // the server went away while the connection sat idle
  EXPECT_EQ(db.count({.table = "h"}), 0);  // the idle one fails its check; a new one serves
  EXPECT_EQ(db.pool_stats().discarded, 1u);
  EXPECT_EQ(db.pool_stats().created, 2u);
  driver->alive = true;
  EXPECT_EQ(db.count({.table = "h"}), 0);
  EXPECT_EQ(db.pool_stats().discarded, 1u);  // a live connection is reused
  EXPECT_EQ(db.pool_stats().created, 2u);
}

// Idleness counts from the start of the last lease (a return reads no clock): a
// connection just returned from a long lease is checked, one leased a moment ago is not.
TEST(pool, health_check_counts_from_the_start_of_the_last_lease) {
  auto driver = std::make_shared<dying_driver>(sqlite::make_driver());
  client db{driver, "sqlite://" + scratch("health-lease.db").string(),
            {.pool_size = 1, .health_check_after = 200ms}};
  db.raw({.query = "CREATE TABLE IF NOT EXISTS h (x INTEGER)"});
  driver->alive = false;
  EXPECT_EQ(db.count({.table = "h"}), 0);
  EXPECT_EQ(db.pool_stats().discarded, 0u) << "a connection leased a moment ago was health-checked";
  {
    auto tx = db.begin();
    std::this_thread::sleep_for(250ms);  // one lease longer than health_check_after
    tx.commit();
  }
  EXPECT_EQ(db.count({.table = "h"}), 0);  // returned just now, but leased 250 ms ago: checked
  EXPECT_EQ(db.pool_stats().discarded, 1u);
  EXPECT_EQ(db.pool_stats().created, 2u);
}

TEST(pool, start_up_waits_for_a_database_that_appears_late) {
  auto dir = scratch("late");
  fs::remove_all(dir);
  std::string url = "sqlite://" + (dir / "app.db").string();
  std::thread appear([&] {
    std::this_thread::sleep_for(300ms);
    fs::create_directories(dir);  // until now, the file cannot be opened
  });
  auto started = std::chrono::steady_clock::now();
  client db{url, {.max_retries = 20, .retry_delay = 20ms}};
  appear.join();
  EXPECT_GE(std::chrono::steady_clock::now() - started, 250ms);
  db.raw({.query = "CREATE TABLE t (x INTEGER)"});
  EXPECT_EQ(db.count({.table = "t"}), 0);
}

TEST(pool, start_up_gives_up_naming_the_attempts_and_the_cause) {
  try {
    client db{"sqlite:///nonexistent-tether-dir/x.db", {.max_retries = 2, .retry_delay = 5ms}};
    FAIL();
  } catch (const error& e) {
    EXPECT_EQ(e.category(), error_category::connection);
    std::string m = e.what();
    EXPECT_NE(m.find("after 3 attempts"), std::string::npos) << m;
    EXPECT_NE(m.find("/nonexistent-tether-dir/x.db"), std::string::npos) << m;
  }
}

TEST(pool, start_up_does_not_retry_usage_errors) {
  auto started = std::chrono::steady_clock::now();
  EXPECT_THROW((client{"sqlite://", {.max_retries = 50, .retry_delay = 100ms}}), error);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 100ms);
}

}  // namespace
}  // namespace tether
