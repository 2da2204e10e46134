// Regression: MariaDB's utf8mb4_bin pads with spaces, so on a table tether made 'b' = 'b ',
// "tab\tx" sorted before "tab", and DISTINCT and GROUP BY merged "b" and "b ". tether's text
// columns now use a binary collation without padding, as every other engine compares.
#include "conformance.hpp"

namespace tether::conformance {
namespace {

class trailing_spaces : public fixture {};

TEST_F(trailing_spaces, equality_order_distinct_and_groups_see_them) {
  auto t = make_tether_table({{"id", {{"type", "bigint"}, {"primary_key", true}}},
                              {"s", {{"type", "string"}, {"length", 20}}}});
  db->insert({.table = t, .records = {{{"id", 1}, {"s", "b"}}, {{"id", 2}, {"s", "b "}}, {{"id", 3}, {"s", "tab"}},
                                      {{"id", 4}, {"s", "tab\tx"}}}});
  EXPECT_EQ(ids(db->find({.table = t, .where = {{"s", "b"}}}).records), (std::vector<std::int64_t>{1}));
  EXPECT_EQ(ids(db->find({.table = t, .where = {{"s", "b "}}}).records), (std::vector<std::int64_t>{2}));
  EXPECT_EQ(ids(db->find({.table = t, .order_by = {{"s"}}}).records), (std::vector<std::int64_t>{1, 2, 3, 4}));
  EXPECT_EQ(db->count({.table = t, .column = "s", .distinct = true}), 4);
  auto groups = db->aggregate({.table = t, .operations = {{"n", {{"$count", "*"}}}}, .group_by = {"s"}});
  EXPECT_EQ(groups.size(), 4u);
}

}  // namespace
}  // namespace tether::conformance
