// Migrations as data, no database: tags, checksums, validation, JSON files, the builder's
// canonical operations, and the generated inverses.
#include <gtest/gtest.h>
#include <tether/tether.hpp>

#include <filesystem>
#include <regex>

#include "core/migrations/schema_ops.hpp"

namespace tether {
namespace {

migration add_x() { return migration_builder("20260101_000000_t").add_field("t", "x", "integer").build(); }

TEST(migrations, tags_are_utc_time_and_a_clean_name) {
  auto tag = generate_tag("Add users/Email!");
  EXPECT_TRUE(std::regex_match(tag, std::regex(R"(\d{8}_\d{6}_add_users_email_)"))) << tag;
  EXPECT_EQ(detail::tag_at(std::chrono::sys_days{std::chrono::year{2026} / 1 / 2} + std::chrono::hours(3) +
                               std::chrono::minutes(4) + std::chrono::seconds(5),
                           "x"),
            "20260102_030405_x");
  EXPECT_FALSE(detail::tag_time("not_a_tag").has_value());
}

TEST(migrations, the_checksum_is_stable_and_ignores_key_order) {
  migration a = add_x();
  // Pinned: these operations give this value on every run and every machine.
  EXPECT_EQ(a.checksum, "01d1dd4d95cb557186f9c417417d7d09bbc56fed9cc720edac7d2505295f9fdf");
  migration b = a;
  std::reverse(b.up[0].as_object().begin(), b.up[0].as_object().end());
  EXPECT_EQ(checksum(b), a.checksum) << "reordered keys are not a change";
  b.up[0] = value::from_json(R"({"op":"add_field","table":"t","field":{"name":"x","type":"bigint"}})");
  EXPECT_NE(checksum(b), a.checksum);
}

TEST(migrations, validate_names_what_is_wrong) {
  auto message = [](const migration& m) {
    try {
      validate(m);
    } catch (const error& e) {
      return std::string(e.what());
    }
    return std::string("valid");
  };
  migration m = add_x();
  EXPECT_EQ(message(m), "valid");
  m.tag = "bad tag";
  EXPECT_NE(message(m).find("bad tag"), std::string::npos);
  m = add_x();
  m.up.push_back(value::from_json(R"({"op":"truncate","table":"t"})"));
  EXPECT_NE(message(m).find("unknown schema operation \"truncate\""), std::string::npos) << message(m);
  m = add_x();
  m.up[0] = value::from_json(R"({"op":"add_field","table":"t","field":{"name":"x","type":"integr"}})");
  EXPECT_NE(message(m).find("unknown type \"integr\" for field \"x\""), std::string::npos) << message(m);
  m = add_x();
  m.up[0] = value::from_json(R"({"op":"add_field","table":"t","field":{"name":"x","type":"bigint"}})");
  EXPECT_NE(message(m).find("checksum does not match"), std::string::npos) << "edited after it was written";
}

TEST(migrations, json_files_round_trip) {
  migration m = migration_builder("20260101_000000_orders")
                    .description("orders")
                    .create_collection("orders", {{"id", {{"type", "bigint"}, {"primary_key", true}}}, {"note", "text"}},
                                       {{"sql_options", {{"if_not_exists", true}}}})
                    .create_index("orders", {"note"})
                    .raw("postgresql", "SELECT 1", "SELECT 2")
                    .build();
  auto dir = std::filesystem::temp_directory_path() / ("tether-migration-test-" + std::to_string(::getpid()));
  auto path = save_migration(dir.string(), m);
  EXPECT_TRUE(path.ends_with("20260101_000000_orders.json"));
  auto back = load_migrations(dir.string());
  std::filesystem::remove_all(dir);
  ASSERT_EQ(back.size(), 1u);
  EXPECT_EQ(back[0].to_json(), m.to_json());
  EXPECT_NO_THROW(validate(back[0]));
  // The canonical create lists its fields in order, with the defaults filled in.
  EXPECT_EQ(m.up[0].to_json(),
            R"({"op":"create_collection","table":"orders","fields":[{"name":"id","type":"bigint","required":true,"primary_key":true},{"name":"note","type":"text"}],"if_not_exists":true})");
  EXPECT_EQ(m.up[1]["index"]["name"].as_string(), "orders_note_idx");
}

TEST(migrations, every_operation_has_an_inverse) {
  engine::table_description t;
  t.name = "t";
  t.columns = {detail::parse_field("id", value{{"type", "integer"}, {"primary_key", true}}),
               detail::parse_field("x", value{{"type", "string"}, {"length", 9}, {"default", "a"}})};
  t.indexes = {{.name = "t_x_idx", .fields = {"x"}}};
  t.constraints = {{.name = "t_x_check", .type = engine::constraint_type::check, .native_check = "x <> ''"}};
  auto inverse_of = [&](const char* json) {
    std::vector<std::string> notes;
    std::string out;
    for (const auto& op : detail::inverse(detail::parse_op(value::from_json(json)), &t, notes))
      out += detail::op_to_value(op).to_json();
    for (const auto& n : notes) out += " | " + n;
    return out;
  };
  EXPECT_EQ(inverse_of(R"({"op":"add_field","table":"t","field":{"name":"y","type":"integer"}})"),
            R"({"op":"drop_field","table":"t","name":"y"})");
  EXPECT_EQ(inverse_of(R"({"op":"drop_field","table":"t","name":"x"})"),
            R"x({"op":"add_field","table":"t","field":{"name":"x","type":"string","default":"a","length":9}} | down adds field "t.x" back empty: its values are not restored)x");
  EXPECT_EQ(inverse_of(R"({"op":"modify_field","table":"t","field":{"name":"x","type":"text"}})"),
            R"({"op":"modify_field","table":"t","field":{"name":"x","type":"string","default":"a","length":9}})");
  EXPECT_EQ(inverse_of(R"({"op":"rename_field","table":"t","name":"x","new_name":"z"})"),
            R"({"op":"rename_field","table":"t","name":"z","new_name":"x"})");
  EXPECT_EQ(inverse_of(R"({"op":"rename_collection","table":"t","new_name":"u"})"),
            R"({"op":"rename_collection","table":"u","new_name":"t"})");
  EXPECT_EQ(inverse_of(R"({"op":"drop_index","table":"t","name":"t_x_idx"})"),
            R"({"op":"create_index","table":"t","index":{"name":"t_x_idx","fields":["x"]}})");
  EXPECT_EQ(inverse_of(R"({"op":"drop_constraint","table":"t","name":"t_x_check"})"),
            R"({"op":"add_constraint","table":"t","constraint":{"name":"t_x_check","type":"check","expression":"x <> ''"}})");
  EXPECT_NE(inverse_of(R"({"op":"drop_collection","table":"t"})").find("rows are not restored"), std::string::npos);
  EXPECT_NE(inverse_of(R"({"op":"raw","sql":"SELECT 1"})").find("cannot be undone"), std::string::npos);
  EXPECT_THROW(inverse_of(R"({"op":"drop_field","table":"t","name":"nope"})"), error);
}

}  // namespace
}  // namespace tether
