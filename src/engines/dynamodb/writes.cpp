// Writes on DynamoDB: inserts (PutItem, BatchWriteItem), upserts and removes item by item
// (updates are updates.cpp).
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <chrono>
#include <optional>
#include <thread>

#include "connection.hpp"
#include "core/query/recorded_writes.hpp"
#include "tether/engine/evaluate.hpp"
#include "tether/error.hpp"
#include "types.hpp"

namespace tether::detail::dynamodb {
namespace {

constexpr std::size_t batch_write_items = 25;  // BatchWriteItem's limit per request

const engine::field_def* auto_key(const engine::table_description& t) {
  for (const auto& f : t.columns)
    if (f.auto_increment) return &f;
  return nullptr;
}

}  // namespace

std::int64_t connection::next_ids(const std::string& table, std::int64_t n) {
  ensure_schema_table();
  json got = http_->call("UpdateItem",
                         json{{"TableName", schema_table},
                              {"Key", {{"table", {{"S", table}}}}},
                              {"UpdateExpression", "ADD #n :n"},
                              {"ExpressionAttributeNames", {{"#n", "next_id"}}},
                              {"ExpressionAttributeValues", {{":n", {{"N", std::to_string(n)}}}}},
                              {"ReturnValues", "UPDATED_NEW"}},
                         schema_table);
  return std::stoll(got["Attributes"]["next_id"]["N"].get<std::string>());
}

// The plan's records as items: completed as the SQL engines' databases complete a row
// (recorded_writes.hpp: ids drawn, defaults applied, required fields checked), then
// converted by their declared fields. Every record is read (and checked) before anything
// is written.
std::vector<json> connection::items_of(const engine::plan& p, const engine::table_description& t) {
  std::vector<json> items;
  items.reserve(p.row_count);
  for (const auto& row : complete_records(p, t, [&](std::int64_t n) { return next_ids(p.table, n); }, "dynamodb")) {
    json item = json::object();
    for (const auto& [name, v] : row) item[name] = to_attribute(v, declared_field(t, name), name);
    items.push_back(std::move(item));
  }
  return items;
}

void connection::insert(const engine::plan& p, const engine::table_description& t, engine::execution& out) {
  const engine::field_def* counter = auto_key(t);
  std::vector<json> items = items_of(p, t);
  if (p.has_conflict) {
    // On DynamoDB a conflict is a key already taken: each record is put on the condition
    // that its key is free, and on conflict skipped or updated (item by item).
    check_conflict_keys(p, t);
    std::vector<json> written;
    for (auto& item : items) {
      std::optional<json> stored = put_or_update(p, t, item, p.on_conflict == conflict_action::update);
      if (!stored) continue;  // ignored
      ++out.affected;
      if (p.want_ids && counter) out.inserted_ids.push_back(from_attribute(item.at(counter->name), counter));
      written.push_back(std::move(*stored));
    }
    if (!p.returning.empty()) out.rows = to_records(written, t, &p.returning);
    return;
  }
  if (items.size() == 1 || transaction_) {
    // A conditional put per item, so a duplicate key is a unique violation (BatchWriteItem
    // is neither conditional nor part of a transaction).
    for (const auto& item : items) put_new(p.table, t, item);
  } else {
    for (std::size_t start = 0; start < items.size(); start += batch_write_items) {
      json requests = json::array();
      for (std::size_t i = start; i < std::min(items.size(), start + batch_write_items); ++i)
        requests.push_back({{"PutRequest", {{"Item", items[i]}}}});
      batch("BatchWriteItem", json{{p.table, std::move(requests)}}, p.table, "UnprocessedItems", [](json&) {});
    }
  }
  out.affected = static_cast<std::int64_t>(items.size());
  if (!p.returning.empty()) out.rows = to_records(items, t, &p.returning);  // the items as written
  if (p.want_ids && counter)
    for (const auto& item : items) out.inserted_ids.push_back(from_attribute(item.at(counter->name), counter));
}

void connection::put_new(const std::string& table, const engine::table_description& t, const json& item) {
  json request{{"TableName", table}, {"Item", item}, {"ConditionExpression", "attribute_not_exists(#pk)"},
               {"ExpressionAttributeNames", {{"#pk", t.primary_key.at(0)}}}};
  if (!transaction_) {
    http_->call("PutItem", request, table);
    return;
  }
  enqueue("Put", std::move(request), table, key_in(item, t), error_category::unique_violation,
          fmt::format("a duplicate key: \"{}\" already holds an item with this key", table));
}

void connection::check_conflict_keys(const engine::plan& p, const engine::table_description& t) {
  std::vector<std::string> given = p.conflict_columns, key = t.primary_key;
  std::sort(given.begin(), given.end());
  std::sort(key.begin(), key.end());
  if (given != key)
    throw error(error_category::unsupported,
                fmt::format("a conflict on \"{}\" is on its key ({}) on DynamoDB, which has no other unique fields; got "
                            "conflict keys {}",
                            p.table, fmt::join(t.primary_key, ", "), fmt::join(p.conflict_columns, ", ")),
                error_details{"dynamodb"});
}

std::optional<json> connection::put_or_update(const engine::plan& p, const engine::table_description& t, const json& item,
                                              bool update, tether::upsert_operation* operation) {
  const json pk_name{{"#pk", t.primary_key.at(0)}};
  const json key = key_in(item, t);
  // The update columns overwrite the stored item's: SET what the record has, REMOVE what
  // it leaves null.
  std::string set, remove;
  json names = pk_name, values = json::object();
  for (std::size_t c = 0; c < p.conflict_update.size(); ++c) {
    const std::string& column = p.conflict_update[c];
    const std::string n = fmt::format("#u{}", c), v = fmt::format(":u{}", c);
    names[n] = column;
    if (auto it = item.find(column); it != item.end()) {
      set += fmt::format("{}{} = {}", set.empty() ? "" : ", ", n, v);
      values[v] = *it;
    } else {
      remove += (remove.empty() ? "" : ", ") + n;
    }
  }
  std::string expression = set.empty() ? "" : "SET " + set;
  if (!remove.empty()) expression += (expression.empty() ? "REMOVE " : " REMOVE ") + remove;
  json request{{"TableName", p.table}, {"Key", key}, {"UpdateExpression", expression},
               {"ConditionExpression", "attribute_exists(#pk)"}, {"ExpressionAttributeNames", names},
               {"ReturnValues", "ALL_NEW"}};
  if (!values.empty()) request["ExpressionAttributeValues"] = values;

  if (transaction_) {
    // Read now, write at commit on the condition that the item is still absent (or still
    // there): a change between the two cancels the transaction.
    const std::vector<json> keys{key};
    check_read(p.table, &keys);
    std::optional<json> found = get_item(p.table, key);
    if (!found) {
      enqueue("Put",
              json{{"TableName", p.table}, {"Item", item}, {"ConditionExpression", "attribute_not_exists(#pk)"},
                   {"ExpressionAttributeNames", pk_name}},
              p.table, key, error_category::serialization_conflict,
              fmt::format("an item with this key was put into \"{}\" after this transaction found none", p.table));
      if (operation) *operation = tether::upsert_operation::inserted;
      return item;
    }
    if (!update) return std::nullopt;
    json now = std::move(*found);  // the item as the update leaves it
    for (const auto& column : p.conflict_update) {
      if (auto it = item.find(column); it != item.end()) now[column] = *it;
      else now.erase(column);
    }
    if (!expression.empty())
      enqueue("Update", std::move(request), p.table, key, error_category::serialization_conflict,
              fmt::format("an item of \"{}\" that this transaction updates was removed after it was read", p.table));
    if (operation) *operation = tether::upsert_operation::updated;
    return now;
  }

  for (int attempt = 0; attempt < 8; ++attempt) {
    try {
      http_->call("PutItem",
                  json{{"TableName", p.table}, {"Item", item}, {"ConditionExpression", "attribute_not_exists(#pk)"},
                       {"ExpressionAttributeNames", pk_name}},
                  p.table);
      if (operation) *operation = tether::upsert_operation::inserted;
      return item;
    } catch (const error& e) {
      if (e.code() != "ConditionalCheckFailedException") throw;
    }
    if (!update) return std::nullopt;
    // Taken: overwrite on the condition that it is still there (else put again).
    try {
      json got;
      if (expression.empty()) {  // nothing to overwrite: the item as stored
        std::optional<json> stored = get_item(p.table, key);
        if (!stored) continue;
        got["Attributes"] = std::move(*stored);
      } else {
        got = http_->call("UpdateItem", request, p.table);
      }
      if (operation) *operation = tether::upsert_operation::updated;
      return std::move(got["Attributes"]);
    } catch (const error& e) {
      if (e.code() != "ConditionalCheckFailedException") throw;  // removed meanwhile: put again
    }
  }
  throw error(error_category::serialization_conflict,
              fmt::format("an item of \"{}\" kept appearing and disappearing while it was upserted", p.table),
              error_details{.engine = "dynamodb", .statement = "PutItem " + p.table});
}

void connection::upsert(const engine::plan& p, const engine::table_description& t, engine::execution& out) {
  check_conflict_keys(p, t);
  std::vector<json> items = items_of(p, t);
  std::optional<json> stored = put_or_update(p, t, items.at(0), true, &out.operation);
  out.affected = 1;
  out.rows = to_records(std::span<const json>(&*stored, 1), t, &p.returning);
}

void connection::remove(const engine::plan& p, const engine::table_description& t, engine::execution& out) {
  const std::vector<json> items = read_items(p, t, true);
  const records rows = to_records(items, t);
  std::vector<json> returned;  // the items as they were (ReturnValues ALL_OLD), for returning
  for (std::size_t i = 0; i < rows.size(); ++i) {
    if (!engine::matches(p, p.where, rows, i)) continue;
    if (transaction_) {  // at commit, on the condition that it is still there
      enqueue("Delete",
              json{{"TableName", p.table}, {"Key", key_in(items[i], t)}, {"ConditionExpression", "attribute_exists(#pk)"},
                   {"ExpressionAttributeNames", {{"#pk", t.primary_key.at(0)}}}},
              p.table, key_in(items[i], t), error_category::serialization_conflict,
              fmt::format("an item of \"{}\" that this transaction removes was removed after it was read", p.table));
      ++out.affected;
      if (!p.returning.empty()) returned.push_back(items[i]);
      continue;
    }
    json got = http_->call("DeleteItem", json{{"TableName", p.table}, {"Key", key_in(items[i], t)}, {"ReturnValues", "ALL_OLD"}},
                           p.table);
    if (!got.contains("Attributes")) continue;  // removed meanwhile by another
    ++out.affected;
    if (!p.returning.empty()) returned.push_back(std::move(got["Attributes"]));
  }
  if (!p.returning.empty()) out.rows = to_records(returned, t, &p.returning);
}

}  // namespace tether::detail::dynamodb
