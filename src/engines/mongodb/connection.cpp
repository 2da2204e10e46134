// A MongoDB connection: commands, reads and writes (connection.hpp tells how).
#include "connection.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "core/query/recorded_writes.hpp"
#include "core/results/records_builder.hpp"
#include "filter.hpp"
#include "tether/engine/evaluate.hpp"
#include "tether/error.hpp"
#include "types.hpp"

namespace tether::detail::mongodb {
namespace {

error_category category_of(std::uint32_t domain, std::uint32_t code) {
  if (domain == MONGOC_ERROR_STREAM || domain == MONGOC_ERROR_SERVER_SELECTION || domain == MONGOC_ERROR_CLIENT)
    return error_category::connection;
  switch (code) {
    case 11000:
    case 11001: return error_category::unique_violation;
    case 121: return error_category::check_violation;  // DocumentValidationFailure
    case 26: return error_category::not_found;         // NamespaceNotFound
    case 48: return error_category::schema;            // NamespaceExists
    case 13:
    case 18: return error_category::connection;        // Unauthorized, AuthenticationFailed
    case 50: return error_category::timeout;           // MaxTimeMSExpired
    case 112: return error_category::serialization_conflict;  // WriteConflict
    default: return error_category::query;
  }
}

}  // namespace

error to_error(const bson_error_t& e, std::string_view what) {
  return error(category_of(e.domain, e.code), fmt::format("{}: {}", what, e.message),
               error_details{.engine = "mongodb", .code = std::to_string(e.code)});
}

connection::connection(mongoc_client_t* client, std::string database)
    : client_(client), database_(std::move(database)) {}

connection::~connection() { mongoc_client_destroy(client_); }

bson_ptr connection::command(const bson_t& cmd, std::string_view table) {
  last_command_ = canonical_json(cmd);
  ++commands_;
  bson_ptr reply(bson_new());
  bson_error_t err;
  const bool ok = mongoc_client_command_simple(client_, database_.c_str(), &cmd, nullptr, reply.get(), &err);
  bson_iter_t name;
  const std::string op = bson_iter_init(&name, &cmd) && bson_iter_next(&name) ? bson_iter_key(&name) : "command";
  const std::string what = table.empty() ? fmt::format("MongoDB {}", op) : fmt::format("MongoDB {} on \"{}\"", op, table);
  if (!ok) throw to_error(err, what);
  // A write reports its failures in writeErrors with ok: 1.
  bson_iter_t it, first;
  if (bson_iter_init_find(&it, reply.get(), "writeErrors") && BSON_ITER_HOLDS_ARRAY(&it) &&
      bson_iter_recurse(&it, &first) && bson_iter_next(&first)) {
    bson_iter_t field;
    std::uint32_t code = 0;
    std::string message = "a write failed";
    if (bson_iter_recurse(&first, &field))
      while (bson_iter_next(&field)) {
        if (std::string_view(bson_iter_key(&field)) == "code") code = static_cast<std::uint32_t>(bson_iter_as_int64(&field));
        if (std::string_view(bson_iter_key(&field)) == "errmsg" && BSON_ITER_HOLDS_UTF8(&field))
          message = bson_iter_utf8(&field, nullptr);
      }
    throw error(category_of(MONGOC_ERROR_SERVER, code), fmt::format("{}: {}", what, message),
                error_details{.engine = "mongodb", .code = std::to_string(code)});
  }
  return reply;
}

bool connection::alive() {
  bson_t ping = BSON_INITIALIZER;
  BSON_APPEND_INT32(&ping, "ping", 1);
  bson_t reply;
  bson_error_t err;
  const bool ok = mongoc_client_command_simple(client_, "admin", &ping, nullptr, &reply, &err);
  bson_destroy(&reply);
  bson_destroy(&ping);
  return ok;
}

std::optional<std::string> connection::server_version() {
  bson_t cmd = BSON_INITIALIZER;
  BSON_APPEND_INT32(&cmd, "buildInfo", 1);
  bson_t reply;
  bson_error_t err;
  std::optional<std::string> out;
  if (mongoc_client_command_simple(client_, "admin", &cmd, nullptr, &reply, &err)) {
    bson_iter_t it;
    if (bson_iter_init_find(&it, &reply, "version") && BSON_ITER_HOLDS_UTF8(&it))
      out = std::string("MongoDB ") + bson_iter_utf8(&it, nullptr);
  }
  bson_destroy(&reply);
  bson_destroy(&cmd);
  return out;
}

void connection::execute(const engine::plan& p, engine::execution& out) {
  const table_info t = table(p.table);
  if (t.recorded) check_fields(p, t.table, "mongodb");
  switch (p.kind) {
    case engine::plan_kind::find:
    case engine::plan_kind::count:
    case engine::plan_kind::aggregate: {
      out.rows = engine::evaluate(p, to_records(read_documents(p, t), t));
      out.affected = static_cast<std::int64_t>(out.rows.size());
      return;
    }
    case engine::plan_kind::insert: return insert(p, t, out);
    case engine::plan_kind::update: return update(p, t, out);
    case engine::plan_kind::remove: return remove(p, t, out);
    case engine::plan_kind::upsert:
    case engine::plan_kind::raw: break;
  }
  throw error(error_category::unsupported,
              fmt::format("the mongodb engine cannot {} \"{}\" yet (issue 21: upserts and raw commands come next)",
                          p.kind == engine::plan_kind::upsert ? "upsert into" : "run raw commands on", p.table),
              error_details{"mongodb"});
}

std::vector<bson_ptr> connection::read_documents(const engine::plan& p, const table_info& t) {
  bson_t filter = BSON_INITIALIZER;
  append_prefilter(p, t.recorded ? &t.table : nullptr, &filter);
  bson_t cmd = BSON_INITIALIZER;
  BSON_APPEND_UTF8(&cmd, "find", p.table.c_str());
  BSON_APPEND_DOCUMENT(&cmd, "filter", &filter);
  BSON_APPEND_INT32(&cmd, "batchSize", 1000);
  bson_destroy(&filter);
  std::vector<bson_ptr> docs;
  bson_ptr reply = command(cmd, p.table);
  bson_destroy(&cmd);
  // The first batch, then getMore until the cursor's id is 0.
  for (;;) {
    bson_iter_t it, cursor, batch;
    std::int64_t id = 0;
    if (!bson_iter_init_find(&it, reply.get(), "cursor") || !bson_iter_recurse(&it, &cursor))
      throw error(error_category::query, fmt::format("MongoDB on \"{}\": a find reply without a cursor", p.table),
                  error_details{"mongodb"});
    bool found_batch = false;
    while (bson_iter_next(&cursor)) {
      const std::string_view k = bson_iter_key(&cursor);
      if (k == "id") id = bson_iter_as_int64(&cursor);
      if ((k == "firstBatch" || k == "nextBatch") && bson_iter_recurse(&cursor, &batch)) {
        found_batch = true;
        while (bson_iter_next(&batch)) {
          std::uint32_t n = 0;
          const std::uint8_t* data = nullptr;
          bson_iter_document(&batch, &n, &data);
          docs.emplace_back(bson_new_from_data(data, n));
        }
      }
    }
    if (!found_batch || id == 0) break;
    bson_t more = BSON_INITIALIZER;
    BSON_APPEND_INT64(&more, "getMore", id);
    BSON_APPEND_UTF8(&more, "collection", p.table.c_str());
    BSON_APPEND_INT32(&more, "batchSize", 1000);
    reply = command(more, p.table);
    bson_destroy(&more);
  }
  return docs;
}

records connection::to_records(const std::vector<bson_ptr>& docs, const table_info& t) const {
  std::vector<std::string> names;
  for (const auto& f : t.table.columns) names.push_back(f.name);
  for (const auto& d : docs) {
    bson_iter_t it;
    if (!bson_iter_init(&it, d.get())) continue;
    while (bson_iter_next(&it)) {
      std::string k = bson_iter_key(&it);
      if (k == "_id" && t.recorded) continue;  // tether's own ObjectId: no field of the table
      if (std::find(names.begin(), names.end(), k) == names.end()) names.push_back(std::move(k));
    }
  }
  std::vector<const engine::field_def*> types;
  for (const auto& n : names) types.push_back(engine::find_named(t.table.columns, n));
  records rows(names);
  records_builder build(rows);
  build.reserve(docs.size());
  for (const auto& d : docs) {
    for (std::size_t c = 0; c < names.size(); ++c) {
      bson_iter_t it;
      if (bson_iter_init_find(&it, d.get(), names[c].c_str())) build.add(read_value(it, types[c], names[c]));
      else build.add_null();
    }
    build.end_row();
  }
  return rows;
}

void connection::insert(const engine::plan& p, const table_info& t, engine::execution& out) {
  if (p.has_conflict)
    throw error(error_category::unsupported,
                fmt::format("an insert into \"{}\" with on_conflict is not supported by the mongodb engine yet (issue 21)",
                            p.table),
                error_details{"mongodb"});
  // The key inserted_ids gives: a one-field primary key's value, else the document's _id.
  const std::string key = t.table.primary_key.size() == 1 ? t.table.primary_key[0] : std::string();
  // Completed as a SQL database completes a row (ids, defaults at MongoDB's milliseconds,
  // required fields), every record before anything is written.
  const std::vector<object> rows =
      complete_records(p, t.table, [&](std::int64_t n) { return next_ids(p.table, n); }, "mongodb", 1000);
  out.affected = 0;
  for (std::size_t start = 0; start < rows.size(); start += insert_batch) {
    bson_ptr cmd(bson_new());
    bson_t docs;
    BSON_APPEND_UTF8(cmd.get(), "insert", p.table.c_str());
    bson_append_array_begin(cmd.get(), "documents", -1, &docs);
    const std::size_t end = std::min(rows.size(), start + insert_batch);
    for (std::size_t r = start; r < end; ++r) {
      bson_t doc;
      bson_append_document_begin(&docs, std::to_string(r - start).c_str(), -1, &doc);
      value id;  // the record's key, for inserted_ids
      const auto field = [&](const std::string& name) {
        return std::find_if(rows[r].begin(), rows[r].end(), [&](const member& m) { return m.first == name; });
      };
      const auto given = field("_id");  // only a collection made elsewhere has _id as a field
      if (given != rows[r].end()) {
        id = given->second;
      } else {  // an ObjectId made here, as MongoDB's drivers make one (CongoDB needs one)
        bson_oid_t oid;
        bson_oid_init(&oid, nullptr);
        BSON_APPEND_OID(&doc, "_id", &oid);
        char hex[25];
        bson_oid_to_string(&oid, hex);
        id = value(std::string(hex));
      }
      if (!key.empty())
        if (const auto k = field(key); k != rows[r].end()) id = k->second;
      for (const auto& [name, v] : rows[r]) append_value(&doc, name, v, name);
      bson_append_document_end(&docs, &doc);
      if (p.want_ids) out.inserted_ids.push_back(std::move(id));
    }
    bson_append_array_end(cmd.get(), &docs);
    BSON_APPEND_BOOL(cmd.get(), "ordered", true);
    bson_ptr reply = command(*cmd, p.table);
    bson_iter_t it;
    if (bson_iter_init_find(&it, reply.get(), "n")) out.affected += bson_iter_as_int64(&it);
  }
}

// Each document the filter matches, read, its new values computed as the SQL engines
// compute them (recorded_writes.hpp), and written back by its _id ($set, and $unset for
// what becomes null): one update command of one statement per document, 1,000 a command.
// Not atomic across the read and the write (issue 21: conditional writes come next).
void connection::update(const engine::plan& p, const table_info& t, engine::execution& out) {
  const auto docs = read_documents(p, t);
  const records rows = to_records(docs, t);
  out.affected = 0;
  bson_ptr cmd;
  bson_t updates;
  std::size_t pending = 0;
  auto flush = [&] {
    if (!pending) return;
    bson_append_array_end(cmd.get(), &updates);
    BSON_APPEND_BOOL(cmd.get(), "ordered", true);
    command(*cmd, p.table);
    pending = 0;
  };
  for (std::size_t i = 0; i < docs.size(); ++i) {
    if (!engine::matches(p, p.where, rows, i)) continue;
    ++out.affected;
    bson_t set = BSON_INITIALIZER, unset = BSON_INITIALIZER;
    for (const auto& a : p.set) {
      const auto col = rows.column_index(a.column);
      const value old = col ? rows[i][a.column] : value();
      const value* operand = a.param == engine::no_param ? nullptr : p.param(a.param);
      auto now = updated_value(a.op, old, operand, a.column);
      if (!now) continue;
      if (now->is_null()) {
        if (const auto* f = engine::find_named(t.table.columns, a.column); f && (!f->nullable || f->primary_key))
          throw error(error_category::not_null_violation,
                      fmt::format("\"{}.{}\" is required; it cannot be set to null", p.table, a.column),
                      error_details{"mongodb"});
        BSON_APPEND_UTF8(&unset, a.column.c_str(), "");
      } else {
        append_value(&set, a.column, *now, a.column);
      }
    }
    if (bson_empty(&set) && bson_empty(&unset)) {
      bson_destroy(&set);
      bson_destroy(&unset);
      continue;
    }
    if (!pending) {
      cmd = bson_ptr(bson_new());
      BSON_APPEND_UTF8(cmd.get(), "update", p.table.c_str());
      bson_append_array_begin(cmd.get(), "updates", -1, &updates);
    }
    bson_t one, q, u;
    bson_append_document_begin(&updates, std::to_string(pending++).c_str(), -1, &one);
    bson_append_document_begin(&one, "q", -1, &q);
    bson_iter_t id;
    if (bson_iter_init_find(&id, docs[i].get(), "_id")) bson_append_iter(&q, "_id", -1, &id);
    bson_append_document_end(&one, &q);
    bson_append_document_begin(&one, "u", -1, &u);
    if (!bson_empty(&set)) BSON_APPEND_DOCUMENT(&u, "$set", &set);
    if (!bson_empty(&unset)) BSON_APPEND_DOCUMENT(&u, "$unset", &unset);
    bson_append_document_end(&one, &u);
    bson_append_document_end(&updates, &one);
    bson_destroy(&set);
    bson_destroy(&unset);
    if (pending == insert_batch) flush();
  }
  flush();
}

void connection::remove(const engine::plan& p, const table_info& t, engine::execution& out) {
  // The documents the whole filter matches, then a delete of their _ids.
  auto docs = read_documents(p, t);
  const records rows = to_records(docs, t);
  bson_t ids = BSON_INITIALIZER;
  std::size_t n = 0;
  for (std::size_t i = 0; i < docs.size(); ++i) {
    if (!engine::matches(p, p.where, rows, i)) continue;
    bson_iter_t it;
    if (!bson_iter_init_find(&it, docs[i].get(), "_id")) continue;
    bson_append_iter(&ids, std::to_string(n++).c_str(), -1, &it);
  }
  out.affected = 0;
  if (n == 0) {
    bson_destroy(&ids);
    return;
  }
  bson_t cmd = BSON_INITIALIZER, deletes, one, q, in;
  BSON_APPEND_UTF8(&cmd, "delete", p.table.c_str());
  bson_append_array_begin(&cmd, "deletes", -1, &deletes);
  bson_append_document_begin(&deletes, "0", -1, &one);
  bson_append_document_begin(&one, "q", -1, &q);
  bson_append_document_begin(&q, "_id", -1, &in);
  bson_append_array(&in, "$in", -1, &ids);
  bson_append_document_end(&q, &in);
  bson_append_document_end(&one, &q);
  BSON_APPEND_INT32(&one, "limit", 0);
  bson_append_document_end(&deletes, &one);
  bson_append_array_end(&cmd, &deletes);
  bson_destroy(&ids);
  bson_ptr reply = command(cmd, p.table);
  bson_destroy(&cmd);
  bson_iter_t it;
  if (bson_iter_init_find(&it, reply.get(), "n")) out.affected = bson_iter_as_int64(&it);
}

}  // namespace tether::detail::mongodb
