// Regression: {"id": 2.5} on an integer column failed on PostgreSQL (22P02: the parameter
// took the column's type) and compared numerically elsewhere; an integer beyond 2^53
// against a double column, and a list mixing integers and doubles, meant something else
// on SQLite. A number now compares with any numeric column by value: as doubles when a
// double is among the operands, exactly otherwise.
#include "conformance.hpp"

namespace tether::conformance {
namespace {

class numeric_operands : public fixture {};

TEST_F(numeric_operands, by_value_on_every_engine) {
  auto t = make_tether_table({{"id", {{"type", "bigint"}, {"primary_key", true}}}, {"i", "bigint"}, {"d", "double"}});
  db->insert({.table = t, .records = {{{"id", 1}, {"i", 2}, {"d", 9007199254740992.0}},
                                      {{"id", 2}, {"i", 3}, {"d", 1.5}},
                                      {{"id", 3}, {"i", 9007199254740993}, {"d", 0.0}}}});
  auto where = [&](value w) { return ids(db->find({.table = t, .where = std::move(w), .order_by = {{"id"}}}).records); };
  using v = std::vector<std::int64_t>;
  EXPECT_EQ(where({{"i", {{"$gt", 2.5}}}}), (v{2, 3}));
  EXPECT_EQ(where({{"i", {{"$lt", decimal::parse("2.5")}}}}), (v{1}));
  EXPECT_EQ(where({{"i", {{"$between", array{decimal::parse("1.5"), 3.5}}}}}), (v{1, 2}));
  EXPECT_EQ(where({{"d", 9007199254740993}}), (v{1})) << "an integer meets a double column as a double";
  EXPECT_EQ(where({{"i", {{"$in", array{9007199254740992.0, 7}}}}}), (v{3})) << "with a double among them, as doubles";
  EXPECT_EQ(where({{"i", 9007199254740992}}), (v{})) << "integers compare exactly";
  EXPECT_EQ(where(value::from_json(R"({"i": {"$lt": 99999999999999999999}})")), (v{1, 2, 3}))
      << "a 20-digit literal is an exact decimal, not 1e+20";
}

}  // namespace
}  // namespace tether::conformance
