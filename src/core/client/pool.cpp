#include "core/client/pool.hpp"

#include <fmt/format.h>
#include <time.h>

namespace tether::detail {

coarse_clock::time_point coarse_clock::now() noexcept {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
  return time_point(std::chrono::seconds(ts.tv_sec) + std::chrono::nanoseconds(ts.tv_nsec));
}

lease::~lease() {
  if (pool_ && c_) pool_->give_back(std::move(c_), broken_);
}

pool::pool(std::shared_ptr<engine::driver> driver, std::string url, pool_settings settings)
    : driver_(std::move(driver)), url_(std::move(url)), settings_(settings) {}

pool::~pool() { delete hot_.exchange(nullptr); }

bool pool::usable(pooled_connection& c, clock::time_point now) {
  if (settings_.max_lifetime.count() > 0 && now - c.created >= settings_.max_lifetime) return false;
  if (now - c.leased_at >= settings_.health_check_after) {
    try {
      return c.conn->alive();
    } catch (...) {
      return false;
    }
  }
  return true;
}

lease pool::hand_out(std::unique_ptr<pooled_connection> c, clock::time_point now) {
  c->leased_at = now;
  return lease(this, std::move(c));
}

void pool::discard(std::unique_ptr<pooled_connection> c) noexcept {
  ++discarded_;
  {
    std::lock_guard lock(mutex_);
    --open_;
  }
  c.reset();  // closing may talk to the server: outside the mutex
  if (waiting_.load() > 0) {
    std::lock_guard lock(mutex_);
    available_.notify_one();
  }
}

// Why no waiter sleeps while a connection sits in hot_: a waiter raises waiting_ and then
// empties hot_; give_back fills hot_ and then reads waiting_. All four are sequentially
// consistent, so either the waiter finds the connection or give_back sees the waiter and
// notifies it under the mutex, which the waiter holds until it is inside wait_until.
lease pool::acquire() {
  auto now = clock::now();
  if (auto* hot = hot_.exchange(nullptr)) {
    std::unique_ptr<pooled_connection> c(hot);
    if (usable(*c, now)) return hand_out(std::move(c), now);
    discard(std::move(c));
  }
  std::unique_lock lock(mutex_);
  auto deadline = std::chrono::steady_clock::now() + settings_.acquire_timeout;
  bool counted_wait = false;
  for (;;) {
    std::unique_ptr<pooled_connection> candidate(hot_.exchange(nullptr));
    if (!candidate && !idle_.empty()) {
      candidate = std::move(idle_.back());
      idle_.pop_back();
    }
    if (!candidate && open_ >= settings_.max_size) {
      if (!counted_wait) {
        ++waits_;
        counted_wait = true;
      }
      ++waiting_;
      candidate.reset(hot_.exchange(nullptr));  // returned between the checks above and now
      if (!candidate) {
        auto status = available_.wait_until(lock, deadline);
        --waiting_;
        if (status == std::cv_status::timeout && idle_.empty() && hot_.load() == nullptr &&
            open_ >= settings_.max_size) {
          ++timeouts_;
          throw error(error_category::timeout,
                      fmt::format("no {} connection became free within {} ms (pool size {}); raise "
                                  "the pool size or the acquire timeout",
                                  driver_->name(), settings_.acquire_timeout.count(), settings_.max_size),
                      error_details{std::string(driver_->name())});
        }
        continue;
      }
      --waiting_;
    }
    if (candidate) {
      lock.unlock();  // alive() may do I/O
      const auto checked = clock::now();
      if (usable(*candidate, checked)) return hand_out(std::move(candidate), checked);
      discard(std::move(candidate));
      lock.lock();
      continue;
    }
    ++open_;  // room for one more: open it outside the mutex
    lock.unlock();
    try {
      auto t = clock::now();
      auto c = std::make_unique<pooled_connection>(pooled_connection{driver_->connect(url_), t, t});
      ++created_;
      return hand_out(std::move(c), t);
    } catch (...) {
      lock.lock();
      --open_;
      if (waiting_) available_.notify_one();
      throw;
    }
  }
}

void pool::give_back(std::unique_ptr<pooled_connection> c, bool broken) noexcept {
  // One past its lifetime is discarded when next acquired (usable() checks), not here: a
  // return reads no clock.
  if (broken) return discard(std::move(c));
  if (waiting_.load() == 0) {
    pooled_connection* empty = nullptr;
    if (hot_.compare_exchange_strong(empty, c.get())) {
      c.release();  // hot_ owns it now
      if (waiting_.load() > 0) {
        std::lock_guard lock(mutex_);
        available_.notify_one();
      }
      return;
    }
  }
  bool wake;
  {
    std::lock_guard lock(mutex_);
    idle_.push_back(std::move(c));
    wake = waiting_ > 0;
  }
  if (wake) available_.notify_one();
}

tether::pool_stats pool::stats() {
  std::lock_guard lock(mutex_);
  tether::pool_stats s;
  s.max_size = settings_.max_size;
  s.open = open_;
  s.idle = idle_.size() + (hot_.load() ? 1 : 0);
  // Counted, not tracked: a lease would otherwise cost two more atomic operations. Every
  // open connection is idle, hot, leased or being opened for a lease, so this cannot
  // underflow; one being opened counts as in use.
  s.in_use = open_ - s.idle;
  s.waits = waits_.load();
  s.timeouts = timeouts_.load();
  s.created = created_.load();
  s.discarded = discarded_.load();
  return s;
}

engine::statement_stats pool::idle_statement_stats() {
  std::lock_guard lock(mutex_);
  if (auto* c = hot_.exchange(nullptr)) idle_.emplace_back(c);  // read it safely, as idle
  engine::statement_stats total;
  for (const auto& c : idle_) total += c->conn->statement_stats();
  return total;
}

void pool::close_idle() {
  std::vector<std::unique_ptr<pooled_connection>> doomed;
  {
    std::lock_guard lock(mutex_);
    if (auto* c = hot_.exchange(nullptr)) idle_.emplace_back(c);
    doomed.swap(idle_);
    open_ -= doomed.size();
  }
}

}  // namespace tether::detail
