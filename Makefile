# The two commands a new user needs: `make demo` and `make test`.
BUILD ?= build
JOBS ?= 2
# One set of flags for every target, so that `make demo` then `make test` compile once.
CMAKE_FLAGS ?= -DTETHER_WERROR=ON

.PHONY: demo test test-asan fuzz fuzz-build build setup setup-test setup-fuzz bench bench-paired bench-postgresql bench-postgresql-paired bench-mysql bench-mysql-paired bench-dynamodb clean

demo: setup build
	cd $(BUILD) && ./examples/getting_started demo-workspace

test: setup-test
	$(MAKE) build
	./scripts/run-tests $(BUILD) $(JOBS)

setup:
	./scripts/setup
setup-fuzz:
	./scripts/setup --fuzz

setup-test:
	./scripts/setup --test

build:
	cmake -S . -B $(BUILD) -G Ninja $(CMAKE_FLAGS)
	cmake --build $(BUILD) -j $(JOBS)

bench: setup build
	./$(BUILD)/bench/tether_bench_sqlite --benchmark_repetitions=10 --benchmark_enable_random_interleaving=true --benchmark_report_aggregates_only=true

# The SQLite point selects by the paired timing (bench/paired.hpp), on CPU 1 when there
# are two: make bench-paired SQLITE_ROUNDS=20000
SQLITE_ROUNDS ?= 5000
bench-paired: setup build
	$$([ "$$(nproc)" -ge 2 ] && command -v taskset >/dev/null && echo taskset -c 1) \
	  ./$(BUILD)/bench/tether_bench_sqlite --paired=$(SQLITE_ROUNDS)

# SOCI inserts a bulk load row by row (66-170x raw, minutes a run), so the server benchmarks
# leave that peer out unless asked: make bench-postgresql BENCH_FILTER=.
BENCH_FILTER ?= -soci_bulk
GB_ARGS = --benchmark_filter='$(BENCH_FILTER)' --benchmark_repetitions=5 \
  --benchmark_enable_random_interleaving=true --benchmark_report_aggregates_only=true
# Rounds of the paired timing (bench/paired.hpp): make bench-postgresql-paired ROUNDS=50000
ROUNDS ?= 20000

# Each starts its test server, runs the benchmark against it (server and benchmark pinned
# to separate CPUs), and stops the server.
PG_BENCH = TETHER_PG_URL=$$(./scripts/postgres-test-server start) && trap './scripts/postgres-test-server stop' EXIT && \
  bench/pinned.sh postgres ./$(BUILD)/bench/tether_bench_postgresql
MYSQL_BENCH = TETHER_MYSQL_URL=$$(./scripts/mariadb-test-server start) && trap './scripts/mariadb-test-server stop' EXIT && \
  bench/pinned.sh mariadbd ./$(BUILD)/bench/tether_bench_mysql

bench-postgresql: setup-test build
	$(PG_BENCH) $(GB_ARGS)

bench-postgresql-paired: setup-test build
	$(PG_BENCH) --paired=$(ROUNDS)

bench-mysql: setup-test build
	$(MYSQL_BENCH) $(GB_ARGS)

bench-mysql-paired: setup-test build
	$(MYSQL_BENCH) --paired=$(ROUNDS)

# Client CPU per item against the AWS SDK for JavaScript, on one dynalite (bench/dynamodb.sh):
# make bench-dynamodb DYNAMODB_ITEMS=2000
DYNAMODB_ITEMS ?= 2000
bench-dynamodb: setup-test build
	bench/dynamodb.sh ./$(BUILD)/bench/tether_bench_dynamodb $(DYNAMODB_ITEMS) $(DYNAMODB_ITEMS)

# The whole suite once more under AddressSanitizer and UndefinedBehaviorSanitizer (a
# separate build; any report fails the test that caused it). Not part of `make test`.
ASAN_BUILD ?= build-asan
SANITIZE = -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
test-asan: setup-test
	cmake -S . -B $(ASAN_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Debug -DTETHER_BUILD_BENCH=OFF \
	  -DCMAKE_CXX_FLAGS="$(SANITIZE)" -DCMAKE_EXE_LINKER_FLAGS="$(SANITIZE)"
	cmake --build $(ASAN_BUILD) -j $(JOBS)
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  ./scripts/run-tests $(ASAN_BUILD) $(JOBS)

# libFuzzer targets (tests/fuzz/README.md), built with clang; each runs FUZZ_SECONDS
# (default 60) from its seed corpus in tests/fuzz/corpus/<target>. Not part of `make test`.
FUZZ_BUILD ?= build-fuzz
FUZZ_SECONDS ?= 60
FUZZ_TARGETS = fuzz_json fuzz_url fuzz_workspace fuzz_filter
FUZZ_FLAGS = -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer
fuzz-build: setup-fuzz
	CC=clang CXX=clang++ cmake -S . -B $(FUZZ_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DTETHER_BUILD_FUZZ=ON -DTETHER_BUILD_TESTS=OFF -DTETHER_BUILD_BENCH=OFF -DTETHER_BUILD_EXAMPLES=OFF \
	  -DTETHER_BUILD_CLI=OFF -DTETHER_INSTALL=OFF -DCMAKE_CXX_FLAGS="$(FUZZ_FLAGS)"
	cmake --build $(FUZZ_BUILD) -j $(JOBS) --target $(FUZZ_TARGETS)
fuzz: fuzz-build
	./scripts/run-fuzz $(FUZZ_BUILD) $(FUZZ_SECONDS) $(FUZZ_TARGETS)

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD)
