// The getting-started flow from the README, on a SQLite file:
// register a database in a workspace, connect by name, create a table, insert with
// returning, find with where / order_by / limit, count, and close every connection.
// Run: ./getting_started [workspace folder]   (default: ./demo-workspace)
#include <tether/tether.hpp>

#include <filesystem>
#include <iostream>

int main(int argc, char** argv) {
  namespace fs = std::filesystem;
  const fs::path folder = fs::absolute(argc > 1 ? argv[1] : "demo-workspace");
  try {
    std::cout << "1. register database \"app\" in product \"demo\" (" << folder.string() << "/tether.json)\n";
    fs::remove_all(folder);
    auto ws = tether::workspace::init(folder);
    ws.create({.product = "demo",
               .name = "Demo app",
               .tag = "app",
               .type = "sqlite",
               .envs = {{.slug = "dev", .connection_url = "sqlite://" + (folder / "app-dev.db").string()}}});

    std::cout << "2. connect to env dev\n";
    tether::session s{ws};
    auto conn = s.connect({.env = "dev", .product = "demo", .database = "app"});
    std::cout << "   " << conn.to_json() << "\n";
    tether::client& db = s.on();

    std::cout << "3. create table users\n";
    db.raw({.query = "CREATE TABLE users ("
                     "id INTEGER PRIMARY KEY, name TEXT NOT NULL, email TEXT UNIQUE, "
                     "age INTEGER, status TEXT NOT NULL DEFAULT 'active')"});

    std::cout << "4. insert three users, returning id and name\n";
    auto inserted = db.insert({
        .table = "users",
        .records = {{{"name", "Ada"}, {"email", "ada@example.com"}, {"age", 36}},
                    {{"name", "Grace"}, {"email", "grace@example.com"}, {"age", 45}},
                    {{"name", "Linus"}, {"email", "linus@example.com"}, {"age", 17}}},
        .returning = {"id", "name"},
    });
    std::cout << "   " << inserted.to_json() << "\n";

    std::cout << "5. find adults, oldest first, at most 10\n";
    auto adults = db.find({
        .table = "users",
        .select = {"id", "name", "age"},
        .where = {{"age", {{"$gte", 18}}}, {"status", "active"}},
        .order_by = {{"age", tether::direction::desc}},
        .limit = 10,
    });
    for (auto user : adults.records)
      std::cout << "   " << user.get<std::int64_t>("id") << "  " << user.get<std::string_view>("name")
                << "  " << user.get<std::int64_t>("age") << "\n";

    std::cout << "6. count users whose name starts with \"G\"\n";
    auto n = db.count({.table = "users", .where = {{"name", {{"$startsWith", "G"}}}}});
    std::cout << "   " << n << "\n";

    std::cout << "7. close all connections\n";
    s.close_all();
    std::cout << "done\n";
  } catch (const tether::error& e) {
    std::cerr << "error (" << tether::to_string(e.category()) << "): " << e.what() << "\n";
    return 1;
  }
  return 0;
}
