// Ad hoc finds planned once per shape: the call's shape is its key, and a plan taken from
// the cache gets the call's values by position.
#include "core/query/plan_cache.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <utility>

#include <fmt/format.h>

#include "core/query/planner.hpp"
#include "core/values/utf8.hpp"

namespace tether::detail {
namespace {

constexpr std::size_t max_leaves = 16;
constexpr std::size_t max_entries = 256;
constexpr std::uint8_t from_limit = 254, from_offset = 255;  // a param's source, past any leaf

}  // namespace

// What of a call decides its plan, and its values (every scalar of the where literal, in
// order). Two calls with equal keys differ only in values that the plan binds as params.
struct plan_cache::call_shape {
  engine::shape_key key;
  std::array<const value*, max_leaves> leaves{};
  std::size_t count = 0;
  bool fits = true;  // at most max_leaves values

  // One byte below 255; else 255 and four bytes.
  void size(std::size_t n) {
    if (n < 255) return key.push_back(static_cast<char>(n));
    const auto n32 = static_cast<std::uint32_t>(n);
    char bytes[1 + sizeof n32] = {static_cast<char>(255)};
    std::memcpy(bytes + 1, &n32, sizeof n32);
    key.append(std::string_view(bytes, sizeof bytes));
  }
  // Length-prefixed, so that no name can run into the next piece of the key.
  void name(std::string_view s) {
    size(s.size());
    key.append(s);
  }
  // `column`: the nearest enclosing key that names a column, for the UTF-8 check's error.
  void walk(const value& v, std::string_view column = {}, std::size_t depth = 0) {
    if (depth > max_nesting_depth || !fits) {  // planned, and refused, by the planner
      fits = false;
      return;
    }
    switch (v.kind()) {
      case value_kind::object:
        key.push_back('{');
        size(v.size());
        for (const auto& [k, member] : v.as_object()) {
          name(k);
          walk(member, !k.empty() && k[0] != '$' ? std::string_view(k) : column, depth + 1);
        }
        return;
      case value_kind::array:
        key.push_back('[');
        size(v.size());
        for (const auto& item : v.as_array()) walk(item, column, depth + 1);
        return;
      case value_kind::string:  // checked here as well: a kept plan takes it without planning
        if (invalid_utf8_at(v.as_string()) != std::string_view::npos)
          check_utf8(v.as_string(), fmt::format("the value for column \"{}\"", column));
        // A long text-match operand plans differently (plan.hpp): its own mark, past '<'.
        key.push_back(engine::long_text(v) ? 'S' : static_cast<char>('0' + static_cast<int>(v.kind())));
        break;
      case value_kind::boolean:  // $isNull: true and false plan differently
        key.push_back(v.as_bool() ? 'T' : 'F');
        break;
      default:  // null plans differently (IS NULL); other kinds are checked when planned
        // '0' to '<': apart from every other mark here ('{', '[', 'T', 'F').
        key.push_back(static_cast<char>('0' + static_cast<int>(v.kind())));
        break;
    }
    if (count == max_leaves) {
      fits = false;
      return;
    }
    leaves[count++] = &v;
  }
};

namespace {

plan_cache::call_shape shape_of(const find_options& o) {
  plan_cache::call_shape s;
  s.key.push_back('F');
  s.name(o.table);
  s.size(o.select.size());
  for (const auto& c : o.select) s.name(c);
  s.walk(o.where);
  s.size(o.order_by.size());
  for (const auto& t : o.order_by) {
    s.name(t.column);
    s.key.push_back(t.dir == direction::desc ? '-' : '+');
  }
  s.key.push_back(o.limit ? 'L' : '_');
  s.key.push_back(o.offset ? 'O' : '_');
  return s;
}

plan_cache::call_shape shape_of(const count_options& o) {
  plan_cache::call_shape s;
  s.key.push_back('C');
  s.name(o.table);
  s.name(o.column);
  s.key.push_back(o.distinct ? 'D' : '_');
  s.walk(o.where);
  return s;
}

}  // namespace

struct plan_cache::entry {
  bool lent = false;       // to a call now; under the cache's mutex
  bool forgotten = false;  // forget() came while it was lent: never lent again
  engine::plan plan;
  std::vector<std::uint8_t> sources;  // per param: the leaf it takes, or from_limit / from_offset
  value limit, offset;                 // the paging params point here
};

plan_cache::plan_cache() = default;
plan_cache::~plan_cache() = default;

plan_cache::handle::handle(plan_cache* cache) noexcept : cache_(cache) {}
plan_cache::handle::handle(handle&& o) noexcept
    : cache_(o.cache_), lent_(std::exchange(o.lent_, nullptr)), made_(std::move(o.made_)), key_(std::move(o.key_)) {}
plan_cache::handle::~handle() {
  if (lent_) cache_->give_back(*lent_);
  else if (made_ && !key_.empty()) cache_->keep(std::move(key_), std::move(made_));
}
const engine::plan& plan_cache::handle::plan() const noexcept { return lent_ ? lent_->plan : made_->plan; }
engine::plan* plan_cache::handle::fresh() noexcept { return lent_ ? nullptr : &made_->plan; }

plan_cache::handle plan_cache::get(const find_options& o, const engine::capabilities& caps) {
  call_shape s = shape_of(o);
  return take_or_plan(s, o.limit, o.offset, [&] { return plan_find(o, caps); });
}

plan_cache::handle plan_cache::get(const count_options& o, const engine::capabilities& caps) {
  call_shape s = shape_of(o);
  return take_or_plan(s, std::nullopt, std::nullopt, [&] { return plan_count(o, caps); });
}

template <class Plan>
plan_cache::handle plan_cache::take_or_plan(call_shape& s, const std::optional<std::int64_t>& limit,
                                            const std::optional<std::int64_t>& offset, Plan&& plan) {
  handle h(this);
  if (s.fits) {
    {
      std::lock_guard lock(mutex_);
      if (auto it = entries_.find(s.key.view()); it != entries_.end() && !it->second->lent &&
          !it->second->forgotten) {
        it->second->lent = true;
        h.lent_ = it->second.get();
      }
    }
    if (h.lent_) {  // the shape was planned, and its names and kinds checked, by an earlier call
      entry& taken = *h.lent_;  // given back however this call ends
      check_paging(limit, offset);
      if (limit) taken.limit = *limit;
      if (offset) taken.offset = *offset;
      for (std::size_t i = 0; i < taken.sources.size(); ++i) {
        const std::uint8_t from = taken.sources[i];
        taken.plan.params.set(i, from == from_limit    ? &taken.limit
                                 : from == from_offset ? &taken.offset
                                                       : s.leaves[from]);
      }
      return h;
    }
  }
  h.made_ = std::make_unique<entry>();
  entry* e = h.made_.get();
  e->plan = plan();
  engine::plan& p = e->plan;
  // Kept only when every param is one of the call's values or its paging: a placeholder
  // (refused by the caller) or a value the planner derived could not be re-pointed.
  bool keep = s.fits && p.slots.empty();
  e->sources.resize(p.params.size());
  for (std::size_t i = 0; keep && i < p.params.size(); ++i) {
    if (i == p.limit) {
      e->sources[i] = from_limit;
    } else if (i == p.offset) {
      e->sources[i] = from_offset;
    } else {
      const auto leaves_end = s.leaves.begin() + static_cast<std::ptrdiff_t>(s.count);
      const auto at = std::find(s.leaves.begin(), leaves_end, p.params[i]);
      if (at == leaves_end) keep = false;
      e->sources[i] = static_cast<std::uint8_t>(at - s.leaves.begin());
    }
  }
  if (keep) {
    // The plan outlives this call's options: it owns its select list and paging values.
    p.owned_columns.assign(p.columns.begin(), p.columns.end());
    p.columns = p.owned_columns;
    if (p.limit != engine::no_param) {
      e->limit = *p.params[p.limit];
      p.params.set(p.limit, &e->limit);
    }
    if (p.offset != engine::no_param) {
      e->offset = *p.params[p.offset];
      p.params.set(p.offset, &e->offset);
    }
    h.key_ = s.key.str();
  }
  return h;
}

void plan_cache::give_back(entry& e) noexcept {
  std::lock_guard lock(mutex_);
  e.lent = false;
  if (e.forgotten) std::erase_if(entries_, [&](const auto& kv) { return kv.second.get() == &e; });
}

void plan_cache::forget() noexcept {
  std::lock_guard lock(mutex_);
  for (auto it = entries_.begin(); it != entries_.end();) {
    if (!it->second->lent) {
      it = entries_.erase(it);
    } else {
      it->second->forgotten = true;
      ++it;
    }
  }
}

void plan_cache::keep(std::string key, std::unique_ptr<entry> e) noexcept {
  try {
    std::lock_guard lock(mutex_);
    if (entries_.size() >= max_entries)  // make room: drop every plan not lent out now
      for (auto it = entries_.begin(); it != entries_.end();)
        it = it->second->lent ? std::next(it) : entries_.erase(it);
    entries_.try_emplace(std::move(key), std::move(e));  // one of this shape kept already: drop this
  } catch (...) {
    // Out of memory while keeping it: the plan is dropped, and the next call plans again.
  }
}

}  // namespace tether::detail
