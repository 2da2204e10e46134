// Regression: `--limit -1` printed a range up to 1.8e308, and `--limit 99999999999999999999`
// was accepted. Numeric flags now take whole numbers in their range and say which.
#include "cli_fixture.hpp"

namespace {

using namespace tether_cli_test;

TEST_F(cli, numeric_flags_say_what_they_take) {
  seed();
  for (const char* bad : {"-1", "99999999999999999999", "abc", "1e3", "1.5", ""}) {
    auto r = run({"find", "users", "--limit", bad});
    EXPECT_EQ(r.code, 2) << bad;
    EXPECT_NE(r.err.find("--limit: expected a whole number from 0 to 9223372036854775807, got"), std::string::npos)
        << r.err;
    EXPECT_TRUE(r.out.empty()) << r.out;
  }
  auto off = run({"find", "users", "--offset", "-5"});
  EXPECT_EQ(off.code, 2);
  EXPECT_NE(off.err.find("--offset: expected a whole number from 0"), std::string::npos) << off.err;
  auto ok = run({"find", "users", "--limit", "1", "--json"});
  EXPECT_EQ(ok.code, 0) << ok.err;
  EXPECT_NE(ok.out.find("\"count\":1"), std::string::npos) << ok.out;
}

}  // namespace
