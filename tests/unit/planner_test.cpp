// Plans: validation before any I/O, and shapes that key the statement cache.
#include <gtest/gtest.h>
#include <tether/tether.hpp>

#include "core/query/planner.hpp"

namespace tether {
namespace {

engine::capabilities caps() {
  engine::capabilities c;
  c.json_arrays = c.returning = c.upsert = c.aggregates = c.raw_queries = true;
  return c;
}

TEST(planner, equal_shapes_for_equal_structure_different_values) {
  auto a = detail::plan_find({.table = "users", .where = {{"id", 1}}, .limit = 5}, caps());
  auto b = detail::plan_find({.table = "users", .where = {{"id", 999}}, .limit = 50}, caps());
  auto c = detail::plan_find({.table = "users", .where = {{"id", {{"$gt", 1}}}}}, caps());
  auto d = detail::plan_find({.table = "users", .where = {{"name", 1}}, .limit = 5}, caps());
  auto e = detail::plan_find({.table = "users", .where = {{"id", {{"$in", {1, 2}}}}}}, caps());
  auto f = detail::plan_find({.table = "users", .where = {{"id", {{"$in", {1, 2, 3}}}}}}, caps());
  EXPECT_EQ(a.shape.view(), b.shape.view());
  EXPECT_NE(a.shape.view(), c.shape.view());
  EXPECT_NE(a.shape.view(), d.shape.view());
  EXPECT_NE(e.shape.view(), f.shape.view());
}

TEST(planner, update_params_put_set_before_where) {
  const update_options o{.table = "t", .data = {{"a", 1}}, .where = {{"b", 2}}};  // the plan borrows its values
  auto p = detail::plan_update(o, caps());
  ASSERT_EQ(p.params.size(), 2u);
  EXPECT_EQ(*p.params[0], value(1));
  EXPECT_EQ(*p.params[1], value(2));
}

TEST(planner, empty_where_on_update_or_delete_needs_consent) {
  try {
    detail::plan_remove({.table = "orders"}, caps());
    FAIL();
  } catch (const error& e) {
    EXPECT_EQ(std::string(e.what()),
              "refusing to delete every row of \"orders\" with an empty where (or one that matches every row); "
              "pass a filter that selects rows, or set all_rows = true to mean every row");
  }
  EXPECT_NO_THROW(detail::plan_remove({.table = "orders", .all_rows = true}, caps()));
  EXPECT_THROW(detail::plan_remove({.table = "orders", .where = {{"a", 1}}, .all_rows = true}, caps()),
               error);
}

TEST(planner, identifiers_are_validated) {
  EXPECT_NO_THROW(detail::validate_identifier("users_2", "table"));
  EXPECT_NO_THROW(detail::validate_identifier("public.users", "table"));
  EXPECT_THROW(detail::validate_identifier("public.users", "column"), error);
  EXPECT_THROW(detail::validate_identifier("2users", "table"), error);
  EXPECT_THROW(detail::validate_identifier("", "table"), error);
  EXPECT_THROW(detail::validate_identifier("a\"b", "column"), error);
  EXPECT_THROW(detail::validate_identifier(std::string(129, 'a'), "column"), error);
}

TEST(planner, capabilities_are_checked_while_planning) {
  engine::capabilities none;
  none.set(engine::compare::regex, engine::support::refused);
  try {
    detail::plan_find({.table = "t", .where = {{"a", {{"$regex", "x"}}}}}, none);
    FAIL();
  } catch (const error& e) {
    EXPECT_EQ(e.category(), error_category::unsupported);
  }
  EXPECT_THROW(detail::plan_insert({.table = "t", .records = {{{"a", 1}}}, .returning = {"a"}}, none), error);
  EXPECT_THROW(detail::plan_aggregate({.table = "t", .operations = {{"n", {{"$count", "*"}}}}}, none), error);
}

TEST(planner, order_terms_parse_from_text) {
  EXPECT_EQ(order_term::parse("age:desc").dir, direction::desc);
  EXPECT_EQ(order_term::parse("age").dir, direction::asc);
  EXPECT_THROW(order_term::parse("age:up"), error);
  EXPECT_THROW(order_term::parse(":asc"), error);
}

}  // namespace
}  // namespace tether
