// The `tether` command's test fixture: runs the built binary as a user runs it, in a
// folder of the test's own, and gives back its exit code, stdout and stderr.
#pragma once

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

namespace tether_cli_test {

namespace fs = std::filesystem;

struct outcome {
  int code;
  std::string out, err;
};

inline std::string quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

inline std::string slurp(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// How many migrations a `tether migrate` run says it applied.
inline std::size_t count(const std::string& output) {
  std::size_t n = 0;
  for (auto p = output.find("applied "); p != std::string::npos; p = output.find("applied ", p + 1)) ++n;
  return n;
}

// `url` with its database replaced by `db` (its query kept).
inline std::string with_database(const std::string& url, const std::string& db) {
  auto slash = url.find('/', url.find("://") + 3);
  auto query = url.find('?', slash);
  return url.substr(0, slash + 1) + db + (query == std::string::npos ? "" : url.substr(query));
}

class cli : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("tether-cli-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    ::unsetenv("DATABASE_URL");
    ::unsetenv("DB_TYPE");
  }
  void TearDown() override { fs::remove_all(dir_); }

  outcome run(const std::vector<std::string>& args, const std::string& stdin_text = "") {
    std::string cmd = "cd " + quote(dir_.string()) + " && " + quote(TETHER_CLI_PATH);
    for (const auto& a : args) cmd += " " + quote(a);
    fs::path in = dir_ / ".stdin", out = dir_ / ".stdout", err = dir_ / ".stderr";
    std::ofstream(in) << stdin_text;
    cmd += " <" + quote(in.string()) + " >" + quote(out.string()) + " 2>" + quote(err.string());
    int status = std::system(cmd.c_str());
    return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, slurp(out), slurp(err)};
  }
  // Starts the command without waiting for it (its output goes to files named after
  // `label`); wait_for() reaps it.
  pid_t start(const std::vector<std::string>& args, const std::string& label) {
    pid_t pid = ::fork();
    if (pid == 0) {
      if (::chdir(dir_.c_str()) != 0) ::_exit(127);
      std::FILE* out = std::freopen((dir_ / (label + ".out")).c_str(), "w", stdout);
      std::FILE* err = std::freopen((dir_ / (label + ".err")).c_str(), "w", stderr);
      if (!out || !err) ::_exit(127);
      std::vector<char*> argv{const_cast<char*>(TETHER_CLI_PATH)};
      for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
      argv.push_back(nullptr);
      ::execv(TETHER_CLI_PATH, argv.data());
      ::_exit(127);
    }
    return pid;
  }
  int wait_for(pid_t pid) {
    int status = 0;
    ::waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }
  // A workspace with one SQLite database, and a users table with two rows.
  void seed() {
    ASSERT_EQ(run({"init"}).code, 0);
    auto c = run({"db", "create", "--product", "shop", "--tag", "app", "--name", "App", "--type", "sqlite",
                  "--env", "dev=sqlite://" + (dir_ / "dev.db").string(), "--env", "prd=${TETHER_CLI_PRD}"});
    ASSERT_EQ(c.code, 0) << c.err;
    ASSERT_EQ(run({"raw", "--query", "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT, email TEXT UNIQUE, age INTEGER)"}).code, 0);
    auto i = run({"insert", "users", "--data", R"([{"name":"Ada","email":"ada@x.io","age":36},{"name":"Linus","email":"linus@x.io","age":17}])"});
    ASSERT_EQ(i.code, 0) << i.err;
  }
  fs::path dir_;
};

}  // namespace tether_cli_test
