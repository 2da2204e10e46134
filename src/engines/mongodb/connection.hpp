// One MongoDB connection: a libmongoc client of its own (tether's pool holds connections,
// so each is used by one call at a time) on the URL's database, and the parts it offers:
// the schema applier, introspection, the migration lock and transactions (a session's).
//
//
// Documents and tables. A collection tether made has its definition recorded in the
// tether_schema collection (recorded_table.hpp), since MongoDB keeps none. Every document's
// _id is an ObjectId made on the client; the table's key is a field with a unique index
// (CongoDB, the test server, rewrites any other _id into an ObjectId). Reads of a table
// tether made leave _id out; a collection tether did not make reads its fields as stored,
// `_id` among them.
//
// Reads: a find command with the pre-filter of filter.hpp and a projection of the fields
// the call needs; each batch (batchSize) evaluated against the whole filter as it arrives,
// so only the matches stay in memory. Where the pre-filter is exact, the server also
// sorts, skips and limits (when it orders the columns as tether does) and counts rows;
// else the cursor is killed once a find without an order has its offset plus limit of
// matches, and the order, limit and offset, counts and aggregates are evaluated on the
// client by the reference evaluator, so each operator means what docs/querying.md says.
// Writes: insert (insert commands of at most 1,000 documents, ordered), update (each
// matched document's new values computed on the client, written by its _id), remove
// (delete by the _ids the filter matched).
#pragma once

#include <bson/bson.h>
#include <mongoc/mongoc.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/migrations/recorded_definitions.hpp"
#include "tether/engine/engine.hpp"

namespace tether::detail::mongodb {

inline constexpr const char* schema_collection = "tether_schema";
inline constexpr std::size_t insert_batch = 1000;

// Owns a bson_t made by bson_new() (bson_t's alignment attribute keeps it out of
// std::unique_ptr's template arguments).
class bson_ptr {
 public:
  bson_ptr() = default;
  explicit bson_ptr(bson_t* b) noexcept : b_(b) {}
  bson_ptr(bson_ptr&& o) noexcept : b_(std::exchange(o.b_, nullptr)) {}
  bson_ptr& operator=(bson_ptr&& o) noexcept {
    std::swap(b_, o.b_);
    return *this;
  }
  bson_ptr(const bson_ptr&) = delete;
  bson_ptr& operator=(const bson_ptr&) = delete;
  ~bson_ptr() {
    if (b_) bson_destroy(b_);
  }
  bson_t* get() const noexcept { return b_; }
  bson_t& operator*() const noexcept { return *b_; }

 private:
  bson_t* b_ = nullptr;
};

class connection final : public engine::connection,
                         public engine::schema_applier,
                         public engine::introspection,
                         public engine::migration_lock,
                         public engine::transactions {
 public:
  // `tables_of`: where the tables live (the URL, masked), whose definitions connections share.
  connection(mongoc_client_t* client, std::string database, const std::string& tables_of);
  ~connection() override;
  connection(const connection&) = delete;
  connection& operator=(const connection&) = delete;

  void execute(const engine::plan& p, engine::execution& out) override;
  // A find without an order streams (reads.cpp): one batch in memory at a time. Others
  // are read whole and served in chunks.
  std::unique_ptr<engine::cursor> open(const engine::plan& p) override;
  bool alive() override;
  std::optional<std::string> server_version() override;

  engine::schema_applier* schema_part() noexcept override { return this; }
  engine::introspection* introspection_part() noexcept override { return this; }
  engine::migration_lock* lock_part() noexcept override { return this; }
  engine::transactions* transactions_part() noexcept override { return this; }

  // A transaction of the connection's session (transactions.cpp): every command until
  // commit or rollback carries the session, as libmongoc adds it.
  void begin(const transaction_options& options) override;
  void commit() override;
  void rollback() override;

  engine::schema_step apply(const engine::schema_op& op, const engine::table_description* before, bool dry_run) override;
  std::optional<engine::table_description> describe(std::string_view table) override;
  std::vector<std::string> list_tables() override;
  void lock_migrations(std::chrono::milliseconds timeout) override;
  void unlock_migrations() override;

  // Runs `command` on the database; the reply. Throws tether::error in tether's terms.
  bson_ptr command(const bson_t& command, std::string_view table = {});
  // The same on another database (renameCollection runs on admin).
  bson_ptr command_on(const char* database, const bson_t& command, std::string_view table = {});
  // From now on each command sent is appended to `log` as canonical Extended JSON (null:
  // none, the default, which costs nothing). For the golden tests.
  // Read from libmongoc's command monitoring: the commands as they went, session fields
  // and all.
  void log_commands(std::vector<std::string>* log);
  std::uint64_t commands() const noexcept { return commands_; }

  // A server cursor (of a find, an aggregate or a raw command), a batch at a time; killed
  // (killCursors) when left before its end.
  class batches {
   public:
    batches(connection& c, std::string collection, bson_ptr first_reply);
    batches(batches&& o) noexcept
        : c_(o.c_), collection_(std::move(o.collection_)), reply_(std::move(o.reply_)), id_(std::exchange(o.id_, 0)) {}
    batches& operator=(batches&&) = delete;
    ~batches();
    // The next batch into `out`; false once the cursor has ended.
    bool next(std::vector<bson_ptr>& out);

   private:
    connection& c_;
    std::string collection_;
    bson_ptr reply_;      // the reply not yet read (the first one), else none
    std::int64_t id_ = 0;  // the server's cursor; 0 once it has ended
  };
  static constexpr std::int32_t scan_batch = 1000;  // documents a batch
  // What the server does of a find besides its filter, where it means what tether means
  // (reads.cpp): the order, the rows skipped, the most returned (0: all).
  struct window {
    bson_ptr sort;  // null: none
    std::int64_t skip = 0;
    std::int64_t limit = 0;
  };
  // A find of `filter`, with `projection` (null or empty: every field) and `w` (null: none).
  batches find(const std::string& table, const bson_t& filter, const bson_t* projection, const window* w = nullptr);

 private:
  struct table_info {
    engine::table_description table;
    bool recorded = false;
  };
  // The table as tether recorded it, kept for a moment (recorded_definitions.hpp); else
  // not recorded (a collection made elsewhere, or none).
  table_info table(const std::string& name);
  // Throws tether::error (schema, code 26 as MongoDB's NamespaceNotFound) when no
  // collection `name` exists: a call on a missing table fails as it does on SQL, rather
  // than reading nothing or making the collection.
  void require_collection(const std::string& name);
  // A collection tether did not make, from its validator and its indexes; std::nullopt
  // when there is none of that name.
  std::optional<engine::table_description> describe_outside(const std::string& name);
  // The documents `p`'s whole filter matches, read batch by batch (only the matches are
  // kept) and, for a find without an order, no more than its offset plus its limit.
  // `whole`: every field of each (a write's); else only the fields the plan needs, when
  // that is not all of them (then `fields` names them).
  // `windowed`: the server sorted, skipped and limited them as the plan says (a find whose
  // pre-filter is exact: server_window).
  struct read {
    std::vector<bson_ptr> docs;
    std::optional<std::vector<std::string>> fields;
    bool windowed = false;
  };
  read matching_documents(const engine::plan& p, const table_info& t, bool whole);
  // The find of `p`'s pre-filter (filter.hpp) with a projection of `fields` (none: all)
  // and `w` (null: none).
  batches find_of(const engine::plan& p, const table_info& t, const std::optional<std::vector<std::string>>& fields,
                  const window* w = nullptr);
  // The order, offset and limit of find `p` as the server's, where it gives tether's
  // meaning: the pre-filter exact (filter.hpp), and every order column declared with a
  // type MongoDB orders as tether does (doubles, booleans, timestamps, dates, times;
  // integers and text where the server orders them as tether does, below; not decimals). Null and
  // missing come first ascending, as in tether. std::nullopt where the client must.
  std::optional<window> server_window(const engine::plan& p, const table_info& t);
  // Whether the server orders text by its UTF-8 bytes, as tether does (a mongod's simple
  // collation), and 64-bit integers exactly, as tether does: each found once, by sorting
  // two values it would order otherwise (CongoDB compares text by UTF-16 units and
  // integers as doubles, as JavaScript does); never asked inside a transaction (a refused
  // command would abort it): false there until asked outside one.
  bool text_by_bytes();
  bool whole_numbers_exact();
  // Whether the server sorts `low` below `high` (an aggregate of $documents and $sort).
  bool orders_below(const value& low, const value& high);
  // Whether the server orders values of a field of `type` as tether does (above).
  bool orders_as_tether(field_type type);
  // A count or aggregate computed by the server (aggregates.cpp): one aggregate of $match
  // (the pre-filter, exact) and $group, then the having, order and page on the client.
  // Where MongoDB means what tether means: group keys that are not decimals, containers
  // or (where the server compares them as doubles) 64-bit integers; count of rows or of
  // non-null values; sum and avg of doubles, and of integers where the server adds int64s
  // exactly (a total past 64 bits, which MongoDB makes a double, falls back to the
  // client); min and max of columns it orders as tether does. std::nullopt: the client's.
  std::optional<records> server_aggregate(const engine::plan& p, const table_info& t);
  // Every document of `table` that `filter` selects, batch by batch.
  std::vector<bson_ptr> read_documents(const std::string& table, const bson_t& filter);
  // A raw command (raw.cpp): the query as Extended JSON, {"$param": N} replaced by the
  // call's Nth param; the reply's documents, or the reply itself, as records.
  void run_raw(const engine::plan& p, engine::execution& out);
  // The documents as records: the fields `only` names ("*" or null: the table's, then
  // every other field a document has), read by their declared types.
  records to_records(const std::vector<bson_ptr>& docs, const table_info& t,
                     const std::vector<std::string>* only = nullptr) const;
  // insert, and upsert (an insert of one record that writes over on conflict)
  void insert(const engine::plan& p, const table_info& t, engine::execution& out);
  // The documents holding the conflict columns' values of some of `rows`: as stored, as
  // records, and the JSON text of each one's conflict columns.
  struct conflicts {
    std::vector<bson_ptr> docs;
    records rows;
    std::vector<std::string> keys;
  };
  conflicts conflicting(const engine::plan& p, const table_info& t, const std::vector<object>& rows);
  void update(const engine::plan& p, const table_info& t, engine::execution& out);
  // findAndModify of the document with `doc`'s _id: `update` applied (new: true), or, when
  // null, the document removed; the document as it became (or was), or none when no
  // document has that _id any more.
  bson_ptr find_and_modify(const std::string& table, const bson_t& doc, const bson_t* update);
  // One update with upsert: true, atomic on the server (upsert.cpp).
  void upsert(const engine::plan& p, const table_info& t, engine::execution& out);
  void restore(const std::string& table, const std::vector<bson_ptr>& docs, const std::vector<std::string>& touched,
               std::size_t n);
  void remove(const engine::plan& p, const table_info& t, engine::execution& out);
  std::int64_t next_ids(const std::string& table, std::int64_t n);  // the last of n fresh ids
  // add_field, drop_field, rename_field; `before`: the table as it is, when the caller knows
  engine::schema_step change_field(const engine::schema_op& op, const engine::table_description* before, bool dry_run);
  engine::schema_step modify_field(const engine::schema_op& op, const engine::table_description* before, bool dry_run);
  // create_index, drop_index
  engine::schema_step change_index(const engine::schema_op& op, const engine::table_description* before, bool dry_run);
  // add_constraint, drop_constraint (unique only)
  engine::schema_step change_constraint(const engine::schema_op& op, const engine::table_description* before,
                                        bool dry_run);
  engine::schema_step rename_collection(const engine::schema_op& op, const engine::table_description* before,
                                        bool dry_run);
  // `before`, else the table as tether recorded it; a schema error for one tether did not make.
  engine::table_description recorded_table(const engine::schema_op& op, const engine::table_description* before);
  void save_definition(const engine::table_description& t);
  // A collection made with tether's validator has it made again from `t` (collMod), so
  // that it holds the fields as they now are.
  void keep_validator(const engine::table_description& t);
  // listCollections' entry for `name` (its options among it), or none.
  bson_ptr listed_collection(const std::string& name);
  void forget_definition(const std::string& table);

  mongoc_client_t* client_;
  std::string database_;
  std::vector<std::string>* log_ = nullptr;
  mongoc_client_session_t* session_ = nullptr;  // made at the first begin()
  bool in_transaction_ = false;
  std::shared_ptr<recorded_definitions> definitions_;  // the recorded tables read, shared in the process
  std::uint64_t commands_ = 0;
  std::optional<bool> text_by_bytes_, whole_numbers_exact_;
  std::string lock_owner_;
};

// The error a failed command is, in tether's terms (error.cpp): 11000 is a
// unique_violation, a network failure a connection error, and so on.
error to_error(const bson_error_t& e, std::string_view what);

}  // namespace tether::detail::mongodb
