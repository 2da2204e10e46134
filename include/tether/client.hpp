// tether/client.hpp — connect to one database and query it.
// Threading: a client is thread-safe. Any number of threads may call it at once; each call
// leases a pooled connection for its duration (waiting up to acquire_timeout when all are
// busy) and blocks on I/O. A transaction pins one connection until it commits or rolls
// back, and is used by one thread at a time; it offers the same calls as the client, so
// `tx.insert(...)` runs inside it. Transactions, savepoints and prepared queries must not
// outlive the client that made them.
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>

#include "tether/engine/capabilities.hpp"
#include "tether/error.hpp"
#include "tether/options.hpp"
#include "tether/records.hpp"
#include "tether/schema_file.hpp"

namespace tether {

namespace engine {
class cursor;
class driver;
class savepoints;
struct plan;
}  // namespace engine

class executor;

namespace detail {
class pool;
class lease;
class runner;
runner& runner_of(executor& e) noexcept;
}  // namespace detail

// Rows read a chunk at a time: `for (tether::record r : db.stream({…}))`. Memory is bounded
// by the chunk size on engines that stream (SQLite, PostgreSQL). A record is valid until
// the iterator moves on. The stream holds its connection until it ends or is destroyed
// (on a transaction: do not use the transaction while its stream is open). Owns copies of
// its options; must not outlive the client or transaction. One thread at a time.
class row_stream {
 public:
  class iterator {
   public:
    using value_type = record;
    using difference_type = std::ptrdiff_t;
    iterator() = default;
    explicit iterator(row_stream* s) : s_(s) {}
    record operator*() const { return s_->chunk_[s_->pos_]; }
    iterator& operator++() {
      s_->advance();
      if (s_->done_) s_ = nullptr;
      return *this;
    }
    void operator++(int) { ++*this; }
    bool operator==(const iterator& o) const noexcept { return s_ == o.s_; }

   private:
    row_stream* s_ = nullptr;
  };

  row_stream(row_stream&&) noexcept;
  ~row_stream();
  iterator begin();
  iterator end() noexcept { return {}; }
  std::size_t rows_read() const noexcept { return rows_; }
  std::size_t chunk_rows() const noexcept { return chunk_size_; }
  const records& chunk() const noexcept { return chunk_; }  // the rows in memory now

 private:
  friend class executor;
  struct state;
  row_stream(std::unique_ptr<state> s, std::size_t chunk_size);
  void advance();
  std::unique_ptr<state> s_;
  records chunk_;
  std::size_t chunk_size_ = 0, pos_ = 0, rows_ = 0;
  bool started_ = false, done_ = false;
};

// One row that owns its data (what find_one returns).
class row {
 public:
  explicit row(records data) : data_(std::move(data)) {}
  template <class T>
  T get(std::string_view column) const { return data_[0].get<T>(column); }
  value operator[](std::string_view column) const { return data_[0][column]; }
  bool is_null(std::string_view column) const { return data_[0].is_null(column); }
  record view() const noexcept { return data_[0]; }
  std::string to_json() const { return data_[0].to_json(); }
  value to_value() const { return data_[0].to_value(); }

 private:
  records data_;
};

class executor;

// A query planned once and run many times with new values for its tether::param
// placeholders: no parsing, no planning, and no statement lookup on a run.
// - prepared_find (executor::prepare): placeholders stand where filter operands may.
// - prepared_insert (executor::prepare_insert): placeholders are record cells,
//   {"kind": tether::param("kind")}; an argument may be any value the cell takes, null too.
// Owns a copy of its options. Must not outlive the client or transaction that made it.
// Used by one thread at a time (each thread can prepare its own).
template <class Result>
class prepared {
 public:
  prepared(prepared&&) noexcept;
  prepared& operator=(prepared&&) noexcept;
  ~prepared();
  // args: {"name": value, …} for every placeholder; throws tether::error (usage) naming a
  // missing, unknown or ill-typed one.
  Result run(const value& args = {});

 private:
  friend class executor;
  struct state;
  explicit prepared(std::unique_ptr<state> s);
  std::unique_ptr<state> s_;
};
using prepared_find = prepared<find_result>;
using prepared_insert = prepared<insert_result>;

// The calls a client and a transaction share.
class executor {
 public:
  virtual ~executor() = default;

  find_result find(const find_options& o);
  std::optional<row> find_one(find_options o);  // the first match, or nothing
  insert_result insert(const insert_options& o);
  update_result update(const update_options& o);
  remove_result remove(const remove_options& o);
  upsert_result upsert(const upsert_options& o);
  std::int64_t count(const count_options& o);
  value sum(const column_options& o);  // null when no row matches
  value avg(const column_options& o);
  value min(const column_options& o);
  value max(const column_options& o);
  records aggregate(const aggregate_options& o);
  raw_result raw(const raw_options& o);
  // Plans `o` once; see prepared. Placeholders are tether::param("name").
  prepared_find prepare(find_options o);
  prepared_insert prepare_insert(insert_options o);
  // Independent finds sent together, results in the same order: on PostgreSQL one
  // pipeline (a round trip per 200 queries instead of one each). All are planned (and
  // refused on bad input) before any is sent; the first failure is thrown.
  std::vector<find_result> find_batch(const std::vector<find_options>& queries);
  // Streams the rows of a find, chunk_rows at a time; see row_stream.
  row_stream stream(find_options o, std::size_t chunk_rows = 1000);

  const engine::capabilities& capabilities() const noexcept;
  std::string_view engine_name() const noexcept;

 protected:
  explicit executor(detail::runner* r) noexcept : runner_(r) {}
  executor(executor&&) noexcept = default;
  executor& operator=(executor&&) noexcept = default;

 private:
  friend detail::runner& detail::runner_of(executor& e) noexcept;
  detail::runner* runner_;  // owned by the client or the transaction (src/core/client/runner.hpp)
};

class transaction;

// A savepoint inside a transaction. Destroyed while active, it rolls back to its start.
class savepoint {
 public:
  savepoint(savepoint&& other) noexcept;
  savepoint& operator=(savepoint&&) = delete;
  ~savepoint();
  void release();
  void rollback();
  bool is_active() const noexcept { return active_; }

 private:
  friend class transaction;
  savepoint(engine::savepoints* c, std::string name) : conn_(c), name_(std::move(name)) {}
  engine::savepoints* conn_;
  std::string name_;
  bool active_ = true;
};

class transaction : public executor {
 public:
  transaction(transaction&& other) noexcept;
  transaction& operator=(transaction&&) = delete;
  ~transaction() override;  // rolls back when still active

  void commit();
  void rollback();
  bool is_active() const noexcept;

  tether::savepoint savepoint();
  // Runs fn(*this) inside a savepoint: released when fn returns, rolled back (and the
  // exception rethrown) when it throws. Returns what fn returns.
  template <class F>
  auto savepoint(F&& fn) -> decltype(fn(std::declval<transaction&>())) {
    tether::savepoint sp = savepoint();
    if constexpr (std::is_void_v<decltype(fn(*this))>) {
      fn(*this);
      if (sp.is_active()) sp.release();
    } else {
      auto result = fn(*this);
      if (sp.is_active()) sp.release();
      return result;
    }
  }

 private:
  friend class client;
  struct state;
  explicit transaction(std::unique_ptr<state> s);
  void finish(bool commit);
  std::unique_ptr<state> s_;
};

struct client_options {
  std::size_t pool_size = 0;  // 0: 2 × cores + 1 (capped by what the engine allows)
  std::chrono::milliseconds acquire_timeout{30000};  // then a call fails with `timeout`
  std::chrono::milliseconds max_lifetime{std::chrono::minutes(30)};  // 0: no limit
  // A connection not leased for at least this long (counted from the start of its last
  // lease, so a long lease counts too) is checked (alive()) before it is handed out.
  std::chrono::milliseconds health_check_after{1000};
  // Start-up wait: when the first connection fails with a `connection` error, try this
  // many more times, sleeping retry_delay, then twice that, … (with ±50% jitter, at most
  // 10 s a sleep). The final error gives the number of attempts and the last cause.
  int max_retries = 0;
  std::chrono::milliseconds retry_delay{200};
  // For debugging only: let a server's error message repeat the call's bound values. By
  // default a value it repeats ("invalid input syntax for type integer: "s3cret"") is
  // replaced by its placeholder ($1) or <value>, since values may be secrets.
  bool values_in_errors = false;
  // Relations declared once, by name, for a find's include ("relations" per table of a
  // schema file, docs/schema.md): {"customer": {}} then means what the file says. Either
  // the file itself, or its path, read the first time an include needs it (a missing file
  // declares none; a bad one fails that include, naming the file). A session sets the
  // path to the workspace's file of the database.
  std::optional<schema_file> schema{};
  std::filesystem::path schema_path{};
};

// How transaction_with_retry runs a callback again.
struct retry_options {
  int max_attempts = 5;                          // including the first
  std::chrono::milliseconds initial_delay{10};   // doubled each time, with ±50% jitter
  std::chrono::milliseconds max_delay{1000};
};

namespace detail {
void retry_pause(int attempt, const retry_options& r);  // sleeps before attempt + 1
}

// A snapshot of a client's pool.
struct pool_stats {
  std::size_t max_size = 0;
  std::size_t open = 0;     // connections that exist: idle + in use
  std::size_t in_use = 0;   // leased right now (or being opened or closed for a lease)
  std::size_t idle = 0;
  std::uint64_t waits = 0;     // acquisitions that had to wait for a free connection
  std::uint64_t timeouts = 0;  // acquisitions that gave up after acquire_timeout
  std::uint64_t created = 0;
  std::uint64_t discarded = 0; // closed for being broken, too old or not alive
};

class client : public executor {
  friend class schema;
  friend class migrator;

 public:
  // Opens the database at `url` with the built-in engines ("sqlite:///path.db",
  // "sqlite::memory:"). Connects once straight away, so a bad URL or an unreachable
  // database fails here. Throws tether::error.
  explicit client(std::string_view url, client_options options = {});
  client(std::shared_ptr<engine::driver> driver, std::string_view url, client_options options = {});
  client(client&&) noexcept;
  client& operator=(client&&) noexcept;
  ~client() override;

  tether::transaction begin(transaction_options options = {});
  // Commits when fn returns; on any exception rolls back and rethrows. Returns what fn returns.
  template <class F>
  auto transaction(F&& fn, transaction_options options = {})
      -> decltype(fn(std::declval<tether::transaction&>())) {
    tether::transaction tx = begin(options);
    if constexpr (std::is_void_v<decltype(fn(tx))>) {
      fn(tx);
      if (tx.is_active()) tx.commit();
    } else {
      auto result = fn(tx);
      if (tx.is_active()) tx.commit();
      return result;
    }
  }

  // transaction(fn) again when it fails with a retryable error (a serialization conflict,
  // a deadlock, a lock timeout, a lost connection), up to max_attempts, pausing between
  // attempts. Only the database work is undone: fn must be safe to run again.
  template <class F>
  auto transaction_with_retry(F&& fn, transaction_options options = {}, retry_options retry = {})
      -> decltype(fn(std::declval<tether::transaction&>())) {
    for (int attempt = 1;; ++attempt) {
      try {
        return transaction(fn, options);
      } catch (const tether::error& e) {
        if (!e.is_retryable() || attempt >= retry.max_attempts) throw;
      }
      detail::retry_pause(attempt, retry);
    }
  }

  std::optional<std::string> server_version();  // nothing where the engine has none to tell
  void close();  // closes idle connections; later calls reconnect
  // Summed over the idle connections: a repeated call of one shape is a reuse, not a
  // render and a prepare.
  engine::statement_stats statement_stats() const;
  tether::pool_stats pool_stats() const;

 private:
  struct state;
  client(std::unique_ptr<state> s, std::shared_ptr<engine::driver> driver, std::string_view url,
         client_options options);
  void wait_for_database(const client_options& o);
  std::unique_ptr<state> s_;
};

}  // namespace tether
