// Collections on MongoDB: create and drop, the definitions tether records in
// tether_schema (MongoDB keeps none), introspection, the counters of auto-increment keys,
// and the migration lock (a document with an owner and an expiry).
#include <fmt/format.h>

#include <chrono>
#include <random>
#include <thread>

#include "connection.hpp"
#include "core/migrations/recorded_table.hpp"
#include "tether/error.hpp"
#include "types.hpp"

namespace tether::detail::mongodb {
namespace {

constexpr const char* lock_name = "migrations";  // the lock document: {lock: "migrations"}
constexpr auto lock_lease = std::chrono::minutes(10);    // a crashed migrator's lock expires

[[noreturn]] void refuse(const engine::schema_op& op, std::string_view what) {
  throw error(error_category::unsupported,
              fmt::format("{} on \"{}\" is not supported by the mongodb engine yet (issue 21)", what, op.table),
              error_details{"mongodb"});
}

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// {<verb>: collection} and `more` members, as a command document.
bson_ptr command_of(const char* verb, const std::string& collection) {
  bson_ptr cmd(bson_new());
  BSON_APPEND_UTF8(cmd.get(), verb, collection.c_str());
  return cmd;
}

// A delete of the one document of `collection` that `fill` (given the query) selects.
template <class FillQuery>
bson_ptr delete_one(const char* collection, FillQuery&& fill) {
  bson_ptr cmd = command_of("delete", collection);
  bson_t deletes, one, q;
  bson_append_array_begin(cmd.get(), "deletes", -1, &deletes);
  bson_append_document_begin(&deletes, "0", -1, &one);
  bson_append_document_begin(&one, "q", -1, &q);
  fill(&q);
  bson_append_document_end(&one, &q);
  BSON_APPEND_INT32(&one, "limit", 1);
  bson_append_document_end(&deletes, &one);
  bson_append_array_end(cmd.get(), &deletes);
  return cmd;
}

// The document of `reply`'s `key` member, or null.
bool sub_document(const bson_t& reply, const char* key, bson_t* out) {
  bson_iter_t it;
  if (!bson_iter_init_find(&it, &reply, key) || !BSON_ITER_HOLDS_DOCUMENT(&it)) return false;
  std::uint32_t n = 0;
  const std::uint8_t* data = nullptr;
  bson_iter_document(&it, &n, &data);
  return bson_init_static(out, data, n);
}

}  // namespace

connection::table_info connection::table(const std::string& name) {
  table_info out;
  out.table.name = name;
  if (name == schema_collection) return out;
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
      }
    }
  }
  return out;
}

void connection::save_definition(const engine::table_description& t) {
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
}

void connection::forget_definition(const std::string& table) {
  command(*delete_one(schema_collection, [&](bson_t* q) { BSON_APPEND_UTF8(q, "table", table.c_str()); }), schema_collection);
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
      step.description.push_back(canonical_json(*create));
      for (const auto& i : op.indexes) {
        (void)i;
        refuse(op, "an index at create");
      }
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
      if (!t.primary_key.empty()) {  // the key: unique, and found by an index
        bson_ptr index = command_of("createIndexes", op.table);
        bson_t list, one, keys;
        bson_append_array_begin(index.get(), "indexes", -1, &list);
        bson_append_document_begin(&list, "0", -1, &one);
        bson_append_document_begin(&one, "key", -1, &keys);
        for (const auto& k : t.primary_key) BSON_APPEND_INT32(&keys, k.c_str(), 1);
        bson_append_document_end(&one, &keys);
        BSON_APPEND_UTF8(&one, "name", (op.table + "_pkey").c_str());
        BSON_APPEND_BOOL(&one, "unique", true);
        bson_append_document_end(&list, &one);
        bson_append_array_end(index.get(), &list);
        step.description.push_back(canonical_json(*index));
        command(*index, op.table);
      }
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
    case kind::rename_collection: refuse(op, "rename_collection");
    case kind::modify_field: refuse(op, "modify_field");
    case kind::create_index: refuse(op, "create_index");
    case kind::drop_index: refuse(op, "drop_index");
    case kind::add_constraint: refuse(op, "add_constraint");
    case kind::drop_constraint: refuse(op, "drop_constraint");
    case kind::raw: refuse(op, "a raw step");
  }
  return step;
}

// A document has no fixed fields: the change is recorded in tether_schema (what describe
// reports and reads decode by), and the documents are brought along as the SQL engines'
// rows are, by one update of every document: an added field's default set where a
// document has none, a dropped field unset, a renamed one moved ($rename).
engine::schema_step connection::change_field(const engine::schema_op& op, const engine::table_description* before,
                                             bool dry_run) {
  using kind = engine::schema_op_kind;
  // The table as it is (from the migrator's model in a dry run, where earlier steps have
  // not happened), else as tether recorded it.
  table_info known;
  if (before) {
    known.table = *before;
    known.recorded = true;
  } else {
    known = table(op.table);
  }
  if (!known.recorded)
    throw error(error_category::schema, fmt::format("unknown table \"{}\" (tether made no such collection)", op.table),
                error_details{"mongodb"});
  engine::table_description t = std::move(known.table);
  auto& cols = t.columns;
  const std::string field = op.kind == kind::add_field ? op.fields.at(0).name : op.name;
  auto named = std::find_if(cols.begin(), cols.end(), [&](const engine::field_def& f) { return f.name == field; });
  if (op.kind != kind::add_field && std::find(t.primary_key.begin(), t.primary_key.end(), field) != t.primary_key.end())
    refuse(op, fmt::format("changing key field \"{}\"", field));
  if (op.kind == kind::add_field) {
    if (named != cols.end())
      throw error(error_category::schema, fmt::format("field \"{}.{}\" exists already", op.table, field),
                  error_details{"mongodb"});
    cols.push_back(op.fields.at(0));
  } else {
    if (named == cols.end())
      throw error(error_category::schema, fmt::format("unknown field \"{}.{}\"", op.table, field), error_details{"mongodb"});
    if (op.kind == kind::rename_field && std::any_of(cols.begin(), cols.end(), [&](const auto& f) { return f.name == op.new_name; }))
      throw error(error_category::schema, fmt::format("field \"{}.{}\" exists already", op.table, op.new_name),
                  error_details{"mongodb"});
    if (op.kind == kind::drop_field) cols.erase(named);
    else named->name = op.new_name;
  }
  // {update: table, updates: [{q: {field: {$exists: …}}, u: {…}, multi: true}]}
  bson_ptr cmd = command_of("update", op.table);
  bson_t updates, one, q, exists, u, change;
  bson_append_array_begin(cmd.get(), "updates", -1, &updates);
  bson_append_document_begin(&updates, "0", -1, &one);
  bson_append_document_begin(&one, "q", -1, &q);
  bson_append_document_begin(&q, field.c_str(), -1, &exists);
  BSON_APPEND_BOOL(&exists, "$exists", op.kind != kind::add_field);
  bson_append_document_end(&q, &exists);
  bson_append_document_end(&one, &q);
  bson_append_document_begin(&one, "u", -1, &u);
  const auto& def = op.kind == kind::add_field ? op.fields.at(0).default_value : std::optional<value>{};
  const bool backfill = op.kind != kind::add_field || (def && !def->is_null());
  if (op.kind == kind::add_field && backfill) {
    bson_append_document_begin(&u, "$set", -1, &change);
    append_value(&change, field, *def, field);
  } else if (op.kind == kind::drop_field) {
    bson_append_document_begin(&u, "$unset", -1, &change);
    BSON_APPEND_UTF8(&change, field.c_str(), "");
  } else if (op.kind == kind::rename_field) {
    bson_append_document_begin(&u, "$rename", -1, &change);
    BSON_APPEND_UTF8(&change, field.c_str(), op.new_name.c_str());
  }
  if (backfill) bson_append_document_end(&u, &change);
  bson_append_document_end(&one, &u);
  BSON_APPEND_BOOL(&one, "multi", true);
  bson_append_document_end(&updates, &one);
  bson_append_array_end(cmd.get(), &updates);
  engine::schema_step step;
  step.description.push_back(fmt::format("{} {{\"table\": \"{}\"}}: definition {}", schema_collection, op.table,
                                         recorded_definition(t).to_json()));
  if (backfill) step.description.push_back(canonical_json(*cmd));
  if (dry_run) return step;
  if (backfill) command(*cmd, op.table);
  save_definition(t);
  return step;
}

std::optional<engine::table_description> connection::describe(std::string_view name) {
  table_info t = table(std::string(name));
  if (t.recorded) return std::move(t.table);
  const auto names = list_tables();
  if (std::find(names.begin(), names.end(), name) == names.end()) return std::nullopt;
  return std::move(t.table);  // a collection tether did not make: its fields are not known
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
