#include <sys/resource.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>

#include "conformance.hpp"
#include "core/client/pool.hpp"
#include "core/client/runner.hpp"
#include "core/migrations/schema_ops.hpp"

namespace tether::conformance {

void fixture::SetUp() {
  url_ = profile().url();
  db = std::make_unique<tether::client>(url_);
}

namespace {

// A schema operation run by the engine's own schema applier, unrecorded (the suite's tables
// are scaffolding, not migrations): the neutral way every engine makes a table.
void apply_schema_op(tether::client& db, const value& op) {
  std::unique_ptr<detail::lease> hold;
  engine::connection& c = detail::runner_of(db).pin(hold);
  engine::need(c.schema_part(), db.engine_name(), "schema changes").apply(detail::parse_op(op), nullptr, false);
}

}  // namespace

std::string sql_database_url(tether::client& db, const std::string& name) {
  db.raw({.query = "CREATE DATABASE " + quote_ident(name)});
  std::string base = profile().url();
  auto slash = base.find('/', base.find("://") + 3);
  auto query = base.find('?', slash);
  return base.substr(0, slash + 1) + name + (query == std::string::npos ? "" : base.substr(query));
}

void drop_sql_database(tether::client& db, const std::string& name) {
  db.raw({.query = "DROP DATABASE IF EXISTS " + quote_ident(name)});
}

namespace {

// A portable column kind (conformance.hpp) as a tether field definition.
value field_of(std::string_view portable, const engine::capabilities& caps) {
  const std::string_view kind = portable.substr(0, portable.find_first_of("!+"));
  const bool required = portable.find('!') != std::string_view::npos;
  // "+" (UNIQUE) where the engine enforces it; elsewhere the tests that need it skip.
  const bool unique = portable.find('+') != std::string_view::npos && caps.unique_fields;
  object f;
  if (kind == "pk") return value(object{{"type", "bigint"}, {"primary_key", true}, {"auto_increment", true}});
  static const std::pair<const char*, const char*> types[] = {
      {"int", "bigint"}, {"real", "double"},     {"bool", "boolean"}, {"json", "json"},  {"decimal", "decimal"},
      {"timestamp", "timestamp"}, {"date", "date"}, {"time", "time"}, {"uuid", "uuid"}, {"bytes", "blob"}};
  if (kind == "text") {
    // A unique text is a bounded string: MySQL indexes no unbounded TEXT.
    f.emplace_back("type", unique ? "string" : "text");
    if (unique) f.emplace_back("length", 255);
  } else {
    const char* type = nullptr;
    for (const auto& [k, t] : types)
      if (kind == k) type = t;
    if (!type) throw std::invalid_argument("no portable column kind " + std::string(kind));
    f.emplace_back("type", type);
    if (kind == "decimal") {
      f.emplace_back("precision", 38);
      f.emplace_back("scale", 9);
    }
  }
  if (required) f.emplace_back("required", true);
  if (unique) f.emplace_back("unique", true);
  return value(std::move(f));
}

}  // namespace

void fixture::TearDown() {
  for (const auto& d : databases_) {
    try {
      profile().drop_database(*db, d);
    } catch (const std::exception&) {
      // Best effort, as for tables.
    }
  }
  for (const auto& t : tables_) {
    try {
      apply_schema_op(*db, {{"op", "drop_collection"}, {"table", t}, {"if_exists", true}});
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

const std::string& fixture::index_refusal() {
  static std::optional<std::string> refusal;
  if (!refusal) {
    tether::schema sc{*db, {.table = unique_name("migrations")}};
    const std::string t = unique_name("index_probe");
    sc.create(t, {{"id", {{"type", "integer"}, {"primary_key", true}}}, {"a", "integer"}});
    try {
      sc.create_index(t, {"a"});
      refusal = "";
    } catch (const error& e) {
      if (e.category() != error_category::unsupported) throw;
      refusal = e.what();
    }
  }
  return *refusal;
}

const std::string& fixture::transaction_refusal() {
  static std::optional<std::string> refusal;
  if (!refusal) {
    const std::string t = make_table({{"id", "pk"}, {"name", "text"}});
    try {
      auto tx = db->begin();
      tx.insert({.table = t, .records = {{{"name", "probe"}}}});
      tx.commit();
      refusal = "";
    } catch (const error& e) {
      if (e.category() != error_category::unsupported) throw;
      refusal = e.what();
    }
  }
  return *refusal;
}

bool server_given(const char* url_variable, const char* how) {
  if (std::getenv(url_variable) || ::testing::GTEST_FLAG(list_tests)) return true;
  // Only when run by hand: `make test` and CI always start the server and set the URL.
  std::fprintf(stderr, "%s is not set: %s\n", url_variable, how);
  return false;
}

std::function<std::shared_ptr<void>(tether::client&, const std::string&)> lock_from_another_connection(
    std::function<std::shared_ptr<engine::connection>()> connect) {
  return [connect = std::move(connect)](tether::client&, const std::string&) -> std::shared_ptr<void> {
    std::shared_ptr<engine::connection> c = connect();
    c->lock_part()->lock_migrations(std::chrono::seconds(30));
    return std::shared_ptr<void>(c.get(), [c](void*) { c->lock_part()->unlock_migrations(); });
  };
}

const std::string& fixture::rollback_refusal() {
  static std::optional<std::string> refusal;
  if (!refusal) {
    const std::string t = make_table({{"id", "pk"}, {"name", "text"}});
    refusal = "";
    try {
      auto tx = db->begin();
      tx.insert({.table = t, .records = {{{"name", "probe"}}}});
      tx.rollback();
    } catch (const error& e) {
      if (e.category() != error_category::unsupported) throw;
      return *refusal;  // no transactions here: the capability says so
    }
    if (db->count({.table = t}) != 0)
      refusal = "needs a server that rolls transactions back (this one kept a write of a rolled-back transaction)";
  }
  return *refusal;
}

const std::string& fixture::unique_refusal() {
  static std::optional<std::string> refusal;
  if (!refusal) {
    const std::string t = make_table({{"id", "pk"}, {"u", "int+"}});
    db->insert({.table = t, .records = {{{"u", 1}}}});
    try {
      db->insert({.table = t, .records = {{{"u", 1}}}});
      refusal = "needs a server that enforces unique indexes (this one stored a duplicate of a unique field)";
    } catch (const error& e) {
      if (e.category() != error_category::unique_violation) throw;
      refusal = "";
    }
  }
  return *refusal;
}

std::string fixture::fresh_database() {
  if (!profile().create_database) return profile().url();  // every url() is a new database
  std::string name = unique_table_name() + "_env";
  std::string url = profile().create_database(*db, name);
  databases_.push_back(name);
  return url;
}

std::string fixture::make_table(const columns& cols) {
  std::string name = unique_table_name();
  array fields;
  for (const auto& [column, portable] : cols) {
    value f = field_of(portable, db->capabilities());
    f.as_object().insert(f.as_object().begin(), member{"name", column});
    fields.push_back(std::move(f));
  }
  apply_schema_op(*db, {{"op", "create_collection"}, {"table", name}, {"fields", value(std::move(fields))}});
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
