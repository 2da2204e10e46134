// One DynamoDB connection: an HTTP client (http.hpp) and the parts it offers — transactions,
// the schema applier, introspection and the migration lock (no savepoints: DynamoDB has none).
//
// Transactions (transactions.cpp): writes are kept until commit, then sent as one
// TransactWriteItems of at most 100 items; reads by key inside one are a TransactGetItems.
// A read that would need to see the transaction's own pending writes is refused.
//
// Reads: GetItem when the filter fixes the whole key with $eq, Query when it fixes the
// partition key, else a Scan, each paged by LastEvaluatedKey; what the filter, order, limit and offset mean is then evaluated on the
// client by the reference evaluator (engine/evaluate.hpp), so every where-operator has the
// meaning docs/querying.md gives it. Writes: PutItem (conditional on a new key) for one
// record, BatchWriteItem in requests of 25 for more; updates and removes go item by item
// on the items the filter matches, each conditional on the item still being there.
// What tether knows of a table's fields (DynamoDB keeps only its keys) is kept in the
// tether_schema table, which also holds auto-increment counters and the migration lock.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>

#include "core/migrations/recorded_definitions.hpp"
#include "http.hpp"
#include "tether/engine/engine.hpp"

namespace tether::detail::dynamodb {

inline constexpr const char* schema_table = "tether_schema";
// The most items a read that the client sorts holds (docs/engines/dynamodb.md).
inline constexpr std::size_t client_sort_rows = 100'000;
// The largest Limit a read asks a page for.
inline constexpr std::size_t max_page_items = 1000;

// A write kept in a transaction until commit.
struct pending_write {
  json request;      // its TransactItems entry: {"Put": …}, {"Update": …} or {"Delete": …}
  std::string table;
  json key;          // the item's key, which one transaction writes once
  error_category on_failed;  // what a failed condition means: a duplicate key, a changed item
  std::string what;          // ... in words, for the error
};

// The most items one TransactWriteItems or TransactGetItems takes.
inline constexpr std::size_t max_transaction_items = 100;

// The error a cancelled TransactWriteItems is: the first reason in the answer's
// CancellationReasons (one per write, in order) that is not "None", told in tether's
// terms (`cancelled` is the error the call threw, for when the answer gives no reason).
error cancelled_transaction(const json& answer, std::span<const pending_write> writes, const error& cancelled);

// The whole key when the filter's top level fixes every key field with $eq (of the key's
// type), as GetItem, UpdateItem and DeleteItem take it; else none.
std::optional<json> fixed_key(const engine::plan& p, const engine::table_description& t);

class connection final : public engine::connection,
                         public engine::transactions,
                         public engine::schema_applier,
                         public engine::introspection,
                         public engine::migration_lock {
 public:
  explicit connection(std::unique_ptr<http> client);

  void execute(const engine::plan& p, engine::execution& out) override;
  bool alive() override;

  engine::transactions* transactions_part() noexcept override { return this; }
  engine::schema_applier* schema_part() noexcept override { return this; }
  engine::introspection* introspection_part() noexcept override { return this; }
  engine::migration_lock* lock_part() noexcept override { return this; }

  void begin(const transaction_options& options) override;
  void commit() override;
  void rollback() override;

  engine::schema_step apply(const engine::schema_op& op, const engine::table_description* before, bool dry_run) override;
  std::optional<engine::table_description> describe(std::string_view table) override;
  std::vector<std::string> list_tables() override;
  void lock_migrations(std::chrono::milliseconds timeout) override;
  void unlock_migrations() override;

  // A request as given (the table prefix added), for tests that need an item tether would
  // not write, such as a string set.
  json send(std::string_view operation, const json& body, std::string_view table) {
    return http_->call(operation, body, table);
  }
  std::uint64_t requests() const noexcept { return http_->requests(); }
  const std::string& last_operation() const noexcept { return http_->last_operation(); }
  const std::string& last_body() const noexcept { return http_->last_body(); }

 private:
  // The table as tether knows it (describe()), or tether::error (schema) naming it;
  // `recorded`: whether its fields are tether's record (else only its key is known).
  engine::table_description table(const std::string& name, bool* recorded = nullptr);
  std::optional<engine::table_description> describe_table(std::string_view name, bool* recorded);
  // The items `p` may concern, as stored; `whole_items`: every attribute (no projection),
  // for writes, which also need to know a list (L) from a set (SS, NS, BS).
  std::vector<json> read_items(const engine::plan& p, const engine::table_description& t, bool whole_items);
  // ... as records.
  records read(const engine::plan& p, const engine::table_description& t);
  // `only`: these columns (a returning list; "*" is every one), else the declared fields
  // first and any other attribute after.
  records to_records(std::span<const json> items, const engine::table_description& t,
                     const std::vector<std::string>* only = nullptr) const;
  void insert(const engine::plan& p, const engine::table_description& t, engine::execution& out);
  void update(const engine::plan& p, const engine::table_description& t, engine::execution& out);
  // The update as one UpdateItem, when it is of one item by its key alone with operators
  // DynamoDB applies in place (updates.cpp); false when it is not.
  bool update_by_key(const engine::plan& p, const engine::table_description& t, engine::execution& out);
  void remove(const engine::plan& p, const engine::table_description& t, engine::execution& out);
  void upsert(const engine::plan& p, const engine::table_description& t, engine::execution& out);
  std::vector<json> items_of(const engine::plan& p, const engine::table_description& t);
  // Refuses (unsupported) conflict keys other than the table's key.
  static void check_conflict_keys(const engine::plan& p, const engine::table_description& t);
  // Puts `item` if its key is free; else, with `update`, overwrites the plan's conflict_update
  // fields of the stored item. The item as stored, or nullopt when it was taken and left.
  std::optional<json> put_or_update(const engine::plan& p, const engine::table_description& t, const json& item,
                                    bool update, tether::upsert_operation* operation = nullptr);
  // A BatchGetItem or BatchWriteItem of `pending` (its RequestItems), giving each answer to
  // `answer` and sending what it left `unprocessed` again, with backoff (timeout after 8).
  void batch(std::string_view operation, json pending, const std::string& table, const char* unprocessed,
             const std::function<void(json&)>& answer);
  // The item of this key, by a consistent GetItem; none when absent.
  std::optional<json> get_item(const std::string& table, const json& key);
  // The conditional PutItem of a new item (in a transaction, kept for commit).
  void put_new(const std::string& table, const engine::table_description& t, const json& item);
  // In a transaction: keeps a write for commit (refusing a second write of one item, and
  // the 101st write), without its ReturnValues.
  void enqueue(const char* kind, json request, const std::string& table, json key, error_category on_failed,
               std::string what);
  // In a transaction: refuses a read of `table` that one of its pending writes would change
  // — of these `keys`, or, when null, of any item (a Query or Scan).
  void check_read(const std::string& table, const std::vector<json>* keys) const;
  // The items of these keys, in one TransactGetItems (at most 100 keys): a snapshot of them
  // all at one moment, for a find of several keys in a transaction.
  std::vector<json> transact_get(const std::string& table, const std::vector<json>& keys);
  std::int64_t next_ids(const std::string& table, std::int64_t n);  // the last of n fresh ids
  void ensure_schema_table();
  void save_definition(const engine::table_description& t);
  void forget_definition(const std::string& table);
  void wait_until(const std::string& table, bool gone);
  // Global secondary indexes (indexes.cpp).
  static json attribute_definitions(const engine::table_description& t);  // keys and index keys
  static json global_indexes(const engine::table_description& t);         // refuses what cannot be one
  engine::schema_step create_index(const engine::schema_op& op, const engine::table_description& before, bool dry_run);
  engine::schema_step drop_index(const engine::schema_op& op, const engine::table_description& before, bool dry_run);
  void wait_for_index(const std::string& table, const std::string& name, bool gone);
  // Refuses (not_null_violation) making `field` required while an item lacks it.
  void require_present(const engine::table_description& t, const std::string& field);
  // Runs `update` on every item of the table where `condition` holds (field changes).
  void backfill(const engine::table_description& t, const std::string& update, const std::string& condition,
                const json& names, const json& values);

  std::unique_ptr<http> http_;
  std::shared_ptr<recorded_definitions> definitions_;  // the descriptions read, shared in the process
  bool schema_table_ready_ = false;
  std::string lock_owner_;
  std::optional<std::vector<pending_write>> transaction_;  // the open transaction's writes
};

}  // namespace tether::detail::dynamodb
