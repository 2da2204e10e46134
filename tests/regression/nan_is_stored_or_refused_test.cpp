// Regression: SQLite stored NaN as NULL, silently. On every engine a NaN or an infinity is
// now stored and read back as itself, or refused with an error before anything is
// written (MariaDB refuses all three; SQLite keeps infinities and refuses NaN).
#include <cmath>
#include <limits>

#include "conformance.hpp"

namespace tether::conformance {
namespace {

class non_finite : public fixture {};

TEST_F(non_finite, numbers_are_stored_or_refused) {
  auto t = make_table({{"id", "pk"}, {"x", "real"}});
  for (double d : {std::nan(""), HUGE_VAL, -HUGE_VAL}) {
    const value v = d;
    const auto before = db->count({.table = t});
    try {
      auto r = db->insert({.table = t, .records = {{{"x", v}}}});
      auto row = db->find_one({.table = t, .where = {{"id", r.inserted_ids.at(0)}}});
      ASSERT_TRUE(row);
      ASSERT_FALSE(row->is_null("x")) << v.to_json() << " was stored as NULL";
      const double back = row->get<double>("x");
      if (std::isnan(d)) {
        EXPECT_TRUE(std::isnan(back)) << v.to_json();
      } else {
        EXPECT_EQ(back, d) << v.to_json();
      }
    } catch (const error& e) {
      EXPECT_TRUE(e.category() == error_category::usage || e.category() == error_category::unsupported) << e.what();
      EXPECT_EQ(db->count({.table = t}), before) << "a refused insert wrote something";
    }
  }
}

}  // namespace
}  // namespace tether::conformance
