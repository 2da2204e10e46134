// Regression: SQLite compared, sorted and took MIN/MAX of decimal columns as text ("10" <
// "9", -0.01 first, 2.5 != 2.50), kept the scale as written (2.5 read back "2.5"), summed
// decimals in floating point (80016053462.74007) and failed SUM of large integers with
// "integer overflow". Decimals now take the column's scale, compare by value, and sum
// exactly on every engine; integer sums past 64 bits are exact decimals.
#include <limits>

#include "conformance.hpp"

namespace tether::conformance {
namespace {

class decimal_meaning : public fixture {
 protected:
  std::string table() {
    return make_tether_table({{"id", {{"type", "bigint"}, {"primary_key", true}}},
                              {"m", {{"type", "decimal"}, {"precision", 20}, {"scale", 2}}},
                              {"i", "bigint"}});
  }
};

TEST_F(decimal_meaning, values_take_the_scale_and_compare_by_value) {
  auto t = table();
  db->insert({.table = t, .records = {{{"id", 1}, {"m", decimal::parse("2.5")}},
                                      {{"id", 2}, {"m", decimal::parse("10")}},
                                      {{"id", 3}, {"m", decimal::parse("-0.01")}},
                                      {{"id", 4}, {"m", decimal::parse("1.005")}},
                                      {{"id", 5}, {"m", decimal::parse("9.99")}}}});
  auto all = db->find({.table = t, .order_by = {{"id"}}}).records;
  EXPECT_EQ(all[0].get<decimal>("m").text, "2.50");
  EXPECT_EQ(all[3].get<decimal>("m").text, "1.01") << "rounded half away from zero, as the servers round";
  EXPECT_EQ(ids(db->find({.table = t, .where = {{"m", {{"$gt", 9}}}}, .order_by = {{"id"}}}).records),
            (std::vector<std::int64_t>{2, 5}));
  EXPECT_EQ(ids(db->find({.table = t, .where = {{"m", decimal::parse("2.5")}}}).records), (std::vector<std::int64_t>{1}));
  EXPECT_EQ(ids(db->find({.table = t, .order_by = {{"m"}}}).records), (std::vector<std::int64_t>{3, 4, 1, 5, 2}));
  EXPECT_EQ(db->max({.table = t, .column = "m"}), value(decimal::parse("10.00")));
  EXPECT_EQ(db->min({.table = t, .column = "m"}), value(decimal::parse("-0.01")));
}

TEST_F(decimal_meaning, sums_are_exact) {
  auto t = table();
  db->insert({.table = t, .records = {{{"id", 1}, {"m", decimal::parse("80016053462.70")}, {"i", std::numeric_limits<std::int64_t>::max()}},
                                      {{"id", 2}, {"m", decimal::parse("0.04")}, {"i", std::numeric_limits<std::int64_t>::max()}},
                                      {{"id", 3}, {"m", decimal::parse("0.10")}, {"i", 2}}}});
  EXPECT_EQ(db->sum({.table = t, .column = "m"}), value(decimal::parse("80016053462.84")));
  EXPECT_EQ(db->sum({.table = t, .column = "i"}), value(decimal::parse("18446744073709551616")));
  EXPECT_EQ(db->sum({.table = t, .column = "i", .where = {{"id", 3}}}), value(2));
}

}  // namespace
}  // namespace tether::conformance
