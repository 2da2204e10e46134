// The SOCI side of the server benchmarks where SOCI's code is the same for every backend:
// `factory` names the backend and `connect` its connection string.
#pragma once

#include <benchmark/benchmark.h>
#include <soci/soci.h>

#include <memory>
#include <random>
#include <string>
#include <vector>

#include "tether_workloads.hpp"

namespace tether::bench {

template <const soci::backend_factory* (*factory)(), std::string (*connect)()>
call soci_point_select() {
  struct held {
    soci::session sql{*factory(), connect()};
    int id = 0;
    user u;
    long long uid = 0;
    soci::statement st = (sql.prepare << "SELECT id, name, score FROM users WHERE id = :id", soci::use(id),
                          soci::into(uid), soci::into(u.name), soci::into(u.score));
    std::mt19937 rng{1};
  };
  return [h = std::make_shared<held>()] {
    h->id = pick(h->rng);
    h->st.execute(true);
    h->u.id = h->uid;
    benchmark::DoNotOptimize(h->u);
  };
}

// SOCI's bulk form: vectors of 10,000 values bound to one INSERT, in one transaction.
template <const soci::backend_factory* (*factory)(), std::string (*connect)()>
void soci_bulk_insert(benchmark::State& state) {
  soci::session sql(*factory(), connect());
  std::vector<int> ids;
  std::vector<std::string> names;
  std::vector<double> xs;
  for (int i = 0; i < 10'000; ++i) {
    ids.push_back(i);
    names.push_back("name" + std::to_string(i));
    xs.push_back(i * 0.25);
  }
  for (auto _ : state) {
    state.PauseTiming();
    sql << "TRUNCATE bulk";
    state.ResumeTiming();
    soci::transaction tx(sql);
    for (int chunk = 0; chunk < bulk_rows / 10'000; ++chunk)
      sql << "INSERT INTO bulk (id, name, x) VALUES (:i, :n, :x)", soci::use(ids), soci::use(names), soci::use(xs);
    tx.commit();
  }
}

}  // namespace tether::bench
