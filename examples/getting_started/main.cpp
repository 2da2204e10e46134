// The getting-started flow from the README, on a SQLite file:
// open, create a table, insert with returning, find with where / order_by / limit, count,
// and close. Run: ./getting_started sqlite://getting_started.db
#include <tether/tether.hpp>

#include <iostream>

int main(int argc, char** argv) {
  const std::string url = argc > 1 ? argv[1] : "sqlite://getting_started.db";
  try {
    std::cout << "1. open " << url << "\n";
    tether::client db{url};
    std::cout << "   connected to " << db.engine_name() << " " << db.server_version() << "\n";

    std::cout << "2. create table users\n";
    db.raw({.query = "CREATE TABLE IF NOT EXISTS users ("
                     "id INTEGER PRIMARY KEY, name TEXT NOT NULL, email TEXT UNIQUE, "
                     "age INTEGER, status TEXT NOT NULL DEFAULT 'active')"});

    std::cout << "3. insert three users, returning id and name\n";
    auto inserted = db.insert({
        .table = "users",
        .records = {{{"name", "Ada"}, {"email", "ada@example.com"}, {"age", 36}},
                    {{"name", "Grace"}, {"email", "grace@example.com"}, {"age", 45}},
                    {{"name", "Linus"}, {"email", "linus@example.com"}, {"age", 17}}},
        .returning = {"id", "name"},
    });
    std::cout << "   " << inserted.to_json() << "\n";

    std::cout << "4. find adults, oldest first, at most 10\n";
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

    std::cout << "5. count users whose name starts with \"G\"\n";
    auto n = db.count({.table = "users", .where = {{"name", {{"$startsWith", "G"}}}}});
    std::cout << "   " << n << "\n";

    std::cout << "6. close\n";
    db.close();
    std::cout << "done\n";
  } catch (const tether::error& e) {
    std::cerr << "error (" << tether::to_string(e.category()) << "): " << e.what() << "\n";
    return 1;
  }
  return 0;
}
