// Updates on DynamoDB, item by item: each matching item read becomes one UpdateItem; an
// update by the whole key with $set, $unset, $inc or $dec is one UpdateItem, unread, the
// rest of its where (when DynamoDB judges it as tether does) its ConditionExpression.
// SET, REMOVE, ADD and DELETE do what DynamoDB can do where the item stands ($set, $unset,
// $inc/$dec, $push via list_append, $addToSet and $pull on a set); any other operator is
// computed here from the value read and written on the condition that the attribute still
// holds it. When that condition fails the item changed meanwhile: it is read again and the
// update computed anew (it is atomic per item, not across items: docs/engines/dynamodb.md).
#include <fmt/format.h>

#include <optional>

#include "connection.hpp"
#include "core/query/recorded_writes.hpp"
#include "expressions.hpp"
#include "tether/engine/evaluate.hpp"
#include "tether/error.hpp"
#include "types.hpp"

namespace tether::detail::dynamodb {
namespace {

// A list compared element by element at most this long; a longer one is compared whole.
constexpr std::size_t unchanged_elements = 100;

// Adds to `condition` that attribute `n` still holds `stored` (null: absent, or NULL).
// A list is compared by its size and element by element, which DynamoDB and dynalite
// judge alike (dynalite's whole-list equality compares elements by identity).
void still_holds(std::string& condition, json& values, const std::string& n, const std::string& v, const json* stored) {
  if (!stored || stored->contains("NULL")) {
    condition += fmt::format(" AND (attribute_not_exists({}) OR attribute_type({}, :null))", n, n);
    values[":null"] = json{{"S", "NULL"}};
    return;
  }
  const auto list = stored->find("L");
  if (list == stored->end() || list->size() > unchanged_elements) {
    condition += fmt::format(" AND {} = {}o", n, v);
    values[v + "o"] = *stored;
    return;
  }
  condition += fmt::format(" AND size({}) = {}n", n, v);
  values[v + "n"] = json{{"N", std::to_string(list->size())}};
  for (std::size_t e = 0; e < list->size(); ++e) {
    condition += fmt::format(" AND {}[{}] = {}o{}", n, e, v, e);
    values[fmt::format("{}o{}", v, e)] = (*list)[e];
  }
}

// The UpdateItem request of `p` for one item as read (`row` is it as a record), or none
// when the update leaves it as it is ($min that keeps the value, $addToSet of a member).
std::optional<json> update_request(const engine::plan& p, const engine::table_description& t, const json& item,
                                   const records& row) {
  std::string set, remove, add, del, condition = "attribute_exists(#pk)";
  json names{{"#pk", t.primary_key.at(0)}}, values = json::object();
  auto append = [](std::string& clause, const std::string& part) { clause += (clause.empty() ? "" : ", ") + part; };
  auto computed = [&](const std::string& n, const std::string& v, const std::string& column, const value& now) {
    append(set, fmt::format("{} = {}", n, v));
    values[v] = to_attribute(now, declared_field(t, column), column);
    const auto stored = item.find(column);
    still_holds(condition, values, n, v, stored == item.end() ? nullptr : &*stored);
  };
  for (std::size_t a = 0; a < p.set.size(); ++a) {
    const auto& s = p.set[a];
    const std::string n = fmt::format("#a{}", a), v = fmt::format(":v{}", a);
    names[n] = s.column;
    const value* operand = s.param == engine::no_param ? nullptr : p.param(s.param);
    const value old = row[0][s.column];
    switch (s.op) {
      case engine::update_op::set:
        if (!operand->is_null()) {
          append(set, fmt::format("{} = {}", n, v));
          values[v] = to_attribute(*operand, declared_field(t, s.column), s.column);
          break;
        }
        if (const auto* f = declared_field(t, s.column); f && (!f->nullable || f->primary_key))
          throw error(error_category::not_null_violation,
                      fmt::format("\"{}.{}\" is required; it cannot be set to null", p.table, s.column),
                      error_details{"dynamodb"});
        append(remove, n);
        break;
      case engine::update_op::unset: append(remove, n); break;
      case engine::update_op::inc:
      case engine::update_op::dec:  // null counts as 0
        append(set, fmt::format("{} = if_not_exists({}, :zero) {} {}", n, n, s.op == engine::update_op::inc ? '+' : '-', v));
        values[v] = to_attribute(*operand, s.column);
        values[":zero"] = json{{"N", "0"}};
        break;
      case engine::update_op::mul:     // null counts as 0
      case engine::update_op::min:     // null takes the value
      case engine::update_op::max:
      case engine::update_op::concat:  // null counts as ""
        if (auto now = updated_value(s.op, old, operand, s.column)) computed(n, v, s.column, *now);
        break;
      case engine::update_op::push:
      case engine::update_op::add_to_set:
      case engine::update_op::pull:
      case engine::update_op::pop_first:
      case engine::update_op::pop_last: {
        const auto stored = item.find(s.column);
        if (const std::string kind = stored == item.end() ? "" : set_kind(*stored); !kind.empty()) {
          if (s.op != engine::update_op::add_to_set && s.op != engine::update_op::pull)
            throw error(error_category::unsupported,
                        fmt::format("update of \"{}.{}\": it is a DynamoDB set ({}), which has no order; $addToSet and "
                                    "$pull change a set, $push and $pop a list",
                                    p.table, s.column, kind),
                        error_details{.engine = "dynamodb", .code = "SetHasNoOrder"});
          append(s.op == engine::update_op::add_to_set ? add : del, fmt::format("{} {}", n, v));
          values[v] = set_of(kind, *operand, p.table, s.column);
          break;
        }
        if (s.op == engine::update_op::push && old.is_array()) {  // appended where it stands
          append(set, fmt::format("{} = list_append({}, {})", n, n, v));
          values[v] = json{{"L", json::array({to_attribute(*operand, s.column)})}};
          break;
        }
        if (auto now = updated_value(s.op, old, operand, s.column)) computed(n, v, s.column, *now);
        break;
      }
      case engine::update_op::rename:
      case engine::update_op::current_date: break;  // refused while planning (capabilities)
    }
  }
  std::string expression;
  for (const auto& [word, clause] : {std::pair{"SET ", &set}, {"REMOVE ", &remove}, {"ADD ", &add}, {"DELETE ", &del}})
    if (!clause->empty()) expression += (expression.empty() ? "" : " ") + std::string(word) + *clause;
  if (expression.empty()) return std::nullopt;
  json request{{"TableName", p.table}, {"Key", key_in(item, t)}, {"ConditionExpression", condition},
               {"UpdateExpression", expression}, {"ExpressionAttributeNames", names}};
  if (!values.empty()) request["ExpressionAttributeValues"] = values;
  if (!p.returning.empty()) request["ReturnValues"] = "ALL_NEW";
  return request;
}

std::size_t leaves(const engine::filter_node& n) {
  std::size_t count = n.kind == engine::logic::leaf ? 1 : 0;
  for (const auto& c : n.children) count += leaves(c);
  return count;
}

// Whether `p` updates one item by its whole key with operators DynamoDB applies where the
// item stands, and says nothing else, or nothing DynamoDB cannot judge as tether does: then
// one UpdateItem does it, with no read. `rest` is then the where's other conditions, if any,
// as a condition expression (its placeholders in `x`).
bool by_key(const engine::plan& p, const engine::table_description& t, expression_names& x,
            std::optional<std::string>& rest) {
  if (!fixed_key(p, t)) return false;
  for (const auto& s : p.set) {
    const bool native = s.op == engine::update_op::unset || s.op == engine::update_op::inc ||
                        s.op == engine::update_op::dec ||
                        (s.op == engine::update_op::set && !p.param(s.param)->is_null());
    if (!native) return false;
  }
  if (leaves(p.where) == t.primary_key.size()) return true;  // the key, and nothing else
  bool whole = false;
  x.prefix = "w";  // apart from the update's own #a0, :v0
  rest = filter_expression(p, t, x, t.primary_key, &whole);
  return whole;
}

}  // namespace

// One UpdateItem on the condition that the item is there and matches the rest of the where:
// ReturnValues ALL_NEW for returning.
bool connection::update_by_key(const engine::plan& p, const engine::table_description& t, engine::execution& out) {
  expression_names x;
  std::optional<std::string> rest;
  if (transaction_ || !by_key(p, t, x, rest)) return false;
  const json item = *fixed_key(p, t);
  const records row = to_records(std::span<const json>(&item, 1), t);
  json request = *update_request(p, t, item, row);
  if (rest) {
    request["ConditionExpression"] = fmt::format("{} AND ({})", request["ConditionExpression"].get<std::string>(), *rest);
    for (const auto& [k, v] : x.names.items()) request["ExpressionAttributeNames"][k] = v;
    for (const auto& [k, v] : x.values.items()) request["ExpressionAttributeValues"][k] = v;
  }
  try {
    json got = http_->call("UpdateItem", request, p.table);
    out.affected = 1;
    if (!p.returning.empty()) out.rows = to_records(std::span<const json>(&got["Attributes"], 1), t, &p.returning);
  } catch (const error& e) {
    if (e.code() != "ConditionalCheckFailedException") throw;  // no such item: none updated
    if (!p.returning.empty()) out.rows = to_records(std::span<const json>(), t, &p.returning);
  }
  return true;
}

void connection::update(const engine::plan& p, const engine::table_description& t, engine::execution& out) {
  if (transaction_ && !p.returning.empty())
    throw error(error_category::unsupported,
                fmt::format("an update of \"{}\" inside a DynamoDB transaction cannot return rows: its writes are sent "
                            "at commit, and TransactWriteItems returns no items; find them after commit",
                            p.table),
                error_details{"dynamodb"});
  if (update_by_key(p, t, out)) return;
  std::vector<json> returned;  // the items as updated (ReturnValues ALL_NEW), for returning
  for (json& read : read_items(p, t, true)) {
    std::optional<json> item = std::move(read);
    for (int attempt = 0; item; ++attempt) {
      const records row = to_records(std::span<const json>(&*item, 1), t);
      if (!engine::matches(p, p.where, row, 0)) break;  // (no longer) a match
      std::optional<json> request = update_request(p, t, *item, row);
      if (!request) {  // nothing to change: still matched
        ++out.affected;
        if (!p.returning.empty()) returned.push_back(std::move(*item));
        break;
      }
      const json key = key_in(*item, t);
      if (transaction_) {  // at commit, on the same conditions: a change meanwhile cancels it
        enqueue("Update", std::move(*request), p.table, key, error_category::serialization_conflict,
                fmt::format("an item of \"{}\" that this transaction updates changed or was removed after it was read",
                            p.table));
        ++out.affected;
        break;
      }
      try {
        json got = http_->call("UpdateItem", *request, p.table);
        ++out.affected;
        if (!p.returning.empty()) returned.push_back(std::move(got["Attributes"]));
        break;
      } catch (const error& e) {
        if (e.code() != "ConditionalCheckFailedException") throw;
      }
      if (attempt == 8)
        throw error(error_category::serialization_conflict,
                    fmt::format("an item of \"{}\" kept changing while it was updated; the items before it were "
                                "updated, it and those after it were not",
                                p.table),
                    error_details{.engine = "dynamodb", .statement = "UpdateItem " + p.table});
      item = get_item(p.table, key);  // changed meanwhile: compute again from it; removed: not updated
    }
  }
  if (!p.returning.empty()) out.rows = to_records(returned, t, &p.returning);
}

}  // namespace tether::detail::dynamodb
