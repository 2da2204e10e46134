// The getting-started flow of the `tether` command on the engines without SQL, each on the
// server scripts/run-tests starts (dynalite, CongoDB): make a table, write, read with
// filters, change the schema, and see the migrations recorded, all with the engine's URL.
#include <cstdlib>

#include "cli_fixture.hpp"

namespace {

using namespace tether_cli_test;

class engines_cli : public cli {
 protected:
  // The flow on `url`, whose `secret` (if any) must never be printed.
  void getting_started(const std::string& url, const std::string& secret);
};

void engines_cli::getting_started(const std::string& url, const std::string& secret) {
  const std::string table = "cli_orders_" + std::to_string(::getpid());
  auto ok = [&](std::vector<std::string> args) {
    args.insert(args.begin(), {"--url", url});
    auto r = run(args);
    std::string shown;
    for (const auto& a : args) shown += a + " ";
    EXPECT_EQ(r.code, 0) << shown << "\n" << r.err;
    if (!secret.empty()) {
      EXPECT_EQ(r.err.find(secret), std::string::npos) << "the secret was shown: " << r.err;
      EXPECT_EQ(r.out.find(secret), std::string::npos) << "the secret was shown: " << r.out;
    }
    return r.out;
  };
  ok({"schema", "create", table, "--fields",
      R"({"id":{"type":"bigint","primary_key":true,"auto_increment":true},"item":"string","qty":{"type":"integer","default":1}})"});
  EXPECT_NE(ok({"insert", table, "--data", R"([{"item":"book","qty":2},{"item":"pen","qty":5}])", "--json"}).find("\"count\":2"),
            std::string::npos);
  ok({"insert", table, "--data", R"({"item":"Bookmark"})"});
  const std::string found = ok({"find", table, "--where", R"({"item":{"$ilike":"book%"}})", "--order-by", "id", "--json"});
  EXPECT_NE(found.find("\"item\":\"book\""), std::string::npos) << found;
  EXPECT_NE(found.find("\"item\":\"Bookmark\",\"qty\":1"), std::string::npos) << "the default was applied: " << found;
  EXPECT_EQ(found.find("\"pen\""), std::string::npos) << found;
  EXPECT_NE(ok({"count", table}).find("3"), std::string::npos);
  ok({"update", table, "--where", R"({"item":"pen"})", "--data", R"({"$inc":{"qty":1}})"});
  EXPECT_NE(ok({"find-one", table, "--where", R"({"item":"pen"})", "--json"}).find("\"qty\":6"), std::string::npos);
  ok({"schema", "add-field", table, "note", "--def", "text"});
  EXPECT_NE(ok({"schema", "describe", table, "--json"}).find("\"note\""), std::string::npos);
  EXPECT_NE(ok({"delete", table, "--where", R"({"qty":{"$gte":6}})"}).find("1"), std::string::npos);
  EXPECT_NE(ok({"count", table}).find("2"), std::string::npos);
  ok({"schema", "drop", table});
  EXPECT_EQ(ok({"schema", "list"}).find(table), std::string::npos) << "the table was dropped";
}

#ifdef TETHER_WITH_DYNAMODB
TEST_F(engines_cli, getting_started_works_on_dynamodb) {
  const char* url = std::getenv("TETHER_DYNAMODB_URL");
  if (!url) GTEST_SKIP() << "TETHER_DYNAMODB_URL is not set: scripts/run-tests starts dynalite and sets it";
  getting_started(url, "tether-test-secret");
}
#endif

#ifdef TETHER_WITH_MONGODB
TEST_F(engines_cli, getting_started_works_on_mongodb) {
  const char* url = std::getenv("TETHER_MONGODB_URL");
  if (!url) GTEST_SKIP() << "TETHER_MONGODB_URL is not set: scripts/run-tests starts CongoDB and sets it";
  getting_started(url, "");
}
#endif

}  // namespace
