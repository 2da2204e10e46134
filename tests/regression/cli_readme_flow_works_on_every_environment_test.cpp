// Regression: the README's own CLI flow failed on prd: it created `orders` with `raw`, so
// the later `schema add-field orders note` migration could not replay where the table did
// not exist. The README now creates the table with `schema create`; this test reads the
// README's shell block and runs every command in it, as written.
#include <fstream>
#include <sstream>

#include "cli_fixture.hpp"

namespace {

using namespace tether_cli_test;

// The shell block after "The `tether` command does the same from a shell:", one command a
// line (backslash continuations joined), split as a shell splits words and single quotes,
// with comments dropped.
std::vector<std::vector<std::string>> readme_commands() {
  std::ifstream in(std::string(TETHER_SOURCE_DIR) + "/README.md");
  std::stringstream text;
  text << in.rdbuf();
  const std::string readme = text.str();
  auto start = readme.find("The `tether` command does the same from a shell:");
  start = readme.find("```sh\n", start) + 6;
  const std::string block = readme.substr(start, readme.find("```", start) - start);
  std::vector<std::vector<std::string>> out;
  std::string line, joined;
  std::istringstream lines(block);
  while (std::getline(lines, line)) {
    if (!line.empty() && line.back() == '\\') {
      joined += line.substr(0, line.size() - 1);
      continue;
    }
    joined += line;
    std::vector<std::string> words;
    std::string word;
    bool quoted = false, any = false;
    for (char c : joined) {
      if (quoted) {
        if (c == '\'') quoted = false;
        else word += c;
      } else if (c == '\'') {
        quoted = any = true;
      } else if (c == '#' && word.empty()) {
        break;
      } else if (c == ' ') {
        if (any) words.push_back(word);
        word.clear();
        any = false;
      } else {
        word += c;
        any = true;
      }
    }
    if (any) words.push_back(word);
    joined.clear();
    if (words.empty()) continue;
    EXPECT_EQ(words.front(), "build/tether");
    words.erase(words.begin());
    out.push_back(words);
  }
  return out;
}

TEST_F(cli, readme_flow_works_on_every_environment) {
  auto commands = readme_commands();
  ASSERT_GE(commands.size(), 8u);
  std::string last;
  for (const auto& args : commands) {
    auto r = run(args);
    std::string shown;
    for (const auto& a : args) shown += a + " ";
    ASSERT_EQ(r.code, 0) << shown << "\n" << r.err;
    last = r.out;
  }
  EXPECT_NE(last.find("2 of 2 applied, 0 pending"), std::string::npos) << last;
  auto on_prd = run({"--env", "prd", "find", "orders", "--json"});
  EXPECT_EQ(on_prd.code, 0) << on_prd.err;
  auto columns = run({"--env", "prd", "schema", "describe", "orders", "--json"});
  EXPECT_NE(columns.out.find("\"note\""), std::string::npos) << columns.out;
}

}  // namespace
