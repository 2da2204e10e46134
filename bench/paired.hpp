// Workloads as single calls, and a paired, interleaved timing of them.
//
// A server workload (a point select, an insert) is a round trip of 50-150 us, and the
// clients differ by about 1 us of CPU. Timed one benchmark after another, the server's
// drift (WAL, checkpoints, the table growing, the other core) moves each result by
// 5-20%, so the clients cannot be ranked. Paired timing puts every contender in every
// round, in a fresh random order, so each sees the same server state; the per-round
// differences cancel the drift, and their spread gives a confidence interval.
#pragma once

#include <benchmark/benchmark.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <ctime>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <numeric>
#include <random>
#include <string>
#include <vector>

namespace tether::bench {

// One call of a workload. The closure holds its connection and prepared statement.
using call = std::function<void()>;
using call_maker = call (*)();

// Google Benchmark's loop over one call; making it (connecting, preparing) is not timed.
// Never inlined: bench/per-call.sh counts instructions from this function's entry.
[[gnu::noinline]] inline void loop(benchmark::State& state, call_maker make) {
  call one = make();
  for (auto _ : state) one();
}

struct contender {
  std::string name;
  call_maker make;
};

namespace detail {

struct summary {
  double mean = 0, low = 0, high = 0;  // the mean and its 95% confidence interval
};

// The mean of a[i] - b[i] with its 95% interval (normal approximation; n is thousands).
inline summary paired_difference(const std::vector<double>& a, const std::vector<double>& b) {
  const auto n = static_cast<double>(a.size());
  double sum = 0, sq = 0;
  for (std::size_t i = 0; i < a.size(); ++i) sum += a[i] - b[i];
  const double mean = sum / n;
  for (std::size_t i = 0; i < a.size(); ++i) sq += (a[i] - b[i] - mean) * (a[i] - b[i] - mean);
  const double half = 1.96 * std::sqrt(sq / (n - 1) / n);
  return {mean, mean - half, mean + half};
}

inline double mean_of(const std::vector<double>& v) { return std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size()); }

inline double median_of(std::vector<double> v) {
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(v.size() / 2), v.end());
  return v[v.size() / 2];
}

}  // namespace detail

// Times `rounds` rounds of every contender once each, after rounds / 10 untimed ones.
// A contender's turn in a round is `per_round` calls in a row, timed together and
// reported per call: an embedded workload (SQLite, ~2 us) runs in batches so that the
// clock reads are a negligible part of each sample, where a server round trip is timed
// one call at a time.
// The first contender is the raw driver: each is reported as a ratio to it. Then every
// contender named "tether…" is compared with every other that is not: "ahead" or
// "behind" only when the 95% interval of the difference excludes zero. A second raw
// contender on its own connection is the control: it should come out level with the first.
inline void run_paired(const std::string& workload, const std::vector<contender>& cs, std::size_t rounds,
                       std::size_t per_round = 1) {
  std::vector<call> calls;
  for (const auto& c : cs) calls.push_back(c.make());
  // Wall time per call, and the calling thread's CPU time (user and kernel) around it.
  std::vector<std::vector<double>> us(cs.size(), std::vector<double>(rounds)), cpu = us;
  std::vector<std::size_t> order(cs.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::mt19937 rng(7);
  const std::size_t warm = rounds / 10;
  for (std::size_t r = 0; r < warm + rounds; ++r) {
    std::shuffle(order.begin(), order.end(), rng);
    for (std::size_t i : order) {
      timespec cpu0{}, cpu1{};
      clock_gettime(CLOCK_THREAD_CPUTIME_ID, &cpu0);
      auto start = std::chrono::steady_clock::now();
      for (std::size_t k = 0; k < per_round; ++k) calls[i]();
      std::chrono::duration<double, std::micro> took = std::chrono::steady_clock::now() - start;
      clock_gettime(CLOCK_THREAD_CPUTIME_ID, &cpu1);
      if (r < warm) continue;
      const auto n = static_cast<double>(per_round);
      us[i][r - warm] = took.count() / n;
      cpu[i][r - warm] = (static_cast<double>(cpu1.tv_sec - cpu0.tv_sec) * 1e6 +
                          static_cast<double>(cpu1.tv_nsec - cpu0.tv_nsec) / 1e3) / n;
    }
  }
  const double base = detail::mean_of(us[0]);
  std::printf("\n%s: %zu paired rounds, each contender once per round (%zu call%s) in random order\n",
              workload.c_str(), rounds, per_round, per_round == 1 ? "" : "s");
  std::printf("  %-42s %9s %9s %8s   %s\n", "contender", "mean us", "median us", "cpu us",
              "mean wall time relative to the first [95% interval]");
  for (std::size_t i = 0; i < cs.size(); ++i) {
    auto d = detail::paired_difference(us[i], us[0]);
    std::printf("  %-42s %9.2f %9.2f %8.2f   %.3fx [%.3f, %.3f]\n", cs[i].name.c_str(), detail::mean_of(us[i]),
                detail::median_of(us[i]), detail::mean_of(cpu[i]), 1 + d.mean / base, 1 + d.low / base,
                1 + d.high / base);
  }
  for (std::size_t i = 0; i < cs.size(); ++i) {
    if (cs[i].name.rfind("tether", 0) != 0) continue;
    for (std::size_t j = 0; j < cs.size(); ++j) {
      if (cs[j].name.rfind("tether", 0) == 0) continue;
      auto d = detail::paired_difference(us[i], us[j]);
      const char* verdict = d.high < 0 ? "ahead" : d.low > 0 ? "behind" : "level (within the interval)";
      std::printf("  %s vs %s: %+.3f us per call [%+.3f, %+.3f]: %s\n", cs[i].name.c_str(), cs[j].name.c_str(), d.mean,
                  d.low, d.high, verdict);
    }
  }
}

// "--paired" or "--paired=N" (rounds) among the arguments: N, or `fallback` for the bare flag;
// 0 when absent. A malformed N is reported and the program exits with status 2.
inline std::size_t paired_rounds(int argc, char** argv, std::size_t fallback) {
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--paired") return fallback;
    if (a.rfind("--paired=", 0) == 0) {
      std::size_t n = 0;
      auto [end, ec] = std::from_chars(a.data() + 9, a.data() + a.size(), n);
      if (ec == std::errc{} && end == a.data() + a.size() && n >= 2) return n;
      std::fprintf(stderr, "%s: expected --paired=<rounds>, a number of 2 or more\n", a.c_str());
      std::exit(2);
    }
  }
  return 0;
}

}  // namespace tether::bench

// Registers a call maker with Google Benchmark under its own name; `loop` must be in scope
// unqualified (the macro pastes it into a name).
#define TETHER_BENCH_CALL(name, maker) BENCHMARK_CAPTURE(loop, name, maker)->Name(#name)
