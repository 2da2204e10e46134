// Regression: an ObjectId (MongoDB's _id, {"$oid": …}) read from a collection made
// elsewhere came back as a plain string, so a find by that _id matched nothing (MongoDB
// never finds text equal to an ObjectId). It is now a value kind of its own; where a
// column holds text (every SQL engine, DynamoDB, a MongoDB string field) it is stored as
// its 24 hex digits, on every write path, so copying documents into a text column keeps
// the key readable and findable.
#include "conformance.hpp"

namespace tether::conformance {
namespace {

class object_id_text : public fixture {};

TEST_F(object_id_text, is_stored_as_its_hex_digits_on_every_write_path) {
  auto t = make_table({{"id", "pk"}, {"ref", "text"}});
  const object_id a = object_id::parse("65F1C0DE2A9B4E0012345678");
  const object_id b = object_id::parse("65f1c0de2a9b4e00123456ff");
  db->insert({.table = t, .records = {{{"ref", a}}}});                         // one row
  db->insert({.table = t, .records = {{{"ref", b}}, {{"ref", "plain text"}}}});  // several (bulk paths)
  auto rows = db->find({.table = t, .order_by = {{"id"}}});
  ASSERT_EQ(rows.count, 3);
  EXPECT_EQ(rows.records[0]["ref"], value("65f1c0de2a9b4e0012345678")) << "lower-case hex, as MongoDB writes it";
  EXPECT_EQ(rows.records[1]["ref"], value("65f1c0de2a9b4e00123456ff"));
  EXPECT_EQ(db->count({.table = t, .where = {{"ref", "65f1c0de2a9b4e0012345678"}}}), 1);
  db->update({.table = t, .data = {{"ref", a}}, .where = {{"ref", "plain text"}}});
  EXPECT_EQ(db->count({.table = t, .where = {{"ref", "65f1c0de2a9b4e0012345678"}}}), 2);
}

}  // namespace
}  // namespace tether::conformance
