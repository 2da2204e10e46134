// Shell completion: `tether completion bash|zsh|fish` prints a script that asks the
// command itself what fits where the cursor is (`tether __complete WORD…`, the last word
// the one being typed): commands, flags, the workspace's products, databases and
// environments after their flags, and the database's tables where a command takes one.
#include <fmt/format.h>

#include <iostream>
#include <set>

#include "cli.hpp"

namespace tether::cli {
namespace {

constexpr const char* bash_script = R"(# tether completion for bash: source it, or put it in /etc/bash_completion.d/tether
_tether() {
  local IFS=$'\n'
  COMPREPLY=($(tether __complete "${COMP_WORDS[@]:1:COMP_CWORD}" 2>/dev/null))
}
complete -o default -F _tether tether
)";

constexpr const char* zsh_script = R"(#compdef tether
# tether completion for zsh: put it in a folder of $fpath as _tether, or source it
_tether() {
  local -a candidates
  candidates=("${(@f)$(tether __complete "${(@)words[2,CURRENT]}" 2>/dev/null)}")
  compadd -a candidates
}
compdef _tether tether
)";

constexpr const char* fish_script = R"(# tether completion for fish: save as ~/.config/fish/completions/tether.fish
complete -c tether -f -a '(tether __complete (commandline -opc)[2..-1] (commandline -ct) 2>/dev/null)'
)";

bool takes_table(const CLI::App* a) {
  for (const CLI::Option* o : a->get_options())
    if (o->get_name() == "table") return true;
  return false;
}

// What fits at the end of `words` (the last one being typed).
std::vector<std::string> candidates(CLI::App& app, std::vector<std::string> words) {
  if (words.empty()) words.emplace_back();
  const std::string typed = words.back();
  words.pop_back();
  CLI::App* at = &app;
  globals g;
  std::string value_of;  // the flag the typed word is the value of
  std::size_t positionals = 0;
  for (std::size_t i = 0; i < words.size(); ++i) {
    const std::string& w = words[i];
    if (w.size() > 1 && w[0] == '-') {
      const std::string name = w.substr(0, w.find('='));
      const CLI::Option* o = option_named(at, name);
      if (o && w.find('=') == std::string::npos && o->get_type_size_max() > 0) {
        const std::string v = i + 1 < words.size() ? words[i + 1] : "";
        if (name == "--workspace") g.workspace = v;
        if (name == "--product") g.product = v;
        if (name == "--database") g.database = v;
        if (name == "--env") g.env = v;
        if (name == "--url") g.url = v;
        if (i + 1 == words.size()) value_of = name;
        ++i;
      }
      continue;
    }
    if (CLI::App* s = subcommand_named(at, w)) {
      at = s;
      positionals = 0;
    } else {
      ++positionals;
    }
  }
  std::vector<std::string> out;
  auto workspace = [&]() -> std::optional<tether::workspace> {
    try {
      return open_workspace(g, false);
    } catch (const std::exception&) {
      return std::nullopt;
    }
  };
  if (value_of == "--product") {
    if (auto ws = workspace()) out = ws->products();
  } else if (value_of == "--database") {
    if (auto ws = workspace())
      for (const auto& d : ws->fetch_all(g.product)) out.push_back(d.tag);
  } else if (value_of == "--env") {
    std::set<std::string> envs;
    if (auto ws = workspace())
      for (const auto& d : ws->fetch_all(g.product))
        if (g.database.empty() || d.tag == g.database)
          for (const auto& e : d.envs) envs.insert(e.slug);
    out.assign(envs.begin(), envs.end());
  } else if (!value_of.empty()) {
    return {};  // a file, a URL, a number, JSON: the shell's own completion
  } else if (typed.starts_with("-")) {
    out = flag_names(at);
  } else if (!at->get_subcommands({}).empty() && positionals == 0) {
    for (const CLI::App* s : at->get_subcommands({}))
      if (!s->get_group().empty()) out.push_back(s->get_name());
  } else if (takes_table(at) && positionals == 0) {
    try {
      target t(g);
      out = tether::schema(t.db()).list();
    } catch (const std::exception&) {
      // No database to ask (not registered, unreachable): nothing to offer.
    }
  }
  std::vector<std::string> fitting;
  for (auto& c : out)
    if (c.starts_with(typed)) fitting.push_back(std::move(c));
  return fitting;
}

}  // namespace

void add_completion_commands(CLI::App& app, action& run) {
  auto* c = app.add_subcommand("completion", "Print a shell completion script: bash, zsh or fish");
  auto shell = std::make_shared<std::string>();
  c->add_option("shell", *shell, "bash, zsh or fish")->required()->check(CLI::IsMember({"bash", "zsh", "fish"}));
  c->footer("Example:\n  source <(tether completion bash)\n  tether completion zsh > \"${fpath[1]}/_tether\"\n"
            "  tether completion fish > ~/.config/fish/completions/tether.fish\n");
  c->callback([shell, &run] {
    run = [shell] {
      std::cout << (*shell == "bash" ? bash_script : *shell == "zsh" ? zsh_script : fish_script);
      return static_cast<int>(ok);
    };
  });
  // What the scripts call; hidden from the help (no group).
  auto* complete = app.add_subcommand("__complete", "");
  complete->group("");
  complete->fallthrough(false);  // every word after it is its own, unparsed
  complete->allow_extras();
  complete->prefix_command();
  complete->callback([&app, complete, &run] {
    run = [&app, complete] {
      for (const auto& w : candidates(app, complete->remaining())) std::cout << w << "\n";
      return static_cast<int>(ok);
    };
  });
}

}  // namespace tether::cli
