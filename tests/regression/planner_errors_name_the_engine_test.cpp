// Regression: an `unsupported` error from planning named no engine ("… is not supported by
// this engine"), because the planner's require() was always given an empty engine note.
#include <gtest/gtest.h>
#include <tether/tether.hpp>

#include "core/query/planner.hpp"

namespace tether {
namespace {

engine::capabilities bare(std::string name) {
  engine::capabilities c;
  c.engine = std::move(name);
  c.set(engine::compare::regex, engine::support::refused);
  return c;
}

void expect_names_engine(const std::function<void()>& call, std::string_view feature) {
  try {
    call();
    FAIL() << "expected " << feature << " to be refused";
  } catch (const error& e) {
    EXPECT_EQ(e.category(), error_category::unsupported);
    EXPECT_EQ(e.engine(), "kvstore");
    std::string what = e.what();
    EXPECT_NE(what.find("kvstore"), std::string::npos) << what;
    EXPECT_NE(what.find(feature), std::string::npos) << what;
  }
}

TEST(regression, planner_errors_name_the_engine) {
  const auto caps = bare("kvstore");
  expect_names_engine([&] { detail::plan_find({.table = "t", .where = {{"s", {{"$regex", "a"}}}}}, caps); },
                      "$regex");
  expect_names_engine([&] { detail::plan_insert({.table = "t", .records = {{{"a", 1}}}, .returning = {"a"}}, caps); },
                      "returning");
  expect_names_engine([&] { detail::plan_upsert({.table = "t", .data = {{"a", 1}}, .conflict_keys = {"a"}}, caps); },
                      "upsert");
  expect_names_engine([&] { detail::plan_aggregate({.table = "t", .operations = {{"n", {{"$count", "*"}}}}}, caps); },
                      "aggregate");
  expect_names_engine([&] { detail::plan_raw({.query = "x"}, caps); }, "raw");
  expect_names_engine(
      [&] { detail::plan_update({.table = "t", .data = {{"$push", {{"a", 1}}}}, .where = {{"id", 1}}}, caps); },
      "$push");
}

}  // namespace
}  // namespace tether
