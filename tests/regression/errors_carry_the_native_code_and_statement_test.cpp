// Regression: on SQLite the error of an insert into a missing table had no native code (then an integer 0)
// and an empty statement(), which docs/api.md promises. Every engine's error for a write to
// a missing table now carries the engine's own code (code(), as text) and the statement that was refused.
#include "conformance.hpp"

namespace tether::conformance {
namespace {

class error_details_test : public fixture {};

TEST_F(error_details_test, a_write_to_a_missing_table_names_its_code_and_statement) {
  const std::string missing = unique_name("missing");
  auto check = [&](const std::function<void()>& call, const char* what) {
    try {
      call();
      FAIL() << what << " on a missing table succeeded";
    } catch (const error& e) {
      EXPECT_EQ(e.category(), error_category::schema) << what << ": " << e.what();
      EXPECT_EQ(e.engine(), profile().name) << what;
      EXPECT_TRUE(!e.code().empty() && e.code() != "0") << what << ": " << e.what();
      EXPECT_NE(e.statement().find(missing), std::string::npos) << what << ": [" << e.statement() << "]";
    }
  };
  check([&] { db->insert({.table = missing, .records = {{{"a", 1}}}}); }, "insert");
  check([&] { db->insert({.table = missing, .records = {{{"a", 1}}, {{"a", 2}}}, .return_ids = false}); }, "insert without ids");
  check([&] { db->update({.table = missing, .data = {{"a", 1}}, .where = {{"a", 2}}}); }, "update");
  check([&] { db->remove({.table = missing, .where = {{"a", 2}}}); }, "remove");
  check([&] { db->find({.table = missing}); }, "find");
}

}  // namespace
}  // namespace tether::conformance
