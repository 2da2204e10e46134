// The MongoDB driver: its URL (the driver's own parser) and its capabilities.
#include <fmt/format.h>

#include <mutex>

#include "connection.hpp"
#include "core/workspace/url.hpp"
#include "tether/engines/mongodb.hpp"
#include "tether/error.hpp"

namespace tether::detail::mongodb {
namespace {

[[noreturn]] void bad_url(std::string_view url, std::string_view why) {
  throw error(error_category::usage,
              fmt::format("invalid MongoDB URL \"{}\": {}; expected mongodb://[USER:PASSWORD@]HOST[:PORT]/DATABASE"
                          "[?OPTIONS] or mongodb+srv://…/DATABASE",
                          mask_url(url), why),
              error_details{"mongodb"});
}

struct uri_deleter {
  void operator()(mongoc_uri_t* u) const noexcept { mongoc_uri_destroy(u); }
};
using uri_ptr = std::unique_ptr<mongoc_uri_t, uri_deleter>;

// The parsed URL with its database; a usage error naming what is wrong (secrets masked).
uri_ptr parse_url(std::string_view url, std::string* database) {
  static std::once_flag init;
  std::call_once(init, [] { mongoc_init(); });
  bson_error_t err;
  uri_ptr uri(mongoc_uri_new_with_error(std::string(url).c_str(), &err));
  if (!uri) {
    // libmongoc's message may repeat the URL, and so its password: say only what it found.
    std::string why = err.message;
    if (auto at = why.find("mongodb"); at != std::string::npos) why = why.substr(0, at) + "(the URL)";
    bad_url(url, why);
  }
  const char* db = mongoc_uri_get_database(uri.get());
  if (!db || !*db) bad_url(url, "it names no database (the path: mongodb://HOST/DATABASE)");
  if (database) *database = db;
  return uri;
}

class driver final : public engine::driver {
 public:
  std::string_view name() const noexcept override { return "mongodb"; }
  std::vector<std::string> schemes() const override { return {"mongodb", "mongodb+srv"}; }
  const engine::capabilities& capabilities() const noexcept override {
    static const engine::capabilities caps = [] {
      engine::capabilities c;
      c.engine = "mongodb";
      // Every operator is evaluated on the client by the reference evaluator, on the
      // documents a find returns; what MongoDB evaluates as tether does is sent along as
      // a pre-filter that drops documents early (filter.hpp).
      c.operators.fill(engine::support::client);
      c.aggregates = true;      // over a find, on the client
      c.sparse_indexes = true;  // createIndexes' sparse
      c.ttl_indexes = true;     // and expireAfterSeconds
      // partialFilterExpression holds comparisons, $in and $exists under $and and $or
      // (filter.hpp says which fields and operands, so that it means what tether means).
      c.partial_indexes = true;
      c.partial_index_operators.fill(false);
      for (auto op : {engine::compare::eq, engine::compare::gt, engine::compare::gte, engine::compare::lt, engine::compare::lte,
                      engine::compare::between, engine::compare::in, engine::compare::is_not_null})
        c.partial_index_operators[static_cast<std::size_t>(op)] = true;
      c.partial_index_negations = false;
      c.rename_updates = true;        // $rename
      c.current_date_updates = true;  // $currentDate
      c.raw_queries = true;     // commands in Extended JSON, values as {"$param": N} (raw.cpp)
      c.field_comments = true;  // kept with the definitions tether records
      c.any_double = true;
      c.timestamp_digits = 3;   // BSON dates are milliseconds
      c.table_renames = true;   // renameCollection
      c.returning = true;       // the documents as written (writes.cpp)
      c.upsert = true;          // on the key or a unique index's fields, looked up first
      c.transactions = true;    // a session's (replica sets; the tests probe that a rollback rolls back)
      c.transaction_reads_own_writes = true;
      c.unique_fields = true;   // a unique index each (CongoDB does not enforce them: the tests probe)
      return c;
    }();
    return caps;
  }
  void validate_url(std::string_view url) const override { (void)parse_url(url, nullptr); }
  std::unique_ptr<engine::connection> connect(std::string_view url) override {
    std::string database;
    uri_ptr uri = parse_url(url, &database);
    bson_error_t err;
    mongoc_client_t* client = mongoc_client_new_from_uri_with_error(uri.get(), &err);
    if (!client) throw to_error(err, fmt::format("cannot connect to MongoDB at {}", mask_url(url)));
    mongoc_client_set_error_api(client, MONGOC_ERROR_API_VERSION_2);
    mongoc_client_set_appname(client, "tether");
    auto c = std::make_unique<connection>(client, database, mask_url(url));
    bson_t ping = BSON_INITIALIZER, reply;
    BSON_APPEND_INT32(&ping, "ping", 1);
    const bool ok = mongoc_client_command_simple(client, "admin", &ping, nullptr, &reply, &err);
    bson_destroy(&ping);
    bson_destroy(&reply);
    if (!ok) throw to_error(err, fmt::format("cannot connect to MongoDB at {}", mask_url(url)));
    return c;
  }
};

}  // namespace
}  // namespace tether::detail::mongodb

namespace tether::mongodb {

std::shared_ptr<engine::driver> make_driver() { return std::make_shared<detail::mongodb::driver>(); }

}  // namespace tether::mongodb
