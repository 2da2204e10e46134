// tether vs the raw sqlite3 C API, in one binary, on the same database file and pragmas.
// Prints Google Benchmark's table, then the ratios (tether time / raw time); or, with
// --paired[=rounds], the paired timing of the point selects (bench/paired.hpp).
//   ./build/bench/tether_bench_sqlite [--benchmark_min_time=1]
//   taskset -c 1 ./build/bench/tether_bench_sqlite --paired=5000
#include <benchmark/benchmark.h>
#include <sqlite3.h>
#include <tether/tether.hpp>

#include "collecting_reporter.hpp"
#include "include_workload.hpp"
#include "paired.hpp"
#include <unistd.h>
#if TETHER_BENCH_SOCI
#include <soci/soci.h>
// soci-sqlite3.h includes sqlite3.h inside a namespace of its own, which clashes with ours;
// its factory is all this benchmark needs from it.
extern "C" soci::backend_factory const* factory_sqlite3();
#endif

#include <cstdio>
#include <filesystem>
#include <iostream>
#include <map>
#include <optional>
#include <memory>
#include <random>

namespace {

constexpr int table_rows = 100'000;
constexpr int bulk_rows = 100'000;

std::string db_path() {
  static std::string path =
      (std::filesystem::temp_directory_path() / ("tether-bench-" + std::to_string(getpid()) + ".db")).string();
  return path;
}

sqlite3* open_raw() {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(db_path().c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                      nullptr) != SQLITE_OK)
    throw std::runtime_error("cannot open bench database");
  sqlite3_exec(db, "PRAGMA journal_mode=WAL; PRAGMA foreign_keys=ON;", nullptr, nullptr, nullptr);
  sqlite3_busy_timeout(db, 5000);
  return db;
}

void exec(sqlite3* db, const char* sql) {
  char* err = nullptr;
  if (sqlite3_exec(db, sql, nullptr, nullptr, &err) != SQLITE_OK) {
    std::string m = err ? err : "?";
    sqlite3_free(err);
    throw std::runtime_error(m);
  }
}

void create_users() {
  sqlite3* db = open_raw();
  exec(db, "DROP TABLE IF EXISTS users;"
           "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL, email TEXT, age INTEGER, score REAL);"
           "BEGIN");
  sqlite3_stmt* st = nullptr;
  sqlite3_prepare_v2(db, "INSERT INTO users (name, email, age, score) VALUES (?, ?, ?, ?)", -1, &st, nullptr);
  for (int i = 0; i < table_rows; ++i) {
    std::string name = "user" + std::to_string(i);
    std::string email = name + "@example.com";
    sqlite3_bind_text(st, 1, name.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, email.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_int(st, 3, 18 + i % 60);
    sqlite3_bind_double(st, 4, i * 0.5);
    sqlite3_step(st);
    sqlite3_reset(st);
  }
  sqlite3_finalize(st);
  exec(db, "COMMIT");
  sqlite3_close(db);
}

void remove_database() {
  std::error_code ec;
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(db_path() + suffix, ec);
}

struct user {
  std::int64_t id;
  std::string name, email;
  std::int64_t age;
  double score;
};

// --- point select by primary key -------------------------------------------------------
// Each workload is a call maker (bench/paired.hpp): it opens and prepares, untimed, and
// returns one call, which Google Benchmark loops over and the paired mode interleaves.

using tether::bench::call;

call raw_point_select() {
  struct state {
    sqlite3* db = open_raw();
    sqlite3_stmt* st = nullptr;
    std::mt19937 rng{1};
    std::uniform_int_distribution<int> pick{1, table_rows};
    ~state() {
      sqlite3_finalize(st);
      sqlite3_close(db);
    }
  };
  auto s = std::make_shared<state>();
  sqlite3_prepare_v3(s->db, "SELECT id, name, email, age, score FROM users WHERE id = ?1", -1,
                     SQLITE_PREPARE_PERSISTENT, &s->st, nullptr);
  return [s] {
    sqlite3_stmt* st = s->st;
    sqlite3_bind_int64(st, 1, s->pick(s->rng));
    user u{};
    if (sqlite3_step(st) == SQLITE_ROW) {
      u.id = sqlite3_column_int64(st, 0);
      u.name = reinterpret_cast<const char*>(sqlite3_column_text(st, 1));
      u.email = reinterpret_cast<const char*>(sqlite3_column_text(st, 2));
      u.age = sqlite3_column_int64(st, 3);
      u.score = sqlite3_column_double(st, 4);
    }
    sqlite3_reset(st);
    benchmark::DoNotOptimize(u);
  };
}

// What a caller does with the row: the same typed reads the raw version makes.
user read_user(const tether::records& rows) {
  user u{};
  if (rows.empty()) return u;
  auto rec = rows[0];
  u.id = rec.get<std::int64_t>(std::size_t{0});
  u.name = rec.get<std::string_view>(1);
  u.email = rec.get<std::string_view>(2);
  u.age = rec.get<std::int64_t>(3);
  u.score = rec.get<double>(4);
  return u;
}

struct tether_state {
  tether::client db{"sqlite://" + db_path(), {.pool_size = 1}};
  std::mt19937 rng{1};
  std::uniform_int_distribution<int> pick{1, table_rows};
};

call tether_point_select() {
  auto s = std::make_shared<tether_state>();
  return [s] {
    auto r = s->db.find({.table = "users",
                         .select = {"id", "name", "email", "age", "score"},
                         .where = {{"id", s->pick(s->rng)}},
                         .limit = 1});
    user u = read_user(r.records);
    benchmark::DoNotOptimize(u);
  };
}

// The same query prepared once: tether::param placeholders, no planning per call.
call tether_point_select_prepared() {
  struct state : tether_state {
    tether::prepared_find q = db.prepare({.table = "users",
                                          .select = {"id", "name", "email", "age", "score"},
                                          .where = {{"id", tether::param("id")}},
                                          .limit = 1});
    tether::value args = {{"id", 0}};
  };
  auto s = std::make_shared<state>();
  return [s] {
    s->args.as_object()[0].second = s->pick(s->rng);
    auto r = s->q.run(s->args);
    user u = read_user(r.records);
    benchmark::DoNotOptimize(u);
  };
}

// --- bulk insert ----------------------------------------------------------------------

void reset_bulk_table(sqlite3* db) {
  exec(db, "DROP TABLE IF EXISTS bulk; CREATE TABLE bulk (id INTEGER PRIMARY KEY, name TEXT, n INTEGER, x REAL)");
}

// The raw best practice: one transaction, one prepared multi-row statement reused. With
// `keys`, each row also binds its own id (1..100k), kept as the ids in a vector<int64_t>.
void raw_bulk(benchmark::State& state, bool keys) {
  constexpr int per_statement = 100;
  const int width = keys ? 4 : 3;
  sqlite3* db = open_raw();
  std::vector<std::string> names;
  for (int i = 0; i < bulk_rows; ++i) names.push_back("name" + std::to_string(i));
  std::string sql = keys ? "INSERT INTO bulk (id, name, n, x) VALUES " : "INSERT INTO bulk (name, n, x) VALUES ";
  const char* row = keys ? "(?, ?, ?, ?)" : "(?, ?, ?)";
  for (int r = 0; r < per_statement; ++r) sql += std::string(r ? ", " : "") + row;
  for (auto _ : state) {
    state.PauseTiming();
    reset_bulk_table(db);
    state.ResumeTiming();
    std::vector<std::int64_t> ids;
    if (keys) ids.reserve(bulk_rows);
    sqlite3_stmt* st = nullptr;
    sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr);
    exec(db, "BEGIN");
    for (int start = 0; start < bulk_rows; start += per_statement) {
      for (int r = 0; r < per_statement; ++r) {
        int i = start + r, at = r * width + 1;
        if (keys) {
          sqlite3_bind_int64(st, at++, i + 1);
          ids.push_back(i + 1);
        }
        sqlite3_bind_text(st, at, names[i].data(), static_cast<int>(names[i].size()), SQLITE_STATIC);
        sqlite3_bind_int64(st, at + 1, i);
        sqlite3_bind_double(st, at + 2, i * 0.25);
      }
      if (sqlite3_step(st) != SQLITE_DONE) throw std::runtime_error(sqlite3_errmsg(db));
      sqlite3_reset(st);
    }
    exec(db, "COMMIT");
    sqlite3_finalize(st);
    benchmark::DoNotOptimize(ids);
  }
  state.SetItemsProcessed(state.iterations() * bulk_rows);
  sqlite3_close(db);
}

void raw_bulk_insert(benchmark::State& state) { raw_bulk(state, false); }
// The same rows with the caller's own keys (id = 1..100k), on both sides. Raw keeps the
// keys it bound as its ids; tether returns them as inserted_ids.
void raw_bulk_insert_keys(benchmark::State& state) { raw_bulk(state, true); }

// tether's bulk insert of the same rows, with or without inserted_ids.
void tether_bulk(benchmark::State& state, bool return_ids) {
  tether::client db{"sqlite://" + db_path(), {.pool_size = 1}};
  std::vector<tether::value> rows;
  rows.reserve(bulk_rows);
  for (int i = 0; i < bulk_rows; ++i)
    rows.push_back({{"name", "name" + std::to_string(i)}, {"n", i}, {"x", i * 0.25}});
  for (auto _ : state) {
    state.PauseTiming();
    db.raw({.query = "DROP TABLE IF EXISTS bulk; CREATE TABLE bulk (id INTEGER PRIMARY KEY, name TEXT, n INTEGER, x REAL)"});
    state.ResumeTiming();
    benchmark::DoNotOptimize(db.insert({.table = "bulk", .records = rows, .return_ids = return_ids}).count);
  }
  state.SetItemsProcessed(state.iterations() * bulk_rows);
}

void tether_bulk_insert_keys(benchmark::State& state) {
  tether::client db{"sqlite://" + db_path(), {.pool_size = 1}};
  std::vector<tether::value> rows;
  rows.reserve(bulk_rows);
  for (int i = 0; i < bulk_rows; ++i)
    rows.push_back({{"id", i + 1}, {"name", "name" + std::to_string(i)}, {"n", i}, {"x", i * 0.25}});
  for (auto _ : state) {
    state.PauseTiming();
    db.raw({.query = "DROP TABLE IF EXISTS bulk; CREATE TABLE bulk (id INTEGER PRIMARY KEY, name TEXT, n INTEGER, x REAL)"});
    state.ResumeTiming();
    auto r = db.insert({.table = "bulk", .records = rows});
    if (r.inserted_ids.size() != bulk_rows || r.inserted_ids.back().as_int() != bulk_rows)
      throw std::runtime_error("tether_bulk_insert_keys: wrong inserted_ids");
    benchmark::DoNotOptimize(r.count);
  }
  state.SetItemsProcessed(state.iterations() * bulk_rows);
}

// --- one-row insert, in autocommit --------------------------------------------------------
// Raw: one persistent prepared INSERT, bind, step, reset, and sqlite3_last_insert_rowid
// as the id. Tether: db.insert of one record, its id from inserted_ids; and the same
// insert prepared once (db.prepare_insert), as raw prepares its statement.

void reset_events(sqlite3* db) {
  exec(db, "DROP TABLE IF EXISTS events; CREATE TABLE events (id INTEGER PRIMARY KEY, kind TEXT NOT NULL, n INTEGER)");
}

call raw_insert_one() {
  struct state {
    sqlite3* db = open_raw();
    sqlite3_stmt* st = nullptr;
    ~state() {
      sqlite3_finalize(st);
      sqlite3_close(db);
    }
  };
  auto s = std::make_shared<state>();
  sqlite3_prepare_v3(s->db, "INSERT INTO events (kind, n) VALUES (?1, ?2)", -1, SQLITE_PREPARE_PERSISTENT, &s->st,
                     nullptr);
  return [s] {
    sqlite3_stmt* st = s->st;
    sqlite3_bind_text(st, 1, "click", 5, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, 7);
    if (sqlite3_step(st) != SQLITE_DONE) throw std::runtime_error(sqlite3_errmsg(s->db));
    sqlite3_reset(st);
    benchmark::DoNotOptimize(sqlite3_last_insert_rowid(s->db));
  };
}

call tether_insert_one() {
  auto s = std::make_shared<tether_state>();
  return [s] {
    auto r = s->db.insert({.table = "events", .records = {{{"kind", "click"}, {"n", 7}}}});
    benchmark::DoNotOptimize(r.inserted_ids[0].as_int());
  };
}

call tether_insert_one_prepared() {
  struct state : tether_state {
    tether::prepared_insert q = db.prepare_insert(
        {.table = "events", .records = {{{"kind", tether::param("kind")}, {"n", tether::param("n")}}}});
    tether::value args = {{"kind", "click"}, {"n", 7}};
  };
  auto s = std::make_shared<state>();
  return [s] {
    auto r = s->q.run(s->args);
    benchmark::DoNotOptimize(r.inserted_ids[0].as_int());
  };
}

#if TETHER_BENCH_SOCI
// SOCI's SQLite backend: the statement prepared once, values bound by reference, and the
// id from get_last_insert_id, as its documentation shows.
call soci_insert_one() {
  struct held {
    soci::session sql{*factory_sqlite3(), "db=" + db_path() + " timeout=5"};
    std::string kind = "click";
    int n = 7;
    soci::statement st = (sql.prepare << "INSERT INTO events (kind, n) VALUES (:k, :n)", soci::use(kind), soci::use(n));
  };
  auto h = std::make_shared<held>();
  h->sql << "PRAGMA foreign_keys=ON";
  return [h] {
    h->st.execute(true);
    long long id = 0;
    h->sql.get_last_insert_id("events", id);
    benchmark::DoNotOptimize(id);
  };
}
#endif

void tether_bulk_insert(benchmark::State& state) { tether_bulk(state, true); }
// Without inserted_ids, as the raw code produces none.
void tether_bulk_insert_no_ids(benchmark::State& state) { tether_bulk(state, false); }

// --- include (include_workload.hpp): the hand-written join, stitched into the structs ----

std::string sqlite_url() { return "sqlite://" + db_path(); }

void create_include_tables() {
  tether::client db{sqlite_url()};
  tether::bench::create_include_tables(db);
  tether::bench::create_keyset_table(db);
}

// One prepared statement whose rows `add` turns into the parents, run per iteration.
template <class AddRow>
void raw_include_statement(benchmark::State& state, const char* sql, AddRow add) {
  using namespace tether::bench;
  sqlite3* db = open_raw();
  sqlite3_stmt* st = nullptr;
  sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, nullptr);
  for (auto _ : state) {
    std::vector<inc_parent> out;
    while (sqlite3_step(st) == SQLITE_ROW) add(st, out);
    sqlite3_reset(st);
    benchmark::DoNotOptimize(out);
  }
  sqlite3_finalize(st);
  sqlite3_close(db);
}

void raw_include_join(benchmark::State& state) {
  using namespace tether::bench;
  raw_include_statement(state, include_join_sql, [](sqlite3_stmt* st, std::vector<inc_parent>& out) {
    const std::int64_t pid = sqlite3_column_int64(st, 0);
    if (out.empty() || out.back().id != pid)
      out.push_back({pid, reinterpret_cast<const char*>(sqlite3_column_text(st, 1)), {}});
    if (sqlite3_column_type(st, 2) == SQLITE_NULL) return;
    inc_kid k{sqlite3_column_int64(st, 2), sqlite3_column_int64(st, 3), std::nullopt};
    if (sqlite3_column_type(st, 4) != SQLITE_NULL)
      k.item = inc_item{sqlite3_column_int64(st, 4), reinterpret_cast<const char*>(sqlite3_column_text(st, 5))};
    out.back().kids.push_back(std::move(k));
  });
}

// The one statement a SQLite-only include would send: each parent's children (and their
// items) aggregated into JSON by a correlated subquery, parsed back into structs.
// Measured to decide whether tether's include should have such a path (docs/querying.md).
constexpr const char* include_json_sql =
    "SELECT p.id, p.name, (SELECT json_group_array(json_object('id', k.id, 'qty', k.qty, 'item', "
    "CASE WHEN i.id IS NULL THEN NULL ELSE json_object('id', i.id, 'name', i.name) END)) "
    "FROM (SELECT * FROM inc_kids WHERE parent_id = p.id ORDER BY id) k LEFT JOIN inc_items i ON i.id = k.item_id) "
    "FROM inc_parents p ORDER BY p.id";

void raw_include_json(benchmark::State& state) {
  using namespace tether::bench;
  raw_include_statement(state, include_json_sql, [](sqlite3_stmt* st, std::vector<inc_parent>& out) {
    inc_parent& p = out.emplace_back(
        inc_parent{sqlite3_column_int64(st, 0), reinterpret_cast<const char*>(sqlite3_column_text(st, 1)), {}});
    const tether::value kids = tether::value::from_json(reinterpret_cast<const char*>(sqlite3_column_text(st, 2)));
    for (const auto& k : kids.as_array()) {
      inc_kid kid{k["id"].as_int(), k["qty"].as_int(), std::nullopt};
      if (const auto& item = k["item"]; !item.is_null()) kid.item = inc_item{item["id"].as_int(), item["name"].as_string()};
      p.kids.push_back(std::move(kid));
    }
  });
}

void print_ratios(const tether::bench::collecting_reporter& times) {
  std::cout << "\nratios of CPU time (tether / raw sqlite3; lower is better, 1.00 is parity)\n";
  struct pair { const char* name; const char* tether; const char* raw; };
  for (auto [name, t_name, r_name] : {pair{"point_select", "tether_point_select", "raw_point_select"},
                                      pair{"point_select (prepared)", "tether_point_select_prepared", "raw_point_select"},
                                      pair{"bulk_insert", "tether_bulk_insert", "raw_bulk_insert"},
                                      pair{"bulk_insert (no ids)", "tether_bulk_insert_no_ids", "raw_bulk_insert"},
                                      pair{"bulk_insert (caller's keys)", "tether_bulk_insert_keys", "raw_bulk_insert_keys"},
                                      pair{"insert one row", "tether_insert_one", "raw_insert_one"},
                                      pair{"insert one row (prepared)", "tether_insert_one_prepared", "raw_insert_one"},
                                      pair{"insert one row (SOCI)", "soci_insert_one", "raw_insert_one"}}) {
    double t = times.time(t_name), r = times.time(r_name);
    if (t > 0 && r > 0) std::printf("  %-28s %.3fx\n", name, t / r);
  }
}

}  // namespace

using tether::bench::loop;
TETHER_BENCH_CALL(raw_point_select, raw_point_select);
TETHER_BENCH_CALL(tether_point_select, tether_point_select);
TETHER_BENCH_CALL(tether_point_select_prepared, tether_point_select_prepared);
BENCHMARK(raw_bulk_insert)->Unit(benchmark::kMillisecond)->Iterations(3);
BENCHMARK(tether_bulk_insert)->Unit(benchmark::kMillisecond)->Iterations(3);
BENCHMARK(tether_bulk_insert_no_ids)->Unit(benchmark::kMillisecond)->Iterations(3);
BENCHMARK(raw_bulk_insert_keys)->Unit(benchmark::kMillisecond)->Iterations(3);
BENCHMARK(tether_bulk_insert_keys)->Unit(benchmark::kMillisecond)->Iterations(3);
TETHER_BENCH_CALL(raw_insert_one, raw_insert_one);
TETHER_BENCH_CALL(tether_insert_one, tether_insert_one);
TETHER_BENCH_CALL(tether_insert_one_prepared, tether_insert_one_prepared);
#if TETHER_BENCH_SOCI
TETHER_BENCH_CALL(soci_insert_one, soci_insert_one);
#endif
BENCHMARK(raw_include_join)->Unit(benchmark::kMicrosecond);
BENCHMARK(raw_include_json)->Unit(benchmark::kMicrosecond);
BENCHMARK(tether::bench::tether_include<sqlite_url>)->Name("tether_include")->Unit(benchmark::kMicrosecond);
BENCHMARK(tether::bench::tether_include_n_plus_one<sqlite_url>)->Name("tether_include_n_plus_one")->Unit(benchmark::kMicrosecond);
BENCHMARK(tether::bench::tether_keyset_page<sqlite_url>)->Name("tether_keyset_page")->Arg(1)->Arg(1000)->Unit(benchmark::kMicrosecond);

int main(int argc, char** argv) {
  const std::size_t rounds = tether::bench::paired_rounds(argc, argv, 5'000);
  create_users();
  create_include_tables();
  {
    sqlite3* db = open_raw();
    reset_events(db);
    sqlite3_close(db);
  }
  if (rounds) {
    tether::bench::run_paired("point_select", {{"raw sqlite3", raw_point_select},
                                               {"raw sqlite3, another connection (control)", raw_point_select},
                                               {"tether (prepared)", tether_point_select_prepared},
                                               {"tether (db.find)", tether_point_select}},
                              rounds, 100);
    remove_database();
    return 0;
  }
  benchmark::Initialize(&argc, argv);
  tether::bench::collecting_reporter reporter(tether::bench::collecting_reporter::clock::cpu);
  benchmark::RunSpecifiedBenchmarks(&reporter);
  print_ratios(reporter);
  tether::bench::print_include_ratios(reporter, "raw_include_join", nullptr);
  if (double json = reporter.time("raw_include_json"), inc = reporter.time("tether_include"); json > 0 && inc > 0)
    std::printf("  include / hand-written json_group_array statement  %.2fx\n", inc / json);
  benchmark::Shutdown();
  remove_database();
  return 0;
}
