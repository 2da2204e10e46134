// find, find_one, insert, update, remove, upsert: what every engine must do alike.
#include "conformance.hpp"

namespace tether::conformance {
namespace {


class crud : public fixture {};

TEST_F(crud, find_with_where_order_limit_offset_and_select) {
  auto t = people();
  auto r = db->find({.table = t,
                     .select = {"id", "name"},
                     .where = {{"active", true}},
                     .order_by = {{"age", direction::desc}},
                     .limit = 2,
                     .offset = 0});
  EXPECT_EQ(r.count, 2);
  EXPECT_EQ(r.records.column_count(), 2u);
  EXPECT_EQ(names(r.records), (std::vector<std::string>{"Grace", "Ada"}));

  auto page2 = db->find({.table = t, .order_by = {{"id"}}, .limit = 2, .offset = 2});
  EXPECT_EQ(ids(page2.records), (std::vector<std::int64_t>{3, 4}));
  auto tail = db->find({.table = t, .order_by = {{"id"}}, .offset = 3});
  EXPECT_EQ(ids(tail.records), (std::vector<std::int64_t>{4, 5}));
}

TEST_F(crud, null_sorts_as_the_smallest_value_everywhere) {
  auto t = people();  // Émile's age is null
  auto asc = db->find({.table = t, .select = {"name"}, .order_by = {{"age"}}});
  EXPECT_EQ(names(asc.records).front(), "Émile");
  auto desc = db->find({.table = t, .select = {"name"}, .order_by = {{"age", direction::desc}}});
  EXPECT_EQ(names(desc.records).back(), "Émile");
}

TEST_F(crud, find_everything_with_empty_where) {
  auto t = people();
  EXPECT_EQ(db->find({.table = t}).count, 5);
  EXPECT_EQ(db->find({.table = t, .where = tether::object{}}).count, 5);
}

TEST_F(crud, find_result_json_is_records_and_count) {
  auto t = people();
  auto r = db->find({.table = t, .select = {"id", "name"}, .where = {{"id", 1}}});
  EXPECT_EQ(r.to_json(), R"({"records":[{"id":1,"name":"Ada"}],"count":1})");
}

TEST_F(crud, find_one_returns_the_row_or_nothing) {
  auto t = people();
  auto ada = db->find_one({.table = t, .where = {{"email", "ada@example.com"}}});
  ASSERT_TRUE(ada.has_value());
  EXPECT_EQ(ada->get<std::string>("name"), "Ada");
  EXPECT_EQ(ada->get<std::int64_t>("age"), 36);
  EXPECT_FALSE(db->find_one({.table = t, .where = {{"email", "nobody@example.com"}}}).has_value());
}

TEST_F(crud, insert_returns_ids_count_and_returning_columns) {
  TETHER_REQUIRE(returning, "returning");
  auto t = people();
  auto r = db->insert({.table = t,
                       .records = {{{"name", "Hedy"}, {"age", 41}}, {{"name", "Katherine"}, {"age", 33}}},
                       .returning = {"id", "name"}});
  EXPECT_EQ(r.count, 2);
  ASSERT_EQ(r.inserted_ids.size(), 2u);
  EXPECT_EQ(r.inserted_ids[0], value(6));
  EXPECT_EQ(r.inserted_ids[1], value(7));
  EXPECT_EQ(names(r.records), (std::vector<std::string>{"Hedy", "Katherine"}));
  EXPECT_EQ(r.to_json(),
            R"({"records":[{"id":6,"name":"Hedy"},{"id":7,"name":"Katherine"}],"count":2,"inserted_ids":[6,7]})");
  EXPECT_EQ(db->count({.table = t}), 7);
}

// One shape, several row counts: each count is its own statement text, never a cached
// statement made for another count.
TEST_F(crud, inserts_of_different_row_counts_into_the_same_columns) {
  auto t = make_table({{"id", "pk"}, {"n", "int"}});
  for (bool ids : {true, false}) {
    SCOPED_TRACE(ids ? "with ids" : "without ids");
    std::int64_t before = db->count({.table = t});
    for (int rows : {1, 2, 1, 3}) {
      std::vector<value> records;
      for (int i = 0; i < rows; ++i) records.push_back({{"n", i}});
      auto r = db->insert({.table = t, .records = records, .return_ids = ids});
      EXPECT_EQ(r.count, rows);
      EXPECT_EQ(r.inserted_ids.size(), ids ? static_cast<std::size_t>(rows) : 0u);
      before += rows;
      EXPECT_EQ(db->count({.table = t}), before);
    }
  }
}

TEST_F(crud, insert_without_returning_still_gives_ids) {
  auto t = people();
  auto r = db->insert({.table = t, .records = {{{"name", "Hedy"}}}});
  EXPECT_EQ(r.count, 1);
  EXPECT_EQ(r.records.size(), 0u);
  EXPECT_EQ(r.inserted_ids, std::vector<value>{value(6)});
}

TEST_F(crud, insert_without_ids_counts_the_rows) {
  auto t = make_table({{"id", "pk"}, {"n", "int"}});
  std::vector<value> rows;
  for (int i = 0; i < 1500; ++i) rows.push_back({{"n", i}});
  auto r = db->insert({.table = t, .records = rows, .return_ids = false});
  EXPECT_EQ(r.count, 1500);
  EXPECT_TRUE(r.inserted_ids.empty());
  EXPECT_EQ(db->count({.table = t}), 1500);
  EXPECT_EQ(db->sum({.table = t, .column = "n"}).as_int(), 1500 * 1499 / 2);
}

TEST_F(crud, insert_records_with_keys_in_different_order) {
  auto t = people();
  db->insert({.table = t, .records = {{{"name", "A"}, {"age", 1}}, {{"age", 2}, {"name", "B"}}}});
  auto b = db->find_one({.table = t, .where = {{"name", "B"}}});
  ASSERT_TRUE(b);
  EXPECT_EQ(b->get<std::int64_t>("age"), 2);
}

TEST_F(crud, insert_on_conflict_ignore_skips_duplicates) {
  TETHER_REQUIRE(upsert, "insert on_conflict");
  TETHER_REQUIRE(unique_fields, "a conflict on a unique field other than the key");
  auto t = people();
  auto r = db->insert({.table = t,
                       .records = {{{"name", "Ada2"}, {"email", "ada@example.com"}},
                                   {{"name", "New"}, {"email", "new@example.com"}}},
                       .on_conflict = on_conflict{{"email"}, conflict_action::ignore, {}}});
  EXPECT_EQ(r.count, 1);
  EXPECT_EQ(db->find_one({.table = t, .where = {{"email", "ada@example.com"}}})->get<std::string>("name"), "Ada");
  EXPECT_EQ(db->count({.table = t}), 6);
}

TEST_F(crud, insert_on_conflict_update_overwrites_named_columns) {
  TETHER_REQUIRE(upsert, "insert on_conflict");
  TETHER_REQUIRE(unique_fields, "a conflict on a unique field other than the key");
  auto t = people();
  db->insert({.table = t,
              .records = {{{"name", "Ada L."}, {"email", "ada@example.com"}, {"age", 37}}},
              .on_conflict = on_conflict{{"email"}, conflict_action::update, {"age"}}});
  auto ada = db->find_one({.table = t, .where = {{"email", "ada@example.com"}}});
  EXPECT_EQ(ada->get<std::string>("name"), "Ada");  // not in the update list
  EXPECT_EQ(ada->get<std::int64_t>("age"), 37);
  EXPECT_EQ(db->count({.table = t}), 5);
}

// The count of an insert that returns ids: inserted and overwritten rows count, one each.
TEST_F(crud, insert_on_conflict_update_counts_each_written_row_once) {
  TETHER_REQUIRE(upsert, "insert on_conflict");
  TETHER_REQUIRE(unique_fields, "a conflict on a unique field other than the key");
  auto t = people();
  auto r = db->insert({.table = t,
                       .records = {{{"name", "Ada L."}, {"email", "ada@example.com"}, {"age", 37}},
                                   {{"name", "Newer"}, {"email", "newer@example.com"}, {"age", 5}}},
                       .on_conflict = on_conflict{{"email"}, conflict_action::update, {"age"}}});
  EXPECT_EQ(r.count, 2);
  EXPECT_EQ(db->count({.table = t}), 6);
}

TEST_F(crud, update_with_where_and_returning) {
  TETHER_REQUIRE(returning, "returning");
  auto t = people();
  auto r = db->update({.table = t,
                       .data = {{"city", "Remote"}},
                       .where = {{"active", false}},
                       .returning = {"id", "city"}});
  EXPECT_EQ(r.count, 2);
  EXPECT_EQ(r.records.size(), 2u);
  EXPECT_EQ(db->count({.table = t, .where = {{"city", "Remote"}}}), 2);
  EXPECT_EQ(r.to_json().substr(0, 10), R"({"count":2)");
}

TEST_F(crud, update_matching_nothing_counts_zero) {
  auto t = people();
  EXPECT_EQ(db->update({.table = t, .data = {{"age", 1}}, .where = {{"id", 999}}}).count, 0);
}

TEST_F(crud, update_and_delete_refuse_an_empty_where) {
  auto t = people();
  try {
    db->update({.table = t, .data = {{"age", 1}}});
    FAIL() << "an update with no where ran";
  } catch (const error& e) {
    EXPECT_EQ(e.category(), error_category::usage);
    EXPECT_NE(std::string(e.what()).find("empty where"), std::string::npos) << e.what();
  }
  EXPECT_THROW(db->remove({.table = t, .where = tether::object{}}), error);
  EXPECT_EQ(db->count({.table = t}), 5);
  EXPECT_EQ(db->count({.table = t, .where = {{"age", 1}}}), 0);
}

TEST_F(crud, all_rows_is_the_explicit_consent) {
  auto t = people();
  EXPECT_EQ(db->update({.table = t, .data = {{"city", "X"}}, .all_rows = true}).count, 5);
  EXPECT_EQ(db->remove({.table = t, .all_rows = true}).count, 5);
  EXPECT_EQ(db->count({.table = t}), 0);
}

TEST_F(crud, remove_with_where_and_returning) {
  TETHER_REQUIRE(returning, "returning");
  auto t = people();
  auto r = db->remove({.table = t, .where = {{"age", {{"$lt", 30}}}}, .returning = {"name"}});
  EXPECT_EQ(r.count, 2);
  auto n = names(r.records);
  std::sort(n.begin(), n.end());
  EXPECT_EQ(n, (std::vector<std::string>{"Linus", "O'Brien"}));
  EXPECT_EQ(db->count({.table = t}), 3);
  EXPECT_EQ(db->remove({.table = t, .where = {{"id", 1}}}).to_json(), R"({"count":1})");
}

TEST_F(crud, upsert_reports_inserted_then_updated) {
  TETHER_REQUIRE(upsert, "upsert");
  TETHER_REQUIRE(unique_fields, "a conflict on a unique field other than the key");
  auto t = people();
  auto first = db->upsert({.table = t,
                           .data = {{"email", "hedy@example.com"}, {"name", "Hedy"}, {"age", 41}},
                           .conflict_keys = {"email"}});
  EXPECT_EQ(first.operation, upsert_operation::inserted);
  EXPECT_EQ(first.count, 1);
  EXPECT_EQ(first.records.front().get<std::string>("name"), "Hedy");

  auto second = db->upsert({.table = t,
                            .data = {{"email", "hedy@example.com"}, {"name", "Hedy L."}, {"age", 42}},
                            .conflict_keys = {"email"},
                            .update_columns = {"age"}});
  EXPECT_EQ(second.operation, upsert_operation::updated);
  EXPECT_EQ(second.records.front().get<std::int64_t>("age"), 42);
  EXPECT_EQ(second.records.front().get<std::string>("name"), "Hedy");
  EXPECT_NE(second.to_json().find(R"("operation":"updated")"), std::string::npos);
  EXPECT_EQ(db->count({.table = t, .where = {{"email", "hedy@example.com"}}}), 1);
}

// A conflict on the primary key: what every engine with upsert takes, DynamoDB included.
TEST_F(crud, upsert_by_the_key_reports_inserted_then_updated) {
  TETHER_REQUIRE(upsert, "upsert");
  auto t = people();
  auto first = db->upsert({.table = t, .data = {{"id", 50}, {"name", "Hedy"}, {"age", 41}}, .conflict_keys = {"id"}});
  EXPECT_EQ(first.operation, upsert_operation::inserted);
  EXPECT_EQ(first.count, 1);
  EXPECT_EQ(first.records.front().get<std::string>("name"), "Hedy");
  auto second = db->upsert({.table = t, .data = {{"id", 50}, {"name", "Hedy L."}, {"age", 42}},
                            .conflict_keys = {"id"}, .update_columns = {"age"}});
  EXPECT_EQ(second.operation, upsert_operation::updated);
  EXPECT_EQ(second.records.front().get<std::int64_t>("age"), 42);
  EXPECT_EQ(second.records.front().get<std::string>("name"), "Hedy") << "not in the update list";
  EXPECT_EQ(db->count({.table = t}), 6);
}

TEST_F(crud, insert_on_conflict_with_the_key_skips_or_overwrites) {
  TETHER_REQUIRE(upsert, "insert on_conflict");
  auto t = people();
  const std::int64_t ada = db->find_one({.table = t, .where = {{"name", "Ada"}}})->get<std::int64_t>("id");
  auto ignored = db->insert({.table = t,
                             .records = {{{"id", ada}, {"name", "Ada2"}}, {{"id", 60}, {"name", "New"}}},
                             .on_conflict = on_conflict{{"id"}, conflict_action::ignore, {}}});
  EXPECT_EQ(ignored.count, 1);
  EXPECT_EQ(db->find_one({.table = t, .where = {{"id", ada}}})->get<std::string>("name"), "Ada");
  auto updated = db->insert({.table = t,
                             .records = {{{"id", ada}, {"name", "Ada L."}, {"age", 37}}, {{"id", 61}, {"name", "Newer"}, {"age", 5}}},
                             .on_conflict = on_conflict{{"id"}, conflict_action::update, {"age"}}});
  EXPECT_EQ(updated.count, 2) << "an overwritten row and an inserted one count one each";
  auto row = db->find_one({.table = t, .where = {{"id", ada}}});
  EXPECT_EQ(row->get<std::string>("name"), "Ada");
  EXPECT_EQ(row->get<std::int64_t>("age"), 37);
  EXPECT_EQ(db->count({.table = t}), 7);
}

TEST_F(crud, upsert_validates_its_keys) {
  auto t = people();
  EXPECT_THROW(db->upsert({.table = t, .data = {{"name", "x"}}, .conflict_keys = {}}), error);
  EXPECT_THROW(db->upsert({.table = t, .data = {{"name", "x"}}, .conflict_keys = {"email"}}), error);
}

TEST_F(crud, bulk_insert_of_many_rows_spans_statements) {
  auto t = make_table({{"id", "pk"}, {"n", "int"}, {"label", "text"}});
  std::vector<value> rows;
  for (int i = 0; i < 2500; ++i) rows.push_back({{"n", i}, {"label", "row " + std::to_string(i)}});
  auto r = db->insert({.table = t, .records = rows});
  EXPECT_EQ(r.count, 2500);
  EXPECT_EQ(r.inserted_ids.size(), 2500u);
  EXPECT_EQ(r.inserted_ids.back(), value(2500));
  EXPECT_EQ(db->count({.table = t}), 2500);
  EXPECT_EQ(db->sum({.table = t, .column = "n"}).as_int(), 2500 * 2499 / 2);
}

}  // namespace
}  // namespace tether::conformance
