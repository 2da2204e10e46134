#include "pool.hpp"

#include <fmt/format.h>

namespace tether::detail {

lease::~lease() {
  if (pool_ && conn_) pool_->give_back(std::move(conn_), broken_);
}

pool::pool(std::shared_ptr<engine::driver> driver, std::string url, std::size_t max_size,
           std::chrono::milliseconds acquire_timeout)
    : driver_(std::move(driver)), url_(std::move(url)), max_size_(max_size),
      timeout_(acquire_timeout) {}

pool::~pool() { delete hot_.exchange(nullptr); }

// Why no waiter sleeps while a connection sits in hot_: a waiter raises waiting_ and then
// empties hot_; give_back fills hot_ and then reads waiting_. All four are sequentially
// consistent, so either the waiter finds the connection or give_back sees the waiter and
// notifies it under the mutex, which the waiter holds until it is inside wait_until.
lease pool::acquire() {
  if (auto* c = hot_.exchange(nullptr)) return lease(this, std::unique_ptr<engine::connection>(c));
  std::unique_lock lock(mutex_);
  auto deadline = std::chrono::steady_clock::now() + timeout_;
  for (;;) {
    if (auto* c = hot_.exchange(nullptr)) return lease(this, std::unique_ptr<engine::connection>(c));
    if (!idle_.empty()) {
      auto c = std::move(idle_.back());
      idle_.pop_back();
      return lease(this, std::move(c));
    }
    if (open_ < max_size_) {
      ++open_;
      lock.unlock();
      try {
        return lease(this, driver_->connect(url_));
      } catch (...) {
        lock.lock();
        --open_;
        if (waiting_) available_.notify_one();
        throw;
      }
    }
    ++waiting_;
    if (auto* c = hot_.exchange(nullptr)) {
      --waiting_;
      return lease(this, std::unique_ptr<engine::connection>(c));
    }
    auto status = available_.wait_until(lock, deadline);
    --waiting_;
    if (status == std::cv_status::timeout && idle_.empty() && hot_.load() == nullptr &&
        open_ >= max_size_)
      throw error(error_category::timeout,
                  fmt::format("no {} connection became free within {} ms (pool size {}); raise "
                              "the pool size or the acquire timeout",
                              driver_->name(), timeout_.count(), max_size_),
                  {std::string(driver_->name()), 0, "", ""});
  }
}

void pool::give_back(std::unique_ptr<engine::connection> c, bool broken) noexcept {
  if (!broken && waiting_.load() == 0) {
    engine::connection* empty = nullptr;
    if (hot_.compare_exchange_strong(empty, c.get())) {
      c.release();  // hot_ owns it now
      if (waiting_.load() > 0) {
        std::lock_guard lock(mutex_);
        available_.notify_one();
      }
      return;
    }
  }
  std::unique_ptr<engine::connection> doomed;
  bool wake;
  {
    std::lock_guard lock(mutex_);
    if (broken) {
      doomed = std::move(c);
      --open_;
    } else {
      idle_.push_back(std::move(c));
    }
    wake = waiting_ > 0;
  }
  if (wake) available_.notify_one();
}

engine::statement_stats pool::idle_statement_stats() {
  std::lock_guard lock(mutex_);
  if (auto* c = hot_.exchange(nullptr)) idle_.emplace_back(c);  // read it safely, as idle
  engine::statement_stats total;
  for (const auto& c : idle_) total += c->statement_stats();
  return total;
}

void pool::close_idle() {
  std::vector<std::unique_ptr<engine::connection>> doomed;
  {
    std::lock_guard lock(mutex_);
    if (auto* c = hot_.exchange(nullptr)) idle_.emplace_back(c);
    doomed.swap(idle_);
    open_ -= doomed.size();
  }
}

}  // namespace tether::detail
