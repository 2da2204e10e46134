// Regression: 100,000 nested {"$and": […]} in a where, or 100,000 nested arrays in
// inserted data, crashed with SIGSEGV (the plan cache's shape walk and the planner
// recursed once per level). Values, filters and update documents now nest at most
// max_nesting_depth (256) levels; deeper input is refused where it is parsed, by name.
#include <gtest/gtest.h>
#include <tether/tether.hpp>

namespace tether {
namespace {

std::string nested_and(std::size_t levels) {
  std::string s;
  for (std::size_t i = 0; i < levels; ++i) s += R"({"$and":[)";
  s += R"({"id":1})";
  for (std::size_t i = 0; i < levels; ++i) s += "]}";
  return s;
}

std::string nested_arrays(std::size_t levels) { return std::string(levels, '[') + std::string(levels, ']'); }

// Built without recursion, as a program might: each level wraps the one before (moved, not
// copied: a braced list would copy it).
value wrap(value inner) {
  array a;
  a.push_back(std::move(inner));
  return value(std::move(a));
}

value nested_and_value(std::size_t levels) {
  value v = {{"id", 1}};
  for (std::size_t i = 0; i < levels; ++i) {
    object o;
    o.emplace_back("$and", wrap(std::move(v)));
    v = value(std::move(o));
  }
  return v;
}

value nested_array_value(std::size_t levels) {
  value v = array{};
  for (std::size_t i = 0; i < levels; ++i) v = wrap(std::move(v));
  return v;
}

void expect_limit_error(const std::function<void()>& call) {
  try {
    call();
    FAIL() << "deep input was accepted";
  } catch (const error& e) {
    EXPECT_EQ(e.category(), error_category::usage);
    EXPECT_NE(std::string(e.what()).find("256"), std::string::npos) << e.what();
  }
}

TEST(regression, json_text_nests_at_most_256_levels) {
  EXPECT_NO_THROW(value::from_json(nested_arrays(256)));
  for (std::size_t n : {257u, 10'000u, 100'000u, 1'000'000u}) {
    expect_limit_error([&] { value::from_json(nested_arrays(n)); });
    expect_limit_error([&] { value::from_json(nested_and(n)); });
  }
}

TEST(regression, deep_filters_updates_and_records_are_refused_not_crashed) {
  tether::client db{"sqlite::memory:"};
  db.raw({.query = "CREATE TABLE t (id INTEGER PRIMARY KEY, j JSON)"});
  db.insert({.table = "t", .records = {{{"id", 1}, {"j", nested_array_value(200)}}}});
  EXPECT_EQ(db.count({.table = "t", .where = nested_and_value(100)}), 1);
  // Built in place (no copies: copying a value recurses once per level; freeing it does
  // not), 100,000 levels deep, then refused by every call.
  for (std::size_t n : {300u, 10'000u, 100'000u}) {
    find_options f{.table = "t", .where = nested_and_value(n)};
    expect_limit_error([&] { db.find(f); });
    count_options c{.table = "t", .where = nested_and_value(n)};
    expect_limit_error([&] { db.count(c); });
    remove_options r{.table = "t", .where = nested_and_value(n)};
    expect_limit_error([&] { db.remove(r); });
    object record;
    record.emplace_back("id", 2);
    record.emplace_back("j", nested_array_value(n));
    std::vector<value> records;
    records.emplace_back(std::move(record));
    insert_options i{.table = "t", .records = std::move(records)};
    expect_limit_error([&] { db.insert(i); });
    object data;
    data.emplace_back("j", nested_array_value(n));
    update_options u{.table = "t", .data = value(std::move(data)), .where = {{"id", 1}}};
    expect_limit_error([&] { db.update(u); });
    raw_options q{.query = "SELECT ?"};
    q.params.push_back(nested_array_value(n));
    expect_limit_error([&] { db.raw(q); });
  }
  EXPECT_EQ(db.count({.table = "t"}), 1);
}

}  // namespace
}  // namespace tether
