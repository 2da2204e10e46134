#!/usr/bin/env bash
# Runs a benchmark binary N times (separate processes) and prints each run's ratio lines,
# then the median ratio of each workload. On a shared VM one process's ratios drift by
# ±15% from the next; the median over processes is the number bench/README.md reports.
# Usage: bench/repeat.sh N ./build/bench/tether_bench_sqlite [benchmark flags...]
set -euo pipefail
runs=$1
shift
out=$(mktemp)
trap 'rm -f "$out"' EXIT
for _ in $(seq "$runs"); do
  "$@" 2>/dev/null | sed 's/\x1b\[[0-9;]*m//g' | awk '/^ratios|^wall time/ {on = 1; next} on && NF' | tee -a "$out"
done
echo "median over $runs runs:"
# A ratio line is a workload name, then one number per peer ("1.23" or "1.23x").
awk '{ n = NF; name = ""; for (i = 1; i <= NF; ++i) if ($i !~ /^[0-9.]+x?$/) { name = name (name ? " " : "") $i; n = i }
       if (n == NF) next; k = NF - n; rows[name] = k
       for (i = n + 1; i <= NF; ++i) { v = $i; sub(/x$/, "", v); vals[name, i - n, ++cnt[name, i - n]] = v } }
     END { for (name in rows) { line = sprintf("  %-28s", name)
             for (j = 1; j <= rows[name]; ++j) { m = cnt[name, j]; delete a
               for (i = 1; i <= m; ++i) a[i] = vals[name, j, i]; asort(a)
               line = line sprintf(" %6.3f", m % 2 ? a[(m + 1) / 2] : (a[m / 2] + a[m / 2 + 1]) / 2) }
             print line } }' "$out" | sort
