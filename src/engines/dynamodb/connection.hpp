// One DynamoDB connection: an HTTP client (http.hpp) and the parts it offers — the schema
// applier, introspection and the migration lock. It offers no transactions part yet
// (capabilities().transactions is false, so the core refuses begin() naming the engine).
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

#include "http.hpp"
#include "tether/engine/engine.hpp"

namespace tether::detail::dynamodb {

inline constexpr const char* schema_table = "tether_schema";
// The most items a read that the client sorts holds (docs/engines/dynamodb.md).
inline constexpr std::size_t client_sort_rows = 100'000;
// The largest Limit a read asks a page for.
inline constexpr std::size_t max_page_items = 1000;

class connection final : public engine::connection,
                         public engine::schema_applier,
                         public engine::introspection,
                         public engine::migration_lock {
 public:
  explicit connection(std::unique_ptr<http> client);

  void execute(const engine::plan& p, engine::execution& out) override;
  bool alive() override;

  engine::schema_applier* schema_part() noexcept override { return this; }
  engine::introspection* introspection_part() noexcept override { return this; }
  engine::migration_lock* lock_part() noexcept override { return this; }

  engine::schema_step apply(const engine::schema_op& op, const engine::table_description* before, bool dry_run) override;
  std::optional<engine::table_description> describe(std::string_view table) override;
  std::vector<std::string> list_tables() override;
  void lock_migrations(std::chrono::milliseconds timeout) override;
  void unlock_migrations() override;

  std::uint64_t requests() const noexcept { return http_->requests(); }
  const std::string& last_operation() const noexcept { return http_->last_operation(); }
  const std::string& last_body() const noexcept { return http_->last_body(); }

 private:
  // The table as tether knows it (describe()), or tether::error (schema) naming it;
  // `recorded`: whether its fields are tether's record (else only its key is known).
  engine::table_description table(const std::string& name, bool* recorded = nullptr);
  std::optional<engine::table_description> describe_table(std::string_view name, bool* recorded);
  // The items `p` may concern; `whole_items`: every attribute (no projection), for writes.
  records read(const engine::plan& p, const engine::table_description& t, bool whole_items = false);
  // `only`: these columns (a returning list; "*" is every one), else the declared fields
  // first and any other attribute after.
  records to_records(std::span<const json> items, const engine::table_description& t,
                     const std::vector<std::string>* only = nullptr) const;
  void insert(const engine::plan& p, const engine::table_description& t, engine::execution& out);
  void update(const engine::plan& p, const engine::table_description& t, engine::execution& out);
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
  bool schema_table_ready_ = false;
  std::string lock_owner_;
};

}  // namespace tether::detail::dynamodb
