// Pins: changing a field of a table that other tables reference ON DELETE CASCADE keeps
// the referencing rows. SQLite changes a field by rebuilding the table (create the new
// one, copy, drop the old, rename); with foreign keys enforced, dropping the old table
// deleted every row that cascades from it, so `modify_field` on customers silently
// emptied orders. Migrations now run with enforcement off and check the keys before commit.
#include "conformance.hpp"

namespace tether::conformance {
namespace {

class rebuilt_table : public fixture {};

TEST_F(rebuilt_table, a_rebuilt_table_keeps_the_rows_that_reference_it) {
  TETHER_REQUIRE(foreign_keys, "foreign keys");
  migration_options mo;
  mo.table = unique_name("migrations");
  tether::schema s(*db, mo);
  const auto parent = unique_name("customers"), child = unique_name("orders");
  s.create(parent, {{"id", {{"type", "integer"}, {"primary_key", true}}},
                    {"name", {{"type", "string"}, {"length", 40}}}});
  s.create(child, {{"id", {{"type", "integer"}, {"primary_key", true}}}, {"customer_id", {{"type", "integer"}}}});
  s.add_constraint(child, {{"type", "foreign_key"}, {"columns", array{"customer_id"}},
                           {"references", {{"table", parent}, {"columns", array{"id"}}, {"on_delete", "cascade"}}}});
  db->insert({.table = parent, .records = {{{"id", 1}, {"name", "Ada"}}, {{"id", 2}, {"name", "Bo"}}}});
  db->insert({.table = child, .records = {{{"id", 10}, {"customer_id", 1}}, {{"id", 11}, {"customer_id", 2}},
                                          {{"id", 12}, {"customer_id", 2}}}});

  s.modify_field(parent, "name", {{"type", "string"}, {"length", 80}});
  EXPECT_EQ(db->count({.table = child}), 3) << "the rebuild of " << parent << " kept the orders";
  EXPECT_EQ(db->count({.table = parent}), 2);
  s.add_constraint(parent, {{"type", "unique"}, {"name", parent + "_name_uq"}, {"columns", array{"name"}}});
  EXPECT_EQ(db->count({.table = child}), 3) << "adding a constraint kept the orders";

  migrator m(*db, mo);
  m.down(2);  // the unique constraint and the longer name, each undone by another rebuild
  EXPECT_EQ(db->count({.table = child}), 3) << "undoing kept the orders";

  // The key is still enforced afterwards, and still cascades.
  EXPECT_THROW(db->insert({.table = child, .records = {{{"id", 13}, {"customer_id", 99}}}}), tether::error);
  db->remove({.table = parent, .where = value{{"id", 1}}});
  EXPECT_EQ(db->count({.table = child}), 2);
}

}  // namespace
}  // namespace tether::conformance
