// The engine-neutral suite's fixture. Each engine's test binary defines profile(): how to
// reach a real server of that engine. The suite's tables are made by the engine's own
// schema applier from portable column kinds, as tether::schema makes them, not SQL text. Every
// test gets tables of its own, so tests may run in parallel against one server.
#pragma once

#include <gtest/gtest.h>
#include <tether/tether.hpp>

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace tether::conformance {

// Portable column kinds the suite uses: pk (auto-increment integer key), int, text,
// real, bool, json, decimal, timestamp, date, time, uuid, bytes; a "!" suffix means NOT
// NULL, a "+" suffix means UNIQUE (dropped where capabilities().unique_fields is false).
using columns = std::vector<std::pair<std::string, std::string>>;

struct engine_profile {
  std::string name;
  std::function<std::string()> url;  // a database the test may use; fresh where cheap
  std::string quote = "\"";  // how the engine quotes identifiers in raw SQL
  std::string placeholder = "?";  // raw SQL's first positional placeholder
  // Whether raw queries (capabilities().raw_queries) are SQL; where they are not, a raw
  // query of the engine's own language that reads `column` of the rows of `table` whose
  // `key` equals the first param.
  bool raw_is_sql = true;
  std::function<std::string(const std::string& table, const std::string& column, const std::string& key)> raw_select{};
  // Another database on the same server, for a second environment: creates `name` and
  // returns its URL. Null where every url() is a new database already (SQLite's files).
  std::function<std::string(tether::client& db, const std::string& name)> create_database{};
  std::function<void(tether::client& db, const std::string& name)> drop_database{};
  // Takes the engine's migration lock from `other` as another migrator would, until the
  // returned handle is released (or `other` ends). `scratch` is a table of the test's.
  std::function<std::shared_ptr<void>(tether::client& other, const std::string& scratch)> hold_migration_lock{};

  // Sessions in which a string literal must be quoted differently (PostgreSQL with
  // standard_conforming_strings off, MySQL after SET NAMES gbk): the injection tests run
  // in each of them too, on a one-connection client. `url_options` joins the URL's query;
  // `setup` runs first; `backslash_escapes`: whether '…' takes backslash escapes there;
  // `charset`: a double-byte character set the session is in (gbk, big5, sjis), if any.
  struct session {
    std::string label, url_options, setup;
    bool backslash_escapes = false;
    std::string charset{};
  };
  std::vector<session> literal_sessions{};
  // The server's statement log, where the tests can read one: turn it on for `db`'s
  // session (or the server), and the statements logged since that hold `marker`, as the
  // server logged them (values of prepared statements included).
  std::function<void(tether::client& db)> start_statement_log{};
  std::function<std::vector<std::string>(tether::client& db, const std::string& marker)> logged_statements{};
  // Ends the server session behind `victim` from `other`, as a crash of the server's
  // process would (pg_terminate_backend, KILL); null where there is no server.
  std::function<void(tether::executor& victim, tether::client& other)> kill_session{};
};

const engine_profile& profile();  // defined by the engine's test binary

// Whether the suite can run: `url_variable` is set, or the tests are only listed; else a
// line on standard error saying how to start the server (`how`). For each binary's main().
bool server_given(const char* url_variable, const char* how);
// hold_migration_lock for an engine whose lock is a record of its own (DynamoDB's item,
// MongoDB's document): another connection from `connect` takes it, and gives it back when
// the handle goes.
std::function<std::shared_ptr<void>(tether::client&, const std::string&)> lock_from_another_connection(
    std::function<std::shared_ptr<engine::connection>()> connect);

// Skips the test, with the reason printed, when the engine lacks a capability it needs:
// the suite gates on capabilities, never on engine names.
#define TETHER_REQUIRE(capability, what)                                                   \
  if (!db->capabilities().capability)                                                      \
  GTEST_SKIP() << profile().name << " does not offer " << (what)

// Skips the test, with the reason printed, unless the engine offers `capability` (of
// transactions) and the server rolls a transaction back (CongoDB keeps its writes).
#define TETHER_REQUIRE_TRANSACTIONS(capability, what)                                      \
  TETHER_REQUIRE(capability, what);                                                        \
  if (!rollback_refusal().empty()) GTEST_SKIP() << rollback_refusal()

// Skips the test, with the reason printed, unless the server enforces unique fields.
#define TETHER_REQUIRE_UNIQUE_ENFORCED()                                                   \
  TETHER_REQUIRE(unique_fields, "unique fields");                                          \
  if (!unique_refusal().empty()) GTEST_SKIP() << unique_refusal()

class fixture : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;

  // A table unique to this test, created from portable columns.
  std::string make_table(const columns& cols);
  // A table unique to this test from the engine's own column SQL ("a BIGINT[], b JSONB").
  std::string make_table_sql(const std::string& column_sql);
  // A table made by tether's own schema call (tether::schema::create), with `fields` in
  // its JSON form: what a user's tables get (MariaDB's no-pad collation, SQLite's
  // decimal collation), unlike make_table's engine SQL.
  std::string make_tether_table(const value& fields);
  // The people table with five rows (see fixture.cpp for the data).
  std::string people();
  // A name unique to this test (tables, migration tables), dropped at the end when it is a table.
  std::string unique_name(std::string_view stem);
  // The URL of an empty database of its own (another environment): a new file on SQLite,
  // a new database on a server (dropped at the end).
  std::string fresh_database();
  // Why this server does not add an index to a table that exists (dynalite builds DynamoDB's
  // global secondary indexes only at CreateTable), or "" when it does. Found once per run by
  // trying it, as a user would; a test prints it where it leaves that part out.
  const std::string& index_refusal();
  // Why this server commits no transaction (dynalite has no TransactWriteItems), or "" when
  // it does: found once per run by committing one, as index_refusal() is.
  const std::string& transaction_refusal();
  // Why this server does not enforce unique indexes (CongoDB stores the duplicate), or ""
  // when it does: found once per run by inserting a duplicate, as index_refusal() is.
  const std::string& unique_refusal();
  // Why this server does not roll a transaction back (CongoDB applies each write at once),
  // or "" when it does: found once per run by rolling one back.
  const std::string& rollback_refusal();

  std::unique_ptr<tether::client> db;
  std::string url_;  // db's database
  std::vector<std::string> tables_;
  std::vector<std::string> databases_;
};


// create_database and drop_database for the SQL servers: CREATE DATABASE, and the URL
// with its path replaced by the new name.
std::string sql_database_url(tether::client& db, const std::string& name);
void drop_sql_database(tether::client& db, const std::string& name);

// An identifier quoted for the profile's engine, for raw SQL in tests.
std::string quote_ident(std::string_view name);

// The process's peak resident set so far, for tests that bound memory.
long peak_rss_kb();
// Whether a memory bound can be asserted: not under AddressSanitizer, whose shadow memory
// and quarantine of freed blocks grow the resident set with every allocation.
#if defined(__SANITIZE_ADDRESS__)
inline constexpr bool memory_is_measurable = false;
#else
inline constexpr bool memory_is_measurable = true;
#endif

// Ids of the records, in order, for compact assertions.
std::vector<std::int64_t> ids(const records& r, std::string_view column = "id");
std::vector<std::string> names(const records& r, std::string_view column = "name");

}  // namespace tether::conformance
