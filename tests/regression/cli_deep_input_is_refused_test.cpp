// Regression: 100,000 nested {"$and": […]} in `--where`, or 100,000 nested arrays in
// `--data`, made the tether command exit with SIGSEGV. Now it exits 2 with the limit named.
#include "cli_fixture.hpp"

namespace {

using namespace tether_cli_test;

TEST_F(cli, deep_where_and_data_are_refused_with_the_limit_named) {
  seed();
  std::string where;
  for (int i = 0; i < 100'000; ++i) where += R"({"$and":[)";
  where += R"({"id":1})";
  for (int i = 0; i < 100'000; ++i) where += "]}";
  for (const auto& cmd : std::vector<std::vector<std::string>>{{"count", "users", "--where", "-"},
                                                               {"find", "users", "--where", "-"},
                                                               {"delete", "users", "--where", "-"}}) {
    auto r = run(cmd, where);
    EXPECT_EQ(r.code, 2) << cmd[0] << ": " << r.err;
    EXPECT_NE(r.err.find("256"), std::string::npos) << r.err;
  }
  const std::string deep = R"({"name":)" + std::string(100'000, '[') + std::string(100'000, ']') + "}";
  auto r = run({"insert", "users", "--data", "-"}, deep);
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_NE(r.err.find("256"), std::string::npos) << r.err;
  auto n = run({"count", "users"});
  EXPECT_EQ(n.code, 0);
  EXPECT_NE(n.out.find('2'), std::string::npos) << n.out;
}

}  // namespace
