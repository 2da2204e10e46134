// The MongoDB engine against a real wire-protocol server: CongoDB by default
// (scripts/mongodb-test-server), or the mongod TETHER_MONGODB_URL names: URLs,
// collections tether records, inserts with keys and auto-increment ids, finds, counts and
// removes with every operator's tether meaning, a collection made by another program,
// field changes, partial indexes, and the refusals of what MongoDB has not.
#include <gtest/gtest.h>
#include <tether/tether.hpp>

#include <cstdlib>
#include <map>
#include <iostream>
#include <random>

#include <fmt/format.h>

#include "core/query/planner.hpp"
#include "engines/mongodb/connection.hpp"
#include "engines/mongodb/types.hpp"

namespace tether {
namespace {

class mongodb : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* url = std::getenv("TETHER_MONGODB_URL");
    if (!url) {
      if (std::getenv("CI")) FAIL() << "TETHER_MONGODB_URL is not set (scripts/run-tests starts CongoDB)";
      GTEST_SKIP() << "TETHER_MONGODB_URL is not set: scripts/run-tests starts CongoDB";
    }
    url_ = url;
    db = std::make_unique<client>(url_);
    // A migrations collection of the test's own: tests run side by side (ctest -j), and
    // one's `down` must roll back its own migrations, not another's.
    migrations_ = unique_name("migrations");
  }
  void TearDown() override {
    if (!db) return;
    for (const auto& t : tables_) {
      try {
        tether::schema(*db, {.table = migrations_}).drop(t);
      } catch (const std::exception&) {
      }
    }
    bson_t* drop = BCON_NEW("drop", BCON_UTF8(migrations_.c_str()));
    try {
      auto c = raw();
      as_mongo(*c).command(*drop, migrations_);
    } catch (const std::exception&) {
      // Never made (a test that changed no schema).
    }
    bson_destroy(drop);
  }
  std::string unique_name(std::string_view stem) {
    static std::mt19937_64 rng{std::random_device{}()};
    return fmt::format("{}_{:x}", stem, rng() & 0xffffffffu);
  }
  // A collection made by tether::schema, as a user makes one.
  std::string make_table(const value& fields) {
    const std::string t = unique_name("t");
    tether::schema(*db, {.table = migrations_}).create(t, fields);
    tables_.push_back(t);
    return t;
  }
  // Why this server does not enforce a unique index (CongoDB), or "" when it does: found
  // once per run by trying it, as a user would.
  const std::string& unique_enforced() {
    static const std::string why = [&] {
      auto c = raw();
      const std::string probe = unique_name("probe");
      auto run = [&](bson_t* cmd) {
        as_mongo(*c).command(*cmd, probe);
        bson_destroy(cmd);
      };
      run(BCON_NEW("createIndexes", BCON_UTF8(probe.c_str()), "indexes", "[", "{", "key", "{", "k", BCON_INT32(1), "}",
                   "name", BCON_UTF8("k_unique"), "unique", BCON_BOOL(true), "}", "]"));
      std::string out;
      for (int i = 0; i < 2; ++i) {
        try {
          bson_oid_t oid;
          bson_oid_init(&oid, nullptr);
          run(BCON_NEW("insert", BCON_UTF8(probe.c_str()), "documents", "[", "{", "_id", BCON_OID(&oid), "k", BCON_INT32(1),
                       "}", "]"));
          if (i == 1) out = "needs a real mongod: this server does not enforce unique indexes (CongoDB)";
        } catch (const error&) {
        }
      }
      run(BCON_NEW("drop", BCON_UTF8(probe.c_str())));
      return out;
    }();
    return why;
  }
  // A connection of the engine's own, for the commands it sends.
  std::unique_ptr<engine::connection> raw() { return tether::mongodb::make_driver()->connect(url_); }
  static detail::mongodb::connection& as_mongo(engine::connection& c) {
    return dynamic_cast<detail::mongodb::connection&>(c);
  }

  std::string url_;
  std::unique_ptr<client> db;
  std::string migrations_;
  std::vector<std::string> tables_;
};

std::vector<std::int64_t> ids(const records& r) {
  std::vector<std::int64_t> out;
  for (const record row : r) out.push_back(row.get<std::int64_t>("id"));
  return out;
}

TEST_F(mongodb, urls_are_read_by_the_drivers_parser_and_secrets_never_shown) {
  auto d = tether::mongodb::make_driver();
  EXPECT_NO_THROW(d->validate_url("mongodb://u:p@h1:27017,h2:27018/app?replicaSet=rs0&tls=true"));
  try {
    d->validate_url("mongodb://user:s3cret@host:27017");
    FAIL() << "a URL without a database was accepted";
  } catch (const error& e) {
    EXPECT_EQ(e.category(), error_category::usage);
    EXPECT_NE(std::string(e.what()).find("names no database"), std::string::npos) << e.what();
    EXPECT_EQ(std::string(e.what()).find("s3cret"), std::string::npos) << e.what();
  }
  try {
    d->validate_url("mongodb://user:s3cret@host:notaport/app");
    FAIL() << "a bad port was accepted";
  } catch (const error& e) {
    EXPECT_EQ(std::string(e.what()).find("s3cret"), std::string::npos) << e.what();
  }
  try {
    client{"mongodb://user:s3cret@127.0.0.1:1/app?serverSelectionTimeoutMS=300"};
    FAIL() << "nothing listens on port 1";
  } catch (const error& e) {
    EXPECT_EQ(e.category(), error_category::connection) << e.what();
    EXPECT_EQ(std::string(e.what()).find("s3cret"), std::string::npos) << e.what();
  }
}

TEST_F(mongodb, a_table_made_by_tether_keeps_its_fields_key_and_auto_increment_ids) {
  auto t = make_table(value::from_json(R"({"id": {"type": "bigint", "primary_key": true, "auto_increment": true},
                                            "name": {"type": "string", "required": true}, "age": "integer",
                                            "born": "date"})"));
  auto r = db->insert({.table = t, .records = {{{"name", "Ada"}, {"age", 36}, {"born", date::parse("1815-12-10")}},
                                               {{"name", "Bo"}, {"age", nullptr}, {"born", nullptr}},
                                               {{"name", "Cy"}, {"age", 17}, {"born", nullptr}}}});
  EXPECT_EQ(r.count, 3);
  ASSERT_EQ(r.inserted_ids.size(), 3u);
  EXPECT_EQ(r.inserted_ids[0], value(1));
  EXPECT_EQ(r.inserted_ids[2], value(3));
  auto ada = db->find_one({.table = t, .where = {{"id", 1}}});
  ASSERT_TRUE(ada);
  EXPECT_EQ(ada->get<std::string>("name"), "Ada");
  EXPECT_EQ(ada->get<date>("born"), date::parse("1815-12-10")) << "a date field reads back as a date";
  // A find by the key sends the key's condition (found by the key's unique index).
  auto c = raw();
  std::vector<std::string> sent;
  as_mongo(*c).log_commands(&sent);
  engine::execution e;
  const find_options by_id{.table = t, .where = {{"id", 2}}};
  c->execute(detail::plan_find(by_id, db->capabilities()), e);
  ASSERT_FALSE(sent.empty());
  EXPECT_NE(sent.back().find(R"("filter" : { "id" : { "$eq" : { "$numberInt" : "2" } } })"), std::string::npos)
      << sent.back();
  if (!unique_enforced().empty()) {
    std::cout << "[ skipped  ] a second id 1: " << unique_enforced() << "\n";
  } else {
    try {
      db->insert({.table = t, .records = {{{"id", 1}, {"name", "again"}}}});
      FAIL() << "a second id 1 was written";
    } catch (const error& e) {
      EXPECT_EQ(e.category(), error_category::unique_violation) << e.what();
    }
  }
  auto described = tether::schema(*db, {.table = migrations_}).describe(t);
  ASSERT_EQ(described["columns"].size(), 4u) << described.to_json();
  EXPECT_EQ(described["columns"][1]["name"].as_string(), "name");
  EXPECT_FALSE(described["columns"][1]["nullable"].as_bool());
}

TEST_F(mongodb, finds_counts_and_removes_mean_what_they_mean_everywhere) {
  auto t = make_table(value::from_json(R"({"id": {"type": "bigint", "primary_key": true},
                                            "name": "string", "age": "integer", "tags": "json"})"));
  db->insert({.table = t, .records = {{{"id", 1}, {"name", "Ada"}, {"age", 36}, {"tags", value::from_json(R"(["x"])")}},
                                      {{"id", 2}, {"name", "ada"}, {"age", nullptr}, {"tags", nullptr}},
                                      {{"id", 3}, {"name", "Émile"}, {"age", 17}, {"tags", value::from_json(R"([null])")}},
                                      {{"id", 4}, {"name", "50% off"}, {"age", 29}, {"tags", value::from_json("[]")}}}});
  auto where = [&](value w) {
    return ids(db->find({.table = t, .where = std::move(w), .order_by = {{"id"}}}).records);
  };
  using v = std::vector<std::int64_t>;
  EXPECT_EQ(where({{"age", {{"$gt", 20}}}}), (v{1, 4})) << "a null age never matches";
  EXPECT_EQ(where({{"age", {{"$ne", 36}}}}), (v{2, 3, 4})) << "$ne matches the null";
  EXPECT_EQ(where({{"age", nullptr}}), (v{2}));
  EXPECT_EQ(where({{"age", {{"$nin", {17, 29}}}}}), (v{1, 2}));
  EXPECT_EQ(where({{"name", {{"$like", "A%"}}}}), (v{1})) << "case-sensitive";
  EXPECT_EQ(where({{"name", {{"$ilike", "a%"}}}}), (v{1, 2}));
  EXPECT_EQ(where({{"name", {{"$like", "_mile"}}}}), (v{3})) << "_ is one character";
  EXPECT_EQ(where({{"name", {{"$contains", "%"}}}}), (v{4}));
  EXPECT_EQ(where({{"$not", {{"age", {{"$gt", 20}}}}}}), (v{2, 3}));
  EXPECT_EQ(where({{"tags", {{"$isNotNull", true}}}}), (v{1, 3, 4})) << "an array holding a null is not null";
  EXPECT_EQ(db->count({.table = t, .where = {{"age", {{"$gte", 17}}}}}), 3);
  auto page = db->find({.table = t, .order_by = {{"age", direction::desc}}, .limit = 2, .offset = 1});
  EXPECT_EQ(ids(page.records), (v{4, 3}));
  auto first = db->find({.table = t, .order_by = {{"age"}}, .limit = 1});
  EXPECT_EQ(ids(first.records), (v{2})) << "null first, ascending";
  EXPECT_EQ(db->remove({.table = t, .where = {{"age", {{"$lt", 30}}}}}).count, 2);
  EXPECT_EQ(where(value()), (v{1, 2}));
}

TEST_F(mongodb, a_collection_made_elsewhere_reads_its_fields_and_object_ids) {
  const std::string t = unique_name("outside");
  auto c = raw();
  bson_t cmd = BSON_INITIALIZER, docs, doc;
  BSON_APPEND_UTF8(&cmd, "insert", t.c_str());
  bson_append_array_begin(&cmd, "documents", -1, &docs);
  bson_append_document_begin(&docs, "0", -1, &doc);
  bson_oid_t oid;
  bson_oid_init_from_string(&oid, "6b16bcc078e9faad32aba8f9");
  BSON_APPEND_OID(&doc, "_id", &oid);
  BSON_APPEND_UTF8(&doc, "title", "made elsewhere");
  BSON_APPEND_DOUBLE(&doc, "score", 2.5);
  bson_append_document_end(&docs, &doc);
  bson_append_array_end(&cmd, &docs);
  as_mongo(*c).command(cmd, t);
  bson_destroy(&cmd);
  auto r = db->find({.table = t});
  ASSERT_EQ(r.records.size(), 1u);
  const object_id id = object_id::parse("6b16bcc078e9faad32aba8f9");
  EXPECT_EQ(r.records[0].get<object_id>("_id"), id) << "an ObjectId reads as one";
  EXPECT_EQ(r.records[0].get<std::string>("_id"), "6b16bcc078e9faad32aba8f9") << "and as its text";
  EXPECT_EQ(r.records[0].get<std::string>("title"), "made elsewhere");
  EXPECT_EQ(r.records[0].get<double>("score"), 2.5);
  auto added = db->insert({.table = t, .records = {{{"title", "from tether"}}}});
  ASSERT_EQ(added.inserted_ids.size(), 1u);
  EXPECT_EQ(added.inserted_ids[0].kind(), value_kind::object_id) << "an ObjectId made on the client";
  EXPECT_EQ(db->count({.table = t}), 2);
  // Found by its ObjectId, given as a value or in JSON, and in ranges: the server and the
  // client compare ObjectIds by their bytes.
  EXPECT_EQ(db->find({.table = t, .where = {{"_id", id}}}).records.at(0).get<std::string>("title"), "made elsewhere");
  EXPECT_EQ(db->count({.table = t, .where = value::from_json(R"({"_id": {"$oid": "6b16bcc078e9faad32aba8f9"}})")}), 1);
  EXPECT_EQ(db->count({.table = t, .where = {{"_id", {{"$in", make_array({id, added.inserted_ids[0]})}}}}}), 2);
  EXPECT_EQ(db->count({.table = t, .where = {{"_id", {{"$lte", id}}}}}), 1) << "the one made now is later";
  EXPECT_EQ(db->count({.table = t, .where = {{"_id", {{"$ne", id}}}}}), 1);
  EXPECT_EQ(db->find({.table = t, .order_by = {{"_id", direction::desc}}}).records.at(1)["_id"], value(id));
  db->update({.table = t, .data = {{"title", "changed"}}, .where = {{"_id", id}}});
  EXPECT_EQ(db->count({.table = t, .where = {{"title", "changed"}}}), 1);
  bson_t drop = BSON_INITIALIZER;
  BSON_APPEND_UTF8(&drop, "drop", t.c_str());
  as_mongo(*c).command(drop, t);
  bson_destroy(&drop);
}

// Raw commands, as mongosh's db.runCommand takes them, values bound as {"$param": N}.
TEST_F(mongodb, raw_commands_bind_params_and_give_documents_or_the_reply) {
  const std::string t = make_table(value::from_json(R"({"id": {"type": "bigint", "primary_key": true}, "name": "string", "age": "integer"})"));
  db->insert({.table = t, .records = {{{"id", 1}, {"name", "Ada"}, {"age", 36}}, {{"id", 2}, {"name", "Bob"}, {"age", 17}},
                                      {{"id", 3}, {"name", "Cy"}, {"age", 52}}}});
  auto r = db->raw({.query = R"({"find": ")" + t + R"(", "filter": {"age": {"$gte": {"$param": 1}}}, "sort": {"age": -1}, "projection": {"_id": 0}})",
                    .params = {18}});
  ASSERT_EQ(r.count, 2);
  EXPECT_EQ(r.records[0].get<std::string>("name"), "Cy");
  EXPECT_EQ(r.records[1].get<std::int64_t>("age"), 36);
  EXPECT_EQ(r.fields.size(), 3u) << "id, name and age; _id projected out";
  // A param is a value, never part of the command: an operator written as a string
  // param is that string.
  EXPECT_EQ(db->raw({.query = R"({"find": ")" + t + R"(", "filter": {"name": {"$param": 1}}})",
                     .params = {R"({"$ne": null})"}})
                .count,
            0);
  // A reply without a cursor is one row of its fields; a write's count is its "n".
  auto w = db->raw({.query = R"({"delete": ")" + t + R"(", "deletes": [{"q": {"id": {"$param": 1}}, "limit": 0}]})",
                    .params = {2}});
  EXPECT_EQ(w.count, 1);
  EXPECT_EQ(w.records.at(0).get<std::int64_t>("n"), 1);
  EXPECT_EQ(db->count({.table = t}), 2);
  // What is wrong is named.
  auto refused = [&](const std::string& query, std::vector<value> params, const std::string& says) {
    try {
      db->raw({.query = query, .params = std::move(params)});
      ADD_FAILURE() << query << " ran";
    } catch (const error& e) {
      EXPECT_NE(std::string(e.what()).find(says), std::string::npos) << e.what();
    }
  };
  refused("find users", {}, "Extended JSON");
  refused("{}", {}, "first field names the command");
  refused(R"({"find": ")" + t + R"(", "filter": {"id": {"$param": 2}}})", {1}, "it gives 1");
  refused(R"({"find": ")" + t + R"(", "filter": {"id": {"$param": "x"}}})", {1}, "number N from 1");
  refused(R"({"noSuchCommand": 1})", {}, "noSuchCommand");
}

// A stream of a large collection holds a batch at a time and gives every match once.
TEST_F(mongodb, a_stream_gives_every_match_once_in_chunks) {
  const std::string t = make_table(value::from_json(R"({"id": {"type": "bigint", "primary_key": true}, "age": "integer"})"));
  std::vector<value> many;
  for (int i = 0; i < 3100; ++i) many.push_back(object{{"id", i}, {"age", i % 7}});
  db->insert({.table = t, .records = many});
  std::int64_t rows = 0, sum = 0;
  for (const record r : db->stream({.table = t, .select = {"id"}, .where = {{"age", 3}}}, 250)) {
    ++rows;
    sum += r.get<std::int64_t>("id");
  }
  std::int64_t want_rows = 0, want_sum = 0;
  for (int i = 0; i < 3100; ++i)
    if (i % 7 == 3) ++want_rows, want_sum += i;
  EXPECT_EQ(rows, want_rows);
  EXPECT_EQ(sum, want_sum);
}

// Every new value is computed before anything is written: an update that fails on one
// document (here the 1,501st, past the first command's 1,000) changes none.
TEST_F(mongodb, an_update_that_fails_on_one_document_changes_none) {
  const std::string t = make_table(value::from_json(R"({"id": {"type": "bigint", "primary_key": true}, "n": "bigint", "s": "string"})"));
  std::vector<value> many;
  for (int i = 0; i < 1500; ++i) many.push_back(object{{"id", i}, {"n", i}, {"s", "a"}});
  many.push_back(object{{"id", 1500}, {"n", std::numeric_limits<std::int64_t>::max()}, {"s", "a"}});
  db->insert({.table = t, .records = many});
  for (const char* op : {"$inc", "$concat"}) {  // the server's operator, and the client's by _id
    const value change = std::string_view(op) == "$inc" ? value{{"$inc", {{"n", 1}}}} : value{{"$concat", {{"s", "b"}}}};
    value data = change;
    if (std::string_view(op) == "$concat") data = value{{"$concat", {{"s", "b"}}}, {"$inc", {{"n", 1}}}};
    EXPECT_THROW(db->update({.table = t, .data = data, .where = {{"s", "a"}}}), error) << op;
    EXPECT_EQ(db->count({.table = t, .where = {{"s", "a"}}}), 1501) << op;
    EXPECT_EQ(db->count({.table = t, .where = {{"n", 0}}}), 1) << op << ": nothing written";
  }
}

// A collection made elsewhere is described from what MongoDB keeps: its validator's
// fields and its indexes.
TEST_F(mongodb, a_collection_made_elsewhere_is_described_from_its_validator_and_indexes) {
  const std::string t = unique_name("outside");
  db->raw({.query = R"({"create": ")" + t + R"(", "validator": {"$jsonSchema": {"bsonType": "object", "required": ["title", "n"],
             "properties": {"_id": {"bsonType": "objectId"}, "title": {"bsonType": "string", "description": "the name"},
                            "n": {"bsonType": ["long", "null"]}, "state": {"enum": ["new", "done"], "bsonType": "string"},
                            "at": {"bsonType": "date"}}}}})"});
  db->raw({.query = R"({"createIndexes": ")" + t + R"(", "indexes": [
             {"key": {"title": 1}, "name": "by_title", "unique": true},
             {"key": {"at": -1}, "name": "by_at", "expireAfterSeconds": 60, "sparse": true},
             {"key": {"title": "text"}, "name": "search"}]})"});
  const value d = tether::schema(*db).describe(t);
  std::map<std::string, value> by_name;
  for (const auto& i : d["indexes"].as_array()) by_name[i["name"].as_string()] = i;
  ASSERT_EQ(by_name.size(), 2u) << "the text index tether cannot express is left out: " << d.to_json();
  EXPECT_EQ(by_name["by_title"]["unique"], value(true)) << d.to_json();
  EXPECT_EQ(by_name["by_at"]["fields"], make_array({"at"})) << d.to_json();
  EXPECT_EQ(by_name["by_at"]["expire_after_seconds"], value(60)) << d.to_json();
  EXPECT_EQ(by_name["by_at"]["sparse"], value(true)) << d.to_json();
  if (d["columns"].as_array().empty()) {
    std::cout << "[ NOTE     ] this server keeps no validator (CongoDB): the fields from $jsonSchema need a real mongod\n";
  } else {
    ASSERT_EQ(d["columns"].size(), 4u) << d.to_json();
    EXPECT_EQ(d["columns"][std::size_t{0}]["name"].as_string(), "title");
    EXPECT_EQ(d["columns"][std::size_t{0}]["nullable"], value(false));
    EXPECT_EQ(d["columns"][std::size_t{1}]["type"].as_string(), "bigint");
    EXPECT_EQ(d["columns"][std::size_t{1}]["nullable"], value(true)) << "its bsonType allows null";
    EXPECT_EQ(d["columns"][std::size_t{2}]["type"].as_string(), "enum");
    EXPECT_EQ(d["columns"][std::size_t{3}]["type"].as_string(), "timestamp");
  }
  db->raw({.query = R"({"drop": ")" + t + R"("})"});
  EXPECT_THROW(tether::schema(*db).describe(t), error) << "gone";
}

// create's validator: true: tether's own writes fit it, and (on a server that keeps
// validators) a document written around tether that does not is refused.
TEST_F(mongodb, a_validator_made_from_the_fields_takes_tethers_writes) {
  const std::string t = unique_name("valid");
  tether::schema(*db, {.table = migrations_})
      .create(t, value::from_json(R"({"id": {"type": "bigint", "primary_key": true, "auto_increment": true},
                                      "price": {"type": "decimal", "precision": 8, "scale": 2}, "qty": "integer",
                                      "at": "timestamp", "state": {"type": "enum", "enum_values": ["new", "done"], "required": true}})"),
              {{"validator", true}});
  tables_.push_back(t);
  db->insert({.table = t, .records = {{{"price", decimal::parse("1.5")}, {"qty", 3}, {"state", "new"},
                                       {"at", timestamp::parse("2026-12-08T00:00:00Z")}},
                                      {{"price", 2}, {"qty", std::int64_t{1} << 40}, {"state", "done"}, {"at", nullptr}}}});
  tether::schema(*db, {.table = migrations_}).add_field(t, "note", value::from_json(R"({"type": "text"})"));
  db->insert({.table = t, .records = {{{"state", "new"}, {"note", "after a field change"}}}});
  EXPECT_EQ(db->count({.table = t}), 3);
  const auto listed = db->raw({.query = R"({"listCollections": 1, "filter": {"name": ")" + t + R"("}})"});
  const value options = listed.records.at(0)["options"];
  if (!options.is_object() || !options.find("validator")) {
    std::cout << "[ NOTE     ] this server keeps no validator (CongoDB): its refusals need a real mongod\n";
    return;
  }
  try {
    db->raw({.query = R"({"insert": ")" + t + R"(", "documents": [{"id": 99, "state": "lost", "qty": "three"}]})"});
    ADD_FAILURE() << "a document that does not fit the validator was written";
  } catch (const error& e) {
    EXPECT_EQ(e.category(), error_category::check_violation) << e.what();
  }
}

TEST_F(mongodb, updates_compute_each_documents_new_values_as_sql_does) {
  auto t = make_table(value::from_json(R"({"id": {"type": "bigint", "primary_key": true}, "n": "integer",
                                            "label": {"type": "string", "required": true}, "note": "string"})"));
  db->insert({.table = t, .records = {{{"id", 1}, {"n", 1}, {"label", "a"}, {"note", "x"}},
                                      {{"id", 2}, {"n", nullptr}, {"label", "b"}, {"note", "y"}},
                                      {{"id", 3}, {"n", 5}, {"label", "c"}, {"note", "z"}}}});
  auto r = db->update({.table = t, .data = {{"$inc", {{"n", 10}}}, {"$concat", {{"label", "!"}}}},
                       .where = {{"id", {{"$lte", 2}}}}});
  EXPECT_EQ(r.count, 2);
  auto rows = db->find({.table = t, .order_by = {{"id"}}}).records;
  EXPECT_EQ(rows[0].get<std::int64_t>("n"), 11);
  EXPECT_EQ(rows[1].get<std::int64_t>("n"), 10) << "null counts as 0";
  EXPECT_EQ(rows[1].get<std::string>("label"), "b!");
  EXPECT_EQ(rows[2].get<std::int64_t>("n"), 5) << "outside the where";
  db->update({.table = t, .data = {{"note", nullptr}}, .where = {{"id", 3}}});
  EXPECT_TRUE(db->find_one({.table = t, .where = {{"id", 3}}})->is_null("note"));
  EXPECT_EQ(db->count({.table = t, .where = {{"note", nullptr}}}), 1);
  try {
    db->update({.table = t, .data = {{"label", nullptr}}, .where = {{"id", 1}}});
    FAIL() << "a required field was set to null";
  } catch (const error& e) {
    EXPECT_EQ(e.category(), error_category::not_null_violation) << e.what();
  }
  EXPECT_EQ(db->update({.table = t, .data = {{"id", 9}}, .where = {{"id", 1}}}).count, 1) << "a key changes as any field";
  EXPECT_EQ(db->find_one({.table = t, .where = {{"id", 9}}})->get<std::string>("label"), "a!");
}

TEST_F(mongodb, fields_are_added_renamed_and_dropped_on_every_document_and_back) {
  auto t = make_table(value::from_json(R"({"id": {"type": "bigint", "primary_key": true}, "name": "string"})"));
  db->insert({.table = t, .records = {{{"id", 1}, {"name", "Ada"}}, {{"id", 2}, {"name", "Bo"}}}});
  tether::schema s(*db, {.table = migrations_});
  s.add_field(t, "score", {{"type", "integer"}, {"default", 5}});
  auto rows = db->find({.table = t, .order_by = {{"id"}}}).records;
  EXPECT_EQ(rows[0].get<std::int64_t>("score"), 5) << "the default, on the documents there were";
  EXPECT_EQ(rows[1].get<std::int64_t>("score"), 5);
  s.add_field(t, "note", "string");  // no default: the documents stay as they are
  EXPECT_TRUE(db->find_one({.table = t, .where = {{"id", 1}}})->is_null("note"));
  s.rename_field(t, "name", "label");
  rows = db->find({.table = t, .order_by = {{"id"}}}).records;
  EXPECT_EQ(rows[0].get<std::string>("label"), "Ada") << "the values moved with the name";
  EXPECT_FALSE(rows.column_index("name")) << "no field of the old name is left";
  s.drop_field(t, "score");
  EXPECT_THROW(db->count({.table = t, .where = {{"score", 5}}}), error) << "no such field any more";
  auto c = raw();
  bson_t* left = BCON_NEW("find", BCON_UTF8(t.c_str()), "filter", "{", "score", "{", "$exists", BCON_BOOL(true), "}", "}");
  const std::string reply = detail::mongodb::canonical_json(*as_mongo(*c).command(*left, t));
  bson_destroy(left);
  EXPECT_NE(reply.find(R"("firstBatch" : [  ])"), std::string::npos) << "dropped from every document: " << reply;
  auto described = s.describe(t);
  ASSERT_EQ(described["columns"].size(), 3u) << described.to_json();
  EXPECT_EQ(described["columns"][1]["name"].as_string(), "label");
  // Each change has its inverse: down four steps gives back name, without note or score.
  tether::migrator(*db, {.table = migrations_}).down(4);
  rows = db->find({.table = t, .order_by = {{"id"}}}).records;
  EXPECT_EQ(rows[1].get<std::string>("name"), "Bo");
  EXPECT_FALSE(rows.column_index("score")) << "the add_field undone";
}

// A partial index's where becomes a partialFilterExpression that holds on exactly the
// documents the tether filter holds on; what it cannot hold so is refused by name before
// anything is made, and a field change carries the where along.
TEST_F(mongodb, a_partial_index_holds_only_what_mongodb_compares_as_tether_does) {
  auto t = make_table(value::from_json(
      R"({"id": {"type": "bigint", "primary_key": true}, "n": "integer", "code": "text", "tags": "json"})"));
  tether::schema s(*db, {.table = migrations_});
  auto refused = [&](const char* where, std::string_view says, error_category category) {
    try {
      s.create_index(t, {"n"}, {{"name", "bad"}, {"where", value::from_json(where)}});
      FAIL() << where << " was taken";
    } catch (const error& e) {
      EXPECT_EQ(e.category(), category) << e.what();
      EXPECT_NE(std::string(e.what()).find(says), std::string::npos) << e.what();
    }
  };
  refused(R"({"code": {"$gt": 5}})", R"($gt on "code" (text) takes text)", error_category::usage);
  refused(R"({"n": {"$lt": 9007199254740993}})", "a number within", error_category::usage);
  refused(R"({"tags": "a"})", "(json) cannot be compared", error_category::usage);
  refused(R"({"n": {"$ne": 1}})", "$ne in the where of partial index \"bad\"", error_category::unsupported);
  refused(R"({"$not": {"n": 1}})", "$not in the where", error_category::unsupported);
  refused(R"({"code": null})", "$isNull", error_category::unsupported);
  EXPECT_TRUE(s.indexes(t).as_array().empty()) << "nothing was recorded";
  // A where as MongoDB's own text that is not Extended JSON is named.
  try {
    s.create_index(t, {"n"}, {{"name", "native"}, {"where", "n > 0"}});
    FAIL() << "SQL text was taken as a partialFilterExpression";
  } catch (const error& e) {
    EXPECT_EQ(e.category(), error_category::usage) << e.what();
    EXPECT_NE(std::string(e.what()).find("Extended JSON"), std::string::npos) << e.what();
  }
  s.create_index(t, {"n"}, {{"name", "some"}, {"where", value::from_json(R"({"code": {"$in": ["a", "b"]}, "n": {"$gte": 1}})")}});
  auto listed = [&] {
    auto c = raw();
    bson_t* cmd = BCON_NEW("listIndexes", BCON_UTF8(t.c_str()));
    std::string reply = detail::mongodb::canonical_json(*as_mongo(*c).command(*cmd, t));
    bson_destroy(cmd);
    return reply;
  };
  // CongoDB keeps no partialFilterExpression: then the golden test (tests/render/) pins
  // the command, and what the server keeps needs a real mongod.
  const bool kept = listed().find(R"("partialFilterExpression")") != std::string::npos;
  if (!kept)
    std::cout << "[ NOTE     ] this server lists no partialFilterExpression (CongoDB): that it keeps one needs a real "
                 "mongod\n";
  // Renaming a field the where names makes the index again with the new name in its where;
  // dropping it drops the index, as PostgreSQL does.
  s.rename_field(t, "code", "sku");
  auto idx = s.indexes(t);
  ASSERT_EQ(idx.size(), 1u) << idx.to_json();
  EXPECT_EQ(idx[0]["where"], value::from_json(R"({"sku": {"$in": ["a", "b"]}, "n": {"$gte": 1}})")) << idx.to_json();
  if (kept) {
    EXPECT_NE(listed().find(R"("sku" : { "$in")"), std::string::npos) << listed();
  }
  s.drop_field(t, "sku");
  EXPECT_TRUE(s.indexes(t).as_array().empty()) << s.indexes(t).to_json();
  EXPECT_EQ(listed().find(R"("name" : "some")"), std::string::npos) << "dropped on the server: " << listed();
}

// A transaction commits what it wrote (that a rollback undoes it needs a real mongod:
// CongoDB applies each write at once, and the conformance suite's transaction tests skip
// there, saying so).
TEST_F(mongodb, a_transaction_commits_its_writes_and_reads_them_inside) {
  auto t = make_table(value::from_json(R"({"id": {"type": "bigint", "primary_key": true}, "n": "integer"})"));
  auto tx = db->begin();
  tx.insert({.table = t, .records = {{{"id", 1}, {"n", 1}}, {{"id", 2}, {"n", 2}}}});
  EXPECT_EQ(tx.count({.table = t}), 2) << "its reads see its writes";
  tx.commit();
  EXPECT_EQ(db->count({.table = t}), 2);
  EXPECT_THROW(db->begin({.isolation = isolation::read_committed}), error) << "MongoDB's one level is snapshot";
}

// A conflict on a unique index's field (CongoDB does not enforce the index; tether looks
// the conflicts up itself, so this holds on both servers), and returning.
TEST_F(mongodb, on_conflict_and_upsert_go_by_a_unique_index_and_return_what_was_written) {
  auto t = make_table(value::from_json(R"({"id": {"type": "bigint", "primary_key": true, "auto_increment": true},
                                           "email": "string", "n": "integer"})"));
  tether::schema(*db, {.table = migrations_}).create_index(t, {"email"}, {{"unique", true}});
  db->insert({.table = t, .records = {{{"email", "a@x"}, {"n", 1}}, {{"email", "b@x"}, {"n", 2}}}});
  auto ignored = db->insert({.table = t,
                             .records = {{{"email", "a@x"}, {"n", 9}}, {{"email", "c@x"}, {"n", 3}}},
                             .on_conflict = on_conflict{{"email"}, conflict_action::ignore, {}}});
  EXPECT_EQ(ignored.count, 1);
  auto updated = db->insert({.table = t,
                             .records = {{{"email", "b@x"}, {"n", 20}}, {{"email", "d@x"}, {"n", 4}},
                                         {{"email", "d@x"}, {"n", 40}}},
                             .returning = {"email", "n"},
                             .on_conflict = on_conflict{{"email"}, conflict_action::update, {"n"}}});
  EXPECT_EQ(updated.count, 2) << "d@x is inserted once, with the later record's n";
  EXPECT_EQ(updated.records.to_json(), R"([{"email":"d@x","n":40},{"email":"b@x","n":20}])");
  auto rows = db->find({.table = t, .order_by = {{"email"}}}).records;
  std::vector<std::int64_t> ns;
  for (const record r : rows) ns.push_back(r.get<std::int64_t>("n"));
  EXPECT_EQ(ns, (std::vector<std::int64_t>{1, 20, 3, 40}));
  // upsert: inserted, then updated, each reporting the document as stored.
  auto first = db->upsert({.table = t, .data = {{"email", "e@x"}, {"n", 5}}, .conflict_keys = {"email"}});
  EXPECT_EQ(first.operation, upsert_operation::inserted);
  auto second = db->upsert({.table = t, .data = {{"email", "e@x"}, {"n", 50}}, .conflict_keys = {"email"}});
  EXPECT_EQ(second.operation, upsert_operation::updated);
  EXPECT_EQ(second.records.front().get<std::int64_t>("n"), 50);
  EXPECT_EQ(second.records.front().get<std::int64_t>("id"), first.records.front().get<std::int64_t>("id"));
  EXPECT_EQ(db->count({.table = t}), 5);
  // A conflict target no unique index covers is refused, as SQL refuses it.
  try {
    db->insert({.table = t, .records = {{{"email", "f@x"}, {"n", 5}}},
                .on_conflict = on_conflict{{"n"}, conflict_action::ignore, {}}});
    FAIL() << "a conflict on a field no unique index covers ran";
  } catch (const error& e) {
    EXPECT_EQ(e.category(), error_category::usage);
    EXPECT_NE(std::string(e.what()).find("(n)"), std::string::npos) << e.what();
  }
  // returning on update and remove: the documents as they become, and as they were.
  auto changed = db->update({.table = t, .data = {{"$inc", {{"n", 1}}}}, .where = {{"email", "a@x"}}, .returning = {"n"}});
  EXPECT_EQ(changed.records.to_json(), R"([{"n":2}])");
  // An operator written as a field's value is an object, which an integer field refuses.
  try {
    db->update({.table = t, .data = {{"n", {{"$inc", 1}}}}, .where = {{"email", "a@x"}}});
    FAIL() << "an object was stored in an integer field";
  } catch (const error& e) {
    EXPECT_EQ(e.category(), error_category::usage);
    EXPECT_NE(std::string(e.what()).find("\"n\" is integer"), std::string::npos) << e.what();
  }
  auto gone = db->remove({.table = t, .where = {{"n", {{"$gte", 40}}}}, .returning = {"email"}});
  EXPECT_EQ(gone.records.to_json(), R"([{"email":"d@x"},{"email":"e@x"}])");
}

}  // namespace
}  // namespace tether
