// Private: options → engine-neutral plan. Every check on the caller's input happens here,
// before any I/O, and each failure names the input and what was expected.
#pragma once

#include "tether/engine/engine.hpp"
#include "tether/options.hpp"

namespace tether::detail {

// Letters, digits and _, not starting with a digit; `table` also allows one "schema." part.
void validate_identifier(std::string_view name, std::string_view what);

// Throws tether::error (unsupported) naming the feature and the engine unless `capable`.
void require(bool capable, std::string_view feature, const engine::capabilities& caps);

// Throws tether::error (usage) naming a negative limit or offset.
void check_paging(const std::optional<std::int64_t>& limit, const std::optional<std::int64_t>& offset);

engine::plan plan_find(const find_options& o, const engine::capabilities& caps);
// Marks the order columns that `t` says are NOT NULL (plan::order_not_null), and reshapes.
void mark_not_null_order(engine::plan& p, const engine::table_description& t);
engine::plan plan_insert(const insert_options& o, const engine::capabilities& caps);
engine::plan plan_update(const update_options& o, const engine::capabilities& caps);
engine::plan plan_remove(const remove_options& o, const engine::capabilities& caps);
engine::plan plan_upsert(const upsert_options& o, const engine::capabilities& caps);
engine::plan plan_count(const count_options& o, const engine::capabilities& caps);
engine::plan plan_column(const column_options& o, engine::aggregate_fn fn,
                         const engine::capabilities& caps);
engine::plan plan_aggregate(const aggregate_options& o, const engine::capabilities& caps);
engine::plan plan_raw(const raw_options& o, const engine::capabilities& caps);

// The name operand of a placeholder ({"$param": name}, what tether::param makes), or
// nullptr when `v` is not one.
const value* param_name(const value& v);

// A text-match operand's own rules, before any I/O: a LIKE pattern may not end in a lone
// backslash, and a $regex must be in the portable subset. `column` names it in the error.
void check_text_operand(engine::compare op, const std::string& operand, std::string_view column);

// Where-filter parsing, exposed for the tests: fills `out` and appends params to `p`.
void parse_filter(const value& where, engine::plan& p, engine::filter_node& out,
                  const engine::capabilities& caps);

}  // namespace tether::detail
