// tether: every library call from a shell, JSON in and out.
#include <iostream>
#include <string>
#include <vector>

#include "cli.hpp"

namespace {

// "tether: one API over SQLite, PostgreSQL, …": the engines this build has.
std::string engines_line() {
  std::string list;
  const auto names = tether::engines();
  for (std::size_t i = 0; i < names.size(); ++i) {
    const std::string& e = names[i];
    const std::string shown = e == "sqlite"       ? "SQLite"
                              : e == "postgresql" ? "PostgreSQL"
                              : e == "mysql"      ? "MySQL/MariaDB"
                              : e == "dynamodb"   ? "DynamoDB"
                              : e == "mongodb"    ? "MongoDB"
                                                  : e;
    list += (i == 0 ? "" : i + 1 == names.size() ? " and " : ", ") + shown;
  }
  return "tether: one API over " + list;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace tether::cli;
  CLI::App app{engines_line(), "tether"};
  app.set_version_flag("--version", version_text(), "Print the version, the commit and the engines this build has");
  app.require_subcommand(1);
  app.fallthrough();
  app.footer(
      "Exit codes: 0 ok, 1 internal error, 2 usage error, 3 connection error, 4 query error, 5 drift,\n"
      "6 a migration stopped part-way, 7 refused: a step would lose data or data blocks it.\n"
      "Example:\n  tether --url sqlite://app.db find users --where '{\"age\":{\"$gte\":18}}' --json");
  globals g;
  add_context_flags(app, g);
  action run;
  add_db_commands(app, g, run);
  add_data_commands(app, g, run);
  add_schema_commands(app, g, run);
  add_declarative_commands(app, g, run);
  add_studio_command(app, g, run);
  add_completion_commands(app, run);
  add_help_command(app, run);
  finish_help(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    return parse_error(app, std::vector<std::string>(argv + 1, argv + argc), e);
  }
  try {
    return run ? run() : usage_error;
  } catch (const tether::error& e) {
    std::cerr << "tether: error (" << tether::to_string(e.category()) << "): " << in_cli_terms(e.what()) << "\n";
    return exit_code_for(e);
  } catch (const std::exception& e) {
    std::cerr << "tether: internal error: " << e.what() << "\n";
    return internal;
  }
}
