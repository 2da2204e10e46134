// The declarative workflow through the `tether` command on SQLite, PostgreSQL and
// MariaDB: pull a database made outside tether, edit the file, generate, migrate (a
// rename keeps its data), push refused with counts and then accepted, check finding drift
// made by hand in SQL; and the Chinook sample's own DDL pulled and generated to nothing.
#include <tether/tether.hpp>

#include <fstream>
#include <sstream>

#include "cli_fixture.hpp"

namespace {

using namespace tether_cli_test;

constexpr const char* engines[] = {"sqlite", "postgresql", "mysql"};

class declarative_cli : public cli {
 protected:
  void TearDown() override {
    for (const auto& [admin, name] : made_) {
      try {
        tether::client(admin).raw({.query = "DROP DATABASE IF EXISTS " + name});
      } catch (const std::exception&) {
      }
    }
    cli::TearDown();
  }

  // A new, empty database of `type`, or "" (the reason printed) where no server is running.
  std::string database(const std::string& type, const std::string& label) {
    if (type == "sqlite") return "sqlite://" + (dir_ / (label + ".db")).string();
    const char* base = std::getenv(type == "postgresql" ? "TETHER_PG_URL" : "TETHER_MYSQL_URL");
    if (!base) {
      std::cout << "[ skipped  ] " << type << ": no server URL (scripts/run-tests starts one)\n";
      return {};
    }
    const std::string name = "decl_" + label + "_" + std::to_string(::getpid());
    tether::client admin{base};
    admin.raw({.query = "DROP DATABASE IF EXISTS " + name});
    admin.raw({.query = "CREATE DATABASE " + name});
    made_.emplace_back(base, name);
    return with_database(base, name);
  }

  // A workspace whose database p/app is `dev` on dev and `prd` on prd.
  void workspace(const std::string& type, const std::string& dev, const std::string& prd) {
    ASSERT_EQ(run({"init"}).code, 0);
    auto c = run({"db", "create", "--product", "p", "--tag", "app", "--name", "App", "--type", type, "--env", "dev=" + dev,
                  "--env", "prd=" + prd});
    ASSERT_EQ(c.code, 0) << c.err;
  }

  // Runs each statement of a SQL script (comments dropped) on `url`.
  static void script(const std::string& url, const std::string& path) {
    std::ifstream in(path);
    ASSERT_TRUE(in) << path;
    std::string text, line;
    bool comment = false;
    while (std::getline(in, line)) {
      if (line.find("/*") != std::string::npos) comment = true;
      if (!comment && !line.starts_with("--")) text += line + "\n";
      if (line.find("*/") != std::string::npos) comment = false;
    }
    tether::client db{url};
    for (std::size_t at = 0, end; (end = text.find(';', at)) != std::string::npos; at = end + 1) {
      std::string statement = text.substr(at, end - at);
      if (statement.find_first_not_of(" \n\r\t") == std::string::npos) continue;
      db.raw({.query = statement});
    }
  }

  fs::path schema_path() const { return dir_ / "schema" / "p" / "app.json"; }

  std::vector<std::pair<std::string, std::string>> made_;  // (admin URL, database)
};

std::string key_sql(const std::string& type) {
  if (type == "sqlite") return "INTEGER PRIMARY KEY";
  if (type == "postgresql") return "BIGSERIAL PRIMARY KEY";
  return "BIGINT AUTO_INCREMENT PRIMARY KEY";
}

TEST_F(declarative_cli, pull_edit_generate_migrate_push_and_check_on_each_engine) {
  int ran = 0;
  for (const std::string type : engines) {
    SCOPED_TRACE(type);
    const std::string dev = database(type, "dev"), prd = database(type, "prd");
    if (dev.empty()) continue;
    ++ran;
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    workspace(type, dev, prd);
    // A table made outside tether, with data.
    ASSERT_EQ(run({"raw", "--query", "CREATE TABLE people (id " + key_sql(type) + ", nick VARCHAR(40), phone VARCHAR(20))"}).code, 0);
    ASSERT_EQ(run({"insert", "people", "--data", R"([{"nick":"ada","phone":"1"},{"nick":"bo","phone":"2"}])"}).code, 0);

    auto pulled = run({"pull"});
    ASSERT_EQ(pulled.code, 0) << pulled.err;
    EXPECT_NE(pulled.out.find("the baseline"), std::string::npos) << pulled.out;
    ASSERT_TRUE(fs::exists(schema_path()));
    auto nothing = run({"generate"});
    EXPECT_EQ(nothing.code, 0) << nothing.err;
    EXPECT_NE(nothing.out.find("nothing to generate"), std::string::npos) << nothing.out;
    EXPECT_EQ(run({"check"}).code, 0) << run({"check"}).out;

    // Edit the file: nick becomes handle (said, so no prompt), phone goes, email comes.
    auto doc = tether::value::from_json(slurp(schema_path()));
    const tether::value id = doc["tables"]["people"]["fields"]["id"];
    tether::value edited = {{"tables", {{"people", {{"fields", {{"id", id},
        {"handle", {{"type", "string"}, {"length", 40}, {"renamed_from", "nick"}}},
        {"email", {{"type", "string"}, {"length", 120}}}}}}}}}};
    std::ofstream(schema_path()) << edited.to_json();
    auto gen = run({"generate", "--name", "handles"});
    ASSERT_EQ(gen.code, 0) << gen.err;
    EXPECT_NE(gen.out.find("rename_field people.nick → handle"), std::string::npos) << gen.out;
    EXPECT_NE(gen.out.find("drop_field people.phone"), std::string::npos) << gen.out;

    // migrate measures the drop first, and refuses it until the loss is accepted.
    auto refused = run({"migrate"});
    EXPECT_EQ(refused.code, 7) << refused.out << refused.err;
    EXPECT_NE(refused.err.find("people.phone: 2 rows hold a value"), std::string::npos) << refused.err;
    auto migrated = run({"migrate", "--accept-data-loss"});
    ASSERT_EQ(migrated.code, 0) << migrated.err;
    auto rows = run({"find", "people", "--json"});
    EXPECT_NE(rows.out.find(R"("handle":"ada")"), std::string::npos) << "the rename kept the data: " << rows.out;
    EXPECT_EQ(run({"check"}).code, 0) << run({"check"}).out;

    // Another environment gets the same tables from the files (the baseline first).
    auto on_prd = run({"--env", "prd", "migrate"});
    ASSERT_EQ(on_prd.code, 0) << on_prd.err;
    EXPECT_EQ(run({"--env", "prd", "pull", "--out", "-"}).out, run({"pull", "--out", "-"}).out);
    EXPECT_EQ(run({"--env", "prd", "check"}).code, 0) << run({"--env", "prd", "check"}).out;

    // push: dropping handle loses the two values; refused with the count, then accepted.
    tether::value smaller = {{"tables", {{"people", {{"fields", {{"id", id},
        {"email", {{"type", "string"}, {"length", 120}}}}}}}}}};
    std::ofstream(schema_path()) << smaller.to_json();
    auto push = run({"push"});
    EXPECT_EQ(push.code, 7) << push.out << push.err;
    EXPECT_NE(push.err.find("drops people.handle: 2 rows hold a value"), std::string::npos) << push.err;
    EXPECT_NE(push.err.find("nothing was changed"), std::string::npos) << push.err;
    auto dry = run({"push", "--dry-run", "--accept-data-loss", "--json"});
    EXPECT_EQ(dry.code, 0) << dry.err;
    EXPECT_NE(dry.out.find(R"("risk":"data_loss","rows":2)"), std::string::npos) << dry.out;
    EXPECT_NE(run({"find", "people", "--json"}).out.find("\"handle\""), std::string::npos) << "a dry run changes nothing";
    auto pushed = run({"push", "--accept-data-loss"});
    EXPECT_EQ(pushed.code, 0) << pushed.err;
    EXPECT_EQ(run({"find", "people", "--json"}).out.find("\"handle\""), std::string::npos);
    EXPECT_EQ(run({"push"}).out.find("nothing to push"), 0u);

    // Drift made by hand in SQL.
    ASSERT_EQ(run({"raw", "--query", "ALTER TABLE people ADD COLUMN extra INTEGER"}).code, 0);
    auto check = run({"check"});
    EXPECT_EQ(check.code, 5) << check.out;
    EXPECT_NE(check.out.find("file_vs_database: people.extra: the database has it, the file does not"), std::string::npos)
        << check.out;
  }
  if (ran == 0) GTEST_SKIP() << "no engine to run on";
}

TEST_F(declarative_cli, chinook_made_by_its_own_ddl_pulls_and_generates_nothing) {
  int ran = 0;
  for (const std::string type : engines) {
    SCOPED_TRACE(type);
    const std::string dev = database(type, "chinook"), prd = database(type, "chinook_prd");
    if (dev.empty()) continue;
    ++ran;
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    script(dev, std::string(TETHER_SOURCE_DIR) + "/tests/data/chinook/chinook_" + type + ".sql");
    workspace(type, dev, prd);
    auto pulled = run({"pull"});
    ASSERT_EQ(pulled.code, 0) << pulled.err;
    EXPECT_NE(pulled.out.find("(11 tables)"), std::string::npos) << pulled.out;
    auto gen = run({"generate"});
    EXPECT_EQ(gen.code, 0) << gen.err;
    EXPECT_NE(gen.out.find("nothing to generate"), std::string::npos) << gen.out;
    EXPECT_EQ(run({"push", "--dry-run"}).out.find("nothing to push"), 0u) << run({"push", "--dry-run"}).out;
    auto check = run({"check"});
    EXPECT_EQ(check.code, 0) << check.out;
    // The baseline makes the same schema on an empty database.
    ASSERT_EQ(run({"--env", "prd", "migrate"}).code, 0);
    EXPECT_EQ(run({"--env", "prd", "pull", "--out", "-"}).out, slurp(schema_path()));

    // Relations declared in the file: the keys follow from the file's foreign keys, find's
    // --include names them, they make no migration, and pulling again keeps them.
    const bool snake = type == "postgresql";  // Chinook's PostgreSQL script names things in snake case
    const std::string album = snake ? "album" : "Album", artist = snake ? "artist" : "Artist",
                      track = snake ? "track" : "Track", album_id = snake ? "album_id" : "AlbumId",
                      track_id = snake ? "track_id" : "TrackId", name = snake ? "name" : "Name";
    auto col = [&](const std::string& camel, const std::string& snake_name) { return snake ? snake_name : camel; };
    auto insert = [&](const std::string& table, const tether::array& rows) {
      auto r = run({"insert", table, "--data", tether::value(rows).to_json()});
      ASSERT_EQ(r.code, 0) << r.err;
    };
    insert(snake ? "media_type" : "MediaType", {tether::value{{col("MediaTypeId", "media_type_id"), 1}, {col("Name", "name"), "MPEG"}}});
    insert(artist, {tether::value{{col("ArtistId", "artist_id"), 1}, {name, "AC/DC"}}});
    insert(album, {tether::value{{album_id, 1}, {col("Title", "title"), "For Those About To Rock"}, {col("ArtistId", "artist_id"), 1}}});
    tether::array tracks;
    for (int id : {7, 1, 6})
      tracks.push_back(tether::value{{track_id, id}, {name, "t" + std::to_string(id)}, {album_id, 1},
                                     {col("MediaTypeId", "media_type_id"), 1}, {col("Milliseconds", "milliseconds"), 1000},
                                     {col("UnitPrice", "unit_price"), 0.99}});
    insert(track, tracks);
    auto doc = tether::value::from_json(slurp(schema_path()));
    for (auto& [t, spec] : doc.as_object().front().second.as_object())
      if (t == album)
        spec.as_object().emplace_back("relations", tether::value{{"artist", {{"table", artist}}}, {"tracks", {{"table", track}}}});
    std::ofstream(schema_path()) << doc.to_json();
    auto found = run({"find", album, "--where", "{\"" + album_id + "\": 1}", "--include",
                      "{\"artist\": {}, \"tracks\": {\"order_by\": \"" + track_id + "\", \"limit\": 2}}"});
    ASSERT_EQ(found.code, 0) << found.err;
    const auto rows = tether::value::from_json(found.out)["records"];
    ASSERT_EQ(rows.size(), 1u) << found.out;
    EXPECT_EQ(rows[0]["artist"][name].as_string(), "AC/DC") << found.out;
    ASSERT_EQ(rows[0]["tracks"].size(), 2u) << found.out;
    EXPECT_EQ(rows[0]["tracks"][0][track_id].as_int(), 1) << found.out;
    auto none = run({"generate"});
    EXPECT_NE(none.out.find("nothing to generate"), std::string::npos) << none.out << none.err;
    ASSERT_EQ(run({"pull", "--no-baseline"}).code, 0);
    const auto kept = tether::value::from_json(slurp(schema_path()))["tables"][album];
    ASSERT_NE(kept.find("relations"), nullptr) << "pull kept the relations: " << slurp(schema_path());
    EXPECT_EQ(kept["relations"]["tracks"]["foreign_key"].as_string(), album_id);
  }
  if (ran == 0) GTEST_SKIP() << "no engine to run on";
}

}  // namespace
