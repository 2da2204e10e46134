// tether pull, generate, push and check: the declarative workflow over a schema file.
#include <algorithm>
#include <filesystem>
#include <iostream>

#include "cli.hpp"

namespace tether::cli {
namespace {

struct args {
  std::string out, name = "schema";
  bool dry_run = false, accept_data_loss = false, backfill = false, no_baseline = false;
};

std::string step_label(const value& op) {
  auto text = [&](std::string_view k) {
    const value* v = op.find(k);
    return v && v->is_string() ? v->as_string() : std::string();
  };
  std::string label = text("op") + " " + text("table");
  if (const value* f = op.find("field"); f && f->is_object()) label += "." + (*f)["name"].as_string();
  else if (!text("name").empty()) label += (text("op").find("field") != std::string::npos ? "." : " ") + text("name");
  if (!text("new_name").empty()) label += " → " + text("new_name");
  return label;
}

// Every path the command reads: the schema file, and the migration files where they apply.
schema_file load_file(target& t, const globals& g) { return schema_file::load(t.schema_file(g)); }

std::vector<migration> migration_files(target& t, const globals& g) {
  std::string folder = t.migrations_folder(g);
  if (folder.empty()) throw error(error_category::usage, "no migrations folder: use a workspace, or pass --migrations DIR");
  return load_migrations(folder);
}

// The pulled file with the relations the file at `path` declares, where they still hold:
// the database cannot say them, so pulling must not lose them. A relation whose tables or
// columns are gone is left out, and named on standard error.
schema_file keep_relations(const schema_file& pulled, const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return pulled;
  schema_file earlier;
  try {
    earlier = schema_file::load(path);
  } catch (const error&) {
    return pulled;  // a file that does not load has nothing to keep; pull replaces it
  }
  value doc = pulled.to_value();
  auto table_of = [](value& d, const std::string& name) -> value* {
    for (auto& [k, v] : d.as_object().front().second.as_object())
      if (k == name) return &v;
    return nullptr;
  };
  for (const auto& [name, spec] : earlier.to_value()["tables"].as_object()) {
    const value* relations = spec.find("relations");
    if (!relations) continue;
    for (const auto& [relation, def] : relations->as_object()) {
      value candidate = doc;
      value* table = table_of(candidate, name);
      if (!table) {
        std::cerr << "tether: relation " << name << "." << relation << " dropped: the table is gone\n";
        continue;
      }
      auto& members = table->as_object();
      auto at = std::find_if(members.begin(), members.end(), [](const member& m) { return m.first == "relations"; });
      if (at == members.end()) at = members.insert(members.end(), member{"relations", value(object{})});
      at->second.as_object().emplace_back(relation, def);
      try {
        doc = schema_file::from_value(candidate).to_value();
      } catch (const error& e) {
        std::cerr << "tether: relation " << name << "." << relation << " dropped: " << e.what() << "\n";
      }
    }
  }
  return schema_file::from_value(doc);
}

}  // namespace

void print_plan(const schema_plan& p) {
  for (const auto& s : p.steps) {
    std::cout << "  " << step_label(s.op) << "\n";
    for (const auto& st : s.statements) std::cout << "    " << st << ";\n";
    if (s.data) std::cout << "    " << (s.data->risk == data_risk::blocked ? "blocked: " : "data: ") << s.data->message << "\n";
  }
  for (const auto& n : p.notes) std::cout << "  note: " << n << "\n";
}

bool print_refusals(const std::vector<std::string>& refused) {
  for (const auto& r : refused) std::cerr << "tether: refused: " << r << "\n";
  if (!refused.empty()) std::cerr << "tether: nothing was changed\n";
  return !refused.empty();
}

void add_declarative_commands(CLI::App& app, globals& g, action& run) {
  auto a = std::make_shared<args>();
  auto sub = [&](const char* name, const char* help, const char* example) {
    auto* c = app.add_subcommand(name, help);
    c->fallthrough();
    c->footer(std::string("Example:\n  ") + example + "\n");
    return c;
  };

  auto* pull = sub("pull", "Write the live database's schema to the schema file", "tether pull --env dev");
  pull->add_option("--out", a->out, "Where to write it (default: the schema file; - for standard output)");
  pull->add_flag("--no-baseline", a->no_baseline,
                 "Write no baseline migration (by default, a database with no recorded migrations gets one)");
  pull->callback([&run, &g, a] {
    run = [&g, a] {
      target t(g);
      schema_file f = schema_workflow(t.db()).pull();
      if (a->out == "-" || (g.json && a->out.empty())) {
        std::cout << f.to_json();
        return static_cast<int>(ok);
      }
      const std::string path = a->out.empty() ? t.schema_file(g) : a->out;
      f = keep_relations(f, path);
      f.save(path);
      // A database with tables and no history of migrations gets its baseline, so that
      // generate goes on from what it has and migrate makes it on other environments.
      std::string baseline;
      const std::string folder = t.migrations_folder(g);
      if (!a->no_baseline && !folder.empty() && !f.tables().empty() &&
          (!std::filesystem::exists(folder) || load_migrations(folder).empty()) && migrator(t.db()).history().empty())
        baseline = schema_workflow(t.db()).baseline(f, {}, "baseline", folder).file;
      const auto n = static_cast<std::int64_t>(f.tables().size());
      if (g.json)
        std::cout << value(object{{"file", path}, {"tables", n}, {"baseline", baseline.empty() ? value() : value(baseline)}}).to_json()
                  << "\n";
      else std::cout << "wrote " << path << " (" << n << (n == 1 ? " table" : " tables") << ")\n";
      if (!baseline.empty() && !g.json)
        std::cout << "wrote " << baseline << ": the baseline, recorded as applied here; `tether migrate` makes these tables "
                     "on another environment\n";
      return static_cast<int>(ok);
    };
  });

  auto* generate = sub("generate", "Write the next migration file: from what the migration files make to the schema file",
                       "tether generate --name add_phone");
  generate->add_option("--name", a->name, "The migration's name (default: schema)");
  generate->callback([&run, &g, a] {
    run = [&g, a] {
      target t(g);
      const std::string path = t.schema_file(g);
      auto r = schema_workflow(t.db()).generate(schema_file::load(path), migration_files(t, g), a->name, t.migrations_folder(g));
      if (g.json) {
        std::cout << r.to_value().to_json() << "\n";
        return static_cast<int>(ok);
      }
      if (!r.migration) {
        std::cout << "nothing to generate: the migration files already make the schema in " << path << "\n";
        for (const auto& n : r.plan.notes) std::cout << "  note: " << n << "\n";
        return static_cast<int>(ok);
      }
      std::cout << "wrote " << r.file << "\n";
      print_plan(r.plan);
      return static_cast<int>(ok);
    };
  });

  auto* push = sub("push", "Apply the schema file to the database directly (development), recorded so that down works",
                   "tether push --dry-run");
  push->add_flag("--dry-run", a->dry_run, "Plan and measure; change nothing");
  push->add_flag("--accept-data-loss", a->accept_data_loss, "Run steps that destroy values the data holds");
  push->add_flag("--backfill", a->backfill, "Set NULLs to the file's default before making a field required");
  push->callback([&run, &g, a] {
    run = [&g, a] {
      target t(g);
      const std::string path = t.schema_file(g);
      auto r = schema_workflow(t.db()).push(schema_file::load(path),
                                            {.dry_run = a->dry_run, .accept_data_loss = a->accept_data_loss, .backfill = a->backfill});
      if (g.json) std::cout << r.to_value().to_json() << "\n";
      else if (r.plan.empty()) std::cout << "nothing to push: the database already has the schema in " << path << "\n";
      else {
        std::cout << (r.applied ? "pushed " + r.applied->migration.tag : std::string(r.refused.empty() ? "dry run" : "plan"))
                  << " (" << r.plan.steps.size() << (r.plan.steps.size() == 1 ? " step" : " steps") << ")\n";
        print_plan(r.plan);
      }
      return print_refusals(r.refused) ? static_cast<int>(refused_by_data) : static_cast<int>(ok);
    };
  });

  auto* check = sub("check", "Compare the schema file, the migration files and the database; exit 0 only when all agree",
                    "tether check --env prd");
  check->callback([&run, &g] {
    run = [&g] {
      target t(g);
      auto r = schema_workflow(t.db()).check(load_file(t, g), migration_files(t, g));
      if (g.json) std::cout << r.to_value().to_json() << "\n";
      else if (r.ok()) std::cout << "the schema file, the migration files and the database agree\n";
      else
        for (const auto& f : r.findings) std::cout << f.kind << ": " << f.message << "\n";
      return r.ok() ? static_cast<int>(ok) : static_cast<int>(drift_found);
    };
  });
}

}  // namespace tether::cli
