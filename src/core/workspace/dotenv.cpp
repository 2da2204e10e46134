// A workspace's .env file (dotenv.hpp).
#include "core/workspace/dotenv.hpp"

#include <fmt/format.h>

#include <fstream>

#include "tether/error.hpp"

namespace tether::detail {
namespace {

std::string trimmed(const std::string& s) {
  const auto first = s.find_first_not_of(" \t\r");
  if (first == std::string::npos) return {};
  return s.substr(first, s.find_last_not_of(" \t\r") - first + 1);
}

bool name_char(char c, bool first) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_' || (!first && c >= '0' && c <= '9');
}

}  // namespace

std::map<std::string, std::string> read_dotenv(const std::filesystem::path& file) {
  std::map<std::string, std::string> out;
  std::ifstream in(file);
  if (!in) return out;
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    auto bad = [&](std::string_view why) {
      throw error(error_category::usage, fmt::format("{} line {}: {}; expected NAME=VALUE", file.string(), number, why));
    };
    std::string text = trimmed(line);
    if (text.empty() || text[0] == '#') continue;
    if (text.starts_with("export ")) text = trimmed(text.substr(7));
    const auto eq = text.find('=');
    if (eq == std::string::npos) bad("no =");
    const std::string name = trimmed(text.substr(0, eq));
    if (name.empty()) bad("no name before =");
    for (std::size_t i = 0; i < name.size(); ++i)
      if (!name_char(name[i], i == 0)) bad(fmt::format("\"{}\" is not a variable name (letters, digits and _)", name));
    std::string value = trimmed(text.substr(eq + 1));
    if (!value.empty() && (value[0] == '\'' || value[0] == '"')) {
      const char quote = value[0];
      std::string v;
      std::size_t i = 1;
      for (; i < value.size() && value[i] != quote; ++i) {
        if (quote == '"' && value[i] == '\\' && i + 1 < value.size()) {
          const char e = value[++i];
          v += e == 'n' ? '\n' : e == 't' ? '\t' : e;
        } else {
          v += value[i];
        }
      }
      if (i == value.size()) bad(fmt::format("the value of {} has no closing {}", name, quote));
      const std::string rest = trimmed(value.substr(i + 1));
      if (!rest.empty() && rest[0] != '#') bad(fmt::format("text after the quoted value of {}", name));
      value = std::move(v);
    } else if (const auto comment = value.find(" #"); comment != std::string::npos) {
      value = trimmed(value.substr(0, comment));
    }
    out[name] = std::move(value);
  }
  return out;
}

}  // namespace tether::detail
