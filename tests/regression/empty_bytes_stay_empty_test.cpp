// Regression: an empty bytes value ({"$bytes": ""}) was stored as NULL on every engine
// (a zero-length buffer has no address, and the drivers read a null address as SQL NULL).
#include "conformance.hpp"

namespace tether::conformance {
namespace {

class empty_bytes : public fixture {};

TEST_F(empty_bytes, stay_empty_and_not_null) {
  auto t = make_table({{"id", "pk"}, {"b", "bytes"}});
  const value empty = value::from_json(R"({"$bytes": ""})");
  db->insert({.table = t, .records = {{{"b", empty}}}});                      // one row
  db->insert({.table = t, .records = {{{"b", empty}}, {{"b", bytes{{1}}}}}});  // several (bulk paths)
  db->insert({.table = t, .records = {{{"b", nullptr}}}});
  EXPECT_EQ(db->count({.table = t, .where = {{"b", nullptr}}}), 1);
  EXPECT_EQ(db->count({.table = t, .where = {{"b", empty}}}), 2);
  auto rows = db->find({.table = t, .order_by = {{"id"}}});
  ASSERT_EQ(rows.count, 4);
  for (int i : {0, 1}) {
    ASSERT_FALSE(rows.records[static_cast<std::size_t>(i)].is_null("b")) << "row " << i;
    EXPECT_EQ(rows.records[static_cast<std::size_t>(i)]["b"], empty) << "row " << i;
  }
  EXPECT_TRUE(rows.records[3].is_null("b"));
  db->update({.table = t, .data = {{"b", empty}}, .where = {{"id", rows.records[3].get<std::int64_t>("id")}}});
  EXPECT_EQ(db->count({.table = t, .where = {{"b", nullptr}}}), 0);
}

}  // namespace
}  // namespace tether::conformance
