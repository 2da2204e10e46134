// Regression: `?charset=gbk` (or sjis, big5, …) was passed to the server as the connection
// character set, so tether's UTF-8 strings were read as another charset and hand-escaped
// literals could be ended early by a 0x5c trail byte. A MySQL URL now takes utf8mb4 only.
#include <gtest/gtest.h>
#include <tether/tether.hpp>

#include <cstdlib>

namespace tether {
namespace {

std::string with_option(std::string url, std::string_view option) {
  return url + (url.find('?') == std::string::npos ? "?" : "&") + std::string(option);
}

TEST(regression, mysql_connects_in_utf8mb4_only) {
  const std::string url = std::getenv("TETHER_MYSQL_URL");
  for (std::string_view cs : {"gbk", "sjis", "big5", "latin1", "utf8mb3", "cp932", "gb18030"}) {
    try {
      tether::client db{with_option(url, "charset=" + std::string(cs))};
      db.count({.table = "information_schema.TABLES"});
      FAIL() << "charset=" << cs << " was accepted";
    } catch (const error& e) {
      EXPECT_EQ(e.category(), error_category::usage) << e.what();
      std::string what = e.what();
      EXPECT_NE(what.find(std::string(cs)), std::string::npos) << what;
      EXPECT_NE(what.find("utf8mb4"), std::string::npos) << what;
      EXPECT_EQ(what.find("tether-test"), std::string::npos) << "the password is in the message: " << what;
    }
  }
  tether::client db{with_option(url, "charset=UTF8MB4")};
  auto r = db.raw({.query = "SELECT @@character_set_client AS cs"});
  EXPECT_EQ(r.records[0].get<std::string>("cs"), "utf8mb4");
}

}  // namespace
}  // namespace tether
