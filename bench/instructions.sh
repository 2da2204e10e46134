#!/usr/bin/env bash
# Instructions per point select, counted by callgrind: in total, and outside libsqlite3
# (what each side adds around SQLite). Timings on a shared VM drift by tens of percent
# from one process to the next; these counts repeat, so they are the number to watch
# when changing a hot path. Calls are counted as calls of sqlite3_reset (one per query on
# both sides), so warm-up runs are included in both the work and the count.
# Usage: bench/instructions.sh [path/to/tether_bench_sqlite]
set -euo pipefail
bin=${1:-./build/bench/tether_bench_sqlite}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
for f in raw_point_select tether_point_select tether_point_select_prepared; do
  valgrind --tool=callgrind --toggle-collect="*${f}(*" --callgrind-out-file="$out/$f" \
    "$bin" --benchmark_filter="^${f}\$" --benchmark_min_time=0.5 >/dev/null 2>&1
  calls=$(callgrind_annotate --tree=calling "$out/$f" 2>/dev/null | sed 's/,//g' |
          grep -E '[^=]> +\?\?\?:sqlite3_reset \(' | sed -n 's/.*(\([0-9]*\)x).*/\1/p' |
          awk '{ n += $1 } END { print n }')
  callgrind_annotate --threshold=100 "$out/$f" 2>/dev/null | sed 's/,//g' |
    awk -v f="$f" -v calls="$calls" '
      /PROGRAM TOTALS/ {total = $1}
      /^ *[0-9]+ \(/ && /libsqlite3/ {sqlite += $1}
      END {printf "%-30s %7d per call, %7d outside SQLite (%d calls)\n", f, total / calls, (total - sqlite) / calls, calls}'
done
