// The one statement cache of the SQL engines: a plan's statement is rendered once per
// shape, checked against the engine's placeholder limit, prepared by the engine, and found
// again by the plan's hint (a pointer the plan keeps) or by its shape. SQLite, PostgreSQL
// and MySQL each say only how a statement is prepared and how prepared ones are dropped.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>

#include "renderer.hpp"
#include "tether/engine/engine.hpp"

namespace tether::detail::sql {

// A cache generation no other call in this process returns. A cache starts with one and
// takes a new one whenever it drops its statements: a hint left by a connection that has
// since been closed can then never match a new connection that happens to get the same
// address.
std::uint64_t next_generation() noexcept;

// How to render a statement on a cache miss: a reference to the caller's lambda, so that a
// cache hit (the common case) builds no std::function and allocates nothing.
class render_ref {
 public:
  template <class F>
  render_ref(F&& f) noexcept  // NOLINT: implicit, like a std::function parameter
      : obj_(const_cast<void*>(static_cast<const void*>(&f))),
        call_([](void* o) -> statement { return (*static_cast<std::remove_reference_t<F>*>(o))(); }) {}
  statement operator()() const { return call_(obj_); }

 private:
  void* obj_;
  statement (*call_)(void*);
};

template <class Cached>
class statement_cache {
 public:
  // At most `limit` statements; past it every one is dropped and preparing starts again
  // (a workload of more shapes than that is not one a cache helps). A statement of more
  // than `max_placeholders` is refused, naming `engine` (see check_placeholders).
  statement_cache(std::size_t limit, std::size_t max_placeholders, std::string_view engine)
      : limit_(limit), max_placeholders_(max_placeholders), engine_(engine) {}
  // For an engine that learns its limit once connected (SQLite's is per connection).
  void set_max_placeholders(std::size_t n) noexcept { max_placeholders_ = n; }
  statement_cache(const statement_cache&) = delete;
  statement_cache& operator=(const statement_cache&) = delete;

  // The statement cached under `key`; else `render()`'s, prepared by `prepare(statement&&)`
  // (which returns the Cached), after `drop_all()` when the cache is full. `drop_all`
  // releases the engine's prepared statements and then calls clear().
  template <class Prepare, class DropAll>
  Cached& get(std::string_view key, render_ref render, Prepare&& prepare, DropAll&& drop_all) {
    if (auto it = entries_.find(key); it != entries_.end()) {
      ++stats_.reuses;
      return it->second;
    }
    if (entries_.size() >= limit_) drop_all();
    statement s = render();
    check_placeholders(s, max_placeholders_, engine_);
    ++stats_.renders;
    Cached c = prepare(std::move(s));
    ++stats_.prepares;
    return entries_.emplace(std::string(key), std::move(c)).first->second;
  }

  // The statement the plan's hint points at, when this owner left it there in this
  // generation; otherwise `lookup()` (get, by the plan's shape) and a new hint.
  template <class Lookup>
  Cached& hinted(const engine::plan& p, const void* owner, Lookup&& lookup) {
    if (Cached* c = hint_of(p, owner)) {
      ++stats_.reuses;
      return *c;
    }
    Cached& c = lookup();
    p.hint = {owner, generation_, &c};
    return c;
  }
  // The hinted statement without counting a reuse, or null.
  Cached* hint_of(const engine::plan& p, const void* owner) const noexcept {
    return p.hint.owner == owner && p.hint.generation == generation_ ? static_cast<Cached*>(p.hint.entry) : nullptr;
  }

  // Every cached statement, for the engine to release before clear().
  template <class F>
  void for_each(F&& f) {
    for (auto& [_, c] : entries_) f(c);
  }
  // Forgets every statement (released already) and every hint to them.
  void clear() noexcept {
    entries_.clear();
    generation_ = next_generation();
  }

  const engine::statement_stats& stats() const noexcept { return stats_; }

 private:
  struct key_hash {  // keys are looked up without building a std::string
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
  };
  std::unordered_map<std::string, Cached, key_hash, std::equal_to<>> entries_;
  std::size_t limit_;
  std::size_t max_placeholders_;
  std::string_view engine_;
  engine::statement_stats stats_;
  std::uint64_t generation_ = next_generation();
};

}  // namespace tether::detail::sql
