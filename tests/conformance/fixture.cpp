#include <sys/resource.h>
#include <unistd.h>

#include <atomic>

#include "conformance.hpp"

namespace tether::conformance {

void fixture::SetUp() {
  url_ = profile().url();
  db = std::make_unique<tether::client>(url_);
}

void fixture::TearDown() {
  for (const auto& d : databases_) {
    try {
      db->raw({.query = "DROP DATABASE IF EXISTS " + quote_ident(d)});
    } catch (const std::exception&) {
      // Best effort, as for tables.
    }
  }
  for (const auto& t : tables_) {
    try {
      db->raw({.query = profile().drop_table(t)});
    } catch (const std::exception&) {
      // The table may be gone already; a failed drop must not hide the test's result.
    }
  }
  db.reset();
}

namespace {
std::string unique_table_name() {
  static std::atomic<int> counter{0};
  return "t" + std::to_string(getpid()) + "_" + std::to_string(++counter);
}
}  // namespace

std::string fixture::unique_name(std::string_view stem) {
  std::string name = std::string(stem) + "_" + unique_table_name();
  tables_.push_back(name);
  return name;
}

std::string fixture::fresh_database() {
  std::string base = profile().url();
  if (profile().name == "sqlite") return base;  // every url() is a new file
  std::string name = unique_table_name() + "_env";
  db->raw({.query = "CREATE DATABASE " + quote_ident(name)});
  databases_.push_back(name);
  auto slash = base.find('/', base.find("://") + 3);
  auto query = base.find('?', slash);
  return base.substr(0, slash + 1) + name + (query == std::string::npos ? "" : base.substr(query));
}

std::string fixture::make_table(const columns& cols) {
  std::string name = unique_table_name();
  db->raw({.query = profile().create_table(name, cols)});
  tables_.push_back(name);
  return name;
}

std::string fixture::make_tether_table(const value& fields) {
  std::string name = unique_name("tt");
  migration_options opts;
  opts.table = unique_name("tt_migrations");
  tether::schema(*db, opts).create(name, fields);
  return name;
}

std::string fixture::make_table_sql(const std::string& column_sql) {
  std::string name = unique_table_name();
  db->raw({.query = "CREATE TABLE " + quote_ident(name) + " (" + column_sql + ")"});
  tables_.push_back(name);
  return name;
}

std::string fixture::people() {
  auto t = make_table({{"id", "pk"}, {"name", "text!"}, {"email", "text+"}, {"age", "int"},
                       {"score", "real"}, {"active", "bool"}, {"tags", "json"},
                       {"city", "text"}});
  db->insert({.table = t,
              .records = {
                  {{"name", "Ada"}, {"email", "ada@example.com"}, {"age", 36}, {"score", 9.5},
                   {"active", true}, {"tags", tether::make_array({"math", "poetry"})}, {"city", "London"}},
                  {{"name", "Grace"}, {"email", "grace@example.com"}, {"age", 45}, {"score", 8.0},
                   {"active", true}, {"tags", tether::make_array({"navy"})}, {"city", "New York"}},
                  {{"name", "Linus"}, {"email", "linus@example.com"}, {"age", 17}, {"score", 7.25},
                   {"active", false}, {"tags", tether::make_array({})}, {"city", "Helsinki"}},
                  {{"name", "Émile"}, {"email", "emile@example.com"}, {"age", nullptr},
                   {"score", 6.0}, {"active", true}, {"tags", nullptr}, {"city", "Paris"}},
                  {{"name", "O'Brien"}, {"email", nullptr}, {"age", 29}, {"score", nullptr},
                   {"active", false}, {"tags", tether::make_array({"100%_sure"})}, {"city", nullptr}},
              }});
  return t;
}

std::string create_table_sql(const std::string& table, const columns& cols,
                             const std::function<std::string(std::string_view kind)>& type_of) {
  std::string sql = "CREATE TABLE " + quote_ident(table) + " (";
  for (std::size_t i = 0; i < cols.size(); ++i) {
    const std::string& portable = cols[i].second;
    std::string type = type_of(std::string_view(portable).substr(0, portable.find_first_of("!+")));
    if (portable.find('!') != std::string::npos) type += " NOT NULL";
    if (portable.find('+') != std::string::npos) type += " UNIQUE";
    sql += (i ? ", " : "") + quote_ident(cols[i].first) + " " + type;
  }
  return sql + ")";
}

std::string quote_ident(std::string_view name) {
  const std::string& q = profile().quote;
  return q + std::string(name) + q;
}

long peak_rss_kb() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss;
}

std::vector<std::int64_t> ids(const records& r, std::string_view column) {
  std::vector<std::int64_t> out;
  for (auto rec : r) out.push_back(rec.get<std::int64_t>(column));
  return out;
}

std::vector<std::string> names(const records& r, std::string_view column) {
  std::vector<std::string> out;
  for (auto rec : r) out.push_back(rec.get<std::string>(column));
  return out;
}

}  // namespace tether::conformance
