// Bad input and injection: clear errors before any write, and data left untouched.
#include "conformance.hpp"

namespace tether::conformance {
namespace {

class safety : public fixture {
 protected:
  void SetUp() override {
    fixture::SetUp();
    t_ = people();
  }
  std::string t_;
};

const char* injections[] = {
    "'; DROP TABLE people; --",
    "\" OR 1=1 --",
    "Robert'); DELETE FROM x; --",
    "1 OR 1=1",
    "%' OR '1'='1",
    "\\'; --",
};

TEST_F(safety, injection_strings_as_values_are_just_values) {
  for (const char* evil : injections) {
    auto r = db->insert({.table = t_, .records = {{{"name", evil}, {"city", evil}}}});
    auto back = db->find_one({.table = t_, .where = {{"id", r.inserted_ids.at(0)}}});
    ASSERT_TRUE(back);
    EXPECT_EQ(back->get<std::string>("name"), evil);
    EXPECT_EQ(db->count({.table = t_, .where = {{"name", evil}}}), 1);
    EXPECT_EQ(db->count({.table = t_, .where = {{"name", {{"$like", evil}}}}}) <= 1, true);
    EXPECT_EQ(db->count({.table = t_, .where = {{"city", {{"$contains", evil}}}}}), 1);
  }
  EXPECT_EQ(db->count({.table = t_}), 5 + static_cast<std::int64_t>(std::size(injections)));
}

TEST_F(safety, injection_strings_as_keys_and_names_are_refused) {
  for (const char* evil : injections) {
    EXPECT_THROW(db->find({.table = t_, .where = {{evil, 1}}}), error) << evil;
    EXPECT_THROW(db->find({.table = evil}), error) << evil;
    EXPECT_THROW(db->find({.table = t_, .select = {evil}}), error) << evil;
    EXPECT_THROW(db->find({.table = t_, .order_by = {{evil}}}), error) << evil;
    EXPECT_THROW(db->insert({.table = t_, .records = {{{evil, "x"}}}}), error) << evil;
    EXPECT_THROW(db->update({.table = t_, .data = {{evil, "x"}}, .where = {{"id", 1}}}), error) << evil;
    EXPECT_THROW(db->count({.table = t_, .column = evil}), error) << evil;
  }
  EXPECT_EQ(db->count({.table = t_}), 5);
  EXPECT_EQ(db->find_one({.table = t_, .where = {{"id", 1}}})->get<std::string>("name"), "Ada");
}

TEST_F(safety, invalid_identifier_message_names_it) {
  try {
    db->find({.table = "users; drop"});
    FAIL();
  } catch (const error& e) {
    EXPECT_EQ(e.category(), error_category::usage);
    EXPECT_NE(std::string(e.what()).find("users; drop"), std::string::npos) << e.what();
  }
}

TEST_F(safety, unknown_table_and_column_are_schema_errors_naming_them) {
  try {
    db->find({.table = "no_such_table"});
    FAIL();
  } catch (const error& e) {
    EXPECT_EQ(e.category(), error_category::schema);
    EXPECT_NE(std::string(e.what()).find("no_such_table"), std::string::npos) << e.what();
    EXPECT_EQ(e.engine(), profile().name);
  }
  try {
    db->find({.table = t_, .where = {{"agee", 3}}});
    FAIL();
  } catch (const error& e) {
    EXPECT_EQ(e.category(), error_category::schema);
    EXPECT_NE(std::string(e.what()).find("agee"), std::string::npos) << e.what();
  }
  EXPECT_THROW(db->insert({.table = "no_such_table", .records = {{{"a", 1}}}}), error);
  EXPECT_THROW(db->insert({.table = t_, .records = {{{"nope", 1}}}}), error);
  EXPECT_THROW(db->update({.table = t_, .data = {{"nope", 1}}, .where = {{"id", 1}}}), error);
  EXPECT_EQ(db->count({.table = t_}), 5);
}

TEST_F(safety, constraint_errors_have_portable_categories) {
  TETHER_REQUIRE_UNIQUE_ENFORCED();
  try {
    db->insert({.table = t_, .records = {{{"name", "Dup"}, {"email", "ada@example.com"}}}});
    FAIL();
  } catch (const error& e) {
    EXPECT_EQ(e.category(), error_category::unique_violation);
    EXPECT_EQ(e.sqlstate(), "23505");
    EXPECT_FALSE(e.statement().empty());
    EXPECT_EQ(e.statement().find("ada@example.com"), std::string::npos) << "values are never inlined";
  }
  try {
    db->insert({.table = t_, .records = {{{"email", "z@example.com"}}}});
    FAIL();
  } catch (const error& e) {
    EXPECT_EQ(e.category(), error_category::not_null_violation);
  }
}

TEST_F(safety, a_failing_bulk_insert_writes_nothing) {
  TETHER_REQUIRE_UNIQUE_ENFORCED();
  std::vector<value> rows;
  for (int i = 0; i < 1200; ++i) rows.push_back({{"name", "n" + std::to_string(i)}, {"email", "e" + std::to_string(i)}});
  rows.push_back({{"name", "dup"}, {"email", "e3"}});
  EXPECT_THROW(db->insert({.table = t_, .records = rows}), error);
  EXPECT_EQ(db->count({.table = t_}), 5);
}

TEST_F(safety, mismatched_records_are_refused) {
  EXPECT_THROW(db->insert({.table = t_, .records = {{{"name", "a"}}, {{"name", "b"}, {"age", 3}}}}), error);
  EXPECT_THROW(db->insert({.table = t_, .records = {{{"name", "a"}}, {{"age", 3}}}}), error);
  EXPECT_THROW(db->insert({.table = t_, .records = {}}), error);
  EXPECT_THROW(db->insert({.table = t_, .records = {value(5)}}), error);
  EXPECT_EQ(db->count({.table = t_}), 5);
}

// Records after the first are checked as they are bound, so a bad one can come after
// rows already sent: every insert path must still leave nothing written, name the record,
// and leave the connection usable.
TEST_F(safety, a_bad_record_late_in_a_bulk_insert_writes_nothing) {
  TETHER_REQUIRE_TRANSACTIONS(transaction_reads_own_writes, "transactions whose reads see their own writes");
  std::vector<value> rows;
  for (int i = 0; i < 2600; ++i) rows.push_back({{"name", "n" + std::to_string(i)}, {"age", i}});
  rows[1700] = value{{"age", 1}, {"name", "reordered"}};  // another key order is fine
  struct variant {
    const char* what;
    value bad;
    const char* message;
  };
  for (const auto& [what, bad, message] :
       {variant{"a missing column", value{{"name", "x"}, {"email", "y"}}, "record 2599"},
        variant{"a scalar", value(7), "record 2599"},
        variant{"an extra column", value{{"name", "x"}, {"age", 1}, {"email", "y"}}, "record 2599"}}) {
    rows.back() = bad;
    for (bool ids : {true, false}) {
      SCOPED_TRACE(std::string(what) + (ids ? ", with ids" : ", without ids"));
      try {
        db->insert({.table = t_, .records = rows, .return_ids = ids});
        ADD_FAILURE() << "the insert was accepted";
      } catch (const error& e) {
        EXPECT_EQ(e.category(), error_category::usage);
        EXPECT_NE(std::string(e.what()).find(message), std::string::npos) << e.what();
      }
      EXPECT_EQ(db->count({.table = t_}), 5);
    }
    auto tx = db->begin();
    EXPECT_THROW(tx.insert({.table = t_, .records = rows}), error);
    EXPECT_EQ(tx.count({.table = t_}), 5);
    tx.rollback();
  }
  rows.back() = value{{"name", "last"}, {"age", 2599}};
  EXPECT_EQ(db->insert({.table = t_, .records = rows, .return_ids = false}).count, 2600);
  EXPECT_EQ(db->count({.table = t_, .where = {{"name", "reordered"}, {"age", 1}}}), 1);
}

TEST_F(safety, negative_limits_are_refused) {
  EXPECT_THROW(db->find({.table = t_, .limit = -1}), error);
  EXPECT_THROW(db->find({.table = t_, .offset = -5}), error);
}

TEST_F(safety, raw_binds_params) {
  TETHER_REQUIRE(raw_queries, "raw queries");
  auto r = db->raw({.query = profile().raw_is_sql
                                 ? "SELECT name FROM " + quote_ident(t_) + " WHERE email = " + profile().placeholder
                                 : profile().raw_select(t_, "name", "email"),
                    .params = {"ada@example.com"}});
  EXPECT_EQ(r.records.size(), 1u);
  EXPECT_EQ(r.fields.at(0).name, "name");
  EXPECT_EQ(r.records.front().get<std::string>("name"), "Ada");
  EXPECT_THROW(db->raw({.query = ""}), error);
}

}  // namespace
}  // namespace tether::conformance
