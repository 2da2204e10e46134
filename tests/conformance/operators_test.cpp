// Where-operators: one meaning on every engine, pinned here.
#include "conformance.hpp"

namespace tether::conformance {
namespace {

class operators : public fixture {
 protected:
  // Names matching `where`, sorted by id.
  std::vector<std::string> match(const value& where) {
    return names(db->find({.table = t_, .where = where, .order_by = {{"id"}}}).records);
  }
  void SetUp() override {
    fixture::SetUp();
    t_ = people();
  }
  std::string t_;
};

using v = std::vector<std::string>;

TEST_F(operators, equality_and_comparisons) {
  EXPECT_EQ(match({{"age", 36}}), v{"Ada"});
  EXPECT_EQ(match({{"age", {{"$eq", 36}}}}), v{"Ada"});
  EXPECT_EQ(match({{"age", {{"$gt", 36}}}}), v{"Grace"});
  EXPECT_EQ(match({{"age", {{"$gte", 36}}}}), (v{"Ada", "Grace"}));
  EXPECT_EQ(match({{"age", {{"$lt", 29}}}}), v{"Linus"});
  EXPECT_EQ(match({{"age", {{"$lte", 29}}}}), (v{"Linus", "O'Brien"}));
  EXPECT_EQ(match({{"age", {{"$gt", 18}, {"$lt", 40}}}}), (v{"Ada", "O'Brien"}));
  EXPECT_EQ(match({{"score", {{"$gt", 7.5}}}}), (v{"Ada", "Grace"}));
}

TEST_F(operators, ne_and_nin_match_nulls_too) {
  // Two-valued: a row whose age is null is "not 36".
  EXPECT_EQ(match({{"age", {{"$ne", 36}}}}), (v{"Grace", "Linus", "Émile", "O'Brien"}));
  EXPECT_EQ(match({{"age", {{"$nin", {36, 45}}}}}), (v{"Linus", "Émile", "O'Brien"}));
}

TEST_F(operators, null_tests) {
  EXPECT_EQ(match({{"age", nullptr}}), v{"Émile"});
  EXPECT_EQ(match({{"age", {{"$eq", nullptr}}}}), v{"Émile"});
  EXPECT_EQ(match({{"age", {{"$isNull", true}}}}), v{"Émile"});
  EXPECT_EQ(match({{"email", {{"$isNotNull", false}}}}), v{"O'Brien"});
  EXPECT_EQ(match({{"age", {{"$ne", nullptr}}}}).size(), 4u);
  EXPECT_EQ(match({{"age", {{"$isNotNull", true}}}}).size(), 4u);
  EXPECT_EQ(match({{"city", {{"$exists", false}}}}), v{"O'Brien"});
  EXPECT_EQ(match({{"city", {{"$exists", true}}}}).size(), 4u);
}

TEST_F(operators, in_and_between) {
  EXPECT_EQ(match({{"name", {{"$in", {"Ada", "Linus", "Nobody"}}}}}), (v{"Ada", "Linus"}));
  EXPECT_EQ(match({{"name", {{"$in", tether::array{}}}}}), v{});
  EXPECT_EQ(match({{"name", {{"$nin", tether::array{}}}}}).size(), 5u);
  EXPECT_EQ(match({{"age", {{"$between", {29, 36}}}}}), (v{"Ada", "O'Brien"}));
}

TEST_F(operators, like_is_case_sensitive_everywhere) {
  EXPECT_EQ(match({{"name", {{"$like", "A%"}}}}), v{"Ada"});
  EXPECT_EQ(match({{"name", {{"$like", "a%"}}}}), v{});
  EXPECT_EQ(match({{"name", {{"$like", "_race"}}}}), v{"Grace"});
  // A backslash escapes % and _, which then match themselves.
  EXPECT_EQ(match({{"name", {{"$like", "%'%"}}}}), v{"O'Brien"});
  EXPECT_EQ(match({{"email", {{"$like", "%\\_%"}}}}), v{});
}

TEST_F(operators, ilike_is_case_insensitive_everywhere_including_non_ascii) {
  EXPECT_EQ(match({{"name", {{"$ilike", "a%"}}}}), v{"Ada"});
  EXPECT_EQ(match({{"name", {{"$ilike", "GRACE"}}}}), v{"Grace"});
  EXPECT_EQ(match({{"name", {{"$ilike", "émile"}}}}), v{"Émile"});
  EXPECT_EQ(match({{"name", {{"$ILIKE", "ÉMILE"}}}}), v{"Émile"});
}

TEST_F(operators, contains_starts_and_ends_are_case_sensitive_and_literal) {
  EXPECT_EQ(match({{"name", {{"$contains", "ra"}}}}), v{"Grace"});
  EXPECT_EQ(match({{"name", {{"$contains", "RA"}}}}), v{});
  EXPECT_EQ(match({{"name", {{"$startsWith", "Li"}}}}), v{"Linus"});
  EXPECT_EQ(match({{"name", {{"$startsWith", "li"}}}}), v{});
  EXPECT_EQ(match({{"name", {{"$endsWith", "ace"}}}}), v{"Grace"});
  EXPECT_EQ(match({{"email", {{"$endsWith", "@example.com"}}}}).size(), 4u);
  // Wildcard characters in the operand are plain characters.
  EXPECT_EQ(match({{"name", {{"$startsWith", "%"}}}}), v{});
  EXPECT_EQ(match({{"name", {{"$contains", "_"}}}}), v{});
  EXPECT_EQ(match({{"name", {{"$startsWith", "O'"}}}}), v{"O'Brien"});
}

TEST_F(operators, regex) {
  if (db->capabilities().of(tether::engine::compare::regex) != tether::engine::support::native) GTEST_SKIP() << profile().name << " has no $regex";
  EXPECT_EQ(match({{"name", {{"$regex", "^[AG]"}}}}), (v{"Ada", "Grace"}));
  EXPECT_EQ(match({{"email", {{"$regex", "^l.*@"}}}}), v{"Linus"});
}

TEST_F(operators, logical_operators_nest_to_any_depth) {
  EXPECT_EQ(match({{"$or", {{{"name", "Ada"}}, {{"name", "Linus"}}}}}), (v{"Ada", "Linus"}));
  EXPECT_EQ(match({{"$or", {{"name", "Ada"}, {"age", 45}}}}), (v{"Ada", "Grace"}));
  EXPECT_EQ(match({{"$and", {{{"active", true}}, {{"age", {{"$gt", 40}}}}}}}), v{"Grace"});
  EXPECT_EQ(match({{"$nor", {{{"active", true}}, {{"age", 17}}}}}), v{"O'Brien"});
  EXPECT_EQ(match({{"$not", {{"age", {{"$gt", 20}}}}}}), (v{"Linus", "Émile"}));
  EXPECT_EQ(match({{"age", {{"$not", {{"$gt", 20}}}}}}), (v{"Linus", "Émile"}));
  value deep = {{"$or",
                 {{{"$and", {{{"active", true}}, {{"$or", {{{"age", 36}}, {{"age", 45}}}}}}}},
                  {{"$not", {{"$or", {{{"active", true}}, {{"age", {{"$gt", 20}}}}}}}}}}}};
  EXPECT_EQ(match(deep), (v{"Ada", "Grace", "Linus"}));
}

TEST_F(operators, legacy_uppercase_spellings) {
  EXPECT_EQ(match({{"age", {{"$GT", 40}}}}), v{"Grace"});
  EXPECT_EQ(match({{"age", {{"$GTE", 45}}}}), v{"Grace"});
  EXPECT_EQ(match({{"age", {{"$NOT_IN", {36, 45, 17, 29}}}}}), v{"Émile"});
  EXPECT_EQ(match({{"age", {{"$IS_NULL", true}}}}), v{"Émile"});
  EXPECT_EQ(match({{"age", {{"$IS_NOT_NULL", true}}}}).size(), 4u);
  EXPECT_EQ(match({{"name", {{"$STARTS_WITH", "G"}}}}), v{"Grace"});
  EXPECT_EQ(match({{"name", {{"$ENDS_WITH", "s"}}}}), v{"Linus"});
  EXPECT_EQ(match({{"name", {{"$CONTAINS", "mil"}}}}), v{"Émile"});
  EXPECT_EQ(match({{"age", {{"$BETWEEN", {40, 50}}}}}), v{"Grace"});
  EXPECT_EQ(match({{"$OR", {{{"age", 17}}, {{"age", 45}}}}}), (v{"Grace", "Linus"}));
}

TEST_F(operators, bad_operators_are_refused_with_the_name) {
  try {
    match({{"age", {{"$gtt", 18}}}});
    FAIL() << "unknown operator accepted";
  } catch (const error& e) {
    EXPECT_EQ(e.category(), error_category::usage);
    std::string m = e.what();
    EXPECT_NE(m.find("$gtt"), std::string::npos) << m;
    EXPECT_NE(m.find("\"age\""), std::string::npos) << m;
    EXPECT_NE(m.find("$gte"), std::string::npos) << m;
  }
  EXPECT_THROW(match({{"age", {{"$in", 5}}}}), error);
  EXPECT_THROW(match({{"age", {{"$between", {1}}}}}), error);
  EXPECT_THROW(match({{"age", {{"$between", {1, 2, 3}}}}}), error);
  EXPECT_THROW(match({{"name", {{"$like", 5}}}}), error);
  EXPECT_THROW(match({{"$or", 5}}), error);
  EXPECT_THROW(match({{"$xor", {{{"a", 1}}}}}), error);
  EXPECT_THROW(match({{"age", {1, 2}}}), error);
}

}  // namespace
}  // namespace tether::conformance
