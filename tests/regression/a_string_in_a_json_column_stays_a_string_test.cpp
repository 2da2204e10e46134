// Regression: a string written to a json column was parsed as JSON: "123" read back as the
// number 123 and "{\"$ne\":null}" as an object (and "plain" was refused as invalid JSON).
// A string value is now stored as a JSON string on every engine, on every write path.
#include "conformance.hpp"

namespace tether::conformance {
namespace {

class json_strings : public fixture {};

TEST_F(json_strings, stay_strings_on_every_write_path) {
  auto t = make_table({{"id", "pk"}, {"j", "json"}, {"k", "int"}});
  const std::vector<std::string> texts = {"123", R"({"$ne":null})", "plain", "[1,2]", "true", "null", ""};
  auto check = [&](const char* path) {
    auto rows = db->find({.table = t, .order_by = {{"k"}}});
    ASSERT_EQ(rows.count, static_cast<std::int64_t>(texts.size())) << path;
    for (std::size_t i = 0; i < texts.size(); ++i) {
      const value back = rows.records[i]["j"];
      ASSERT_TRUE(back.is_string()) << path << ": " << texts[i] << " came back as " << back.to_json();
      EXPECT_EQ(back.as_string(), texts[i]) << path;
    }
    db->remove({.table = t, .all_rows = true});
  };
  for (std::size_t i = 0; i < texts.size(); ++i)  // one row at a time
    db->insert({.table = t, .records = {{{"j", texts[i]}, {"k", static_cast<int>(i)}}}});
  check("one insert each");
  std::vector<value> many;
  for (std::size_t i = 0; i < texts.size(); ++i) many.push_back(value{{"j", texts[i]}, {"k", static_cast<int>(i)}});
  db->insert({.table = t, .records = many});
  check("one insert of several");
  db->insert({.table = t, .records = many, .return_ids = false});  // bulk paths (COPY, array binding)
  check("an insert without ids");
  db->insert({.table = t, .records = many});
  for (std::size_t i = 0; i < texts.size(); ++i)
    db->update({.table = t, .data = {{"j", texts[i]}}, .where = {{"k", static_cast<int>(i)}}});
  check("update");
  auto q = db->prepare_insert({.table = t, .records = {{{"j", param("j")}, {"k", param("k")}}}});
  for (std::size_t i = 0; i < texts.size(); ++i) q.run({{"j", texts[i]}, {"k", static_cast<int>(i)}});
  check("a prepared insert");
  // Documents stay documents.
  db->insert({.table = t, .records = {{{"j", tether::make_array({1, "a"})}, {"k", 1}}, {{"j", value{{"a", 1}}}, {"k", 2}}}});
  auto docs = db->find({.table = t, .order_by = {{"k"}}});
  EXPECT_TRUE(docs.records[0]["j"].is_array()) << docs.records[0]["j"].to_json();
  EXPECT_TRUE(docs.records[1]["j"].is_object()) << docs.records[1]["j"].to_json();
}

}  // namespace
}  // namespace tether::conformance
