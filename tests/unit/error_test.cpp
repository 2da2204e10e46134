#include <gtest/gtest.h>
#include <tether/tether.hpp>

#include "core/workspace/url.hpp"
#include "sql/redact.hpp"

namespace tether {
namespace {

TEST(error, sql_statements_are_redacted) {
  EXPECT_EQ(detail::sql::redact_statement("SELECT * FROM u WHERE pw = 'hunter2' AND n = 'it''s'"),
            "SELECT * FROM u WHERE pw = '***' AND n = '***'");
  EXPECT_EQ(detail::sql::redact_statement("SELECT 'a\\'b' , 'open"), "SELECT '***' , '***'");
}

TEST(error, details_are_the_engines_own_terms) {
  error e(error_category::check_violation, "failed",
          {.engine = "dynamodb", .code = "ConditionalCheckFailedException", .statement = "PutItem users"});
  EXPECT_EQ(e.code(), "ConditionalCheckFailedException");
  EXPECT_EQ(e.sqlstate(), "");
  EXPECT_EQ(e.details().statement, "PutItem users");
  EXPECT_FALSE(e.poisons_connection());
  EXPECT_FALSE(e.in_doubt());
}

TEST(error, lost_connections_poison_it_and_a_lost_commit_is_in_doubt) {
  EXPECT_TRUE(error(error_category::connection, "x").poisons_connection());
  EXPECT_TRUE(error(error_category::connection, "x").is_retryable());
  error lost(error_category::in_doubt, "x");
  EXPECT_TRUE(lost.poisons_connection());
  EXPECT_TRUE(lost.in_doubt());
  EXPECT_FALSE(lost.is_retryable());
  EXPECT_FALSE(error(error_category::unique_violation, "x").poisons_connection());
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
