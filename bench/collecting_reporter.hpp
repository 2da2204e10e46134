// Google Benchmark's console output, plus each benchmark's time kept by name (the median
// when there are repetitions), so a binary can print ratios between peers at the end.
#pragma once

#include <benchmark/benchmark.h>

#include <map>
#include <string>

namespace tether::bench {

class collecting_reporter : public benchmark::ConsoleReporter {
 public:
  enum class clock { cpu, wall };
  explicit collecting_reporter(clock c) : clock_(c) {}
  void ReportRuns(const std::vector<Run>& runs) override {
    ConsoleReporter::ReportRuns(runs);
    for (const auto& r : runs)
      if (r.run_type == Run::RT_Iteration || r.aggregate_name == "median")
        times_[r.run_name.function_name] = clock_ == clock::cpu ? r.GetAdjustedCPUTime() : r.GetAdjustedRealTime();
  }
  // 0 when the benchmark did not run (filtered out).
  double time(const std::string& name) const {
    auto it = times_.find(name);
    return it == times_.end() ? 0.0 : it->second;
  }

 private:
  clock clock_;
  std::map<std::string, double> times_;
};

}  // namespace tether::bench
