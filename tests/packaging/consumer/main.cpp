// A user's program built against an installed tether.
#include <tether/tether.hpp>

#include <iostream>

int main() {
  tether::client db{"sqlite::memory:"};
  db.raw({.query = "CREATE TABLE t (id INTEGER PRIMARY KEY, n INTEGER)"});
  db.insert({.table = "t", .records = {{{"n", 40}}, {{"n", 2}}}});
  auto rows = db.find({.table = "t"});
  auto sum = db.sum({.table = "t", .column = "n"});
  std::cout << "consumer: " << rows.count << " rows, sum " << sum.as_int() << "\n";
  return 0;
}
