// Where-filter parsing: the tree, the params, and the errors.
#include <gtest/gtest.h>
#include <tether/tether.hpp>

#include "core/query/planner.hpp"

namespace tether {
namespace {

using engine::compare;
using engine::logic;

engine::capabilities all_caps() {
  engine::capabilities c;
  c.json_arrays = c.returning = c.upsert = c.aggregates = c.raw_queries = true;
  return c;
}

engine::filter_node parse(const value& where, engine::plan& p) {
  engine::filter_node n;
  detail::parse_filter(where, p, n, all_caps());
  return n;
}

std::string message_of(const value& where) {
  engine::plan p;
  try {
    parse(where, p);
  } catch (const error& e) {
    EXPECT_EQ(e.category(), error_category::usage);
    return e.what();
  }
  return "no error";
}

TEST(filter, a_plain_object_is_an_and_of_equalities) {
  engine::plan p;
  value where = {{"status", "active"}, {"age", {{"$gt", 18}}}};
  auto n = parse(where, p);
  ASSERT_EQ(n.kind, logic::and_);
  ASSERT_EQ(n.children.size(), 2u);
  EXPECT_EQ(n.children[0].op, compare::eq);
  EXPECT_EQ(n.children[1].op, compare::gt);
  ASSERT_EQ(p.params.size(), 2u);
  EXPECT_EQ(*p.params[0], value("active"));
  EXPECT_EQ(*p.params[1], value(18));
}

TEST(filter, null_means_is_null_and_empty_means_everything) {
  engine::plan p;
  value where = {{"deleted_at", nullptr}};
  EXPECT_EQ(parse(where, p).op, compare::is_null);
  EXPECT_TRUE(parse(value(), p).matches_all());
  EXPECT_TRUE(parse(tether::object{}, p).matches_all());
}

TEST(filter, legacy_spellings_mean_the_same) {
  engine::plan p;
  value a = {{"x", {{"$NOT_IN", {1}}}}}, b = {{"x", {{"$nin", {1}}}}};
  EXPECT_EQ(parse(a, p).op, parse(b, p).op);
  value c = {{"x", {{"$IS_NULL", true}}}};
  EXPECT_EQ(parse(c, p).op, compare::is_null);
  value d = {{"x", {{"$isNull", false}}}};
  EXPECT_EQ(parse(d, p).op, compare::is_not_null);
}

TEST(filter, errors_name_the_input_and_the_expectation) {
  EXPECT_EQ(message_of({{"age", {{"$gtt", 18}}}}),
            "unknown where-operator \"$gtt\" on column \"age\"; expected one of $eq $ne $gt $gte $lt "
            "$lte $in $nin $like $ilike $between $isNull $isNotNull $exists $regex $contains "
            "$startsWith $endsWith $and $or $nor $not");
  EXPECT_EQ(message_of({{"age", {{"$in", 5}}}}),
            "$in on column \"age\" takes an array of values, got 5");
  EXPECT_EQ(message_of({{"age", {{"$between", {1}}}}}),
            "$between on column \"age\" takes exactly two values [low, high], got [1]");
  EXPECT_EQ(message_of({{"$or", tether::array{}}}),
            "$or takes a non-empty array of filters or an object, got []");
  EXPECT_NE(message_of(value(5)).find("must be an object"), std::string::npos);
  EXPECT_NE(message_of({{"age", {{"$isNull", "yes"}}}}).find("true or false"), std::string::npos);
  EXPECT_NE(message_of({{"a b", 1}}).find("invalid column name \"a b\""), std::string::npos);
  EXPECT_NE(message_of({{"age", {{"gt", 1}}}}).find("object of operators"), std::string::npos);
  EXPECT_NE(message_of({{"age", {{"$in", {1, nullptr}}}}}).find("may not hold null"), std::string::npos);
}

TEST(filter, nested_logic_keeps_its_structure) {
  engine::plan p;
  value where = {{"$or", {{{"a", 1}}, {{"$and", {{{"b", 2}}, {{"$not", {{"c", 3}}}}}}}}}};
  auto n = parse(where, p);
  ASSERT_EQ(n.kind, logic::or_);
  ASSERT_EQ(n.children.size(), 2u);
  EXPECT_EQ(n.children[1].kind, logic::and_);
  EXPECT_EQ(n.children[1].children[1].kind, logic::not_);
  EXPECT_EQ(p.params.size(), 3u);
}

}  // namespace
}  // namespace tether
