#include <gtest/gtest.h>
#include <tether/tether.hpp>

namespace tether {
namespace {

TEST(value, brace_literals_read_like_json) {
  value where = {{"status", "active"}, {"age", {{"$gt", 18}}}};
  ASSERT_TRUE(where.is_object());
  EXPECT_EQ(where.size(), 2u);
  EXPECT_EQ(where["status"].as_string(), "active");
  EXPECT_EQ(where["age"]["$gt"].as_int(), 18);
  EXPECT_EQ(where.as_object()[0].first, "status");  // insertion order is kept

  value list = {1, 2, 3};
  EXPECT_TRUE(list.is_array());
  EXPECT_EQ(list.size(), 3u);
  value forced = make_array({value{"a", 1}, value{"b", 2}});
  EXPECT_TRUE(forced.is_array());
  EXPECT_EQ(forced.size(), 2u);
}

TEST(value, kinds_and_typed_access) {
  EXPECT_EQ(value().kind(), value_kind::null);
  EXPECT_EQ(value(true).kind(), value_kind::boolean);
  EXPECT_EQ(value(5).kind(), value_kind::integer);
  EXPECT_EQ(value(std::uint32_t{5}).kind(), value_kind::integer);
  EXPECT_EQ(value(2.5).kind(), value_kind::real);
  EXPECT_EQ(value("x").kind(), value_kind::string);
  EXPECT_EQ(value(5).as_double(), 5.0);
  try {
    (void)value("x").as_int();
    FAIL();
  } catch (const error& e) {
    EXPECT_EQ(e.category(), error_category::usage);
    EXPECT_STREQ(e.what(), "the value is string, not integer");
  }
  value obj = {{"a", 1}};
  EXPECT_THROW((void)obj["b"], error);
  EXPECT_EQ(obj.find("b"), nullptr);
}

TEST(value, temporal_parsing_and_printing) {
  EXPECT_EQ(date::parse("2024-02-29").to_string(), "2024-02-29");
  EXPECT_THROW(date::parse("2023-02-29"), error);
  EXPECT_THROW(date::parse("2023-2-9"), error);
  EXPECT_EQ(date::parse("1970-01-02").days, 1);
  EXPECT_EQ(date::parse("1969-12-31").days, -1);
  EXPECT_EQ(time_of_day::parse("01:02:03.5").to_string(), "01:02:03.500000");
  EXPECT_THROW(time_of_day::parse("25:00:00"), error);
  auto ts = timestamp::parse("2024-06-01T12:00:00.25+02:00");
  EXPECT_EQ(ts.to_string(), "2024-06-01T12:00:00.250000+02:00");
  EXPECT_EQ(ts.micros, timestamp::parse("2024-06-01T10:00:00.25Z").micros);
  EXPECT_EQ(timestamp::parse("1960-01-01 00:00:00Z").to_string(), "1960-01-01T00:00:00Z");
  EXPECT_THROW(timestamp::parse("2024-06-01T12:00:00+2"), error);
  EXPECT_EQ(uuid::parse("123E4567-E89B-12D3-A456-426614174000").to_string(),
            "123e4567-e89b-12d3-a456-426614174000");
  EXPECT_THROW(uuid::parse("123e4567e89b12d3a456426614174000"), error);
  EXPECT_EQ(object_id::parse("65F1C0DE2A9B4E0012345678").to_string(), "65f1c0de2a9b4e0012345678");
  try {
    object_id::parse("65f1c0de2a9b4e001234567");
    ADD_FAILURE() << "23 digits taken";
  } catch (const error& e) {
    EXPECT_NE(std::string(e.what()).find("24 hexadecimal digits"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("65f1c0de2a9b4e001234567"), std::string::npos) << e.what();
  }
  EXPECT_THROW(object_id::parse("65f1c0de2a9b4e001234567g"), error);
  EXPECT_EQ(value(object_id::parse("65f1c0de2a9b4e0012345678")).to_text(), "65f1c0de2a9b4e0012345678");
  EXPECT_NE(value(object_id::parse("65f1c0de2a9b4e0012345678")), value("65f1c0de2a9b4e0012345678"))
      << "an ObjectId is not its text";
  EXPECT_EQ(decimal::parse("+1.50").text, "1.50");
  EXPECT_THROW(decimal::parse("1.2.3"), error);
  EXPECT_THROW(decimal::parse(""), error);
  EXPECT_EQ(decimal::parse("-2e10").text, "-2e10");
}

}  // namespace
}  // namespace tether
