// Private: a bounded, thread-safe pool of engine connections with RAII leases.
// acquire() blocks up to the timeout; a lease returns its connection at scope exit, or
// throws it away when marked broken (a lost connection is never handed out again).
// The last returned connection waits in a lock-free slot, so a thread that takes a
// connection, uses it and gives it back touches no mutex (see pool.cpp for why no
// waiter can miss it).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "tether/engine/engine.hpp"

namespace tether::detail {

class pool;

class lease {
 public:
  lease(pool* p, std::unique_ptr<engine::connection> c) : pool_(p), conn_(std::move(c)) {}
  lease(lease&& o) noexcept = default;
  lease& operator=(lease&&) = delete;
  ~lease();
  engine::connection& operator*() const noexcept { return *conn_; }
  engine::connection* operator->() const noexcept { return conn_.get(); }
  engine::connection* get() const noexcept { return conn_.get(); }
  void mark_broken() noexcept { broken_ = true; }

 private:
  pool* pool_;
  std::unique_ptr<engine::connection> conn_;
  bool broken_ = false;
};

class pool {
 public:
  pool(std::shared_ptr<engine::driver> driver, std::string url, std::size_t max_size,
       std::chrono::milliseconds acquire_timeout);
  ~pool();
  pool(const pool&) = delete;
  pool& operator=(const pool&) = delete;
  lease acquire();
  void close_idle();
  engine::statement_stats idle_statement_stats();
  std::size_t max_size() const noexcept { return max_size_; }

 private:
  friend class lease;
  void give_back(std::unique_ptr<engine::connection> c, bool broken) noexcept;

  std::shared_ptr<engine::driver> driver_;
  std::string url_;
  std::size_t max_size_;
  std::chrono::milliseconds timeout_;
  std::mutex mutex_;
  std::condition_variable available_;
  std::vector<std::unique_ptr<engine::connection>> idle_;
  std::size_t open_ = 0;                  // idle + hot + leased
  std::atomic<std::size_t> waiting_{0};   // threads blocked in acquire()
  std::atomic<engine::connection*> hot_{nullptr};  // an idle connection, owned here
};

}  // namespace tether::detail
