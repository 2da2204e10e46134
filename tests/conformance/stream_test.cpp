// Streaming: rows a chunk at a time, in order, with the connection clean afterwards.
#include "conformance.hpp"

namespace tether::conformance {
namespace {

class streaming : public fixture {
 protected:
  void SetUp() override {
    fixture::SetUp();
    t_ = make_table({{"id", "pk"}, {"n", "int"}});
    std::vector<value> rows;
    for (int i = 0; i < 2500; ++i) rows.push_back({{"n", i}});
    db->insert({.table = t_, .records = rows});
  }
  std::string t_;
};

TEST_F(streaming, every_row_in_order_never_more_than_a_chunk_in_memory) {
  auto s = db->stream({.table = t_, .order_by = {{"id"}}}, 100);
  std::int64_t expected = 0;
  std::size_t largest_chunk = 0;
  for (record r : s) {
    EXPECT_EQ(r.get<std::int64_t>("n"), expected++);
    largest_chunk = std::max(largest_chunk, s.chunk().size());
  }
  EXPECT_EQ(expected, 2500);
  EXPECT_EQ(s.rows_read(), 2500u);
  EXPECT_EQ(largest_chunk, 100u);
}

TEST_F(streaming, stopping_early_leaves_the_client_usable) {
  {
    auto s = db->stream({.table = t_, .where = {{"n", {{"$gte", 10}}}}, .order_by = {{"n"}}}, 50);
    int seen = 0;
    for (record r : s) {
      EXPECT_EQ(r.get<std::int64_t>("n"), 10 + seen);
      if (++seen == 75) break;  // mid-chunk, mid-result
    }
  }
  EXPECT_EQ(db->count({.table = t_}), 2500);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(db->find({.table = t_, .where = {{"n", i}}}).count, 1);
}

TEST_F(streaming, inside_a_transaction_and_on_an_empty_result) {
  TETHER_REQUIRE_TRANSACTIONS(transaction_reads_own_writes, "transactions whose reads see their own writes");
  db->transaction([&](transaction& tx) {
    tx.insert({.table = t_, .records = {{{"n", 9999}}}});
    std::int64_t total = 0;
    for (record r : tx.stream({.table = t_, .where = {{"n", {{"$gte", 2490}}}}}, 3)) total += r.get<std::int64_t>("n");
    EXPECT_EQ(total, 2490 + 2491 + 2492 + 2493 + 2494 + 2495 + 2496 + 2497 + 2498 + 2499 + 9999);
    tx.rollback();
  });
  auto none = db->stream({.table = t_, .where = {{"n", -1}}});
  EXPECT_TRUE(none.begin() == none.end());
  EXPECT_THROW(db->stream({.table = t_}, 0), error);
  EXPECT_THROW(db->stream({.table = "no_such_table"}).begin(), error);
}

}  // namespace
}  // namespace tether::conformance

namespace tether::conformance {
namespace {

class batches : public fixture {};

TEST_F(batches, independent_finds_come_back_in_order) {
  auto t = people();
  std::vector<find_options> queries;
  for (int i = 1; i <= 5; ++i) queries.push_back({.table = t, .select = {"name"}, .where = {{"id", i}}});
  queries.push_back({.table = t, .where = {{"age", {{"$gt", 100}}}}});
  queries.push_back({.table = t, .select = {"id"}, .order_by = {{"id", direction::desc}}, .limit = 2});
  auto results = db->find_batch(queries);
  ASSERT_EQ(results.size(), 7u);
  EXPECT_EQ(names(results[0].records), std::vector<std::string>{"Ada"});
  EXPECT_EQ(names(results[4].records), std::vector<std::string>{"O'Brien"});
  EXPECT_EQ(results[5].count, 0);
  EXPECT_EQ(ids(results[6].records), (std::vector<std::int64_t>{5, 4}));
  EXPECT_TRUE(db->find_batch({}).empty());
}

TEST_F(batches, bad_input_is_refused_before_anything_is_sent_and_failures_are_thrown) {
  TETHER_REQUIRE_TRANSACTIONS(transaction_reads_own_writes, "transactions whose reads see their own writes");
  auto t = people();
  EXPECT_THROW(db->find_batch({{.table = t}, {.table = t, .where = {{"age", {{"$gtt", 1}}}}}}), error);
  try {
    db->find_batch({{.table = t}, {.table = "no_such_table"}, {.table = t}});
    FAIL();
  } catch (const error& e) {
    EXPECT_EQ(e.category(), error_category::schema);
  }
  EXPECT_EQ(db->count({.table = t}), 5);  // the connection is fine afterwards
  db->transaction([&](transaction& tx) {
    tx.insert({.table = t, .records = {{{"name", "Hedy"}}}});
    auto r = tx.find_batch({{.table = t, .where = {{"name", "Hedy"}}}});
    EXPECT_EQ(r.at(0).count, 1);
    tx.rollback();
  });
}

}  // namespace
}  // namespace tether::conformance
