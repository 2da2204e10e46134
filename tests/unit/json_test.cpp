#include <gtest/gtest.h>
#include <tether/tether.hpp>

#include <cstdint>
#include <limits>

namespace tether {
namespace {

void round_trip(const value& v, std::string_view expected_json) {
  EXPECT_EQ(v.to_json(), expected_json);
  EXPECT_EQ(value::from_json(v.to_json()), v) << expected_json;
}

TEST(json, lossless_for_every_kind) {
  round_trip(nullptr, "null");
  round_trip(true, "true");
  round_trip(std::numeric_limits<std::int64_t>::max(), "9223372036854775807");
  round_trip(std::numeric_limits<std::int64_t>::min(), "-9223372036854775808");
  round_trip(1.0, "1.0");
  round_trip(0.1, "0.1");
  round_trip(decimal::parse("0.10000000000000000001"), R"({"$decimal":"0.10000000000000000001"})");
  round_trip("tab\tquote\"slash\\ é", R"("tab\tquote\"slash\\ é")");
  round_trip(bytes{{0, 0xff, 0x10}}, R"({"$bytes":"AP8Q"})");
  round_trip(bytes{{1}}, R"({"$bytes":"AQ=="})");
  round_trip(bytes{}, R"({"$bytes":""})");
  round_trip(date::parse("2024-01-02"), R"({"$date":"2024-01-02"})");
  round_trip(time_of_day::parse("12:00:00.000001"), R"({"$time":"12:00:00.000001"})");
  round_trip(timestamp::parse("2024-01-02T03:04:05.123456-05:30"),
             R"({"$timestamp":"2024-01-02T03:04:05.123456-05:30"})");
  round_trip(uuid::parse("00000000-0000-0000-0000-0000000000ff"),
             R"({"$uuid":"00000000-0000-0000-0000-0000000000ff"})");
  round_trip(object_id::parse("65f1c0de2a9b4e0012345678"), R"({"$oid":"65f1c0de2a9b4e0012345678"})");
  round_trip({{"a", make_array({1, "x", nullptr})}, {"b", {{"c", false}}}},
             R"({"a":[1,"x",null],"b":{"c":false}})");
  round_trip(std::numeric_limits<double>::infinity(), R"({"$double":"Infinity"})");
}

TEST(json, integers_past_int64_stay_exact_as_decimals) {
  auto v = value::from_json("18446744073709551615");
  EXPECT_EQ(v.kind(), value_kind::decimal);
  EXPECT_EQ(v.as_decimal().text, "18446744073709551615");
}

TEST(json, operators_are_not_type_tags) {
  auto v = value::from_json(R"({"age":{"$gt":18}})");
  EXPECT_TRUE(v["age"].is_object());
  EXPECT_EQ(v["age"]["$gt"].as_int(), 18);
}

TEST(json, malformed_text_names_the_position) {
  try {
    value::from_json(R"({"a": })");
    FAIL();
  } catch (const error& e) {
    EXPECT_EQ(e.category(), error_category::usage);
    EXPECT_NE(std::string(e.what()).find("invalid JSON at byte"), std::string::npos) << e.what();
  }
  EXPECT_THROW(value::from_json(R"({"$date":"2024-13-01"})"), error);
  EXPECT_THROW(value::from_json(R"({"$bytes":"!!"})"), error);
  EXPECT_THROW(value::from_json(R"({"$uuid":5})"), error);
  EXPECT_THROW(value::from_json(R"({"$oid":"65f1"})"), error);
}

}  // namespace
}  // namespace tether
