// Regression: on PostgreSQL a timestamp written with an offset into a `datetime` column
// (TIMESTAMP, no zone) lost the offset: 12:00:00+02:00 read back as 12:00:00Z, two hours
// off. Every engine now keeps the instant in both zone-less and zoned columns.
#include "conformance.hpp"

namespace tether::conformance {
namespace {

class datetime_instant : public fixture {};

TEST_F(datetime_instant, is_kept_in_zoneless_and_zoned_columns) {
  tether::schema sc{*db, {.table = unique_name("migrations")}};
  auto t = unique_name("times");
  sc.create(t, {{"id", {{"type", "integer"}, {"primary_key", true}}},
                {"dt", {{"type", "datetime"}}},
                {"ts", {{"type", "timestamp"}}}});
  const auto written = timestamp::parse("2024-06-01T12:00:00.250000+02:00");
  const auto utc = timestamp::parse("2024-06-01T10:00:00.250000Z");
  db->insert({.table = t, .records = {{{"id", 1}, {"dt", written}, {"ts", written}}}});
  db->insert({.table = t, .records = {{{"id", 2}, {"dt", written}, {"ts", written}},
                                      {{"id", 3}, {"dt", utc}, {"ts", utc}}},
              .return_ids = false});
  for (auto r : db->find({.table = t}).records) {
    EXPECT_EQ(r.get<timestamp>("dt").micros, utc.micros) << "id " << r.get<std::int64_t>("id") << ": "
                                                          << r.get<timestamp>("dt").to_string();
    EXPECT_EQ(r.get<timestamp>("ts").micros, utc.micros) << "id " << r.get<std::int64_t>("id");
  }
  // A filter with an offset finds the same instant.
  EXPECT_EQ(db->count({.table = t, .where = {{"dt", written}}}), 3);
  EXPECT_EQ(db->count({.table = t, .where = {{"ts", {{"$gte", written}}}}}), 3);
}

}  // namespace
}  // namespace tether::conformance
