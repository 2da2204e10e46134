// How a cancelled TransactWriteItems is told: DynamoDB answers TransactionCanceledException
// with one CancellationReasons entry per write, in order. dynalite has no transactions, so
// these answers are the ones the API reference documents, given to the mapping directly.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "engines/dynamodb/connection.hpp"
#include "tether/error.hpp"

namespace tether::detail::dynamodb {
namespace {

std::vector<pending_write> three_writes() {
  return {{json{{"Update", json::object()}}, "orders", json{{"id", {{"N", "1"}}}}, error_category::serialization_conflict,
           "an item of \"orders\" that this transaction updates changed or was removed after it was read"},
          {json{{"Put", json::object()}}, "orders", json{{"id", {{"N", "2"}}}}, error_category::unique_violation,
           "a duplicate key: \"orders\" already holds an item with this key"},
          {json{{"Delete", json::object()}}, "lines", json{{"id", {{"N", "9"}}}}, error_category::serialization_conflict,
           "an item of \"lines\" that this transaction removes was removed after it was read"}};
}

const error cancelled(error_category::serialization_conflict, "Transaction cancelled (dynamodb TransactionCanceledException)",
                      error_details{.engine = "dynamodb", .code = "TransactionCanceledException"});

json reasons(std::vector<json> each) { return json{{"__type", "TransactionCanceledException"}, {"CancellationReasons", each}}; }

TEST(dynamodb_transactions, a_failed_put_condition_is_a_duplicate_key_naming_the_write) {
  const auto writes = three_writes();
  const error e = cancelled_transaction(
      reasons({{{"Code", "None"}}, {{"Code", "ConditionalCheckFailed"}, {"Message", "The conditional request failed"}},
               {{"Code", "None"}}}),
      writes, cancelled);
  EXPECT_EQ(e.category(), error_category::unique_violation) << e.what();
  EXPECT_EQ(e.code(), "ConditionalCheckFailed");
  EXPECT_NE(std::string(e.what()).find("wrote nothing"), std::string::npos) << e.what();
  EXPECT_NE(std::string(e.what()).find("already holds an item with this key"), std::string::npos) << e.what();
  EXPECT_NE(std::string(e.what()).find("write 2 of 3"), std::string::npos) << e.what();
}

TEST(dynamodb_transactions, a_failed_update_condition_is_a_retryable_conflict) {
  const auto writes = three_writes();
  const error e = cancelled_transaction(reasons({{{"Code", "ConditionalCheckFailed"}}, {{"Code", "None"}}, {{"Code", "None"}}}),
                                        writes, cancelled);
  EXPECT_EQ(e.category(), error_category::serialization_conflict) << e.what();
  EXPECT_NE(std::string(e.what()).find("changed or was removed after it was read"), std::string::npos) << e.what();
}

TEST(dynamodb_transactions, conflicts_throttling_and_validation_keep_their_meaning) {
  const auto writes = three_writes();
  const std::vector<std::pair<std::string, error_category>> cases{
      {"TransactionConflict", error_category::serialization_conflict},
      {"ThrottlingError", error_category::timeout},
      {"ProvisionedThroughputExceeded", error_category::timeout},
      {"ValidationError", error_category::query}};
  for (const auto& [code, category] : cases) {
    const error e = cancelled_transaction(
        reasons({{{"Code", "None"}}, {{"Code", "None"}}, {{"Code", code}, {"Message", "about lines"}}}), writes, cancelled);
    EXPECT_EQ(e.category(), category) << code << ": " << e.what();
    EXPECT_EQ(e.code(), code);
    EXPECT_NE(std::string(e.what()).find("write 3 of 3"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("lines"), std::string::npos) << e.what();
  }
}

TEST(dynamodb_transactions, an_answer_without_reasons_is_the_cancellation_itself) {
  const auto writes = three_writes();
  for (const json& answer : {json(), json{{"__type", "TransactionCanceledException"}},
                             reasons({{{"Code", "None"}}, {{"Code", "None"}}, {{"Code", "None"}}}),
                             json{{"CancellationReasons", "not a list"}}}) {
    const error e = cancelled_transaction(answer, writes, cancelled);
    EXPECT_EQ(e.code(), "TransactionCanceledException") << answer.dump();
    EXPECT_EQ(e.category(), error_category::serialization_conflict);
  }
}

}  // namespace
}  // namespace tether::detail::dynamodb
