// tether values ↔ BSON with no server (src/engines/mongodb/types.hpp): each value kind
// written as the BSON type the mapping names, pinned as canonical Extended JSON, and read
// back as the same value; what BSON or MongoDB cannot hold as tether means it is refused
// with the field named, never rounded.
#include <gtest/gtest.h>

#include <limits>
#include <string>

#include "engines/mongodb/types.hpp"
#include "tether/error.hpp"

namespace tether::detail::mongodb {
namespace {

// {"v": <v>} as canonical Extended JSON.
std::string written(const value& v) {
  bson_t doc = BSON_INITIALIZER;
  append_value(&doc, "v", v, "v");
  std::string out = canonical_json(doc);
  bson_destroy(&doc);
  return out;
}

// `v` written and read back, as the field `declared` when given.
value round_trip(const value& v, const engine::field_def* declared = nullptr) {
  bson_t doc = BSON_INITIALIZER;
  append_value(&doc, "v", v, "v");
  bson_iter_t it;
  EXPECT_TRUE(bson_iter_init_find(&it, &doc, "v"));
  value out = read_value(it, declared, "v");
  bson_destroy(&doc);
  return out;
}

std::string refusal(const value& v) {
  try {
    written(v);
  } catch (const error& e) {
    EXPECT_EQ(e.category(), error_category::usage) << e.what();
    return e.what();
  }
  return "(written)";
}

TEST(mongodb_types, each_kind_is_written_as_its_bson_type) {
  EXPECT_EQ(written(nullptr), R"({ "v" : null })");
  EXPECT_EQ(written(true), R"({ "v" : true })");
  EXPECT_EQ(written(42), R"({ "v" : { "$numberInt" : "42" } })") << "int32 when it fits";
  EXPECT_EQ(written(std::int64_t{1} << 40), R"({ "v" : { "$numberLong" : "1099511627776" } })");
  EXPECT_EQ(written(std::numeric_limits<std::int64_t>::min()), R"({ "v" : { "$numberLong" : "-9223372036854775808" } })");
  EXPECT_EQ(written(2.5), R"({ "v" : { "$numberDouble" : "2.5" } })");
  EXPECT_EQ(written(-0.0), R"({ "v" : { "$numberDouble" : "0.0" } })") << "a zero is +0.0";
  EXPECT_EQ(written(decimal::parse("-12.3400")), R"({ "v" : { "$numberDecimal" : "-12.3400" } })");
  EXPECT_EQ(written("Ünïcode ✓"), R"({ "v" : "Ünïcode ✓" })");
  EXPECT_EQ(written(bytes{{0, 1, 255}}), R"({ "v" : { "$binary" : { "base64" : "AAH/", "subType" : "00" } } })");
  EXPECT_EQ(written(uuid::parse("123e4567-e89b-12d3-a456-426614174000")),
            R"({ "v" : { "$binary" : { "base64" : "Ej5FZ+ibEtOkVkJmFBdAAA==", "subType" : "04" } } })");
  EXPECT_EQ(written(object_id::parse("65f1c0de2a9b4e0012345678")), R"({ "v" : { "$oid" : "65f1c0de2a9b4e0012345678" } })");
  EXPECT_EQ(written(timestamp::parse("2026-12-07T10:00:00.123+02:00")),
            R"({ "v" : { "$date" : { "$numberLong" : "1796630400123" } } })") << "the instant, in UTC";
  EXPECT_EQ(written(date::parse("1969-12-31")), R"({ "v" : { "$date" : { "$numberLong" : "-86400000" } } })");
  EXPECT_EQ(written(time_of_day::parse("23:59:58.5")), R"({ "v" : "23:59:58.500000" })");
  EXPECT_EQ(written(value::from_json(R"({"a": [1, {"b": null}]})")),
            R"({ "v" : { "a" : [ { "$numberInt" : "1" }, { "b" : null } ] } })");
}

TEST(mongodb_types, every_kind_reads_back_as_written) {
  for (const value& v : {value(nullptr), value(false), value(-7), value(std::numeric_limits<std::int64_t>::max()),
                         value(0.1), value(decimal::parse("0.000000000000000000000000000000001")),
                         value(decimal::parse("123456789012345678901234567890.1234")), value("x"),
                         value(bytes{{9, 8}}), value(uuid::parse("00000000-0000-4000-8000-000000000001")),
                         value(object_id::parse("000000000000000000000001")),
                         value(timestamp::parse("1900-01-01T00:00:00.001Z")), value::from_json(R"([[], {}, [1, "a"]])")})
    EXPECT_EQ(round_trip(v), v) << v.to_json();
  // Kinds BSON has no type for read back by the field's declared type.
  const engine::field_def day{.name = "v", .type = field_type::date};
  const engine::field_def clock{.name = "v", .type = field_type::time};
  const engine::field_def money{.name = "v", .type = field_type::decimal, .precision = 10, .scale = 2};
  EXPECT_EQ(round_trip(date::parse("1969-12-31"), &day), value(date::parse("1969-12-31"))) << "before 1970 too";
  EXPECT_EQ(round_trip(date::parse("2026-12-07"), &day), value(date::parse("2026-12-07")));
  EXPECT_EQ(round_trip(time_of_day::parse("07:08:09.000010"), &clock), value(time_of_day::parse("07:08:09.000010")));
  EXPECT_EQ(round_trip(3, &money), value(decimal::parse("3"))) << "a decimal field's whole number is a decimal";
  EXPECT_EQ(round_trip(timestamp::parse("2026-12-07T10:00:00+02:00")), value(timestamp::parse("2026-12-07T08:00:00Z")))
      << "the same instant, in UTC";
}

TEST(mongodb_types, decimal128_in_scientific_form_reads_as_a_plain_decimal) {
  for (const auto& [sci, plain] : {std::pair{"1.23E+5", "123000"}, std::pair{"1E-7", "0.0000001"},
                                   std::pair{"-4.5E-3", "-0.0045"}, std::pair{"7E+0", "7"}}) {
    bson_decimal128_t dec;
    ASSERT_TRUE(bson_decimal128_from_string(sci, &dec));
    bson_t doc = BSON_INITIALIZER;
    bson_append_decimal128(&doc, "v", -1, &dec);
    bson_iter_t it;
    ASSERT_TRUE(bson_iter_init_find(&it, &doc, "v"));
    EXPECT_EQ(read_value(it, nullptr, "v"), value(decimal::parse(plain))) << sci;
    bson_destroy(&doc);
  }
}

TEST(mongodb_types, what_bson_cannot_hold_is_refused_naming_the_field) {
  EXPECT_NE(refusal(decimal::parse("1234567890123456789012345678901234.5")).find("34 significant digits"), std::string::npos);
  EXPECT_NE(refusal(timestamp::parse("2026-12-07T10:00:00.000001Z")).find("to the millisecond"), std::string::npos);
  EXPECT_NE(refusal(std::numeric_limits<double>::quiet_NaN()).find("field \"v\""), std::string::npos);
  value deep = 1;
  for (int i = 0; i < 120; ++i) deep = value(array{deep});
  EXPECT_NE(refusal(deep).find("100 levels"), std::string::npos);
  EXPECT_NE(refusal(value(object{{std::string("a\0b", 3), 1}})).find("NUL"), std::string::npos);
}

TEST(mongodb_types, bson_types_without_a_tether_value_are_named) {
  bson_t doc = BSON_INITIALIZER;
  bson_append_regex(&doc, "r", -1, "^a", "i");
  bson_append_minkey(&doc, "m", -1);
  bson_oid_t oid;
  bson_oid_init_from_string(&oid, "6b16bcc078e9faad32aba8f9");
  bson_append_oid(&doc, "_id", -1, &oid);
  bson_iter_t it;
  ASSERT_TRUE(bson_iter_init_find(&it, &doc, "r"));
  try {
    read_value(it, nullptr, "r");
    FAIL() << "a regular expression was read";
  } catch (const error& e) {
    EXPECT_EQ(e.category(), error_category::unsupported);
    EXPECT_NE(std::string(e.what()).find("field \"r\" holds a BSON regular expression"), std::string::npos) << e.what();
  }
  ASSERT_TRUE(bson_iter_init_find(&it, &doc, "_id"));
  EXPECT_EQ(read_value(it, nullptr, "_id"), value(object_id::parse("6b16bcc078e9faad32aba8f9"))) << "an ObjectId as one";
  const engine::field_def text{.name = "_id", .type = field_type::string};
  EXPECT_EQ(read_value(it, &text, "_id"), value("6b16bcc078e9faad32aba8f9")) << "in a string field, its hex";
  bson_destroy(&doc);
}

}  // namespace
}  // namespace tether::detail::mongodb
