#!/usr/bin/env bash
# Instructions per call spent outside SQLite, for the point-select benchmarks, counted by
# callgrind. SQLite's own work per call drifts by tens of percent from one process to the
# next (its allocator and WAL state), and timings on a shared VM drift too; the work each
# side adds around SQLite is what tether controls, and this count of it is repeatable.
# Usage: bench/instructions.sh [path/to/tether_bench_sqlite]
set -euo pipefail
bin=${1:-./build/bench/tether_bench_sqlite}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
for f in raw_point_select tether_point_select tether_point_select_prepared; do
  iterations=$(valgrind --tool=callgrind --toggle-collect="*${f}(*" --callgrind-out-file="$out/$f" \
                 "$bin" --benchmark_filter="^${f}\$" --benchmark_min_time=1 2>/dev/null |
               sed 's/\x1b\[[0-9;]*m//g' | awk -v f="$f" '$1 == f {print $NF}')
  callgrind_annotate --threshold=100 "$out/$f" 2>/dev/null | sed 's/,//g' |
    awk -v f="$f" -v it="$iterations" '
      /^ *[0-9]+ / && /PROGRAM TOTALS/ {total = $1}
      /^ *[0-9]+ \(/ && /libsqlite3/ {sqlite += $1}
      END {printf "%-30s %7d per call, %7d outside SQLite\n", f, total / it, (total - sqlite) / it}'
done
