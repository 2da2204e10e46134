// A MongoDB connection: commands, reads and writes (connection.hpp tells how).
#include "connection.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <limits>
#include <span>

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

connection::connection(mongoc_client_t* client, std::string database, const std::string& tables_of)
    : client_(client), database_(std::move(database)), definitions_(recorded_definitions::of(tables_of)) {}

connection::~connection() {
  if (log_) log_commands(nullptr);  // the log may go first; endSessions is sent below
  if (session_) mongoc_client_session_destroy(session_);
  mongoc_client_destroy(client_);
}

bson_ptr connection::command(const bson_t& cmd, std::string_view table) { return command_on(database_.c_str(), cmd, table); }

bson_ptr connection::command_on(const char* database, const bson_t& cmd, std::string_view table) {
  ++commands_;
  bson_ptr reply(bson_new());
  bson_error_t err;
  bool ok = false;
  if (in_transaction_) {  // the session's fields, which libmongoc completes as it sends
    bson_t opts = BSON_INITIALIZER;
    ok = mongoc_client_session_append(session_, &opts, &err) &&
         mongoc_client_command_with_opts(client_, database, &cmd, nullptr, &opts, reply.get(), &err);
    bson_destroy(&opts);
  } else {
    ok = mongoc_client_command_simple(client_, database, &cmd, nullptr, reply.get(), &err);
  }
  bson_iter_t name;
  const std::string op = bson_iter_init(&name, &cmd) && bson_iter_next(&name) ? bson_iter_key(&name) : "command";
  const std::string what = table.empty() ? fmt::format("MongoDB {}", op) : fmt::format("MongoDB {} on \"{}\"", op, table);
  if (!ok) {
    error e = to_error(err, what);
    // A conflict inside a transaction: running the whole transaction again may succeed.
    if (mongoc_error_has_label(reply.get(), "TransientTransactionError"))
      throw error(error_category::serialization_conflict, e.what(), e.details());
    throw e;
  }
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
  else require_collection(p.table);
  switch (p.kind) {
    case engine::plan_kind::find:
    case engine::plan_kind::count:
    case engine::plan_kind::aggregate: {
      const read r = matching_documents(p, t, false);
      out.rows = engine::evaluate(p, to_records(r.docs, t, r.fields ? &*r.fields : nullptr));
      out.affected = static_cast<std::int64_t>(out.rows.size());
      return;
    }
    case engine::plan_kind::insert:
    case engine::plan_kind::upsert: return insert(p, t, out);
    case engine::plan_kind::update: return update(p, t, out);
    case engine::plan_kind::remove: return remove(p, t, out);
    case engine::plan_kind::raw: break;
  }
  throw error(error_category::unsupported,
              fmt::format("the mongodb engine cannot run raw commands on \"{}\" yet (issue 21)", p.table),
              error_details{"mongodb"});
}

namespace {

void add_once(std::vector<std::string>& names, const std::string& n) {
  if (std::find(names.begin(), names.end(), n) == names.end()) names.push_back(n);
}

void filter_fields(const engine::filter_node& f, std::vector<std::string>& out) {
  if (f.kind == engine::logic::leaf) add_once(out, f.field);
  for (const auto& c : f.children) filter_fields(c, out);
}

// The fields a read of `p` needs: those its filter, order, selection, grouping and
// aggregates name; std::nullopt when it needs every field (a find of all columns).
std::optional<std::vector<std::string>> needed_fields(const engine::plan& p) {
  std::vector<std::string> out;
  if (p.kind == engine::plan_kind::find) {
    if (p.columns.empty()) return std::nullopt;
    for (const auto& c : p.columns) {
      if (c == "*") return std::nullopt;
      add_once(out, c);
    }
  }
  filter_fields(p.where, out);
  for (const auto& o : p.order_by) add_once(out, o.column);
  for (const auto& g : p.group_by) add_once(out, g);
  for (const auto& a : p.aggregates)
    if (a.column != "*") add_once(out, a.column);
  filter_fields(p.having, out);
  if (out.empty()) out.emplace_back("_id");  // a count of rows: one small field a document
  return out;
}

std::int64_t param_integer(const engine::plan& p, std::uint32_t i) {
  const value* v = i == engine::no_param ? nullptr : p.param(i);
  return v && v->kind() == value_kind::integer ? v->as_int() : 0;
}

}  // namespace

connection::read connection::matching_documents(const engine::plan& p, const table_info& t, bool whole) {
  read out;
  if (!whole) out.fields = needed_fields(p);
  bson_t filter = BSON_INITIALIZER, projection = BSON_INITIALIZER;
  append_prefilter(p, t.recorded ? &t.table : nullptr, &filter);
  if (out.fields)
    for (const auto& f : *out.fields) BSON_APPEND_INT32(&projection, f.c_str(), 1);
  // A find without an order needs its offset plus its limit of matches, and no more.
  std::size_t enough = std::numeric_limits<std::size_t>::max();
  if (p.kind == engine::plan_kind::find && p.order_by.empty() && p.limit != engine::no_param)
    enough = static_cast<std::size_t>(std::max<std::int64_t>(0, param_integer(p, p.limit)) +
                                       std::max<std::int64_t>(0, param_integer(p, p.offset)));
  std::vector<std::string> tested;
  filter_fields(p.where, tested);
  if (enough > 0)
    scan(p.table, filter, out.fields ? &projection : nullptr, [&](std::vector<bson_ptr>& batch) {
      if (p.where.matches_all()) {
        for (auto& d : batch) out.docs.push_back(std::move(d));
      } else {
        // The whole filter, batch by batch: only matches are kept.
        const records rows = to_records(batch, t, &tested);
        for (std::size_t i = 0; i < batch.size(); ++i)
          if (engine::matches(p, p.where, rows, i)) out.docs.push_back(std::move(batch[i]));
      }
      if (out.docs.size() >= enough) out.docs.resize(enough);
      return out.docs.size() < enough;
    });
  bson_destroy(&projection);
  bson_destroy(&filter);
  return out;
}

std::vector<bson_ptr> connection::read_documents(const std::string& table, const bson_t& filter) {
  std::vector<bson_ptr> docs;
  scan(table, filter, nullptr, [&](std::vector<bson_ptr>& batch) {
    for (auto& d : batch) docs.push_back(std::move(d));
    return true;
  });
  return docs;
}

void connection::scan(const std::string& table, const bson_t& filter, const bson_t* projection,
                      const std::function<bool(std::vector<bson_ptr>&)>& each) {
  bson_t cmd = BSON_INITIALIZER;
  BSON_APPEND_UTF8(&cmd, "find", table.c_str());
  BSON_APPEND_DOCUMENT(&cmd, "filter", &filter);
  if (projection) BSON_APPEND_DOCUMENT(&cmd, "projection", projection);
  BSON_APPEND_INT32(&cmd, "batchSize", scan_batch);
  bson_ptr reply = command(cmd, table);
  bson_destroy(&cmd);
  std::vector<bson_ptr> docs;
  // The first batch, then getMore until the cursor's id is 0, or the caller has enough.
  for (;;) {
    bson_iter_t it, cursor, batch;
    std::int64_t id = 0;
    if (!bson_iter_init_find(&it, reply.get(), "cursor") || !bson_iter_recurse(&it, &cursor))
      throw error(error_category::query, fmt::format("MongoDB on \"{}\": a find reply without a cursor", table),
                  error_details{"mongodb"});
    bool found_batch = false;
    docs.clear();
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
    reply = bson_ptr();  // the batch is copied out: one batch in memory at a time
    const bool more_wanted = each(docs);
    if (!found_batch || id == 0) return;
    if (!more_wanted) {
      bson_t kill = BSON_INITIALIZER, ids;
      BSON_APPEND_UTF8(&kill, "killCursors", table.c_str());
      BSON_APPEND_ARRAY_BEGIN(&kill, "cursors", &ids);
      BSON_APPEND_INT64(&ids, "0", id);
      bson_append_array_end(&kill, &ids);
      command(kill, table);
      bson_destroy(&kill);
      return;
    }
    bson_t more = BSON_INITIALIZER;
    BSON_APPEND_INT64(&more, "getMore", id);
    BSON_APPEND_UTF8(&more, "collection", table.c_str());
    BSON_APPEND_INT32(&more, "batchSize", scan_batch);
    reply = command(more, table);
    bson_destroy(&more);
  }
}

records connection::to_records(const std::vector<bson_ptr>& docs, const table_info& t,
                               const std::vector<std::string>* only) const {
  // The named fields; else the table's, then every other field a document has.
  const bool named = only && !(only->size() == 1 && (*only)[0] == "*");
  std::vector<std::string> names;
  if (named) names = *only;
  else
    for (const auto& f : t.table.columns) names.push_back(f.name);
  for (const auto& d : named ? std::span<const bson_ptr>{} : std::span<const bson_ptr>(docs)) {
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

}  // namespace tether::detail::mongodb
