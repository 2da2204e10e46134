// Regression: on SQLite a $like, $startsWith or $endsWith whose value was over about 50 KB
// failed with "LIKE or GLOB pattern too complex" (SQLite's hard limit on patterns). Long
// operands now work on every engine, ad hoc, kept and prepared.
#include "conformance.hpp"

namespace tether::conformance {
namespace {

class long_text_match : public fixture {};

TEST_F(long_text_match, operands_of_any_length_work) {
  tether::schema sc{*db, {.table = unique_name("migrations")}};
  auto t = unique_name("long");
  sc.create(t, {{"id", {{"type", "integer"}, {"primary_key", true}}}, {"s", {{"type", "text"}}}});
  const std::string body(55'000, 'x');  // fits every engine's text column
  const std::string value_text = "Head" + body + "Tail";
  db->insert({.table = t, .records = {{{"id", 1}, {"s", value_text}}, {{"id", 2}, {"s", "short"}}}});
  auto count = [&](const char* op, const std::string& operand) {
    return db->count({.table = t, .where = {{"s", {{op, operand}}}}});
  };
  for (int round = 0; round < 2; ++round) {  // the second round takes the kept plans
    EXPECT_EQ(count("$startsWith", "Head" + body), 1);
    EXPECT_EQ(count("$endsWith", body + "Tail"), 1);
    EXPECT_EQ(count("$contains", body), 1);
    EXPECT_EQ(count("$like", "Head" + body + "%"), 1);
    EXPECT_EQ(count("$like", "%" + body + "_ail"), 1);
    EXPECT_EQ(count("$ilike", "head" + body + "TAIL"), 1);
    EXPECT_EQ(count("$startsWith", "Tail" + body), 0);
    EXPECT_EQ(count("$like", "Head" + body), 0);
    // Short operands on the same shapes still work.
    EXPECT_EQ(count("$startsWith", "sho"), 1);
    EXPECT_EQ(count("$like", "%or_"), 1);
  }
  auto q = db->prepare({.table = t, .where = {{"s", {{"$startsWith", param("p")}}}}});
  EXPECT_EQ(q.run({{"p", "sh"}}).count, 1);
  EXPECT_EQ(q.run({{"p", "Head" + body}}).count, 1);
  EXPECT_EQ(q.run({{"p", "Hx" + body}}).count, 0);
}

}  // namespace
}  // namespace tether::conformance
