// tether vs raw libpq, libpqxx and SOCI, in one binary, against one PostgreSQL server.
// Needs TETHER_PG_URL (make bench-postgresql starts a server). Prints Google Benchmark's
// table, then each peer's time relative to raw libpq (lower is better).
#include <benchmark/benchmark.h>
#include <libpq-fe.h>
#include <soci/postgresql/soci-postgresql.h>
#include <soci/soci.h>
#include <tether/tether.hpp>

#include "collecting_reporter.hpp"
#include "include_workload.hpp"
#include "soci_workloads.hpp"
#include "tether_workloads.hpp"

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <pqxx/pqxx>
#include <memory>
#include <random>
#include <unordered_map>
#include <algorithm>

namespace {

using namespace tether::bench;

std::string url() {
  const char* u = std::getenv("TETHER_PG_URL");
  return u ? u : "";
}

// SOCI's PostgreSQL backend takes libpq's key=value form, not a URI.
std::string keyword_url() {
  char* err = nullptr;
  PQconninfoOption* opts = PQconninfoParse(url().c_str(), &err);
  if (!opts) throw std::runtime_error(err ? err : "bad URL");
  std::string out;
  for (auto* o = opts; o->keyword; ++o)
    if (o->val && *o->val) out += std::string(out.empty() ? "" : " ") + o->keyword + "=" + o->val;
  PQconninfoFree(opts);
  return out;
}

PGconn* raw_connect() {
  PGconn* c = PQconnectdb(url().c_str());
  if (PQstatus(c) != CONNECTION_OK) throw std::runtime_error(PQerrorMessage(c));
  return c;
}

void raw_exec(PGconn* c, const char* sql) {
  PGresult* r = PQexec(c, sql);
  auto s = PQresultStatus(r);
  PQclear(r);
  if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK) throw std::runtime_error(PQerrorMessage(c));
}

void setup_tables() {
  PGconn* c = raw_connect();
  raw_exec(c,
           "SET client_min_messages = warning; DROP TABLE IF EXISTS users; CREATE TABLE users (id BIGINT PRIMARY KEY, name TEXT NOT NULL, "
           "score DOUBLE PRECISION, created TIMESTAMPTZ, active BOOLEAN, amount NUMERIC(12,2));"
           "INSERT INTO users SELECT g, 'user' || g, g * 0.5, now(), g % 2 = 0, g * 1.25 FROM generate_series(1, 10000) g;"
           "DROP TABLE IF EXISTS events; CREATE TABLE events (id BIGSERIAL PRIMARY KEY, kind TEXT, n BIGINT);"
           "DROP TABLE IF EXISTS bulk; CREATE TABLE bulk (id BIGINT, name TEXT, x DOUBLE PRECISION);"
           "DROP TABLE IF EXISTS stream_rows; CREATE TABLE stream_rows (id BIGINT, name TEXT, score DOUBLE PRECISION);"
           "INSERT INTO stream_rows SELECT g, 'user' || g, g * 0.5 FROM generate_series(1, 1000000) g;"
           "ANALYZE users; ANALYZE stream_rows");
  PQfinish(c);
}

// --- point select by primary key ----------------------------------------------------------

// A libpq connection closed with the closure that holds it.
std::shared_ptr<PGconn> raw_shared() { return {raw_connect(), PQfinish}; }

call libpq_point_select() {
  auto c = raw_shared();
  PQclear(PQprepare(c.get(), "ps", "SELECT id, name, score FROM users WHERE id = $1", 0, nullptr));
  return [c, rng = std::mt19937(1)]() mutable {
    std::string id = std::to_string(pick(rng));
    const char* v[] = {id.c_str()};
    PGresult* r = PQexecPrepared(c.get(), "ps", 1, v, nullptr, nullptr, 0);
    user u{std::atoll(PQgetvalue(r, 0, 0)), PQgetvalue(r, 0, 1), std::atof(PQgetvalue(r, 0, 2))};
    PQclear(r);
    benchmark::DoNotOptimize(u);
  };
}

call libpqxx_point_select() {
  struct held {
    pqxx::connection c{url()};
    pqxx::nontransaction tx{c};
    std::mt19937 rng{1};
  };
  auto h = std::make_shared<held>();
  h->c.prepare("ps", "SELECT id, name, score FROM users WHERE id = $1");
  return [h] {
    auto r = h->tx.exec_prepared("ps", pick(h->rng));
    user u{r[0][0].as<std::int64_t>(), r[0][1].as<std::string>(), r[0][2].as<double>()};
    benchmark::DoNotOptimize(u);
  };
}

// --- read 200 rows of mixed types ---------------------------------------------------------

void libpq_read_200(benchmark::State& state) {
  PGconn* c = raw_connect();
  PQclear(PQprepare(c, "r200", "SELECT id, name, score, created, active, amount FROM users WHERE id <= 200", 0, nullptr));
  for (auto _ : state) {
    PGresult* r = PQexecPrepared(c, "r200", 0, nullptr, nullptr, nullptr, 0);
    std::vector<wide> rows;
    rows.reserve(200);
    for (int i = 0; i < PQntuples(r); ++i)
      rows.push_back({std::atoll(PQgetvalue(r, i, 0)), PQgetvalue(r, i, 1), std::atof(PQgetvalue(r, i, 2)),
                      PQgetvalue(r, i, 3), PQgetvalue(r, i, 4)[0] == 't', PQgetvalue(r, i, 5)});
    PQclear(r);
    benchmark::DoNotOptimize(rows);
  }
  PQfinish(c);
}

void libpqxx_read_200(benchmark::State& state) {
  pqxx::connection c{url()};
  c.prepare("r200", "SELECT id, name, score, created, active, amount FROM users WHERE id <= 200");
  pqxx::nontransaction tx{c};
  for (auto _ : state) {
    auto r = tx.exec_prepared("r200");
    std::vector<wide> rows;
    rows.reserve(200);
    for (const auto& row : r)
      rows.push_back({row[0].as<std::int64_t>(), row[1].as<std::string>(), row[2].as<double>(),
                      row[3].as<std::string>(), row[4].as<bool>(), row[5].as<std::string>()});
    benchmark::DoNotOptimize(rows);
  }
}

void soci_read_200(benchmark::State& state) {
  soci::session sql(*soci::factory_postgresql(), keyword_url());
  for (auto _ : state) {
    soci::rowset<soci::row> rs = (sql.prepare << "SELECT id, name, score, created::text, active::int, amount::text FROM users WHERE id <= 200");
    std::vector<wide> rows;
    rows.reserve(200);
    for (const auto& row : rs)
      rows.push_back({row.get<long long>(0), row.get<std::string>(1), row.get<double>(2), row.get<std::string>(3),
                      row.get<int>(4) != 0, row.get<std::string>(5)});
    benchmark::DoNotOptimize(rows);
  }
}

// --- single insert returning id -----------------------------------------------------------

call libpq_insert_returning() {
  auto c = raw_shared();
  PQclear(PQprepare(c.get(), "ins", "INSERT INTO events (kind, n) VALUES ($1, $2) RETURNING id", 0, nullptr));
  return [c] {
    const char* v[] = {"click", "7"};
    PGresult* r = PQexecPrepared(c.get(), "ins", 2, v, nullptr, nullptr, 0);
    benchmark::DoNotOptimize(std::atoll(PQgetvalue(r, 0, 0)));
    PQclear(r);
  };
}

call libpqxx_insert_returning() {
  struct held {
    pqxx::connection c{url()};
    pqxx::nontransaction tx{c};
  };
  auto h = std::make_shared<held>();
  h->c.prepare("ins", "INSERT INTO events (kind, n) VALUES ($1, $2) RETURNING id");
  return [h] { benchmark::DoNotOptimize(h->tx.exec_prepared1("ins", "click", 7)[0].as<std::int64_t>()); };
}

call soci_insert_returning() {
  struct held {
    soci::session sql{*soci::factory_postgresql(), keyword_url()};
    std::string kind = "click";
    int n = 7;
    long long id = 0;
    soci::statement st = (sql.prepare << "INSERT INTO events (kind, n) VALUES (:k, :n) RETURNING id", soci::use(kind),
                          soci::use(n), soci::into(id));
  };
  return [h = std::make_shared<held>()] {
    h->st.execute(true);
    benchmark::DoNotOptimize(h->id);
  };
}

// --- bulk insert of a million rows --------------------------------------------------------

void libpq_bulk_copy(benchmark::State& state) {
  PGconn* c = raw_connect();
  for (auto _ : state) {
    state.PauseTiming();
    raw_exec(c, "TRUNCATE bulk");
    state.ResumeTiming();
    PQclear(PQexec(c, "COPY bulk (id, name, x) FROM STDIN"));
    std::string buf;
    for (int i = 0; i < bulk_rows; ++i) {
      buf += std::to_string(i);
      buf += "\tname";
      buf += std::to_string(i);
      buf += '\t';
      buf += std::to_string(i * 0.25);
      buf += '\n';
      if (buf.size() > (1 << 16)) {
        PQputCopyData(c, buf.data(), static_cast<int>(buf.size()));
        buf.clear();
      }
    }
    PQputCopyData(c, buf.data(), static_cast<int>(buf.size()));
    PQputCopyEnd(c, nullptr);
    PQclear(PQgetResult(c));
  }
  PQfinish(c);
}

void libpqxx_bulk_copy(benchmark::State& state) {
  pqxx::connection c{url()};
  for (auto _ : state) {
    state.PauseTiming();
    pqxx::nontransaction(c).exec("TRUNCATE bulk");
    state.ResumeTiming();
    pqxx::work tx{c};
    pqxx::stream_to out{tx, "bulk", std::vector<std::string>{"id", "name", "x"}};
    for (int i = 0; i < bulk_rows; ++i) out << std::make_tuple(i, "name" + std::to_string(i), i * 0.25);
    out.complete();
    tx.commit();
  }
}

// --- a million rows streamed ---------------------------------------------------------------

// libpq's single-row mode, text results, each row read into a struct: what db.stream does
// underneath (its cursor asks for text too).
void libpq_stream(benchmark::State& state) {
  PGconn* c = raw_connect();
  for (auto _ : state) {
    std::int64_t rows = 0;
    if (!PQsendQueryParams(c, "SELECT id, name, score FROM stream_rows", 0, nullptr, nullptr, nullptr, nullptr, 0) ||
        !PQsetSingleRowMode(c))
      throw std::runtime_error(PQerrorMessage(c));
    while (PGresult* r = PQgetResult(c)) {
      if (PQresultStatus(r) == PGRES_SINGLE_TUPLE) {
        user u{std::atoll(PQgetvalue(r, 0, 0)), std::string(PQgetvalue(r, 0, 1), PQgetlength(r, 0, 1)),
               std::strtod(PQgetvalue(r, 0, 2), nullptr)};
        benchmark::DoNotOptimize(u);
        ++rows;
      }
      PQclear(r);
    }
    if (rows != stream_rows) throw std::runtime_error("libpq_stream read " + std::to_string(rows) + " rows");
  }
  state.SetItemsProcessed(state.iterations() * stream_rows);
  PQfinish(c);
}

// --- 1,000 independent point selects: one at a time, and as one batch ---------------------

void tether_thousand_one_at_a_time(benchmark::State& state) {
  tether::client db{url(), {.pool_size = 1}};
  for (auto _ : state)
    for (int i = 1; i <= 1000; ++i) benchmark::DoNotOptimize(db.find({.table = "users", .where = {{"id", i}}}).count);
}

void tether_thousand_as_a_batch(benchmark::State& state) {
  tether::client db{url(), {.pool_size = 1}};
  std::vector<tether::find_options> queries;
  for (int i = 1; i <= 1000; ++i) queries.push_back({.table = "users", .where = {{"id", i}}});
  for (auto _ : state) benchmark::DoNotOptimize(db.find_batch(queries).size());
}

// --- include (include_workload.hpp): the hand-written join, and the three queries a user
// writes to avoid N+1 (parents; their kids by = ANY; the kids' items by = ANY), stitched ----

// One prepared statement whose rows `add` turns into the parents, run per iteration.
template <class AddRow>
void libpq_include_statement(benchmark::State& state, const char* name, const char* sql, AddRow add) {
  PGconn* c = raw_connect();
  PQclear(PQprepare(c, name, sql, 0, nullptr));
  for (auto _ : state) {
    PGresult* r = PQexecPrepared(c, name, 0, nullptr, nullptr, nullptr, 0);
    std::vector<inc_parent> out;
    for (int i = 0; i < PQntuples(r); ++i) add(r, i, out);
    PQclear(r);
    benchmark::DoNotOptimize(out);
  }
  PQfinish(c);
}

void libpq_include_join(benchmark::State& state) {
  libpq_include_statement(state, "ijoin", include_join_sql, [](PGresult* r, int i, std::vector<inc_parent>& out) {
    const std::int64_t pid = std::atoll(PQgetvalue(r, i, 0));
    if (out.empty() || out.back().id != pid) out.push_back({pid, PQgetvalue(r, i, 1), {}});
    if (PQgetisnull(r, i, 2)) return;
    inc_kid k{std::atoll(PQgetvalue(r, i, 2)), std::atoll(PQgetvalue(r, i, 3)), std::nullopt};
    if (!PQgetisnull(r, i, 4)) k.item = inc_item{std::atoll(PQgetvalue(r, i, 4)), PQgetvalue(r, i, 5)};
    out.back().kids.push_back(std::move(k));
  });
}

void libpq_include_queries(benchmark::State& state) {
  PGconn* c = raw_connect();
  PQclear(PQprepare(c, "iparents", "SELECT id, name FROM inc_parents ORDER BY id", 0, nullptr));
  PQclear(PQprepare(c, "ikids", "SELECT id, parent_id, item_id, qty FROM inc_kids WHERE parent_id = ANY($1::bigint[]) ORDER BY id", 1, nullptr));
  PQclear(PQprepare(c, "iitems", "SELECT id, name FROM inc_items WHERE id = ANY($1::bigint[])", 1, nullptr));
  const auto array_of = [](const std::vector<std::int64_t>& ids) {
    std::string a = "{";
    for (auto id : ids) a += (a.size() > 1 ? "," : "") + std::to_string(id);
    return a + "}";
  };
  for (auto _ : state) {
    PGresult* p = PQexecPrepared(c, "iparents", 0, nullptr, nullptr, nullptr, 0);
    std::vector<inc_parent> out;
    std::unordered_map<std::int64_t, std::size_t> parent_at;
    std::vector<std::int64_t> ids;
    for (int i = 0; i < PQntuples(p); ++i) {
      out.push_back({std::atoll(PQgetvalue(p, i, 0)), PQgetvalue(p, i, 1), {}});
      parent_at[out.back().id] = out.size() - 1;
      ids.push_back(out.back().id);
    }
    PQclear(p);
    std::string arg = array_of(ids);
    const char* v[1] = {arg.c_str()};
    PGresult* k = PQexecPrepared(c, "ikids", 1, v, nullptr, nullptr, 0);
    std::vector<std::pair<std::size_t, std::int64_t>> kid_item;  // (parent, item or 0)
    std::vector<std::int64_t> items;
    for (int i = 0; i < PQntuples(k); ++i) {
      const std::size_t at = parent_at[std::atoll(PQgetvalue(k, i, 1))];
      out[at].kids.push_back({std::atoll(PQgetvalue(k, i, 0)), std::atoll(PQgetvalue(k, i, 3)), std::nullopt});
      const std::int64_t item = PQgetisnull(k, i, 2) ? 0 : std::atoll(PQgetvalue(k, i, 2));
      kid_item.emplace_back(at, item);
      if (item) items.push_back(item);
    }
    PQclear(k);
    std::sort(items.begin(), items.end());
    items.erase(std::unique(items.begin(), items.end()), items.end());
    arg = array_of(items);
    v[0] = arg.c_str();
    PGresult* it = PQexecPrepared(c, "iitems", 1, v, nullptr, nullptr, 0);
    std::unordered_map<std::int64_t, inc_item> by_id;
    for (int i = 0; i < PQntuples(it); ++i) {
      const std::int64_t id = std::atoll(PQgetvalue(it, i, 0));
      by_id.emplace(id, inc_item{id, PQgetvalue(it, i, 1)});
    }
    PQclear(it);
    std::vector<std::size_t> next(out.size(), 0);
    for (const auto& [at, item] : kid_item) {
      inc_kid& kid = out[at].kids[next[at]++];
      if (auto hit = by_id.find(item); hit != by_id.end()) kid.item = hit->second;
    }
    benchmark::DoNotOptimize(out);
  }
  PQfinish(c);
}

// The single statement a PostgreSQL-only include would send: LATERAL subqueries that
// aggregate each parent's children (and their items) into JSON, parsed back into structs.
// Measured to decide whether tether's include should have such a path (docs/querying.md).
constexpr const char* include_lateral_sql =
    "SELECT p.id, p.name, COALESCE(k.kids, '[]') FROM inc_parents p LEFT JOIN LATERAL ("
    "SELECT json_agg(json_build_object('id', c.id, 'qty', c.qty, 'item', "
    "CASE WHEN i.id IS NULL THEN NULL ELSE json_build_object('id', i.id, 'name', i.name) END) ORDER BY c.id) AS kids "
    "FROM inc_kids c LEFT JOIN inc_items i ON i.id = c.item_id WHERE c.parent_id = p.id) k ON true ORDER BY p.id";

void libpq_include_lateral(benchmark::State& state) {
  libpq_include_statement(state, "ilateral", include_lateral_sql, [](PGresult* r, int i, std::vector<inc_parent>& out) {
    inc_parent& p = out.emplace_back(inc_parent{std::atoll(PQgetvalue(r, i, 0)), PQgetvalue(r, i, 1), {}});
    const tether::value kids = tether::value::from_json(PQgetvalue(r, i, 2));
    for (const auto& k : kids.as_array()) {
      inc_kid kid{k["id"].as_int(), k["qty"].as_int(), std::nullopt};
      if (const auto& item = k["item"]; !item.is_null()) kid.item = inc_item{item["id"].as_int(), item["name"].as_string()};
      p.kids.push_back(std::move(kid));
    }
  });
}

void print_ratios(const tether::bench::collecting_reporter& times) {
  tether::bench::print_ratios(times, {.raw_prefix = "libpq",
                                      .raw_name = "raw libpq",
                                      .peers = {"libpqxx", "soci"},
                                      .peer_titles = {"libpqxx", "SOCI"},
                                      .rows = {{"point_select", "point_select"},
                                               {"read_200", "read_200"},
                                               {"insert_returning", "insert_returning"},
                                               {"insert_prepared", "insert_returning"},
                                               {"bulk_copy", "bulk_copy"}},
                                      .renamed = {{{"soci", "bulk_copy"}, "soci_bulk_insert"}}});
  print_stream_ratios(times, "libpq_stream");
  print_include_ratios(times, "libpq_include_join", "libpq_include_queries");
  if (double lateral = times.time("libpq_include_lateral"), inc = times.time("tether_include"); lateral > 0 && inc > 0)
    std::printf("  include / hand-written LATERAL + json_agg  %.2fx\n", inc / lateral);
  double one = times.time("tether_thousand_one_at_a_time"), batch = times.time("tether_thousand_as_a_batch");
  if (one > 0 && batch > 0) std::printf("  1,000 point selects: a batch is %.1fx faster than one at a time\n", one / batch);
}

}  // namespace

TETHER_BENCH_CALL(libpq_point_select, libpq_point_select);
TETHER_BENCH_CALL(tether_point_select, tether_point_select<url>);
TETHER_BENCH_CALL(libpqxx_point_select, libpqxx_point_select);
TETHER_BENCH_CALL(soci_point_select, (soci_point_select<soci::factory_postgresql, keyword_url>));
BENCHMARK(libpq_read_200);
BENCHMARK(tether_read_200<url>)->Name("tether_read_200");
BENCHMARK(libpqxx_read_200);
BENCHMARK(soci_read_200);
TETHER_BENCH_CALL(libpq_insert_returning, libpq_insert_returning);
TETHER_BENCH_CALL(tether_insert_returning, tether_insert_returning<url>);
TETHER_BENCH_CALL(tether_insert_prepared, tether_insert_prepared<url>);
TETHER_BENCH_CALL(libpqxx_insert_returning, libpqxx_insert_returning);
TETHER_BENCH_CALL(soci_insert_returning, soci_insert_returning);
BENCHMARK(libpq_bulk_copy)->Unit(benchmark::kMillisecond)->Iterations(2);
BENCHMARK(tether_bulk_insert<url>)->Name("tether_bulk_copy")->Unit(benchmark::kMillisecond)->Iterations(2);
BENCHMARK(libpqxx_bulk_copy)->Unit(benchmark::kMillisecond)->Iterations(2);
BENCHMARK(soci_bulk_insert<soci::factory_postgresql, keyword_url>)->Name("soci_bulk_insert")->Unit(benchmark::kMillisecond)->Iterations(1);  // row by row: ~100 s
BENCHMARK(libpq_stream)->Unit(benchmark::kMillisecond)->Iterations(1);
BENCHMARK(tether_stream<url>)->Name("tether_stream")->Arg(10)->Arg(100)->Arg(1000)->Arg(10000)->Unit(benchmark::kMillisecond)->Iterations(1);
BENCHMARK(tether_thousand_one_at_a_time)->Unit(benchmark::kMillisecond);
BENCHMARK(tether_thousand_as_a_batch)->Unit(benchmark::kMillisecond);
BENCHMARK(libpq_include_join)->Unit(benchmark::kMicrosecond);
BENCHMARK(libpq_include_queries)->Unit(benchmark::kMicrosecond);
BENCHMARK(libpq_include_lateral)->Unit(benchmark::kMicrosecond);
BENCHMARK(tether_include<url>)->Name("tether_include")->Unit(benchmark::kMicrosecond);
BENCHMARK(tether_include_n_plus_one<url>)->Name("tether_include_n_plus_one")->Unit(benchmark::kMicrosecond);
BENCHMARK(tether_keyset_page<url>)->Name("tether_keyset_page")->Arg(1)->Arg(1000)->Unit(benchmark::kMicrosecond);

int main(int argc, char** argv) {
  if (url().empty()) {
    std::cerr << "set TETHER_PG_URL, or run `make bench-postgresql`, which starts a server\n";
    return 1;
  }
  const std::size_t rounds = paired_rounds(argc, argv, 20'000);
  setup_tables();
  {
    tether::client db{url()};
    create_include_tables(db);
    create_keyset_table(db);
    db.raw({.query = "ANALYZE"});
  }
  if (rounds) {
    run_paired("point_select", {{"libpq", libpq_point_select},
                                {"libpq, another connection (control)", libpq_point_select},
                                {"tether (prepared)", tether_point_select<url>},
                                {"libpqxx", libpqxx_point_select},
                                {"SOCI", soci_point_select<soci::factory_postgresql, keyword_url>}}, rounds);
    run_paired("insert_returning", {{"libpq", libpq_insert_returning},
                                    {"libpq, another connection (control)", libpq_insert_returning},
                                    {"tether (prepared)", tether_insert_prepared<url>},
                                    {"tether (db.insert)", tether_insert_returning<url>},
                                    {"libpqxx", libpqxx_insert_returning},
                                    {"SOCI", soci_insert_returning}}, rounds);
    return 0;
  }
  benchmark::Initialize(&argc, argv);
  tether::bench::collecting_reporter reporter(tether::bench::collecting_reporter::clock::wall);
  benchmark::RunSpecifiedBenchmarks(&reporter);
  print_ratios(reporter);
  benchmark::Shutdown();
  return 0;
}
