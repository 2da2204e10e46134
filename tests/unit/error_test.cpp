#include <gtest/gtest.h>
#include <tether/tether.hpp>

#include "core/url.hpp"

namespace tether {
namespace {

TEST(error, statements_are_redacted) {
  EXPECT_EQ(redact_statement("SELECT * FROM u WHERE pw = 'hunter2' AND n = 'it''s'"),
            "SELECT * FROM u WHERE pw = '***' AND n = '***'");
  error e(error_category::query, "failed", {"sqlite", 1, "", "UPDATE u SET pw = 'secret'"});
  EXPECT_EQ(e.statement().find("secret"), std::string::npos);
}

TEST(error, retryable_categories) {
  EXPECT_TRUE(error(error_category::serialization_conflict, "x").is_retryable());
  EXPECT_TRUE(error(error_category::timeout, "x").is_retryable());
  EXPECT_FALSE(error(error_category::unique_violation, "x").is_retryable());
  EXPECT_EQ(to_string(error_category::foreign_key_violation), "foreign_key_violation");
}

TEST(error, urls_are_masked) {
  EXPECT_EQ(detail::mask_url("postgresql://app:s3cret@db.local:5432/app"),
            "postgresql://app:****@db.local:5432/app");
  EXPECT_EQ(detail::mask_url("sqlite:///tmp/x.db"), "sqlite:///tmp/x.db");
  EXPECT_EQ(detail::mask_url("mysql://root@h/db"), "mysql://root@h/db");
}

TEST(error, unknown_schemes_and_malformed_urls_are_refused) {
  try {
    client c{"oracle://u:pw@h/db"};
    FAIL();
  } catch (const error& e) {
    EXPECT_EQ(e.category(), error_category::usage);
    std::string m = e.what();
    EXPECT_NE(m.find("oracle"), std::string::npos);
    EXPECT_EQ(m.find("pw@"), std::string::npos) << "the password leaked: " << m;
  }
  EXPECT_THROW(client{"not a url"}, error);
  EXPECT_THROW(client{"sqlite:/x.db"}, error);
  EXPECT_THROW(client{"sqlite://"}, error);
  EXPECT_THROW(client{"sqlite:///tmp/x.db?busy_timeout=soon"}, error);
  EXPECT_THROW(client{"sqlite:///tmp/x.db?colour=red"}, error);
}

}  // namespace
}  // namespace tether
