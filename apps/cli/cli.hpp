// The `tether` command: argument parsing and output only; every decision is the library's.
#pragma once

#include <CLI/CLI.hpp>
#include <tether/tether.hpp>

#include <cstdint>
#include <functional>
#include <iosfwd>
#include <memory>
#include <string>

namespace tether::cli {

// Exit codes, documented in docs/cli.md.
enum exit_code : int {
  ok = 0, internal = 1, usage_error = 2, connection_error = 3, query_error = 4, drift_found = 5, partial_migration = 6,
  refused_by_data = 7  // a step would destroy data (not accepted) or data blocks it; nothing ran
};
int exit_code_for(const tether::error& e);

// The context flags every command takes, and --json.
struct globals {
  std::string workspace, product, database, env, url, migrations, schema;
  bool json = false;
};
void add_context_flags(CLI::App& app, globals& g);

// The database a data command talks to: --url, else the workspace (--workspace or found
// upward) with --product/--database/--env, else DATABASE_URL / DB_* variables.
class target {
 public:
  explicit target(const globals& g);
  tether::client& db();
  // Where this database's migration files live: --migrations, else
  // <workspace>/migrations/<product>/<database>; empty when neither applies.
  std::string migrations_folder(const globals& g) const;
  // This database's schema file: --schema, else <workspace>/schema/<product>/<database>.json;
  // tether::error (usage) when neither applies.
  std::string schema_file(const globals& g) const;
  // What the studio calls the database: "product/database (env)", or the engine's name for
  // a --url (a URL may hold a password, so it is never shown).
  std::string label();
  // Whether the environment is protected (prd, or "protected": true in the workspace):
  // the studio opens it read-only.
  bool protected_environment() const;

 private:
  std::unique_ptr<tether::client> direct_;
  std::unique_ptr<tether::session> session_;
};
std::optional<tether::workspace> open_workspace(const globals& g, bool required);

// A numeric flag's check: a whole number from `low` to `high`, written in digits (no sign
// for non-negative ones, no exponent), else "expected a whole number from 0 to
// 9223372036854775807, got -1".
CLI::Validator whole_number(std::int64_t low, std::int64_t high = INT64_MAX);

// A JSON flag: inline text, @path for a file, or - for standard input. Errors name the flag.
tether::value json_arg(const std::string& text, std::string_view flag);
std::vector<std::string> list_arg(const std::string& text);  // "a,b" → {"a", "b"}

// A table the CLI prints that no call returned (the registry, a table's columns).
struct table {
  std::vector<std::string> columns;
  std::vector<std::vector<tether::value>> rows{};
  std::string to_json() const;  // [{"column": value, …}, …], as records::to_json
};
void print_table(std::ostream& out, const table& t);
void print_records(std::ostream& out, const tether::records& rows);
std::string cell_text(const tether::value& v);

// Each command stores what it will do here; main runs it after parsing.
using action = std::function<int()>;
void add_db_commands(CLI::App& app, globals& g, action& run);
void add_data_commands(CLI::App& app, globals& g, action& run);
void add_schema_commands(CLI::App& app, globals& g, action& run);
void add_declarative_commands(CLI::App& app, globals& g, action& run);
void add_studio_command(CLI::App& app, globals& g, action& run);
// `tether completion bash|zsh|fish`, and the hidden `tether __complete WORD…` its scripts
// call (completion.cpp).
void add_completion_commands(CLI::App& app, action& run);
// Help for people (help.cpp): the --version text; `tether help [COMMAND]`; every command's
// help ending with its example and the global flags (call once every command is added);
// a parse error in tether's one format, an unknown command or flag named with the
// closest one, on standard error; the exit code.
std::string version_text();
// `a`'s subcommand `name`, or null; the option `name` of `a` or of a command it falls
// through to, or null.
CLI::App* subcommand_named(CLI::App* a, const std::string& name);
const CLI::Option* option_named(const CLI::App* a, const std::string& name);
// Every long flag `a` and the commands it falls through to take: "--limit", "--url", ….
std::vector<std::string> flag_names(const CLI::App* a);
void add_help_command(CLI::App& app, action& run);
void finish_help(CLI::App& app);
int parse_error(CLI::App& app, const std::vector<std::string>& words, const CLI::ParseError& e);
// A library error's message with the library's option names as the CLI's flags
// ("all_rows = true" → "--all-rows").
std::string in_cli_terms(std::string message);

// The data-aware plan's refusals, one line each on standard error; whether there were any.
bool print_refusals(const std::vector<std::string>& refused);
void print_plan(const tether::schema_plan& p);

}  // namespace tether::cli
