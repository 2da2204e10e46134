// Regressions found when tether was tried as a new user would:
// - `migrate --dry-run` with a pending `create users` and `add-field users age` failed with
//   "unknown table users" (each step was described from the live database);
// - a replayed migration printed its `note: down adds field … back empty` twice;
// - `schema add-field … --dry-run` showed a tag the real call would not use;
// - `--url … schema create` outside a workspace wrote no migration file and did not say so.
#include "cli_fixture.hpp"

namespace {

using namespace tether_cli_test;

std::size_t occurrences(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto p = text.find(what); p != std::string::npos; p = text.find(what, p + 1)) ++n;
  return n;
}

class cli_migrations : public cli {
 protected:
  void SetUp() override {
    cli::SetUp();
    ASSERT_EQ(run({"init"}).code, 0);
    auto c = run({"db", "create", "--product", "p", "--tag", "d", "--name", "D", "--type", "sqlite", "--env",
                  "dev=sqlite://" + (dir_ / "dev.db").string(), "--env", "prd=sqlite://" + (dir_ / "prd.db").string()});
    ASSERT_EQ(c.code, 0) << c.err;
  }
};

TEST_F(cli_migrations, a_dry_run_simulates_the_earlier_pending_steps) {
  ASSERT_EQ(run({"--env", "dev", "schema", "create", "users", "--fields", R"({"id":{"type":"bigint","primary_key":true}})"}).code, 0);
  ASSERT_EQ(run({"--env", "dev", "schema", "add-field", "users", "age", "--def", "integer"}).code, 0);
  ASSERT_EQ(run({"--env", "dev", "schema", "create-index", "users", "--fields", "age"}).code, 0);
  auto dry = run({"--env", "prd", "migrate", "--dry-run"});
  EXPECT_EQ(dry.code, 0) << dry.err;
  EXPECT_NE(dry.out.find(R"(CREATE TABLE "users")"), std::string::npos) << dry.out;
  EXPECT_NE(dry.out.find(R"(ALTER TABLE "users" ADD COLUMN "age" INTEGER)"), std::string::npos) << dry.out;
  EXPECT_NE(dry.out.find("CREATE INDEX"), std::string::npos) << dry.out;
  auto status = run({"--env", "prd", "migrate", "status"});
  EXPECT_NE(status.out.find("0 of 3 applied, 3 pending"), std::string::npos) << "a dry run changed prd: " << status.out;
  EXPECT_EQ(run({"--env", "prd", "migrate"}).code, 0);
}

TEST_F(cli_migrations, a_replayed_note_is_said_once) {
  ASSERT_EQ(run({"--env", "dev", "schema", "create", "users", "--fields", R"({"id":{"type":"bigint","primary_key":true},"age":"integer"})"}).code, 0);
  auto dropped = run({"--env", "dev", "schema", "drop-field", "users", "age"});
  ASSERT_EQ(dropped.code, 0) << dropped.err;
  EXPECT_EQ(occurrences(dropped.out, "note: down adds field"), 1u) << dropped.out;
  auto replay = run({"--env", "prd", "migrate"});
  ASSERT_EQ(replay.code, 0) << replay.err;
  EXPECT_EQ(occurrences(replay.out, "note: down adds field"), 1u) << replay.out;
}

TEST_F(cli_migrations, a_dry_run_shows_the_tag_the_call_will_take) {
  ASSERT_EQ(run({"--env", "dev", "schema", "create", "users", "--fields", R"({"id":"integer"})"}).code, 0);
  auto dry = run({"--env", "dev", "schema", "add-field", "users", "nick", "--def", "text", "--dry-run"});
  auto real = run({"--env", "dev", "schema", "add-field", "users", "nick", "--def", "text"});
  ASSERT_EQ(real.code, 0) << real.err;
  const std::string dry_tag = dry.out.substr(8, dry.out.find('\n') - 8);     // "dry run <tag>"
  const std::string real_tag = real.out.substr(8, real.out.find('\n') - 8);  // "applied <tag>"
  EXPECT_EQ(dry_tag, real_tag) << dry.out << real.out;
}

TEST_F(cli_migrations, schema_calls_say_where_their_migration_went) {
  auto in_workspace = run({"--env", "dev", "schema", "create", "users", "--fields", R"({"id":"integer"})"});
  EXPECT_NE(in_workspace.out.find("wrote " + (dir_ / "migrations" / "p" / "d").string()), std::string::npos) << in_workspace.out;
  auto loose = run({"--url", "sqlite://" + (dir_ / "loose.db").string(), "schema", "create", "t", "--fields", R"({"id":"integer"})"});
  EXPECT_EQ(loose.code, 0) << loose.err;
  EXPECT_NE(loose.out.find("no migration file was written"), std::string::npos) << loose.out;
  EXPECT_NE(loose.out.find("--migrations DIR"), std::string::npos) << loose.out;
  auto with_folder = run({"--url", "sqlite://" + (dir_ / "loose.db").string(), "--migrations", (dir_ / "m").string(),
                          "schema", "add-field", "t", "x", "--def", "text"});
  EXPECT_NE(with_folder.out.find("wrote " + (dir_ / "m").string()), std::string::npos) << with_folder.out;
}

}  // namespace
