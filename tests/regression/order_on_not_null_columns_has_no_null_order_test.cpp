// Regression: tether told PostgreSQL `ORDER BY … ASC NULLS FIRST` for every order column,
// to sort null as the smallest value everywhere; no default b-tree index serves that order,
// so an ordered find with a limit sorted the whole table (60 ms a page at 1M rows). A
// column the table declares NOT NULL holds no null: its order is now said without a null
// order, which its index serves. Read from the server's own statement log, where the engine
// keeps one; a nullable column still sorts its nulls first (schema_calls'
// an_order_column_that_starts_taking_nulls_sorts_them_first_again).
#include "conformance.hpp"

namespace tether::conformance {
namespace {

class order_not_null : public fixture {};

TEST_F(order_not_null, an_ordered_find_on_not_null_columns_says_no_null_order) {
  if (!profile().start_statement_log || !profile().logged_statements)
    GTEST_SKIP() << profile().name << " keeps no statement log the tests can read";
  auto t = make_tether_table({{"id", {{"type", "bigint"}, {"primary_key", true}}},
                              {"score", {{"type", "integer"}, {"required", true}}},
                              {"note", "string"}});
  db->insert({.table = t, .records = {{{"id", 1}, {"score", 5}, {"note", nullptr}}, {{"id", 2}, {"score", 3}, {"note", "b"}}}});
  tether::client one{url_, {.pool_size = 1}};
  profile().start_statement_log(one);
  auto r = one.find({.table = t, .order_by = {{"score", direction::desc}, {"id"}}, .limit = 10});
  ASSERT_EQ(ids(r.records), (std::vector<std::int64_t>{1, 2}));
  one.find({.table = t, .order_by = {{"note"}}, .limit = 10});  // nullable: a null order where the engine needs one
  const auto logged = profile().logged_statements(one, t);
  bool ordered_by_score = false;
  for (const auto& sql : logged) {
    if (sql.find("ORDER BY " + quote_ident("score")) == std::string::npos) continue;
    ordered_by_score = true;
    EXPECT_EQ(sql.find("NULLS"), std::string::npos) << "NOT NULL columns need no null order: " << sql;
  }
  EXPECT_TRUE(ordered_by_score) << "the server logged no ordered find of " << t << " (" << logged.size() << " entries)";
}

}  // namespace
}  // namespace tether::conformance
