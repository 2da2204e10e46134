// Client CPU per item on DynamoDB: a bulk insert (BatchWriteItem, 25 a request) and point
// gets by key (GetItem), through tether, against dynalite. The peer is the AWS SDK for
// JavaScript (bench/node/dynamodb_sdk.mjs), run by bench/dynamodb.sh against the same
// server in the same run; the server's CPU is not counted, only this process's
// (CLOCK_PROCESS_CPUTIME_ID: user + system, signing, JSON, libcurl included).
// Usage: tether_bench_dynamodb URL ITEMS GETS ROUNDS
#include <tether/tether.hpp>

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <string>
#include <vector>

namespace {

double cpu_us() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e6 + static_cast<double>(ts.tv_nsec) / 1e3;
}

struct round_result {
  double insert = 0, get = 0;
};

round_result round(tether::client& db, const std::string& table, std::int64_t n, std::int64_t m) {
  tether::schema(db).create(table, tether::value::from_json(
                                       R"({"id": {"type": "bigint", "primary_key": true}, "name": "string", "n": "integer"})"));
  std::vector<tether::value> records;
  records.reserve(static_cast<std::size_t>(n));
  for (std::int64_t id = 1; id <= n; ++id)
    records.push_back(tether::value(tether::object{{"id", id}, {"name", "name " + std::to_string(id)}, {"n", id % 97}}));
  round_result r;
  double start = cpu_us();
  db.insert({.table = table, .records = records, .return_ids = false});
  r.insert = (cpu_us() - start) / static_cast<double>(n);
  start = cpu_us();
  for (std::int64_t i = 0; i < m; ++i) {
    const std::int64_t id = 1 + (i * 7919) % n;
    if (!db.find_one({.table = table, .where = {{"id", id}}})) {
      std::fprintf(stderr, "item %lld is missing\n", static_cast<long long>(id));
      std::exit(1);
    }
  }
  r.get = (cpu_us() - start) / static_cast<double>(m);
  tether::schema(db).drop(table);
  return r;
}

double median(std::vector<double> xs) {
  std::sort(xs.begin(), xs.end());
  return xs[xs.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s URL [ITEMS] [GETS] [ROUNDS]\n", argv[0]);
    return 2;
  }
  const std::int64_t n = argc > 2 ? std::stoll(argv[2]) : 2000, m = argc > 3 ? std::stoll(argv[3]) : 2000;
  const int rounds = argc > 4 ? std::stoi(argv[4]) : 5;
  tether::client db{argv[1], {.pool_size = 1}};
  std::vector<double> inserts, gets;
  for (int i = 0; i < rounds; ++i) {
    const round_result r = round(db, "bench_tether_" + std::to_string(i), n, m);
    inserts.push_back(r.insert);
    gets.push_back(r.get);
  }
  std::printf(R"({"client": "tether", "items": %lld, "gets": %lld, "rounds": %d, )"
              R"("insert_cpu_us_per_item": %.2f, "get_cpu_us_per_item": %.2f})"
              "\n",
              static_cast<long long>(n), static_cast<long long>(m), rounds, median(inserts), median(gets));
}
