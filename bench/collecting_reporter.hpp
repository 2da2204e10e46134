// Google Benchmark's console output, plus each benchmark's time kept by name (the median
// when there are repetitions), so a binary can print ratios between peers at the end.
// Both clocks are kept: on a server workload the wall time is mostly the round trip and
// the server, and the client's CPU time is the part a client library decides.
#pragma once

#include <benchmark/benchmark.h>

#include <cstdio>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace tether::bench {

class collecting_reporter : public benchmark::ConsoleReporter {
 public:
  enum class clock { cpu, wall };
  explicit collecting_reporter(clock c) : clock_(c) {}
  void ReportRuns(const std::vector<Run>& runs) override {
    ConsoleReporter::ReportRuns(runs);
    for (const auto& r : runs)
      if (r.run_type == Run::RT_Iteration || r.aggregate_name == "median") {
        // "tether_stream/1000" for a benchmark with an argument
        const std::string name = r.run_name.function_name + (r.run_name.args.empty() ? "" : "/" + r.run_name.args);
        wall_[name] = r.GetAdjustedRealTime();
        cpu_[name] = r.GetAdjustedCPUTime();
      }
  }
  // By the clock given at construction; 0 when the benchmark did not run (filtered out).
  double time(const std::string& name) const { return get(clock_ == clock::cpu ? cpu_ : wall_, name); }
  double cpu_time(const std::string& name) const { return get(cpu_, name); }

 private:
  static double get(const std::map<std::string, double>& m, const std::string& name) {
    auto it = m.find(name);
    return it == m.end() ? 0.0 : it->second;
  }
  clock clock_;
  std::map<std::string, double> wall_, cpu_;
};

// Prints a table of ratios to the raw driver for each clock: one row per tether workload,
// with the benchmark of the same name ("<prefix>_<workload>") of each peer. `rows` pairs
// tether's workload with the workload the peers ran (they prepare inserts, so tether's
// prepared insert is compared with their insert). A peer named in `renamed` (peer, workload
// → benchmark) ran that workload under another name.
struct ratio_table {
  std::string raw_prefix;                 // "libpq"
  std::string raw_name;                   // "raw libpq"
  std::vector<std::string> peers;         // {"libpqxx", "soci"}
  std::vector<std::string> peer_titles;   // {"libpqxx", "SOCI"}
  std::vector<std::pair<std::string, std::string>> rows;
  std::map<std::pair<std::string, std::string>, std::string> renamed{};
};

inline void print_ratios(const collecting_reporter& times, const ratio_table& t) {
  for (bool cpu : {false, true}) {
    auto time = [&](const std::string& name) { return cpu ? times.cpu_time(name) : times.time(name); };
    std::printf("\n%s relative to %s (lower is better; 1.00 is parity)\n",
                cpu ? "client CPU time" : "wall time", t.raw_name.c_str());
    std::printf("  %-26s %8s", "workload", "tether");
    for (const auto& title : t.peer_titles) std::printf(" %8s", title.c_str());
    std::printf("\n");
    for (const auto& [mine, w] : t.rows) {
      double raw = time(t.raw_prefix + "_" + w), ours = time("tether_" + mine);
      if (raw <= 0 || ours <= 0) continue;
      std::printf("  %-26s %8.2f", (cpu ? "cpu " + mine : mine).c_str(), ours / raw);
      for (const auto& peer : t.peers) {
        auto it = t.renamed.find({peer, w});
        const double theirs = time(it != t.renamed.end() ? it->second : peer + "_" + w);
        if (theirs > 0) std::printf(" %8.2f", theirs / raw);
        else std::printf(" %8s", "-");  // the peer did not run this workload
      }
      std::printf("\n");
    }
  }
}

}  // namespace tether::bench
