// Collections on MongoDB: create and drop, the definitions tether records in
// tether_schema (MongoDB keeps none), introspection, the counters of auto-increment keys,
// and the migration lock (a document with an owner and an expiry).
#include <fmt/format.h>

#include <chrono>
#include <random>
#include <thread>

#include "commands.hpp"
#include "connection.hpp"
#include "core/migrations/recorded_table.hpp"
#include "tether/error.hpp"
#include "types.hpp"

namespace tether::detail::mongodb {
namespace {

constexpr const char* lock_name = "migrations";  // the lock document: {lock: "migrations"}
constexpr auto lock_lease = std::chrono::minutes(10);    // a crashed migrator's lock expires







}  // namespace

connection::table_info connection::table(const std::string& name) {
  table_info out;
  out.table.name = name;
  if (name == schema_collection) return out;
  if (auto kept = definitions_->find(name)) {
    out.table = std::move(kept->table);
    out.recorded = true;
    return out;
  }
  const std::uint64_t read_at = definitions_->generation();
  bson_ptr cmd = command_of("find", schema_collection);
  bson_t filter = BSON_INITIALIZER;
  BSON_APPEND_UTF8(&filter, "table", name.c_str());
  BSON_APPEND_DOCUMENT(cmd.get(), "filter", &filter);
  BSON_APPEND_INT32(cmd.get(), "limit", 1);
  bson_destroy(&filter);
  bson_ptr reply = command(*cmd, schema_collection);
  bson_t cursor, batch;
  bson_iter_t it;
  if (sub_document(*reply, "cursor", &cursor) && bson_iter_init_find(&it, &cursor, "firstBatch") &&
      BSON_ITER_HOLDS_ARRAY(&it)) {
    bson_iter_t items;
    if (bson_iter_recurse(&it, &items) && bson_iter_next(&items) && BSON_ITER_HOLDS_DOCUMENT(&items)) {
      std::uint32_t n = 0;
      const std::uint8_t* data = nullptr;
      bson_iter_document(&items, &n, &data);
      bson_init_static(&batch, data, n);
      bson_iter_t def;
      if (bson_iter_init_find(&def, &batch, "definition") && BSON_ITER_HOLDS_UTF8(&def)) {
        out.table = from_recorded(name, value::from_json(bson_iter_utf8(&def, nullptr)));
        out.recorded = true;
        definitions_->keep(name, {out.table, true}, read_at);
      }
    }
  }
  return out;
}

bson_ptr connection::listed_collection(const std::string& name) {
  bson_ptr list = list_collection(name, false);
  batches listed(*this, name, command(*list));
  std::vector<bson_ptr> batch;
  while (listed.next(batch))
    if (!batch.empty()) return std::move(batch[0]);
  return {};
}

void connection::keep_validator(const engine::table_description& t) {
  const bson_ptr listed = listed_collection(t.name);
  bson_t options;
  if (!listed.get() || !sub_document(*listed, "options", &options) || !has_tether_validator(options)) return;
  bson_ptr mod = command_of("collMod", t.name);
  BSON_APPEND_DOCUMENT(mod.get(), "validator", validator_of(t).get());
  command(*mod, t.name);
}

void connection::save_definition(const engine::table_description& t) {
  definitions_->forget(t.name);
  bson_ptr cmd = command_of("update", schema_collection);
  bson_t updates, one, q, u, set;
  bson_append_array_begin(cmd.get(), "updates", -1, &updates);
  bson_append_document_begin(&updates, "0", -1, &one);
  bson_append_document_begin(&one, "q", -1, &q);
  BSON_APPEND_UTF8(&q, "table", t.name.c_str());
  bson_append_document_end(&one, &q);
  bson_append_document_begin(&one, "u", -1, &u);
  bson_append_document_begin(&u, "$set", -1, &set);
  const std::string text = recorded_definition(t).to_json();
  BSON_APPEND_UTF8(&set, "definition", text.c_str());
  bson_append_document_end(&u, &set);
  bson_append_document_end(&one, &u);
  BSON_APPEND_BOOL(&one, "upsert", true);
  bson_append_document_end(&updates, &one);
  bson_append_array_end(cmd.get(), &updates);
  command(*cmd, schema_collection);
  definitions_->forget(t.name);  // again: a read between the two kept nothing older
}

void connection::forget_definition(const std::string& table) {
  definitions_->forget(table);
  command(*delete_one(schema_collection, [&](bson_t* q) { BSON_APPEND_UTF8(q, "table", table.c_str()); }), schema_collection);
  definitions_->forget(table);
}

// One findAndModify: $inc of the table's counter, made when absent; the new value.
std::int64_t connection::next_ids(const std::string& table, std::int64_t n) {
  bson_ptr cmd = command_of("findAndModify", schema_collection);
  bson_t q, u, inc;
  bson_append_document_begin(cmd.get(), "query", -1, &q);
  BSON_APPEND_UTF8(&q, "table", table.c_str());
  bson_append_document_end(cmd.get(), &q);
  bson_append_document_begin(cmd.get(), "update", -1, &u);
  bson_append_document_begin(&u, "$inc", -1, &inc);
  BSON_APPEND_INT64(&inc, "next_id", n);
  bson_append_document_end(&u, &inc);
  bson_append_document_end(cmd.get(), &u);
  BSON_APPEND_BOOL(cmd.get(), "new", true);
  BSON_APPEND_BOOL(cmd.get(), "upsert", true);
  bson_ptr reply = command(*cmd, schema_collection);
  bson_t doc;
  bson_iter_t it;
  if (!sub_document(*reply, "value", &doc) || !bson_iter_init_find(&it, &doc, "next_id"))
    throw error(error_category::query, fmt::format("MongoDB gave no counter for \"{}\"", table), error_details{"mongodb"});
  return bson_iter_as_int64(&it);
}

engine::schema_step connection::apply(const engine::schema_op& op, const engine::table_description* before,
                                      bool dry_run) {
  using kind = engine::schema_op_kind;
  engine::schema_step step;
  switch (op.kind) {
    case kind::create_collection: {
      engine::table_description t{.name = op.table, .columns = op.fields, .indexes = op.indexes};
      for (const auto& f : op.fields)
        if (f.primary_key) t.primary_key.push_back(f.name);
      bson_ptr create = command_of("create", op.table);
      if (op.validator) BSON_APPEND_DOCUMENT(create.get(), "validator", validator_of(t).get());
      step.description.push_back(canonical_json(*create));
      // The key (unique, and found by an index), then the table's own indexes.
      std::vector<engine::index_def> indexes;
      if (!t.primary_key.empty())
        indexes.push_back({.name = op.table + "_pkey", .fields = t.primary_key, .unique = true});
      for (auto& i : unique_field_indexes(t)) indexes.push_back(std::move(i));
      indexes.insert(indexes.end(), op.indexes.begin(), op.indexes.end());
      bson_ptr index = create_indexes(op, t, indexes);
      if (!indexes.empty()) step.description.push_back(canonical_json(*index));
      if (dry_run) return step;
      if (table(op.table).recorded) {
        if (op.if_not_exists) return step;
        throw error(error_category::schema, fmt::format("table \"{}\" already exists", op.table),
                    error_details{.engine = "mongodb", .code = "48"});
      }
      try {
        command(*create, op.table);
      } catch (const error& e) {
        if (!(e.details().code == "48" && op.if_not_exists)) throw;
      }
      if (!indexes.empty()) command(*index, op.table);
      save_definition(t);
      return step;
    }
    case kind::drop_collection: {
      bson_ptr drop = command_of("drop", op.table);
      step.description.push_back(canonical_json(*drop));
      if (dry_run) return step;
      try {
        command(*drop, op.table);
      } catch (const error& e) {
        if (!(e.details().code == "26" && op.if_exists)) throw;
      }
      forget_definition(op.table);
      return step;
    }
    case kind::add_field:
    case kind::drop_field:
    case kind::rename_field: return change_field(op, before, dry_run);
    case kind::modify_field: return modify_field(op, before, dry_run);
    case kind::create_index:
    case kind::drop_index: return change_index(op, before, dry_run);
    case kind::rename_collection: return rename_collection(op, before, dry_run);
    case kind::add_constraint:
    case kind::drop_constraint: return change_constraint(op, before, dry_run);
    case kind::raw: refuse(op, "a raw step");
  }
  return step;
}

// renameCollection (on admin, as MongoDB runs it), and the recorded definition and id
// counter moved to the new name with it.
engine::schema_step connection::rename_collection(const engine::schema_op& op, const engine::table_description* before,
                                                  bool dry_run) {
  engine::table_description t = recorded_table(op, before);
  t.name = op.new_name;
  bson_ptr cmd(bson_new());
  BSON_APPEND_UTF8(cmd.get(), "renameCollection", (database_ + "." + op.table).c_str());
  BSON_APPEND_UTF8(cmd.get(), "to", (database_ + "." + op.new_name).c_str());
  bson_ptr move = command_of("update", schema_collection);
  bson_t updates, one, q, u, set;
  bson_append_array_begin(move.get(), "updates", -1, &updates);
  bson_append_document_begin(&updates, "0", -1, &one);
  bson_append_document_begin(&one, "q", -1, &q);
  BSON_APPEND_UTF8(&q, "table", op.table.c_str());
  bson_append_document_end(&one, &q);
  bson_append_document_begin(&one, "u", -1, &u);
  bson_append_document_begin(&u, "$set", -1, &set);
  BSON_APPEND_UTF8(&set, "table", op.new_name.c_str());
  BSON_APPEND_UTF8(&set, "definition", recorded_definition(t).to_json().c_str());
  bson_append_document_end(&u, &set);
  bson_append_document_end(&one, &u);
  bson_append_document_end(&updates, &one);
  bson_append_array_end(move.get(), &updates);
  engine::schema_step step;
  step.description.push_back(canonical_json(*cmd));
  step.description.push_back(canonical_json(*move));
  if (dry_run) return step;
  if (table(op.new_name).recorded)
    throw error(error_category::schema, fmt::format("table \"{}\" already exists", op.new_name),
                error_details{.engine = "mongodb", .code = "48"});
  command_on("admin", *cmd, op.table);
  definitions_->forget(op.table);
  definitions_->forget(op.new_name);
  command(*move, schema_collection);
  definitions_->forget(op.table);
  return step;
}

std::optional<engine::table_description> connection::describe(std::string_view name) {
  table_info t = table(std::string(name));
  if (t.recorded) return std::move(t.table);
  return describe_outside(std::string(name));  // a collection tether did not make (introspection.cpp)
}

void connection::require_collection(const std::string& name) {
  bson_ptr cmd = list_collection(name, true);
  bson_ptr reply = command(*cmd);
  bson_t cursor;
  bson_iter_t it, items;
  if (sub_document(*reply, "cursor", &cursor) && bson_iter_init_find(&it, &cursor, "firstBatch") &&
      bson_iter_recurse(&it, &items))
    while (bson_iter_next(&items)) {
      bson_iter_t member;
      if (bson_iter_recurse(&items, &member) && bson_iter_find(&member, "name") && BSON_ITER_HOLDS_UTF8(&member) &&
          name == bson_iter_utf8(&member, nullptr))
        return;
    }
  throw error(error_category::schema, fmt::format("no collection \"{}\" in database \"{}\"", name, database_),
              error_details{.engine = "mongodb", .code = "26", .statement = canonical_json(*cmd)});
}

std::vector<std::string> connection::list_tables() {
  bson_t cmd = BSON_INITIALIZER;
  BSON_APPEND_INT32(&cmd, "listCollections", 1);
  BSON_APPEND_BOOL(&cmd, "nameOnly", true);
  bson_ptr reply = command(cmd);
  bson_destroy(&cmd);
  std::vector<std::string> out;
  bson_t cursor;
  bson_iter_t it, items, member;
  if (sub_document(*reply, "cursor", &cursor) && bson_iter_init_find(&it, &cursor, "firstBatch") &&
      bson_iter_recurse(&it, &items))
    while (bson_iter_next(&items))
      if (bson_iter_recurse(&items, &member) && bson_iter_find(&member, "name") && BSON_ITER_HOLDS_UTF8(&member)) {
        std::string n = bson_iter_utf8(&member, nullptr);
        if (n != schema_collection && !n.starts_with("system.")) out.push_back(std::move(n));
      }
  std::sort(out.begin(), out.end());
  return out;
}

// The lock is one document of tether_schema, {lock: "migrations", owner, expires}, made
// once; taking it is one findAndModify that sets this connection's owner where nobody
// holds it, this connection does (it is re-entrant, as the SQL engines' locks are), or the
// holder's lease ran out (a migrator that died).
void connection::lock_migrations(std::chrono::milliseconds timeout) {
  if (lock_owner_.empty()) {
    std::random_device rd;
    lock_owner_ = fmt::format("{:016x}{:08x}", (std::uint64_t{rd()} << 32) | rd(), rd());
  }
  {
    bson_ptr cmd = command_of("update", schema_collection);  // the document, made once
    bson_t updates, one, q, u, on_insert;
    bson_append_array_begin(cmd.get(), "updates", -1, &updates);
    bson_append_document_begin(&updates, "0", -1, &one);
    bson_append_document_begin(&one, "q", -1, &q);
    BSON_APPEND_UTF8(&q, "lock", lock_name);
    bson_append_document_end(&one, &q);
    bson_append_document_begin(&one, "u", -1, &u);
    bson_append_document_begin(&u, "$setOnInsert", -1, &on_insert);
    BSON_APPEND_UTF8(&on_insert, "owner", "");
    BSON_APPEND_DATE_TIME(&on_insert, "expires", 0);
    bson_append_document_end(&u, &on_insert);
    bson_append_document_end(&one, &u);
    BSON_APPEND_BOOL(&one, "upsert", true);
    bson_append_document_end(&updates, &one);
    bson_append_array_end(cmd.get(), &updates);
    command(*cmd, schema_collection);
  }
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (auto pause = std::chrono::milliseconds(10);; pause = std::min(pause * 2, std::chrono::milliseconds(500))) {
    const std::int64_t now = now_ms();
    bson_ptr cmd = command_of("findAndModify", schema_collection);
    bson_t q, any, free, mine, stale, before, u, set;
    bson_append_document_begin(cmd.get(), "query", -1, &q);
    BSON_APPEND_UTF8(&q, "lock", lock_name);
    bson_append_array_begin(&q, "$or", -1, &any);
    bson_append_document_begin(&any, "0", -1, &free);
    BSON_APPEND_UTF8(&free, "owner", "");
    bson_append_document_end(&any, &free);
    bson_append_document_begin(&any, "1", -1, &mine);
    BSON_APPEND_UTF8(&mine, "owner", lock_owner_.c_str());
    bson_append_document_end(&any, &mine);
    bson_append_document_begin(&any, "2", -1, &stale);
    bson_append_document_begin(&stale, "expires", -1, &before);
    BSON_APPEND_DATE_TIME(&before, "$lt", now);
    bson_append_document_end(&stale, &before);
    bson_append_document_end(&any, &stale);
    bson_append_array_end(&q, &any);
    bson_append_document_end(cmd.get(), &q);
    bson_append_document_begin(cmd.get(), "update", -1, &u);
    bson_append_document_begin(&u, "$set", -1, &set);
    BSON_APPEND_UTF8(&set, "owner", lock_owner_.c_str());
    BSON_APPEND_DATE_TIME(&set, "expires", now + std::chrono::milliseconds(lock_lease).count());
    bson_append_document_end(&u, &set);
    bson_append_document_end(cmd.get(), &u);
    BSON_APPEND_BOOL(cmd.get(), "new", true);
    bson_ptr reply = command(*cmd, schema_collection);
    bson_t taken;
    if (sub_document(*reply, "value", &taken)) return;
    if (std::chrono::steady_clock::now() >= deadline)
      throw error(error_category::timeout,
                  fmt::format("another migrator holds the migration lock of this database (the {{\"lock\": \"{}\"}} "
                              "document of {}); waited {} ms",
                              lock_name, schema_collection, timeout.count()),
                  error_details{"mongodb"});
    std::this_thread::sleep_for(pause);
  }
}

void connection::unlock_migrations() {
  bson_ptr cmd = command_of("update", schema_collection);
  bson_t updates, one, q, u, set;
  bson_append_array_begin(cmd.get(), "updates", -1, &updates);
  bson_append_document_begin(&updates, "0", -1, &one);
  bson_append_document_begin(&one, "q", -1, &q);
  BSON_APPEND_UTF8(&q, "lock", lock_name);
  BSON_APPEND_UTF8(&q, "owner", lock_owner_.c_str());  // expired and taken over: not ours to free
  bson_append_document_end(&one, &q);
  bson_append_document_begin(&one, "u", -1, &u);
  bson_append_document_begin(&u, "$set", -1, &set);
  BSON_APPEND_UTF8(&set, "owner", "");
  BSON_APPEND_DATE_TIME(&set, "expires", 0);
  bson_append_document_end(&u, &set);
  bson_append_document_end(&one, &u);
  bson_append_document_end(&updates, &one);
  bson_append_array_end(cmd.get(), &updates);
  command(*cmd, schema_collection);
}

}  // namespace tether::detail::mongodb
