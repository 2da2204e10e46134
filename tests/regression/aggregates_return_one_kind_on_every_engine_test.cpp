// Regression: AVG kept four decimal places on MariaDB (-0.3137), SUM was an integer on one
// engine and a decimal on another, MIN/MAX of dates, timestamps and decimals came back as
// strings on SQLite, and MIN/MAX of a boolean failed on PostgreSQL and gave 1 elsewhere.
// Each aggregate now has one result kind per input type (docs/querying.md).
#include "conformance.hpp"

namespace tether::conformance {
namespace {

class aggregate_kinds : public fixture {};

TEST_F(aggregate_kinds, each_aggregate_has_its_documented_kind) {
  auto t = make_tether_table({{"id", {{"type", "bigint"}, {"primary_key", true}}},
                              {"n", "bigint"},
                              {"f", "boolean"},
                              {"day", "date"},
                              {"at", "timestamp"},
                              {"m", {{"type", "decimal"}, {"precision", 10}, {"scale", 3}}}});
  std::vector<value> rows;
  for (int k = 1; k <= 51; ++k)
    rows.push_back(object{{"id", k}, {"n", k == 51 ? -32 : 0}, {"f", k % 2 == 0}, {"day", date::from_ymd(2024, 1, 1 + k % 28)},
                          {"at", timestamp::parse("2024-06-01T12:00:00Z")}, {"m", decimal::parse("1.5")}});
  db->insert({.table = t, .records = rows});
  value avg = db->avg({.table = t, .column = "n"});
  ASSERT_EQ(avg.kind(), value_kind::real);
  EXPECT_DOUBLE_EQ(avg.as_double(), -32.0 / 51.0) << "every digit, not -0.6275";
  EXPECT_EQ(db->sum({.table = t, .column = "n"}).kind(), value_kind::integer);
  EXPECT_EQ(db->sum({.table = t, .column = "m"}).kind(), value_kind::decimal);
  EXPECT_EQ(db->min({.table = t, .column = "f"}), value(false));
  EXPECT_EQ(db->max({.table = t, .column = "f"}), value(true));
  EXPECT_EQ(db->min({.table = t, .column = "day"}), value(date::from_ymd(2024, 1, 1)));
  EXPECT_EQ(db->max({.table = t, .column = "at"}).kind(), value_kind::timestamp);
  EXPECT_EQ(db->max({.table = t, .column = "m"}), value(decimal::parse("1.500")));
  auto grouped = db->aggregate({.table = t, .operations = {{"low", {{"$min", "f"}}}, {"mean", {{"$avg", "m"}}}},
                                .group_by = {"f"}, .order_by = {{"f"}}});
  ASSERT_EQ(grouped.size(), 2u);
  EXPECT_EQ(grouped[0]["low"], value(false));
  EXPECT_EQ(grouped[1]["mean"], value(1.5));
}

}  // namespace
}  // namespace tether::conformance
