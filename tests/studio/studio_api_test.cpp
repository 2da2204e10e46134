// The studio's HTTP API against the real `tether studio` process: the guard's refusals
// (token, Host, Origin), the page and its headers, and the data calls on SQLite and, where
// scripts/run-tests started them, PostgreSQL and MariaDB; read-only mode; no secret in
// any answer.
#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>
#include <sys/wait.h>
#include <tether/tether.hpp>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;

// A running `tether studio`: its address, token, and a client that carries the cookie.
class studio_process {
 public:
  // `args`: the context flags; `flags`: the studio's own.
  explicit studio_process(std::vector<std::string> args, std::vector<std::string> flags = {}) {
    int out[2];
    if (::pipe(out) != 0) throw std::runtime_error("pipe");
    pid_ = ::fork();
    if (pid_ == 0) {
      ::dup2(out[1], 1);
      ::close(out[0]);
      std::vector<char*> argv{const_cast<char*>(TETHER_CLI_PATH)};
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(const_cast<char*>("studio"));
      argv.push_back(const_cast<char*>("--no-open"));
      for (auto& f : flags) argv.push_back(f.data());
      argv.push_back(nullptr);
      ::execv(TETHER_CLI_PATH, argv.data());
      ::_exit(127);
    }
    ::close(out[1]);
    out_ = ::fdopen(out[0], "r");
    char line[512] = {};
    if (!std::fgets(line, sizeof line, out_)) throw std::runtime_error("tether studio printed nothing");
    first_line = line;
    const std::string prefix = "tether studio: http://";
    if (!first_line.starts_with(prefix)) throw std::runtime_error("unexpected first line: " + first_line);
    auto slash = first_line.find('/', prefix.size());
    host = first_line.substr(prefix.size(), slash - prefix.size());
    token = first_line.substr(first_line.find("token=") + 6);
    while (!token.empty() && (token.back() == '\n' || token.back() == '\r')) token.pop_back();
    port = std::stoi(host.substr(host.rfind(':') + 1));
  }
  ~studio_process() { stop(); }
  // Ctrl-C; the exit code.
  int stop() {
    if (pid_ <= 0) return exit_code_;
    ::kill(pid_, SIGINT);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
    if (out_) std::fclose(out_);
    out_ = nullptr;
    exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return exit_code_;
  }
  httplib::Client raw_client() const { return httplib::Client("127.0.0.1", port); }
  httplib::Headers authed(bool changes = false) const {
    httplib::Headers h{{"Cookie", "tether_studio=" + token}};
    if (changes) h.emplace("Origin", "http://" + host);
    return h;
  }
  tether::value get(const std::string& path, int expect = 200) const {
    auto c = raw_client();
    auto r = c.Get(path, authed());
    EXPECT_TRUE(r) << path;
    if (!r) return {};
    EXPECT_EQ(r->status, expect) << path << ": " << r->body;
    return tether::value::from_json(r->body);
  }
  tether::value post(const std::string& path, const tether::value& body, int expect = 200) const {
    auto c = raw_client();
    auto r = c.Post(path, authed(true), body.to_json(), "application/json");
    EXPECT_TRUE(r) << path;
    if (!r) return {};
    EXPECT_EQ(r->status, expect) << path << " " << body.to_json() << ": " << r->body;
    return tether::value::from_json(r->body);
  }

  std::string first_line, host, token;
  int port = 0;

 private:
  pid_t pid_ = -1;
  FILE* out_ = nullptr;
  int exit_code_ = -1;
};

// The files temp_file named, removed (with SQLite's -wal and -shm) when the tests end.
std::vector<fs::path>& temp_files() {
  static std::vector<fs::path> files;
  return files;
}
class temp_cleanup : public ::testing::Environment {
 public:
  void TearDown() override {
    for (const auto& p : temp_files())
      for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(p.string() + suffix);
  }
};
[[maybe_unused]] const auto* const cleanup = ::testing::AddGlobalTestEnvironment(new temp_cleanup);

std::string temp_file(const std::string& name) {
  auto p = fs::temp_directory_path() / ("tether-studio-" + std::to_string(::getpid()) + "-" + name);
  fs::remove(p);
  temp_files().push_back(p);
  return p.string();
}

std::string with_database(const std::string& url, const std::string& db) {
  auto slash = url.find('/', url.find("://") + 3);
  auto query = url.find('?', slash);
  return url.substr(0, slash + 1) + db + (query == std::string::npos ? "" : url.substr(query));
}

// A database of `type` with a people table of 120 rows made by tether's schema call.
struct seeded {
  std::string url, admin, name;
  ~seeded() {
    if (admin.empty()) return;
    try {
      tether::client(admin).raw({.query = "DROP DATABASE IF EXISTS " + name});
    } catch (const std::exception&) {
    }
  }
};

std::unique_ptr<seeded> seed(const std::string& type) {
  auto s = std::make_unique<seeded>();
  if (type == "sqlite") {
    s->url = "sqlite://" + temp_file("people.db");
  } else {
    const char* base = std::getenv(type == "postgresql" ? "TETHER_PG_URL" : "TETHER_MYSQL_URL");
    if (!base) return nullptr;
    s->admin = base;
    s->name = "studio_" + std::to_string(::getpid());
    tether::client admin{base};
    admin.raw({.query = "DROP DATABASE IF EXISTS " + s->name});
    admin.raw({.query = "CREATE DATABASE " + s->name});
    s->url = with_database(base, s->name);
  }
  tether::client db{s->url};
  tether::schema(db).create("people", {{"id", {{"type", "bigint"}, {"primary_key", true}, {"auto_increment", true}}},
                                       {"name", {{"type", "string"}, {"length", 40}}},
                                       {"age", "integer"}});
  tether::value_list rows;
  std::vector<tether::value> records;
  for (int i = 1; i <= 120; ++i)
    records.push_back(tether::value{{"name", i == 7 ? tether::value("") : tether::value("p" + std::to_string(i))},
                                    {"age", i == 8 ? tether::value() : tether::value(i % 50)}});
  db.insert({.table = "people", .records = records});
  return s;
}

TEST(studio, the_guard_refuses_what_it_should) {
  auto db = seed("sqlite");
  studio_process s({"--url", db->url});
  EXPECT_EQ(s.token.size(), 32u) << "a 128-bit token, as hex";
  auto c = s.raw_client();
  // No token, a wrong one: 401.
  EXPECT_EQ(c.Get("/api/tables")->status, 401);
  EXPECT_EQ(c.Get("/api/tables", {{"Cookie", "tether_studio=" + std::string(32, '0')}})->status, 401);
  EXPECT_EQ(c.Get("/")->status, 401);
  // The token in the address sets the cookie and leaves the address bar.
  auto first = c.Get("/?token=" + s.token);
  ASSERT_TRUE(first);
  EXPECT_EQ(first->status, 303);
  const std::string cookie = first->get_header_value("Set-Cookie");
  EXPECT_NE(cookie.find("tether_studio=" + s.token), std::string::npos);
  EXPECT_NE(cookie.find("HttpOnly"), std::string::npos);
  EXPECT_NE(cookie.find("SameSite=Strict"), std::string::npos);
  // A page served under another name (DNS rebinding): 403, even with the token.
  auto rebound = c.Get("/api/tables", {{"Host", "attacker.example:" + std::to_string(s.port)}, {"Cookie", "tether_studio=" + s.token}});
  EXPECT_EQ(rebound->status, 403);
  EXPECT_EQ(c.Get("/api/tables", {{"Host", "127.0.0.1:1"}, {"Cookie", "tether_studio=" + s.token}})->status, 403);
  EXPECT_EQ(c.Get("/api/tables", {{"Host", "localhost:" + std::to_string(s.port)}, {"Cookie", "tether_studio=" + s.token}})->status,
            200) << "localhost is the same loopback";
  // A change from another origin, or with none: 403, and nothing changed.
  const std::string insert = R"({"table":"people","records":[{"name":"mallory"}]})";
  EXPECT_EQ(c.Post("/api/insert", {{"Cookie", "tether_studio=" + s.token}}, insert, "application/json")->status, 403);
  EXPECT_EQ(c.Post("/api/insert", {{"Cookie", "tether_studio=" + s.token}, {"Origin", "http://attacker.example"}}, insert,
                   "application/json")->status, 403);
  EXPECT_EQ(tether::client(db->url).count({.table = "people"}), 120);
  // No CORS, and the page's own headers.
  auto page = c.Get("/", s.authed());
  ASSERT_TRUE(page);
  EXPECT_EQ(page->status, 200);
  EXPECT_FALSE(page->has_header("Access-Control-Allow-Origin"));
  EXPECT_NE(page->get_header_value("Content-Security-Policy").find("default-src 'none'"), std::string::npos);
  EXPECT_EQ(page->get_header_value("Referrer-Policy"), "no-referrer");
  EXPECT_NE(page->body.find("/assets/studio.js"), std::string::npos);
  EXPECT_EQ(c.Get("/assets/studio.js", s.authed())->status, 200);
  EXPECT_EQ(c.Get("/assets/nothing.js", s.authed())->status, 404);
  EXPECT_EQ(s.stop(), 0) << "Ctrl-C stops it cleanly";
}

TEST(studio, a_non_loopback_address_needs_a_flag) {
  auto db = seed("sqlite");
  std::string out = temp_file("remote.out");
  const std::string cmd = std::string(TETHER_CLI_PATH) + " --url " + db->url + " studio --no-open --host 0.0.0.0 >" + out + " 2>&1";
  int status = std::system(cmd.c_str());
  EXPECT_EQ(WEXITSTATUS(status), 2);
  std::ifstream in(out);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_NE(text.find("--allow-remote"), std::string::npos) << text;
}

void data_calls(const std::string& type) {
  auto db = seed(type);
  if (!db) {
    GTEST_SKIP() << type << ": no server URL (scripts/run-tests starts one)";
  }
  studio_process s({"--url", db->url});
  auto info = s.get("/api/info");
  EXPECT_EQ(info["engine"].as_string(), type);
  EXPECT_FALSE(info["read_only"].as_bool());
  auto tables = s.get("/api/tables");
  ASSERT_EQ(tables["tables"].size(), 1u) << tables.to_json() << " (the migrations table is left out)";
  EXPECT_EQ(tables["tables"][0]["name"].as_string(), "people");
  EXPECT_EQ(tables["tables"][0]["rows"].as_int(), 120);
  auto d = s.get("/api/tables/people");
  EXPECT_EQ(d["columns"].size(), 3u);
  EXPECT_EQ(d["primary_key"][0].as_string(), "id");

  // Pages by key: three pages of 50, 50 and 20, in key order, then no next.
  std::string after;
  std::int64_t seen = 0, last_id = 0;
  for (int page = 0; page < 3; ++page) {
    auto r = s.post("/api/find", tether::value{{"table", "people"}, {"limit", 50}, {"after", after}});
    for (const auto& row : r["records"].as_array()) {
      EXPECT_GT(row["id"].as_int(), last_id);
      last_id = row["id"].as_int();
      ++seen;
    }
    const tether::value* next = r.find("next");
    after = next && next->is_string() ? next->as_string() : "";
  }
  EXPECT_EQ(seen, 120);
  EXPECT_TRUE(after.empty()) << "no page after the last";
  // Sorted, filtered; NULL and "" stay apart.
  auto sorted = s.post("/api/find", tether::value{{"table", "people"}, {"order_by", tether::array{"age:desc", "id:asc"}}, {"limit", 1}});
  EXPECT_EQ(sorted["records"][0]["age"].as_int(), 49);
  auto empty = s.post("/api/find", tether::value{{"table", "people"}, {"where", tether::value{{"name", ""}}}});
  ASSERT_EQ(empty["records"].size(), 1u);
  EXPECT_EQ(empty["records"][0]["id"].as_int(), 7);
  auto nulls = s.post("/api/count", tether::value{{"table", "people"}, {"where", tether::value{{"age", nullptr}}}});
  EXPECT_EQ(nulls["count"].as_int(), 1);

  // Writes, seen in the database.
  auto ins = s.post("/api/insert", tether::value{{"table", "people"}, {"records", tether::array{tether::value{{"name", "new"}, {"age", 3}}}}});
  EXPECT_EQ(ins["count"].as_int(), 1);
  tether::client check{db->url};
  EXPECT_EQ(check.count({.table = "people", .where = tether::value{{"name", "new"}}}), 1);
  s.post("/api/update", tether::value{{"table", "people"}, {"data", tether::value{{"age", 99}}}, {"where", tether::value{{"name", "new"}}}});
  EXPECT_EQ(check.count({.table = "people", .where = tether::value{{"age", 99}}}), 1);
  s.post("/api/remove", tether::value{{"table", "people"}, {"where", tether::value{{"name", "new"}}}});
  EXPECT_EQ(check.count({.table = "people"}), 120);
  // An empty where is refused, as in the library; the error says so in words.
  auto refused = s.post("/api/remove", tether::value{{"table", "people"}, {"where", tether::object{}}}, 400);
  EXPECT_NE(refused["error"]["message"].as_string().find("where"), std::string::npos) << refused.to_json();
  EXPECT_EQ(check.count({.table = "people"}), 120);
  // Export: every row as CSV, NULL as nothing and "" as "", in key order.
  {
    auto c = s.raw_client();
    auto e = c.Post("/api/export", s.authed(true), R"({"table":"people","format":"csv","order_by":["id:asc"]})",
                    "application/json");
    ASSERT_TRUE(e);
    EXPECT_EQ(e->status, 200) << e->body;
    EXPECT_NE(e->get_header_value("Content-Disposition").find("people.csv"), std::string::npos);
    std::size_t lines = 0;
    for (char ch : e->body) lines += ch == '\n';
    EXPECT_EQ(lines, 121u) << "a header and 120 rows";
    EXPECT_EQ(e->body.substr(0, 15), "id,name,age\r\n1,");
    EXPECT_NE(e->body.find("\r\n7,\"\",7\r\n"), std::string::npos) << "an empty string is \"\"";
    EXPECT_NE(e->body.find("\r\n8,p8,\r\n"), std::string::npos) << "NULL is an empty field";
    auto j = c.Post("/api/export", s.authed(true), R"({"table":"people","format":"json"})", "application/json");
    EXPECT_EQ(tether::value::from_json(j->body).size(), 120u);
    EXPECT_EQ(c.Post("/api/export", s.authed(true), R"({"table":"people","format":"xml"})", "application/json")->status, 400);
  }
  // A raw query with a parameter.
  auto raw = s.post("/api/raw", tether::value{{"query", std::string("SELECT COUNT(*) AS n FROM people WHERE age > ") +
                                                            (type == "postgresql" ? "$1" : "?")},
                                              {"params", tether::array{40}}});
  EXPECT_EQ(raw["records"].size(), 1u) << raw.to_json();
  // Bad input gets its error, never a crash.
  s.post("/api/find", tether::value{{"table", "no_such_table"}}, 400);
  auto c = s.raw_client();
  auto bad = c.Post("/api/find", s.authed(true), "{not json", "application/json");
  EXPECT_EQ(bad->status, 400);
  const std::string deep = std::string(100000, '[') + std::string(100000, ']');
  EXPECT_EQ(c.Post("/api/find", s.authed(true), deep, "application/json")->status, 400);
  // The migrations timeline: the create that seeded the table.
  auto m = s.get("/api/migrations");
  ASSERT_EQ(m["history"].size(), 1u);
  EXPECT_EQ(m["history"][0]["status"].as_string(), "applied");
  // No secret reaches the page: not the URL's password, in any answer.
  if (type == "mysql") {
    for (const auto& body : {s.get("/api/info").to_json(), s.get("/api/tables").to_json(),
                             s.post("/api/raw", tether::value{{"query", "SELECT nope FROM nowhere"}}, 400).to_json()})
      EXPECT_EQ(body.find("tether-test"), std::string::npos) << body;
  }
  EXPECT_EQ(s.stop(), 0);
}

TEST(studio, data_calls_on_sqlite) { data_calls("sqlite"); }
TEST(studio, data_calls_on_postgresql) { data_calls("postgresql"); }
TEST(studio, data_calls_on_mariadb) { data_calls("mysql"); }

// DynamoDB (dynalite, started by scripts/run-tests): the same calls but raw queries, which
// the engine has none of; the endpoint is shared, so the table's name is this process's.
TEST(studio, data_calls_on_dynamodb) {
  const char* url = std::getenv("TETHER_DYNAMODB_URL");
  if (!url) GTEST_SKIP() << "TETHER_DYNAMODB_URL is not set: scripts/run-tests starts dynalite and sets it";
  const std::string table = "studio_people_" + std::to_string(::getpid());
  tether::client db{url};
  tether::schema(db).create(table, {{"id", {{"type", "bigint"}, {"primary_key", true}, {"auto_increment", true}}},
                                    {"name", "string"},
                                    {"age", "integer"}});
  std::vector<tether::value> records;
  for (int i = 1; i <= 120; ++i)
    records.push_back(tether::value{{"name", "p" + std::to_string(i)}, {"age", i == 8 ? tether::value() : tether::value(i % 50)}});
  db.insert({.table = table, .records = records});
  {
    studio_process s({"--url", url});
    auto info = s.get("/api/info");
    EXPECT_EQ(info["engine"].as_string(), "dynamodb");
    EXPECT_FALSE(info["capabilities"]["raw_queries"].as_bool()) << "the page hides its query console";
    bool listed = false;
    const auto tables = s.get("/api/tables");
    for (const auto& t : tables["tables"].as_array())
      if (t["name"].as_string() == table) {
        listed = true;
        EXPECT_EQ(t["rows"].as_int(), 120);
      }
    EXPECT_TRUE(listed) << table << " is in the list: " << tables.to_json();
    EXPECT_EQ(s.get("/api/tables/" + table)["primary_key"][0].as_string(), "id");
    bool described = false;
    const auto all = s.get("/api/schema");
    for (const auto& t : all["tables"].as_array()) described = described || t["name"].as_string() == table;
    EXPECT_TRUE(described) << "the ER diagram's call lists " << table;

    // Pages by key, and sorted by age across pages (the library's cursor over the scan).
    for (const std::string order : {"", "age:desc"}) {
      std::string after;
      std::int64_t seen = 0, last = order.empty() ? 0 : 1000;
      for (int page = 0; page < 4; ++page) {
        tether::value body{{"table", table}, {"limit", 50}, {"after", after}};
        if (!order.empty()) body = tether::value{{"table", table}, {"limit", 50}, {"after", after}, {"order_by", tether::array{order}}};
        auto r = s.post("/api/find", body);
        for (const auto& row : r["records"].as_array()) {
          ++seen;
          if (order.empty()) {
            EXPECT_GT(row["id"].as_int(), last) << "key order";
            last = row["id"].as_int();
          } else if (!row["age"].is_null()) {
            EXPECT_LE(row["age"].as_int(), last) << "age descending, page " << page;
            last = row["age"].as_int();
          }
        }
        const tether::value* next = r.find("next");
        after = next && next->is_string() ? next->as_string() : "";
        if (after.empty()) break;
      }
      EXPECT_EQ(seen, 120) << "every row once, ordered by \"" << order << "\"";
    }
    EXPECT_EQ(s.post("/api/count", tether::value{{"table", table}, {"where", tether::value{{"age", nullptr}}}})["count"].as_int(), 1);

    // Writes, seen in the database.
    s.post("/api/insert", tether::value{{"table", table}, {"records", tether::array{tether::value{{"name", "new"}, {"age", 3}}}}});
    EXPECT_EQ(db.count({.table = table, .where = tether::value{{"name", "new"}}}), 1);
    s.post("/api/update", tether::value{{"table", table}, {"data", tether::value{{"age", 99}}}, {"where", tether::value{{"name", "new"}}}});
    EXPECT_EQ(db.count({.table = table, .where = tether::value{{"age", 99}}}), 1);
    s.post("/api/remove", tether::value{{"table", table}, {"where", tether::value{{"name", "new"}}}});
    EXPECT_EQ(db.count({.table = table}), 120);

    // Export streams every row; a raw query is refused in words.
    auto c = s.raw_client();
    auto e = c.Post("/api/export", s.authed(true), tether::value{{"table", table}, {"format", "csv"}}.to_json(), "application/json");
    ASSERT_TRUE(e);
    EXPECT_EQ(e->status, 200) << e->body;
    std::size_t lines = 0;
    for (char ch : e->body) lines += ch == '\n';
    EXPECT_EQ(lines, 121u) << "a header and 120 rows";
    EXPECT_EQ(e->body.substr(0, 13), "id,name,age\r\n");
    auto raw = s.post("/api/raw", tether::value{{"query", "SELECT 1"}}, 400);
    EXPECT_NE(raw["error"]["message"].as_string().find("not supported"), std::string::npos) << raw.to_json();

    // The migrations recorded on this endpoint include the create.
    bool recorded = false;
    const auto migrations = s.get("/api/migrations");
    for (const auto& h : migrations["history"].as_array())
      recorded = recorded || h["name"].as_string() == "create_" + table;
    EXPECT_TRUE(recorded);
    const std::string everything = s.get("/api/info").to_json() + s.get("/api/tables").to_json() + raw.to_json();
    EXPECT_EQ(everything.find("tether-test-secret"), std::string::npos) << "no secret reaches the page";
    EXPECT_EQ(s.stop(), 0);
  }
  tether::schema(db).drop(table);
}

TEST(studio, read_only_refuses_writes_and_says_so) {
  auto db = seed("sqlite");
  studio_process s({"--url", db->url}, {"--read-only"});
  EXPECT_TRUE(s.get("/api/info")["read_only"].as_bool());
  auto refused = s.post("/api/insert", tether::value{{"table", "people"}, {"records", tether::array{tether::value{{"name", "x"}}}}}, 400);
  EXPECT_NE(refused["error"]["message"].as_string().find("read-only"), std::string::npos) << refused.to_json();
  s.post("/api/update", tether::value{{"table", "people"}, {"data", tether::value{{"age", 1}}}, {"where", tether::value{{"id", 1}}}}, 400);
  s.post("/api/remove", tether::value{{"table", "people"}, {"where", tether::value{{"id", 1}}}}, 400);
  // Reads run; a raw write is refused by the database's read-only transaction.
  EXPECT_EQ(s.post("/api/raw", tether::value{{"query", "SELECT COUNT(*) AS n FROM people"}})["records"].size(), 1u);
  s.post("/api/raw", tether::value{{"query", "DELETE FROM people"}}, 422);
  EXPECT_EQ(tether::client(db->url).count({.table = "people"}), 120);
}

TEST(studio, a_protected_environment_opens_read_only_unless_allowed) {
  auto db = seed("sqlite");
  const fs::path dir = fs::path(temp_file("workspace"));
  fs::create_directories(dir);
  std::ofstream(dir / "tether.json") << R"({"products": [{"name": "shop", "databases": [{"name": "People", "tag": "people",
      "type": "sqlite", "envs": [{"slug": "dev", "connection_url": ")" << db->url << R"(", "protected": true},
                                 {"slug": "prd", "connection_url": ")" << db->url << R"(", "protected": false}]}]}]})";
  {
    studio_process s({"--workspace", dir.string(), "--env", "dev"});
    auto info = s.get("/api/info");
    EXPECT_TRUE(info["read_only"].as_bool()) << "dev is marked protected";
    EXPECT_EQ(info["label"].as_string(), "shop/people (dev)");
    EXPECT_EQ(info.to_json().find("sqlite://"), std::string::npos) << "no URL reaches the page";
  }
  {
    studio_process s({"--workspace", dir.string(), "--env", "dev"}, {"--allow-writes"});
    EXPECT_FALSE(s.get("/api/info")["read_only"].as_bool());
  }
  {
    studio_process s({"--workspace", dir.string(), "--env", "prd"});
    EXPECT_FALSE(s.get("/api/info")["read_only"].as_bool()) << "prd is marked not protected";
  }
  fs::remove_all(dir);
}

}  // namespace
