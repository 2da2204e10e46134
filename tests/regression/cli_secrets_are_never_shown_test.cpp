// Regression: a password with an unencoded /, @ or ? was printed (whole or its tail) in the
// error for a bad host or option, for every engine, for ${VAR} URLs and for `db create`;
// `?password=X` was printed in the unknown-option error; and a server message that repeated
// a bound value (`raw --query 'SELECT $1::int' --params '["SEKRIT"]'`) passed it through.
// Here a corpus of URLs with a secret in every position goes through every command, with
// and without --json, over every kind of connection failure, and no piece of the secret may
// appear in anything the command prints.
#include <cstdlib>

#include "cli_fixture.hpp"

namespace {

using namespace tether_cli_test;

// The two halves of every secret: neither may appear anywhere.
const char* const halves[] = {"Qx7kPa", "Wm3zRb"};

std::vector<std::string> secrets() {
  std::vector<std::string> out;
  for (std::string sep : {"", "/", "@", "?", "#", ":", "%2F", "%40"}) out.push_back(std::string(halves[0]) + sep + halves[1]);
  return out;
}

// host:port of a server that is up (a wrong password gets an authentication failure), or
// of nothing (the connection is refused).
std::string host_of(const char* var, const char* fallback) {
  const char* url = std::getenv(var);
  if (!url) return fallback;
  std::string u = url;
  auto at = u.rfind('@');
  auto start = at == std::string::npos ? u.find("://") + 3 : at + 1;
  return u.substr(start, u.find('/', start) - start);
}

std::vector<std::pair<std::string, std::string>> corpus(const std::string& s) {  // type, url
  const std::string pg = host_of("TETHER_PG_URL", "127.0.0.1:1"), my = host_of("TETHER_MYSQL_URL", "127.0.0.1:1");
  return {
      {"postgresql", "postgresql://u:" + s + "@127.0.0.1:1/db"},
      {"postgresql", "postgresql://u:" + s + "@127.0.0.1:1/db?bogus=1"},
      {"postgresql", "postgresql://127.0.0.1:1/db?password=" + s},
      {"postgresql", "postgresql://u:" + s + "@/db"},
      {"postgresql", "postgresql://u:" + s + "@" + pg + "/no_such_database"},
      {"mysql", "mysql://tether:" + s + "@" + my + "/tether_test"},
      {"mysql", "mysql://u:" + s + "@127.0.0.1:1/db"},
      {"mysql", "mysql://u:" + s + "@127.0.0.1:1/db?charset=gbk"},
      {"mysql", "mysql://u:" + s + "@127.0.0.1:99999/db"},
      {"mysql", "mysql://u:" + s + "@h1,,h2/db"},
      {"mysql", "mysql://u@127.0.0.1:1/db?password=" + s + "&nope=1"},
  };
}

class secrets_test : public cli {
 protected:
  void expect_clean(const outcome& r, const std::string& what) {
    for (const char* h : halves) {
      EXPECT_EQ(r.out.find(h), std::string::npos) << what << "\nstdout: " << r.out;
      EXPECT_EQ(r.err.find(h), std::string::npos) << what << "\nstderr: " << r.err;
    }
  }
};

TEST_F(secrets_test, no_piece_of_a_secret_is_ever_printed) {
  ASSERT_EQ(run({"init"}).code, 0);
  int n = 0;
  for (const auto& s : secrets()) {
    for (const auto& [type, url] : corpus(s)) {
      const std::string label = type + " " + url;
      for (bool json : {false, true}) {
        std::vector<std::string> extra = json ? std::vector<std::string>{"--json"} : std::vector<std::string>{};
        auto with = [&](std::vector<std::string> a) {
          a.insert(a.end(), extra.begin(), extra.end());
          return a;
        };
        auto r = run(with({"--url", url, "find", "t"}));
        EXPECT_NE(r.code, 0) << label;
        expect_clean(r, "find " + label);
        expect_clean(run(with({"--url", url, "raw", "--query", "SELECT 1"})), "raw " + label);
        expect_clean(run(with({"--url", url, "migrate", "status"})), "migrate status " + label);
      }
      // Registered in the workspace, as is and through a ${VAR}.
      const std::string tag = "d" + std::to_string(++n);
      ::setenv("TETHER_SECRET_URL", url.c_str(), 1);
      auto created = run({"db", "create", "--product", "p", "--tag", tag, "--name", tag, "--type", type, "--env",
                          "dev=" + url, "--env", "prd=${TETHER_SECRET_URL}"});
      expect_clean(created, "db create " + label);
      if (created.code == 0) {
        for (const auto& cmd : std::vector<std::vector<std::string>>{
                 {"db", "list"}, {"db", "list", "--json"}, {"db", "show", "--product", "p", "--tag", tag},
                 {"db", "show", "--product", "p", "--tag", tag, "--json"},
                 {"--product", "p", "--database", tag, "--env", "dev", "db", "test"},
                 {"--product", "p", "--database", tag, "--env", "prd", "db", "test", "--json"},
                 {"--product", "p", "--database", tag, "--env", "prd", "count", "t"},
                 {"--product", "p", "--database", tag, "--env", "dev", "find", "t", "--json"}})
          expect_clean(run(cmd), "db command on " + label);
      }
    }
  }
  ::unsetenv("TETHER_SECRET_URL");
}

TEST_F(secrets_test, a_server_message_does_not_repeat_a_bound_value) {
  const char* pg = std::getenv("TETHER_PG_URL");
  const char* my = std::getenv("TETHER_MYSQL_URL");
  std::vector<std::pair<std::string, std::string>> servers = {{"sqlite://" + (dir_ / "x.db").string(), "SELECT CAST(? AS INTEGER) + json_extract(?, '$')"}};
  if (pg) servers.push_back({pg, "SELECT $1::int"});
  if (my) servers.push_back({my, "SELECT JSON_EXTRACT(?, '$')"});
  for (const auto& [url, query] : servers) {
    const std::string params = query.find('$') != std::string::npos && query.find("$1") != std::string::npos
                                   ? R"(["Qx7kPaWm3zRb"])"
                                   : R"(["Qx7kPaWm3zRb", "Qx7kPa{Wm3zRb"])";
    for (bool json : {false, true}) {
      std::vector<std::string> args = {"--url", url, "raw", "--query", query, "--params", params};
      if (json) args.push_back("--json");
      expect_clean(run(args), "raw on " + url);
    }
  }
}

}  // namespace
