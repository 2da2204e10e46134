// tether/schema_workflow.hpp — the declarative workflow over a schema file: pull the live
// schema into a file, generate the next migration from the file, push the file straight
// to a database, and check that file, migration files and database agree. Every step
// that can destroy data, or that data blocks, is measured in the database first (counts,
// never rows read into memory) and refused unless the caller accepts the loss.
// A schema_workflow borrows its client, blocks on I/O like every client call, and is used
// from one thread at a time.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "tether/schema.hpp"
#include "tether/schema_file.hpp"
#include "tether/value.hpp"

namespace tether {

class client;

// What the data says about one step.
enum class data_risk {
  none,       // nothing is lost, nothing blocks it
  data_loss,  // it destroys values that are there (a dropped field that holds some)
  blocked,    // the data makes it fail (NULLs under required, duplicates under unique, orphans)
};

struct data_finding {
  data_risk risk = data_risk::none;
  std::int64_t rows = 0;   // the rows (or values) concerned
  std::string message{};   // "drops users.phone: 1,203 rows hold a value"
  std::string backfill{};  // for NULLs under required: the default that fills them, as JSON
  // Where it was measured: the table and field as the database names them now, before
  // the plan's renames.
  std::string table{}, field{};
};

struct plan_step {
  value op{};                               // the operation, as migration files hold it
  std::vector<value> down{};                // the operations that undo it
  std::vector<std::string> statements{};    // the SQL (or requests) it runs
  std::optional<data_finding> data{};       // the measurement, where the step touches data
  value to_value() const;
};

struct schema_plan {
  std::vector<plan_step> steps{};
  std::vector<std::string> notes{};  // what could not be measured or compared, and why
  bool empty() const noexcept { return steps.empty(); }
  bool loses_data() const noexcept;  // a step with data_risk::data_loss
  bool blocked() const noexcept;     // a step with data_risk::blocked
  // Why the plan may not run: each blocked step, and each losing step unless accepted.
  std::vector<std::string> refusals(bool accept_data_loss) const;
  value to_value() const;  // {"steps": [{op, down, statements, data}], "notes": […]}
};

struct push_options {
  bool dry_run = false;           // plan and measure; change nothing
  bool accept_data_loss = false;  // run steps that destroy values
  bool backfill = false;          // set NULLs to the file's default before making a field required
  std::string name = "push";      // the recorded migration's name
  std::chrono::milliseconds lock_timeout{30'000};
};

struct push_result {
  schema_plan plan{};
  std::vector<std::string> refused{};      // non-empty: nothing ran, for these reasons
  std::optional<schema_result> applied{};  // the recorded migration, when it ran
  value to_value() const;
};

struct generate_result {
  std::optional<tether::migration> migration{};  // none: the migration files already make the file's schema
  schema_plan plan{};                            // its steps (statements rendered, not measured)
  std::string file{};                            // where it was written, when a folder was given
  value to_value() const;
};

// One disagreement found by check.
struct check_finding {
  std::string kind;     // "file_vs_database", "file_vs_migrations", "edited_migration", "tag_collision", "partial"
  std::string message;  // "users.phone: the file has it, the database does not"
};

struct check_report {
  std::vector<check_finding> findings{};
  bool ok() const noexcept { return findings.empty(); }
  value to_value() const;
};

class schema_workflow {
 public:
  explicit schema_workflow(client& db, migration_options options = {});

  // The live database's tables as a schema file (the migrations table left out).
  schema_file pull();
  // The steps from the live database to the file, measured against the data.
  schema_plan plan(const schema_file& file);
  // Applies plan(file), recorded as a migration (so `migrator::down` undoes it), unless a
  // step is blocked or loses data that is not accepted; then nothing runs.
  push_result push(const schema_file& file, push_options o = {});
  // The next migration: the steps from the schema that `existing` (the migration files,
  // replayed on an empty model in tag order) makes to the file, with its down. Written to
  // `folder` when one is given. The database is not read or changed; the client names the
  // engine whose statements and capabilities apply.
  generate_result generate(const schema_file& file, const std::vector<migration>& existing, std::string name = "schema",
                           const std::string& folder = {});
  // For a database made outside tether (or before any migration file): the migration
  // that makes the file's schema from nothing, recorded in this database as applied
  // (it already has those tables) and written to `folder` when one is given, so that
  // generate goes on from it and `migrate` makes the same tables on another environment.
  // Refused (usage) when the database differs from the file, when migration files exist,
  // or when this database has recorded migrations.
  generate_result baseline(const schema_file& file, const std::vector<migration>& existing, std::string name = "baseline",
                           const std::string& folder = {});
  // The pending migrations' steps, measured against the data, as `migrate` would run them.
  schema_plan plan_pending(const std::vector<migration>& defined);
  // File against migrations, file against database, and the migrations against what the
  // database recorded (an applied file edited since, colliding tags, a partial migration).
  check_report check(const schema_file& file, const std::vector<migration>& defined);

 private:
  client& db_;
  migration_options options_;
};

}  // namespace tether
