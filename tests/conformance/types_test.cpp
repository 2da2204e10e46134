// Every value kind goes in and comes back out unchanged.
#include "conformance.hpp"

namespace tether::conformance {
namespace {

class types : public fixture {};

TEST_F(types, every_kind_round_trips) {
  auto t = make_table({{"id", "pk"}, {"i", "int"}, {"r", "real"}, {"b", "bool"}, {"s", "text"},
                       {"d", "decimal"}, {"ts", "timestamp"}, {"day", "date"}, {"tod", "time"},
                       {"u", "uuid"}, {"bin", "bytes"}, {"j", "json"}});
  // The finest timestamp the engine keeps (microseconds; MongoDB's milliseconds).
  const std::string ts = db->capabilities().timestamp_digits >= 6 ? "2024-02-29T23:59:59.123456Z" : "2024-02-29T23:59:59.123Z";
  value row = {{"i", std::int64_t{9007199254740993}},  // not representable as a double
               {"r", 0.1},
               {"b", true},
               {"s", "héllo\n\"world\" ✓"},
               {"d", decimal::parse("12345678901234567890.123456789")},
               {"ts", timestamp::parse(ts)},
               {"day", date::parse("1999-12-31")},
               {"tod", time_of_day::parse("13:14:15.5")},
               {"u", uuid::parse("123e4567-e89b-12d3-a456-426614174000")},
               {"bin", bytes{{0, 1, 2, 0xff, 0}}},
               {"j", {{"k", make_array({1, "two", nullptr, true})}}}};
  db->insert({.table = t, .records = {row}});
  auto back = db->find_one({.table = t});
  ASSERT_TRUE(back);
  for (const auto& [k, v] : row.as_object()) EXPECT_EQ((*back)[k], v) << k << ": " << (*back)[k].to_json();
  EXPECT_EQ(back->get<std::int64_t>("i"), 9007199254740993);
  EXPECT_EQ(back->get<std::string_view>("s"), "héllo\n\"world\" ✓");
  EXPECT_EQ(back->get<decimal>("d").text, "12345678901234567890.123456789");
  EXPECT_EQ(back->get<timestamp>("ts").micros, timestamp::parse(ts).micros);
  EXPECT_TRUE(back->get<bool>("b"));
  EXPECT_FALSE(back->get<std::optional<bool>>("b") == std::nullopt);
}

TEST_F(types, a_timestamp_finer_than_the_engine_keeps_is_refused_not_rounded) {
  if (db->capabilities().timestamp_digits >= 6)
    GTEST_SKIP() << profile().name << " keeps every microsecond a timestamp has";
  auto t = make_table({{"id", "pk"}, {"ts", "timestamp"}});
  try {
    db->insert({.table = t, .records = {{{"ts", timestamp::parse("2024-02-29T23:59:59.123456Z")}}}});
    FAIL() << "a timestamp with microseconds was stored";
  } catch (const error& e) {
    EXPECT_NE(std::string(e.what()).find("\"ts\""), std::string::npos) << e.what();
  }
  EXPECT_EQ(db->count({.table = t}), 0) << "nothing is written";
}

TEST_F(types, timestamps_keep_the_instant_across_offsets) {
  auto t = make_table({{"id", "pk"}, {"ts", "timestamp"}});
  db->insert({.table = t, .records = {{{"ts", timestamp::parse("2024-06-01T12:00:00+02:00")}}}});
  auto back = db->find_one({.table = t})->get<timestamp>("ts");
  EXPECT_EQ(back.micros, timestamp::parse("2024-06-01T10:00:00Z").micros);
  EXPECT_EQ(db->count({.table = t, .where = {{"ts", {{"$lt", timestamp::parse("2024-06-01T11:00:00Z")}}}}}), 1);
}

TEST_F(types, nulls_come_back_as_null_and_optional) {
  auto t = make_table({{"id", "pk"}, {"s", "text"}, {"i", "int"}});
  db->insert({.table = t, .records = {{{"s", nullptr}, {"i", nullptr}}}});
  auto back = db->find_one({.table = t});
  EXPECT_TRUE(back->is_null("s"));
  EXPECT_EQ(back->get<std::optional<std::string>>("s"), std::nullopt);
  EXPECT_EQ(back->get<std::optional<std::int64_t>>("i"), std::nullopt);
  EXPECT_THROW(back->get<std::int64_t>("i"), error);
}

}  // namespace
}  // namespace tether::conformance
