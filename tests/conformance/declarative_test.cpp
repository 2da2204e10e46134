// The declarative workflow on every engine: a schema file pushed, pulled and planned back
// to nothing; renames that keep their data; the data-aware plan's refusals with counts;
// generated migrations applied up and down; and check finding drift made outside tether.
// Each test works in a database of its own, since pull and plan read every table there.
#include <fmt/format.h>

#include <filesystem>

#include "conformance.hpp"

namespace tether::conformance {
namespace {

class declarative : public fixture {
 protected:
  void SetUp() override {
    fixture::SetUp();
    if (IsSkipped()) return;
    env = std::make_unique<client>(fresh_database());
    opts.table = "tether_migrations";
  }
  void TearDown() override {
    env.reset();
    fixture::TearDown();
  }
  schema_workflow workflow() { return schema_workflow(*env, opts); }
  bool has_field(const std::string& table, const std::string& field) {
    const value d = tether::schema(*env, opts).describe(table);
    for (const auto& f : d["columns"].as_array())
      if (f["name"].as_string() == field) return true;
    return false;
  }
  std::string describe_all() {
    std::string out;
    for (const auto& t : workflow().pull().tables()) out += tether::schema(*env, opts).describe(t).to_json() + "\n";
    return out;
  }
  // "people": an id and the fields given, as a schema file.
  schema_file people(const std::string& fields_json, const std::string& table = "people",
                     const std::string& extra = "") {
    return schema_file::from_json(R"({"tables": {")" + table + R"(": {)" + extra + R"("fields": {
        "id": {"type": "bigint", "primary_key": true, "auto_increment": true})" +
                                  (fields_json.empty() ? "" : ", " + fields_json) + "}}}}");
  }
  static std::string steps_of(const schema_plan& p) { return p.to_value().to_json(); }

  std::unique_ptr<client> env;
  migration_options opts;
};

TEST_F(declarative, every_portable_type_pushed_then_pulled_plans_nothing) {
  const auto& caps = env->capabilities();
  std::string fields;
  for (auto t : all_field_types) {
    std::string def = fmt::format(R"({{"type": "{}")", to_string(t));
    if (t == field_type::string) def += R"(, "length": 80)";
    if (t == field_type::decimal) def += R"(, "precision": 12, "scale": 3)";
    if (t == field_type::enum_) def += R"(, "enum_values": ["a", "b"])";
    fields += fmt::format(R"({}"f_{}": {}}})", fields.empty() ? "" : ", ", to_string(t), def);
  }
  fields += R"(, "must": {"type": "integer", "required": true, "default": 7})";
  if (caps.unique_fields) fields += R"(, "email": {"type": "string", "length": 120, "unique": true})";
  if (caps.field_comments) fields += R"(, "noted": {"type": "text", "comment": "said once"})";
  // Indexes (unique, partial) and constraints (unique, check) where the engine has them.
  std::string extra = R"("indexes": [{"name": "people_must", "fields": ["must"]})";
  if (caps.unique_fields) extra += R"(, {"name": "people_pair", "fields": ["f_integer", "f_bigint"], "unique": true})";
  if (caps.partial_indexes) extra += R"(, {"name": "people_some", "fields": ["f_smallint"], "where": {"must": {"$gt": 0}}})";
  extra += "], ";
  if (caps.check_constraints)
    extra += R"("constraints": [{"name": "people_must_positive", "type": "check", "check": {"must": {"$gte": 0}}}], )";
  auto file = people(fields, "people", extra);
  auto pushed = workflow().push(file);
  ASSERT_TRUE(pushed.refused.empty()) << steps_of(pushed.plan);
  ASSERT_TRUE(pushed.applied.has_value());
  EXPECT_TRUE(workflow().plan(file).empty()) << steps_of(workflow().plan(file));

  // The round trip: pull, and the pulled file plans nothing against the database nor
  // against the migration that made it (what generate would write).
  auto pulled = workflow().pull();
  EXPECT_EQ(pulled.tables(), std::vector<std::string>{"people"}) << "the migrations table is left out";
  EXPECT_TRUE(workflow().plan(pulled).empty()) << steps_of(workflow().plan(pulled));
  auto made = workflow().generate(file, {});
  ASSERT_TRUE(made.migration.has_value());
  auto again = workflow().generate(pulled, {*made.migration});
  EXPECT_FALSE(again.migration.has_value()) << again.to_value().to_json();
  EXPECT_FALSE(workflow().generate(file, {*made.migration}).migration.has_value()) << "nothing to do";
}

TEST_F(declarative, a_rename_in_the_file_keeps_the_data) {
  workflow().push(people(R"("nick": {"type": "string", "length": 40})"));
  env->insert({.table = "people", .records = {{{"nick", "ada"}}, {{"nick", "bo"}}}});
  auto renamed = people(R"("handle": {"type": "string", "length": 40, "renamed_from": "nick"})");
  auto plan = workflow().plan(renamed);
  ASSERT_EQ(plan.steps.size(), 1u) << steps_of(plan);
  EXPECT_EQ(plan.steps[0].op["op"].as_string(), "rename_field");
  EXPECT_FALSE(plan.loses_data());
  ASSERT_TRUE(workflow().push(renamed).refused.empty());
  auto rows = env->find({.table = "people", .order_by = {{"id"}}}).records;
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].get<std::string>("handle"), "ada");
  EXPECT_EQ(rows[1].get<std::string>("handle"), "bo");
  if (env->capabilities().table_renames) {
    auto moved = people(R"("handle": {"type": "string", "length": 40})", "members", R"("renamed_from": "people", )");
    ASSERT_TRUE(workflow().push(moved).refused.empty());
    EXPECT_EQ(env->count({.table = "members"}), 2);
    EXPECT_TRUE(workflow().plan(moved).empty());
  }
  // Without renamed_from the same file is a drop and an add, and the drop is measured.
  auto dropped = people(R"("nick": {"type": "string", "length": 40})",
                        env->capabilities().table_renames ? "members" : "people");
  auto p = workflow().plan(dropped);
  EXPECT_TRUE(p.loses_data()) << steps_of(p);
}

TEST_F(declarative, a_push_that_loses_data_is_refused_with_counts_until_accepted) {
  workflow().push(people(R"("name": {"type": "string", "length": 40}, "phone": {"type": "string", "length": 20})"));
  env->insert({.table = "people",
               .records = {{{"name", "a"}, {"phone", "1"}}, {{"name", "b"}, {"phone", "2"}}, {{"name", "c"}, {"phone", nullptr}}}});
  auto without_phone = people(R"("name": {"type": "string", "length": 40})");
  auto refused = workflow().push(without_phone);
  ASSERT_EQ(refused.refused.size(), 1u) << refused.to_value().to_json();
  EXPECT_NE(refused.refused[0].find("people.phone: 2 rows hold a value"), std::string::npos) << refused.refused[0];
  EXPECT_FALSE(refused.applied.has_value());
  EXPECT_TRUE(has_field("people", "phone")) << "nothing ran";
  // A dry run measures the same and changes nothing.
  auto dry = workflow().push(without_phone, {.dry_run = true, .accept_data_loss = true});
  EXPECT_TRUE(dry.refused.empty());
  EXPECT_FALSE(dry.applied.has_value());
  EXPECT_TRUE(has_field("people", "phone"));
  // Accepted, it runs, and is recorded so that down brings the field back.
  auto accepted = workflow().push(without_phone, {.accept_data_loss = true});
  ASSERT_TRUE(accepted.applied.has_value()) << accepted.to_value().to_json();
  EXPECT_FALSE(has_field("people", "phone"));
  EXPECT_EQ(env->count({.table = "people"}), 3);
  migrator(*env, opts).down(1);
  EXPECT_TRUE(has_field("people", "phone"));

  // Narrowing a length: the longer values are counted, and the longest told.
  env->insert({.table = "people", .records = {{{"name", std::string(30, 'x')}, {"phone", nullptr}}}});
  auto narrow = workflow().plan(people(R"("name": {"type": "string", "length": 10}, "phone": {"type": "string", "length": 20})"));
  ASSERT_TRUE(narrow.loses_data()) << steps_of(narrow);
  EXPECT_NE(steps_of(narrow).find("1 value is longer, the longest 30"), std::string::npos) << steps_of(narrow);
}

TEST_F(declarative, a_step_the_data_blocks_is_refused_even_when_loss_is_accepted) {
  workflow().push(people(R"("email": {"type": "string", "length": 80})"));
  env->insert({.table = "people", .records = {{{"email", "a@x.io"}}, {{"email", "a@x.io"}}, {{"email", nullptr}}}});
  auto required = people(R"("email": {"type": "string", "length": 80, "required": true, "default": "none@x.io"})");
  auto r = workflow().push(required, {.accept_data_loss = true});
  ASSERT_FALSE(r.refused.empty()) << r.to_value().to_json();
  EXPECT_NE(r.refused[0].find("people.email required: 1 row is NULL"), std::string::npos) << r.refused[0];
  EXPECT_EQ(env->count({.table = "people", .where = value{{"email", nullptr}}}), 1) << "nothing ran";
  // The file's default, offered as the backfill, fills them first.
  auto filled = workflow().push(required, {.backfill = true});
  ASSERT_TRUE(filled.applied.has_value()) << filled.to_value().to_json();
  EXPECT_EQ(env->count({.table = "people", .where = value{{"email", "none@x.io"}}}), 1);

  if (env->capabilities().unique_fields) {
    auto unique = people(R"("email": {"type": "string", "length": 80, "required": true, "default": "none@x.io", "unique": true})");
    auto u = workflow().push(unique, {.accept_data_loss = true});
    ASSERT_FALSE(u.refused.empty()) << u.to_value().to_json();
    EXPECT_NE(u.refused[0].find("1 value of people.email appears more than once, e.g. 'a@x.io' (2 times)"), std::string::npos)
        << u.refused[0];
  }
}

TEST_F(declarative, a_foreign_key_with_orphans_is_blocked_with_the_count) {
  TETHER_REQUIRE(foreign_keys, "foreign keys");
  auto two = schema_file::from_json(R"({"tables": {
      "authors": {"fields": {"id": {"type": "bigint", "primary_key": true}}},
      "books": {"fields": {"id": {"type": "bigint", "primary_key": true}, "author_id": {"type": "bigint"}}}}})");
  workflow().push(two);
  env->insert({.table = "authors", .records = {{{"id", 1}}}});
  env->insert({.table = "books", .records = {{{"id", 1}, {"author_id", 1}}, {{"id", 2}, {"author_id", 5}},
                                             {{"id", 3}, {"author_id", 6}}, {{"id", 4}, {"author_id", nullptr}}}});
  auto with_key = schema_file::from_json(R"({"tables": {
      "authors": {"fields": {"id": {"type": "bigint", "primary_key": true}}},
      "books": {"fields": {"id": {"type": "bigint", "primary_key": true}, "author_id": {"type": "bigint"}},
                "constraints": [{"name": "fk_books_author", "type": "foreign_key", "columns": ["author_id"],
                                 "references": {"table": "authors", "columns": ["id"]}}]}}})");
  auto r = workflow().push(with_key, {.accept_data_loss = true});
  ASSERT_FALSE(r.refused.empty()) << r.to_value().to_json();
  EXPECT_NE(r.refused[0].find("2 rows"), std::string::npos) << r.refused[0];
  env->remove({.table = "books", .where = value{{"id", value{{"$in", array{2, 3}}}}}});
  EXPECT_TRUE(workflow().push(with_key).applied.has_value());
}

TEST_F(declarative, a_generated_migration_goes_up_and_down_to_the_same_describe) {
  auto v1 = schema_file::from_json(R"({"tables": {
      "authors": {"fields": {"id": {"type": "bigint", "primary_key": true, "auto_increment": true},
                             "name": {"type": "string", "length": 60, "required": true}}},
      "books": {"fields": {"id": {"type": "bigint", "primary_key": true, "auto_increment": true},
                           "author_id": {"type": "bigint"}, "title": {"type": "text"}},
                "indexes": [{"name": "idx_books_title_author", "fields": ["author_id"]}]}}})");
  auto first = workflow().generate(v1, {});
  ASSERT_TRUE(first.migration.has_value());
  migrator m(*env, opts);
  m.up({*first.migration});
  const std::string before = describe_all();
  env->insert({.table = "authors", .records = {{{"name", "Le Guin"}}}});

  const bool keys = env->capabilities().foreign_keys;
  auto v2 = schema_file::from_json(std::string(R"({"tables": {
      "authors": {"fields": {"id": {"type": "bigint", "primary_key": true, "auto_increment": true},
                             "full_name": {"type": "string", "length": 120, "required": true, "renamed_from": "name"},
                             "born": {"type": "date"}}},
      "books": {"fields": {"id": {"type": "bigint", "primary_key": true, "auto_increment": true},
                           "author_id": {"type": "bigint"}},
                "indexes": [{"name": "idx_books_title_author", "fields": ["author_id"]}])") +
                                   (keys ? R"(, "constraints": [{"name": "fk_books_author", "type": "foreign_key",
                   "columns": ["author_id"], "references": {"table": "authors", "columns": ["id"]}}])"
                                         : "") +
                                   "}}}");
  auto second = workflow().generate(v2, {*first.migration}, "rename and more");
  ASSERT_TRUE(second.migration.has_value());
  EXPECT_FALSE(second.migration->down.empty()) << "every generated step has its inverse";
  ASSERT_EQ(m.up({*first.migration, *second.migration}).size(), 1u);
  EXPECT_TRUE(workflow().plan(v2).empty()) << steps_of(workflow().plan(v2));
  auto rows = env->find({.table = "authors"}).records;
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].get<std::string>("full_name"), "Le Guin") << "the rename kept the value";

  m.down(1);
  EXPECT_EQ(describe_all(), before) << "down undid every step";
  EXPECT_EQ(env->find({.table = "authors"}).records.front().get<std::string>("name"), "Le Guin");
}

TEST_F(declarative, check_finds_drift_made_outside_tether) {
  TETHER_REQUIRE(raw_queries, "raw queries");
  if (!profile().raw_is_sql)
    GTEST_SKIP() << "needs raw SQL to change a table outside tether (raw commands here change no definition "
                    "describe reads)";
  auto file = people(R"("name": {"type": "string", "length": 40})");
  auto gen = workflow().generate(file, {});
  ASSERT_TRUE(gen.migration.has_value());
  migrator(*env, opts).up({*gen.migration});
  EXPECT_TRUE(workflow().check(file, {*gen.migration}).ok()) << workflow().check(file, {*gen.migration}).to_value().to_json();

  env->raw({.query = "ALTER TABLE " + quote_ident("people") + " ADD COLUMN " + quote_ident("extra") + " INTEGER"});
  auto report = workflow().check(file, {*gen.migration});
  ASSERT_FALSE(report.ok());
  const std::string text = report.to_value().to_json();
  EXPECT_NE(text.find("file_vs_database"), std::string::npos) << text;
  EXPECT_NE(text.find("people.extra: the database has it, the file does not"), std::string::npos) << text;

}

TEST_F(declarative, check_finds_edited_and_colliding_migration_files) {
  auto file = people(R"("name": {"type": "string", "length": 40})");
  auto gen = workflow().generate(file, {});
  ASSERT_TRUE(gen.migration.has_value());
  migrator(*env, opts).up({*gen.migration});
  EXPECT_TRUE(workflow().check(file, {*gen.migration}).ok()) << workflow().check(file, {*gen.migration}).to_value().to_json();
  // The file ahead of the migration files, and an applied migration edited afterwards.
  auto ahead = people(R"("name": {"type": "string", "length": 40}, "extra": {"type": "integer"})");
  auto edited = *gen.migration;
  edited.up.push_back(value::from_json(R"({"op": "create_index", "table": "people", "index": {"name": "people_name", "fields": ["name"]}})"));
  edited.checksum = checksum(edited);
  const std::string more = workflow().check(ahead, {edited}).to_value().to_json();
  EXPECT_NE(more.find("file_vs_migrations"), std::string::npos) << more;
  EXPECT_NE(more.find("edited_migration"), std::string::npos) << more;

  // Two branches: a file with the applied one's tag, and one not applied that sorts before it.
  auto twin = *gen.migration;
  twin.up = {value::from_json(R"({"op": "add_field", "table": "people", "field": {"name": "x", "type": "integer"}})")};
  twin.checksum = checksum(twin);
  auto earlier = twin;
  earlier.tag = "19990101_000000_side_branch";
  earlier.checksum = checksum(earlier);
  const std::string branches = workflow().check(file, {*gen.migration, twin, earlier}).to_value().to_json();
  EXPECT_NE(branches.find("two migration files have the tag " + gen.migration->tag), std::string::npos) << branches;
  EXPECT_NE(branches.find("19990101_000000_side_branch is not applied but sorts before"), std::string::npos) << branches;
}

}  // namespace
}  // namespace tether::conformance
