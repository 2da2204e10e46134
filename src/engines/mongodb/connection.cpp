// A MongoDB connection: commands, reads and writes (connection.hpp tells how).
#include "connection.hpp"

#include <fmt/format.h>

#include <algorithm>
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
  if (p.kind == engine::plan_kind::raw) return run_raw(p, out);
  const table_info t = table(p.table);
  if (t.recorded) check_fields(p, t.table, "mongodb");
  else require_collection(p.table);
  switch (p.kind) {
    case engine::plan_kind::find:
    case engine::plan_kind::count:
    case engine::plan_kind::aggregate: {
      if (auto grouped = server_aggregate(p, t)) {
        out.rows = std::move(*grouped);
        out.affected = static_cast<std::int64_t>(out.rows.size());
        return;
      }
      const read r = matching_documents(p, t, false);
      if (r.windowed) {
        // The server sorted, skipped and limited the matches: they are the rows, of the
        // selected columns (all when none are).
        const std::vector<std::string> selected(p.columns.begin(), p.columns.end());
        out.rows = to_records(r.docs, t, r.fields ? &selected : nullptr);
      } else {
        out.rows = engine::evaluate(p, to_records(r.docs, t, r.fields ? &*r.fields : nullptr));
      }
      out.affected = static_cast<std::int64_t>(out.rows.size());
      return;
    }
    case engine::plan_kind::insert: return insert(p, t, out);
    case engine::plan_kind::upsert: return upsert(p, t, out);
    case engine::plan_kind::update: return update(p, t, out);
    case engine::plan_kind::remove: return remove(p, t, out);
    case engine::plan_kind::raw: break;  // above
  }
}

}  // namespace tether::detail::mongodb
