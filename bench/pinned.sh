#!/usr/bin/env bash
# Runs a server benchmark with the database server and the benchmark on different CPUs:
# the server's processes (and the threads and backends they start later) on CPU 0, the
# command on CPU 1. On this 2-vCPU VM, letting the scheduler mix them made single
# workloads swing ±20% from one process to the next; pinned, the peers rank consistently.
# Without two CPUs, taskset or pgrep, it says so and runs the command unpinned.
# Usage: bench/pinned.sh <server process name: postgres | mariadbd> <command…>
set -euo pipefail
server=$1
shift
if [ "$(nproc)" -ge 2 ] && command -v taskset >/dev/null && command -v pgrep >/dev/null &&
   pids=$(pgrep -x "$server"); then
  for pid in $pids; do taskset -a -p -c 0 "$pid" >/dev/null; done
  echo "pinned: $server on CPU 0, the benchmark on CPU 1" >&2
  exec taskset -c 1 "$@"
fi
echo "not pinned (needs 2 CPUs, taskset, pgrep and a running $server): timings will be noisier" >&2
exec "$@"
