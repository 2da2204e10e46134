#!/usr/bin/env bash
# Client instructions per call of one benchmark, counted by callgrind and free of set-up:
# the benchmark runs twice (short and long), and the difference in instructions is
# divided by the difference in calls of a function each iteration calls once (the
# driver's execute). Connecting, warming up and tearing down cancel out. Collection is on
# inside the benchmark's function, or inside tether::bench::loop for one made of a call.
# Usage: bench/per-call.sh <bench binary> <benchmark name> <per-call function regex>
#   bench/per-call.sh ./build/bench/tether_bench_postgresql tether_point_select 'PQexecPrepared'
#   bench/per-call.sh ./build/bench/tether_bench_mysql soci_insert_returning 'mysql_(stmt_execute|real_query)'
#   bench/per-call.sh ./build/bench/tether_bench_sqlite raw_point_select 'sqlite3_reset'
# The server benchmarks need their URL in the environment, as when they are run directly.
set -euo pipefail
bin=$1 name=$2 per=$3
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
count() {  # <min time>: "<instructions> <calls>"
  valgrind --tool=callgrind --toggle-collect="*${name}(benchmark::State&)" --toggle-collect="*${name}<*>(benchmark::State&)" \
    --toggle-collect="tether::bench::loop(*" \
    --callgrind-out-file="$out/cg" "$bin" --benchmark_filter="^${name}\$" --benchmark_min_time="$1" >/dev/null 2>&1
  local total calls
  total=$(callgrind_annotate "$out/cg" 2>/dev/null | sed 's/,//g' | awk '/PROGRAM TOTALS/ {print $1}')
  calls=$(callgrind_annotate --tree=calling "$out/cg" 2>/dev/null | sed 's/,//g' |
          grep -E "[^=]> +[^ ]*:(${per}) \(" | sed -n 's/.*(\([0-9]*\)x).*/\1/p' | awk '{n += $1} END {print n + 0}')
  echo "$total $calls"
}
read -r t1 c1 < <(count 0.2)
read -r t2 c2 < <(count 0.8)
if [ "$c2" -le "$c1" ]; then
  echo "$name: the longer run made no more calls of $per ($c1, $c2); is the regex right?" >&2
  exit 1
fi
echo "$name: $(( (t2 - t1) / (c2 - c1) )) instructions per call ($c1 and $c2 calls)"
