// Sessions over real SQLite databases: connect by name, inherit and override the context,
// test connections, several databases side by side, and the environment-only default.
#include <gtest/gtest.h>
#include <tether/tether.hpp>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace tether {
namespace {

namespace fs = std::filesystem;

class sessions : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* v : {"DATABASE_URL", "DB_TYPE", "DB_HOST", "DB_PORT", "DB_NAME", "DB_USER", "DB_PASS",
                          "DB_POOL_SIZE", "DB_MAX_RETRIES", "DB_RETRY_DELAY"})
      ::unsetenv(v);
    dir_ = fs::temp_directory_path() / ("tether-session-" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    auto ws = workspace::init(dir_);
    auto url = [&](const char* name) { return "sqlite://" + (dir_ / name).string(); };
    ws.create({"shop", "Orders", "orders", "sqlite", "",
               {{"dev", url("orders-dev.db"), ""}, {"prd", "${TETHER_TEST_ORDERS_PRD}", ""}}});
    ws.create({"shop", "Users", "users", "sqlite", "", {{"dev", url("users-dev.db"), ""}}});
    ::setenv("TETHER_TEST_ORDERS_PRD", url("orders-prd.db").c_str(), 1);
    ws_.emplace(ws);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
  std::optional<workspace> ws_;
};

TEST_F(sessions, connect_sets_a_context_that_later_calls_inherit) {
  session s{ws_};
  auto r = s.connect({.env = "dev", .product = "shop", .database = "orders"});
  EXPECT_TRUE(r.connected);
  ASSERT_TRUE(r.version.has_value());
  EXPECT_FALSE(r.version->empty());
  EXPECT_GE(r.latency_ms, 0.0);
  EXPECT_NE(r.to_json().find(R"("connected":true,"version":")"), std::string::npos) << r.to_json();
  s.on().raw({.query = "CREATE TABLE o (id INTEGER PRIMARY KEY, item TEXT)"});
  s.on().insert({.table = "o", .records = {{{"item", "book"}}}});
  EXPECT_EQ(s.on().count({.table = "o"}), 1);
  EXPECT_EQ(s.current().database, "orders");
}

TEST_F(sessions, any_call_can_override_env_product_or_database) {
  session s{ws_};
  s.connect({.env = "dev", .product = "shop", .database = "orders"});
  s.on().raw({.query = "CREATE TABLE t (x INTEGER)"});
  // The same table name in another environment is another database: ${VAR} resolved.
  s.on({.env = "prd"}).raw({.query = "CREATE TABLE t (x INTEGER)"});
  s.on({.env = "prd"}).insert({.table = "t", .records = {{{"x", 1}}, {{"x", 2}}}});
  EXPECT_EQ(s.on().count({.table = "t"}), 0);
  EXPECT_EQ(s.on({.env = "prd"}).count({.table = "t"}), 2);
  // Several databases side by side.
  s.on({.database = "users"}).raw({.query = "CREATE TABLE u (name TEXT)"});
  EXPECT_EQ(s.on({.database = "users"}).count({.table = "u"}), 0);
  EXPECT_THROW(s.on().count({.table = "u"}), error);  // not in orders
  EXPECT_TRUE(fs::exists(dir_ / "orders-prd.db"));
  EXPECT_EQ(s.current().env, "dev");  // overrides do not move the context
}

TEST_F(sessions, a_missing_variable_is_named_at_connect_time) {
  ::unsetenv("TETHER_TEST_ORDERS_PRD");
  session s{ws_};
  try {
    s.connect({.env = "prd", .product = "shop", .database = "orders"});
    FAIL();
  } catch (const error& e) {
    EXPECT_NE(std::string(e.what()).find("TETHER_TEST_ORDERS_PRD is not set"), std::string::npos) << e.what();
  }
}

// The workspace's .env is read for ${VAR}s, as docker-compose and Prisma read theirs; the
// process environment wins; a bad line is named with its number.
TEST_F(sessions, a_dotenv_file_in_the_workspace_fills_variables_the_environment_lacks) {
  ::unsetenv("TETHER_TEST_ORDERS_PRD");
  const std::string from_file = "sqlite://" + (dir_ / "from-dotenv.db").string();
  std::ofstream(dir_ / ".env") << "# the production URL\n\nexport TETHER_TEST_ORDERS_PRD='" << from_file
                               << "'  # quoted\nOTHER=plain value # a comment\n";
  {
    session s{ws_};
    EXPECT_TRUE(s.connect({.env = "prd", .database = "orders"}).connected);
    s.on().raw({.query = "CREATE TABLE d (x INTEGER)"});
  }
  EXPECT_TRUE(fs::exists(dir_ / "from-dotenv.db")) << "the URL came from .env";
  const std::string from_env = "sqlite://" + (dir_ / "from-env.db").string();
  ::setenv("TETHER_TEST_ORDERS_PRD", from_env.c_str(), 1);
  {
    session s{ws_};
    EXPECT_TRUE(s.connect({.env = "prd", .database = "orders"}).connected);
    s.on().raw({.query = "CREATE TABLE d (x INTEGER)"});
  }
  EXPECT_TRUE(fs::exists(dir_ / "from-env.db")) << "the process environment wins";
  ::unsetenv("TETHER_TEST_ORDERS_PRD");
  // prd with this .env is refused as usage, saying `says`.
  auto refused = [&](const std::string& dotenv, std::string_view says) {
    std::ofstream(dir_ / ".env") << dotenv;
    try {
      session s{ws_};
      s.on({.env = "prd", .database = "orders"});
      ADD_FAILURE() << "taken with .env " << dotenv;
    } catch (const error& e) {
      EXPECT_EQ(e.category(), error_category::usage);
      EXPECT_NE(std::string(e.what()).find(says), std::string::npos) << e.what();
    }
  };
  refused("GOOD=1\nthis is not a setting\n", ".env line 2: no =; expected NAME=VALUE");
  refused("GOOD=1\n", "TETHER_TEST_ORDERS_PRD is not set (nor in the workspace's .env)");
}

TEST_F(sessions, test_connection_reports_failure_instead_of_throwing) {
  ws_->update("shop", "users", {.envs = std::vector<environment>{{"dev", "sqlite:///nonexistent-tether/u.db", ""}}});
  session s{ws_};
  auto bad = s.test_connection({.env = "dev", .product = "shop", .database = "users"});
  EXPECT_FALSE(bad.connected);
  EXPECT_NE(bad.error.find("nonexistent-tether"), std::string::npos) << bad.error;
  EXPECT_NE(bad.to_json().find(R"("connected":false,"error":)"), std::string::npos);
  auto good = s.test_connection({.env = "dev", .product = "shop", .database = "orders"});
  EXPECT_TRUE(good.connected);
  EXPECT_TRUE(s.current().database.empty());  // testing does not change the context
  auto unknown = s.test_connection({.env = "qa", .product = "shop", .database = "orders"});
  EXPECT_FALSE(unknown.connected);
  EXPECT_NE(unknown.error.find("has no env \"qa\"; it has: dev, prd"), std::string::npos) << unknown.error;
}

TEST_F(sessions, unnamed_parts_are_filled_in_or_asked_for) {
  session s{ws_};
  try {
    s.connect({.env = "dev"});  // one product, but two databases
    FAIL();
  } catch (const error& e) {
    EXPECT_NE(std::string(e.what()).find("name a database (--database) in product \"shop\"; it has: orders, users"),
              std::string::npos)
        << e.what();
  }
  auto r = s.connect({.database = "users"});  // product: the only one; env: dev
  EXPECT_TRUE(r.connected);
  EXPECT_EQ(s.current().product, "shop");
  EXPECT_EQ(s.current().env, "dev");
}

TEST_F(sessions, disconnect_and_close_all_close_clients) {
  session s{ws_};
  s.connect({.env = "dev", .product = "shop", .database = "orders"});
  s.on().raw({.query = "CREATE TEMP TABLE mark (x INTEGER)"});
  EXPECT_EQ(s.on().count({.table = "mark"}), 0);
  s.disconnect();
  EXPECT_THROW(s.on().count({.table = "mark"}), error);  // a new connection: no temp table
  s.on({.database = "users"});
  s.close_all();
  EXPECT_TRUE(s.connect({.database = "users"}).connected);  // reconnects on demand
}

TEST(environment, database_url_defines_the_default_database) {
  ::unsetenv("DB_TYPE");
  auto path = fs::temp_directory_path() / ("tether-env-" + std::to_string(::getpid()) + ".db");
  ::setenv("DATABASE_URL", ("sqlite://" + path.string()).c_str(), 1);
  ::setenv("DB_POOL_SIZE", "3", 1);
  {
    session s;
    EXPECT_TRUE(s.connect().connected);
    EXPECT_EQ(s.on().pool_stats().max_size, 3u);
    s.on().raw({.query = "CREATE TABLE e (x INTEGER)"});
    EXPECT_TRUE(fs::exists(path));
  }
  // Closed first, so that SQLite's -wal and -shm files go too.
  for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(path.string() + suffix);
  ::unsetenv("DATABASE_URL");
  ::unsetenv("DB_POOL_SIZE");
}

TEST(environment, db_variables_build_the_url) {
  ::unsetenv("DATABASE_URL");
  ::setenv("DB_TYPE", "postgresql", 1);
  ::setenv("DB_HOST", "db.internal", 1);
  ::setenv("DB_PORT", "6543", 1);
  ::setenv("DB_NAME", "app", 1);
  ::setenv("DB_USER", "svc", 1);
  ::setenv("DB_PASS", "p@ss/word", 1);
  EXPECT_EQ(url_from_environment(), "postgresql://svc:p%40ss%2Fword@db.internal:6543/app");
  ::setenv("DB_TYPE", "sqlite", 1);
  ::setenv("DB_NAME", ":memory:", 1);
  EXPECT_EQ(url_from_environment(), "sqlite::memory:");
  ::setenv("DB_MAX_RETRIES", "lots", 1);
  try {
    options_from_environment();
    FAIL();
  } catch (const error& e) {
    EXPECT_NE(std::string(e.what()).find("DB_MAX_RETRIES=\"lots\""), std::string::npos) << e.what();
  }
  for (const char* v : {"DB_TYPE", "DB_HOST", "DB_PORT", "DB_NAME", "DB_USER", "DB_PASS", "DB_MAX_RETRIES"})
    ::unsetenv(v);
  EXPECT_EQ(url_from_environment(), std::nullopt);
  session s;
  try {
    s.connect();
    FAIL();
  } catch (const error& e) {
    EXPECT_NE(std::string(e.what()).find("set DATABASE_URL"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace tether
