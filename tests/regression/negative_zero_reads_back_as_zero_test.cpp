// Regression: -0.0 read back as -0.0 on PostgreSQL and as 0.0 on SQLite and MariaDB. A
// double zero now reads back as 0.0 on every engine.
#include <cmath>

#include "conformance.hpp"

namespace tether::conformance {
namespace {

class negative_zero : public fixture {};

TEST_F(negative_zero, reads_back_as_positive_zero) {
  auto t = make_table({{"id", "pk"}, {"x", "real"}});
  db->insert({.table = t, .records = {{{"x", -0.0}}}});
  const double back = db->find({.table = t}).records[0].get<double>("x");
  EXPECT_EQ(back, 0.0);
  EXPECT_FALSE(std::signbit(back));
}

}  // namespace
}  // namespace tether::conformance
