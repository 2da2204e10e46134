// Pins: a find prepared before a migration changed its table's columns runs afterwards
// and returns the new columns. PostgreSQL refused the cached statement ("cached plan must
// not change result type"), so the first read after `generate` + `migrate down` failed;
// the connection now prepares its statements again and runs the read once more.
#include "conformance.hpp"

namespace tether::conformance {
namespace {

class prepared_before_a_change : public fixture {};

TEST_F(prepared_before_a_change, a_read_prepared_before_a_column_change_still_runs) {
  migration_options mo;
  mo.table = unique_name("migrations");
  tether::schema s(*db, mo);
  const auto t = unique_name("notes");
  s.create(t, {{"id", {{"type", "integer"}, {"primary_key", true}}}, {"body", {{"type", "string"}, {"length", 40}}}});
  db->insert({.table = t, .records = {{{"id", 1}, {"body", "first"}}}});
  for (int i = 0; i < 3; ++i) db->find({.table = t});  // prepared and cached where the engine caches

  s.add_field(t, "extra", {{"type", "integer"}, {"default", 5}});
  auto after_add = db->find({.table = t}).records;
  ASSERT_EQ(after_add.size(), 1u);
  EXPECT_EQ(after_add.front().get<std::int64_t>("extra"), 5) << "the read returns the added column";

  s.drop_field(t, "body");
  auto after_drop = db->find({.table = t}).records;
  ASSERT_EQ(after_drop.size(), 1u);
  EXPECT_EQ(after_drop.column_count(), 2u) << "id and extra";
}

}  // namespace
}  // namespace tether::conformance
