// The command as people expect it (issue 22): --version, `tether help`, every command's
// help with the global flags and an example, and parse errors in the one format with the
// word that was not understood named and the closest one suggested.
#include <algorithm>

#include "cli_fixture.hpp"

namespace {

using namespace tether_cli_test;

bool has(const std::string& text, const std::string& piece) { return text.find(piece) != std::string::npos; }

TEST_F(cli, version_names_the_release_the_commit_and_the_engines_built) {
  auto v = run({"--version"});
  EXPECT_EQ(v.code, 0) << v.err;
  EXPECT_TRUE(v.out.starts_with("tether 0.")) << v.out;
  EXPECT_TRUE(has(v.out, "(commit ")) << v.out;
  EXPECT_TRUE(has(v.out, "engines: sqlite")) << v.out;
  EXPECT_FALSE(has(v.out, "cassandra")) << "an engine this build does not have: " << v.out;
  EXPECT_EQ(v.err, "");
  // The help's first line names the engines this build has, and no other.
  auto help = run({"--help"});
  EXPECT_TRUE(has(help.out, "tether: one API over SQLite")) << help.out;
  EXPECT_FALSE(has(help.out, "Cassandra")) << help.out;
}

TEST_F(cli, an_unknown_command_is_named_with_the_closest_one) {
  auto r = run({"finde", "users"});
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(r.out, "") << "nothing on standard output";
  EXPECT_EQ(r.err, "tether: error (usage): unknown command \"finde\"; did you mean \"find\"?\n");
  auto nested = run({"db", "creat"});
  EXPECT_EQ(nested.code, 2);
  EXPECT_EQ(nested.err, "tether: error (usage): unknown command \"db creat\"; did you mean \"db create\"?\n");
  auto far = run({"xyzzy"});
  EXPECT_EQ(far.code, 2);
  EXPECT_EQ(far.err, "tether: error (usage): unknown command \"xyzzy\"; `tether --help` lists the commands\n");
  auto none = run({});
  EXPECT_EQ(none.code, 2);
  EXPECT_TRUE(none.err.starts_with("tether: error (usage): \"tether\" needs a command: init, db, find")) << none.err;
  auto group = run({"migrate", "--url", "sqlite://x.db", "statu"});
  EXPECT_EQ(group.code, 2);
  EXPECT_TRUE(has(group.err, "did you mean \"migrate status\"?")) << group.err;
}

TEST_F(cli, an_unknown_flag_is_named_with_the_closest_one) {
  auto r = run({"--url", "sqlite://x.db", "find", "users", "--limt", "3"});
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err, "tether: error (usage): unknown flag \"--limt\" for \"find\"; did you mean \"--limit\"?\n");
  auto global = run({"find", "users", "--urll", "sqlite://x.db"});
  EXPECT_TRUE(has(global.err, "did you mean \"--url\"?")) << "a global flag is a flag of every command: " << global.err;
  // The parser's own errors come in the same format.
  auto missing = run({"--url", "sqlite://x.db", "find"});
  EXPECT_EQ(missing.code, 2);
  EXPECT_TRUE(missing.err.starts_with("tether: error (usage): ")) << missing.err;
  EXPECT_TRUE(has(missing.err, "table")) << missing.err;
  auto number = run({"--url", "sqlite://x.db", "find", "users", "--limit", "-1"});
  EXPECT_EQ(number.code, 2);
  EXPECT_TRUE(number.err.starts_with("tether: error (usage): --limit: expected a whole number from 0 to "
                                     "9223372036854775807, got -1"))
      << number.err;
}

TEST_F(cli, every_command_help_shows_the_global_flags_and_an_example) {
  for (const std::vector<std::string>& command :
       {std::vector<std::string>{"db", "create"}, {"db"}, {"schema"}, {"find"}, {"migrate"}, {"migrate", "status"},
        {"schema", "add-field"}, {"push"}}) {
    auto args = command;
    args.push_back("--help");
    auto h = run(args);
    EXPECT_EQ(h.code, 0) << h.err;
    EXPECT_TRUE(has(h.out, "Global flags (any command): --url URL | --workspace DIR --product NAME")) << h.out;
    EXPECT_TRUE(has(h.out, "Example:\n  tether " + command[0])) << "an example of this command: " << h.out;
    EXPECT_FALSE(has(h.out, "Exit codes:")) << "the root's footer is the root's: " << h.out;
  }
  // `tether help COMMAND` is COMMAND --help.
  auto by_help = run({"help", "db", "create"});
  EXPECT_EQ(by_help.code, 0) << by_help.err;
  EXPECT_EQ(by_help.out, run({"db", "create", "--help"}).out);
  EXPECT_TRUE(has(run({"help"}).out, "Exit codes:")) << "help alone is the root's";
  auto wrong = run({"help", "fnd"});
  EXPECT_EQ(wrong.code, 2);
  EXPECT_EQ(wrong.err, "tether: error (usage): unknown command \"fnd\"; did you mean \"find\"?\n");
}

// A workspace's .env fills the ${VAR}s of its URLs (the process environment wins).
TEST_F(cli, the_workspace_dotenv_file_fills_url_variables) {
  ::unsetenv("TETHER_CLI_DOTENV_URL");
  ASSERT_EQ(run({"init"}).code, 0);
  ASSERT_EQ(run({"db", "create", "--product", "p", "--tag", "app", "--name", "App", "--type", "sqlite", "--env",
                 "dev=${TETHER_CLI_DOTENV_URL}"})
                .code,
            0);
  auto unset = run({"raw", "--query", "SELECT 1"});
  EXPECT_EQ(unset.code, 2);
  EXPECT_TRUE(has(unset.err, "TETHER_CLI_DOTENV_URL is not set (nor in the workspace's .env)")) << unset.err;
  std::ofstream(dir_ / ".env") << "TETHER_CLI_DOTENV_URL=sqlite://" << (dir_ / "app.db").string() << "\n";
  auto made = run({"raw", "--query", "CREATE TABLE t (x INTEGER)"});
  EXPECT_EQ(made.code, 0) << made.err;
  EXPECT_TRUE(fs::exists(dir_ / "app.db")) << "the URL came from .env";
  EXPECT_EQ(run({"count", "t"}).out, "0\n");
}

// The migrations people reach for: a baseline of a database made outside tether, a file
// filled by hand, up and down to a tag, and redo.
TEST_F(cli, migrate_baseline_new_up_to_down_to_and_redo) {
  ASSERT_EQ(run({"init"}).code, 0);
  ::setenv("TETHER_CLI_PRD", ("sqlite://" + (dir_ / "prd.db").string()).c_str(), 1);
  ASSERT_EQ(run({"db", "create", "--product", "shop", "--tag", "app", "--name", "App", "--type", "sqlite", "--env",
                 "dev=sqlite://" + (dir_ / "dev.db").string(), "--env", "prd=${TETHER_CLI_PRD}"})
                .code,
            0);
  // A table made outside tether's migrations, then recorded as the starting point.
  ASSERT_EQ(run({"--env", "dev", "raw", "--query", "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT)"}).code, 0);
  auto base = run({"--env", "dev", "migrate", "baseline"});
  ASSERT_EQ(base.code, 0) << base.err;
  EXPECT_TRUE(has(base.out, "the database's 1 table as the baseline, recorded as applied here")) << base.out;
  EXPECT_TRUE(has(run({"--env", "dev", "migrate", "status", "--json"}).out, R"("completed":1,"pending":0)"));
  EXPECT_EQ(run({"--env", "dev", "migrate", "baseline"}).code, 2) << "a second baseline is refused";
  ASSERT_EQ(run({"--env", "prd", "migrate"}).code, 0) << "the baseline makes the table on prd";
  EXPECT_EQ(run({"--env", "prd", "count", "users"}).out, "0\n");
  ASSERT_EQ(run({"--env", "dev", "schema", "add-field", "users", "age", "--def", "integer"}).code, 0);

  // A migration filled by hand: refused while empty, applied once filled.
  auto made = run({"--env", "dev", "migrate", "new", "backfill_age"});
  ASSERT_EQ(made.code, 0) << made.err;
  ASSERT_TRUE(made.out.starts_with("wrote ")) << made.out;
  const fs::path file = made.out.substr(6, made.out.find('\n') - 6);
  ASSERT_TRUE(fs::exists(file)) << file;
  auto empty = run({"--env", "dev", "migrate"});
  EXPECT_EQ(empty.code, 2);
  EXPECT_TRUE(has(empty.err, "has no operations")) << empty.err;
  std::string text = slurp(file);
  const std::string no_up = "\"up\": []", no_down = "\"down\": []";
  text.replace(text.find(no_up), no_up.size(),
               R"("up": [{"op": "raw", "engine": "sqlite", "sql": "UPDATE users SET age = 0 WHERE age IS NULL", "down_sql": "SELECT 1"}])");
  text.replace(text.find(no_down), no_down.size(), R"("down": [{"op": "raw", "engine": "sqlite", "sql": "SELECT 1"}])");
  std::ofstream(file) << text;
  ASSERT_EQ(run({"--env", "dev", "migrate"}).code, 0);

  std::vector<std::string> tags;
  for (const auto& f : fs::directory_iterator(dir_ / "migrations" / "shop" / "app")) tags.push_back(f.path().stem().string());
  std::sort(tags.begin(), tags.end());
  ASSERT_EQ(tags.size(), 3u);
  EXPECT_TRUE(tags[2].ends_with("_backfill_age")) << "a new file sorts after every other: " << tags[2];
  // prd: up to the field, then the rest; down to the field; redo of the field.
  auto to = run({"--env", "prd", "migrate", "up", "--to", tags[1]});
  ASSERT_EQ(to.code, 0) << to.err;
  EXPECT_TRUE(has(to.out, "applied " + tags[1])) << to.out;
  EXPECT_FALSE(has(to.out, tags[2])) << "nothing past --to: " << to.out;
  EXPECT_TRUE(has(run({"--env", "prd", "migrate", "status", "--json"}).out, R"("completed":2,"pending":1)"));
  EXPECT_TRUE(has(run({"--env", "prd", "migrate", "up"}).out, "applied " + tags[2]));
  auto back = run({"--env", "prd", "migrate", "down", "--to", tags[1]});
  ASSERT_EQ(back.code, 0) << back.err;
  EXPECT_TRUE(has(back.out, "rolled back " + tags[2])) << back.out;
  EXPECT_FALSE(has(back.out, "rolled back " + tags[1])) << "--to stays applied: " << back.out;
  auto redo = run({"--env", "prd", "migrate", "redo"});
  ASSERT_EQ(redo.code, 0) << redo.err;
  EXPECT_TRUE(has(redo.out, "rolled back " + tags[1])) << redo.out;
  EXPECT_TRUE(has(redo.out, "applied " + tags[1])) << redo.out;
  EXPECT_FALSE(has(redo.out, "applied " + tags[2])) << "redo applies only what it rolled back: " << redo.out;
  EXPECT_TRUE(has(run({"--env", "prd", "schema", "describe", "users", "--json"}).out, R"("name":"age")"));
  // Tags that are not there are named.
  auto no_file = run({"--env", "prd", "migrate", "up", "--to", "20200101_000000_nope"});
  EXPECT_EQ(no_file.code, 2);
  EXPECT_TRUE(has(no_file.err, "--to: no migration file has the tag 20200101_000000_nope; the files are ")) << no_file.err;
  auto not_applied = run({"--env", "prd", "migrate", "down", "--to", tags[2]});
  EXPECT_EQ(not_applied.code, 2);
  EXPECT_TRUE(has(not_applied.err, "is not applied here")) << not_applied.err;
  ::unsetenv("TETHER_CLI_PRD");
}

// Shell completion: the scripts ask `tether __complete` what fits; bash's is run here as
// bash runs it (zsh and fish are not on the test machines: their scripts are checked as
// text, and the answers they ask for are the ones tested below).
TEST_F(cli, completion_offers_commands_flags_names_and_tables) {
  seed();  // workspace shop/app with dev and prd, a users table on dev
  auto lines = [&](std::vector<std::string> words) {
    words.insert(words.begin(), "__complete");
    auto r = run(words);
    EXPECT_EQ(r.code, 0) << r.err;
    return r.out;
  };
  EXPECT_EQ(lines({"fi"}), "find\nfind-one\n");
  EXPECT_EQ(lines({"db", "cr"}), "create\n");
  EXPECT_EQ(lines({"find", "users", "--li"}), "--limit\n");
  EXPECT_TRUE(has(lines({"find", "users", "--"}), "--url\n")) << "the global flags too";
  EXPECT_EQ(lines({"--product", ""}), "shop\n");
  EXPECT_EQ(lines({"--database", "a"}), "app\n");
  EXPECT_EQ(lines({"find", "--env", ""}), "dev\nprd\n");
  EXPECT_EQ(lines({"--env", "dev", "find", "u"}), "users\n") << "the database's tables";
  EXPECT_EQ(lines({"find", "--where", ""}), "") << "JSON: nothing to offer";
  EXPECT_FALSE(has(lines({""}), "__complete")) << "the hidden command is not offered";

  auto bash = run({"completion", "bash"});
  ASSERT_EQ(bash.code, 0) << bash.err;
  std::ofstream(dir_ / "complete.bash") << bash.out;
  const std::string script = "cd " + quote(dir_.string()) + " && PATH=" + quote(fs::path(TETHER_CLI_PATH).parent_path().string()) +
                             ":$PATH bash -c 'source complete.bash; COMP_WORDS=(tether db cr); COMP_CWORD=2; _tether; "
                             "printf \"%s|\" \"${COMPREPLY[@]}\"' > bash.out";
  ASSERT_EQ(std::system(script.c_str()), 0);
  EXPECT_EQ(slurp(dir_ / "bash.out"), "create|");
  EXPECT_TRUE(has(run({"completion", "zsh"}).out, "compdef _tether tether"));
  EXPECT_TRUE(has(run({"completion", "fish"}).out, "complete -c tether -f -a '(tether __complete"));
  auto wrong = run({"completion", "tcsh"});
  EXPECT_EQ(wrong.code, 2);
  EXPECT_TRUE(wrong.err.starts_with("tether: error (usage): shell: tcsh not in {bash,zsh,fish}")) << wrong.err;
}

}  // namespace
