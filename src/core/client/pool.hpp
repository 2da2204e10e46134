// Private: a bounded, thread-safe pool of engine connections with RAII leases.
//
// Threading: acquire() and a lease's release may be called from any thread at once. A
// lease, and the connection in it, belongs to one thread until it is released.
// acquire() blocks up to the acquire timeout, then throws tether::error (timeout).
//
// Health: a connection idle for longer than health_check_after is asked alive() before
// it is handed out; one past max_lifetime is closed instead of reused; one whose lease
// was marked broken is closed, never handed out again.
//
// Speed: the last returned connection waits in a lock-free slot, so a thread that takes
// a connection, uses it and gives it back touches no mutex (pool.cpp says why no waiter
// can miss it).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "tether/client.hpp"
#include "tether/engine/engine.hpp"

namespace tether::detail {

// Connection ages and idle times need milliseconds, not nanoseconds: the coarse monotonic
// clock reads a kernel-maintained value (ticks of a few ms) without touching the TSC,
// which on a hot path that takes and returns a connection per call is measurably cheaper.
struct coarse_clock {
  using duration = std::chrono::nanoseconds;
  using rep = duration::rep;
  using period = duration::period;
  using time_point = std::chrono::time_point<coarse_clock>;
  static constexpr bool is_steady = true;
  static time_point now() noexcept;
};
using clock = coarse_clock;

struct pooled_connection {
  std::unique_ptr<engine::connection> conn;
  clock::time_point created;
  // When its last lease began. The health check measures idleness from here: never less
  // than the time since it came back, so it checks at least as often as "idle since the
  // return" would, and a return reads no clock.
  clock::time_point leased_at;
};

struct pool_settings {
  std::size_t max_size = 1;
  std::chrono::milliseconds acquire_timeout{30000};
  std::chrono::milliseconds max_lifetime{0};        // 0: no limit
  std::chrono::milliseconds health_check_after{0};  // idle at least this long: alive() first
};

class pool;

class lease {
 public:
  lease(pool* p, std::unique_ptr<pooled_connection> c) noexcept : pool_(p), c_(std::move(c)) {}
  lease(lease&& o) noexcept = default;
  lease& operator=(lease&&) = delete;
  ~lease();
  engine::connection& operator*() const noexcept { return *c_->conn; }
  engine::connection* operator->() const noexcept { return c_->conn.get(); }
  engine::connection* get() const noexcept { return c_->conn.get(); }
  void mark_broken() noexcept { broken_ = true; }

 private:
  pool* pool_;
  std::unique_ptr<pooled_connection> c_;
  bool broken_ = false;
};

class pool {
 public:
  pool(std::shared_ptr<engine::driver> driver, std::string url, pool_settings settings);
  ~pool();
  pool(const pool&) = delete;
  pool& operator=(const pool&) = delete;

  lease acquire();
  void close_idle();
  tether::pool_stats stats();
  engine::statement_stats idle_statement_stats();
  std::size_t max_size() const noexcept { return settings_.max_size; }

 private:
  friend class lease;
  void give_back(std::unique_ptr<pooled_connection> c, bool broken) noexcept;
  // Whether an idle connection may be handed out now (lifetime, then health).
  bool usable(pooled_connection& c, clock::time_point now);
  lease hand_out(std::unique_ptr<pooled_connection> c, clock::time_point now);
  void discard(std::unique_ptr<pooled_connection> c) noexcept;  // call without the mutex

  std::shared_ptr<engine::driver> driver_;
  std::string url_;
  pool_settings settings_;
  std::mutex mutex_;
  std::condition_variable available_;
  std::vector<std::unique_ptr<pooled_connection>> idle_;
  std::size_t open_ = 0;                  // idle + hot + leased, under mutex_
  std::atomic<std::size_t> waiting_{0};   // threads blocked in acquire()
  std::atomic<pooled_connection*> hot_{nullptr};  // an idle connection, owned here
  std::atomic<std::uint64_t> waits_{0}, timeouts_{0}, created_{0}, discarded_{0};
};

}  // namespace tether::detail
