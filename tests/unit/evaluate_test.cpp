// The reference evaluator's pieces, without a server: what docs/querying.md defines.
#include <gtest/gtest.h>
#include <tether/engine/evaluate.hpp>
#include <tether/tether.hpp>

#include <limits>

#include "core/results/records_builder.hpp"

namespace tether {
namespace {

using engine::compare_values;

TEST(evaluate, numbers_compare_by_value_across_kinds) {
  EXPECT_EQ(compare_values(value(decimal::parse("2.5")), value(decimal::parse("2.50"))), 0);
  EXPECT_EQ(compare_values(value(decimal::parse("10")), value(decimal::parse("9.99"))), 1);
  EXPECT_EQ(compare_values(value(decimal::parse("-0.01")), value(0)), -1);
  EXPECT_EQ(compare_values(value(9007199254740993), value(9007199254740992)), 1) << "integers exactly";
  EXPECT_EQ(compare_values(value(9007199254740993), value(9007199254740992.0)), 0) << "with a double: as doubles";
  EXPECT_EQ(compare_values(value(std::numeric_limits<std::int64_t>::min()), value(decimal::parse("-9223372036854775809"))), 1);
  EXPECT_EQ(compare_values(value("b"), value("b ")), -1);
  EXPECT_EQ(compare_values(value("é"), value("z")), 1) << "by code point";
  EXPECT_FALSE(compare_values(value("1"), value(1)).has_value());
  EXPECT_EQ(compare_values(value(timestamp::parse("2024-01-01T01:00:00+01:00")),
                           value(timestamp::parse("2024-01-01T00:00:00Z"))), 0);
}

TEST(evaluate, object_ids_compare_by_their_bytes_and_with_nothing_else) {
  const value a = object_id::parse("65f1c0de2a9b4e0012345678"), b = object_id::parse("65f1c0de2a9b4e00123456ff");
  EXPECT_EQ(compare_values(a, b), -1);
  EXPECT_EQ(compare_values(b, a), 1);
  EXPECT_EQ(compare_values(a, value(object_id::parse("65F1C0DE2A9B4E0012345678"))), 0);
  EXPECT_FALSE(compare_values(a, value("65f1c0de2a9b4e0012345678")).has_value()) << "not its text";
  try {
    engine::check_operand(value_kind::object_id, "object_id", engine::compare::eq, "_id", value("65f1c0de2a9b4e0012345678"));
    ADD_FAILURE() << "a string operand taken for an ObjectId field";
  } catch (const error& e) {
    EXPECT_NE(std::string(e.what()).find(R"({"$oid": )"), std::string::npos) << e.what();
  }
}

TEST(evaluate, like_is_over_characters) {
  EXPECT_TRUE(engine::like_match("a😀b", "a_b"));
  EXPECT_TRUE(engine::like_match("50%", "50\\%"));
  EXPECT_FALSE(engine::like_match("500", "50\\%"));
  EXPECT_TRUE(engine::like_match("abcabc", "%bc%c"));
  EXPECT_FALSE(engine::like_match("abc", "ab"));
  EXPECT_TRUE(engine::like_match("", "%"));
  EXPECT_THROW(engine::check_like_pattern("a\\", "c"), error);
  EXPECT_NO_THROW(engine::check_like_pattern("a\\\\", "c"));
}

TEST(evaluate, case_folding_is_upper_then_lower) {
  EXPECT_EQ(engine::fold_case("ẞ"), engine::fold_case("ß"));
  EXPECT_EQ(engine::fold_case("ς"), engine::fold_case("σ"));
  EXPECT_EQ(engine::fold_case("ǲ"), engine::fold_case("Ǳ"));
  EXPECT_EQ(engine::fold_case("İ"), "i");
  EXPECT_NE(engine::fold_case("é"), engine::fold_case("e"));
  EXPECT_EQ(engine::fold_case("CAFÉ"), "café");
}

TEST(evaluate, the_regex_subset_is_checked_and_means_one_thing) {
  for (const char* ok : {"^a.b$", "[a-z]+", "[^0-9]", "a{2,3}", "(ab|cd)?e", "\\.\\$", "[\\]\\-]", "x\\n", ""})
    EXPECT_NO_THROW(engine::check_regex(ok, "c")) << ok;
  for (const char* bad : {"\\d", "\\w+", "(?i)a", "a*?", "a++", "[[:alpha:]]", "[z-a]", "(a", "a)", "{2}", "a{3,2}",
                          "a{999}", "]", "a\\", "[]"})
    EXPECT_THROW(engine::check_regex(bad, "c"), error) << bad;
  EXPECT_TRUE(engine::regex_search("line\nbreak", "^line.break$"));
  EXPECT_FALSE(engine::regex_search("end\n", "^end$"));
  EXPECT_TRUE(engine::regex_search("😀", "^.$"));
  EXPECT_EQ(engine::regex_for_pcre("^a$|[$]\\$"), "(?s)^a\\z|[$]\\$");
}

TEST(evaluate, decimals_round_half_away_from_zero_and_sum_exactly) {
  EXPECT_EQ(engine::round_decimal("2.5", 2), "2.50");
  EXPECT_EQ(engine::round_decimal("1.005", 2), "1.01");
  EXPECT_EQ(engine::round_decimal("-1.005", 2), "-1.01");
  EXPECT_EQ(engine::round_decimal("0.004", 2), "0.00");
  EXPECT_EQ(engine::round_decimal("-0.004", 2), "0.00");
  EXPECT_EQ(engine::round_decimal("9.999", 2), "10.00");
  EXPECT_EQ(engine::round_decimal("1e3", 1), "1000.0");
  EXPECT_EQ(engine::round_decimal(".5", 0), "1");
  EXPECT_THROW(engine::round_decimal("abc", 2), error);
  engine::exact_sum s;
  s.add(std::numeric_limits<std::int64_t>::max());
  s.add(std::numeric_limits<std::int64_t>::max());
  s.add(2);
  EXPECT_EQ(s.result(), value(decimal::parse("18446744073709551616")));
  engine::exact_sum d;
  d.add_decimal("80016053462.70");
  d.add_decimal("0.04");
  d.add(-1);
  EXPECT_EQ(d.result(), value(decimal::parse("80016053461.74")));
  engine::exact_sum none;
  EXPECT_TRUE(none.result().is_null());
}

TEST(evaluate, a_find_and_an_aggregate_over_rows_in_memory) {
  records rows(std::vector<std::string>{"id", "g", "n"});
  for (auto [id, g, n] : std::vector<std::tuple<int, const char*, value>>{
           {1, "a", value(3)}, {2, "b", value()}, {3, "a", value(-1)}, {4, "b ", value(5)}}) {
    tether::detail::records_builder(rows).add(id);
    tether::detail::records_builder(rows).add(g);
    tether::detail::records_builder(rows).add(n);
    tether::detail::records_builder(rows).end_row();
  }
  auto found = engine::evaluate(find_options{.table = "t", .where = {{"n", {{"$ne", 3}}}},
                                             .order_by = {{"n", direction::desc}}, .limit = 2},
                                rows);
  ASSERT_EQ(found.size(), 2u);
  EXPECT_EQ(found[0].get<std::int64_t>("id"), 4);
  EXPECT_EQ(found[1].get<std::int64_t>("id"), 3) << "null sorts last descending, and $ne matches it";
  auto groups = engine::evaluate(aggregate_options{.table = "t", .operations = {{"total", {{"$sum", "n"}}}, {"c", {{"$count", "*"}}}},
                                                   .group_by = {"g"}, .order_by = {{"g"}}},
                                 rows);
  ASSERT_EQ(groups.size(), 3u) << "'b' and 'b ' are two groups";
  EXPECT_EQ(groups[0]["total"], value(2));
  EXPECT_TRUE(groups[1]["total"].is_null());
  EXPECT_EQ(engine::evaluate(count_options{.table = "t", .column = "n"}, rows)[0]["count"], value(3));
  EXPECT_THROW(engine::evaluate(find_options{.table = "t", .where = {{"g", 1}}}, rows), error)
      << "a number against text is a usage error in the reference";
}

TEST(evaluate, array_updates_mean_what_the_sql_engines_do) {
  using engine::array_update;
  using engine::update_op;
  const value tags = make_array({"math", 1, "poetry", 1.0});
  const value x("x"), one(1), math("math");
  EXPECT_EQ(array_update(update_op::push, value(), &x), value(make_array({"x"}))) << "null starts []";
  EXPECT_EQ(array_update(update_op::add_to_set, value(), &x), value(make_array({"x"})));
  EXPECT_EQ(array_update(update_op::add_to_set, tags, &math), std::nullopt) << "a member: left as it is";
  EXPECT_EQ(array_update(update_op::pull, tags, &one), value(make_array({"math", "poetry"}))) << "1 equals 1.0";
  EXPECT_EQ(array_update(update_op::pull, tags, &x), std::nullopt);
  EXPECT_EQ(array_update(update_op::pull, value(), &x), value(array{})) << "null starts []";
  EXPECT_EQ(array_update(update_op::pop_first, tags, nullptr), value(make_array({1, "poetry", 1.0})));
  EXPECT_EQ(array_update(update_op::pop_last, tags, nullptr), value(make_array({"math", 1, "poetry"})));
  EXPECT_EQ(array_update(update_op::pop_last, value(array{}), nullptr), std::nullopt);
  EXPECT_EQ(array_update(update_op::pop_first, value(), nullptr), std::nullopt);
  EXPECT_EQ(array_update(update_op::push, value("not an array"), &x), std::nullopt);
}

}  // namespace
}  // namespace tether
