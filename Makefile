# The two commands a new user needs: `make demo` and `make test`.
BUILD ?= build
JOBS ?= 2
CMAKE_FLAGS ?=

.PHONY: demo test build setup setup-test bench bench-postgresql bench-mysql clean

demo: setup build
	cd $(BUILD) && ./examples/getting_started demo-workspace

test: setup-test
	$(MAKE) build CMAKE_FLAGS="$(CMAKE_FLAGS) -DTETHER_WERROR=ON"
	./scripts/run-tests $(BUILD) $(JOBS)

setup:
	./scripts/setup

setup-test:
	./scripts/setup --test

build:
	cmake -S . -B $(BUILD) -G Ninja $(CMAKE_FLAGS)
	cmake --build $(BUILD) -j $(JOBS)

bench: setup build
	./$(BUILD)/bench/tether_bench_sqlite --benchmark_repetitions=10 --benchmark_enable_random_interleaving=true --benchmark_report_aggregates_only=true

# SOCI inserts a bulk load row by row (66-170x raw, minutes a run), so the server benchmarks
# leave that peer out unless asked: make bench-postgresql BENCH_FILTER=.
BENCH_FILTER ?= -soci_bulk

# Starts a PostgreSQL test server, runs the PostgreSQL benchmark against it, stops it.
bench-postgresql: setup-test build
	TETHER_PG_URL=$$(./scripts/postgres-test-server start) && trap './scripts/postgres-test-server stop' EXIT && \
	bench/pinned.sh postgres ./$(BUILD)/bench/tether_bench_postgresql --benchmark_filter='$(BENCH_FILTER)' \
	  --benchmark_repetitions=5 --benchmark_enable_random_interleaving=true --benchmark_report_aggregates_only=true

# Starts a MariaDB test server, runs the MySQL/MariaDB benchmark against it, stops it.
bench-mysql: setup-test build
	TETHER_MYSQL_URL=$$(./scripts/mariadb-test-server start) && trap './scripts/mariadb-test-server stop' EXIT && \
	bench/pinned.sh mariadbd ./$(BUILD)/bench/tether_bench_mysql --benchmark_filter='$(BENCH_FILTER)' \
	  --benchmark_repetitions=5 --benchmark_enable_random_interleaving=true --benchmark_report_aggregates_only=true

clean:
	rm -rf $(BUILD)
