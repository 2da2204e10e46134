// The `tether` command, run as a user runs it: arguments in, stdout, stderr and exit code out.
#include "cli_fixture.hpp"

namespace {

using namespace tether_cli_test;

TEST_F(cli, init_and_the_db_commands) {
  EXPECT_EQ(run({"init"}).code, 0);
  EXPECT_TRUE(fs::exists(dir_ / "tether.json"));
  auto again = run({"init"});
  EXPECT_EQ(again.code, 2);
  EXPECT_NE(again.err.find("already exists"), std::string::npos);

  auto created = run({"db", "create", "--product", "shop", "--tag", "orders", "--name", "Orders", "--type",
                      "postgresql", "--env", "dev=postgresql://app:s3cret@localhost/orders", "--json"});
  EXPECT_EQ(created.code, 0) << created.err;
  EXPECT_EQ(created.out.find("s3cret"), std::string::npos) << "a password was printed";

  auto list = run({"db", "list", "--product", "shop"});
  EXPECT_EQ(list.code, 0);
  EXPECT_NE(list.out.find("shop     orders  Orders  postgresql  dev"), std::string::npos) << list.out;

  auto show = run({"db", "show", "orders", "--json"});
  EXPECT_EQ(show.out, R"({"name":"Orders","tag":"orders","type":"postgresql","envs":[{"slug":"dev","connection_url":"postgresql://app:****@localhost/orders"}],"product":"shop"})"
                      "\n");
  EXPECT_EQ(run({"db", "update", "orders", "--set-env", "prd=${PRD}", "--name", "Orders DB"}).code, 0);
  EXPECT_NE(run({"db", "show", "orders"}).out.find("Orders DB"), std::string::npos);
  EXPECT_NE(run({"db", "show", "orders"}).out.find("${PRD}"), std::string::npos);
  EXPECT_EQ(run({"db", "remove", "orders"}).code, 0);
  auto gone = run({"db", "show", "orders", "--product", "shop"});
  EXPECT_EQ(gone.code, 2);
  EXPECT_NE(gone.err.find("no database \"orders\" in product \"shop\""), std::string::npos) << gone.err;
}

TEST_F(cli, db_create_refuses_bad_input_with_the_field_named) {
  run({"init"});
  auto bad_type = run({"db", "create", "--product", "p", "--tag", "x", "--name", "X", "--type", "oracle", "--env", "dev=oracle://h/x"});
  EXPECT_EQ(bad_type.code, 2);
  EXPECT_NE(bad_type.err.find("has type \"oracle\""), std::string::npos) << bad_type.err;
  auto bad_env = run({"db", "create", "--product", "p", "--tag", "x", "--name", "X", "--type", "sqlite", "--env", "dev"});
  EXPECT_EQ(bad_env.code, 2);
  EXPECT_NE(bad_env.err.find("must be SLUG=URL"), std::string::npos) << bad_env.err;
  auto missing = run({"db", "create", "--product", "p", "--tag", "x", "--type", "sqlite", "--env", "dev=sqlite://x.db"});
  EXPECT_EQ(missing.code, 2);
  EXPECT_NE(missing.err.find("--name"), std::string::npos) << missing.err;
  fs::remove(dir_ / "tether.json");
  auto no_workspace = run({"db", "list"});
  EXPECT_EQ(no_workspace.code, 2);
  EXPECT_NE(no_workspace.err.find("tether init"), std::string::npos) << no_workspace.err;
}

TEST_F(cli, db_test_reports_connected_or_not) {
  seed();
  auto good = run({"db", "test", "app", "--env", "dev", "--json"});
  EXPECT_EQ(good.code, 0) << good.err;
  EXPECT_NE(good.out.find(R"({"connected":true,"version":")"), std::string::npos) << good.out;
  EXPECT_NE(good.out.find(R"("latency_ms":)"), std::string::npos) << good.out;
  auto bad = run({"db", "test", "app", "--env", "prd", "--json"});
  EXPECT_EQ(bad.code, 3);
  EXPECT_NE(bad.out.find("TETHER_CLI_PRD is not set"), std::string::npos) << bad.out;
}

TEST_F(cli, data_commands_print_the_library_result_objects) {
  seed();
  EXPECT_EQ(run({"find", "users", "--select", "id,name", "--order-by", "age:desc", "--json"}).out,
            R"({"records":[{"id":1,"name":"Ada"},{"id":2,"name":"Linus"}],"count":2})" "\n");
  EXPECT_EQ(run({"find", "users", "--where", R"({"age":{"$lt":20}})", "--select", "name", "--limit", "1", "--json"}).out,
            R"({"records":[{"name":"Linus"}],"count":1})" "\n");
  EXPECT_EQ(run({"find-one", "users", "--where", R"({"email":"ada@x.io"})", "--json"}).out,
            R"({"id":1,"name":"Ada","email":"ada@x.io","age":36})" "\n");
  EXPECT_EQ(run({"find-one", "users", "--where", R"({"email":"no@x.io"})", "--json"}).out, "null\n");
  EXPECT_EQ(run({"insert", "users", "--data", R"({"name":"Grace","age":45})", "--json"}).out,
            R"({"records":[],"count":1,"inserted_ids":[3]})" "\n");
  EXPECT_EQ(run({"update", "users", "--data", R"({"$inc":{"age":1}})", "--where", R"({"id":1})", "--json"}).out,
            R"({"count":1})" "\n");
  EXPECT_EQ(run({"count", "users", "--where", R"({"age":{"$gt":18}})", "--json"}).out, "2\n");
  auto up = run({"upsert", "users", "--data", R"({"email":"ada@x.io","name":"Ada L."})", "--conflict-keys", "email", "--json"});
  EXPECT_NE(up.out.find(R"("operation":"updated")"), std::string::npos) << up.out << up.err;
  auto agg = run({"aggregate", "users", "--operations", R"({"n":{"$count":"*"},"oldest":{"$max":"age"}})", "--json"});
  EXPECT_EQ(agg.out, R"([{"n":3,"oldest":45}])" "\n") << agg.err;
  auto raw = run({"raw", "--query", "SELECT name FROM users WHERE id = ?", "--params", "[2]", "--json"});
  EXPECT_NE(raw.out.find(R"({"records":[{"name":"Linus"}],"fields":[{"name":"name")"), std::string::npos) << raw.out;
  EXPECT_EQ(run({"delete", "users", "--where", R"({"name":"Grace"})", "--json"}).out, R"({"count":1})" "\n");
}

TEST_F(cli, find_include_nests_the_related_rows_as_json) {
  seed();
  ASSERT_EQ(run({"schema", "create", "posts", "--fields",
                 R"({"id":{"type":"bigint","primary_key":true,"auto_increment":true},"user_id":"bigint","title":"string"})"}).code, 0);
  ASSERT_EQ(run({"insert", "posts", "--data", R"([{"user_id":1,"title":"a"},{"user_id":1,"title":"b"},{"user_id":null,"title":"c"}])"}).code, 0);
  const std::string posts = R"({"posts":{"type":"one_to_many","table":"posts","foreign_key":"user_id","primary_key":"id",)"
                            R"("order_by":"title:desc","select":["title"]}})";
  auto r = run({"find", "users", "--select", "name", "--order-by", "id", "--include", posts});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, R"({"records":[{"name":"Ada","id":1,"posts":[{"title":"b","user_id":1},{"title":"a","user_id":1}]},)"
                   R"({"name":"Linus","id":2,"posts":[]}],"count":2})" "\n")
      << "JSON without --json: the related rows have no table form";
  auto author = run({"find-one", "posts", "--where", R"({"title":"c"})", "--include",
                     R"([{"relation":"author","table":"users","foreign_key":"user_id","primary_key":"id","select":["name"]}])"});
  EXPECT_EQ(author.out, R"({"id":3,"user_id":null,"title":"c","author":null})" "\n") << author.err;
  auto bad = run({"find", "users", "--include", R"({"posts":{"table":"posts","type":"sideways"}})"});
  EXPECT_EQ(bad.code, 2);
  EXPECT_NE(bad.err.find("many_to_one, one_to_many or many_to_many"), std::string::npos) << bad.err;
}

TEST_F(cli, data_can_come_from_a_file_or_stdin) {
  seed();
  std::ofstream(dir_ / "rows.json") << R"([{"name":"F1"},{"name":"F2"}])";
  EXPECT_EQ(run({"insert", "users", "--data", "@rows.json", "--json"}).out,
            R"({"records":[],"count":2,"inserted_ids":[3,4]})" "\n");
  EXPECT_EQ(run({"insert", "users", "--data", "-", "--returning", "--json"}, R"({"name":"S"})").out,
            R"({"records":[{"id":5,"name":"S","email":null,"age":null}],"count":1,"inserted_ids":[5]})" "\n");
}

TEST_F(cli, without_json_the_output_is_an_aligned_table) {
  seed();
  auto t = run({"find", "users", "--select", "id,name,email", "--order-by", "id"});
  EXPECT_EQ(t.out,
            "id  name   email\n"
            "--  -----  ----------\n"
            "1   Ada    ada@x.io\n"
            "2   Linus  linus@x.io\n"
            "(2 rows)\n");
}

TEST_F(cli, errors_go_to_stderr_with_exit_codes_by_kind) {
  seed();
  auto op = run({"find", "users", "--where", R"({"age":{"$gtt":1}})"});
  EXPECT_EQ(op.code, 2);
  EXPECT_TRUE(op.out.empty());
  EXPECT_NE(op.err.find("unknown where-operator \"$gtt\" on column \"age\""), std::string::npos) << op.err;
  auto json = run({"find", "users", "--where", "{age: 3}"});
  EXPECT_EQ(json.code, 2);
  EXPECT_NE(json.err.find("--where: invalid JSON"), std::string::npos) << json.err;
  auto empty_delete = run({"delete", "users"});
  EXPECT_EQ(empty_delete.code, 2);
  EXPECT_NE(empty_delete.err.find("or pass --all-rows to mean every row"), std::string::npos)
      << "the CLI's flag, not the library's field: " << empty_delete.err;
  EXPECT_EQ(run({"count", "users"}).out, "2\n");  // nothing was deleted
  auto table = run({"find", "nope"});
  EXPECT_EQ(table.code, 4);
  EXPECT_NE(table.err.find("unknown table \"nope\""), std::string::npos) << table.err;
  auto dup = run({"insert", "users", "--data", R"({"email":"ada@x.io"})"});
  EXPECT_EQ(dup.code, 4);
  EXPECT_NE(dup.err.find("unique_violation"), std::string::npos) << dup.err;
  auto conn = run({"--url", "sqlite:///nonexistent-tether-cli/x.db", "count", "t"});
  EXPECT_EQ(conn.code, 3);
  auto url = run({"--url", "oracle://u:secret@h/db", "count", "t"});
  EXPECT_EQ(url.code, 2);
  EXPECT_EQ(url.err.find("secret"), std::string::npos) << url.err;
  auto flag = run({"find"});
  EXPECT_EQ(flag.code, 2);
}

TEST_F(cli, schema_changes_on_dev_replay_on_prd_with_migrate) {
  ASSERT_EQ(run({"init"}).code, 0);
  std::string dev = "sqlite://" + (dir_ / "dev.db").string(), prd = "sqlite://" + (dir_ / "prd.db").string(),
              stg = "sqlite://" + (dir_ / "stg.db").string();
  ASSERT_EQ(run({"db", "create", "--product", "shop", "--tag", "app", "--name", "App", "--type", "sqlite", "--env",
                 "dev=" + dev, "--env", "prd=" + prd, "--env", "stg=" + stg})
                .code,
            0);
  auto created = run({"--env", "dev", "schema", "create", "users", "--fields",
                      R"({"id":{"type":"bigint","primary_key":true,"auto_increment":true},"email":"string"})",
                      "--timestamps", "--json"});
  ASSERT_EQ(created.code, 0) << created.err;
  EXPECT_NE(created.out.find(R"("applied":true)"), std::string::npos) << created.out;
  ASSERT_EQ(run({"--env", "dev", "schema", "add-field", "users", "age", "--def", "integer"}).code, 0);
  auto dry = run({"--env", "dev", "schema", "create-index", "users", "--fields", "email", "--unique", "--dry-run"});
  EXPECT_NE(dry.out.find("CREATE UNIQUE INDEX"), std::string::npos) << dry.out;
  ASSERT_EQ(run({"--env", "dev", "schema", "create-index", "users", "--fields", "email", "--unique"}).code, 0);
  auto folder = dir_ / "migrations" / "shop" / "app";
  ASSERT_EQ(std::distance(fs::directory_iterator(folder), fs::directory_iterator{}), 3) << "one file per change";

  auto pending = run({"--env", "prd", "migrate", "status", "--json"});
  EXPECT_EQ(pending.code, 0) << pending.err;
  EXPECT_NE(pending.out.find(R"("total":3,"completed":0,"pending":3)"), std::string::npos) << pending.out;
  auto applied = run({"--env", "prd", "migrate"});
  ASSERT_EQ(applied.code, 0) << applied.err;
  EXPECT_EQ(run({"--env", "prd", "schema", "describe", "users", "--json"}).out,
            run({"--env", "dev", "schema", "describe", "users", "--json"}).out);
  EXPECT_EQ(run({"--env", "prd", "migrate"}).out, "nothing to apply\n");
  auto history = run({"--env", "prd", "migrate", "history", "--json"});
  EXPECT_NE(history.out.find("_add_users_age"), std::string::npos) << history.out;

  // Two migrator processes at once on staging: each migration is applied exactly once.
  std::string both = "cd " + quote(dir_.string()) + " && (" + quote(TETHER_CLI_PATH) + " --env stg migrate >a.out 2>&1 & " +
                     quote(TETHER_CLI_PATH) + " --env stg migrate >b.out 2>&1 & wait)";
  ASSERT_EQ(std::system(both.c_str()), 0);
  std::string a = slurp(dir_ / "a.out"), b = slurp(dir_ / "b.out");
  EXPECT_EQ(count(a) + count(b), 3u) << a << b;
  EXPECT_NE(run({"--env", "stg", "migrate", "status", "--json"}).out.find(R"("completed":3,"pending":0)"), std::string::npos);

  // Someone edits an applied migration's file: drift, named, exit 5, nothing applied.
  fs::path edited;
  for (const auto& f : fs::directory_iterator(folder))
    if (f.path().string().find("add_users_age") != std::string::npos) edited = f.path();
  std::string text = slurp(edited);
  text.replace(text.find(R"("type":"integer")"), 16, R"("type":"bigint")");
  std::ofstream(edited) << text;
  auto drift = run({"--env", "prd", "migrate", "status"});
  EXPECT_EQ(drift.code, 5);
  EXPECT_NE(drift.err.find("add_users_age"), std::string::npos) << drift.err;
  EXPECT_EQ(run({"--env", "prd", "migrate"}).code, 5);

  auto down = run({"--env", "prd", "migrate", "down", "--steps", "2"});
  ASSERT_EQ(down.code, 0) << down.err;
  EXPECT_NE(down.out.find("DROP INDEX"), std::string::npos) << down.out;
  EXPECT_NE(down.out.find("DROP COLUMN \"age\""), std::string::npos) << down.out;
  auto bad = run({"--env", "dev", "schema", "add-field", "nope", "x", "--def", "integer"});
  EXPECT_EQ(bad.code, 4) << bad.err;
  EXPECT_NE(bad.err.find("unknown table \"nope\""), std::string::npos) << bad.err;
}

// The same on the real servers: files written on one database, then two `tether migrate`
// processes at once on another, which ends with the same schema.
TEST_F(cli, two_migrate_processes_on_each_server) {
  int servers = 0;
  for (const char* var : {"TETHER_PG_URL", "TETHER_MYSQL_URL"}) {
    const char* base = std::getenv(var);
    if (!base) {
      std::cout << "[ skipped  ] " << var << " is not set (scripts/run-tests sets it)\n";
      continue;
    }
    ++servers;
    std::string url = base, q = url.substr(0, url.find("://")) == "mysql" ? "`" : "\"";
    auto db_url = [&](const std::string& name) {
      auto slash = url.find('/', url.find("://") + 3);
      return url.substr(0, slash + 1) + name;
    };
    std::string dev = "cli_dev_" + std::to_string(::getpid()), prd = "cli_prd_" + std::to_string(::getpid());
    for (const auto& name : {dev, prd})
      ASSERT_EQ(run({"--url", url, "raw", "--query", "CREATE DATABASE " + q + name + q}).code, 0) << var;
    std::string files = (dir_ / (std::string("migrations-") + var)).string();
    ASSERT_EQ(run({"--url", db_url(dev), "--migrations", files, "schema", "create", "accounts", "--fields",
                   R"({"id":{"type":"bigint","primary_key":true,"auto_increment":true},"email":{"type":"string","length":120}})"})
                  .code,
              0);
    ASSERT_EQ(run({"--url", db_url(dev), "--migrations", files, "schema", "add-field", "accounts", "balance", "--def",
                   R"({"type":"decimal","precision":12,"scale":2,"default":0})"})
                  .code,
              0);
    ASSERT_EQ(run({"--url", db_url(dev), "--migrations", files, "schema", "create-index", "accounts", "--fields", "email",
                   "--unique"})
                  .code,
              0);
    std::string cmd = quote(TETHER_CLI_PATH) + " --url " + quote(db_url(prd)) + " --migrations " + quote(files) + " migrate";
    std::string both = "cd " + quote(dir_.string()) + " && (" + cmd + " >a.out 2>&1 & " + cmd + " >b.out 2>&1 & wait)";
    ASSERT_EQ(std::system(both.c_str()), 0);
    std::string a = slurp(dir_ / "a.out"), b = slurp(dir_ / "b.out");
    EXPECT_EQ(count(a) + count(b), 3u) << var << "\n" << a << b;
    EXPECT_NE(run({"--url", db_url(prd), "--migrations", files, "migrate", "status", "--json"}).out.find(R"("completed":3)"),
              std::string::npos);
    EXPECT_EQ(run({"--url", db_url(prd), "schema", "describe", "accounts", "--json"}).out,
              run({"--url", db_url(dev), "schema", "describe", "accounts", "--json"}).out)
        << var;
    for (const auto& name : {dev, prd}) run({"--url", url, "raw", "--query", "DROP DATABASE " + q + name + q});
  }
  if (servers == 0) GTEST_SKIP() << "no server URLs: run through scripts/run-tests";
}

TEST_F(cli, a_url_or_the_environment_works_without_a_workspace) {
  std::string url = "sqlite://" + (dir_ / "plain.db").string();
  EXPECT_EQ(run({"--url", url, "raw", "--query", "CREATE TABLE t (x INTEGER)"}).code, 0);
  EXPECT_EQ(run({"insert", "t", "--data", R"({"x":1})", "--url", url}).code, 0);  // flags after the command too
  ::setenv("DATABASE_URL", url.c_str(), 1);
  EXPECT_EQ(run({"count", "t"}).out, "1\n");
  ::unsetenv("DATABASE_URL");
}

TEST_F(cli, every_command_has_help_with_an_example) {
  for (std::vector<std::string> cmd :
       {std::vector<std::string>{"init"}, {"db", "create"}, {"db", "update"}, {"db", "list"}, {"db", "show"},
        {"db", "remove"}, {"db", "test"}, {"find"}, {"find-one"}, {"insert"}, {"update"}, {"delete"}, {"upsert"},
        {"count"}, {"aggregate"}, {"raw"}, {"schema", "create"}, {"schema", "add-field"}, {"schema", "drop-field"},
        {"schema", "rename-field"}, {"schema", "modify-field"}, {"schema", "create-index"}, {"schema", "drop-index"},
        {"schema", "add-constraint"}, {"schema", "drop-constraint"}, {"schema", "drop"}, {"schema", "list"},
        {"schema", "describe"}, {"migrate"}, {"migrate", "status"}, {"migrate", "history"}, {"migrate", "down"}}) {
    cmd.push_back("--help");
    auto h = run(cmd);
    EXPECT_EQ(h.code, 0) << cmd[0];
    EXPECT_NE(h.out.find("Example:\n  tether"), std::string::npos) << cmd[0] << " " << h.out;
  }
}

}  // namespace
