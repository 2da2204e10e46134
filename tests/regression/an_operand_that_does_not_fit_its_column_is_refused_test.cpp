// Regression: {"i": "abc"} returned no rows on SQLite, failed on PostgreSQL (22P02) and
// matched the rows where i = 0 on MariaDB; {"flag": "yes"}, {"name": {"$gt": 5}}, $like on
// an integer column and $sum of a text column had three behaviours too. Each is now one
// usage error, raised before the query is sent, that names the column, its type and the
// operand.
#include "conformance.hpp"

namespace tether::conformance {
namespace {

class operand_rules : public fixture {};

TEST_F(operand_rules, a_misfit_is_a_usage_error_naming_column_type_and_operand) {
  auto t = make_tether_table({{"id", {{"type", "bigint"}, {"primary_key", true}}},
                              {"i", "bigint"},
                              {"name", {{"type", "string"}, {"length", 20}}},
                              {"flag", "boolean"},
                              {"at", "timestamp"}});
  db->insert({.table = t, .records = {{{"id", 1}, {"i", 0}, {"name", "a"}, {"flag", true},
                                       {"at", timestamp::parse("2024-01-01T00:00:00Z")}}}});
  struct misfit {
    value where;
    std::string column, type;
  };
  const std::vector<misfit> cases = {
      {{{"i", "abc"}}, "i", "bigint"},
      {{{"flag", "yes"}}, "flag", "boolean"},
      {{{"name", {{"$gt", 5}}}}, "name", "string"},
      {{{"i", {{"$like", "1%"}}}}, "i", "bigint"},
      {{{"at", {{"$gt", "2024-01-01"}}}}, "at", "timestamp"},
      {{{"$or", array{value{{"id", 1}}, value{{"i", {{"$in", array{1, "x"}}}}}}}}, "i", "bigint"},
  };
  for (const auto& c : cases) {
    auto refused = [&](auto&& call, std::string_view what) {
      try {
        call();
        ADD_FAILURE() << what << " " << c.where.to_json() << " was accepted";
      } catch (const error& e) {
        EXPECT_EQ(e.category(), error_category::usage) << e.what();
        const std::string m = e.what();
        EXPECT_NE(m.find("\"" + c.column + "\""), std::string::npos) << m;
        EXPECT_NE(m.find(c.type), std::string::npos) << m;
      }
    };
    refused([&] { db->find({.table = t, .where = c.where}); }, "find");
    refused([&] { db->count({.table = t, .where = c.where}); }, "count");
    refused([&] { db->remove({.table = t, .where = c.where}); }, "remove");
  }
  try {
    db->sum({.table = t, .column = "name"});
    ADD_FAILURE() << "$sum of a string column was accepted";
  } catch (const error& e) {
    EXPECT_EQ(e.category(), error_category::usage);
    EXPECT_NE(std::string(e.what()).find("\"name\" (string)"), std::string::npos) << e.what();
  }
  EXPECT_EQ(db->count({.table = t}), 1) << "nothing was removed";
  EXPECT_EQ(db->count({.table = t, .where = {{"i", 0.0}}}), 1) << "any number fits a numeric column";
}

}  // namespace
}  // namespace tether::conformance
