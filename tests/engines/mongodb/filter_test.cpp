// Golden pre-filters (src/engines/mongodb/filter.hpp), with no server: the query document
// each where-filter becomes, as canonical Extended JSON; what must stay on the client is
// left out (an $and keeps its other parts), and a filter with nothing MongoDB evaluates as
// tether does sends {}.
#include <gtest/gtest.h>

#include "core/query/planner.hpp"
#include "engines/mongodb/filter.hpp"
#include "engines/mongodb/types.hpp"
#include "render/render_test.hpp"

namespace tether::detail::mongodb {
namespace {

const engine::table_description people{
    .name = "people",
    .columns = {{.name = "name", .type = field_type::string}, {.name = "age", .type = field_type::integer},
                {.name = "tags", .type = field_type::json}, {.name = "born", .type = field_type::date},
                {.name = "score", .type = field_type::double_}, {.name = "price", .type = field_type::decimal}}};

std::string sent(const value& where, const engine::table_description* t = &people) {
  const find_options o{.table = "people", .where = where};  // the plan's params point into it
  const engine::plan p = detail::plan_find(o, render_test::all_capabilities());
  bson_t doc = BSON_INITIALIZER;
  append_prefilter(p, t, &doc);
  std::string out = canonical_json(doc);
  bson_destroy(&doc);
  return out;
}

TEST(mongodb_prefilter, comparisons_mongodb_makes_as_tether_does_are_sent) {
  EXPECT_EQ(sent({{"name", "Ada"}}), R"({ "name" : { "$eq" : "Ada" } })");
  EXPECT_EQ(sent({{"score", {{"$gt", 20}, {"$lte", 40}}}}),
            R"({ "$and" : [ { "score" : { "$gt" : { "$numberInt" : "20" } } }, { "score" : { "$lte" : { "$numberInt" : "40" } } } ] })");
  EXPECT_EQ(sent({{"age", {{"$in", {1, 2.5}}}}}),
            R"({ "age" : { "$in" : [ { "$numberInt" : "1" }, { "$numberDouble" : "2.5" } ] } })");
  EXPECT_EQ(sent({{"age", 3}}), R"({ "age" : { "$eq" : { "$numberInt" : "3" } } })");
  EXPECT_EQ(sent({{"score", {{"$between", {1, 9}}}}}),
            R"({ "score" : { "$gte" : { "$numberInt" : "1" }, "$lte" : { "$numberInt" : "9" } } })");
  EXPECT_EQ(sent({{"born", {{"$lt", date::parse("2000-01-01")}}}}),
            R"({ "born" : { "$lt" : { "$date" : { "$numberLong" : "946684800000" } } } })");
  EXPECT_EQ(sent({{"age", {{"$in", array{}}}}}), R"({ "age" : { "$in" : [  ] } })") << "[] matches nothing, there too";
}

TEST(mongodb_prefilter, nulls_are_null_or_missing_and_not_null_only_on_scalar_fields) {
  EXPECT_EQ(sent({{"age", nullptr}}), R"({ "age" : null })");
  EXPECT_EQ(sent({{"age", {{"$isNull", true}}}}), R"({ "age" : null })");
  EXPECT_EQ(sent({{"age", {{"$isNotNull", true}}}}), R"({ "age" : { "$ne" : null } })");
  EXPECT_EQ(sent({{"tags", {{"$isNotNull", true}}}}), R"({ })") << "$ne null drops an array holding a null";
  EXPECT_EQ(sent({{"age", {{"$isNotNull", true}}}}, nullptr), R"({ })") << "an undeclared field may hold an array";
}

TEST(mongodb_prefilter, text_matches_are_escaped_regular_expressions) {
  EXPECT_EQ(sent({{"name", {{"$startsWith", "a.b("}}}}), R"({ "name" : { "$regex" : "^a\\.b\\(" } })");
  EXPECT_EQ(sent({{"name", {{"$endsWith", "$x"}}}}), R"({ "name" : { "$regex" : "\\$x$" } })");
  EXPECT_EQ(sent({{"name", {{"$contains", "50%"}}}}), R"({ "name" : { "$regex" : "50%" } })");
  EXPECT_EQ(sent({{"name", {{"$like", "a_%\\%"}}}}), R"({ "name" : { "$regex" : "^a[\\s\\S]{1,2}[\\s\\S]*%$" } })")
      << "_ is one or two UTF-16 units, an escaped % is a %";
  EXPECT_EQ(sent({{"name", {{"$startsWith", std::string(2049, 'x')}}}}), R"({ })")
      << "a pattern past what MongoDB compiles is matched on the client";
}

TEST(mongodb_prefilter, what_mongodb_means_otherwise_stays_on_the_client) {
  EXPECT_EQ(sent({{"age", {{"$ne", 3}}}}), R"({ })") << "$ne also drops arrays holding the value";
  EXPECT_EQ(sent({{"age", {{"$nin", {3}}}}}), R"({ })");
  EXPECT_EQ(sent({{"name", {{"$ilike", "ada"}}}}), R"({ })") << "case folding differs";
  EXPECT_EQ(sent({{"name", {{"$regex", "^a"}}}}), R"({ })") << "PCRE and JavaScript differ";
  EXPECT_EQ(sent({{"$not", {{"age", {{"$gt", 3}}}}}}), R"({ })");
  EXPECT_EQ(sent({{"age", 9007199254740993}}), R"({ })") << "past 2^53 tether compares as doubles, MongoDB exactly";
  EXPECT_EQ(sent({{"age", decimal::parse("2.5")}}), R"({ })");
  // CongoDB orders an int64 past 2^53 and a Decimal128 apart from numbers (filter.hpp).
  EXPECT_EQ(sent({{"age", {{"$gt", 2.5}}}}), R"({ })") << "an integer field may hold an int64 past 2^53";
  EXPECT_EQ(sent({{"price", 2}}), R"({ })") << "a decimal field holds Decimal128s";
  EXPECT_EQ(sent({{"age", 3}}, nullptr), R"({ })") << "an undeclared field may hold either";
  EXPECT_EQ(sent({{"name", "Ada"}}, nullptr), R"({ "name" : { "$eq" : "Ada" } })");
  EXPECT_EQ(sent({{"name", {{"$lt", "\xF0\x9F\x98\x80"}}}}), R"({ })") << "UTF-16 and code point order differ past U+D7FF";
  EXPECT_EQ(sent({{"name", "\xF0\x9F\x98\x80"}}), "{ \"name\" : { \"$eq\" : \"\xF0\x9F\x98\x80\" } }") << "equality does not";
  // An $and keeps what it can send; an $or only when it can send every alternative.
  EXPECT_EQ(sent({{"age", {{"$ne", 3}}}, {"name", "Ada"}}), R"({ "name" : { "$eq" : "Ada" } })");
  EXPECT_EQ(sent({{"$or", array{value{{"age", 1}}, value{{"name", {{"$ilike", "x"}}}}}}}), R"({ })");
  EXPECT_EQ(sent({{"$or", array{value{{"age", 1}}, value{{"name", "x"}}}}}),
            R"({ "$or" : [ { "age" : { "$eq" : { "$numberInt" : "1" } } }, { "name" : { "$eq" : "x" } } ] })");
}

}  // namespace
}  // namespace tether::detail::mongodb
