// Private: the plans of ad hoc finds and counts, kept by the shape of the call, so that a
// repeated db.find({…}) or db.count({…}) with new values neither parses, validates nor
// looks its statement up again.
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "tether/engine/engine.hpp"
#include "tether/options.hpp"

namespace tether::detail {

class plan_cache {
  struct entry;

 public:
  struct call_shape;  // a call's key and values (plan_cache.cpp)

  plan_cache();
  ~plan_cache();
  plan_cache(const plan_cache&) = delete;
  plan_cache& operator=(const plan_cache&) = delete;

  // A plan for one call: lent by the cache and given back, or made for the call and then
  // kept (or dropped, when no later call could take it: see get) when destroyed.
  class handle {
   public:
    handle(handle&&) noexcept;
    handle& operator=(handle&&) = delete;
    ~handle();
    const engine::plan& plan() const noexcept;
    // Whether the plan is an earlier call's (its shape, kinds included, was checked then).
    bool kept() const noexcept { return lent_ != nullptr; }
    // The plan made for this call, which the caller may still annotate from what it knows
    // of the table (before it is kept); null when kept().
    engine::plan* fresh() noexcept;

   private:
    friend class plan_cache;
    explicit handle(plan_cache* cache) noexcept;
    plan_cache* cache_;
    entry* lent_ = nullptr;        // the cache's
    std::unique_ptr<entry> made_;  // this call's
    std::string key_;              // made_'s key when it is to be kept; else empty
  };

  // The plan of `o`. When an earlier call had the same shape (table, select list, order,
  // paging flags, and the where literal's keys, nesting, array lengths, value kinds and
  // booleans), it is that call's plan with its params pointed at o's values, after the
  // checks planning makes on values (the paging); otherwise it is planned anew, and kept.
  // A where literal of more than 16 values is planned every time.
  handle get(const find_options& o, const engine::capabilities& caps);
  // The same for a count: its shape is the table, the column, distinct and the where literal.
  handle get(const count_options& o, const engine::capabilities& caps);
  // Drops every kept plan: what the client knew of the tables, which a plan may carry
  // (plan::order_not_null), is stale. A plan lent out now is dropped when given back.
  void forget() noexcept;

 private:
  struct key_hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
  };
  // A kept plan of this shape, pointed at this call's values; else plan() kept for next time.
  template <class Plan>
  handle take_or_plan(call_shape& s, const std::optional<std::int64_t>& limit,
                      const std::optional<std::int64_t>& offset, Plan&& plan);
  void give_back(entry& e) noexcept;
  void keep(std::string key, std::unique_ptr<entry> e) noexcept;

  std::mutex mutex_;
  std::unordered_map<std::string, std::unique_ptr<entry>, key_hash, std::equal_to<>> entries_;
};

}  // namespace tether::detail
