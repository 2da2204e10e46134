// DynamoDB's own tests against dynalite: its key model, its requests (how many, which),
// its URLs and the fields tether records for a schemaless table.
#include <gtest/gtest.h>

#include <algorithm>

#include "conformance.hpp"
#include "core/client/pool.hpp"
#include "core/client/runner.hpp"
#include "core/query/planner.hpp"
#include "engines/dynamodb/connection.hpp"

namespace tether::conformance {
namespace {

class dynamodb : public fixture {
 protected:
  // A connection of the engine's own, to count the requests a plan makes.
  // It has made sure of tether_schema already, as a connection in use has.
  std::unique_ptr<engine::connection> raw_connection(const std::string& table) {
    auto c = tether::dynamodb::make_driver()->connect(url_);
    warm(*c, table);
    return c;
  }
  // Reads the table's definition, which connections keep for a moment (definitions.hpp):
  // right before counting, so that the count is of the plan's own requests.
  void warm(engine::connection& c, const std::string& table) {
    c.execute(detail::plan_count({.table = table}, db->capabilities()));
  }
  // The only connection of a one-connection client, to count the requests the client's
  // own calls send on it.
  static engine::connection& only_connection(tether::client& one) {
    std::unique_ptr<detail::lease> hold;
    return detail::runner_of(one).pin(hold);  // given back when hold goes
  }
  static std::uint64_t requests(engine::connection& c) {
    return dynamic_cast<detail::dynamodb::connection&>(c).requests();
  }
  static std::string last_operation(engine::connection& c) {
    return dynamic_cast<detail::dynamodb::connection&>(c).last_operation();
  }
  static nlohmann::json last_body(engine::connection& c) {
    return nlohmann::json::parse(dynamic_cast<detail::dynamodb::connection&>(c).last_body());
  }
};

TEST_F(dynamodb, a_table_is_made_with_its_key_and_reads_back_its_fields) {
  auto t = make_tether_table(value::from_json(
      R"({"id": {"type": "bigint", "primary_key": true, "auto_increment": true}, "email": "string", "born": "date", "paid": {"type": "decimal", "precision": 10, "scale": 2}})"));
  auto r = db->insert({.table = t, .records = {{{"email", "ada@example.com"}, {"born", tether::date::parse("1815-12-10")},
                                                {"paid", decimal::parse("12.50")}}}});
  ASSERT_EQ(r.inserted_ids.size(), 1u);
  auto row = db->find_one({.table = t, .where = {{"id", r.inserted_ids[0]}}});
  ASSERT_TRUE(row);
  EXPECT_EQ((*row)["born"].kind(), value_kind::date) << "the declared type decodes the stored string";
  EXPECT_EQ((*row)["born"], value(tether::date::parse("1815-12-10")));
  EXPECT_EQ((*row)["paid"].kind(), value_kind::decimal);
  // DynamoDB keeps 12.5 (it normalises numbers); the declared scale pads it back.
  EXPECT_EQ((*row)["paid"].as_decimal().text, "12.50");
  value d = tether::schema(*db).describe(t);
  EXPECT_EQ(d["primary_key"], value(array{"id"}));
  EXPECT_EQ(d["columns"].size(), 4u) << d.to_json();
}

TEST_F(dynamodb, a_table_needs_a_key_of_one_or_two_fields) {
  try {
    make_tether_table(value::from_json(R"({"name": "string"})"));
    FAIL() << "a table without a key was made";
  } catch (const error& e) {
    EXPECT_EQ(e.category(), error_category::usage) << e.what();
    EXPECT_NE(std::string(e.what()).find("partition key"), std::string::npos) << e.what();
  }
}

TEST_F(dynamodb, a_duplicate_key_is_a_unique_violation) {
  auto t = make_tether_table(value::from_json(R"({"sku": {"type": "string", "primary_key": true}, "qty": "integer"})"));
  db->insert({.table = t, .records = {{{"sku", "a-1"}, {"qty", 1}}}});
  try {
    db->insert({.table = t, .records = {{{"sku", "a-1"}, {"qty", 2}}}});
    FAIL() << "a second item with the same key was put";
  } catch (const error& e) {
    EXPECT_EQ(e.category(), error_category::unique_violation) << e.what();
    EXPECT_EQ(e.code(), "ConditionalCheckFailedException");
    EXPECT_EQ(e.engine(), "dynamodb");
  }
  EXPECT_EQ(db->find_one({.table = t})->get<std::int64_t>("qty"), 1) << "the first item was overwritten";
}

TEST_F(dynamodb, a_bulk_insert_takes_one_batch_write_per_25_items) {
  auto t = make_tether_table(value::from_json(R"({"id": {"type": "bigint", "primary_key": true}, "n": "integer"})"));
  auto c = raw_connection(t);
  for (std::size_t n : {1u, 25u, 26u, 60u}) {
    std::vector<value> rows;
    static std::int64_t next = 0;
    for (std::size_t i = 0; i < n; ++i) rows.push_back(value(object{{"id", ++next}, {"n", static_cast<std::int64_t>(i)}}));
    insert_options o{.table = t, .records = rows, .return_ids = false};
    auto p = detail::plan_insert(o, db->capabilities());
    warm(*c, t);
    warm(*c, t);
  const auto before = requests(*c);
    engine::execution e;
    c->execute(p, e);
    // The table's definition is kept from the warm-up read, so only the writes: one PutItem for a single
    // record, else ceil(n / 25) BatchWriteItem requests (dynalite leaves none unprocessed).
    const std::uint64_t writes = n == 1 ? 1 : (n + 24) / 25;
    EXPECT_EQ(requests(*c) - before, writes) << n << " items";
    EXPECT_EQ(e.affected, static_cast<std::int64_t>(n));
  }
  EXPECT_EQ(db->count({.table = t}), 1 + 25 + 26 + 60);
}

TEST_F(dynamodb, a_find_of_listed_keys_takes_one_batch_get_per_100_keys) {
  auto t = make_tether_table(value::from_json(R"({"id": {"type": "bigint", "primary_key": true}, "n": "integer"})"));
  std::vector<value> rows;
  for (std::int64_t i = 1; i <= 300; ++i) rows.push_back(value(object{{"id", i}, {"n", i % 7}}));
  db->insert({.table = t, .records = rows, .return_ids = false});
  auto c = raw_connection(t);
  for (std::size_t n : {1u, 100u, 101u, 250u}) {
    array keys;
    for (std::size_t i = 0; i < n; ++i) keys.emplace_back(static_cast<std::int64_t>(i + 1));
    keys.emplace_back(std::int64_t{1});     // a duplicate: asked for once
    keys.emplace_back(std::int64_t{9999});  // no such item
    find_options o{.table = t, .where = {{"id", {{"$in", value(keys)}}}, {"n", {{"$ne", 0}}}}};
    auto p = detail::plan_find(o, db->capabilities());
    warm(*c, t);
    warm(*c, t);
  const auto before = requests(*c);
    engine::execution e;
    c->execute(p, e);
    EXPECT_EQ(last_operation(*c), "BatchGetItem");
    // ceil(keys / 100) BatchGetItem requests (dynalite leaves none unprocessed); the
    // definition is kept.
    EXPECT_EQ(requests(*c) - before, (n + 1 + 99) / 100) << n << " keys";
    std::size_t expected = 0;
    for (std::size_t i = 1; i <= n; ++i) expected += i % 7 != 0;
    EXPECT_EQ(e.rows.size(), expected) << "the rest of the filter still applies";
  }
}

// include's many_to_one level is a $in on the related table's key: read with BatchGetItem
// by key, not a Scan. Counted on a one-connection client's own connection.
TEST_F(dynamodb, an_includes_many_to_one_reads_its_rows_by_key_with_batch_get_item) {
  const value key{{"type", "bigint"}, {"primary_key", true}};
  auto customers = make_tether_table({{"id", key}, {"name", "string"}});
  auto orders = make_tether_table({{"id", key}, {"customer_id", "bigint"}});
  db->insert({.table = customers, .records = {{{"id", 1}, {"name", "Ada"}}, {{"id", 2}, {"name", "Bo"}}}});
  db->insert({.table = orders, .records = {{{"id", 10}, {"customer_id", 1}}, {{"id", 11}, {"customer_id", 2}},
                                           {{"id", 12}, {"customer_id", 1}}, {{"id", 13}, {"customer_id", nullptr}}}});
  tether::client one{url_, {.pool_size = 1}};
  engine::connection* c = &only_connection(one);
  const find_options o{.table = orders,
                       .order_by = {{"id"}},
                       .include = {{.relation = "customer", .type = relation_type::many_to_one, .table = customers,
                                    .foreign_key = "customer_id", .primary_key = "id"}}};
  one.find(o);  // the tables' definitions read and kept
  const auto before = requests(*c);
  auto r = one.find(o);
  EXPECT_EQ(last_operation(*c), "BatchGetItem") << "the customers, by key";
  EXPECT_EQ(requests(*c) - before, 2u) << "a Scan of the orders, one BatchGetItem of their 2 distinct customers";
  ASSERT_EQ(r.records.size(), 4u);
  EXPECT_EQ(r.records[2].related("customer").one()->get<std::string>("name"), "Ada");
  EXPECT_FALSE(r.records[3].related("customer").one());
}

// include's one_to_many level is a $in on the related table's foreign key: with a global
// secondary index on that key, it is a Query of each parent's partition, not a Scan.
TEST_F(dynamodb, an_includes_one_to_many_level_queries_each_partition_of_an_index_on_its_key) {
  tether::schema sc{*db, {.table = unique_name("migrations")}};
  const value key{{"type", "bigint"}, {"primary_key", true}};
  auto customers = make_tether_table({{"id", key}, {"name", "string"}});
  const std::string orders = unique_name("orders");
  sc.create(orders, {{"id", key}, {"customer_id", "bigint"}, {"placed", "integer"}},
            {{"indexes", {value{{"name", orders + "_by_customer"}, {"fields", {"customer_id"}}}}}});
  db->insert({.table = customers, .records = {{{"id", 1}, {"name", "Ada"}}, {{"id", 2}, {"name", "Bo"}},
                                              {{"id", 3}, {"name", "Cy"}}}});
  db->insert({.table = orders, .records = {{{"id", 10}, {"customer_id", 1}, {"placed", 3}},
                                           {{"id", 11}, {"customer_id", 1}, {"placed", 1}},
                                           {{"id", 12}, {"customer_id", 2}, {"placed", 2}},
                                           {{"id", 13}, {"customer_id", nullptr}, {"placed", 4}}}});
  tether::client one{url_, {.pool_size = 1}};
  engine::connection* c = &only_connection(one);
  const find_options o{.table = customers,
                       .order_by = {{"id"}},
                       .include = {{.relation = "orders", .type = relation_type::one_to_many, .table = orders,
                                    .foreign_key = "customer_id", .primary_key = "id",
                                    .order_by = {order_term::parse("placed")}}}};
  one.find(o);  // the tables' definitions read and kept
  const auto before = requests(*c);
  auto r = one.find(o);
  EXPECT_EQ(last_operation(*c), "Query");
  EXPECT_EQ(last_body(*c).value("IndexName", ""), orders + "_by_customer") << last_body(*c).dump();
  EXPECT_EQ(requests(*c) - before, 4u) << "a Scan of the customers, then a Query of each one's partition (3)";
  ASSERT_EQ(r.records.size(), 3u);
  ASSERT_EQ(r.records[0].related("orders").size(), 2u);
  EXPECT_EQ(r.records[0].related("orders")[0].get<std::int64_t>("id"), 11) << "placed ascending";
  EXPECT_EQ(r.records[1].related("orders").size(), 1u);
  EXPECT_TRUE(r.records[2].related("orders").empty());
  // The same $in as a find of its own: the rows of the listed partitions, nothing else.
  auto listed = one.find({.table = orders, .where = {{"customer_id", {{"$in", {1, 2, 7}}}}}, .order_by = {{"id"}}});
  EXPECT_EQ(listed.records.size(), 3u);
}

// Keyset pages of one partition ordered by its sort key: the token's range on the sort key
// becomes a key condition, so a later page reads from where the last ended (what wrapping
// LastEvaluatedKey would do), in a request or two, not the partition from its start.
TEST_F(dynamodb, a_keyset_page_of_a_partition_starts_where_the_last_ended) {
  auto t = make_tether_table(value::from_json(
      R"({"user": {"type": "string", "primary_key": true}, "at": {"type": "bigint", "primary_key": true}, "n": "integer"})"));
  std::vector<value> rows;
  for (std::int64_t i = 1; i <= 200; ++i) rows.push_back(value(object{{"user", "ada"}, {"at", i * 10}, {"n", i}}));
  for (std::int64_t i = 1; i <= 5; ++i) rows.push_back(value(object{{"user", "bob"}, {"at", i}, {"n", -i}}));
  db->insert({.table = t, .records = rows});
  tether::client one{url_, {.pool_size = 1}};
  engine::connection* c = &only_connection(one);
  find_options o{.table = t, .where = {{"user", "ada"}}, .order_by = {{"at"}}, .limit = 10, .after = ""};
  std::vector<std::int64_t> seen;
  std::uint64_t most = 0;
  for (int page = 0; page < 8; ++page) {
    const auto before = requests(*c);
    auto r = one.find(o);
    if (page > 0) most = std::max<std::uint64_t>(most, requests(*c) - before);
    for (std::size_t i = 0; i < r.records.size(); ++i) seen.push_back(r.records[i].get<std::int64_t>("n"));
    ASSERT_FALSE(r.next.empty());
    o.after = r.next;
  }
  std::vector<std::int64_t> expected;
  for (std::int64_t i = 1; i <= 80; ++i) expected.push_back(i);
  EXPECT_EQ(seen, expected) << "eight pages of ten, in order, none missed or repeated";
  const auto body = last_body(*c);
  EXPECT_EQ(last_operation(*c), "Query");
  EXPECT_NE(body.value("KeyConditionExpression", "").find(" AND "), std::string::npos)
      << "the sort key's range is a key condition: " << body.dump();
  EXPECT_LE(most, 3u) << "a page reads from the token on: a request or two (the row at the token itself is "
                         "read again and dropped), never the partition from its start";
}

TEST_F(dynamodb, a_find_by_the_whole_key_is_one_get_item) {
  auto t = make_tether_table(value::from_json(
      R"({"user": {"type": "string", "primary_key": true}, "at": {"type": "bigint", "primary_key": true}, "what": "string"})"));
  db->insert({.table = t, .records = {{{"user", "ada"}, {"at", 1}, {"what", "a"}}, {{"user", "ada"}, {"at", 2}, {"what", "b"}},
                                      {{"user", "bob"}, {"at", 1}, {"what", "c"}}}});
  auto c = raw_connection(t);
  find_options o{.table = t, .where = {{"user", "ada"}, {"at", 2}}};
  auto p = detail::plan_find(o, db->capabilities());
  warm(*c, t);
  const auto before = requests(*c);
  engine::execution e;
  c->execute(p, e);
  EXPECT_EQ(requests(*c) - before, 1u) << "one GetItem (the definition is kept)";
  EXPECT_EQ(last_operation(*c), "GetItem");
  ASSERT_EQ(e.rows.size(), 1u);
  EXPECT_EQ(e.rows[0].get<std::string>("what"), "b");
  // The partition key alone: one Query (one page here), which reads that partition only.
  find_options partition{.table = t, .where = {{"user", "bob"}}};
  auto q = detail::plan_find(partition, db->capabilities());
  warm(*c, t);
  const auto before_query = requests(*c);
  engine::execution in_partition;
  c->execute(q, in_partition);
  EXPECT_EQ(requests(*c) - before_query, 1u) << "one Query (the definition is kept)";
  EXPECT_EQ(last_operation(*c), "Query");
  find_options other{.table = t, .where = {{"what", "c"}}};
  auto scan = detail::plan_find(other, db->capabilities());
  engine::execution scanned;
  c->execute(scan, scanned);
  EXPECT_EQ(last_operation(*c), "Scan") << "no key field is fixed";
  EXPECT_EQ(names(in_partition.rows, "what"), (std::vector<std::string>{"c"}));
  // A composite key: the sort key orders items of one partition.
  EXPECT_EQ(names(db->find({.table = t, .where = {{"user", "ada"}}, .order_by = {{"at", direction::desc}}}).records, "what"),
            (std::vector<std::string>{"b", "a"}));
}

// An update of one item by its key, with operators DynamoDB applies in place, is one
// conditional UpdateItem and no read, the rest of the where its condition; with a condition
// DynamoDB cannot judge as tether does, it reads first.
TEST_F(dynamodb, an_update_by_the_key_alone_is_one_update_item) {
  auto t = make_tether_table(value::from_json(R"({"id": {"type": "bigint", "primary_key": true}, "n": "integer", "name": "string"})"));
  db->insert({.table = t, .records = {{{"id", 1}, {"n", 1}, {"name", "a"}}}});
  auto c = raw_connection(t);
  auto run = [&](update_options o) {
    engine::execution e;
    warm(*c, t);
    const auto before = requests(*c);
    c->execute(detail::plan_update(o, db->capabilities()), e);
    return std::pair{e, requests(*c) - before};
  };
  auto [e, sent] = run({.table = t, .data = {{"name", "b"}, {"$inc", {{"n", 2}}}}, .where = {{"id", 1}}, .returning = {"n", "name"}});
  EXPECT_EQ(sent, 1u) << "no read before the write";
  EXPECT_EQ(last_operation(*c), "UpdateItem");
  EXPECT_EQ(e.affected, 1);
  ASSERT_EQ(e.rows.size(), 1u);
  EXPECT_EQ(e.rows[0]["n"], value(3));
  EXPECT_EQ(e.rows[0]["name"], value("b"));
  auto [missing, sent_missing] = run({.table = t, .data = {{"n", 9}}, .where = {{"id", 2}}, .returning = {"n"}});
  EXPECT_EQ(sent_missing, 1u);
  EXPECT_EQ(missing.affected, 0) << "an absent key was updated";
  EXPECT_EQ(missing.rows.size(), 0u);
  EXPECT_EQ(db->count({.table = t}), 1) << "an update by key made an item";
  auto [filtered, sent_filtered] = run({.table = t, .data = {{"n", 9}}, .where = {{"id", 1}, {"name", "not b"}}});
  EXPECT_EQ(sent_filtered, 1u) << "the rest of the where is the UpdateItem's condition, not a read";
  EXPECT_EQ(last_operation(*c), "UpdateItem");
  EXPECT_EQ(filtered.affected, 0) << "an item the where rejects was counted";
  EXPECT_EQ((*db->find_one({.table = t}))["n"], value(3)) << "an item the where rejects was written";
  auto [matched, sent_matched] =
      run({.table = t, .data = {{"$inc", {{"n", 1}}}}, .where = value::from_json(R"({"id": 1, "name": "b", "n": {"$gte": 3}})"), .returning = {"n"}});
  EXPECT_EQ(sent_matched, 1u);
  EXPECT_EQ(matched.affected, 1);
  ASSERT_EQ(matched.rows.size(), 1u);
  EXPECT_EQ(matched.rows[0]["n"], value(4));
  auto [client, sent_client] = run({.table = t, .data = {{"n", 5}}, .where = value::from_json(R"({"id": 1, "name": {"$endsWith": "b"}})")});
  EXPECT_EQ(sent_client, 2u) << "$endsWith is judged on the client: one read, then the write";
  EXPECT_EQ(client.affected, 1);
  EXPECT_EQ((*db->find_one({.table = t}))["n"], value(5));
  auto [either, sent_either] = run({.table = t, .data = {{"n", 6}}, .where = value::from_json(R"({"$or": [{"id": 1}, {"id": 2}]})")});
  EXPECT_EQ(either.affected, 1) << "a key in an $or is not a fixed key";
  EXPECT_EQ((*db->find_one({.table = t}))["n"], value(6));
}

// A connection keeps the descriptions it read, but a schema change made in this process,
// on any connection, is seen by the next call of every other.
TEST_F(dynamodb, a_kept_definition_is_forgotten_when_the_schema_changes) {
  auto t = make_tether_table(value::from_json(R"({"id": {"type": "bigint", "primary_key": true}})"));
  auto c = raw_connection(t);
  tether::schema(*db).add_field(t, "born", value::from_json(R"({"type": "date"})"));
  db->insert({.table = t, .records = {{{"id", 1}, {"born", tether::date::parse("1815-12-10")}}}});
  engine::execution e;
  c->execute(detail::plan_find({.table = t, .where = {{"id", 1}}}, db->capabilities()), e);
  ASSERT_EQ(e.rows.size(), 1u);
  EXPECT_EQ(e.rows[0]["born"].kind(), value_kind::date) << "the field added elsewhere is not known by its type";
}

TEST_F(dynamodb, the_filter_dynamodb_can_judge_is_sent_and_the_rest_judged_here) {
  auto t = make_tether_table(value::from_json(
      R"({"id": {"type": "bigint", "primary_key": true}, "name": "string", "age": "integer"})"));
  std::vector<value> rows;
  for (std::int64_t i = 1; i <= 40; ++i)
    rows.push_back(value(object{{"id", i}, {"name", i % 2 ? "ada" : "bob"}, {"age", i}}));
  db->insert({.table = t, .records = rows});
  auto c = raw_connection(t);
  // $gt and $startsWith are DynamoDB's; $endsWith is not: the FilterExpression carries the
  // first two, and the client applies the third to what comes back.
  find_options o{.table = t, .select = {"id"},
                 .where = value::from_json(R"({"age": {"$gt": 30}, "name": {"$startsWith": "a"},
                                              "$or": [{"name": {"$endsWith": "a"}}, {"age": 31}]})")};
  auto p = detail::plan_find(o, db->capabilities());
  engine::execution e;
  c->execute(p, e);
  const auto body = last_body(*c);
  EXPECT_EQ(last_operation(*c), "Scan");
  ASSERT_TRUE(body.contains("FilterExpression")) << body.dump();
  const std::string filter = body["FilterExpression"];
  EXPECT_NE(filter.find(">"), std::string::npos) << filter;
  EXPECT_NE(filter.find("begins_with"), std::string::npos) << filter;
  EXPECT_EQ(filter.find(" OR "), std::string::npos) << "an $or with a client-only branch stays here: " << filter;
  EXPECT_TRUE(body.contains("ProjectionExpression")) << "only the selected field is read: " << body.dump();
  std::vector<std::int64_t> ids;
  for (std::size_t i = 0; i < e.rows.size(); ++i) ids.push_back(e.rows[i].get<std::int64_t>("id"));
  std::sort(ids.begin(), ids.end());
  EXPECT_EQ(ids, (std::vector<std::int64_t>{31, 33, 35, 37, 39}));
}

TEST_F(dynamodb, a_limit_counts_the_items_that_passed_the_filter) {
  // DynamoDB's own Limit counts items before its filter; a find's limit counts matches, so
  // a selective filter must read on until enough items have passed it.
  auto t = make_tether_table(value::from_json(R"({"id": {"type": "bigint", "primary_key": true}, "n": "integer"})"));
  std::vector<value> rows;
  for (std::int64_t i = 1; i <= 300; ++i) rows.push_back(value(object{{"id", i}, {"n", i % 50}}));
  db->insert({.table = t, .records = rows});
  auto c = raw_connection(t);
  warm(*c, t);
  const auto before = requests(*c);
  find_options o{.table = t, .where = {{"n", 7}}, .limit = 4};
  auto p = detail::plan_find(o, db->capabilities());
  engine::execution e;
  c->execute(p, e);
  EXPECT_EQ(e.rows.size(), 4u) << "6 items have n = 7, so a limit of 4 is met";
  EXPECT_GT(requests(*c) - before, 2u) << "a first page of Limit 4 cannot hold 4 matches of 1 in 50";
  for (std::size_t i = 0; i < e.rows.size(); ++i) EXPECT_EQ(e.rows[i].get<std::int64_t>("n"), 7);
  EXPECT_EQ(db->find({.table = t, .where = {{"n", 7}}, .limit = 100}).records.size(), 6u);
  EXPECT_EQ(db->find({.table = t, .where = {{"n", 7}}, .limit = 4, .offset = 4}).records.size(), 2u);
}

TEST_F(dynamodb, an_index_given_at_create_is_a_gsi_that_a_fixed_field_queries) {
  tether::schema sc{*db, {.table = unique_name("migrations")}};
  const std::string t = unique_name("accounts");
  sc.create(t, {{"id", {{"type", "bigint"}, {"primary_key", true}}}, {"email", "string"}, {"at", "integer"}},
            {{"indexes", {value{{"name", t + "_by_email"}, {"fields", {"email", "at"}}}}}});
  ASSERT_EQ(sc.indexes(t).size(), 1u);
  EXPECT_EQ(sc.indexes(t)[0]["fields"].to_json(), R"(["email","at"])");
  std::vector<value> rows;
  for (std::int64_t i = 1; i <= 30; ++i)
    rows.push_back(value(object{{"id", i}, {"email", i % 3 ? "ada@x" : "bob@x"}, {"at", 100 - i}}));
  db->insert({.table = t, .records = rows});
  auto c = raw_connection(t);
  find_options o{.table = t, .where = {{"email", "bob@x"}}, .order_by = {{"at", direction::desc}}, .limit = 3};
  auto p = detail::plan_find(o, db->capabilities());
  engine::execution e;
  c->execute(p, e);
  EXPECT_EQ(last_operation(*c), "Query");
  const auto body = last_body(*c);
  EXPECT_EQ(body.value("IndexName", ""), t + "_by_email") << body.dump();
  EXPECT_EQ(body.value("ScanIndexForward", true), false) << "the index's sort key orders the page: " << body.dump();
  std::vector<std::int64_t> ids;
  for (std::size_t i = 0; i < e.rows.size(); ++i) ids.push_back(e.rows[i].get<std::int64_t>("id"));
  EXPECT_EQ(ids, (std::vector<std::int64_t>{3, 6, 9})) << "bob's newest three by at";
  EXPECT_THROW(sc.create(unique_name("bad_index"), {{"id", {{"type", "bigint"}, {"primary_key", true}}}, {"ok", "boolean"}},
                         {{"indexes", {value{{"fields", {"ok"}}}}}}),
               error)
      << "a boolean cannot key an index";
}

TEST_F(dynamodb, a_table_prefix_keeps_environments_apart_on_one_server) {
  const std::string sep = url_.find('?') == std::string::npos ? "?" : "&";
  const std::string staging = unique_name("stg"), prd = unique_name("prd");
  client a(url_ + sep + "table_prefix=" + staging + "_"), b(url_ + sep + "table_prefix=" + prd + "_");
  for (client* c : {&a, &b})
    tether::schema(*c).create("users", {{"id", {{"type", "bigint"}, {"primary_key", true}}}, {"name", "string"}});
  a.insert({.table = "users", .records = {{{"id", 1}, {"name", "staging"}}}});
  b.insert({.table = "users", .records = {{{"id", 1}, {"name", "prd"}}}});
  EXPECT_EQ(a.find_one({.table = "users"})->get<std::string>("name"), "staging");
  EXPECT_EQ(b.find_one({.table = "users"})->get<std::string>("name"), "prd");
  EXPECT_EQ(tether::schema(a).list(), (std::vector<std::string>{"users"})) << "this environment's tables only";
  EXPECT_TRUE(tether::schema(*db).exists(staging + "_users")) << "the unprefixed URL sees the real name";
  for (client* c : {&a, &b}) tether::schema(*c).drop("users");
  EXPECT_FALSE(tether::schema(*db).exists(prd + "_users"));
  EXPECT_THROW(client(url_ + sep + "table_prefix=no%20spaces"), error);
}

TEST_F(dynamodb, a_number_dynamodb_cannot_hold_is_refused_by_name_and_nothing_is_written) {
  auto t = make_tether_table(value::from_json(R"({"id": {"type": "bigint", "primary_key": true}, "x": "double", "d": "decimal"})"));
  for (value bad : {value(5e-324), value(1e130), value(decimal::parse("1234567890123456789012345678901234567890")),
                    value(decimal::parse("0.1e-140"))}) {
    try {
      const bool real = bad.kind() == value_kind::real;
      db->insert({.table = t, .records = {{{"id", 1}, {"x", 1.5}, {"d", decimal::parse("1")}},
                                          {{"id", 2}, {"x", real ? bad : value(1.5)}, {"d", real ? value(decimal::parse("1")) : bad}}}});
      ADD_FAILURE() << bad.to_json() << " was written";
    } catch (const error& e) {
      EXPECT_EQ(e.category(), error_category::usage) << e.what();
      EXPECT_NE(std::string(e.what()).find("does not fit a DynamoDB number"), std::string::npos) << bad.to_json() << ": " << e.what();
    }
  }
  EXPECT_EQ(db->count({.table = t}), 0) << "a refused record let the one before it be written";
  db->insert({.table = t, .records = {{{"id", 3}, {"x", 1e-120}, {"d", decimal::parse("12345678901234567890123456789012345678")}}}});
  auto row = db->find_one({.table = t});
  EXPECT_EQ((*row)["x"].as_double(), 1e-120);
  EXPECT_EQ((*row)["d"].as_decimal().text, "12345678901234567890123456789012345678");
}

TEST_F(dynamodb, a_field_tether_did_not_record_is_a_schema_error_naming_it) {
  auto t = make_tether_table(value::from_json(R"({"id": {"type": "bigint", "primary_key": true}, "age": "integer"})"));
  db->insert({.table = t, .records = {{{"id", 1}, {"age", 3}}}});
  auto unknown = [&](const std::function<void()>& call, const char* what) {
    try {
      call();
      ADD_FAILURE() << what << " with a misspelt field was accepted";
    } catch (const error& e) {
      EXPECT_EQ(e.category(), error_category::schema) << what << ": " << e.what();
      EXPECT_NE(std::string(e.what()).find("\"agee\""), std::string::npos) << what << ": " << e.what();
    }
  };
  unknown([&] { db->find({.table = t, .where = {{"agee", 3}}}); }, "find");
  unknown([&] { db->insert({.table = t, .records = {{{"id", 2}, {"agee", 3}}}}); }, "insert");
  unknown([&] { db->update({.table = t, .data = {{"agee", 4}}, .where = {{"id", 1}}}); }, "update");
  unknown([&] { db->find({.table = t, .order_by = {{"agee"}}}); }, "order_by");
  EXPECT_EQ(db->count({.table = t}), 1);
}

TEST_F(dynamodb, urls_are_checked_and_their_secret_masked) {
  for (const char* bad : {"dynamodb://", "dynamodb://eu-west-1/only-a-key", "dynamodb://eu_west!/k/s",
                          "dynamodb://eu-west-1?endpoint=ftp://h", "dynamodb://eu-west-1?colour=red",
                          "dynamodb://eu-west-1?endpoint=%zz"}) {
    try {
      client c{bad};
      ADD_FAILURE() << bad << " was accepted";
    } catch (const error& e) {
      EXPECT_EQ(e.category(), error_category::usage) << bad << ": " << e.what();
      EXPECT_NE(std::string(e.what()).find("dynamodb://REGION"), std::string::npos) << e.what();
    }
  }
  try {
    client c{"dynamodb://eu-west-1/AKID/s3cr3t-key?endpoint=http://127.0.0.1:1"};
    ADD_FAILURE() << "a closed port answered";
  } catch (const error& e) {
    EXPECT_EQ(e.category(), error_category::connection) << e.what();
    EXPECT_EQ(std::string(e.what()).find("s3cr3t-key"), std::string::npos) << "the secret leaked: " << e.what();
    EXPECT_NE(std::string(e.what()).find("AKID/****"), std::string::npos) << e.what();
  }
}

// A string or number set (made outside tether) is changed where it stands: $addToSet is
// ADD, $pull is DELETE; $push and $pop, which need an order, are refused naming the set.
TEST_F(dynamodb, a_set_takes_add_to_set_and_pull_natively_and_refuses_an_order) {
  auto t = make_tether_table(value::from_json(R"({"id": {"type": "bigint", "primary_key": true}, "tags": "json"})"));
  auto c = raw_connection(t);
  auto& d = dynamic_cast<detail::dynamodb::connection&>(*c);
  d.send("PutItem", {{"TableName", t}, {"Item", {{"id", {{"N", "1"}}}, {"tags", {{"SS", {"navy", "math"}}}}}}}, t);
  auto tags = [&] {
    auto v = (*db->find_one({.table = t}))["tags"].as_array();
    std::vector<std::string> out;
    for (const auto& e : v) out.push_back(e.as_string());
    std::sort(out.begin(), out.end());
    return out;
  };
  engine::execution e;
  c->execute(detail::plan_update({.table = t, .data = {{"$addToSet", {{"tags", "poetry"}}}}, .where = {{"id", 1}}},
                                 db->capabilities()),
             e);
  EXPECT_EQ(e.affected, 1);
  EXPECT_EQ(last_operation(*c), "UpdateItem");
  EXPECT_EQ(last_body(*c)["UpdateExpression"], "ADD #a0 :v0");
  EXPECT_EQ(last_body(*c)["ExpressionAttributeValues"][":v0"], nlohmann::json::parse(R"({"SS": ["poetry"]})"));
  EXPECT_EQ(tags(), (std::vector<std::string>{"math", "navy", "poetry"}));
  db->update({.table = t, .data = {{"$addToSet", {{"tags", "math"}}}}, .where = {{"id", 1}}});
  db->update({.table = t, .data = {{"$pull", {{"tags", "navy"}}}}, .where = {{"id", 1}}});
  EXPECT_EQ(tags(), (std::vector<std::string>{"math", "poetry"}));
  for (const char* op : {"$push", "$pop"}) {
    try {
      db->update({.table = t, .data = {{op, {{"tags", op == std::string("$pop") ? value(1) : value("x")}}}},
                  .where = {{"id", 1}}});
      ADD_FAILURE() << op << " on a set was accepted";
    } catch (const error& e) {
      EXPECT_EQ(e.category(), error_category::unsupported) << e.what();
      EXPECT_NE(std::string(e.what()).find("a DynamoDB set (SS)"), std::string::npos) << e.what();
    }
  }
  try {
    db->update({.table = t, .data = {{"$addToSet", {{"tags", 7}}}}, .where = {{"id", 1}}});
    ADD_FAILURE() << "a number was added to a string set";
  } catch (const error& e) {
    EXPECT_NE(std::string(e.what()).find("string set, which cannot hold 7"), std::string::npos) << e.what();
  }
  EXPECT_EQ(tags(), (std::vector<std::string>{"math", "poetry"})) << "a refused update wrote";
}

// A transaction's writes wait for commit, so what DynamoDB would refuse there (a second
// write of one item, a 101st item, a read of a pending write) is refused at the call,
// before anything is sent, and the transaction can still be rolled back whole.
TEST_F(dynamodb, a_transaction_refuses_at_the_call_what_commit_could_not_do) {
  auto t = make_tether_table(value::from_json(R"({"id": {"type": "bigint", "primary_key": true}, "n": "integer"})"));
  db->insert({.table = t, .records = {{{"id", 1}, {"n", 1}}, {{"id", 2}, {"n", 2}}}});
  auto expect_refused = [](const std::function<void()>& call, error_category category, const char* code,
                           const char* words) {
    try {
      call();
      ADD_FAILURE() << code << ": accepted";
    } catch (const error& e) {
      EXPECT_EQ(e.category(), category) << e.what();
      EXPECT_EQ(e.code(), code) << e.what();
      EXPECT_NE(std::string(e.what()).find(words), std::string::npos) << e.what();
    }
  };
  auto tx = db->begin();
  tx.insert({.table = t, .records = {{{"id", 3}, {"n", 3}}}});
  expect_refused([&] { tx.insert({.table = t, .records = {{{"id", 3}, {"n", 4}}}}); }, error_category::unique_violation,
                 "DuplicateKeyInTransaction", "already puts an item with this key");
  expect_refused([&] { tx.update({.table = t, .data = {{"n", 5}}, .where = {{"id", 3}}}); }, error_category::unsupported,
                 "TransactionReadsOwnWrites", "would not see the 1 pending write");
  tx.remove({.table = t, .where = {{"id", 1}}});
  expect_refused([&] { tx.insert({.table = t, .records = {{{"id", 1}, {"n", 6}}}}); }, error_category::usage,
                 "DuplicateItemInTransaction", "writes an item once per transaction");
  expect_refused([&] { (void)tx.find_one({.table = t, .where = {{"id", 3}}}); }, error_category::unsupported,
                 "TransactionReadsOwnWrites", "would not see the 1 pending write");
  expect_refused([&] { (void)tx.count({.table = t}); }, error_category::unsupported, "TransactionReadsOwnWrites",
                 "pending write");
  expect_refused(
      [&] {
        tx.update({.table = t, .data = {{"n", 9}}, .where = {{"id", 1}}, .returning = {"n"}});
      },
      error_category::unsupported, "", "cannot return rows");
  std::vector<value> many;
  for (std::int64_t id = 100; id < 198; ++id) many.push_back(value(object{{"id", id}}));
  tx.insert({.table = t, .records = many});  // 2 + 98 writes: the most one transaction holds
  expect_refused([&] { tx.remove({.table = t, .where = {{"id", 2}}}); }, error_category::unsupported,
                 "TransactionItemLimit", "at most 100 items");
  tx.rollback();
  EXPECT_EQ(db->count({.table = t}), 2) << "a refused transaction wrote";
}

// dynalite has no TransactWriteItems: commit says so, and nothing of the transaction lands.
// On DynamoDB itself the same request (pinned in tests/render) commits.
TEST_F(dynamodb, a_commit_the_server_cannot_take_writes_nothing) {
  auto t = make_tether_table(value::from_json(R"({"id": {"type": "bigint", "primary_key": true}, "n": "integer"})"));
  db->insert({.table = t, .records = {{{"id", 1}, {"n", 1}}}});
  auto tx = db->begin();
  tx.insert({.table = t, .records = {{{"id", 2}, {"n", 2}}}});
  tx.update({.table = t, .data = {{"n", 7}}, .where = {{"id", 1}}});
  try {
    tx.commit();
    if (!transaction_refusal().empty()) ADD_FAILURE() << "the probe said commit is refused, yet it committed";
    EXPECT_EQ(db->count({.table = t}), 2);
    return;
  } catch (const error& e) {
    EXPECT_EQ(e.category(), error_category::unsupported) << e.what();
    EXPECT_NE(std::string(e.what()).find("does not offer TransactWriteItems"), std::string::npos) << e.what();
  }
  EXPECT_EQ(db->count({.table = t}), 1) << "part of a refused commit was written";
  EXPECT_EQ(db->find_one({.table = t})->get<std::int64_t>("n"), 1);
}

TEST_F(dynamodb, what_it_does_not_offer_is_refused_naming_the_engine) {
  auto t = make_tether_table(value::from_json(R"({"id": {"type": "bigint", "primary_key": true}})"));
  auto refused = [&](const std::function<void()>& call, const char* what) {
    try {
      call();
      ADD_FAILURE() << what << " was accepted";
    } catch (const error& e) {
      EXPECT_EQ(e.category(), error_category::unsupported) << what << ": " << e.what();
      EXPECT_NE(std::string(e.what()).find("dynamodb"), std::string::npos) << what << ": " << e.what();
    }
  };
  refused([&] { (void)db->begin().savepoint(); }, "a savepoint");
  refused([&] { db->raw({.query = "SELECT 1"}); }, "raw");
  refused([&] { tether::schema(*db).rename(t, t + "_b"); }, "renaming a table");
  refused([&] {
    tether::schema(*db).add_constraint(t, {{"type", "foreign_key"}, {"columns", {"id"}},
                                           {"references", {{"table", t}, {"columns", {"id"}}}}});
  }, "a foreign key");
}

}  // namespace
}  // namespace tether::conformance
