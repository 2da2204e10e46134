// The schema file with no database: validation errors that name the table, the field and
// the key; the canonical order that keeps diffs of the file small; the C++ builder that
// makes the same document; and the diff's steps, order and semantic type equality.
#include <gtest/gtest.h>
#include <tether/tether.hpp>

#include <filesystem>

#include "core/migrations/declared_schema.hpp"
#include "core/migrations/schema_diff.hpp"
#include "core/migrations/schema_ops.hpp"

namespace tether {
namespace {

std::string error_of(std::string_view json) {
  try {
    schema_file::from_json(json);
  } catch (const error& e) {
    EXPECT_EQ(e.category(), error_category::usage) << e.what();
    return e.what();
  }
  return "(no error)";
}

TEST(schema_file, errors_name_the_table_the_field_and_the_key) {
  EXPECT_NE(error_of(R"({"tables": {"users": {"fields": {"id": {"type": "integr"}}}}})")
                .find("table \"users\", field \"id\""),
            std::string::npos);
  auto msg = error_of(R"({"tables": {"users": {"fields": {"id": {"type": "integer", "length": "long"}}}}})");
  EXPECT_NE(msg.find("field \"id\""), std::string::npos) << msg;
  EXPECT_NE(msg.find("length"), std::string::npos) << msg;
  msg = error_of(R"({"tables": {"users": {"fields": {"id": {"type": "integer"}}, "colour": 1}}})");
  EXPECT_NE(msg.find("table \"users\": unknown key \"colour\""), std::string::npos) << msg;
  msg = error_of(R"({"tables": {"users": {"fields": {"id": {"type": "integer"}},
                     "indexes": [{"name": "i", "fields": ["nope"]}]}}})");
  EXPECT_NE(msg.find("indexes[0]"), std::string::npos) << msg;
  EXPECT_NE(msg.find("\"nope\""), std::string::npos) << msg;
  msg = error_of(R"({"tables": {"orders": {"fields": {"id": {"type": "integer"}, "c": {"type": "integer"}},
                     "constraints": [{"type": "foreign_key", "columns": ["c"], "references": {"table": "gone", "columns": ["id"]}}]}}})");
  EXPECT_NE(msg.find("table \"orders\""), std::string::npos) << msg;
  EXPECT_NE(msg.find("\"gone\" is not a table of the file"), std::string::npos) << msg;
  msg = error_of(R"({"tables": {"t": {"fields": {"a": {"type": "integer"}, "b": {"type": "integer", "renamed_from": "a"}}}}})");
  EXPECT_NE(msg.find("field \"b\": key \"renamed_from\" names \"a\", which is still a field"), std::string::npos) << msg;
  msg = error_of(R"({"tables": {"bad name;": {"fields": {"a": {"type": "integer"}}}}})");
  EXPECT_NE(msg.find("table \"bad name;\""), std::string::npos) << msg;
  EXPECT_NE(error_of(R"({"tables": {"t": {"fields": {}}}})").find("needs \"fields\""), std::string::npos);
  EXPECT_NE(error_of(R"({"tables": 3})").find("\"tables\" must be an object"), std::string::npos);
  EXPECT_NE(error_of("{nope").find("not valid JSON"), std::string::npos);
}

// "relations" per table: what a relation leaves out follows from the file's foreign and
// primary keys, the canonical form says it all, and every name is checked.
TEST(schema_file, relations_are_completed_from_the_files_keys_and_checked) {
  const std::string tables = R"("users": {"fields": {"id": {"type": "bigint", "primary_key": true}, "name": {"type": "string"}},
                                           "relations": {"posts": {}}},
      "posts": {"fields": {"id": {"type": "bigint", "primary_key": true}, "author_id": {"type": "bigint"},
                           "editor_id": {"type": "bigint"}},
                "constraints": [{"name": "fk_author", "type": "foreign_key", "columns": ["author_id"],
                                 "references": {"table": "users", "columns": ["id"]}}],
                "relations": {"author": {"table": "users"}, "editor": {"type": "many_to_one", "table": "users",
                                                                      "foreign_key": "editor_id"}}})";
  const auto f = schema_file::from_json(R"({"tables": {)" + tables + "}}");
  const value& posts = f.to_value()["tables"]["posts"]["relations"];
  EXPECT_EQ(posts["author"].to_json(),
            R"({"type":"many_to_one","table":"users","foreign_key":"author_id","primary_key":"id"})")
      << "type and keys from the foreign key";
  EXPECT_EQ(posts["editor"]["primary_key"].as_string(), "id") << "no foreign key: the related table's primary key";
  EXPECT_EQ(f.to_value()["tables"]["users"]["relations"]["posts"].to_json(),
            R"({"type":"one_to_many","table":"posts","foreign_key":"author_id","primary_key":"id"})")
      << "the table of the relation's name, the key that points back";
  EXPECT_EQ(schema_file::from_json(f.to_json()), f) << "the canonical form reads back the same";

  auto with = [&](std::string_view relation) {
    return error_of(R"({"tables": {"users": {"fields": {"id": {"type": "bigint", "primary_key": true}, "name": {"type": "string"}},
                     "relations": {)" + std::string(relation) + "}}}}");
  };
  auto msg = with(R"("x": {"table": "gone", "type": "many_to_one", "foreign_key": "id"})");
  EXPECT_NE(msg.find(R"(table "users", relation "x": key "table" names "gone", which is not a table of the file)"),
            std::string::npos) << msg;
  msg = with(R"("x": {"table": "users", "type": "many_to_one", "foreign_key": "nope", "primary_key": "id"})");
  EXPECT_NE(msg.find(R"(key "foreign_key" names "nope", which is not a field of "users")"), std::string::npos) << msg;
  msg = with(R"("x": {"table": "users", "limit": 5})");
  EXPECT_NE(msg.find(R"(unknown key "limit")"), std::string::npos) << msg;
  msg = with(R"("name": {"table": "users", "type": "many_to_one", "foreign_key": "id"})");
  EXPECT_NE(msg.find("also a field of the table"), std::string::npos) << msg;
  msg = with(R"("x": {})");
  EXPECT_NE(msg.find(R"(give "table")"), std::string::npos) << msg;
  msg = with(R"("x": {"table": "users"})");
  EXPECT_NE(msg.find(R"(that the schema file declares; give "type")"), std::string::npos) << msg;
  msg = with(R"("x": {"type": "sideways", "table": "users"})");
  EXPECT_NE(msg.find("many_to_one, one_to_many or many_to_many"), std::string::npos) << msg;
  msg = error_of(R"({"tables": {"users": {"fields": {"id": {"type": "bigint"}}, "relations": []}}})");
  EXPECT_NE(msg.find(R"("relations" must be an object keyed by relation name)"), std::string::npos) << msg;
}

TEST(schema_file, deep_or_huge_input_is_refused_not_crashed_on) {
  std::string deep(100000, '[');
  EXPECT_NE(error_of(deep).find("schema file"), std::string::npos);
}

TEST(schema_file, keys_keep_one_order_so_the_file_diffs_small) {
  // Tables out of order, a field's keys out of order, constraints out of order.
  auto a = schema_file::from_json(R"({"tables": {
      "b": {"fields": {"id": {"primary_key": true, "type": "integer"}}},
      "a": {"constraints": [{"name": "z_u", "type": "unique", "columns": ["x"]}, {"name": "a_u", "type": "unique", "columns": ["y"]}],
            "fields": {"x": {"required": true, "type": "string", "length": 20}, "y": {"type": "integer"}}}}})");
  EXPECT_EQ(a.tables(), (std::vector<std::string>{"a", "b"}));
  const std::string text = a.to_json();
  EXPECT_LT(text.find("\"a_u\""), text.find("\"z_u\""));
  // Fields keep their declared order (x before y), keys their fixed order (type first).
  EXPECT_LT(text.find("\"x\""), text.find("\"y\""));
  EXPECT_NE(text.find(R"("x": {"type":"string","required":true,"length":20})"), std::string::npos) << text;
  // Reading the text back gives the same text: a save/load cycle changes nothing.
  EXPECT_EQ(schema_file::from_json(text).to_json(), text);
  EXPECT_EQ(schema_file::from_json(text), a);
}

TEST(schema_file, saves_and_loads_through_a_file) {
  auto dir = std::filesystem::temp_directory_path() / ("tether_schema_file_" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  schema_builder b;
  b.table("t").field(field_spec("id", "integer").primary_key());
  auto f = b.build();
  f.save(dir / "sub" / "db.json");
  EXPECT_EQ(schema_file::load(dir / "sub" / "db.json"), f);
  try {
    schema_file::load(dir / "missing.json");
    ADD_FAILURE() << "a missing file loaded";
  } catch (const error& e) {
    EXPECT_EQ(e.category(), error_category::not_found);
    EXPECT_NE(std::string(e.what()).find("missing.json"), std::string::npos);
  }
  std::filesystem::remove_all(dir);
}

TEST(schema_file, the_builder_makes_the_same_document_as_the_json) {
  schema_builder b;
  b.table("users")
      .field(field_spec("id", "bigint").primary_key().auto_increment())
      .field(field_spec("email", "string").length(255).required().unique())
      .field(field_spec("joined", "datetime").default_now())
      .field(field_spec("handle", "string").length(40).renamed_from("nick"))
      .index("idx_users_joined", {"joined"});
  b.table("orders")
      .field(field_spec("id", "bigint").primary_key().auto_increment())
      .field(field_spec("user_id", "bigint").required())
      .field(field_spec("total", "decimal").precision(10, 2).default_value(0))
      .field(field_spec("state", "enum").enum_values({"open", "paid"}))
      .foreign_key({"user_id"}, "users", {"id"}, "cascade", "fk_orders_user");
  auto json = schema_file::from_json(R"({"tables": {
    "users": {"fields": {
      "id": {"type": "bigint", "primary_key": true, "auto_increment": true},
      "email": {"type": "string", "length": 255, "required": true, "unique": true},
      "joined": {"type": "datetime", "default": "now"},
      "handle": {"type": "string", "length": 40, "renamed_from": "nick"}},
      "indexes": [{"name": "idx_users_joined", "fields": ["joined"]}]},
    "orders": {"fields": {
      "id": {"type": "bigint", "primary_key": true, "auto_increment": true},
      "user_id": {"type": "bigint", "required": true},
      "total": {"type": "decimal", "precision": 10, "scale": 2, "default": 0},
      "state": {"type": "enum", "enum_values": ["open", "paid"]}},
      "constraints": [{"name": "fk_orders_user", "type": "foreign_key", "columns": ["user_id"],
                       "references": {"table": "users", "columns": ["id"], "on_delete": "cascade"}}]}}})");
  EXPECT_EQ(b.build(), json) << b.build().to_json() << "\nvs\n" << json.to_json();
  // The builder validates as the file does.
  schema_builder bad;
  bad.table("t").field(field_spec("x", "no_such_type"));
  EXPECT_THROW(bad.build(), error);
}

// --- the diff ---------------------------------------------------------------------------

engine::capabilities sql_caps() {
  engine::capabilities c;
  c.field_comments = true;
  c.foreign_keys = true;
  c.unique_fields = true;
  return c;
}

std::vector<engine::table_description> tables_of(std::string_view json) {
  std::vector<engine::table_description> out;
  for (const auto& t : detail::declared(value::from_json(json)).tables) out.push_back(t.table);
  return out;
}

std::vector<std::string> steps(const std::vector<engine::schema_op>& ops) {
  std::vector<std::string> out;
  for (const auto& op : ops) {
    std::string s;
    switch (op.kind) {
      case engine::schema_op_kind::create_collection: s = "create " + op.table; break;
      case engine::schema_op_kind::drop_collection: s = "drop " + op.table; break;
      case engine::schema_op_kind::rename_collection: s = "rename " + op.table + " " + op.new_name; break;
      case engine::schema_op_kind::add_field: s = "add " + op.table + "." + op.name; break;
      case engine::schema_op_kind::drop_field: s = "drop " + op.table + "." + op.name; break;
      case engine::schema_op_kind::modify_field: s = "modify " + op.table + "." + op.name; break;
      case engine::schema_op_kind::rename_field: s = "rename " + op.table + "." + op.name + " " + op.new_name; break;
      case engine::schema_op_kind::create_index: s = "index " + op.table + "." + op.name; break;
      case engine::schema_op_kind::drop_index: s = "drop index " + op.table + "." + op.name; break;
      case engine::schema_op_kind::add_constraint: s = "constraint " + op.table + "." + op.name; break;
      case engine::schema_op_kind::drop_constraint: s = "drop constraint " + op.table + "." + op.name; break;
      default: s = "other"; break;
    }
    out.push_back(s);
  }
  return out;
}

std::vector<std::string> diff_of(std::string_view now, std::string_view want) {
  return steps(detail::diff(tables_of(now), detail::declared(value::from_json(want)), sql_caps()));
}

TEST(schema_diff, the_same_schema_gives_no_steps) {
  constexpr std::string_view s = R"({"tables": {"t": {"fields": {"id": {"type": "integer", "primary_key": true},
      "name": {"type": "string", "length": 40, "required": true}},
      "indexes": [{"name": "t_name", "fields": ["name"]}]}}})";
  EXPECT_TRUE(diff_of(s, s).empty());
}

TEST(schema_diff, the_engines_spellings_of_a_type_are_the_same_type) {
  auto f = [](std::string_view json) { return detail::parse_field("f", value::from_json(json)); };
  const auto caps = sql_caps();
  EXPECT_TRUE(detail::same_field(f(R"({"type": "string"})"), f(R"({"type": "string", "length": 255})"), caps));
  EXPECT_TRUE(detail::same_field(f(R"({"type": "datetime"})"), f(R"({"type": "timestamp"})"), caps));
  EXPECT_TRUE(detail::same_field(f(R"({"type": "binary"})"), f(R"({"type": "blob"})"), caps));
  EXPECT_TRUE(detail::same_field(f(R"({"type": "array"})"), f(R"({"type": "json"})"), caps));
  EXPECT_TRUE(detail::same_field(f(R"({"type": "decimal", "precision": 10, "scale": 2, "default": 1})"),
                                 f(R"({"type": "decimal", "precision": 10, "scale": 2, "default": 1.0})"), caps));
  // Differences that matter are differences.
  EXPECT_FALSE(detail::same_field(f(R"({"type": "string", "length": 40})"), f(R"({"type": "string", "length": 80})"), caps));
  EXPECT_FALSE(detail::same_field(f(R"({"type": "integer"})"), f(R"({"type": "bigint"})"), caps));
  EXPECT_FALSE(detail::same_field(f(R"({"type": "integer"})"), f(R"({"type": "integer", "required": true})"), caps));
  EXPECT_FALSE(detail::same_field(f(R"({"type": "decimal", "precision": 10, "scale": 2})"),
                                  f(R"({"type": "decimal", "precision": 12, "scale": 2})"), caps));
  EXPECT_FALSE(detail::same_field(f(R"({"type": "integer", "comment": "a"})"), f(R"({"type": "integer"})"), caps));
  // A comment counts only where the engine keeps one.
  EXPECT_TRUE(detail::same_field(f(R"({"type": "integer", "comment": "a"})"), f(R"({"type": "integer"})"), {}));
}

TEST(schema_diff, a_disappearing_field_is_a_drop_and_an_add_unless_renamed_from_says_otherwise) {
  constexpr std::string_view now = R"({"tables": {"t": {"fields": {"id": {"type": "integer", "primary_key": true},
      "nick": {"type": "string", "length": 40}}}}})";
  EXPECT_EQ(diff_of(now, R"({"tables": {"t": {"fields": {"id": {"type": "integer", "primary_key": true},
      "handle": {"type": "string", "length": 40}}}}})"),
            (std::vector<std::string>{"add t.handle", "drop t.nick"}));
  EXPECT_EQ(diff_of(now, R"({"tables": {"t": {"fields": {"id": {"type": "integer", "primary_key": true},
      "handle": {"type": "string", "length": 40, "renamed_from": "nick"}}}}})"),
            (std::vector<std::string>{"rename t.nick handle"}));
  // A renamed table keeps its fields; a change to one of them follows the rename.
  EXPECT_EQ(diff_of(now, R"({"tables": {"u": {"renamed_from": "t", "fields": {"id": {"type": "integer", "primary_key": true},
      "nick": {"type": "string", "length": 80}}}}})"),
            (std::vector<std::string>{"rename t u", "modify u.nick"}));
}

TEST(schema_diff, referenced_tables_come_first_and_dependants_go_first) {
  constexpr std::string_view both = R"({"tables": {
      "parent": {"fields": {"id": {"type": "integer", "primary_key": true}}},
      "child": {"fields": {"id": {"type": "integer", "primary_key": true}, "p": {"type": "integer"}},
                "constraints": [{"name": "fk_child_p", "type": "foreign_key", "columns": ["p"],
                                 "references": {"table": "parent", "columns": ["id"]}}]}}})";
  // Creating: both tables, then the key (so the referenced table exists whatever the order).
  EXPECT_EQ(diff_of(R"({"tables": {}})", both),
            (std::vector<std::string>{"create parent", "create child", "constraint child.fk_child_p"}));
  // Dropping: the referencing table before the one it references.
  EXPECT_EQ(diff_of(both, R"({"tables": {}})"), (std::vector<std::string>{"drop child", "drop parent"}));
}

TEST(schema_diff, a_changed_primary_key_is_refused_with_the_table_named) {
  try {
    detail::diff(tables_of(R"({"tables": {"t": {"fields": {"a": {"type": "integer", "primary_key": true}, "b": {"type": "integer"}}}}})"),
                 detail::declared(value::from_json(
                     R"({"tables": {"t": {"fields": {"a": {"type": "integer"}, "b": {"type": "integer", "primary_key": true}}}}})")),
                 sql_caps());
    ADD_FAILURE() << "a changed key was diffed";
  } catch (const error& e) {
    EXPECT_EQ(e.category(), error_category::unsupported);
    EXPECT_NE(std::string(e.what()).find("table \"t\""), std::string::npos) << e.what();
  }
}

TEST(schema_diff, pull_makes_the_file_that_diffs_to_nothing) {
  auto now = tables_of(R"({"tables": {"t": {"fields": {"a": {"type": "integer", "primary_key": true},
      "b": {"type": "string", "length": 12, "unique": true}}, "indexes": [{"name": "t_b2", "fields": ["b", "a"]}]}}})");
  auto pulled = detail::from_tables(now);
  EXPECT_TRUE(detail::diff(now, pulled, sql_caps()).empty());
  EXPECT_TRUE(detail::diff(now, detail::declared(detail::to_document(pulled)), sql_caps()).empty());
}

}  // namespace
}  // namespace tether
