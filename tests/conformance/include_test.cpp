// A find's include on every engine: many_to_one, one_to_many and many_to_many, nested three
// deep, each with its own where/order_by/limit (the limit per parent, exact), null foreign
// keys, parents without children, parents sharing a related row, the JSON nesting, and the
// number of queries: one per relation level, never one per parent.
#include <fmt/format.h>

#include <filesystem>

#include "conformance.hpp"

namespace tether::conformance {
namespace {

class include : public fixture {
 protected:
  void SetUp() override {
    fixture::SetUp();
    if (IsSkipped()) return;
    const value key{{"type", "bigint"}, {"primary_key", true}};
    customers = make_tether_table({{"id", key}, {"name", "string"}});
    orders = make_tether_table({{"id", key}, {"customer_id", "bigint"}, {"placed", "integer"}});
    lines = make_tether_table({{"id", key}, {"order_id", "bigint"}, {"product_id", "bigint"}, {"qty", "integer"}});
    products = make_tether_table({{"id", key}, {"name", "string"}});
    tags = make_tether_table({{"id", key}, {"label", "string"}});
    product_tags = make_tether_table({{"id", key}, {"product_id", "bigint"}, {"tag_id", "bigint"}});
    db->insert({.table = customers, .records = {{{"id", 1}, {"name", "Ada"}}, {{"id", 2}, {"name", "Bo"}},
                                                {{"id", 3}, {"name", "Cy"}}}});
    // Ada has orders 10, 11, 12; Bo has 13; Cy none; order 14 has no customer.
    db->insert({.table = orders, .records = {{{"id", 10}, {"customer_id", 1}, {"placed", 3}},
                                             {{"id", 11}, {"customer_id", 1}, {"placed", 1}},
                                             {{"id", 12}, {"customer_id", 1}, {"placed", 2}},
                                             {{"id", 13}, {"customer_id", 2}, {"placed", 5}},
                                             {{"id", 14}, {"customer_id", nullptr}, {"placed", 4}}}});
    db->insert({.table = lines, .records = {{{"id", 100}, {"order_id", 10}, {"product_id", 1000}, {"qty", 1}},
                                            {{"id", 101}, {"order_id", 10}, {"product_id", 1001}, {"qty", 2}},
                                            {{"id", 102}, {"order_id", 11}, {"product_id", 1000}, {"qty", 3}},
                                            {{"id", 103}, {"order_id", 13}, {"product_id", 1002}, {"qty", 4}}}});
    db->insert({.table = products, .records = {{{"id", 1000}, {"name", "pen"}}, {{"id", 1001}, {"name", "ink"}},
                                               {{"id", 1002}, {"name", "pad"}}}});
    db->insert({.table = tags, .records = {{{"id", 1}, {"label", "office"}}, {{"id", 2}, {"label", "blue"}},
                                           {{"id", 3}, {"label", "unused"}}}});
    db->insert({.table = product_tags, .records = {{{"id", 1}, {"product_id", 1000}, {"tag_id", 1}},
                                                   {{"id", 2}, {"product_id", 1000}, {"tag_id", 2}},
                                                   {{"id", 3}, {"product_id", 1001}, {"tag_id", 1}}}});
  }

  include_options customer_of_order() const {
    return {.relation = "customer", .type = relation_type::many_to_one, .table = customers,
            .foreign_key = "customer_id", .primary_key = "id"};
  }
  include_options orders_of_customer() const {
    return {.relation = "orders", .type = relation_type::one_to_many, .table = orders,
            .foreign_key = "customer_id", .primary_key = "id", .order_by = {order_term::parse("placed:desc")}};
  }

  std::string customers, orders, lines, products, tags, product_tags;
};

TEST_F(include, many_to_one_reads_each_parents_row_or_nothing) {
  auto r = db->find({.table = orders, .order_by = {order_term::parse("id")}, .include = {customer_of_order()}});
  ASSERT_EQ(r.records.size(), 5u);
  EXPECT_EQ(r.records[0].related("customer").one()->get<std::string>("name"), "Ada");
  EXPECT_EQ(r.records[2].related("customer").one()->get<std::string>("name"), "Ada") << "a shared row, for each parent";
  EXPECT_EQ(r.records[3].related("customer").one()->get<std::string>("name"), "Bo");
  EXPECT_FALSE(r.records[4].related("customer").one()) << "a null foreign key reads nothing";
  EXPECT_TRUE(r.records[4].related("customer").to_one());
  const value v = value::from_json(r.to_json());
  EXPECT_EQ(v["records"][0]["customer"]["name"].as_string(), "Ada");
  EXPECT_TRUE(v["records"][4]["customer"].is_null()) << "null in JSON";
  EXPECT_EQ(r.records[0].to_value()["customer"]["id"].as_int(), 1);
  EXPECT_THROW(r.records[0].related("nothing"), tether::error);
}

TEST_F(include, one_to_many_reads_a_list_per_parent_in_order_with_an_exact_limit) {
  auto inc = orders_of_customer();
  auto r = db->find({.table = customers, .order_by = {order_term::parse("id")}, .include = {inc}});
  ASSERT_EQ(r.records.size(), 3u);
  std::vector<std::int64_t> ada;
  for (const record o : r.records[0].related("orders")) ada.push_back(o.get<std::int64_t>("id"));
  EXPECT_EQ(ada, (std::vector<std::int64_t>{10, 12, 11})) << "placed descending";
  EXPECT_EQ(r.records[1].related("orders").size(), 1u);
  EXPECT_TRUE(r.records[2].related("orders").empty()) << "no children: an empty list";
  EXPECT_TRUE(value::from_json(r.to_json())["records"][2]["orders"].as_array().empty());

  // The limit is per parent: the two newest of each customer, not two in all.
  inc.limit = 2;
  auto limited = db->find({.table = customers, .order_by = {order_term::parse("id")}, .include = {inc}});
  std::vector<std::int64_t> two;
  for (const record o : limited.records[0].related("orders")) two.push_back(o.get<std::int64_t>("id"));
  EXPECT_EQ(two, (std::vector<std::int64_t>{10, 12}));
  EXPECT_EQ(limited.records[1].related("orders").size(), 1u);

  // A where of its own.
  inc.limit.reset();
  inc.where = value{{"placed", {{"$gte", 2}}}};
  auto filtered = db->find({.table = customers, .order_by = {order_term::parse("id")}, .include = {inc}});
  EXPECT_EQ(filtered.records[0].related("orders").size(), 2u);
}

TEST_F(include, many_to_many_reads_through_the_join_table) {
  include_options tagged{.relation = "tags", .type = relation_type::many_to_many, .table = tags,
                         .foreign_key = "id", .primary_key = "id", .through = product_tags,
                         .through_foreign_key = "product_id", .through_related_key = "tag_id",
                         .order_by = {order_term::parse("label")}};
  auto r = db->find({.table = products, .order_by = {order_term::parse("id")}, .include = {tagged}});
  ASSERT_EQ(r.records.size(), 3u);
  std::vector<std::string> pen;
  for (const record t : r.records[0].related("tags")) pen.push_back(t.get<std::string>("label"));
  EXPECT_EQ(pen, (std::vector<std::string>{"blue", "office"})) << "ordered by label";
  EXPECT_EQ(r.records[1].related("tags").size(), 1u);
  EXPECT_TRUE(r.records[2].related("tags").empty());
  tagged.limit = 1;
  auto one = db->find({.table = products, .order_by = {order_term::parse("id")}, .include = {tagged}});
  EXPECT_EQ(one.records[0].related("tags").size(), 1u);
  EXPECT_EQ(one.records[0].related("tags")[0].get<std::string>("label"), "blue");
}

TEST_F(include, relations_nest_three_deep_from_the_json_form) {
  // customers → orders → lines → product, with a select that leaves the join key out.
  const value spec = value::from_json(fmt::format(
      R"({{"orders": {{"type": "one_to_many", "table": "{}", "foreign_key": "customer_id", "primary_key": "id",
            "order_by": [{{"column": "placed", "order": "desc"}}],
            "include": {{"lines": {{"type": "one_to_many", "table": "{}", "foreign_key": "order_id", "primary_key": "id",
                                   "order_by": "qty:desc", "select": ["qty"],
                                   "include": [{{"relation": "product", "table": "{}", "foreign_key": "product_id",
                                                "primary_key": "id"}}]}}}}}}}})",
      orders, lines, products));
  auto r = db->find({.table = customers, .where = {{"id", 1}}, .include = include_options::parse(spec)});
  ASSERT_EQ(r.records.size(), 1u);
  const auto ada_orders = r.records[0].related("orders");
  ASSERT_EQ(ada_orders.size(), 3u);
  const auto first_lines = ada_orders[0].related("lines");  // order 10: lines 101 (qty 2), 100 (qty 1)
  ASSERT_EQ(first_lines.size(), 2u);
  EXPECT_EQ(first_lines[0].get<std::int64_t>("qty"), 2);
  EXPECT_EQ(first_lines[0].related("product").one()->get<std::string>("name"), "ink");
  EXPECT_EQ(first_lines[1].related("product").one()->get<std::string>("name"), "pen");
  EXPECT_TRUE(ada_orders[1].related("lines").empty()) << "order 12 has no lines";
  const value v = value::from_json(r.to_json());
  EXPECT_EQ(v["records"][0]["orders"][2]["lines"][0]["product"]["name"].as_string(), "pen");
  EXPECT_EQ(v["records"][0]["orders"][0]["lines"][0]["order_id"].as_int(), 10) << "the join key is read";
}

TEST_F(include, duplicate_parents_and_find_one_read_their_relations) {
  auto r = db->find({.table = orders, .where = {{"customer_id", 1}}, .include = {customer_of_order()}});
  ASSERT_EQ(r.records.size(), 3u);
  for (const record o : r.records) EXPECT_EQ(o.related("customer").one()->get<std::string>("name"), "Ada");
  // A select that leaves out the key a relation joins on still reads it.
  auto named = db->find({.table = customers, .select = {"name"}, .order_by = {order_term::parse("id")},
                         .include = {orders_of_customer()}});
  EXPECT_EQ(named.records[0].related("orders").size(), 3u);
  EXPECT_EQ(named.records[0].get<std::string>("name"), "Ada");
  auto one = db->find_one({.table = customers, .where = {{"id", 2}}, .include = {orders_of_customer()}});
  ASSERT_TRUE(one);
  EXPECT_EQ(one->view().related("orders").size(), 1u);
  EXPECT_NE(one->to_json().find(R"("orders":[{"id":13)"), std::string::npos) << one->to_json();
}

TEST_F(include, each_relation_level_is_one_query_not_one_per_parent) {
  TETHER_REQUIRE(prepared_statements, "statement counts");
  auto statements = [&] {
    const auto s = db->statement_stats();
    return s.prepares + s.reuses;
  };
  auto nested = orders_of_customer();
  nested.include = {{.relation = "lines", .type = relation_type::one_to_many, .table = lines, .foreign_key = "order_id",
                     .primary_key = "id",
                     .include = {{.relation = "product", .table = products, .foreign_key = "product_id", .primary_key = "id"}}}};
  db->find({.table = customers, .include = {nested}});  // plans made and kept
  const auto before = statements();
  auto r = db->find({.table = customers, .include = {nested}});
  EXPECT_EQ(statements() - before, 4u) << "customers, then orders, lines and products: one query each";
  EXPECT_EQ(r.records.size(), 3u);
}

TEST_F(include, what_a_relation_leaves_out_follows_from_the_foreign_keys) {
  TETHER_REQUIRE(foreign_keys, "foreign keys");
  tether::schema s(*db);
  auto fk = [&](const std::string& table, const std::string& column, const std::string& to) {
    s.add_constraint(table, {{"type", "foreign_key"}, {"columns", array{column}},
                             {"references", {{"table", to}, {"columns", array{"id"}}}}});
  };
  fk(orders, "customer_id", customers);
  fk(lines, "order_id", orders);
  fk(product_tags, "product_id", products);
  fk(product_tags, "tag_id", tags);
  // By the table's name: the side that holds the key says the type; the key, the columns.
  auto up = db->find({.table = orders, .order_by = {order_term::parse("id")},
                      .include = include_options::parse(value{{customers, object{}}})});
  EXPECT_EQ(up.records[0].related(customers).one()->get<std::string>("name"), "Ada");
  EXPECT_TRUE(up.records[0].related(customers).to_one());
  auto down = db->find({.table = customers, .order_by = {order_term::parse("id")},
                        .include = include_options::parse(value{{orders, value{{"order_by", "placed:desc"}, {"limit", 2}}}})});
  ASSERT_EQ(down.records[0].related(orders).size(), 2u);
  EXPECT_EQ(down.records[0].related(orders)[0].get<std::int64_t>("id"), 10);
  // By the parent's <name>_id column.
  auto named = db->find({.table = orders, .where = {{"id", 13}}, .include = include_options::parse(value{{"customer", object{}}})});
  EXPECT_EQ(named.records[0].related("customer").one()->get<std::string>("name"), "Bo");
  // Many to many: the join table, and its keys from its foreign keys.
  auto tagged = db->find({.table = products, .order_by = {order_term::parse("id")},
                          .include = include_options::parse(value{{"tags", value{{"table", tags}, {"through", product_tags},
                                                                                  {"order_by", "label"}}}})});
  ASSERT_EQ(tagged.records[0].related("tags").size(), 2u);
  EXPECT_EQ(tagged.records[0].related("tags")[0].get<std::string>("label"), "blue");
  // Nothing to follow: the error says what to give.
  try {
    db->find({.table = orders, .include = include_options::parse(value{{"nothing", object{}}})});
    FAIL() << "a relation with nothing to follow was accepted";
  } catch (const tether::error& e) {
    EXPECT_NE(std::string(e.what()).find("give \"table\""), std::string::npos) << e.what();
  }
  try {
    db->find({.table = customers, .include = include_options::parse(value{{tags, object{}}})});
    FAIL() << "a relation between unrelated tables was accepted";
  } catch (const tether::error& e) {
    EXPECT_NE(std::string(e.what()).find("give \"type\""), std::string::npos) << e.what();
  }
}

// Relations declared once in a schema file ("relations" per table) are named by name, on
// every engine, foreign keys or not (DynamoDB has none to introspect): the client is given
// the file, or its path as a session gives the workspace's.
TEST_F(include, relations_declared_in_the_schema_file_are_named_by_name) {
  const value key{{"type", "bigint"}, {"primary_key", true}};
  auto fields = [&](std::initializer_list<std::pair<const char*, const char*>> more) {
    object f{{"id", key}};
    for (const auto& [name, type] : more) f.emplace_back(name, type);
    return value(std::move(f));
  };
  const value doc{{"tables", value{
      {customers, {{"fields", fields({{"name", "string"}})},
                   {"relations", {{"orders", {{"type", "one_to_many"}, {"table", orders}, {"foreign_key", "customer_id"}}}}}}},
      {orders, {{"fields", fields({{"customer_id", "bigint"}, {"placed", "integer"}})},
                {"relations", {{"customer", {{"type", "many_to_one"}, {"table", customers}, {"foreign_key", "customer_id"}}},
                               {"lines", {{"type", "one_to_many"}, {"table", lines}, {"foreign_key", "order_id"}}}}}}},
      {lines, {{"fields", fields({{"order_id", "bigint"}, {"product_id", "bigint"}, {"qty", "integer"}})},
               {"relations", {{"product", {{"type", "many_to_one"}, {"table", products}, {"foreign_key", "product_id"}}}}}}},
      {products, {{"fields", fields({{"name", "string"}})},
                  {"relations", {{"tags", {{"type", "many_to_many"}, {"table", tags}, {"through", product_tags},
                                           {"through_foreign_key", "product_id"}, {"through_related_key", "tag_id"}}}}}}},
      {tags, {{"fields", fields({{"label", "string"}})}}},
      {product_tags, {{"fields", fields({{"product_id", "bigint"}, {"tag_id", "bigint"}})}}}}}};
  const schema_file file = schema_file::from_value(doc);
  // The file completes what it leaves out: the keys point at the other tables' primary keys.
  EXPECT_EQ(file.to_value()["tables"][orders]["relations"]["customer"]["primary_key"].as_string(), "id");
  EXPECT_EQ(file.to_value()["tables"][products]["relations"]["tags"]["foreign_key"].as_string(), "id");

  const auto wanted = include_options::parse(value::from_json(
      R"({"customer": {}, "lines": {"order_by": "qty:desc", "limit": 1,
          "include": {"product": {"include": {"tags": {"order_by": "label"}}}}}})"));
  auto check = [&](tether::client& c, const char* how) {
    SCOPED_TRACE(how);
    auto r = c.find({.table = orders, .order_by = {order_term::parse("id")}, .include = wanted});
    ASSERT_EQ(r.records.size(), 5u);
    EXPECT_EQ(r.records[0].related("customer").one()->get<std::string>("name"), "Ada");
    EXPECT_FALSE(r.records[4].related("customer").one()) << "order 14 has no customer";
    ASSERT_EQ(r.records[0].related("lines").size(), 1u) << "limit 1 per order";
    const record line = r.records[0].related("lines")[0];
    EXPECT_EQ(line.get<std::int64_t>("qty"), 2) << "the line with the most";
    const auto product = line.related("product").one();
    ASSERT_TRUE(product);
    EXPECT_EQ(product->get<std::string>("name"), "ink");
    ASSERT_EQ(product->related("tags").size(), 1u);
    EXPECT_EQ(product->related("tags")[0].get<std::string>("label"), "office");
    auto down = c.find({.table = customers, .where = {{"id", 1}}, .include = include_options::parse(value{{"orders", object{}}})});
    EXPECT_EQ(down.records[0].related("orders").size(), 3u);
  };
  client_options given;
  given.schema = file;
  tether::client with_file(url_, given);
  check(with_file, "the file given");

  const auto path = std::filesystem::temp_directory_path() / (unique_name("schema") + ".json");
  file.save(path);
  client_options by_path;
  by_path.schema_path = path;
  tether::client with_path(url_, by_path);
  check(with_path, "the file's path");
  std::filesystem::remove(path);

  // A relation the file does not declare is still inferred, or refused with what to give.
  EXPECT_THROW(with_file.find({.table = orders, .include = include_options::parse(value{{"nothing", object{}}})}),
               tether::error);
}

TEST_F(include, bad_relations_say_what_to_give) {
  auto missing = customer_of_order();
  missing.foreign_key.clear();
  try {
    db->find({.table = orders, .include = {missing}});
    FAIL() << "a relation without its foreign key was accepted";
  } catch (const tether::error& e) {
    EXPECT_EQ(e.category(), error_category::usage);
    EXPECT_NE(std::string(e.what()).find("foreign_key"), std::string::npos) << e.what();
  }
  EXPECT_THROW(include_options::parse(value::from_json(R"([{"relation": "x", "table": "t", "kind": "one"}])")),
               tether::error);
  EXPECT_THROW(include_options::parse(value::from_json(R"({"x": {"type": "sideways"}})")), tether::error);
  EXPECT_THROW(db->stream({.table = orders, .include = {customer_of_order()}}), tether::error);
  std::string deep = R"({"table": "t", "foreign_key": "a", "primary_key": "b"})";
  for (int i = 0; i < 12; ++i) deep = R"({"table": "t", "foreign_key": "a", "primary_key": "b", "include": {"r": )" + deep + "}}";
  EXPECT_THROW(include_options::parse(value::from_json(R"({"r": )" + deep + "}")), tether::error);
}

}  // namespace
}  // namespace tether::conformance
