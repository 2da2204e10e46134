// SQLite's own behaviour: URLs, pragmas, the statement cache, Unicode folding.
#include <gtest/gtest.h>
#include <tether/tether.hpp>

#include <chrono>
#include <filesystem>
#include <functional>
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

namespace tether {
namespace {

TEST(sqlite_statement_cache, a_repeated_shape_is_neither_rendered_nor_prepared_again) {
  client db{"sqlite::memory:", {.pool_size = 1}};
  db.raw({.query = "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT, age INTEGER)"});
  db.insert({.table = "t", .records = {{{"name", "a"}, {"age", 1}}, {{"name", "b"}, {"age", 2}}}});
  // The first call of a shape also reads the table's column types once (introspection,
  // for the operand rules): count from the second.
  EXPECT_EQ(db.find({.table = "t", .where = {{"age", {{"$gte", 0}}}}, .limit = 5}).count, 2);
  auto before = db.statement_stats();
  for (int i = 1; i < 10; ++i) {
    auto r = db.find({.table = "t", .where = {{"age", {{"$gte", i % 3}}}}, .limit = 5});
    EXPECT_EQ(r.count, i % 3 == 0 ? 2 : (i % 3 == 1 ? 2 : 1));
  }
  auto after = db.statement_stats();
  EXPECT_EQ(after.renders - before.renders, 0u);
  EXPECT_EQ(after.prepares - before.prepares, 0u);
  EXPECT_EQ(after.reuses - before.reuses, 9u);
  // A different shape (another operator) is a new statement.
  db.find({.table = "t", .where = {{"age", {{"$lt", 2}}}}, .limit = 5});
  EXPECT_EQ(db.statement_stats().prepares - before.prepares, 1u);
}

TEST(sqlite_statement_cache, a_reused_statement_binds_each_calls_values) {
  // An unchanged integer is not bound again (SQLite keeps bindings across runs); a value of
  // another kind in between must not leave a stale integer behind.
  client db{"sqlite::memory:", {.pool_size = 1}};
  db.raw({.query = "CREATE TABLE t (id INTEGER PRIMARY KEY, tag TEXT)"});
  db.insert({.table = "t", .records = {{{"id", 1}, {"tag", "1"}}, {{"id", 2}, {"tag", "x"}}}});
  auto tags = [&](const value& v, std::int64_t limit) {
    return conformance::names(db.find({.table = "t", .select = {"tag"}, .where = {{"tag", v}}, .limit = limit}).records, "tag");
  };
  EXPECT_THROW(tags(1, 1), error);  // an integer for a TEXT column: a usage error (docs/querying.md)
  EXPECT_EQ(tags("1", 1), std::vector<std::string>{"1"});
  EXPECT_EQ(tags("x", 1), std::vector<std::string>{"x"});
  EXPECT_EQ(tags("1", 1), std::vector<std::string>{"1"});
  EXPECT_EQ(tags("1", 0), std::vector<std::string>{});  // the LIMIT changes while the tag does not
  EXPECT_EQ(tags("1", 1), std::vector<std::string>{"1"});
  auto q = db.prepare({.table = "t", .select = {"tag"}, .where = {{"id", tether::param("id")}}, .limit = 1});
  EXPECT_EQ(conformance::names(q.run({{"id", 2}}).records, "tag"), std::vector<std::string>{"x"});
  EXPECT_EQ(conformance::names(q.run({{"id", "1"}}).records, "tag"), std::vector<std::string>{"1"});
  EXPECT_EQ(conformance::names(q.run({{"id", 2}}).records, "tag"), std::vector<std::string>{"x"});
}

}  // namespace
}  // namespace tether

#include "engines/sqlite/types.hpp"

namespace tether {
namespace {

// A value of the kind each portable type stores, and the kind it must come back as.
value sample_of(field_type t) {
  switch (t) {
    case field_type::integer: case field_type::bigint: case field_type::smallint: return 42;
    case field_type::float_: case field_type::double_: return 2.5;
    case field_type::decimal: return decimal::parse("12345678901234567890.10");
    case field_type::string: case field_type::text: case field_type::enum_: return "text é";
    case field_type::boolean: return true;
    case field_type::date: return date::parse("2024-02-29");
    case field_type::time: return time_of_day::parse("23:59:58.5");
    case field_type::datetime: case field_type::timestamp: return timestamp::parse("2024-02-29T23:59:58.5Z");
    case field_type::json: return value{{"k", make_array({1, "x"})}};
    case field_type::array: return make_array({1, 2, 3});
    case field_type::uuid: return uuid::parse("123e4567-e89b-12d3-a456-426614174000");
    case field_type::binary: case field_type::blob: return bytes{{0, 1, 254, 255}};
  }
  return nullptr;
}

TEST(sqlite_types, every_portable_type_round_trips_through_its_column_type) {
  client db{"sqlite::memory:"};
  std::string ddl = "CREATE TABLE every (id INTEGER PRIMARY KEY";
  value row = tether::object{};
  for (auto t : all_field_types) {
    std::string col = "c_" + std::string(to_string(t));
    ddl += ", " + col + " " + std::string(detail::sqlite::column_type(t));
    row.as_object().emplace_back(col, sample_of(t));
  }
  db.raw({.query = ddl + ")"});
  db.insert({.table = "every", .records = {row}});
  auto back = db.find_one({.table = "every"});
  ASSERT_TRUE(back);
  for (const auto& [col, v] : row.as_object()) EXPECT_EQ((*back)[col], v) << col << " came back as " << (*back)[col].to_json();
  EXPECT_EQ(parse_field_type("float"), field_type::float_);
  EXPECT_EQ(parse_field_type("varchar"), std::nullopt);
}

}  // namespace
}  // namespace tether

namespace tether {
namespace {

class sqlite_errors : public conformance::fixture {
 protected:
  std::string file_url() { return db->raw({.query = "PRAGMA database_list"}).records.front().get<std::string>("file"); }
};

error_category category_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const error& e) {
    return e.category();
  }
  ADD_FAILURE() << "no error was thrown";
  return error_category::usage;
}

TEST_F(sqlite_errors, check_constraint_and_syntax_errors) {
  db->raw({.query = "CREATE TABLE c (id INTEGER PRIMARY KEY, n INTEGER CHECK (n > 0))"});
  EXPECT_EQ(category_of([&] { db->insert({.table = "c", .records = {{{"n", -1}}}}); }),
            error_category::check_violation);
  EXPECT_EQ(category_of([&] { db->raw({.query = "SELEKT 1"}); }), error_category::query);
  EXPECT_EQ(db->count({.table = "c"}), 0);
}

TEST_F(sqlite_errors, a_locked_database_is_a_retryable_timeout) {
  db->raw({.query = "CREATE TABLE w (id INTEGER PRIMARY KEY, n INTEGER)"});
  client other{"sqlite://" + file_url() + "?busy_timeout=0"};
  auto tx = db->begin();
  tx.insert({.table = "w", .records = {{{"n", 1}}}});  // holds the write lock
  try {
    other.insert({.table = "w", .records = {{{"n", 2}}}});
    FAIL() << "a second writer got in";
  } catch (const error& e) {
    EXPECT_EQ(e.category(), error_category::timeout);
    EXPECT_TRUE(e.is_retryable());
  }
  tx.commit();
  EXPECT_EQ(other.insert({.table = "w", .records = {{{"n", 2}}}}).count, 1);
}

TEST_F(sqlite_errors, a_stale_snapshot_is_a_serialization_conflict) {
  // db.begin() takes the write lock up front (BEGIN IMMEDIATE), so its transactions never
  // go stale; a deferred one begun by hand can, and must report it as retryable.
  client deferred{"sqlite://" + file_url(), {.pool_size = 1}};
  deferred.raw({.query = "CREATE TABLE s (id INTEGER PRIMARY KEY, n INTEGER)"});
  deferred.insert({.table = "s", .records = {{{"n", 1}}}});
  client other{"sqlite://" + file_url()};
  deferred.raw({.query = "BEGIN"});
  EXPECT_EQ(deferred.count({.table = "s"}), 1);  // reads a snapshot
  other.insert({.table = "s", .records = {{{"n", 2}}}});
  try {
    deferred.insert({.table = "s", .records = {{{"n", 3}}}});
    FAIL() << "a write on a stale snapshot succeeded";
  } catch (const error& e) {
    EXPECT_EQ(e.category(), error_category::serialization_conflict);
    EXPECT_TRUE(e.is_retryable());
    EXPECT_EQ(e.sqlstate(), "40001");
  }
  deferred.raw({.query = "ROLLBACK"});
  EXPECT_EQ(db->count({.table = "s"}), 2);
}

TEST_F(sqlite_errors, read_write_transactions_wait_for_the_writer_instead_of_failing) {
  db->raw({.query = "CREATE TABLE q (id INTEGER PRIMARY KEY, n INTEGER)"});
  client other{"sqlite://" + file_url()};
  auto tx = db->begin();
  tx.insert({.table = "q", .records = {{{"n", 1}}}});
  std::thread finisher([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    tx.commit();
  });
  // Reads first, then writes: begun deferred, this would fail at once with SQLITE_BUSY.
  other.transaction([&](transaction& t2) {
    EXPECT_GE(t2.count({.table = "q"}), 1);
    t2.insert({.table = "q", .records = {{{"n", 2}}}});
  });
  finisher.join();
  EXPECT_EQ(db->count({.table = "q"}), 2);
}

TEST(sqlite_pool, an_exhausted_pool_times_out_with_a_clear_error) {
  auto path = std::filesystem::temp_directory_path() / ("tether-pool-" + std::to_string(::getpid()) + ".db");
  struct remove_at_end {  // after the client below has closed, with SQLite's -wal and -shm
    std::filesystem::path p;
    ~remove_at_end() {
      for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(p.string() + suffix);
    }
  } gone{path};
  client db{"sqlite://" + path.string(), {.pool_size = 1, .acquire_timeout = std::chrono::milliseconds(50)}};
  db.raw({.query = "CREATE TABLE p (n INTEGER)"});
  auto tx = db.begin();  // the only connection
  try {
    db.count({.table = "p"});
    FAIL() << "a second connection was handed out";
  } catch (const error& e) {
    EXPECT_EQ(e.category(), error_category::timeout);
    EXPECT_NE(std::string(e.what()).find("pool size 1"), std::string::npos) << e.what();
  }
  tx.rollback();
  EXPECT_EQ(db.count({.table = "p"}), 0);  // the connection came back
}

}  // namespace
}  // namespace tether
