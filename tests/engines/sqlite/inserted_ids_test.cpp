// Where SQLite's inserted ids come from (src/engines/sqlite/writes.cpp): the caller's own
// keys, rowid arithmetic, last_insert_rowid for one row, or RETURNING. Each test checks
// the ids against the rows that are really there, on the tables where a shortcut would
// be wrong: random rowids past 2^63-1, triggers that insert or skip rows, keys SQLite
// converts, keys given by some rows only.
#include <gtest/gtest.h>
#include <tether/tether.hpp>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <limits>

#include <unistd.h>

namespace tether {
namespace {

class sqlite_inserted_ids : public ::testing::Test {
 protected:
  client db{"sqlite::memory:"};

  // Every id names one row of `table` whose `name` is the one given, in order.
  void expect_ids_name_rows(const std::string& table, const std::string& key, const std::vector<value>& ids,
                            const std::vector<std::string>& names) {
    ASSERT_EQ(ids.size(), names.size());
    for (std::size_t i = 0; i < ids.size(); ++i) {
      auto rows = db.find({.table = table, .where = {{key, ids[i]}}});
      ASSERT_EQ(rows.count, 1) << "inserted id " << ids[i].to_json() << " names no row of " << table;
      EXPECT_EQ(rows.records[0].get<std::string>("name"), names[i]) << "id " << ids[i].to_json();
    }
  }

  static std::vector<value> rows_named(const std::vector<std::string>& names) {
    std::vector<value> rows;
    for (const auto& n : names) rows.push_back({{"name", n}});
    return rows;
  }
};

std::vector<std::string> names_of(std::size_t n, const std::string& prefix = "n") {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < n; ++i) out.push_back(prefix + std::to_string(i));
  return out;
}

TEST_F(sqlite_inserted_ids, the_callers_integer_keys_are_the_ids_in_order_across_statements) {
  db.raw({.query = "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT)"});
  std::vector<value> rows;
  std::vector<value> keys;
  auto names = names_of(1200);  // three statements of at most 500 rows
  for (std::size_t i = 0; i < names.size(); ++i) {
    std::int64_t k = static_cast<std::int64_t>((i * 7919) % 100'003) + 1;  // not consecutive, not sorted
    keys.emplace_back(k);
    rows.push_back({{"id", k}, {"name", names[i]}});
  }
  auto r = db.insert({.table = "t", .records = rows});
  EXPECT_EQ(r.count, 1200);
  EXPECT_EQ(r.inserted_ids, keys);
  expect_ids_name_rows("t", "id", r.inserted_ids, names);
}

TEST_F(sqlite_inserted_ids, text_keys_are_the_ids_and_keys_sqlite_converts_come_back_converted) {
  db.raw({.query = "CREATE TABLE t (code VARCHAR(20) PRIMARY KEY, name TEXT) WITHOUT ROWID"});
  auto r = db.insert({.table = "t", .records = {{{"code", "b-2"}, {"name", "x"}}, {{"code", "a-1"}, {"name", "y"}}}});
  EXPECT_EQ(r.inserted_ids, (std::vector<value>{value("b-2"), value("a-1")}));
  expect_ids_name_rows("t", "code", r.inserted_ids, {"x", "y"});

  // A string key in an INTEGER PRIMARY KEY is stored as the integer it spells: the id is
  // what is stored, not what was given.
  db.raw({.query = "CREATE TABLE n (id INTEGER PRIMARY KEY, name TEXT)"});
  auto c = db.insert({.table = "n", .records = {{{"id", "41"}, {"name", "p"}}, {{"id", "42"}, {"name", "q"}}}});
  EXPECT_EQ(c.inserted_ids, (std::vector<value>{value(41), value(42)}));
  expect_ids_name_rows("n", "id", c.inserted_ids, {"p", "q"});
}

TEST_F(sqlite_inserted_ids, rows_that_leave_the_key_to_sqlite_get_the_rowid_it_chose) {
  db.raw({.query = "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT)"});
  auto r = db.insert({.table = "t",
                      .records = {{{"id", 100}, {"name", "a"}}, {{"id", nullptr}, {"name", "b"}}, {{"id", 7}, {"name", "c"}}}});
  EXPECT_EQ(r.inserted_ids, (std::vector<value>{value(100), value(101), value(7)}));
  expect_ids_name_rows("t", "id", r.inserted_ids, {"a", "b", "c"});
}

TEST_F(sqlite_inserted_ids, past_the_largest_rowid_sqlite_picks_at_random_and_the_ids_are_still_exact) {
  db.raw({.query = "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT)"});
  db.insert({.table = "t", .records = {{{"id", std::numeric_limits<std::int64_t>::max()}, {"name", "last"}}}});
  auto names = names_of(20);
  auto many = db.insert({.table = "t", .records = rows_named(names)});
  EXPECT_EQ(many.inserted_ids.size(), 20u);
  expect_ids_name_rows("t", "id", many.inserted_ids, names);
  auto one = db.insert({.table = "t", .records = rows_named({"one"})});
  expect_ids_name_rows("t", "id", one.inserted_ids, {"one"});
}

TEST_F(sqlite_inserted_ids, a_trigger_that_inserts_elsewhere_does_not_change_the_ids) {
  db.raw({.query = "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT);"
                   "CREATE TABLE audit (id INTEGER PRIMARY KEY, what TEXT);"
                   "INSERT INTO audit (id, what) VALUES (1000, 'start');"
                   "CREATE TRIGGER t_audit AFTER INSERT ON t BEGIN "
                   "INSERT INTO audit (what) VALUES ('x'); INSERT INTO audit (what) VALUES ('y'); END"});
  auto one = db.insert({.table = "t", .records = rows_named({"solo"})});
  expect_ids_name_rows("t", "id", one.inserted_ids, {"solo"});
  auto names = names_of(30);
  auto many = db.insert({.table = "t", .records = rows_named(names)});
  expect_ids_name_rows("t", "id", many.inserted_ids, names);
  EXPECT_EQ(db.count({.table = "audit"}), 1 + 2 * 31);
}

TEST_F(sqlite_inserted_ids, rows_a_trigger_skips_have_no_id) {
  db.raw({.query = "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT);"
                   "CREATE TRIGGER t_skip BEFORE INSERT ON t WHEN NEW.name LIKE 'skip%' BEGIN SELECT RAISE(IGNORE); END"});
  // The caller's keys, some rows skipped: only the rows that went in have ids.
  auto keyed = db.insert({.table = "t",
                          .records = {{{"id", 1}, {"name", "a"}}, {{"id", 2}, {"name", "skip"}}, {{"id", 3}, {"name", "c"}}}});
  EXPECT_EQ(keyed.count, 2);
  EXPECT_EQ(keyed.inserted_ids, (std::vector<value>{value(1), value(3)}));
  // Rowids, some rows skipped.
  auto assigned = db.insert({.table = "t", .records = rows_named({"d", "skip2", "e"})});
  EXPECT_EQ(assigned.count, 2);
  expect_ids_name_rows("t", "id", assigned.inserted_ids, {"d", "e"});
  // One row, skipped: no id, and nothing stale from the insert before.
  auto none = db.insert({.table = "t", .records = rows_named({"skip3"})});
  EXPECT_EQ(none.count, 0);
  EXPECT_TRUE(none.inserted_ids.empty());
  auto key_none = db.insert({.table = "t", .records = {{{"id", 50}, {"name", "skip4"}}}});
  EXPECT_TRUE(key_none.inserted_ids.empty());
  EXPECT_EQ(db.count({.table = "t"}), 4);
}

TEST_F(sqlite_inserted_ids, a_failed_row_leaves_nothing_written) {
  db.raw({.query = "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT NOT NULL)"});
  db.insert({.table = "t", .records = {{{"id", 5}, {"name", "there"}}}});
  std::vector<value> rows;
  for (int i = 10; i < 700; ++i) rows.push_back({{"id", i}, {"name", "n"}});
  rows.push_back({{"id", 5}, {"name", "duplicate"}});  // in the second statement
  EXPECT_THROW(db.insert({.table = "t", .records = rows}), error);
  EXPECT_EQ(db.count({.table = "t"}), 1);
  EXPECT_THROW(db.insert({.table = "t", .records = {{{"id", 6}, {"name", "ok"}}, {{"id", 5}, {"name", "dup"}}}}), error);
  EXPECT_EQ(db.count({.table = "t"}), 1);
}

TEST_F(sqlite_inserted_ids, tables_without_a_single_key_return_theirs) {
  db.raw({.query = "CREATE TABLE plain (name TEXT);"
                   "CREATE TABLE pair (a INTEGER, b TEXT, name TEXT, PRIMARY KEY (a, b));"
                   "CREATE TABLE dec (id DECIMAL(10,2) PRIMARY KEY, name TEXT)"});
  auto plain = db.insert({.table = "plain", .records = rows_named({"p", "q"})});
  expect_ids_name_rows("plain", "rowid", plain.inserted_ids, {"p", "q"});
  auto pair = db.insert({.table = "pair", .records = {{{"a", 1}, {"b", "x"}, {"name", "r"}}}});
  ASSERT_EQ(pair.inserted_ids.size(), 1u);
  auto dec = db.insert({.table = "dec", .records = {{{"id", "1.50"}, {"name", "s"}}}});
  ASSERT_EQ(dec.inserted_ids.size(), 1u);
  expect_ids_name_rows("dec", "id", dec.inserted_ids, {"s"});
}

// The table facts an insert uses are cached between calls. Another connection rebuilds
// the table in between (as a migration does): the next insert's ids follow the new table.
TEST(sqlite_inserted_ids_across_connections, a_table_rebuilt_by_another_connection_gives_its_new_ids) {
  const auto path = std::filesystem::temp_directory_path() / ("tether-ids-" + std::to_string(getpid()) + ".db");
  {
    client app{"sqlite://" + path.string(), {.pool_size = 1}};
    client migrator{"sqlite://" + path.string(), {.pool_size = 1}};
    migrator.raw({.query = "CREATE TABLE t (id INTEGER PRIMARY KEY, code TEXT, name TEXT)"});
    auto first = app.insert({.table = "t", .records = {{{"code", "a"}, {"name", "one"}}}});
    EXPECT_EQ(first.inserted_ids, std::vector<value>{value(1)});
    app.insert({.table = "t", .records = {{{"code", "b"}, {"name", "two"}}}});  // the same call shape, cached

    // Rebuilt with a text key and no rowid: the one-row shortcut (last_insert_rowid) no
    // longer names the row.
    migrator.raw({.query = "DROP TABLE t; CREATE TABLE t (code TEXT PRIMARY KEY, name TEXT) WITHOUT ROWID"});
    auto after = app.insert({.table = "t", .records = {{{"code", "k1"}, {"name", "three"}}}});
    EXPECT_EQ(after.inserted_ids, std::vector<value>{value("k1")});
    auto many = app.insert({.table = "t", .records = {{{"code", "k2"}, {"name", "four"}}, {{"code", "k3"}, {"name", "five"}}}});
    EXPECT_EQ(many.inserted_ids, (std::vector<value>{value("k2"), value("k3")}));

    // Rebuilt as a rowid table whose key is not the rowid.
    migrator.raw({.query = "DROP TABLE t; CREATE TABLE t (serial INTEGER, code TEXT, name TEXT, PRIMARY KEY (code))"});
    auto again = app.insert({.table = "t", .records = {{{"code", "k9"}, {"name", "six"}}}});
    EXPECT_EQ(again.inserted_ids, std::vector<value>{value("k9")});
    EXPECT_EQ(app.count({.table = "t"}), 1);
  }
  std::error_code ec;
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path.string() + suffix, ec);
}

}  // namespace
}  // namespace tether
