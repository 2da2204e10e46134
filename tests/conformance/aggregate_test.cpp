// count, sum, avg, min, max and aggregate with grouping.
#include "conformance.hpp"

namespace tether::conformance {
namespace {

class aggregates : public fixture {
 protected:
  void SetUp() override {
    fixture::SetUp();
    t_ = make_table({{"id", "pk"}, {"region", "text"}, {"product", "text"}, {"amount", "int"}});
    db->insert({.table = t_,
                .records = {{{"region", "north"}, {"product", "a"}, {"amount", 10}},
                            {{"region", "north"}, {"product", "b"}, {"amount", 20}},
                            {{"region", "south"}, {"product", "a"}, {"amount", 5}},
                            {{"region", "south"}, {"product", "a"}, {"amount", nullptr}},
                            {{"region", "east"}, {"product", "c"}, {"amount", 100}}}});
  }
  std::string t_;
};

TEST_F(aggregates, count_rows_columns_and_distinct) {
  EXPECT_EQ(db->count({.table = t_}), 5);
  EXPECT_EQ(db->count({.table = t_, .column = "amount"}), 4);
  EXPECT_EQ(db->count({.table = t_, .column = "product", .distinct = true}), 3);
  EXPECT_EQ(db->count({.table = t_, .where = {{"region", "north"}}}), 2);
  EXPECT_THROW(db->count({.table = t_, .distinct = true}), error);
}

TEST_F(aggregates, sum_avg_min_max) {
  EXPECT_EQ(db->sum({.table = t_, .column = "amount"}).as_double(), 135.0);
  EXPECT_DOUBLE_EQ(db->avg({.table = t_, .column = "amount"}).as_double(), 33.75);
  EXPECT_EQ(db->min({.table = t_, .column = "amount"}).as_double(), 5.0);
  EXPECT_EQ(db->max({.table = t_, .column = "amount", .where = {{"region", "north"}}}).as_double(), 20.0);
  EXPECT_TRUE(db->sum({.table = t_, .column = "amount", .where = {{"region", "west"}}}).is_null());
}

TEST_F(aggregates, group_by_having_order_and_limit) {
  auto r = db->aggregate({.table = t_,
                          .operations = {{"total", {{"$sum", "amount"}}},
                                         {"n", {{"$count", "*"}}},
                                         {"top", {{"$max", "amount"}}}},
                          .group_by = {"region"},
                          .having = {{"n", {{"$gte", 2}}}},
                          .order_by = {{"total", direction::desc}}});
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0].get<std::string>("region"), "north");
  EXPECT_EQ(r[0].get<double>("total"), 30.0);
  EXPECT_EQ(r[0].get<std::int64_t>("n"), 2);
  EXPECT_EQ(r[1].get<std::string>("region"), "south");
  EXPECT_EQ(r[1].get<double>("total"), 5.0);

  auto limited = db->aggregate({.table = t_,
                                .operations = {{"n", {{"$count", "*"}}}},
                                .group_by = {"region"},
                                .order_by = {{"region"}},
                                .limit = 1,
                                .offset = 1});
  ASSERT_EQ(limited.size(), 1u);
  EXPECT_EQ(limited[0].get<std::string>("region"), "north");
}

TEST_F(aggregates, avg_and_min_with_where) {
  auto r = db->aggregate({.table = t_,
                          .operations = {{"mean", {{"$avg", "amount"}}}, {"low", {{"$min", "amount"}}}},
                          .where = {{"product", "a"}}});
  ASSERT_EQ(r.size(), 1u);
  EXPECT_DOUBLE_EQ(r[0].get<double>("mean"), 7.5);
  EXPECT_EQ(r[0].get<double>("low"), 5.0);
}

TEST_F(aggregates, string_agg_with_separator) {
  auto r = db->aggregate({.table = t_,
                          .operations = {{"products", {{"$stringAgg", {{"column", "product"}, {"separator", "|"}}}}}},
                          .where = {{"region", "north"}},
                          .group_by = {"region"}});
  ASSERT_EQ(r.size(), 1u);
  auto s = r[0].get<std::string>("products");
  EXPECT_TRUE(s == "a|b" || s == "b|a") << s;
  auto plain = db->aggregate({.table = t_, .operations = {{"p", {{"$stringAgg", "region"}}}},
                              .where = {{"product", "c"}}});
  EXPECT_EQ(plain[0].get<std::string>("p"), "east");
}

TEST_F(aggregates, bad_aggregates_name_the_problem) {
  EXPECT_THROW(db->aggregate({.table = t_, .operations = {{"x", {{"$median", "amount"}}}}}), error);
  EXPECT_THROW(db->aggregate({.table = t_, .operations = tether::object{}}), error);
  EXPECT_THROW(db->aggregate({.table = t_, .operations = {{"n", {{"$count", "*"}}}},
                              .having = {{"missing", {{"$gt", 1}}}}}),
               error);
  EXPECT_THROW(db->aggregate({.table = t_, .operations = {{"n", {{"$count", "*"}}}},
                              .order_by = {{"nope"}}}),
               error);
}

}  // namespace
}  // namespace tether::conformance
