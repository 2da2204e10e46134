// Help for people: --version, `tether help [COMMAND]`, the global flags and an example on
// every command's help, and parse errors in tether's one format, an unknown command or
// flag named with the closest one suggested.
#include <fmt/format.h>

#include <algorithm>
#include <iostream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cli.hpp"
#include "tether_commit.hpp"  // TETHER_COMMIT, made at every build (cmake/commit.cmake)

#ifndef TETHER_VERSION
#define TETHER_VERSION "unknown"
#endif

namespace tether::cli {
namespace {

constexpr const char* global_flags =
    "Global flags (any command): --url URL | --workspace DIR --product NAME --database TAG --env SLUG,\n"
    "  --migrations DIR, --schema FILE, --json. Run `tether --help` for the commands, `tether help COMMAND` for one.\n";

// Commands that print an example of their own take it from here: a group of commands
// shows one of its commands.
constexpr std::pair<const char*, const char*> examples[] = {
    {"db", "tether db list --product shop"},
    {"schema", "tether schema add-field users age --def integer --env dev"},
    {"help", "tether help db create"},
};

// The command's words after "tether": "db create".
std::string path_of(const CLI::App* a) {
  std::string out;
  for (; a && a->get_parent(); a = a->get_parent()) out = a->get_name() + (out.empty() ? "" : " " + out);
  return out;
}

std::size_t distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = up;
    }
  }
  return row[b.size()];
}

// The closest of `names` to `word`, when it is close enough to be what was meant.
std::string closest(std::string_view word, const std::vector<std::string>& names) {
  std::string best;
  std::size_t best_distance = std::max<std::size_t>(2, word.size() / 3) + 1;
  for (const auto& n : names)
    if (const std::size_t d = distance(word, n); d < best_distance) {
      best = n;
      best_distance = d;
    }
  return best;
}

std::vector<std::string> command_names(const CLI::App* a) {
  std::vector<std::string> out;
  for (const CLI::App* s : const_cast<CLI::App*>(a)->get_subcommands({}))
    if (!s->get_group().empty()) out.push_back(s->get_name());  // not the hidden __complete
  return out;
}


// What the words name, read as CLI11 reads them: the deepest command reached, and the
// first word that is neither one of its commands nor one of its (or its parents') flags,
// where it has commands to choose from or the word is a flag.
struct located {
  CLI::App* command;
  std::string unknown;
  bool flag = false;
  // The first word that is none of the commands of a command that has some but runs
  // without one (migrate): an unknown command if CLI11 found it unexpected.
  CLI::App* near_command = nullptr;
  std::string near_word{};
};
located locate(CLI::App& app, const std::vector<std::string>& words) {
  CLI::App* at = &app;
  CLI::App* near_command = nullptr;
  std::string near_word;
  for (std::size_t i = 0; i < words.size(); ++i) {
    const std::string& w = words[i];
    if (w == "--") break;
    if (w.size() > 1 && w[0] == '-') {
      const std::string name = w.substr(0, w.find('='));
      const CLI::Option* o = option_named(at, name);
      if (!o) return {at, name, true, near_command, near_word};
      if (w.find('=') == std::string::npos && o->get_type_size_max() > 0) ++i;  // its value
      continue;
    }
    if (CLI::App* s = subcommand_named(at, w)) {
      at = s;
      continue;
    }
    if (!at->get_subcommands({}).empty() && at->get_require_subcommand_min() > 0) return {at, w, false};
    if (!at->get_subcommands({}).empty() && !near_command) {
      near_command = at;
      near_word = w;
    }
    // A positional of the command: CLI11 reads on.
  }
  return {at, "", false, near_command, near_word};
}

}  // namespace

CLI::App* subcommand_named(CLI::App* a, const std::string& name) {
  for (CLI::App* s : a->get_subcommands({}))
    if (s->get_name() == name) return s;
  return nullptr;
}

const CLI::Option* option_named(const CLI::App* a, const std::string& name) {
  for (; a; a = a->get_parent())
    if (const CLI::Option* o = a->get_option_no_throw(name)) return o;
  return nullptr;
}

std::vector<std::string> flag_names(const CLI::App* a) {
  std::vector<std::string> out;
  for (; a; a = a->get_parent())
    for (const CLI::Option* o : a->get_options())
      for (const auto& l : o->get_lnames()) out.push_back("--" + l);
  return out;
}

std::string version_text() {
  std::string list;
  for (const auto& e : tether::engines()) list += (list.empty() ? "" : ", ") + e;
  return fmt::format("tether {} (commit {})\nengines: {}", TETHER_VERSION, TETHER_COMMIT, list);
}

void finish_help(CLI::App& app) {
  const std::string root_footer = app.get_footer();
  std::vector<CLI::App*> pending = app.get_subcommands({});
  while (!pending.empty()) {
    CLI::App* c = pending.back();
    pending.pop_back();
    for (CLI::App* s : c->get_subcommands({})) pending.push_back(s);
    std::string footer = c->get_footer();
    if (footer == root_footer) footer.clear();  // the root's, copied when the command was made
    if (footer.empty()) {
      const std::string path = path_of(c);
      for (const auto& [name, example] : examples)
        if (path == name) footer = fmt::format("Example:\n  {}\n", example);
    }
    c->footer(footer + (footer.empty() ? "" : "\n") + global_flags);
  }
}

void add_help_command(CLI::App& app, action& run) {
  auto* c = app.add_subcommand("help", "Show the help of a command: tether help [COMMAND…]");
  auto words = std::make_shared<std::vector<std::string>>();
  c->add_option("command", *words, "The command, and its subcommand");
  c->callback([&app, words, &run] {
    run = [&app, words] {
      CLI::App* at = &app;
      for (const auto& w : *words) {
        CLI::App* s = subcommand_named(at, w);
        if (!s) {
          const std::string near = closest(w, command_names(at));
          throw tether::error(error_category::usage,
                              fmt::format("unknown command \"{}\"{}{}", (path_of(at).empty() ? "" : path_of(at) + " ") + w,
                                          near.empty() ? "" : fmt::format("; did you mean \"{}\"?", near),
                                          near.empty() ? "; `tether --help` lists the commands" : ""));
        }
        at = s;
      }
      // The formatter itself: App::help() would give the help of the command parsed (help).
      const std::string prev = at == &app ? "" : "tether" + (path_of(at->get_parent()).empty() ? "" : " " + path_of(at->get_parent()));
      std::cout << at->get_formatter()->make_help(at, prev.empty() ? at->get_name() : prev + " " + at->get_name(),
                                                  CLI::AppFormatMode::Normal);
      return static_cast<int>(ok);
    };
  });
}

std::string in_cli_terms(std::string message) {
  // The library's option names, as the flags that set them.
  constexpr std::pair<std::string_view, std::string_view> terms[] = {
      {"set all_rows = true", "pass --all-rows"},
      {"all_rows = true", "--all-rows"},
  };
  for (const auto& [library, flag] : terms)
    for (std::size_t at = message.find(library); at != std::string::npos; at = message.find(library, at + flag.size()))
      message.replace(at, library.size(), flag);
  return message;
}

int parse_error(CLI::App& app, const std::vector<std::string>& words, const CLI::ParseError& e) {
  located where = locate(app, words);
  if (where.unknown.empty() && where.near_command && dynamic_cast<const CLI::ExtrasError*>(&e)) {
    where.command = where.near_command;
    where.unknown = where.near_word;
  }
  std::string message;
  const std::string path = path_of(where.command);
  if (!where.unknown.empty() && where.flag) {
    const std::string near = closest(where.unknown, flag_names(where.command));
    message = fmt::format("unknown flag \"{}\"{}{}", where.unknown, path.empty() ? "" : fmt::format(" for \"{}\"", path),
                          near.empty() ? fmt::format("; `tether {}--help` lists its flags", path.empty() ? "" : path + " ")
                                       : fmt::format("; did you mean \"{}\"?", near));
  } else if (!where.unknown.empty()) {
    const std::string near = closest(where.unknown, command_names(where.command));
    const std::string prefix = path.empty() ? "" : path + " ";
    message = fmt::format("unknown command \"{}{}\"{}", prefix, where.unknown,
                          near.empty() ? fmt::format("; `tether {}--help` lists the commands", prefix)
                                       : fmt::format("; did you mean \"{}{}\"?", prefix, near));
  } else if (where.command->get_require_subcommand_min() > 0 && where.command->get_subcommands({}).size() > 0 &&
             std::string(e.what()).find("subcommand is required") != std::string::npos) {
    std::string names;
    for (const auto& n : command_names(where.command)) names += (names.empty() ? "" : ", ") + n;
    message = fmt::format("\"tether{}\" needs a command: {}", path.empty() ? "" : " " + path, names);
  } else {
    message = e.what();
  }
  std::cerr << "tether: error (usage): " << message << "\n";
  return usage_error;
}

}  // namespace tether::cli
