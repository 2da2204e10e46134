// tether schema … and tether migrate …: schema calls that write migration files, and the
// migrator that replays those files on any environment.
#include <algorithm>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <iostream>
#include <optional>

#include "cli.hpp"

namespace tether::cli {
namespace {

struct args {
  std::string table, name, new_name, fields, def, indexes, index_fields, to;
  bool timestamps = false, unique = false, dry_run = false, if_exists = false, cascade = false, accept_data_loss = false;
  int steps = 1;
};

// A field definition: JSON ({"type": …}) or a bare type name ("integer").
value definition(const std::string& text) {
  if (!text.empty() && (text.front() == '{' || text.front() == '@' || text == "-")) return json_arg(text, "--def");
  return value(text);
}

void print_result(const globals& g, const schema_result& r) {
  if (g.json) {
    std::cout << r.to_value().to_json() << "\n";
    return;
  }
  std::cout << (r.applied ? "applied " : "dry run ") << r.migration.tag << "\n";
  if (!r.resumed.empty()) std::cout << "  " << r.resumed << "\n";
  for (const auto& s : r.statements) std::cout << "  " << s << ";\n";
  for (const auto& n : r.migration.notes) std::cout << "  note: " << n << "\n";
}

// Where a schema call's migration went: its file, or why there is none.
void print_file(const globals& g, const schema_result& r) {
  if (g.json || !r.applied) return;
  if (!r.file.empty()) std::cout << "  wrote " << r.file << "\n";
  else
    std::cout << "  no migration file was written: a database named by --url or the environment has no "
                 "migrations folder, so the change is recorded in that database only; pass --migrations DIR, or "
                 "register the database in a workspace (tether init, tether db create), to keep files that "
                 "replay on other environments\n";
}

// A schema call: the target, a schema that writes files where this database keeps them.
template <class F>
action schema_call(globals& g, std::shared_ptr<args> a, F call) {
  return [&g, a, call] {
    target t(g);
    tether::schema s(t.db(), {.folder = a->dry_run ? std::string() : t.migrations_folder(g)});
    auto r = call(s, *a, apply_options{.dry_run = a->dry_run});
    print_result(g, r);
    print_file(g, r);
    return ok;
  };
}

// Where this database's migration files go: --migrations, or the workspace's folder.
std::string migrations_folder_of(const globals& g, target* t = nullptr) {
  std::string folder = g.migrations;
  if (folder.empty()) {
    std::optional<target> own;
    if (!t) t = &own.emplace(g);
    folder = t->migrations_folder(g);
  }
  if (folder.empty()) throw error(error_category::usage, "no migrations folder: use a workspace, or pass --migrations DIR");
  return folder;
}

std::vector<migration> migration_files(const globals& g, target& t) { return load_migrations(migrations_folder_of(g, &t)); }

// `tag`, or, when a file's tag is as late (two made within a second), the same name a
// second after the newest: a new migration sorts after every file.
std::string tag_after_files(const std::string& tag, const std::vector<migration>& files) {
  if (files.empty() || files.back().tag.substr(0, 15) < tag.substr(0, 15)) return tag;
  std::tm t{};
  if (std::sscanf(files.back().tag.c_str(), "%4d%2d%2d_%2d%2d%2d", &t.tm_year, &t.tm_mon, &t.tm_mday, &t.tm_hour, &t.tm_min,
                  &t.tm_sec) != 6)
    return tag;
  t.tm_year -= 1900;
  t.tm_mon -= 1;
  const std::time_t next = ::timegm(&t) + 1;
  std::tm u{};
  ::gmtime_r(&next, &u);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y%m%d_%H%M%S", &u);
  return stamp + tag.substr(15);
}

// Says an applied migration's drift on standard error; whether there is one.
bool said_drift(const migration_status& s) {
  if (s.drift.empty()) return false;
  std::cerr << "tether: error (drift): applied migration " << s.drift.front()
            << " differs from its file (the recorded checksum does not match)\n";
  return true;
}

// The migrations `up --to TAG` applies: those up to and including TAG, with every one
// applied already (so that none reads as missing). Throws tether::error (usage) when no
// file has that tag.
std::vector<migration> up_to(std::vector<migration> defined, const std::string& to,
                             const std::vector<applied_migration>& applied) {
  if (to.empty()) return defined;
  if (std::none_of(defined.begin(), defined.end(), [&](const migration& m) { return m.tag == to; })) {
    std::string tags;
    for (const auto& m : defined) tags += (tags.empty() ? "" : ", ") + m.tag;
    throw error(error_category::usage,
                "--to: no migration file has the tag " + to + (tags.empty() ? "; there are none" : "; the files are " + tags));
  }
  std::erase_if(defined, [&](const migration& m) {
    return m.tag > to && std::none_of(applied.begin(), applied.end(), [&](const applied_migration& h) { return h.tag == m.tag; });
  });
  return defined;
}

// Applies the pending ones of `defined`, after the drift check and the data-aware guard.
int apply_pending(const globals& g, const args& a, target& t, const std::vector<migration>& defined) {
  tether::migrator m(t.db());
  if (said_drift(m.status(defined))) return static_cast<int>(drift_found);
  // The data-aware guard: what the pending steps would destroy, or what blocks them.
  auto plan = schema_workflow(t.db()).plan_pending(defined);
  auto refused = plan.refusals(a.accept_data_loss);
  if (!refused.empty()) {
    if (g.json) std::cout << value(object{{"plan", plan.to_value()}, {"refused", value(array(refused.begin(), refused.end()))}}).to_json() << "\n";
    else print_plan(plan);
    print_refusals(refused);
    return static_cast<int>(refused_by_data);
  }
  auto done = m.up(defined, {.dry_run = a.dry_run});
  if (g.json) {
    array out;
    for (const auto& r : done) out.push_back(r.to_value());
    std::cout << value(std::move(out)).to_json() << "\n";
  } else {
    for (const auto& r : done) print_result(g, r);
    if (done.empty()) std::cout << "nothing to apply\n";
  }
  return static_cast<int>(ok);
}

CLI::App* sub(CLI::App& parent, const char* name, const char* help, const char* example) {
  auto* c = parent.add_subcommand(name, help);
  c->fallthrough();
  c->footer(std::string("Example:\n  ") + example + "\n");
  return c;
}

}  // namespace

void add_schema_commands(CLI::App& app, globals& g, action& run) {
  auto a = std::make_shared<args>();
  auto* schema = app.add_subcommand("schema", "Change or read the schema; each change is a recorded migration");
  schema->require_subcommand(1);
  schema->fallthrough();

  auto dry = [&](CLI::App* c) { c->add_flag("--dry-run", a->dry_run, "Print the statements; change nothing"); };

  auto* create = sub(*schema, "create", "Create a table",
                     R"(tether schema create users --fields '{"id":{"type":"bigint","primary_key":true,"auto_increment":true},"email":"string"}' --timestamps)");
  create->add_option("table", a->table, "The table")->required();
  create->add_option("--fields", a->fields, "Fields, JSON: {\"name\": type or definition, …}")->required();
  create->add_flag("--timestamps", a->timestamps, "Add created_at and updated_at");
  create->add_option("--indexes", a->indexes, "Indexes, JSON: [{\"fields\": [\"a\"], \"unique\": true}]");
  dry(create);
  create->callback([&run, &g, a] {
    run = schema_call(g, a, [](tether::schema& s, const args& x, apply_options o) {
      value options = {{"timestamps", x.timestamps}};
      if (!x.indexes.empty()) options.as_object().emplace_back("indexes", json_arg(x.indexes, "--indexes"));
      return s.create(x.table, json_arg(x.fields, "--fields"), options, o);
    });
  });

  auto* add_field = sub(*schema, "add-field", "Add a field", R"(tether schema add-field users age --def '{"type":"integer","default":0}')");
  add_field->add_option("table", a->table, "The table")->required();
  add_field->add_option("name", a->name, "The field")->required();
  add_field->add_option("--def", a->def, "A type name, or a definition as JSON")->required();
  dry(add_field);
  add_field->callback([&run, &g, a] {
    run = schema_call(g, a, [](tether::schema& s, const args& x, apply_options o) {
      return s.add_field(x.table, x.name, definition(x.def), o);
    });
  });

  auto* drop_field = sub(*schema, "drop-field", "Drop a field (down adds it back, empty)", "tether schema drop-field users age");
  drop_field->add_option("table", a->table, "The table")->required();
  drop_field->add_option("name", a->name, "The field")->required();
  dry(drop_field);
  drop_field->callback([&run, &g, a] {
    run = schema_call(g, a, [](tether::schema& s, const args& x, apply_options o) { return s.drop_field(x.table, x.name, o); });
  });

  auto* rename_field = sub(*schema, "rename-field", "Rename a field", "tether schema rename-field users name full_name");
  rename_field->add_option("table", a->table, "The table")->required();
  rename_field->add_option("old", a->name, "The field")->required();
  rename_field->add_option("new", a->new_name, "Its new name")->required();
  dry(rename_field);
  rename_field->callback([&run, &g, a] {
    run = schema_call(g, a, [](tether::schema& s, const args& x, apply_options o) {
      return s.rename_field(x.table, x.name, x.new_name, o);
    });
  });

  auto* modify_field = sub(*schema, "modify-field", "Change a field's definition (down restores the previous one)",
                           R"(tether schema modify-field users name --def '{"type":"string","length":200,"required":true}')");
  modify_field->add_option("table", a->table, "The table")->required();
  modify_field->add_option("name", a->name, "The field")->required();
  modify_field->add_option("--def", a->def, "The new definition, JSON")->required();
  dry(modify_field);
  modify_field->callback([&run, &g, a] {
    run = schema_call(g, a, [](tether::schema& s, const args& x, apply_options o) {
      return s.modify_field(x.table, x.name, definition(x.def), o);
    });
  });

  auto* create_index = sub(*schema, "create-index", "Create an index", "tether schema create-index users --fields email --unique");
  create_index->add_option("table", a->table, "The table")->required();
  create_index->add_option("--fields", a->index_fields, "Fields: a,b")->required();
  create_index->add_flag("--unique", a->unique, "A unique index");
  create_index->add_option("--name", a->name, "Its name (default: <table>_<fields>_idx or _key)");
  dry(create_index);
  create_index->callback([&run, &g, a] {
    run = schema_call(g, a, [](tether::schema& s, const args& x, apply_options o) {
      value options = {{"unique", x.unique}};
      if (!x.name.empty()) options.as_object().emplace_back("name", x.name);
      return s.create_index(x.table, list_arg(x.index_fields), options, o);
    });
  });

  auto* drop_index = sub(*schema, "drop-index", "Drop an index", "tether schema drop-index users users_email_key");
  drop_index->add_option("table", a->table, "The table")->required();
  drop_index->add_option("name", a->name, "The index")->required();
  dry(drop_index);
  drop_index->callback([&run, &g, a] {
    run = schema_call(g, a, [](tether::schema& s, const args& x, apply_options o) { return s.drop_index(x.table, x.name, o); });
  });

  auto* add_constraint = sub(*schema, "add-constraint", "Add a foreign key, unique or check constraint",
                             R"(tether schema add-constraint orders --def '{"type":"foreign_key","columns":["user_id"],"references":{"table":"users","columns":["id"],"on_delete":"cascade"}}')");
  add_constraint->add_option("table", a->table, "The table")->required();
  add_constraint->add_option("--def", a->def, "The constraint, JSON")->required();
  dry(add_constraint);
  add_constraint->callback([&run, &g, a] {
    run = schema_call(g, a, [](tether::schema& s, const args& x, apply_options o) {
      return s.add_constraint(x.table, json_arg(x.def, "--def"), o);
    });
  });

  auto* drop_constraint = sub(*schema, "drop-constraint", "Drop a constraint", "tether schema drop-constraint orders orders_user_id_fkey");
  drop_constraint->add_option("table", a->table, "The table")->required();
  drop_constraint->add_option("name", a->name, "The constraint")->required();
  dry(drop_constraint);
  drop_constraint->callback([&run, &g, a] {
    run = schema_call(g, a, [](tether::schema& s, const args& x, apply_options o) {
      return s.drop_constraint(x.table, x.name, o);
    });
  });

  auto* rename = sub(*schema, "rename", "Rename a table", "tether schema rename users customers");
  rename->add_option("table", a->table, "The table")->required();
  rename->add_option("new", a->new_name, "Its new name")->required();
  dry(rename);
  rename->callback([&run, &g, a] {
    run = schema_call(g, a, [](tether::schema& s, const args& x, apply_options o) { return s.rename(x.table, x.new_name, o); });
  });

  auto* drop = sub(*schema, "drop", "Drop a table (down recreates its structure, not its rows)", "tether schema drop users");
  drop->add_option("table", a->table, "The table")->required();
  drop->add_flag("--if-exists", a->if_exists, "No error when it is missing");
  drop->add_flag("--cascade", a->cascade, "Drop what depends on it too (PostgreSQL)");
  dry(drop);
  drop->callback([&run, &g, a] {
    run = schema_call(g, a, [](tether::schema& s, const args& x, apply_options o) {
      return s.drop(x.table, {{"if_exists", x.if_exists}, {"cascade", x.cascade}}, o);
    });
  });

  auto* list = sub(*schema, "list", "List the tables", "tether schema list --env prd");
  list->callback([&run, &g] {
    run = [&g] {
      target t(g);
      auto tables = tether::schema(t.db()).list();
      if (g.json) {
        array names(tables.begin(), tables.end());
        std::cout << value(std::move(names)).to_json() << "\n";
      } else {
        for (const auto& n : tables) std::cout << n << "\n";
      }
      return ok;
    };
  });

  auto* describe = sub(*schema, "describe", "Describe a table in portable terms", "tether schema describe users --json");
  describe->add_option("table", a->table, "The table")->required();
  describe->callback([&run, &g, a] {
    run = [&g, a] {
      target t(g);
      value d = tether::schema(t.db()).describe(a->table);
      if (g.json) {
        std::cout << d.to_json() << "\n";
        return ok;
      }
      table cols{{"name", "type", "nullable", "default", "primary_key"}};
      for (const auto& c : d["columns"].as_array()) {
        auto& row = cols.rows.emplace_back();
        for (const auto& k : cols.columns) row.push_back(c[k]);
      }
      print_table(std::cout, cols);
      for (const auto& i : d["indexes"].as_array()) std::cout << "index " << i.to_json() << "\n";
      for (const auto& c : d["constraints"].as_array()) std::cout << "constraint " << c.to_json() << "\n";
      return ok;
    };
  });

  // --- migrate ---------------------------------------------------------------------------
  auto* migrate = app.add_subcommand("migrate", "Apply the pending migration files to the chosen environment");
  migrate->fallthrough();
  migrate->footer("Example:\n  tether migrate --env prd --dry-run\n");
  migrate->add_flag("--dry-run", a->dry_run, "Print the statements; change nothing");
  migrate->add_flag("--accept-data-loss", a->accept_data_loss, "Run steps that destroy values the data holds");
  auto files = [&g](target& t) { return migration_files(g, t); };
  auto drift = [](const migration_status& s) { return said_drift(s); };
  migrate->callback([&run, &g, a, migrate] {
    if (!migrate->get_subcommands().empty()) return;
    run = [&g, a] {
      target t(g);
      return apply_pending(g, *a, t, migration_files(g, t));
    };
  });

  auto* up = sub(*migrate, "up", "Apply the pending migrations, or those up to and including --to TAG",
                 "tether migrate up --to 20260301_120000_add_orders --env staging");
  up->add_option("--to", a->to, "The last migration to apply (a tag of the migration files)");
  up->add_flag("--dry-run", a->dry_run, "Print the statements; change nothing");
  up->add_flag("--accept-data-loss", a->accept_data_loss, "Run steps that destroy values the data holds");
  up->callback([&run, &g, a] {
    run = [&g, a] {
      target t(g);
      return apply_pending(g, *a, t, up_to(migration_files(g, t), a->to, tether::migrator(t.db()).history()));
    };
  });

  auto* redo = sub(*migrate, "redo", "Roll back the last applied migration and apply it again", "tether migrate redo --env dev");
  redo->add_flag("--accept-data-loss", a->accept_data_loss, "Run steps that destroy values the data holds");
  redo->callback([&run, &g, a] {
    run = [&g, a]() -> int {
      target t(g);
      auto defined = migration_files(g, t);
      tether::migrator m(t.db());
      const auto history = m.history();
      if (history.empty()) throw error(error_category::usage, "nothing to redo: no migration is applied here");
      const std::string last = history.back().tag;
      if (std::none_of(defined.begin(), defined.end(), [&](const migration& d) { return d.tag == last; }))
        throw error(error_category::usage,
                    "migration " + last + " has no file in " + t.migrations_folder(g) +
                        ": redo applies the file again after rolling back (a schema call made with --url keeps none)");
      for (const auto& r : m.down(1)) std::cout << "rolled back " << r.migration.tag << "\n";
      return apply_pending(g, *a, t, up_to(std::move(defined), last, m.history()));
    };
  });

  auto* make = sub(*migrate, "new", "Write an empty migration file to fill by hand (raw steps with their down)",
                   "tether migrate new backfill_totals");
  make->add_option("name", a->name, "The migration's name: letters, digits and _")->required();
  make->callback([&run, &g, a] {
    run = [&g, a] {
      const std::string folder = migrations_folder_of(g);
      const std::vector<migration> existing =
          std::filesystem::exists(folder) ? load_migrations(folder) : std::vector<migration>{};
      migration m{.tag = tag_after_files(generate_tag(a->name), existing), .name = a->name};
      m.name = m.tag.substr(m.tag.find('_', m.tag.find('_') + 1) + 1);
      const std::string path = save_migration(folder, m);
      if (g.json) {
        std::cout << value(object{{"file", path}, {"tag", m.tag}}).to_json() << "\n";
        return ok;
      }
      std::cout << "wrote " << path << "\n"
                << "  fill \"up\" with its steps and \"down\" with their inverses, newest first, e.g.\n"
                << R"(  "up": [{"op": "raw", "engine": "postgresql", "sql": "UPDATE orders SET total = 0 WHERE total IS NULL", "down_sql": "SELECT 1"}])"
                << "\n  (any schema operation of docs/migrations.md too); `tether migrate` refuses it while \"up\" is empty\n";
      return ok;
    };
  });

  auto* baseline = sub(*migrate, "baseline",
                       "Record the database's current schema as the starting point (a database made outside tether)",
                       "tether migrate baseline --env prd");
  baseline->add_option("--name", a->name, "The migration's name (default: baseline)");
  baseline->callback([&run, &g, a] {
    run = [&g, a] {
      target t(g);
      const std::string folder = migrations_folder_of(g, &t);
      schema_file f = schema_workflow(t.db()).pull();
      if (f.tables().empty())
        throw error(error_category::usage, "nothing to baseline: the database has no tables (tether's own left out)");
      const std::vector<migration> existing =
          std::filesystem::exists(folder) ? load_migrations(folder) : std::vector<migration>{};
      auto r = schema_workflow(t.db()).baseline(f, existing, a->name.empty() ? "baseline" : a->name, folder);
      if (g.json) {
        std::cout << r.to_value().to_json() << "\n";
        return ok;
      }
      std::cout << "wrote " << r.file << ": the database's " << f.tables().size()
                << (f.tables().size() == 1 ? " table" : " tables")
                << " as the baseline, recorded as applied here; `tether migrate` makes them on another environment, "
                   "and schema calls and files go on from it\n";
      return ok;
    };
  });

  auto* status = sub(*migrate, "status", "Total, completed, pending, last applied, drift", "tether migrate status --env prd");
  status->callback([&run, &g, files, drift] {
    run = [&g, files, drift] {
      target t(g);
      auto s = tether::migrator(t.db()).status(files(t));
      if (g.json) std::cout << s.to_value().to_json() << "\n";
      else {
        std::cout << s.completed << " of " << s.total << " applied, " << s.pending << " pending";
        if (s.last_applied) std::cout << "; last: " << *s.last_applied;
        std::cout << "\n";
        for (const auto& p : s.pending_migrations) std::cout << "  pending " << p << "\n";
      }
      // A migration that stopped part-way is never "applied": status says so and fails.
      for (const auto& p : s.partial) std::cerr << "tether: " << p << "; `tether migrate` goes on from there\n";
      if (drift(s)) return drift_found;
      return s.partial.empty() ? ok : partial_migration;
    };
  });

  auto* history = sub(*migrate, "history", "What was applied, in order", "tether migrate history --json");
  history->callback([&run, &g] {
    run = [&g] {
      target t(g);
      table out{{"tag", "name", "applied_at", "execution_ms", "checksum", "status"}};
      for (const auto& h : tether::migrator(t.db()).history())
        out.rows.push_back({h.tag, h.name, h.applied_at, h.execution_ms, h.checksum, h.status});
      if (g.json) std::cout << out.to_json() << "\n";
      else print_table(std::cout, out);
      return ok;
    };
  });

  auto* down = sub(*migrate, "down", "Roll back the last N applied migrations, or those after --to TAG",
                   "tether migrate down --steps 2");
  auto* steps = down->add_option("--steps", a->steps, "How many (default 1)")->check(whole_number(1, INT32_MAX));
  down->add_option("--to", a->to, "The migration to roll back to: it stays applied, every later one is rolled back")
      ->excludes(steps);
  down->add_flag("--dry-run", a->dry_run, "Print the statements; change nothing");
  down->callback([&run, &g, a] {
    run = [&g, a] {
      target t(g);
      tether::migrator m(t.db());
      int n = a->steps;
      if (!a->to.empty()) {
        const auto history = m.history();
        if (std::none_of(history.begin(), history.end(), [&](const applied_migration& h) { return h.tag == a->to; }))
          throw error(error_category::usage, "--to: migration " + a->to + " is not applied here (`tether migrate history` lists those that are)");
        n = static_cast<int>(std::count_if(history.begin(), history.end(), [&](const applied_migration& h) { return h.tag > a->to; }));
        if (n == 0) {
          std::cout << "nothing to roll back: " << a->to << " is the last applied\n";
          return ok;
        }
      }
      auto done = m.down(n, {.dry_run = a->dry_run});
      if (g.json) {
        array out;
        for (const auto& r : done) out.push_back(r.to_value());
        std::cout << value(std::move(out)).to_json() << "\n";
      } else {
        for (const auto& r : done) {
          std::cout << (r.applied ? "rolled back " : "dry run ") << r.migration.tag << "\n";
          if (!r.resumed.empty()) std::cout << "  " << r.resumed << "; its steps that took effect were undone\n";
          for (const auto& s : r.statements) std::cout << "  " << s << ";\n";
        }
      }
      return ok;
    };
  });
}

}  // namespace tether::cli
