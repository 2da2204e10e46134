// The include workload (issue 20), the same on every engine: 50 parents with 0-20 children
// each and a many-to-one item per child, read into the structs below by tether's include,
// by the N+1 loop a user writes without it, and (in each engine's file) by hand-written
// SQL with the raw driver. Also keyset paging: page 1 and page 1,000 of a 1M-row table.
#pragma once

#include <benchmark/benchmark.h>
#include <tether/tether.hpp>

#include <cstdio>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "collecting_reporter.hpp"

namespace tether::bench {

constexpr int include_parents = 50, include_items = 100;
constexpr int keyset_rows = 1'000'000, keyset_page = 100;

struct inc_item { std::int64_t id = 0; std::string name; };
struct inc_kid { std::int64_t id = 0, qty = 0; std::optional<inc_item> item; };
struct inc_parent { std::int64_t id = 0; std::string name; std::vector<inc_kid> kids; };

// The hand-written join every engine's raw side runs, ordered as include orders.
inline const char* include_join_sql =
    "SELECT p.id, p.name, k.id, k.qty, i.id, i.name FROM inc_parents p "
    "LEFT JOIN inc_kids k ON k.parent_id = p.id LEFT JOIN inc_items i ON i.id = k.item_id ORDER BY p.id, k.id";

// inc_parents, inc_kids (0-20 a parent, (p * 7) % 21) and inc_items, made through tether.
inline void create_include_tables(tether::client& db) {
  for (const char* t : {"inc_kids", "inc_parents", "inc_items"}) db.raw({.query = std::string("DROP TABLE IF EXISTS ") + t});
  db.raw({.query = "CREATE TABLE inc_parents (id BIGINT PRIMARY KEY, name TEXT NOT NULL)"});
  db.raw({.query = "CREATE TABLE inc_items (id BIGINT PRIMARY KEY, name TEXT NOT NULL)"});
  db.raw({.query = "CREATE TABLE inc_kids (id BIGINT PRIMARY KEY, parent_id BIGINT NOT NULL REFERENCES inc_parents (id), "
                   "item_id BIGINT REFERENCES inc_items (id), qty BIGINT NOT NULL)"});
  db.raw({.query = "CREATE INDEX inc_kids_parent ON inc_kids (parent_id)"});
  std::vector<tether::value> items, parents, kids;
  for (int i = 1; i <= include_items; ++i) items.push_back({{"id", i}, {"name", "item " + std::to_string(i)}});
  int kid = 0;
  for (int p = 1; p <= include_parents; ++p) {
    parents.push_back({{"id", p}, {"name", "parent " + std::to_string(p)}});
    for (int k = 0; k < (p * 7) % 21; ++k, ++kid)
      kids.push_back({{"id", kid + 1}, {"parent_id", p}, {"item_id", 1 + kid % include_items}, {"qty", k}});
  }
  db.insert({.table = "inc_items", .records = items, .return_ids = false});
  db.insert({.table = "inc_parents", .records = parents, .return_ids = false});
  db.insert({.table = "inc_kids", .records = kids, .return_ids = false});
}

inline tether::include_options kids_with_items() {
  return {.relation = "kids", .type = tether::relation_type::one_to_many, .table = "inc_kids", .foreign_key = "parent_id",
          .primary_key = "id", .order_by = {tether::order_term::parse("id")},
          .include = {{.relation = "item", .type = tether::relation_type::many_to_one, .table = "inc_items",
                       .foreign_key = "item_id", .primary_key = "id"}}};
}

// The structs from a find's parents (their kids and items read by include).
inline std::vector<inc_parent> parents_from(const tether::records& rows) {
  std::vector<inc_parent> out;
  out.reserve(rows.size());
  for (const tether::record p : rows) {
    inc_parent& parent = out.emplace_back(inc_parent{p.get<std::int64_t>("id"), p.get<std::string>("name"), {}});
    for (const tether::record k : p.related("kids")) {
      inc_kid kid{k.get<std::int64_t>("id"), k.get<std::int64_t>("qty"), std::nullopt};
      if (auto i = k.related("item").one()) kid.item = inc_item{i->get<std::int64_t>("id"), i->get<std::string>("name")};
      parent.kids.push_back(std::move(kid));
    }
  }
  return out;
}

inline void tether_include_at(benchmark::State& state, const std::string& url) {
  tether::client db{url, {.pool_size = 1}};
  const std::vector<tether::include_options> include{kids_with_items()};
  const auto find = [&] {
    return db.find({.table = "inc_parents", .order_by = {tether::order_term::parse("id")}, .include = include});
  };
  find();  // plans made and kept
  const auto before = db.statement_stats();
  find();
  const auto after = db.statement_stats();
  state.counters["queries"] = static_cast<double>((after.prepares + after.reuses) - (before.prepares + before.reuses));
  for (auto _ : state) {
    auto r = find();
    benchmark::DoNotOptimize(parents_from(r.records));
  }
}

inline void tether_n_plus_one_at(benchmark::State& state, const std::string& url) {
  tether::client db{url, {.pool_size = 1}};
  for (auto _ : state) {
    auto r = db.find({.table = "inc_parents", .order_by = {tether::order_term::parse("id")}});
    std::vector<inc_parent> out;
    for (const tether::record p : r.records) {
      inc_parent& parent = out.emplace_back(inc_parent{p.get<std::int64_t>("id"), p.get<std::string>("name"), {}});
      auto kids = db.find({.table = "inc_kids", .where = {{"parent_id", parent.id}}, .order_by = {tether::order_term::parse("id")}});
      for (const tether::record k : kids.records) {
        inc_kid kid{k.get<std::int64_t>("id"), k.get<std::int64_t>("qty"), std::nullopt};
        if (!k.is_null("item_id"))
          if (auto i = db.find_one({.table = "inc_items", .where = {{"id", k.get<std::int64_t>("item_id")}}}))
            kid.item = inc_item{i->get<std::int64_t>("id"), i->get<std::string>("name")};
        parent.kids.push_back(std::move(kid));
      }
    }
    benchmark::DoNotOptimize(out);
  }
}

template <std::string (*url)()>
void tether_include(benchmark::State& state) { tether_include_at(state, url()); }
template <std::string (*url)()>
void tether_include_n_plus_one(benchmark::State& state) { tether_n_plus_one_at(state, url()); }

// --- keyset paging ---------------------------------------------------------------------
// keyset_rows rows in keyset_pages (id, score, name); a page is keyset_page rows ordered
// by score then id. The benchmark's argument is the page number: it pages from the first
// page to it once, keeping that page's token, then reads only that page per iteration.

inline void create_keyset_table(tether::client& db) {
  db.raw({.query = "DROP TABLE IF EXISTS keyset_pages"});
  db.raw({.query = "CREATE TABLE keyset_pages (id BIGINT PRIMARY KEY, score BIGINT NOT NULL, name TEXT NOT NULL)"});
  std::vector<tether::value> rows;
  rows.reserve(50'000);
  for (std::int64_t i = 1; i <= keyset_rows; ++i) {
    rows.push_back({{"id", i}, {"score", (i * 7919) % 100'003}, {"name", "row " + std::to_string(i)}});
    if (rows.size() == 50'000 || i == keyset_rows) {
      db.insert({.table = "keyset_pages", .records = rows, .return_ids = false});
      rows.clear();
    }
  }
  db.raw({.query = "CREATE INDEX keyset_pages_score ON keyset_pages (score, id)"});  // after: one sort, not 1M random inserts
}

inline void tether_keyset_page_at(benchmark::State& state, const std::string& url) {
  tether::client db{url, {.pool_size = 1}};
  tether::find_options o{.table = "keyset_pages", .order_by = {tether::order_term::parse("score")},
                         .limit = keyset_page, .after = ""};
  for (std::int64_t page = 1; page < state.range(0); ++page) o.after = db.find(o).next;
  for (auto _ : state) {
    auto r = db.find(o);
    if (r.records.size() != keyset_page) throw std::runtime_error("a keyset page came back short");
    benchmark::DoNotOptimize(r.next);
  }
}

template <std::string (*url)()>
void tether_keyset_page(benchmark::State& state) { tether_keyset_page_at(state, url()); }

// The include rows of the ratio table, and page 1,000 against page 1.
inline void print_include_ratios(const collecting_reporter& times, const char* raw_join, const char* raw_queries) {
  std::printf("\ninclude: 50 parents, 0-20 children each, an item per child (wall time; lower is better)\n");
  const double join = times.time(raw_join), three = raw_queries ? times.time(raw_queries) : 0;
  const double inc = times.time("tether_include"), n1 = times.time("tether_include_n_plus_one");
  if (join > 0 && inc > 0) std::printf("  include / hand-written join          %.2fx\n", inc / join);
  if (three > 0 && inc > 0) std::printf("  include / hand-written three queries  %.2fx\n", inc / three);
  if (join > 0 && n1 > 0) std::printf("  N+1 loop / hand-written join         %.2fx\n", n1 / join);
  const double first = times.time("tether_keyset_page/1"), far = times.time("tether_keyset_page/1000");
  if (first > 0 && far > 0) std::printf("  keyset page 1,000 / page 1           %.2fx\n", far / first);
}

}  // namespace tether::bench
