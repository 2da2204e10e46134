// tether vs raw MariaDB Connector/C prepared statements and SOCI's MySQL backend, in one
// binary, against one MariaDB server. Needs TETHER_MYSQL_URL (make bench-mysql starts a
// server). Prints Google Benchmark's table, then each peer's time relative to raw.
#include <benchmark/benchmark.h>
#include <mysql.h>
#include <soci/mysql/soci-mysql.h>
#include <soci/soci.h>
#include <tether/tether.hpp>

#include "collecting_reporter.hpp"
#include "soci_workloads.hpp"
#include "tether_workloads.hpp"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <memory>
#include <random>
#include <regex>

namespace {

using namespace tether::bench;

std::string url() {
  const char* u = std::getenv("TETHER_MYSQL_URL");
  return u ? u : "";
}

struct parts {
  std::string user, password, host, db;
  unsigned port = 3306;
};

parts parse() {
  std::smatch m;
  std::string u = url();
  if (!std::regex_match(u, m, std::regex(R"(\w+://([^:@]+)(?::([^@]*))?@([^:/]+)(?::(\d+))?/(\w+).*)")))
    throw std::runtime_error("TETHER_MYSQL_URL is not mysql://user:password@host:port/db");
  return {m[1], m[2], m[3], m[5], m[4].matched ? static_cast<unsigned>(std::stoul(m[4])) : 3306u};
}

std::string soci_url() {
  auto p = parse();
  return "db=" + p.db + " user=" + p.user + " password='" + p.password + "' host=" + p.host +
         " port=" + std::to_string(p.port) + " charset=utf8mb4";
}

MYSQL* raw_connect() {
  auto p = parse();
  MYSQL* m = mysql_init(nullptr);
  mysql_optionsv(m, MYSQL_SET_CHARSET_NAME, "utf8mb4");
  if (!mysql_real_connect(m, p.host.c_str(), p.user.c_str(), p.password.c_str(), p.db.c_str(), p.port, nullptr,
                          CLIENT_MULTI_STATEMENTS))
    throw std::runtime_error(mysql_error(m));
  return m;
}

void raw_exec(MYSQL* m, const char* sql) {
  if (mysql_query(m, sql)) throw std::runtime_error(mysql_error(m));
  do {
    if (MYSQL_RES* r = mysql_store_result(m)) mysql_free_result(r);
  } while (mysql_next_result(m) == 0);
}

// One MYSQL_BIND: a buffer of a type, with its capacity and where its length goes.
MYSQL_BIND bind_of(enum_field_types type, void* buffer, unsigned long capacity = 0, unsigned long* length = nullptr) {
  MYSQL_BIND b{};
  b.buffer_type = type;
  b.buffer = buffer;
  b.buffer_length = capacity;
  b.length = length;
  return b;
}

MYSQL_STMT* raw_prepare(MYSQL* m, const char* sql) {
  MYSQL_STMT* s = mysql_stmt_init(m);
  if (mysql_stmt_prepare(s, sql, std::strlen(sql))) throw std::runtime_error(mysql_stmt_error(s));
  return s;
}

void setup_tables() {
  MYSQL* m = raw_connect();
  raw_exec(m,
           "DROP TABLE IF EXISTS users; CREATE TABLE users (id BIGINT PRIMARY KEY, name VARCHAR(100) NOT NULL, "
           "score DOUBLE, created DATETIME(6), active BOOLEAN, amount DECIMAL(12,2));"
           "INSERT INTO users SELECT seq, CONCAT('user', seq), seq * 0.5, NOW(6), seq % 2 = 0, seq * 1.25 "
           "FROM seq_1_to_10000;"
           "DROP TABLE IF EXISTS events; CREATE TABLE events (id BIGINT AUTO_INCREMENT PRIMARY KEY, kind VARCHAR(20), n BIGINT);"
           "DROP TABLE IF EXISTS bulk; CREATE TABLE bulk (id BIGINT, name VARCHAR(40), x DOUBLE);"
           "DROP TABLE IF EXISTS mixed; CREATE TABLE mixed (id BIGINT PRIMARY KEY, name VARCHAR(100) NOT NULL, "
           "score DOUBLE, created DATETIME(6), active BOOLEAN, amount DECIMAL(12,2), born DATE, qty INT, "
           "note VARCHAR(200), updated TIMESTAMP(6) NULL);"
           "INSERT INTO mixed SELECT seq, CONCAT('user', seq), seq * 0.5, NOW(6) - INTERVAL seq MINUTE, seq % 2 = 0, "
           "seq * 1.25, DATE '1990-01-01' + INTERVAL seq DAY, seq * 3, CONCAT('a note about user ', seq), "
           "NOW(6) - INTERVAL seq SECOND FROM seq_1_to_1000;"
           "ANALYZE TABLE users, mixed");
  mysql_close(m);
}

// --- point select by primary key ----------------------------------------------------------

// A connection and one prepared statement, closed with the closure that holds them.
struct raw_statement {
  explicit raw_statement(const char* sql) : m(raw_connect()), s(raw_prepare(m, sql)) {}
  raw_statement(const raw_statement&) = delete;
  raw_statement& operator=(const raw_statement&) = delete;
  ~raw_statement() {
    mysql_stmt_close(s);
    mysql_close(m);
  }
  MYSQL* m;
  MYSQL_STMT* s;
};

call raw_point_select() {
  struct held : raw_statement {
    held() : raw_statement("SELECT id, name, score FROM users WHERE id = ?") {}
    std::mt19937 rng{1};
    long long id = 0, out_id = 0;
    double score = 0;
    char name[101]{};
    unsigned long name_len = 0;
    MYSQL_BIND in = bind_of(MYSQL_TYPE_LONGLONG, &id);
    MYSQL_BIND out[3] = {bind_of(MYSQL_TYPE_LONGLONG, &out_id), bind_of(MYSQL_TYPE_STRING, name, sizeof name, &name_len),
                         bind_of(MYSQL_TYPE_DOUBLE, &score)};
  };
  return [h = std::make_shared<held>()] {
    h->id = pick(h->rng);
    mysql_stmt_bind_param(h->s, &h->in);
    mysql_stmt_execute(h->s);
    mysql_stmt_bind_result(h->s, h->out);
    while (mysql_stmt_fetch(h->s) == 0) {
      user u{h->out_id, std::string(h->name, h->name_len), h->score};
      benchmark::DoNotOptimize(u);
    }
  };
}

// --- read 200 rows of mixed types ---------------------------------------------------------

void raw_read_200(benchmark::State& state) {
  MYSQL* m = raw_connect();
  MYSQL_STMT* s = raw_prepare(m, "SELECT id, name, score, created, active, amount FROM users WHERE id <= ?");
  long long n = 200, id = 0, active = 0;
  double score = 0;
  char name[101], amount[32];
  MYSQL_TIME created{};
  unsigned long name_len = 0, amount_len = 0;
  MYSQL_BIND in = bind_of(MYSQL_TYPE_LONGLONG, &n);
  MYSQL_BIND out[] = {bind_of(MYSQL_TYPE_LONGLONG, &id), bind_of(MYSQL_TYPE_STRING, name, sizeof name, &name_len),
                      bind_of(MYSQL_TYPE_DOUBLE, &score), bind_of(MYSQL_TYPE_DATETIME, &created),
                      bind_of(MYSQL_TYPE_LONGLONG, &active), bind_of(MYSQL_TYPE_STRING, amount, sizeof amount, &amount_len)};
  for (auto _ : state) {
    mysql_stmt_bind_param(s, &in);
    mysql_stmt_execute(s);
    mysql_stmt_bind_result(s, out);
    std::vector<wide> rows;
    rows.reserve(200);
    char when[32];
    while (mysql_stmt_fetch(s) == 0) {
      std::snprintf(when, sizeof when, "%04u-%02u-%02u %02u:%02u:%02u.%06lu", created.year, created.month, created.day,
                    created.hour, created.minute, created.second, created.second_part);
      rows.push_back({id, std::string(name, name_len), score, when, active != 0, std::string(amount, amount_len)});
    }
    benchmark::DoNotOptimize(rows);
  }
  mysql_stmt_close(s);
  mysql_close(m);
}

// --- read 200 rows of 10 mixed columns (timestamps, a date, decimals) ---------------------
// Each side keeps what its API hands over and a caller can use: raw keeps the MYSQL_TIME
// structs and the decimal's digit strings; tether builds tether::timestamp and
// tether::date values (its types, which it must build) and copies the decimal's digits.

struct mixed_raw {
  long long id;
  std::string name;
  double score;
  MYSQL_TIME created;
  bool active;
  std::string amount;
  MYSQL_TIME born;
  long long qty;
  std::string note;
  MYSQL_TIME updated;
};

void raw_read_200_mixed(benchmark::State& state) {
  MYSQL* m = raw_connect();
  MYSQL_STMT* s = raw_prepare(m, "SELECT id, name, score, created, active, amount, born, qty, note, updated "
                                 "FROM mixed WHERE id <= ?");
  long long n = 200, id = 0, active = 0, qty = 0;
  double score = 0;
  char name[101], amount[32], note[201];
  MYSQL_TIME created{}, born{}, updated{};
  unsigned long name_len = 0, amount_len = 0, note_len = 0;
  MYSQL_BIND in = bind_of(MYSQL_TYPE_LONGLONG, &n);
  MYSQL_BIND out[] = {bind_of(MYSQL_TYPE_LONGLONG, &id), bind_of(MYSQL_TYPE_STRING, name, sizeof name, &name_len),
                      bind_of(MYSQL_TYPE_DOUBLE, &score), bind_of(MYSQL_TYPE_DATETIME, &created),
                      bind_of(MYSQL_TYPE_LONGLONG, &active), bind_of(MYSQL_TYPE_STRING, amount, sizeof amount, &amount_len),
                      bind_of(MYSQL_TYPE_DATE, &born), bind_of(MYSQL_TYPE_LONGLONG, &qty),
                      bind_of(MYSQL_TYPE_STRING, note, sizeof note, &note_len), bind_of(MYSQL_TYPE_DATETIME, &updated)};
  for (auto _ : state) {
    mysql_stmt_bind_param(s, &in);
    mysql_stmt_execute(s);
    mysql_stmt_bind_result(s, out);
    std::vector<mixed_raw> rows;
    rows.reserve(200);
    while (mysql_stmt_fetch(s) == 0)
      rows.push_back({id, std::string(name, name_len), score, created, active != 0, std::string(amount, amount_len), born,
                      qty, std::string(note, note_len), updated});
    if (rows.size() != 200) throw std::runtime_error("raw_read_200_mixed read " + std::to_string(rows.size()) + " rows");
    benchmark::DoNotOptimize(rows);
  }
  mysql_stmt_close(s);
  mysql_close(m);
}

struct mixed_tether {
  std::int64_t id;
  std::string name;
  double score;
  tether::timestamp created;
  bool active;
  std::string amount;
  tether::date born;
  std::int64_t qty;
  std::string note;
  tether::timestamp updated;
};

void tether_read_200_mixed(benchmark::State& state) {
  tether::client db{url(), {.pool_size = 1}};
  auto q = db.prepare({.table = "mixed", .where = {{"id", {{"$lte", tether::param("n")}}}}});
  tether::value args = {{"n", 200}};
  for (auto _ : state) {
    auto r = q.run(args);
    std::vector<mixed_tether> rows;
    rows.reserve(200);
    for (auto rec : r.records)
      rows.push_back({rec.get<std::int64_t>(std::size_t{0}), std::string(rec.get<std::string_view>(1)),
                      rec.get<double>(2), rec.get<tether::timestamp>(3), rec.get<bool>(4),
                      std::move(rec.get<tether::decimal>(5).text), rec.get<tether::date>(6),
                      rec.get<std::int64_t>(7), std::string(rec.get<std::string_view>(8)),
                      rec.get<tether::timestamp>(9)});
    if (rows.size() != 200) throw std::runtime_error("tether_read_200_mixed read " + std::to_string(rows.size()) + " rows");
    benchmark::DoNotOptimize(rows);
  }
}

void soci_read_200(benchmark::State& state) {
  soci::session sql(*soci::factory_mysql(), soci_url());
  for (auto _ : state) {
    soci::rowset<soci::row> rs = (sql.prepare << "SELECT id, name, score, CAST(created AS CHAR), CAST(active AS SIGNED), "
                                                 "CAST(amount AS CHAR) FROM users WHERE id <= 200");
    std::vector<wide> rows;
    rows.reserve(200);
    for (const auto& row : rs)
      rows.push_back({row.get<long long>(0), row.get<std::string>(1), row.get<double>(2), row.get<std::string>(3),
                      row.get<int>(4) != 0, row.get<std::string>(5)});
    benchmark::DoNotOptimize(rows);
  }
}

// --- single insert returning id -----------------------------------------------------------

call raw_insert_returning() {
  struct held : raw_statement {
    held() : raw_statement("INSERT INTO events (kind, n) VALUES (?, ?)") {}
    char kind[6] = "click";
    long long n = 7;
    MYSQL_BIND in[2] = {bind_of(MYSQL_TYPE_STRING, kind, 5), bind_of(MYSQL_TYPE_LONGLONG, &n)};
  };
  return [h = std::make_shared<held>()] {
    mysql_stmt_bind_param(h->s, h->in);
    mysql_stmt_execute(h->s);
    benchmark::DoNotOptimize(mysql_stmt_insert_id(h->s));
  };
}

call soci_insert_returning() {
  struct held {
    soci::session sql{*soci::factory_mysql(), soci_url()};
    std::string kind = "click";
    int n = 7;
    soci::statement st = (sql.prepare << "INSERT INTO events (kind, n) VALUES (:k, :n)", soci::use(kind), soci::use(n));
  };
  return [h = std::make_shared<held>()] {
    h->st.execute(true);
    long long id = 0;
    h->sql.get_last_insert_id("events", id);
    benchmark::DoNotOptimize(id);
  };
}

// --- bulk insert of a million rows --------------------------------------------------------
// Raw best practice on Connector/C: array binding (one COM_STMT_BULK_EXECUTE per 10,000
// rows) in one transaction.

void raw_bulk_insert(benchmark::State& state) {
  MYSQL* m = raw_connect();
  MYSQL_STMT* s = raw_prepare(m, "INSERT INTO bulk (id, name, x) VALUES (?, ?, ?)");
  constexpr unsigned chunk = 10'000;
  // The rows are ready before the clock starts, as tether's are.
  std::vector<long long> ids(bulk_rows);
  std::vector<std::string> name_store(bulk_rows);
  std::vector<char*> names(bulk_rows);
  std::vector<unsigned long> lengths(bulk_rows);
  std::vector<double> xs(bulk_rows);
  for (int i = 0; i < bulk_rows; ++i) {
    ids[i] = i;
    name_store[i] = "name" + std::to_string(i);
    names[i] = name_store[i].data();
    lengths[i] = name_store[i].size();
    xs[i] = i * 0.25;
  }
  for (auto _ : state) {
    state.PauseTiming();
    raw_exec(m, "TRUNCATE bulk");
    state.ResumeTiming();
    raw_exec(m, "START TRANSACTION");
    for (int base = 0; base < bulk_rows; base += chunk) {
      // Column-wise: strings as an array of pointers and an array of lengths.
      MYSQL_BIND in[] = {bind_of(MYSQL_TYPE_LONGLONG, ids.data() + base),
                         bind_of(MYSQL_TYPE_STRING, names.data() + base, 0, lengths.data() + base),
                         bind_of(MYSQL_TYPE_DOUBLE, xs.data() + base)};
      unsigned size = chunk;
      mysql_stmt_attr_set(s, STMT_ATTR_ARRAY_SIZE, &size);
      mysql_stmt_bind_param(s, in);
      if (mysql_stmt_execute(s)) throw std::runtime_error(mysql_stmt_error(s));
    }
    raw_exec(m, "COMMIT");
  }
  mysql_stmt_close(s);
  mysql_close(m);
}

void print_ratios(const tether::bench::collecting_reporter& times) {
  tether::bench::print_ratios(times, {.raw_prefix = "raw",
                                      .raw_name = "raw Connector/C",
                                      .peers = {"soci"},
                                      .peer_titles = {"SOCI"},
                                      .rows = {{"point_select", "point_select"},
                                               {"read_200", "read_200"},
                                               {"read_200_mixed", "read_200_mixed"},
                                               {"insert_returning", "insert_returning"},
                                               {"insert_prepared", "insert_returning"},
                                               {"bulk_insert", "bulk_insert"}}});
}

}  // namespace

TETHER_BENCH_CALL(raw_point_select, raw_point_select);
TETHER_BENCH_CALL(tether_point_select, tether_point_select<url>);
TETHER_BENCH_CALL(soci_point_select, (soci_point_select<soci::factory_mysql, soci_url>));
BENCHMARK(raw_read_200);
BENCHMARK(tether_read_200<url>)->Name("tether_read_200");
BENCHMARK(soci_read_200);
BENCHMARK(raw_read_200_mixed);
BENCHMARK(tether_read_200_mixed);
TETHER_BENCH_CALL(raw_insert_returning, raw_insert_returning);
TETHER_BENCH_CALL(tether_insert_returning, tether_insert_returning<url>);
TETHER_BENCH_CALL(tether_insert_prepared, tether_insert_prepared<url>);
TETHER_BENCH_CALL(soci_insert_returning, soci_insert_returning);
BENCHMARK(raw_bulk_insert)->Unit(benchmark::kMillisecond)->Iterations(2);
BENCHMARK(tether_bulk_insert<url>)->Name("tether_bulk_insert")->Unit(benchmark::kMillisecond)->Iterations(2);
BENCHMARK(soci_bulk_insert<soci::factory_mysql, soci_url>)->Name("soci_bulk_insert")->Unit(benchmark::kMillisecond)->Iterations(1);

int main(int argc, char** argv) {
  if (url().empty()) {
    std::cerr << "set TETHER_MYSQL_URL, or run `make bench-mysql`, which starts a server\n";
    return 1;
  }
  const std::size_t rounds = paired_rounds(argc, argv, 20'000);
  setup_tables();
  if (rounds) {
    run_paired("point_select", {{"Connector/C", raw_point_select},
                                {"Connector/C, another connection (control)", raw_point_select},
                                {"tether (prepared)", tether_point_select<url>},
                                {"SOCI", soci_point_select<soci::factory_mysql, soci_url>}}, rounds);
    run_paired("insert_returning", {{"Connector/C", raw_insert_returning},
                                    {"Connector/C, another connection (control)", raw_insert_returning},
                                    {"tether (prepared)", tether_insert_prepared<url>},
                                    {"tether (db.insert)", tether_insert_returning<url>},
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
