// Regression: MariaDB's error for the 1,500th record of a large insert said "at row 501":
// the row of the third statement tether split the insert into. An error that names a
// record now names the caller's (0-based, as tether's own messages do), on every engine.
#include <regex>

#include "conformance.hpp"

namespace tether::conformance {
namespace {

class batch_errors : public fixture {};

void check_names(const error& e) {
  const std::string what = e.what();
  EXPECT_EQ(what.find("at row "), std::string::npos) << "names a row of one statement: " << what;
  std::smatch m;
  if (std::regex_search(what, m, std::regex("record (\\d+)"))) {
    EXPECT_EQ(m[1], "1499") << what;
  }
}

TEST_F(batch_errors, name_the_callers_record) {
  tether::schema sc{*db, {.table = unique_name("migrations")}};
  auto t = unique_name("batch");
  sc.create(t, {{"id", {{"type", "integer"}, {"primary_key", true}, {"auto_increment", true}}},
                {"s", {{"type", "string"}, {"length", 10}}}});
  std::vector<value> records;
  for (int i = 0; i < 2000; ++i) records.push_back(value{{"s", i == 1499 ? std::string(40, 'x') : "ok"}});
  for (bool ids : {true, false}) {
    try {
      db->insert({.table = t, .records = records, .return_ids = ids});
      // An engine that does not enforce a string's length (SQLite) keeps the value whole.
      EXPECT_EQ(db->count({.table = t, .where = {{"s", std::string(40, 'x')}}}), ids ? 1 : 2);
    } catch (const error& e) {
      check_names(e);
      EXPECT_EQ(db->count({.table = t}), 0) << "a failed insert left rows behind";
    }
  }
}

}  // namespace
}  // namespace tether::conformance
