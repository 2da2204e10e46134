// tether/schema.hpp — schema changes as reversible, recorded migrations.
// Every schema call (create, add_field, …) builds a migration of portable operations with
// a generated inverse, applies it, records it in the database's tether_migrations table,
// and returns it. A migrator replays migrations (from files or code) on any environment.
// A schema and a migrator borrow their client; they block on I/O like every client call
// and may be used from one thread at a time. Operations and migrations have a JSON form
// (docs/migrations.md) that is what migration files hold.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "tether/value.hpp"

namespace tether {

class client;
namespace detail {
class schema_model;
}

// A migration: portable operations up and down. Each operation is a JSON object, such as
// {"op": "add_field", "table": "users", "field": {"name": "age", "type": "integer"}}.
struct migration {
  std::string tag{};  // unique, sortable: YYYYMMDD_HHMMSS_name
  std::string name{};
  std::string description{};
  std::vector<value> up{};
  std::vector<value> down{};
  std::string checksum{};    // of up and down; stable across runs and machines
  std::string created_at{};  // ISO 8601
  std::vector<std::string> notes{};  // what down cannot restore (a dropped table's rows)

  value to_value() const;
  std::string to_json() const;  // pretty, as written to a migration file
  static migration from_value(const value& v);  // throws tether::error (usage)
  static migration from_json(std::string_view text);
};

// "YYYYMMDD_HHMMSS_name" in UTC, now. The name is reduced to [a-z0-9_].
std::string generate_tag(std::string_view name);
// SHA-256 (hex) of the canonical JSON of up and down.
std::string checksum(const migration& m);
// Throws tether::error (usage) naming what is wrong: a bad tag, an unknown operation or
// field type, an operation without its inverse, a checksum that does not match.
void validate(const migration& m);

class migration_builder {
 public:
  explicit migration_builder(std::string tag);
  migration_builder& description(std::string text);
  migration_builder& create_collection(std::string table, value fields, value options = {});
  migration_builder& drop_collection(std::string table, value options = {});
  migration_builder& rename_collection(std::string table, std::string new_name);
  migration_builder& add_field(std::string table, std::string name, value def);
  migration_builder& drop_field(std::string table, std::string name);
  migration_builder& rename_field(std::string table, std::string name, std::string new_name);
  migration_builder& modify_field(std::string table, std::string name, value def);
  migration_builder& create_index(std::string table, std::vector<std::string> fields, value options = {});
  migration_builder& drop_index(std::string table, std::string name);
  migration_builder& add_constraint(std::string table, value def);
  migration_builder& drop_constraint(std::string table, std::string name);
  // SQL for one engine ("sqlite", "postgresql", "mysql"); other engines skip it. With
  // `down_sql`, the step can be undone; without, down refuses to pass it.
  migration_builder& raw(std::string engine, std::string sql, std::string down_sql = {});
  // The migration with its checksum. Inverses of operations that need the database's
  // current state (modify_field, drop_field, drop_collection, …) are filled in when the
  // migration is applied.
  migration build() const;

 private:
  migration m_;
};

// Where migrations are kept.
struct migration_options {
  std::string table = "tether_migrations";  // the record of applied migrations, in each database
  std::string folder{};  // schema calls also write each migration here as <tag>.json; empty: nowhere
};

struct apply_options {
  bool dry_run = false;  // return the statements without running anything
  // Record the migration as applied without running its steps: a baseline, for a
  // database that already has what the migration makes (`tether pull` writes one). Its
  // down must be given: nothing is read to complete it.
  bool record_only = false;
  std::chrono::milliseconds lock_timeout{30'000};
};

// What applying did (or, in a dry run, would do).
struct schema_result {
  tether::migration migration{};
  std::vector<std::string> statements{};
  bool applied = false;
  // An interrupted migration picked up again: where it had stopped and what was found
  // ("stopped at step 3 of 4 (create_index big_v_idx: present in the database); resumed at step 4").
  std::string resumed{};
  std::string file{};  // the migration file a schema call wrote; empty when it wrote none
  // A dry run's account per step of `migration.up`: how many of `statements` each step
  // renders, in order, and how many of `migration.down`'s operations undo it (down holds
  // them newest step first).
  std::vector<std::size_t> step_statements{}, step_down{};
  value to_value() const;
};

class schema {
 public:
  explicit schema(client& db, migration_options options = {});

  schema_result create(std::string table, value fields, value options = {}, apply_options o = {});
  schema_result drop(std::string table, value options = {}, apply_options o = {});
  schema_result rename(std::string table, std::string new_name, apply_options o = {});
  schema_result add_field(std::string table, std::string name, value def, apply_options o = {});
  schema_result drop_field(std::string table, std::string name, apply_options o = {});
  schema_result rename_field(std::string table, std::string name, std::string new_name, apply_options o = {});
  schema_result modify_field(std::string table, std::string name, value def, apply_options o = {});
  schema_result create_index(std::string table, std::vector<std::string> fields, value options = {},
                             apply_options o = {});
  schema_result drop_index(std::string table, std::string name, apply_options o = {});
  schema_result add_constraint(std::string table, value def, apply_options o = {});
  schema_result drop_constraint(std::string table, std::string name, apply_options o = {});

  std::vector<std::string> list();
  bool exists(std::string_view table);
  // {"name", "columns": [{"name", "type", "nullable", "default", "primary_key", …}],
  //  "primary_key": […], "indexes": [{"name", "fields", "unique"}], "constraints": […]}
  value describe(std::string_view table);
  value indexes(std::string_view table);

  migration_builder migration(std::string tag) const { return migration_builder(std::move(tag)); }

 private:
  schema_result run(migration_builder& b, const apply_options& o);
  client& db_;
  migration_options options_;
};

struct applied_migration {
  std::string tag, name, checksum;
  std::string applied_at;
  std::int64_t execution_ms = 0;
  // "applied"; where DDL is not transactional (MySQL) also "running" (the migrator
  // stopped or was killed part-way) or "failed" (a step failed): neither is applied.
  std::string status;
  std::int64_t steps_done = 0;  // the steps recorded as complete
};

struct migration_status {
  std::size_t total = 0, completed = 0, pending = 0;
  std::optional<std::string> last_applied{};
  std::vector<std::string> pending_migrations{};  // partial ones too: `up` resumes them
  std::vector<std::string> drift{};  // applied tags whose recorded checksum differs
  // Migrations that stopped part-way, each said with what the database shows:
  // "migration X stopped at step 3 of 4 (create_index big_v_idx: present in the database)".
  std::vector<std::string> partial{};
  value to_value() const;
};

class migrator {
 public:
  explicit migrator(client& db, migration_options options = {});
  // Applies every defined migration not yet applied, in tag order, and resumes one that
  // stopped part-way from its first step that did not take effect (found by
  // introspection). Refuses (usage error naming the tag) when an applied migration's
  // checksum differs from its definition. A dry run shows each step on the tables as the
  // earlier pending steps would leave them.
  std::vector<schema_result> up(const std::vector<migration>& defined, apply_options o = {});
  // Applies one migration (a schema call does this). Its down is completed from the
  // database's current state before it runs.
  schema_result apply(migration m, apply_options o = {});
  // Rolls back the last `steps` applied migrations, newest first, with their recorded down.
  // A migration that stopped part-way counts as one: exactly its steps that took effect
  // are undone.
  std::vector<schema_result> down(int steps = 1, apply_options o = {});
  std::vector<applied_migration> history();
  migration_status status(const std::vector<migration>& defined);

 private:
  schema_result apply(migration m, apply_options o, detail::schema_model* model);  // a dry run's tables
  friend class schema_workflow;  // plans are dry runs over its own model
  client& db_;
  migration_options options_;
};

// Reads every *.json migration file in a folder, in tag order.
std::vector<migration> load_migrations(const std::string& folder);
// Writes `m` as <folder>/<tag>.json (creating the folder); returns the path.
std::string save_migration(const std::string& folder, const migration& m);

}  // namespace tether
