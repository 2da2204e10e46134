// Prepared queries: a find or an insert planned once, its placeholders filled per run.
#include <fmt/format.h>

#include <algorithm>

#include "core/query/planner.hpp"
#include "core/client/runner.hpp"
#include "core/relations/include.hpp"
#include "tether/client.hpp"

namespace tether {
namespace {

// Hands bind() the argument of every slot (anything with a `name`), after checking that
// `args` is an object that names each slot and nothing else.
template <class Slots, class Bind>
void bind_args(const Slots& slots, const value& args, Bind&& bind) {
  if (!args.is_null() && !args.is_object())
    throw error(error_category::usage, fmt::format("prepared query args must be an object of "
                                                   "{{\"name\": value}}, got {}", args.to_json()));
  const object* given = args.is_object() ? &args.as_object() : nullptr;
  const std::size_t n = given ? given->size() : 0;
  for (std::size_t i = 0; i < slots.size(); ++i) {
    const auto& slot = slots[i];
    // Args usually name the params in the order the query does: look there first.
    const value* v = i < n && (*given)[i].first == slot.name ? &(*given)[i].second : args.find(slot.name);
    if (!v) throw error(error_category::usage, fmt::format("no value for param \"{}\"", slot.name));
    bind(slot, *v);
  }
  if (n != slots.size())  // equal sizes: every arg was a slot
    for (const auto& arg : *given)  // not a structured binding: clang 14 cannot capture one
      if (std::none_of(slots.begin(), slots.end(), [&](const auto& s) { return s.name == arg.first; }))
        throw error(error_category::usage, fmt::format("this prepared query has no param \"{}\"", arg.first));
}

void check_bound(const engine::plan::slot& slot, const value& v) {
  using engine::compare;
  bool text_op = slot.op == compare::like || slot.op == compare::ilike || slot.op == compare::regex ||
                 slot.op == compare::contains || slot.op == compare::starts_with ||
                 slot.op == compare::ends_with;
  if (text_op && !v.is_string())
    throw error(error_category::usage,
                fmt::format("param \"{}\" feeds a text match and takes a string, got {}", slot.name, v.to_json()));
  if (text_op) detail::check_text_operand(slot.op, v.as_string(), fmt::format("param {}", slot.name));
  if (v.is_null() || !v.is_scalar())
    throw error(error_category::usage,
                fmt::format("param \"{}\" takes a single non-null value, got {}; a null test is "
                            "written into the query ($isNull)",
                            slot.name, v.to_json()));
}

}  // namespace

// Every kind owns its state (below) and moves it as a whole.
template <class Result>
prepared<Result>::prepared(std::unique_ptr<state> s) : s_(std::move(s)) {}
template <class Result>
prepared<Result>::prepared(prepared&&) noexcept = default;
template <class Result>
prepared<Result>& prepared<Result>::operator=(prepared&&) noexcept = default;
template <class Result>
prepared<Result>::~prepared() = default;

// --- prepared_find -----------------------------------------------------------------------

template <>
struct prepared_find::state {
  detail::runner* owner;
  find_options options;  // the plan's params point into these
  engine::plan plan;
};

prepared_find executor::prepare(find_options o) {
  detail::refuse_include(o, "prepare");
  auto s = std::make_unique<prepared_find::state>();
  s->owner = &detail::runner_of(*this);
  s->options = std::move(o);
  s->plan = detail::plan_find(s->options, capabilities());
  return prepared_find(std::move(s));
}

template <>
find_result prepared_find::run(const value& args) {
  auto& p = s_->plan;
  bind_args(p.slots, args, [&](const engine::plan::slot& slot, const value& v) {
    check_bound(slot, v);
    p.params.set(slot.param, &v);
  });
  engine::execution e;
  s_->owner->execute(p, e);
  const auto n = static_cast<std::int64_t>(e.rows.size());
  return find_result{std::move(e.rows), n};
}

// --- prepared_insert ---------------------------------------------------------------------

template <>
struct prepared_insert::state {
  struct cell_slot {
    std::string name;
    value* cell;  // inside `rows`: each run writes its argument here
  };
  detail::runner* owner;
  std::vector<value> rows;  // the records; the plan reads them in place
  insert_options options;   // everything else; the plan may point into it
  std::vector<cell_slot> slots;
  engine::plan plan;
};

prepared_insert executor::prepare_insert(insert_options o) {
  auto s = std::make_unique<prepared_insert::state>();
  s->owner = &detail::runner_of(*this);
  s->rows.assign(o.records.begin(), o.records.end());
  o.records = std::span<const value>(s->rows);
  s->options = std::move(o);
  s->plan = detail::plan_insert(s->options, capabilities());
  for (std::size_t r = 0; r < s->rows.size(); ++r) {
    if (!s->rows[r].is_object()) continue;  // the plan refuses it when it runs, naming the record
    for (auto& [column, cell] : s->rows[r].as_object()) {
      const value* name = detail::param_name(cell);
      if (!name) continue;
      if (!name->is_string() || name->as_string().empty())
        throw error(error_category::usage, fmt::format("the $param for column \"{}\" of record {} needs a name, got {}",
                                                       column, r, name->to_json()));
      s->slots.push_back({name->as_string(), &cell});
    }
  }
  return prepared_insert(std::move(s));
}

template <>
insert_result prepared_insert::run(const value& args) {
  bind_args(s_->slots, args, [](const state::cell_slot& slot, const value& v) { *slot.cell = v; });
  engine::execution e;
  s_->owner->execute(s_->plan, e);
  return insert_result{std::move(e.rows), e.affected, std::move(e.inserted_ids)};
}

template class prepared<find_result>;
template class prepared<insert_result>;

}  // namespace tether
