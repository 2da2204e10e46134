// SQLite's own behaviour: URLs, pragmas, the statement cache, Unicode folding.
#include <gtest/gtest.h>
#include <tether/tether.hpp>

#include <filesystem>
#include <thread>

#include <unistd.h>

#include "conformance.hpp"

namespace tether {
namespace {

using conformance::fixture;

class sqlite_engine : public fixture {};

TEST_F(sqlite_engine, files_use_wal_and_foreign_keys) {
  auto mode = db->raw({.query = "PRAGMA journal_mode"});
  EXPECT_EQ(mode.records.front().get<std::string>(std::size_t{0}), "wal");
  auto fk = db->raw({.query = "PRAGMA foreign_keys"});
  EXPECT_EQ(fk.records.front().get<std::int64_t>(std::size_t{0}), 1);
  db->raw({.query = "CREATE TABLE parent (id INTEGER PRIMARY KEY)"});
  db->raw({.query = "CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INTEGER REFERENCES parent(id))"});
  try {
    db->insert({.table = "child", .records = {{{"parent_id", 42}}}});
    FAIL();
  } catch (const error& e) {
    EXPECT_EQ(e.category(), error_category::foreign_key_violation);
  }
}

TEST(sqlite_urls, memory_relative_and_absolute) {
  client mem{"sqlite::memory:"};
  mem.raw({.query = "CREATE TABLE t (a INTEGER)"});
  mem.insert({.table = "t", .records = {{{"a", 1}}}});
  EXPECT_EQ(mem.count({.table = "t"}), 1);  // one connection: the same in-memory database

  auto dir = std::filesystem::temp_directory_path() / ("tether-url-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  auto cwd = std::filesystem::current_path();
  std::filesystem::current_path(dir);
  {
    client rel{"sqlite://rel.db"};
    rel.raw({.query = "CREATE TABLE t (a INTEGER)"});
  }
  std::filesystem::current_path(cwd);
  EXPECT_TRUE(std::filesystem::exists(dir / "rel.db"));
  client abs{"sqlite://" + (dir / "rel.db").string()};
  EXPECT_EQ(abs.count({.table = "t"}), 0);
  std::filesystem::remove_all(dir);
}

TEST(sqlite_urls, an_unopenable_file_is_a_connection_error_naming_it) {
  try {
    client c{"sqlite:///nonexistent-dir/sub/x.db"};
    FAIL();
  } catch (const error& e) {
    EXPECT_EQ(e.category(), error_category::connection);
    EXPECT_NE(std::string(e.what()).find("/nonexistent-dir/sub/x.db"), std::string::npos) << e.what();
  }
}

TEST_F(sqlite_engine, read_only_mode_url) {
  auto t = people();
  std::string url = db->raw({.query = "PRAGMA database_list"}).records.front().get<std::string>("file");
  client ro{"sqlite://" + url + "?mode=ro"};
  EXPECT_EQ(ro.count({.table = t}), 5);
  EXPECT_THROW(ro.insert({.table = t, .records = {{{"name", "x"}}}}), error);
}

TEST_F(sqlite_engine, concurrent_writers_from_many_threads) {
  auto t = make_table({{"id", "pk"}, {"n", "int"}});
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i)
    threads.emplace_back([&, i] {
      for (int k = 0; k < 25; ++k) db->insert({.table = t, .records = {{{"n", i}}}});
    });
  for (auto& th : threads) th.join();
  EXPECT_EQ(db->count({.table = t}), 200);
}

TEST_F(sqlite_engine, schema_changes_are_seen_by_cached_statements) {
  auto t = make_table({{"id", "pk"}, {"a", "int"}});
  db->insert({.table = t, .records = {{{"a", 1}}}});
  EXPECT_EQ(db->find({.table = t}).records.column_count(), 2u);
  db->raw({.query = "ALTER TABLE \"" + t + "\" ADD COLUMN b TEXT"});
  EXPECT_EQ(db->find({.table = t}).records.column_count(), 3u);
  auto r = db->insert({.table = t, .records = {{{"a", 2}, {"b", "x"}}}});
  EXPECT_EQ(r.inserted_ids.at(0), value(2));
}

TEST_F(sqlite_engine, raw_runs_scripts_without_params) {
  auto r = db->raw({.query = "CREATE TABLE s (a INTEGER)"});
  EXPECT_EQ(r.records.size(), 0u);
  EXPECT_THROW(db->raw({.query = "SELECT ?1, ?2", .params = {1}}), error);
  auto two = db->raw({.query = "SELECT ?1 + ?2 AS total", .params = {40, 2}});
  EXPECT_EQ(two.records.front().get<std::int64_t>("total"), 42);
}

}  // namespace
}  // namespace tether
