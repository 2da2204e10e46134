// Regression: DynamoDB kept a timestamp's text as written, offset and all, so
// 2024-06-01T12:00:00+02:00 read back with its +02:00 where the SQL engines give
// 10:00:00Z, and an order by the field followed the text rather than the instant. Every
// engine now reads a timestamp back in UTC and orders by the instant.
#include "conformance.hpp"

namespace tether::conformance {
namespace {

class timestamps_in_utc : public fixture {};

TEST_F(timestamps_in_utc, read_back_and_order_by_the_instant) {
  auto t = make_tether_table({{"id", {{"type", "integer"}, {"primary_key", true}}}, {"ts", "timestamp"}});
  db->insert({.table = t, .records = {{{"id", 1}, {"ts", timestamp::parse("2024-06-01T12:00:00+02:00")}},   // 10:00Z
                                      {{"id", 2}, {"ts", timestamp::parse("2024-06-01T09:30:00-01:00")}},   // 10:30Z
                                      {{"id", 3}, {"ts", timestamp::parse("2024-06-01T09:45:00Z")}}}});
  auto rows = db->find({.table = t, .order_by = {{"ts"}}}).records;
  EXPECT_EQ(ids(rows), (std::vector<std::int64_t>{3, 1, 2})) << "by the instant, not by the text written";
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[1].get<timestamp>("ts").to_string(), timestamp::parse("2024-06-01T10:00:00Z").to_string());
  EXPECT_EQ(rows[2].get<timestamp>("ts").offset_minutes, 0) << rows[2].get<timestamp>("ts").to_string();
}

}  // namespace
}  // namespace tether::conformance
