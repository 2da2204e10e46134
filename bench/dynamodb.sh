#!/usr/bin/env bash
# tether against the AWS SDK for JavaScript on DynamoDB: client CPU per item for a bulk
# insert and for point gets, both against one dynalite started here (its own port and
# folder, so a test server keeps running), in the same run, alternating the two clients.
# dynalite runs on CPU 0 and the clients on CPU 1 where there are two. Prints each pass and
# the ratios tether / SDK (below 1: tether spends less CPU per item).
# Usage: bench/dynamodb.sh build/bench/tether_bench_dynamodb [ITEMS] [GETS] [ROUNDS] [PASSES]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bench=$1 items=${2:-2000} gets=${3:-2000} rounds=${4:-5} passes=${5:-2}
peer=$root/bench/node
export TETHER_DYNAMODB_PORT=${TETHER_DYNAMODB_BENCH_PORT:-28100}
export TETHER_DYNAMODB_DIR=/tmp/tether-dynamodb-bench
if ! cmp -s "$peer/package-lock.json" "$peer/node_modules/.tether-installed-lock" 2>/dev/null; then
  (cd "$peer" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error >&2)
  cp "$peer/package-lock.json" "$peer/node_modules/.tether-installed-lock"
fi
url=$("$root/scripts/dynamodb-test-server" start)
trap '"$root/scripts/dynamodb-test-server" stop' EXIT
endpoint=http://127.0.0.1:$TETHER_DYNAMODB_PORT
pin=()
if [ "$(nproc)" -ge 2 ] && command -v taskset >/dev/null; then
  taskset -a -p -c 0 "$(cat "$TETHER_DYNAMODB_DIR/dynalite.pid")" >/dev/null
  pin=(taskset -c 1)
  echo "pinned: dynalite on CPU 0, the clients on CPU 1" >&2
else
  echo "not pinned (needs 2 CPUs and taskset): timings will be noisier" >&2
fi
ratio() { node -e 'const [a, b] = process.argv.slice(1).map(JSON.parse);
  console.log(`ratios tether/SDK: bulk insert ${(a.insert_cpu_us_per_item / b.insert_cpu_us_per_item).toFixed(2)}, ` +
              `point get ${(a.get_cpu_us_per_item / b.get_cpu_us_per_item).toFixed(2)}`)' "$1" "$2"; }
for pass in $(seq 1 "$passes"); do
  ours=$("${pin[@]}" "$bench" "$url" "$items" "$gets" "$rounds")
  theirs=$(cd "$peer" && "${pin[@]}" node dynamodb_sdk.mjs "$endpoint" "$items" "$gets" "$rounds")
  echo "pass $pass: $ours"
  echo "pass $pass: $theirs"
  echo "pass $pass: $(ratio "$ours" "$theirs")"
done
