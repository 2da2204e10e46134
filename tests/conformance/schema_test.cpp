// Schema calls and migrations, the same on every engine: each operation up and then
// down with the data kept, a migration that fails part-way, two migrators at once, drift,
// and a replay on a second environment that ends with the same schema.
#include <atomic>
#include <optional>
#include <filesystem>
#include <iostream>
#include <thread>

#include "conformance.hpp"

namespace tether::conformance {
namespace {

class schema_calls : public fixture {
 protected:
  void SetUp() override {
    fixture::SetUp();
    opts_.table = unique_name("migrations");
    s_ = std::make_unique<tether::schema>(*db, opts_);
  }
  value column(const value& described, std::string_view name) {
    for (const auto& c : described["columns"].as_array())
      if (c["name"].as_string() == name) return c;
    return value();
  }
  std::vector<std::string> column_names(const std::string& t) {
    std::vector<std::string> out;
    value d = s_->describe(t);
    for (const auto& c : d["columns"].as_array()) out.push_back(c["name"].as_string());
    return out;
  }
  migration_options opts_;
  std::unique_ptr<tether::schema> s_;
};

TEST_F(schema_calls, create_records_a_migration_and_down_drops_the_table) {
  TETHER_REQUIRE(unique_fields, "unique indexes");
  auto t = unique_name("items");
  auto r = s_->create(t,
                      {{"id", {{"type", "bigint"}, {"primary_key", true}, {"auto_increment", true}}},
                       {"name", {{"type", "string"}, {"length", 80}, {"required", true}}},
                       {"price", {{"type", "decimal"}, {"precision", 10}, {"scale", 2}}},
                       {"active", {{"type", "boolean"}, {"default", true}}},
                       {"status", {{"type", "enum"}, {"enum_values", {"draft", "live"}}}},
                       {"tags", {{"type", "json"}, {"comment", "free-form labels"}}}},
                      {{"timestamps", true}, {"indexes", {value{{"fields", {"name"}}, {"unique", true}}}}});
  EXPECT_TRUE(r.applied);
  EXPECT_EQ(r.migration.up.size(), 1u);
  EXPECT_EQ(r.migration.down.at(0)["op"].as_string(), "drop_collection");
  EXPECT_EQ(r.migration.checksum.size(), 64u);
  EXPECT_NE(r.migration.tag.find("_create_" + t), std::string::npos) << r.migration.tag;
  ASSERT_TRUE(s_->exists(t));
  auto d = s_->describe(t);
  EXPECT_EQ(column(d, "name")["type"].as_string(), "string");
  EXPECT_EQ(column(d, "name")["length"].as_int(), 80);
  EXPECT_FALSE(column(d, "name")["nullable"].as_bool());
  EXPECT_EQ(column(d, "price")["type"].as_string(), "decimal");
  EXPECT_EQ(column(d, "active")["default"], value(true));
  EXPECT_TRUE(column(d, "id")["primary_key"].as_bool());
  EXPECT_EQ(column(d, "created_at")["type"].as_string(), "timestamp");
  EXPECT_EQ(d["primary_key"], value(array{"id"}));
  if (!db->capabilities().field_comments) {
    EXPECT_EQ(column(d, "tags").find("comment"), nullptr) << "the engine keeps comments in the migration only";
    EXPECT_EQ(r.migration.up[0].to_json().find("free-form labels") != std::string::npos, true);
  } else {
    EXPECT_EQ(column(d, "tags")["comment"].as_string(), "free-form labels");
  }
  ASSERT_EQ(d["indexes"].size(), 1u);
  EXPECT_EQ(d["indexes"][0]["name"].as_string(), t + "_name_key");
  EXPECT_TRUE(d["indexes"][0]["unique"].as_bool());
  // The table works, with its defaults.
  auto ins = db->insert({.table = t, .records = {{{"name", "pen"}, {"price", decimal::parse("1.50")}}}});
  auto row = db->find_one({.table = t});
  EXPECT_EQ(row->get<bool>("active"), true);
  EXPECT_FALSE(row->is_null("created_at"));
  auto list = s_->list();
  EXPECT_NE(std::find(list.begin(), list.end(), t), list.end());
  EXPECT_EQ(std::find(list.begin(), list.end(), opts_.table), list.end()) << "the record table is not listed";

  tether::migrator m(*db, opts_);
  ASSERT_EQ(m.history().size(), 1u);
  EXPECT_EQ(m.history()[0].tag, r.migration.tag);
  m.down(1);
  EXPECT_FALSE(s_->exists(t));
  EXPECT_TRUE(m.history().empty());
}

TEST_F(schema_calls, field_operations_keep_the_data_up_and_down) {
  auto t = unique_name("people");
  s_->create(t, {{"id", {{"type", "integer"}, {"primary_key", true}, {"auto_increment", true}}}, {"name", "string"}});
  db->insert({.table = t, .records = {{{"name", "Ada"}}, {{"name", "Grace"}}}});
  tether::migrator m(*db, opts_);

  s_->add_field(t, "age", {{"type", "integer"}, {"default", 0}});
  db->update({.table = t, .data = {{"age", 36}}, .where = {{"name", "Ada"}}});
  EXPECT_EQ(db->find_one({.table = t, .where = {{"name", "Ada"}}})->get<std::int64_t>("age"), 36);

  s_->rename_field(t, "name", "full_name");
  EXPECT_EQ(db->find_one({.table = t, .where = {{"full_name", "Ada"}}})->get<std::int64_t>("age"), 36);

  const bool indexed = index_refusal().empty();
  if (indexed) {
    s_->create_index(t, {"full_name", "age"});
    EXPECT_EQ(s_->indexes(t).size(), 1u);
  } else {
    std::cout << "[ NOTE     ] no index on an existing table here: " << index_refusal() << "\n";
  }

  auto dropped = s_->drop_field(t, "age");
  ASSERT_EQ(dropped.migration.notes.size(), 1u);
  EXPECT_NE(dropped.migration.notes[0].find("not restored"), std::string::npos);
  EXPECT_EQ(column_names(t), (std::vector<std::string>{"id", "full_name"}));
  EXPECT_EQ(s_->indexes(t).size(), 0u) << "the index went with its column";

  // Down, one step at a time: each restores the structure, the rows stay.
  m.down(1);  // drop_field: the column comes back, empty
  EXPECT_EQ(column_names(t), (std::vector<std::string>{"id", "full_name", "age"}));
  if (indexed) {
    m.down(1);  // create_index
    EXPECT_EQ(s_->indexes(t).size(), 0u);
  }
  m.down(1);  // rename_field
  EXPECT_EQ(db->count({.table = t, .where = {{"name", "Grace"}}}), 1);
  m.down(1);  // add_field
  EXPECT_EQ(column_names(t), (std::vector<std::string>{"id", "name"}));
  EXPECT_EQ(db->count({.table = t}), 2);

  if (!db->capabilities().table_renames) return;
  auto renamed = unique_name("renamed");
  s_->rename(t, renamed);
  EXPECT_FALSE(s_->exists(t));
  EXPECT_EQ(db->count({.table = renamed}), 2);
  m.down(1);
  EXPECT_EQ(db->count({.table = t}), 2);
}

TEST_F(schema_calls, drop_index_and_drop_table_are_undone_from_the_database_state) {
  auto t = unique_name("things");
  s_->create(t, {{"id", {{"type", "bigint"}, {"primary_key", true}}}, {"code", {{"type", "string"}, {"length", 20}}},
                 {"qty", {{"type", "integer"}, {"required", true}, {"default", 1}}}});
  const bool unique = db->capabilities().unique_fields;  // else a plain index makes the same point
  tether::migrator m(*db, opts_);
  if (index_refusal().empty()) {
    s_->create_index(t, {"code"}, {{"unique", unique}, {"name", t + "_code"}});
    s_->drop_index(t, t + "_code");
    EXPECT_EQ(s_->indexes(t).size(), 0u);
    m.down(1);
    ASSERT_EQ(s_->indexes(t).size(), 1u);
    const value* kept = s_->indexes(t)[0].find("unique");  // written only when true
    EXPECT_EQ(kept && kept->as_bool(), unique);
  } else {
    // The index given when the table is made instead; dropping it is what this server cannot.
    std::cout << "[ NOTE     ] drop_index and its down left out: " << index_refusal() << "\n";
    s_->drop(t);
    s_->create(t, {{"id", {{"type", "bigint"}, {"primary_key", true}}}, {"code", {{"type", "string"}, {"length", 20}}},
                   {"qty", {{"type", "integer"}, {"required", true}, {"default", 1}}}},
               {{"indexes", {value{{"fields", {"code"}}, {"name", t + "_code"}}}}});
    ASSERT_EQ(s_->indexes(t).size(), 1u);
  }

  auto before = s_->describe(t);
  auto dropped = s_->drop(t);
  EXPECT_FALSE(s_->exists(t));
  ASSERT_FALSE(dropped.migration.notes.empty());
  EXPECT_NE(dropped.migration.notes[0].find("rows are not restored"), std::string::npos);
  m.down(1);
  EXPECT_EQ(s_->describe(t).to_json(), before.to_json()) << "the same structure, indexes included";
}

TEST_F(schema_calls, modify_field_restores_the_previous_definition) {
  auto t = unique_name("sizes");
  s_->create(t, {{"id", {{"type", "integer"}, {"primary_key", true}}}, {"label", {{"type", "string"}, {"length", 10}}}},
             {{"indexes", {value{{"fields", {"label"}}}}}});
  db->insert({.table = t, .records = {{{"id", 1}, {"label", "small"}}}});
  // SQLite rebuilds the table for this; its rows and indexes come through.
  s_->modify_field(t, "label", {{"type", "string"}, {"length", 40}, {"required", true}, {"default", "none"},
                                {"comment", "shown on the tag"}});
  auto c = column(s_->describe(t), "label");
  if (db->capabilities().field_comments) {
    EXPECT_EQ(c["comment"], value("shown on the tag"));
  }
  EXPECT_EQ(c["length"].as_int(), 40);
  EXPECT_FALSE(c["nullable"].as_bool());
  EXPECT_EQ(c["default"], value("none"));
  tether::migrator(*db, opts_).down(1);
  c = column(s_->describe(t), "label");
  EXPECT_EQ(c.find("comment"), nullptr) << "down took the comment away again";
  EXPECT_EQ(c["length"].as_int(), 10);
  EXPECT_TRUE(c["nullable"].as_bool());
  EXPECT_TRUE(c["default"].is_null());
  EXPECT_EQ(db->find_one({.table = t})->get<std::string>("label"), "small");
  EXPECT_EQ(s_->indexes(t).size(), 1u);
  // A change the rows cannot take fails and leaves the table as it was.
  db->insert({.table = t, .records = {{{"id", 2}, {"label", nullptr}}}});
  EXPECT_THROW(s_->modify_field(t, "label", {{"type", "string"}, {"length", 10}, {"required", true}}), error);
  EXPECT_TRUE(column(s_->describe(t), "label")["nullable"].as_bool());
  EXPECT_EQ(db->count({.table = t}), 2);
}

// tether sorts null first ascending on every engine. A NOT NULL order column is rendered
// without a null order (so an index can serve it); once the column takes nulls, an ordered
// find of the same shape must sort them first again, not reuse what it knew of the table.
TEST_F(schema_calls, an_order_column_that_starts_taking_nulls_sorts_them_first_again) {
  auto t = unique_name("ranked");
  s_->create(t, {{"id", {{"type", "integer"}, {"primary_key", true}}},
                 {"label", {{"type", "string"}, {"length", 10}, {"required", true}}}});
  db->insert({.table = t, .records = {{{"id", 1}, {"label", "b"}}, {{"id", 2}, {"label", "a"}}}});
  auto order = [&](direction dir) {
    return ids(db->find({.table = t, .select = {"id"}, .order_by = {{"label", dir}}, .limit = 10}).records);
  };
  EXPECT_EQ(order(direction::asc), (std::vector<std::int64_t>{2, 1}));
  EXPECT_EQ(order(direction::desc), (std::vector<std::int64_t>{1, 2}));
  s_->modify_field(t, "label", {{"type", "string"}, {"length", 10}});
  db->insert({.table = t, .records = {{{"id", 3}, {"label", nullptr}}}});
  EXPECT_EQ(order(direction::asc), (std::vector<std::int64_t>{3, 2, 1})) << "null first, ascending";
  EXPECT_EQ(order(direction::desc), (std::vector<std::int64_t>{1, 2, 3})) << "null last, descending";
}

TEST_F(schema_calls, constraints_are_added_dropped_and_kept_through_changes) {
  TETHER_REQUIRE(foreign_keys, "foreign keys");
  TETHER_REQUIRE(check_constraints, "check constraints");
  auto parent = unique_name("parents"), child = unique_name("children");
  s_->create(parent, {{"id", {{"type", "bigint"}, {"primary_key", true}}}});
  s_->create(child, {{"id", {{"type", "bigint"}, {"primary_key", true}}}, {"parent_id", "bigint"}, {"qty", "integer"}});
  value fk = {{"name", child + "_parent"}, {"type", "foreign_key"}, {"columns", {"parent_id"}},
              {"references", {{"table", parent}, {"columns", {"id"}}, {"on_delete", "cascade"}}}};
  s_->add_constraint(child, fk);
  s_->add_constraint(child, {{"name", child + "_qty"}, {"type", "check"}, {"expression", "qty > 0"}});
  db->insert({.table = parent, .records = {{{"id", 1}}}});
  try {
    db->insert({.table = child, .records = {{{"id", 1}, {"parent_id", 2}, {"qty", 1}}}});
    FAIL() << "the foreign key did not hold";
  } catch (const error& e) {
    EXPECT_EQ(e.category(), error_category::foreign_key_violation) << e.what();
  }
  EXPECT_THROW(db->insert({.table = child, .records = {{{"id", 1}, {"parent_id", 1}, {"qty", 0}}}}), error);
  auto d = s_->describe(child);
  ASSERT_EQ(d["constraints"].size(), 2u) << d.to_json();
  s_->drop_constraint(child, child + "_parent");
  db->insert({.table = child, .records = {{{"id", 2}, {"parent_id", 9}, {"qty", 1}}}});
  db->remove({.table = child, .where = {{"id", 2}}});
  tether::migrator(*db, opts_).down(1);  // the foreign key is back, as it was
  EXPECT_EQ(s_->describe(child)["constraints"], d["constraints"]);
  // Changing the referenced table (SQLite rebuilds it) keeps the reference working.
  s_->add_field(parent, "label", {{"type", "string"}, {"length", 20}});
  s_->modify_field(parent, "label", {{"type", "string"}, {"length", 50}});
  EXPECT_EQ(db->count({.table = parent}), 1);
  EXPECT_THROW(db->insert({.table = child, .records = {{{"id", 3}, {"parent_id", 7}, {"qty", 1}}}}), error);
  db->insert({.table = child, .records = {{{"id", 3}, {"parent_id", 1}, {"qty", 1}}}});
  db->remove({.table = parent, .where = {{"id", 1}}});
  EXPECT_EQ(db->count({.table = child}), 0) << "on_delete cascade still applies";
}

TEST_F(schema_calls, partial_indexes_and_drop_if_exists) {
  auto t = unique_name("partial");
  s_->create(t, {{"id", {{"type", "integer"}, {"primary_key", true}}}, {"qty", "integer"}},
             {{"sql_options", {{"if_not_exists", true}}}});
  if (!db->capabilities().partial_indexes) {
    try {
      s_->create_index(t, {"qty"}, {{"where", "qty > 0"}});
      FAIL() << profile().name << " has no partial indexes";
    } catch (const error& e) {
      EXPECT_EQ(e.category(), error_category::unsupported) << e.what();
    }
  } else {
    // The engine's own language for the where: SQL, or MongoDB's partialFilterExpression.
    const std::string native = profile().raw_is_sql ? "qty > 0" : R"({"qty": {"$gt": 0}})";
    s_->create_index(t, {"qty"}, {{"where", native}, {"unique", true}});
    db->insert({.table = t, .records = {{{"id", 1}, {"qty", 0}}, {{"id", 2}, {"qty", 0}}, {{"id", 3}, {"qty", 5}}}});
    if (unique_refusal().empty())
      EXPECT_THROW(db->insert({.table = t, .records = {{{"id", 4}, {"qty", 5}}}}), error) << "unique where qty > 0";
    else
      std::cout << "[ NOTE     ] that the index is unique where qty > 0 " << unique_refusal() << "\n";
    auto idx = s_->indexes(t);
    ASSERT_EQ(idx.size(), 1u);
    EXPECT_NE(idx[0]["where"].as_string().find("qty"), std::string::npos) << idx.to_json();
  }
  auto missing = unique_name("missing");
  auto r = s_->drop(missing, {{"if_exists", true}});
  EXPECT_TRUE(r.applied);
  EXPECT_TRUE(r.migration.down.empty()) << "nothing to restore";
  EXPECT_THROW(s_->drop(missing), error);
}

TEST_F(schema_calls, a_migration_that_fails_part_way) {
  auto t = unique_name("steps");
  s_->create(t, {{"id", {{"type", "integer"}, {"primary_key", true}}}});
  tether::migrator m(*db, opts_);
  auto bad = s_->migration(generate_tag("two_steps"))
                 .add_field(t, "first", "integer")
                 .add_field(unique_name("missing"), "second", "integer")
                 .build();
  try {
    m.apply(bad);
    FAIL();
  } catch (const error& e) {
    EXPECT_NE(std::string(e.what()).find("step 2 of 2"), std::string::npos) << e.what();
  }
  if (!db->capabilities().transactional_ddl) {
    // DDL commits on its own: step 1 stays, recorded as failed, and down undoes it.
    EXPECT_EQ(column_names(t), (std::vector<std::string>{"id", "first"}));
    EXPECT_THROW(m.apply(bad), error) << "a half-applied migration is not run again";
    m.down(1);
  }
  EXPECT_EQ(column_names(t), (std::vector<std::string>{"id"}));
  ASSERT_EQ(m.history().size(), 1u) << "only the create is recorded";
}

TEST_F(schema_calls, two_migrators_at_once_apply_each_migration_once) {
  std::vector<migration> defined;
  std::vector<std::string> tables;
  for (int i = 0; i < 4; ++i) {
    tables.push_back(unique_name("concurrent"));
    defined.push_back(s_->migration("2026010" + std::to_string(i) + "_000000_create")
                          .create_collection(tables.back(), {{"id", {{"type", "integer"}, {"primary_key", true}}}})
                          .build());
  }
  std::atomic<int> applied{0}, failed{0};
  auto run = [&] {
    try {
      client c(url_);
      applied += static_cast<int>(tether::migrator(c, opts_).up(defined).size());
    } catch (const std::exception& e) {
      ++failed;
      ADD_FAILURE() << e.what();
    }
  };
  std::thread a(run), b(run);
  a.join();
  b.join();
  EXPECT_EQ(failed.load(), 0);
  EXPECT_EQ(applied.load(), 4) << "each migration applied once, by one of the two";
  EXPECT_EQ(tether::migrator(*db, opts_).history().size(), 4u);
}

TEST_F(schema_calls, a_second_migrator_waits_for_the_lock_then_names_it) {
  auto t = unique_name("locked");
  auto m1 = s_->migration("20260102_000000_locked").create_collection(t, {{"id", {{"type", "integer"}, {"primary_key", true}}}}).build();
  // Someone else holds the lock: on a server, the engine's named lock; on SQLite, a write
  // transaction (SQLite's lock is its write lock).
  client other(url_);
  std::shared_ptr<void> held = profile().hold_migration_lock(other, make_table({{"id", "pk"}}));
  try {
    tether::migrator(*db, opts_).apply(m1, {.lock_timeout = std::chrono::milliseconds(300)});
    FAIL() << "the migration ran while the lock was held";
  } catch (const error& e) {
    EXPECT_EQ(e.category(), error_category::timeout) << e.what();
    EXPECT_NE(std::string(e.what()).find("migration lock"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(s_->exists(t));
  held.reset();
  other.close();  // the session ends, and a lock it holds with it
  EXPECT_TRUE(tether::migrator(*db, opts_).apply(m1).applied);
}

TEST_F(schema_calls, drift_is_reported_and_never_reapplied) {
  auto t = unique_name("drifting");
  auto m1 = s_->migration("20260101_000000_first").create_collection(t, {{"id", {{"type", "integer"}, {"primary_key", true}}}}).build();
  tether::migrator m(*db, opts_);
  EXPECT_EQ(m.up({m1}).size(), 1u);
  EXPECT_EQ(m.status({m1}).to_value().to_json(),
            R"({"total":1,"completed":1,"pending":0,"last_applied":"20260101_000000_first","pending_migrations":[],"drift":[],"partial":[]})");
  // Someone edits the applied migration.
  auto edited = s_->migration("20260101_000000_first").create_collection(t, {{"id", "bigint"}}).build();
  auto st = m.status({edited});
  ASSERT_EQ(st.drift.size(), 1u);
  EXPECT_EQ(st.drift[0], "20260101_000000_first");
  try {
    m.up({edited});
    FAIL();
  } catch (const error& e) {
    EXPECT_NE(std::string(e.what()).find("drift"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("20260101_000000_first"), std::string::npos) << e.what();
  }
  // A file whose checksum no longer matches its operations is refused outright.
  migration tampered = m1;
  tampered.up[0] = edited.up[0];
  EXPECT_THROW(validate(tampered), error);
}

TEST_F(schema_calls, dry_run_returns_the_statements_and_changes_nothing) {
  auto t = unique_name("dry");
  auto r = s_->create(t, {{"id", {{"type", "integer"}, {"primary_key", true}}}}, {}, {.dry_run = true});
  EXPECT_FALSE(r.applied);
  // One statement on SQL; where the key's index is a command of its own (MongoDB), two.
  ASSERT_GE(r.statements.size(), 1u);
  for (const auto& statement : r.statements)
    EXPECT_NE(statement.find(t), std::string::npos) << "the statement (or request) names the table: " << statement;
  EXPECT_FALSE(s_->exists(t));
  EXPECT_TRUE(tether::migrator(*db, opts_).history().empty());
}

TEST_F(schema_calls, replay_on_a_second_environment_gives_the_same_schema) {
  auto folder = std::filesystem::temp_directory_path() / ("tether-migrations-" + unique_name("f"));
  migration_options files = opts_;
  files.folder = folder.string();
  tether::schema dev(*db, files);
  auto t = unique_name("replayed");
  dev.create(t, {{"id", {{"type", "bigint"}, {"primary_key", true}, {"auto_increment", true}}},
                 {"email", {{"type", "string"}, {"length", 120}, {"unique", db->capabilities().unique_fields}}},
                 {"born", "date"}});
  dev.add_field(t, "score", {{"type", "double"}, {"default", 0}});
  if (index_refusal().empty()) dev.create_index(t, {"born"});
  else dev.add_field(t, "note", "text");  // a third step this server can take
  auto on_file = load_migrations(folder.string());
  ASSERT_EQ(on_file.size(), 3u);

  client prd(fresh_database());
  EXPECT_EQ(tether::migrator(prd, opts_).up(on_file).size(), 3u);
  EXPECT_EQ(tether::schema(prd, opts_).describe(t).to_json(), dev.describe(t).to_json());
  EXPECT_TRUE(tether::migrator(prd, opts_).up(on_file).empty()) << "nothing pending the second time";
  std::filesystem::remove_all(folder);
}

TEST_F(schema_calls, bad_definitions_are_refused_before_anything_runs) {
  auto t = unique_name("bad");
  EXPECT_THROW(s_->create(t, {{"id", "integr"}}), error);
  EXPECT_THROW(s_->create(t, {{"id", {{"type", "string"}, {"lenght", 3}}}}), error);
  EXPECT_THROW(s_->create(t, {{"x", {{"type", "enum"}}}}), error);
  EXPECT_THROW(s_->create("bad name", {{"id", "integer"}}), error);
  EXPECT_THROW(s_->add_field(t, "x", "integer"), error);  // no such table
  EXPECT_THROW(s_->describe(t), error);
  EXPECT_FALSE(s_->exists(t));
  EXPECT_TRUE(tether::migrator(*db, opts_).history().empty());
}

}  // namespace
}  // namespace tether::conformance
