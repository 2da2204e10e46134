// Golden requests: the JSON the DynamoDB engine sends for each call kind, as it went over
// the wire to dynalite (scripts/dynamodb-test-server). TransactWriteItems and
// TransactGetItems, which dynalite refuses (UnknownOperationException), are pinned as they
// were sent all the same: the refusal comes after the request. "$T" and "$U" stand for the
// test's own table names.
#include <gtest/gtest.h>

#include <iostream>

#include "conformance.hpp"
#include "core/query/planner.hpp"
#include "engines/dynamodb/connection.hpp"
#include "tether/engines/dynamodb.hpp"

namespace tether::conformance {
namespace {

using nlohmann::json;

class dynamodb_requests : public fixture {
 protected:
  void SetUp() override {
    fixture::SetUp();
    t_ = make_tether_table(value::from_json(
        R"j({"id": {"type": "bigint", "primary_key": true}, "name": "string", "age": "integer"})j"));
    db->insert({.table = t_, .records = {{{"id", 1}, {"name", "Ada"}, {"age", 36}}, {{"id", 2}, {"name", "Bob"}, {"age", 17}}}});
    c_ = tether::dynamodb::make_driver()->connect(url_);
  }
  detail::dynamodb::connection& c() { return dynamic_cast<detail::dynamodb::connection&>(*c_); }
  void run(const engine::plan& p) {
    engine::execution e;
    c_->execute(p, e);
  }
  // The last request was `operation` with this body (names as placeholders).
  void expect_sent(const std::string& operation, const std::string& golden, const std::string& u = "") {
    EXPECT_EQ(c().last_operation(), operation);
    const json sent = json::parse(c().last_body());
    EXPECT_EQ(sent, named(golden, u)) << "sent: " << sent.dump();
  }
  // The golden JSON with "$T" and "$U" replaced by the test's table names.
  json named(std::string golden, const std::string& u = "") const {
    for (auto [mark, name] : {std::pair<std::string, std::string>{"$T", t_}, {"$U", u}})
      for (auto at = golden.find(mark); at != std::string::npos; at = golden.find(mark, at + name.size()))
        golden.replace(at, mark.size(), name);
    return json::parse(golden);
  }
  std::string t_;
  std::unique_ptr<engine::connection> c_;
};

TEST_F(dynamodb_requests, get_item_for_a_fixed_key) {
  run(detail::plan_find({.table = t_, .where = {{"id", 1}}}, db->capabilities()));
  expect_sent("GetItem", R"j({"TableName": "$T", "Key": {"id": {"N": "1"}}, "ConsistentRead": true})j");
}

TEST_F(dynamodb_requests, batch_get_item_for_listed_keys) {
  run(detail::plan_find({.table = t_, .where = {{"id", {{"$in", {2, 1, 2}}}}}}, db->capabilities()));
  expect_sent("BatchGetItem",
              R"j({"RequestItems": {"$T": {"Keys": [{"id": {"N": "2"}}, {"id": {"N": "1"}}], "ConsistentRead": true}}})j");
}

TEST_F(dynamodb_requests, scan_with_a_filter_and_a_projection) {
  run(detail::plan_find({.table = t_, .select = {"name"}, .where = {{"age", {{"$gte", 18}}}, {"name", {{"$startsWith", "A"}}}}},
                        db->capabilities()));
  // The key and what the client re-checks are read too.
  expect_sent("Scan", R"j({"TableName": "$T", "ConsistentRead": true,
      "FilterExpression": "(#n0 >= :v0) AND (begins_with(#n1, :v1))", "ProjectionExpression": "#n2, #n1, #n0",
      "ExpressionAttributeNames": {"#n0": "age", "#n1": "name", "#n2": "id"},
      "ExpressionAttributeValues": {":v0": {"N": "18"}, ":v1": {"S": "A"}}})j");
}

TEST_F(dynamodb_requests, query_of_a_partition_in_sort_key_order) {
  const std::string u = make_tether_table(value::from_json(
      R"j({"account": {"type": "string", "primary_key": true}, "at": {"type": "bigint", "primary_key": true}, "amount": "integer"})j"));
  run(detail::plan_find({.table = u, .where = {{"account", "a-1"}}, .order_by = {{"at", direction::desc}}, .limit = 2},
                        db->capabilities()));
  expect_sent("Query", R"j({"TableName": "$U", "ConsistentRead": true, "KeyConditionExpression": "#n0 = :v0",
      "ScanIndexForward": false, "Limit": 2, "ExpressionAttributeNames": {"#n0": "account"},
      "ExpressionAttributeValues": {":v0": {"S": "a-1"}}})j", u);
}

TEST_F(dynamodb_requests, put_item_on_a_free_key) {
  run(detail::plan_insert({.table = t_, .records = {{{"id", 3}, {"name", "Cy"}}}}, db->capabilities()));
  expect_sent("PutItem", R"j({"TableName": "$T", "Item": {"id": {"N": "3"}, "name": {"S": "Cy"}},
      "ConditionExpression": "attribute_not_exists(#pk)", "ExpressionAttributeNames": {"#pk": "id"}})j");
}

TEST_F(dynamodb_requests, batch_write_item_for_many_records) {
  run(detail::plan_insert({.table = t_, .records = {{{"id", 3}, {"name", "Cy"}}, {{"id", 4}, {"name", nullptr}}}},
                          db->capabilities()));
  // A null is an absent attribute.
  expect_sent("BatchWriteItem", R"j({"RequestItems": {"$T": [{"PutRequest": {"Item": {"id": {"N": "3"}, "name": {"S": "Cy"}}}},
      {"PutRequest": {"Item": {"id": {"N": "4"}}}}]}})j");
}

TEST_F(dynamodb_requests, update_item_with_set_remove_and_add) {
  run(detail::plan_update({.table = t_, .data = value::from_json(R"j({"name": null, "$inc": {"age": 1}})j"),
                           .where = {{"id", 1}}},
                          db->capabilities()));
  // $inc counts null as 0; setting null removes the attribute.
  expect_sent("UpdateItem", R"j({"TableName": "$T", "Key": {"id": {"N": "1"}}, "ConditionExpression": "attribute_exists(#pk)",
      "UpdateExpression": "SET #a1 = if_not_exists(#a1, :zero) + :v1 REMOVE #a0",
      "ExpressionAttributeNames": {"#a0": "name", "#a1": "age", "#pk": "id"},
      "ExpressionAttributeValues": {":v1": {"N": "1"}, ":zero": {"N": "0"}}})j");
}

// The rest of a where that fixes the key is the UpdateItem's condition, with placeholders
// of its own (#wn, :wv) beside the update's (#a, :v).
TEST_F(dynamodb_requests, update_item_by_key_with_the_rest_of_the_where_as_its_condition) {
  run(detail::plan_update({.table = t_, .data = value::from_json(R"j({"$inc": {"age": 1}})j"),
                           .where = value::from_json(R"j({"id": 1, "age": {"$gt": 30}, "name": {"$startsWith": "A"}})j")},
                          db->capabilities()));
  expect_sent("UpdateItem", R"j({"TableName": "$T", "Key": {"id": {"N": "1"}},
      "ConditionExpression": "attribute_exists(#pk) AND ((#wn0 > :wv0) AND (begins_with(#wn1, :wv1)))",
      "UpdateExpression": "SET #a0 = if_not_exists(#a0, :zero) + :v0",
      "ExpressionAttributeNames": {"#a0": "age", "#pk": "id", "#wn0": "age", "#wn1": "name"},
      "ExpressionAttributeValues": {":v0": {"N": "1"}, ":wv0": {"N": "30"}, ":wv1": {"S": "A"}, ":zero": {"N": "0"}}})j");
}

TEST_F(dynamodb_requests, array_updates_append_in_place_or_compute_on_the_list_as_read) {
  const std::string u = make_tether_table(value::from_json(R"j({"id": {"type": "bigint", "primary_key": true}, "tags": "json"})j"));
  db->insert({.table = u, .records = {{{"id", 1}, {"tags", make_array({"a", "b"})}}}});
  run(detail::plan_update({.table = u, .data = value::from_json(R"j({"$push": {"tags": "c"}})j"), .where = {{"id", 1}}},
                          db->capabilities()));
  expect_sent("UpdateItem", R"j({"TableName": "$U", "Key": {"id": {"N": "1"}}, "ConditionExpression": "attribute_exists(#pk)",
      "UpdateExpression": "SET #a0 = list_append(#a0, :v0)", "ExpressionAttributeNames": {"#a0": "tags", "#pk": "id"},
      "ExpressionAttributeValues": {":v0": {"L": [{"S": "c"}]}}})j", u);
  // $pull has no DynamoDB expression on a list: the list is written on the condition that
  // it is still the one read, by size and element by element.
  run(detail::plan_update({.table = u, .data = value::from_json(R"j({"$pull": {"tags": "a"}})j"), .where = {{"id", 1}}},
                          db->capabilities()));
  expect_sent("UpdateItem", R"j({"TableName": "$U", "Key": {"id": {"N": "1"}},
      "ConditionExpression": "attribute_exists(#pk) AND size(#a0) = :v0n AND #a0[0] = :v0o0 AND #a0[1] = :v0o1 AND #a0[2] = :v0o2",
      "UpdateExpression": "SET #a0 = :v0", "ExpressionAttributeNames": {"#a0": "tags", "#pk": "id"},
      "ExpressionAttributeValues": {":v0": {"L": [{"S": "b"}, {"S": "c"}]}, ":v0n": {"N": "3"},
          ":v0o0": {"S": "a"}, ":v0o1": {"S": "b"}, ":v0o2": {"S": "c"}}})j", u);
  EXPECT_EQ((*db->find_one({.table = u}))["tags"], value(make_array({"b", "c"})));
}

TEST_F(dynamodb_requests, delete_item_of_each_match) {
  run(detail::plan_remove({.table = t_, .where = {{"id", 2}}}, db->capabilities()));
  expect_sent("DeleteItem", R"j({"TableName": "$T", "Key": {"id": {"N": "2"}}, "ReturnValues": "ALL_OLD"})j");
}

TEST_F(dynamodb_requests, transact_get_items_for_a_find_of_several_keys_in_a_transaction) {
  c_->transactions_part()->begin({});
  try {
    run(detail::plan_find({.table = t_, .where = {{"id", {{"$in", {1, 2}}}}}}, db->capabilities()));
  } catch (const error& e) {
    std::cout << "[ NOTE     ] " << e.what() << "\n";  // dynalite has no TransactGetItems
  }
  expect_sent("TransactGetItems", R"j({"TransactItems": [{"Get": {"TableName": "$T", "Key": {"id": {"N": "1"}}}},
      {"Get": {"TableName": "$T", "Key": {"id": {"N": "2"}}}}]})j");
}

TEST_F(dynamodb_requests, transact_write_items_at_commit) {
  const std::string u = make_tether_table(value::from_json(R"j({"id": {"type": "bigint", "primary_key": true}, "note": "string"})j"));
  db->insert({.table = u, .records = {{{"id", 9}, {"note", "old"}}}});
  auto& tx = *c_->transactions_part();
  tx.begin({});
  run(detail::plan_update({.table = t_, .data = {{"age", 37}}, .where = {{"name", "Ada"}}}, db->capabilities()));
  run(detail::plan_remove({.table = u, .where = {{"note", "old"}}}, db->capabilities()));
  run(detail::plan_insert({.table = t_, .records = {{{"id", 3}, {"name", "Cy"}}}}, db->capabilities()));
  const auto before = c().requests();
  try {
    tx.commit();
  } catch (const error& e) {
    std::cout << "[ NOTE     ] " << e.what() << "\n";  // dynalite has no TransactWriteItems
  }
  EXPECT_EQ(c().requests() - before, 1u) << "the writes go in one request, at commit";
  // Each write on the condition that what it read still holds.
  expect_sent("TransactWriteItems", R"j({"TransactItems": [
      {"Update": {"TableName": "$T", "Key": {"id": {"N": "1"}}, "ConditionExpression": "attribute_exists(#pk)",
                  "UpdateExpression": "SET #a0 = :v0", "ExpressionAttributeNames": {"#a0": "age", "#pk": "id"},
                  "ExpressionAttributeValues": {":v0": {"N": "37"}}}},
      {"Delete": {"TableName": "$U", "Key": {"id": {"N": "9"}}, "ConditionExpression": "attribute_exists(#pk)",
                  "ExpressionAttributeNames": {"#pk": "id"}}},
      {"Put": {"TableName": "$T", "Item": {"id": {"N": "3"}, "name": {"S": "Cy"}},
               "ConditionExpression": "attribute_not_exists(#pk)", "ExpressionAttributeNames": {"#pk": "id"}}}]})j", u);
}

TEST_F(dynamodb_requests, create_table_and_update_table_as_dry_runs_tell_them) {
  engine::schema_op create{.kind = engine::schema_op_kind::create_collection, .table = "golden_orders"};
  create.fields = {engine::field_def{.name = "customer", .type = field_type::string, .primary_key = true},
                   engine::field_def{.name = "placed", .type = field_type::timestamp, .primary_key = true},
                   engine::field_def{.name = "status", .type = field_type::string}};
  create.indexes = {engine::index_def{.name = "by_status", .fields = {"status", "placed"}}};
  auto step = c_->schema_part()->apply(create, nullptr, true);
  ASSERT_FALSE(step.description.empty());
  const std::string& first = step.description[0];
  ASSERT_EQ(first.rfind("CreateTable ", 0), 0u) << first;
  // Timestamps are kept as text (S); the index projects every attribute.
  EXPECT_EQ(json::parse(first.substr(12)), json::parse(R"j({"TableName": "golden_orders", "BillingMode": "PAY_PER_REQUEST",
      "AttributeDefinitions": [{"AttributeName": "customer", "AttributeType": "S"},
                               {"AttributeName": "placed", "AttributeType": "S"},
                               {"AttributeName": "status", "AttributeType": "S"}],
      "KeySchema": [{"AttributeName": "customer", "KeyType": "HASH"}, {"AttributeName": "placed", "KeyType": "RANGE"}],
      "GlobalSecondaryIndexes": [{"IndexName": "by_status", "Projection": {"ProjectionType": "ALL"},
          "KeySchema": [{"AttributeName": "status", "KeyType": "HASH"}, {"AttributeName": "placed", "KeyType": "RANGE"}]}]})j"))
      << first;
  EXPECT_FALSE(c_->introspection_part()->describe("golden_orders").has_value()) << "a dry run made the table";

  engine::schema_op index{.kind = engine::schema_op_kind::create_index, .table = t_};
  index.indexes = {engine::index_def{.name = "by_name", .fields = {"name"}}};
  const auto before = c_->introspection_part()->describe(t_);
  ASSERT_TRUE(before.has_value());
  const auto update = c_->schema_part()->apply(index, &*before, true).description;
  ASSERT_FALSE(update.empty());
  ASSERT_EQ(update[0].rfind("UpdateTable ", 0), 0u) << update[0];
  EXPECT_EQ(json::parse(update[0].substr(12)), named(R"j({"TableName": "$T",
      "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "N"}, {"AttributeName": "name", "AttributeType": "S"}],
      "GlobalSecondaryIndexUpdates": [{"Create": {"IndexName": "by_name", "Projection": {"ProjectionType": "ALL"},
          "KeySchema": [{"AttributeName": "name", "KeyType": "HASH"}]}}]})j"))
      << update[0];
}

}  // namespace
}  // namespace tether::conformance
