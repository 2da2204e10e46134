// The tether side of the server benchmarks, the same for every engine: each workload
// reads the URL from `url()` and does what the raw peers do, so one file keeps them alike.
#pragma once

#include <benchmark/benchmark.h>
#include <tether/tether.hpp>

#include "collecting_reporter.hpp"
#include "paired.hpp"

#include <memory>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

namespace tether::bench {

constexpr int table_rows = 10'000;
constexpr int bulk_rows = 1'000'000;
constexpr int stream_rows = 1'000'000;  // the table stream_rows: id, name, score

struct user {
  std::int64_t id = 0;
  std::string name;
  double score = 0;
};

struct wide {
  std::int64_t id;
  std::string name;
  double score;
  std::string created;
  bool active;
  std::string amount;
};

inline int pick(std::mt19937& rng) { return std::uniform_int_distribution<int>(1, table_rows)(rng); }

// Point select by primary key, prepared once. The body takes the URL as a value, so that
// it is not a template (in one, every `get<T>` call would need the `template` keyword).
inline call tether_point_select_at(const std::string& url) {
  struct held {
    explicit held(const std::string& url) : db{url, {.pool_size = 1}} {}
    tether::client db;
    tether::prepared_find q =
        db.prepare({.table = "users", .select = {"id", "name", "score"}, .where = {{"id", tether::param("id")}}});
    std::mt19937 rng{1};
    tether::value args = {{"id", 0}};
  };
  return [h = std::make_shared<held>(url)] {
    h->args.as_object()[0].second = pick(h->rng);
    auto r = h->q.run(h->args);
    auto row = r.records[0];
    user u{row.get<std::int64_t>(std::size_t{0}), std::string(row.get<std::string_view>(1)), row.get<double>(2)};
    benchmark::DoNotOptimize(u);
  };
}

template <std::string (*url)()>
call tether_point_select() {
  return tether_point_select_at(url());
}

// 200 rows of mixed types, each column read as the raw peers read it.
template <std::string (*url)()>
void tether_read_200(benchmark::State& state) {
  tether::client db{url(), {.pool_size = 1}};
  auto q = db.prepare({.table = "users", .where = {{"id", {{"$lte", tether::param("n")}}}}});
  tether::value args = {{"n", 200}};
  for (auto _ : state) {
    auto r = q.run(args);
    std::vector<wide> rows;
    rows.reserve(200);
    for (auto rec : r.records)
      rows.push_back({rec.get<std::int64_t>(std::size_t{0}), std::string(rec.get<std::string_view>(1)),
                      rec.get<double>(2), rec.get<tether::timestamp>(3).to_string(), rec.get<bool>(4),
                      rec.get<tether::decimal>(5).text});
    benchmark::DoNotOptimize(rows);
  }
}

template <std::string (*url)()>
call tether_insert_returning() {
  auto db = std::make_shared<tether::client>(url(), tether::client_options{.pool_size = 1});
  return [db] {
    auto r = db->insert({.table = "events", .records = {{{"kind", "click"}, {"n", 7}}}});
    benchmark::DoNotOptimize(r.inserted_ids[0].as_int());
  };
}

// The same insert planned once, as the peers prepare theirs: each run fills in the values.
template <std::string (*url)()>
call tether_insert_prepared() {
  struct held {
    tether::client db{url(), {.pool_size = 1}};
    tether::prepared_insert q =
        db.prepare_insert({.table = "events", .records = {{{"kind", tether::param("kind")}, {"n", tether::param("n")}}}});
    tether::value args = {{"kind", "click"}, {"n", 7}};
  };
  return [h = std::make_shared<held>()] {
    auto r = h->q.run(h->args);
    benchmark::DoNotOptimize(r.inserted_ids[0].as_int());
  };
}

// A million rows without ids: the engine's fastest way in.
template <std::string (*url)()>
void tether_bulk_insert(benchmark::State& state) {
  tether::client db{url(), {.pool_size = 1}};
  std::vector<tether::value> rows;
  rows.reserve(bulk_rows);
  for (int i = 0; i < bulk_rows; ++i) rows.push_back({{"id", i}, {"name", "name" + std::to_string(i)}, {"x", i * 0.25}});
  for (auto _ : state) {
    state.PauseTiming();
    db.raw({.query = "TRUNCATE bulk"});
    state.ResumeTiming();
    benchmark::DoNotOptimize(db.insert({.table = "bulk", .records = rows, .return_ids = false}).count);
  }
}

// The million rows of stream_rows through db.stream, state.range(0) rows a chunk, each row
// read into the struct the raw side fills.
template <std::string (*url)()>
void tether_stream(benchmark::State& state) {
  tether::client db{url(), {.pool_size = 1}};
  const auto chunk = static_cast<std::size_t>(state.range(0));
  for (auto _ : state) {
    std::int64_t rows = 0;
    for (tether::record rec : db.stream({.table = "stream_rows", .select = {"id", "name", "score"}}, chunk)) {
      user u{rec.get<std::int64_t>(std::size_t{0}), std::string(rec.get<std::string_view>(1)), rec.get<double>(2)};
      benchmark::DoNotOptimize(u);
      ++rows;
    }
    if (rows != stream_rows) throw std::runtime_error("tether_stream read " + std::to_string(rows) + " rows");
  }
  state.SetItemsProcessed(state.iterations() * stream_rows);
}

// tether_stream at each chunk size relative to the raw stream, by both clocks.
inline void print_stream_ratios(const collecting_reporter& times, const std::string& raw) {
  const double wall = times.time(raw), cpu = times.cpu_time(raw);
  if (wall <= 0) return;
  std::printf("\nstream of %d rows: raw rows/s over tether rows/s is the ratio below (lower is better)\n", stream_rows);
  for (int chunk : {10, 100, 1000, 10000}) {
    const std::string name = "tether_stream/" + std::to_string(chunk);
    if (times.time(name) <= 0) continue;
    std::printf("  chunk %-6d wall %.2fx  cpu %.2fx  (tether at %.2fx raw's rows/s)\n", chunk,
                times.time(name) / wall, times.cpu_time(name) / cpu, wall / times.time(name));
  }
}

}  // namespace tether::bench
