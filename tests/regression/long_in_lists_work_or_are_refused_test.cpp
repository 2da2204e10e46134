// Regression: on PostgreSQL a $in of about 8,000 values failed as a connection error
// ("invalid socket", retryable). PostgreSQL now takes the list as one array parameter
// (= ANY($1)); every engine answers a long list, or refuses one it cannot send with a
// usage error that says why, and the connection stays usable.
#include "conformance.hpp"

namespace tether::conformance {
namespace {

class long_in_lists : public fixture {};

TEST_F(long_in_lists, work_or_are_refused_as_usage) {
  auto t = make_table({{"id", "pk"}, {"n", "int"}, {"s", "text"}});
  std::vector<value> rows;
  for (int i = 0; i < 100; ++i) rows.push_back(value{{"n", i}, {"s", "v" + std::to_string(i)}});
  db->insert({.table = t, .records = rows});
  for (std::size_t size : {8'000u, 30'000u, 70'000u}) {
    array ints, strings;
    for (std::size_t i = 0; i < size; ++i) {
      ints.emplace_back(static_cast<std::int64_t>(i * 2));  // the even ones of 0..99 match
      strings.emplace_back("v" + std::to_string(i * 2));
    }
    try {
      EXPECT_EQ(db->count({.table = t, .where = {{"n", {{"$in", value(ints)}}}}}), 50) << size;
      EXPECT_EQ(db->count({.table = t, .where = {{"s", {{"$in", value(strings)}}}}}), 50) << size;
      EXPECT_EQ(db->count({.table = t, .where = {{"n", {{"$nin", value(ints)}}}}}), 50) << size;
      EXPECT_EQ(db->find({.table = t, .where = {{"n", {{"$in", value(ints)}}}}, .limit = 5}).count, 5) << size;
    } catch (const error& e) {
      EXPECT_EQ(e.category(), error_category::usage) << size << ": " << e.what();
      EXPECT_NE(std::string(e.what()).find("split"), std::string::npos) << e.what();
      EXPECT_GT(size, 8'000u) << "8,000 values must work everywhere";
    }
    EXPECT_EQ(db->count({.table = t, .where = {{"n", {{"$in", {1, 2, 3}}}}}}), 3) << "the connection broke";
  }
}

}  // namespace
}  // namespace tether::conformance
