// tether init, and tether db create|update|list|show|remove|test.
#include <fmt/format.h>

#include <iostream>

#include "cli.hpp"

namespace tether::cli {
namespace {

// The registry's types this build connects to: "sqlite, postgresql, mysql (or mariadb), …".
std::string engine_types() {
  std::string out;
  for (const auto& e : tether::engines()) out += (out.empty() ? "" : ", ") + e + (e == "mysql" ? " (or mariadb)" : "");
  return out;
}

std::vector<tether::environment> parse_envs(const std::vector<std::string>& specs) {
  std::vector<tether::environment> envs;
  for (const auto& s : specs) {
    auto eq = s.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == s.size())
      throw tether::error(error_category::usage,
                          fmt::format("--env \"{}\" must be SLUG=URL, such as dev=sqlite://dev.db", s));
    envs.push_back({s.substr(0, eq), s.substr(eq + 1), ""});
  }
  return envs;
}

// --product, or the workspace's only product.
std::string product_of(const globals& g, const tether::workspace& ws) {
  if (!g.product.empty()) return g.product;
  auto products = ws.products();
  if (products.size() == 1) return products.front();
  throw tether::error(error_category::usage, "name the product with --product");
}

void print_database(const globals& g, const tether::database& d) {
  if (g.json) {
    std::cout << d.to_json() << "\n";
    return;
  }
  std::cout << "product      " << d.product << "\ntag          " << d.tag << "\nname         " << d.name
            << "\ntype         " << d.type << "\n";
  if (!d.description.empty()) std::cout << "description  " << d.description << "\n";
  table envs{{"env", "connection_url", "description"}};
  auto shown = tether::value::from_json(d.to_json());
  for (const auto& e : shown["envs"].as_array())
    envs.rows.push_back({e["slug"].as_string(), e["connection_url"].as_string(),
                         e.find("description") ? e["description"].as_string() : ""});
  std::cout << "\n";
  print_table(std::cout, envs);
}

// A db subcommand: context flags pass through, and the help ends with an example.
CLI::App* sub(CLI::App* db, const char* name, const char* help, const char* example) {
  auto* c = db->add_subcommand(name, help);
  c->fallthrough();
  c->footer(std::string("Example:\n  ") + example + "\n");
  return c;
}

}  // namespace

void add_db_commands(CLI::App& app, globals& g, action& run) {
  auto* init = app.add_subcommand("init", "Create a workspace (tether.json) in a folder");
  auto init_dir = std::make_shared<std::string>(".");
  init->add_option("dir", *init_dir, "The folder (default: the current one)");
  init->footer("Example:\n  tether init my-project\n");
  init->callback([&run, &g, init_dir] {
    run = [&g, init_dir] {
      auto ws = tether::workspace::init(*init_dir);
      if (g.json) std::cout << tether::value(tether::object{{"workspace", ws.file().string()}}).to_json() << "\n";
      else std::cout << "created " << ws.file().string() << "\n";
      return ok;
    };
  });

  auto* db = app.add_subcommand("db", "Register and inspect the workspace's databases");
  db->require_subcommand(1);
  db->fallthrough();

  struct fields {
    std::string tag, name, type, description;
    std::vector<std::string> envs;
  };
  auto f = std::make_shared<fields>();

  auto* create = sub(db, "create", "Register a database with a URL per environment",
                     "tether db create --product shop --tag orders --name Orders --type postgresql \\\n"
                     "      --env dev=postgresql://app@localhost/orders --env 'prd=${PRD_ORDERS_URL}'");
  create->add_option("--tag", f->tag, "Key within the product (lower-case, digits, - and _)")->required();
  create->add_option("--name", f->name, "Display name")->required();
  create->add_option("--type", f->type, "The engine; this build has " + engine_types())->required();
  create->add_option("--env", f->envs, "SLUG=URL, repeatable; ${VAR} is resolved at connect time")->required();
  create->add_option("--description", f->description, "Free text");
  create->callback([&run, &g, f] {
    run = [&g, f] {
      if (g.product.empty()) throw tether::error(error_category::usage, "db create needs --product");
      auto ws = *open_workspace(g, true);
      auto d = ws.create({g.product, f->name, f->tag, f->type, f->description, parse_envs(f->envs)});
      if (g.json) std::cout << d.to_json() << "\n";
      else std::cout << "registered " << d.product << "/" << d.tag << " (" << d.type << ", " << d.envs.size() << " envs)\n";
      return ok;
    };
  });

  auto* update = sub(db, "update", "Change a registered database; unset fields are kept",
                     "tether db update orders --product shop --set-env staging=postgresql://app@staging/orders");
  update->add_option("tag", f->tag, "The database's tag")->required();
  update->add_option("--name", f->name, "Display name");
  update->add_option("--type", f->type, "The engine; this build has " + engine_types());
  update->add_option("--description", f->description, "Free text");
  update->add_option("--set-env", f->envs, "SLUG=URL, repeatable: adds the env or replaces its URL");
  auto remove_envs = std::make_shared<std::vector<std::string>>();
  update->add_option("--remove-env", *remove_envs, "SLUG, repeatable");
  update->callback([&run, &g, f, remove_envs, update] {
    run = [&g, f, remove_envs, update] {
      auto ws = *open_workspace(g, true);
      auto product = product_of(g, ws);
      tether::database_patch patch;
      if (update->count("--name")) patch.name = f->name;
      if (update->count("--type")) patch.type = f->type;
      if (update->count("--description")) patch.description = f->description;
      if (!f->envs.empty() || !remove_envs->empty()) {
        auto envs = ws.fetch(product, f->tag).envs;
        for (const auto& slug : *remove_envs) {
          auto it = std::find_if(envs.begin(), envs.end(), [&](const auto& e) { return e.slug == slug; });
          if (it == envs.end())
            throw tether::error(error_category::usage, fmt::format("--remove-env: no env \"{}\"", slug));
          envs.erase(it);
        }
        for (auto& e : parse_envs(f->envs)) {
          auto it = std::find_if(envs.begin(), envs.end(), [&](const auto& x) { return x.slug == e.slug; });
          if (it != envs.end()) it->connection_url = e.connection_url;
          else envs.push_back(e);
        }
        patch.envs = envs;
      }
      auto d = ws.update(product, f->tag, patch);
      if (g.json) std::cout << d.to_json() << "\n";
      else std::cout << "updated " << d.product << "/" << d.tag << "\n";
      return ok;
    };
  });

  auto* list = sub(db, "list", "List registered databases", "tether db list --product shop");
  list->callback([&run, &g] {
    run = [&g] {
      auto ws = *open_workspace(g, true);
      auto all = ws.fetch_all(g.product);
      if (g.json) {
        std::string out = "[";
        for (std::size_t i = 0; i < all.size(); ++i) out += (i ? "," : "") + all[i].to_json();
        std::cout << out << "]\n";
        return ok;
      }
      table rows{{"product", "tag", "name", "type", "envs"}};
      for (const auto& d : all) {
        std::string envs;
        for (const auto& e : d.envs) envs += (envs.empty() ? "" : ",") + e.slug;
        rows.rows.push_back({d.product, d.tag, d.name, d.type, envs});
      }
      print_table(std::cout, rows);
      return ok;
    };
  });

  auto* show = sub(db, "show", "Show one database; passwords are masked", "tether db show orders --product shop --json");
  show->add_option("tag", f->tag, "The database's tag")->required();
  show->callback([&run, &g, f] {
    run = [&g, f] {
      auto ws = *open_workspace(g, true);
      print_database(g, ws.fetch(product_of(g, ws), f->tag));
      return ok;
    };
  });

  auto* remove = sub(db, "remove", "Unregister a database (its data is not touched)", "tether db remove orders --product shop");
  remove->add_option("tag", f->tag, "The database's tag")->required();
  remove->callback([&run, &g, f] {
    run = [&g, f] {
      auto ws = *open_workspace(g, true);
      auto product = product_of(g, ws);
      ws.remove(product, f->tag);
      if (g.json) std::cout << R"({"removed":true})" << "\n";
      else std::cout << "removed " << product << "/" << f->tag << "\n";
      return ok;
    };
  });

  auto* test = sub(db, "test", "Connect to one environment and report", "tether db test orders --env dev --json");
  test->add_option("tag", f->tag, "The database's tag")->required();
  test->callback([&run, &g, f] {
    run = [&g, f] {
      tether::session s{open_workspace(g, true)};
      auto r = s.test_connection({g.env, g.product, f->tag});
      if (g.json) std::cout << r.to_json() << "\n";
      else if (r.connected) std::cout << "connected: " << r.version.value_or("(no version)") << " in " << fmt::format("{:.1f}", r.latency_ms) << " ms\n";
      else std::cerr << "tether: not connected: " << r.error << "\n";
      return r.connected ? ok : connection_error;
    };
  });
}

}  // namespace tether::cli
