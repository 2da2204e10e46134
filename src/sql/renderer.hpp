// Private: the one SQL renderer every SQL engine shares, and the dialect hooks it calls.
// render() turns a plan into text plus bindings. A binding says which plan param goes to
// which placeholder and how to transform it (a LIKE prefix, a GLOB pattern), so a cached
// statement can be bound again from a new plan of the same shape without re-rendering.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "tether/engine/engine.hpp"
#include "tether/engine/plan.hpp"

namespace tether::detail::sql {

enum class transform : std::uint8_t {
  none,
  like_prefix,    // escape % _ \ then append %
  like_suffix,    // prepend %
  like_contains,  // % on both sides
  glob_from_like, // a LIKE pattern (\ escapes) rewritten as a case-sensitive GLOB
  glob_prefix,
  glob_suffix,
  json_text,      // any value as JSON text (for json(?) in array operators)
};

struct binding {
  std::uint32_t param;
  transform how = transform::none;
};

struct statement {
  std::string text;
  std::vector<binding> bindings;
};

class renderer;

class dialect {
 public:
  virtual ~dialect() = default;
  virtual std::string_view name() const noexcept = 0;
  virtual void placeholder(std::string& out, std::size_t ordinal) const = 0;  // 1-based
  virtual void quote(std::string& out, std::string_view identifier) const;     // "a"."b"
  virtual char quote_char() const noexcept { return '"'; }
  // Whether the engine takes RETURNING on this kind of statement; where it does not, the
  // renderer leaves the clause out and the engine emulates it.
  virtual bool returning(engine::plan_kind /*kind*/) const noexcept { return true; }
  // Text matching: like, ilike, regex, contains, starts_with, ends_with. Each must keep
  // the portable meaning: like/contains/starts/ends case-sensitive, ilike insensitive.
  virtual void text_match(renderer& r, const engine::filter_node& n) const = 0;
  // col IS DISTINCT FROM param: true when either side is null and the other is not.
  virtual void not_equal(renderer& r, const engine::filter_node& n) const;
  virtual void string_agg(renderer& r, const engine::aggregate_term& t) const;
  virtual void concat(renderer& r, const engine::assignment& a) const;
  virtual void json_array_op(renderer& r, const engine::assignment& a) const = 0;
  virtual void limit_offset(renderer& r, const engine::plan& p) const;
  // The LIMIT that means "all rows", for an OFFSET without a LIMIT where the dialect needs
  // one (SQLite, MySQL); empty where OFFSET stands alone.
  virtual std::string_view no_limit() const noexcept { return {}; }
  // Null sorts as the smallest value on every engine (first ascending, last descending);
  // a dialect whose default differs says so here.
  virtual void null_order(renderer& /*r*/, direction /*dir*/) const {}
  virtual void upsert_clause(renderer& r, const engine::plan& p) const;
};

class renderer {
 public:
  renderer(const dialect& d, const engine::plan& p) : d_(d), p_(p) {}

  std::string& out() noexcept { return s_.text; }
  const engine::plan& plan() const noexcept { return p_; }
  void ident(std::string_view id) { d_.quote(s_.text, id); }
  void param(std::uint32_t index, transform how = transform::none);
  void column(const engine::filter_node& n);  // the field, or in HAVING an aggregate alias
  void having(const engine::filter_node& n);
  void text(std::string_view t) { s_.text += t; }
  void filter(const engine::filter_node& n);
  void aggregate(const engine::aggregate_term& t);

  // Insert rows [0, rows) of the plan's row params, numbered from the plan's rows_param.
  statement insert(std::size_t rows) &&;
  statement take() && { return std::move(s_); }

 private:
  void leaf(const engine::filter_node& n);
  const dialect& d_;
  const engine::plan& p_;
  statement s_;
  bool in_having_ = false;
};

// The whole statement for a plan (inserts: all of its rows in one statement).
statement render(const engine::plan& p, const dialect& d);
// An INSERT of `rows` rows taken from the start of the plan's row params.
statement render_insert(const engine::plan& p, const dialect& d, std::size_t rows);

// "SAVEPOINT "name"", "RELEASE SAVEPOINT …", "ROLLBACK TO SAVEPOINT …".
std::string savepoint_sql(const dialect& d, std::string_view verb, std::string_view name);

// Statement caches look keys up without building a std::string.
struct key_hash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
};

// The cached statement a plan's hint points at, when this owner left it there in this
// cache generation; otherwise `lookup()` (the shape-keyed cache) and a new hint.
template <class Cached, class Lookup>
Cached& hinted(const engine::plan& p, const void* owner, std::uint64_t generation,
               engine::statement_stats& stats, Lookup&& lookup) {
  if (p.hint.owner == owner && p.hint.generation == generation) {
    ++stats.reuses;
    return *static_cast<Cached*>(p.hint.entry);
  }
  Cached& c = lookup();
  p.hint = {owner, generation, &c};
  return c;
}

// Apply a binding transform to a string operand.
std::string apply_transform(transform how, std::string_view s);

}  // namespace tether::detail::sql
