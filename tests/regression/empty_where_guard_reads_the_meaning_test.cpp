// Regression: the empty-where guard of update and remove looked at how the where was
// written, so {"$and": [{}]} and {"$or": [{}]} changed every row while {} was refused. It
// now looks at what the filter means: whatever matches every row needs all_rows.
#include "conformance.hpp"

namespace tether::conformance {
namespace {

class empty_where_guard : public fixture {};

const char* everything[] = {
    R"({})",
    R"({"$and": []})",  // refused as malformed, which is fine too
    R"({"$and": [{}]})",
    R"({"$or": [{}]})",
    R"({"$or": [{}, {"age": 1}]})",
    R"({"$and": [{}, {"$and": [{}]}]})",
    R"({"$or": [{"$and": [{}]}]})",
    R"({"age": {"$nin": []}})",
    R"({"$nor": [{"age": {"$in": []}}]})",
    R"({"$not": {"age": {"$in": []}}})",
};

TEST_F(empty_where_guard, refuses_every_filter_that_matches_every_row) {
  auto t = people();
  for (const char* text : everything) {
    const value where = value::from_json(text);
    EXPECT_THROW(db->update({.table = t, .data = {{"age", 1}}, .where = where}), error) << text;
    EXPECT_THROW(db->remove({.table = t, .where = where}), error) << text;
  }
  EXPECT_EQ(db->count({.table = t}), 5);
  EXPECT_EQ(db->count({.table = t, .where = {{"age", 1}}}), 0);
  // Filters that select rows still work, and all_rows still means every row.
  EXPECT_EQ(db->update({.table = t, .data = {{"city", "Rome"}}, .where = value::from_json(R"({"$or": [{"age": 17}, {"age": 29}]})")}).count, 2);
  EXPECT_EQ(db->remove({.table = t, .where = value::from_json(R"({"$and": [{}, {"age": 17}]})")}).count, 1);
  EXPECT_THROW(db->remove({.table = t, .where = {{"age", 36}}, .all_rows = true}), error);
  EXPECT_EQ(db->remove({.table = t, .where = value::from_json(R"({"$or": [{}]})"), .all_rows = true}).count, 4);
}

}  // namespace
}  // namespace tether::conformance
