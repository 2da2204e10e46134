// tether: every library call from a shell, JSON in and out.
#include <iostream>

#include "cli.hpp"

int main(int argc, char** argv) {
  using namespace tether::cli;
  CLI::App app{"tether: one API over SQLite, PostgreSQL, MySQL/MariaDB, MongoDB, DynamoDB and Cassandra"};
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
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << "tether: " << e.what() << "\nRun with --help for usage.\n";
    return usage_error;
  }
  try {
    return run ? run() : usage_error;
  } catch (const tether::error& e) {
    std::cerr << "tether: error (" << tether::to_string(e.category()) << "): " << e.what() << "\n";
    return exit_code_for(e);
  } catch (const std::exception& e) {
    std::cerr << "tether: internal error: " << e.what() << "\n";
    return internal;
  }
}
