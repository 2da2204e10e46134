// Keyset paging for find (paging.hpp tells what it does). A token is the base64 of a
// lossless JSON document: {"table": …, "order": [["col", "asc"], …], "last": [v, …]}.
// Its values become bound operands of an ordinary filter, so a token cannot inject
// anything; one made for another table or another order is refused.
#include "core/client/paging.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <limits>

#include "core/values/json_text.hpp"
#include "tether/error.hpp"
#include "core/results/records_builder.hpp"

namespace tether::detail {
namespace {

const char* name_of(direction d) { return d == direction::asc ? "asc" : "desc"; }

std::string order_text(const std::vector<order_term>& order) {
  std::string out;
  for (const auto& t : order) out += fmt::format("{}{}:{}", out.empty() ? "" : ",", t.column, name_of(t.dir));
  return out;
}

[[noreturn]] void not_a_token(std::string_view why) {
  throw error(error_category::usage,
              fmt::format("after: not a page token of this find ({}); pass the `next` of the previous page, "
                          "or start again without `after`",
                          why));
}

value leaf(const std::string& column, value condition) { return value(object{{column, std::move(condition)}}); }
value op(const char* name, value operand) { return value(object{{name, std::move(operand)}}); }

// The rows that come after `last` in `order`, where null is the smallest value (first
// ascending, last descending, as docs/querying.md sorts it): an or, over each term, of
// "equal on the terms before it and beyond it on this one". Before the or, a range on the
// first term alone (not before its last value), which the or implies: with it an engine
// starts an index on the order where the last page ended, so page 1,000 costs what page
// 1 does; without it, the or is checked against every row before that place.
value beyond(const std::vector<order_term>& order, const array& last, const engine::table_description& table) {
  array alternatives;
  array equal_before;
  for (std::size_t i = 0; i < order.size(); ++i) {
    const auto& t = order[i];
    const value& v = last[i];
    std::optional<value> past;
    if (t.dir == direction::asc)
      past = v.is_null() ? leaf(t.column, op("$isNull", value(false))) : leaf(t.column, op("$gt", v));
    else if (!v.is_null())
      past = value(object{{"$or", value(array{leaf(t.column, op("$lt", v)), leaf(t.column, value())})}});
    if (past) {
      array branch = equal_before;
      branch.push_back(std::move(*past));
      alternatives.push_back(value(object{{"$and", value(std::move(branch))}}));
    }
    equal_before.push_back(leaf(t.column, v.is_null() ? value() : op("$eq", v)));
  }
  if (alternatives.empty()) return value(object{{"$or", value(array{})}});  // nothing is past it
  value past(object{{"$or", value(std::move(alternatives))}});
  const order_term& first = order.front();
  const value& v = last.front();
  if (v.is_null()) return past;  // asc: every row is at or past null; desc: only nulls, said by the or
  const auto* field = engine::find_named(table.columns, first.column);
  const bool nulls = !field || field->nullable;
  value range = leaf(first.column, op(first.dir == direction::asc ? "$gte" : "$lte", v));
  if (first.dir == direction::desc && nulls)  // nulls come last descending
    range = value(object{{"$or", value(array{std::move(range), leaf(first.column, value())})}});
  return value(object{{"$and", value(array{std::move(range), std::move(past)})}});
}

}  // namespace

find_options page_query(const find_options& o, const engine::table_description* table) {
  if (!table || table->primary_key.empty())
    throw error(error_category::usage,
                fmt::format("after: paging \"{}\" needs its primary key to order by, and {}", o.table,
                            table ? "the table has none" : "the engine cannot describe the table"));
  find_options q;
  q.table = o.table;
  q.select = o.select;
  q.order_by = o.order_by;
  for (const auto& k : table->primary_key)
    if (std::none_of(q.order_by.begin(), q.order_by.end(), [&](const order_term& t) { return t.column == k; }))
      q.order_by.push_back({.column = k});
  if (!q.select.empty())
    for (const auto& t : q.order_by)
      if (std::find(q.select.begin(), q.select.end(), t.column) == q.select.end()) q.select.push_back(t.column);
  q.offset = o.offset;
  if (o.limit) q.limit = *o.limit < std::numeric_limits<std::int64_t>::max() ? *o.limit + 1 : *o.limit;
  q.where = o.where;
  if (!o.after || o.after->empty()) return q;

  value token;
  try {
    const auto raw = decode_base64(*o.after);
    token = value::from_json(std::string_view(reinterpret_cast<const char*>(raw.data()), raw.size()));
  } catch (const error&) {
    not_a_token("it is not one tether made");
  }
  const value* t = token.is_object() ? token.find("table") : nullptr;
  const value* order = token.is_object() ? token.find("order") : nullptr;
  const value* last = token.is_object() ? token.find("last") : nullptr;
  if (!t || !t->is_string() || !order || !order->is_array() || !last || !last->is_array() ||
      order->size() != last->size())
    not_a_token("it is not one tether made");
  std::vector<order_term> made_for;
  for (const auto& term : order->as_array()) {
    if (!term.is_array() || term.size() != 2 || !term.as_array()[0].is_string() || !term.as_array()[1].is_string())
      not_a_token("it is not one tether made");
    made_for.push_back(order_term::parse(term.as_array()[0].as_string() + ":" + term.as_array()[1].as_string()));
  }
  const bool same_order = std::equal(made_for.begin(), made_for.end(), q.order_by.begin(), q.order_by.end(),
                                     [](const auto& a, const auto& b) { return a.column == b.column && a.dir == b.dir; });
  if (t->as_string() != o.table || !same_order)
    not_a_token(fmt::format("it was made for \"{}\" ordered by {}, and this find reads \"{}\" ordered by {}",
                            t->as_string(), order_text(made_for), o.table, order_text(q.order_by)));
  value past = beyond(q.order_by, last->as_array(), *table);
  const bool everything = o.where.is_null() || (o.where.is_object() && o.where.as_object().empty());
  q.where = everything ? std::move(past) : value(object{{"$and", value(array{o.where, std::move(past)})}});
  return q;
}

std::string finish_page(const find_options& query, const find_options& o, records& rows) {
  if (!o.limit || *o.limit <= 0 || rows.size() <= static_cast<std::size_t>(*o.limit)) return {};
  detail::records_builder(rows).truncate(static_cast<std::size_t>(*o.limit));
  const record last_row = rows[rows.size() - 1];
  array order, last;
  for (const auto& t : query.order_by) {
    order.push_back(value(array{value(t.column), value(name_of(t.dir))}));
    last.push_back(last_row[t.column]);
  }
  const value token(object{{"table", value(o.table)}, {"order", value(std::move(order))}, {"last", value(std::move(last))}});
  const std::string text = token.to_json();
  std::string out;
  append_base64(out, reinterpret_cast<const std::uint8_t*>(text.data()), text.size());
  return out;
}

}  // namespace tether::detail
