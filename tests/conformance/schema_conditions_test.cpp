// The conditions a schema holds, in their portable form (a tether where-filter) on every
// engine that has the feature, and refused, naming the engine, on one that has not: a
// partial index's where and a check constraint. The engine-native form (SQL text) is the
// marked escape hatch and is tested by schema_test's SQL cases.
#include "conformance.hpp"

namespace tether::conformance {
namespace {

class schema_conditions : public fixture {
 protected:
  void SetUp() override {
    fixture::SetUp();
    opts_.table = unique_name("migrations");
    s_ = std::make_unique<tether::schema>(*db, opts_);
  }
  void expect_refused(const std::function<void()>& call, std::string_view feature) {
    try {
      call();
      FAIL() << profile().name << " took " << feature << " without the capability";
    } catch (const error& e) {
      EXPECT_EQ(e.category(), error_category::unsupported) << e.what();
      EXPECT_NE(std::string(e.what()).find(profile().name), std::string::npos) << e.what();
    }
  }
  migration_options opts_;
  std::unique_ptr<tether::schema> s_;
};

TEST_F(schema_conditions, a_partial_index_takes_a_tether_filter) {
  auto t = unique_name("pidx");
  s_->create(t, {{"id", {{"type", "integer"}, {"primary_key", true}}}, {"qty", "integer"}, {"sku", {{"type", "string"}, {"length", 20}}}});
  value where = value::from_json(R"({"qty": {"$gt": 0}, "sku": {"$startsWith": "it's"}})");
  if (!db->capabilities().partial_indexes) {
    expect_refused([&] { s_->create_index(t, {"sku"}, {{"where", where}, {"unique", true}}); }, "a partial index");
    EXPECT_EQ(s_->indexes(t).size(), 0u) << "a refused index left something behind";
    return;
  }
  if (!db->capabilities().in_partial_index(engine::compare::starts_with)) {
    // The engine's partial indexes hold fewer operators: the one it lacks is named, and
    // nothing is made; a filter of comparisons with the same meaning here is taken.
    try {
      s_->create_index(t, {"sku"}, {{"where", where}, {"unique", true}});
      FAIL() << profile().name << " took $startsWith in a partial index";
    } catch (const error& e) {
      EXPECT_EQ(e.category(), error_category::unsupported) << e.what();
      EXPECT_NE(std::string(e.what()).find("$startsWith"), std::string::npos) << e.what();
    }
    EXPECT_EQ(s_->indexes(t).size(), 0u) << "a refused index left something behind";
    where = value::from_json(R"({"qty": {"$gt": 0}, "sku": {"$lt": "o"}})");
  }
  s_->create_index(t, {"sku"}, {{"where", where}, {"unique", true}});
  // Unique only among rows the filter admits: two sold-out rows may share a sku.
  db->insert({.table = t, .records = {{{"id", 1}, {"qty", 0}, {"sku", "it's-a"}}, {{"id", 2}, {"qty", 0}, {"sku", "it's-a"}},
                                      {{"id", 3}, {"qty", 4}, {"sku", "it's-a"}}, {{"id", 4}, {"qty", 4}, {"sku", "other"}},
                                      {{"id", 5}, {"qty", 4}, {"sku", "other"}}}});
  if (unique_refusal().empty())
    EXPECT_THROW(db->insert({.table = t, .records = {{{"id", 6}, {"qty", 9}, {"sku", "it's-a"}}}}), error)
        << "the index is unique where the filter holds";
  else
    std::cout << "[ NOTE     ] that the index is unique where its filter holds " << unique_refusal() << "\n";
  ASSERT_EQ(s_->indexes(t).size(), 1u);
  tether::migrator(*db, opts_).down(1);
  EXPECT_EQ(s_->indexes(t).size(), 0u);
}

// MongoDB's index options: sparse (documents without the fields left out) and TTL (the
// server deletes a document expire_after_seconds after its timestamp). Where the engine
// has them, they are made, described and undone; elsewhere refused by name; a bad value
// is named on every engine, before anything is written.
TEST_F(schema_conditions, sparse_and_ttl_indexes_are_made_where_the_engine_has_them) {
  auto t = unique_name("opts");
  s_->create(t, {{"id", {{"type", "integer"}, {"primary_key", true}}}, {"code", "string"}, {"seen", "timestamp"}});
  const auto caps = db->capabilities();
  auto bad = [&](value options, std::vector<std::string> fields, std::string_view says) {
    try {
      s_->create_index(t, std::move(fields), std::move(options));
      FAIL() << options.to_json() << " was taken";
    } catch (const error& e) {
      EXPECT_EQ(e.category(), error_category::usage) << e.what();
      EXPECT_NE(std::string(e.what()).find(says), std::string::npos) << e.what();
    }
  };
  bad({{"expire_after_seconds", -1}}, {"seen"}, "from 0 to 2147483647, got -1");
  bad({{"expire_after_seconds", "1h"}}, {"seen"}, "whole number of seconds");
  bad({{"expire_after_seconds", 60}}, {"seen", "code"}, "on one field");
  bad({{"sparse", "yes"}}, {"code"}, "\"sparse\" must be true or false");
  EXPECT_EQ(s_->indexes(t).size(), 0u) << "a refused index left something behind";
  auto find_index = [&](const std::string& name) -> value {
    const value all = s_->indexes(t);
    for (const auto& i : all.as_array())
      if (i["name"].as_string() == name) return i;
    return value();
  };
  if (!caps.sparse_indexes) {
    expect_refused([&] { s_->create_index(t, {"code"}, {{"sparse", true}}); }, "a sparse index");
  } else {
    s_->create_index(t, {"code"}, {{"name", t + "_code_sparse"}, {"sparse", true}});
    const value i = find_index(t + "_code_sparse");
    ASSERT_FALSE(i.is_null()) << s_->indexes(t).to_json();
    EXPECT_EQ(i["sparse"], value(true));
    db->insert({.table = t, .records = {{{"id", 1}, {"code", nullptr}}, {{"id", 2}, {"code", "a"}}}});
    EXPECT_EQ(db->count({.table = t, .where = {{"code", nullptr}}}), 1) << "a sparse index changes no result";
  }
  if (!caps.ttl_indexes) {
    expect_refused([&] { s_->create_index(t, {"seen"}, {{"expire_after_seconds", 3600}}); }, "a TTL index");
  } else {
    s_->create_index(t, {"seen"}, {{"name", t + "_seen_ttl"}, {"expire_after_seconds", 3600}});
    const value i = find_index(t + "_seen_ttl");
    ASSERT_FALSE(i.is_null()) << s_->indexes(t).to_json();
    EXPECT_EQ(i["expire_after_seconds"], value(3600));
    tether::migrator(*db, opts_).down(1);
    EXPECT_TRUE(find_index(t + "_seen_ttl").is_null()) << "down dropped the TTL index";
  }
}

TEST_F(schema_conditions, a_check_constraint_takes_a_tether_filter) {
  auto t = unique_name("chk");
  s_->create(t, {{"id", {{"type", "integer"}, {"primary_key", true}}}, {"qty", "integer"}, {"state", {{"type", "string"}, {"length", 10}}}});
  value check = value::from_json(R"({"qty": {"$gte": 0}, "state": {"$in": ["new", "done"]}})");
  value def = {{"name", t + "_ok"}, {"type", "check"}, {"check", check}};
  if (!db->capabilities().check_constraints) {
    expect_refused([&] { s_->add_constraint(t, def); }, "a check constraint");
    return;
  }
  s_->add_constraint(t, def);
  db->insert({.table = t, .records = {{{"id", 1}, {"qty", 3}, {"state", "new"}}}});
  auto refused = [&](object row, const char* why) {
    try {
      db->insert({.table = t, .records = {std::move(row)}});
      ADD_FAILURE() << "the check let through " << why;
    } catch (const error& e) {
      EXPECT_EQ(e.category(), error_category::check_violation) << why << ": " << e.what();
    }
  };
  // Introspection reads the check back as the engine holds it: its native text, marked so.
  value described = s_->describe(t)["constraints"];
  ASSERT_EQ(described.size(), 1u) << described.to_json();
  EXPECT_TRUE(described[0]["expression"].is_string()) << described.to_json();
  EXPECT_NE(described[0]["expression"].as_string().find("qty"), std::string::npos) << described.to_json();
  EXPECT_EQ(described[0].find("check"), nullptr) << "the engine's text is not a portable filter: " << described.to_json();
  refused({{"id", 2}, {"qty", -1}, {"state", "new"}}, "a negative qty");
  refused({{"id", 3}, {"qty", 1}, {"state", "lost"}}, "a state outside the list");
  EXPECT_EQ(db->count({.table = t}), 1);
  tether::migrator(*db, opts_).down(1);
  db->insert({.table = t, .records = {{{"id", 4}, {"qty", -1}, {"state", "lost"}}}});
  EXPECT_EQ(db->count({.table = t}), 2) << "down removed the check";
}

TEST_F(schema_conditions, a_check_needs_one_form_and_a_filter_is_validated) {
  auto t = unique_name("chkbad");
  s_->create(t, {{"id", {{"type", "integer"}, {"primary_key", true}}}});
  auto usage = [&](value def, std::string_view says) {
    try {
      s_->add_constraint(t, def);
      ADD_FAILURE() << def.to_json() << " was accepted";
    } catch (const error& e) {
      EXPECT_EQ(e.category(), error_category::usage) << e.what();
      EXPECT_NE(std::string(e.what()).find(says), std::string::npos) << e.what();
    }
  };
  usage({{"type", "check"}}, "either \"check\"");
  usage({{"type", "check"}, {"check", {{"id", 1}}}, {"expression", "id = 1"}}, "not both");
  usage({{"type", "check"}, {"check", "id > 0"}}, "where-filter object");
  usage({{"type", "check"}, {"check", {{"id", {{"$near", 1}}}}}}, "$near");
  usage({{"type", "unique"}, {"columns", {"id"}}, {"check", {{"id", 1}}}}, "takes no \"check\"");
}

}  // namespace
}  // namespace tether::conformance
