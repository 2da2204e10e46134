// DynamoDB transactions: the writes are kept until commit and sent as one TransactWriteItems
// (all or nothing, at most 100 items); reads by key inside one are a TransactGetItems.
// DynamoDB has no session that could show a transaction its own pending writes, so a read
// that would need them is refused rather than answered from the data as committed.
#include <fmt/format.h>

#include <algorithm>

#include "connection.hpp"
#include "tether/error.hpp"

namespace tether::detail::dynamodb {

void connection::begin(const transaction_options& /*options: the core refused what we lack*/) {
  if (transaction_)
    throw error(error_category::usage, "a transaction is already open on this DynamoDB connection",
                error_details{"dynamodb"});
  transaction_.emplace();
}

void connection::rollback() { transaction_.reset(); }  // nothing was sent

void connection::commit() {
  if (!transaction_)
    throw error(error_category::usage, "commit without an open transaction", error_details{"dynamodb"});
  std::vector<pending_write> writes = std::move(*transaction_);
  transaction_.reset();
  if (writes.empty()) return;
  json items = json::array();
  for (const auto& w : writes) items.push_back(w.request);
  try {
    http_->call("TransactWriteItems", json{{"TransactItems", std::move(items)}}, writes.front().table);
  } catch (const error& e) {
    if (e.code() != "TransactionCanceledException") throw;
    throw cancelled_transaction(http_->last_error(), writes, e);
  }
}

void connection::enqueue(const char* kind, json request, const std::string& table, json key, error_category on_failed,
                         std::string what) {
  std::vector<pending_write>& writes = *transaction_;
  for (std::size_t i = 0; i < writes.size(); ++i)
    if (writes[i].table == table && writes[i].key == key) {
      if (on_failed == error_category::unique_violation && writes[i].request.contains("Put"))  // two inserts
        throw error(error_category::unique_violation,
                    fmt::format("a duplicate key: this transaction already puts an item with this key into \"{}\" "
                                "(write {})",
                                table, i + 1),
                    error_details{.engine = "dynamodb", .code = "DuplicateKeyInTransaction"});
      throw error(error_category::usage,
                  fmt::format("this transaction already writes this item of \"{}\" (write {}); DynamoDB writes an item "
                              "once per transaction",
                              table, i + 1),
                  error_details{.engine = "dynamodb", .code = "DuplicateItemInTransaction"});
    }
  if (writes.size() >= max_transaction_items)
    throw error(error_category::unsupported,
                fmt::format("a DynamoDB transaction writes at most {} items, and this write to \"{}\" would be item "
                            "{}; split the work into several transactions, or write outside one",
                            max_transaction_items, table, writes.size() + 1),
                error_details{.engine = "dynamodb", .code = "TransactionItemLimit"});
  request.erase("ReturnValues");  // TransactWriteItems returns no items
  writes.push_back({json{{kind, std::move(request)}}, table, std::move(key), on_failed, std::move(what)});
}

void connection::check_read(const std::string& table, const std::vector<json>* keys) const {
  if (!transaction_) return;
  std::size_t pending = 0;
  for (const auto& w : *transaction_)
    if (w.table == table && (!keys || std::find(keys->begin(), keys->end(), w.key) != keys->end())) ++pending;
  if (pending == 0) return;
  throw error(error_category::unsupported,
              fmt::format("DynamoDB sends a transaction's writes at commit, so this read of \"{}\" would not see the "
                          "{} pending write{} to {} that this transaction holds; read before writing, by key (items "
                          "the transaction has not written may be read), or after commit",
                          table, pending, pending == 1 ? "" : "s", keys ? "the items it asks for" : "the table"),
              error_details{.engine = "dynamodb", .code = "TransactionReadsOwnWrites"});
}

std::vector<json> connection::transact_get(const std::string& table, const std::vector<json>& keys) {
  if (keys.size() > max_transaction_items)
    throw error(error_category::unsupported,
                fmt::format("a DynamoDB transaction reads at most {} items by key at once, and this read of \"{}\" "
                            "names {}; read fewer keys at a time, or read outside the transaction",
                            max_transaction_items, table, keys.size()),
                error_details{.engine = "dynamodb", .code = "TransactionItemLimit"});
  std::vector<json> items;
  if (keys.empty()) return items;
  json gets = json::array();
  for (const auto& k : keys) gets.push_back({{"Get", {{"TableName", table}, {"Key", k}}}});
  json got = http_->call("TransactGetItems", json{{"TransactItems", std::move(gets)}}, table);
  for (auto& r : got["Responses"])
    if (r.contains("Item")) items.push_back(std::move(r["Item"]));
  return items;
}

error cancelled_transaction(const json& answer, std::span<const pending_write> writes, const error& cancelled) {
  const json reasons = answer.is_object() ? answer.value("CancellationReasons", json::array()) : json::array();
  for (std::size_t i = 0; i < reasons.size() && reasons.is_array(); ++i) {
    const std::string code = reasons[i].is_object() ? reasons[i].value("Code", "None") : "None";
    if (code == "None") continue;
    const pending_write* w = i < writes.size() ? &writes[i] : nullptr;
    const std::string table = w ? w->table : writes.empty() ? std::string() : writes.front().table;
    error_category category = error_category::serialization_conflict;  // retryable: nothing was written
    std::string why;
    if (code == "ConditionalCheckFailed" && w) {
      category = w->on_failed;
      why = w->what;
    } else if (code == "TransactionConflict") {
      why = fmt::format("another transaction was writing an item of \"{}\" at the same time", table);
    } else if (code == "ProvisionedThroughputExceeded" || code == "ThrottlingError") {
      category = error_category::timeout;
      why = fmt::format("DynamoDB throttled the writes to \"{}\"", table);
    } else if (code == "ValidationError" || code == "ItemCollectionSizeLimitExceeded") {
      category = error_category::query;
      why = reasons[i].value("Message", code);
    } else {
      why = reasons[i].value("Message", code);
    }
    return error(category,
                 fmt::format("the transaction was cancelled and wrote nothing: {} (dynamodb {} on write {} of {})", why,
                             code, i + 1, writes.size()),
                 error_details{.engine = "dynamodb", .code = code, .statement = "TransactWriteItems " + table});
  }
  return cancelled;
}

}  // namespace tether::detail::dynamodb
