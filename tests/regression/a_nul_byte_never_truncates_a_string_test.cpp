// Regression: PostgreSQL stored "a\u0000b" as "a" (libpq cuts a text parameter at its NUL
// byte), and a where on "a\u0000zzz" matched it. On every engine a string with a NUL byte
// is now either kept whole or refused, with a usage error, before anything is written.
#include "conformance.hpp"

namespace tether::conformance {
namespace {

class nul_in_strings : public fixture {};

TEST_F(nul_in_strings, are_kept_whole_or_refused_before_writing) {
  auto t = make_table({{"id", "pk"}, {"s", "text"}});
  db->insert({.table = t, .records = {{{"s", "a"}}}});
  const std::string with_nul("a\0b", 3);
  bool kept = true;
  try {
    db->insert({.table = t, .records = {{{"s", with_nul}}}});
  } catch (const error& e) {
    kept = false;
    EXPECT_EQ(e.category(), error_category::usage) << e.what();
    EXPECT_NE(std::string(e.what()).find("NUL"), std::string::npos) << e.what();
  }
  if (kept) {
    EXPECT_EQ(db->count({.table = t, .where = {{"s", with_nul}}}), 1);
    auto row = db->find_one({.table = t, .where = {{"s", with_nul}}});
    ASSERT_TRUE(row);
    EXPECT_EQ(row->get<std::string>("s"), with_nul);
    EXPECT_EQ(db->count({.table = t, .where = {{"s", std::string("a\0zzz", 5)}}}), 0);
  } else {
    EXPECT_EQ(db->count({.table = t}), 1) << "a refused insert wrote something";
    // Several records, the bad one last: nothing of the insert is written.
    std::vector<value> many;
    for (int i = 0; i < 1500; ++i) many.push_back(value{{"s", "row " + std::to_string(i)}});
    many.push_back(value{{"s", with_nul}});
    EXPECT_THROW(db->insert({.table = t, .records = many}), error);
    EXPECT_THROW(db->insert({.table = t, .records = many, .return_ids = false}), error);
    EXPECT_EQ(db->count({.table = t}), 1);
    EXPECT_THROW(db->count({.table = t, .where = {{"s", std::string("a\0zzz", 5)}}}), error);
    EXPECT_THROW(db->update({.table = t, .data = {{"s", with_nul}}, .where = {{"s", "a"}}}), error);
    EXPECT_EQ(db->count({.table = t, .where = {{"s", "a"}}}), 1);
  }
}

}  // namespace
}  // namespace tether::conformance
