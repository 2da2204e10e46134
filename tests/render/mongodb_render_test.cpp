// Golden commands: the documents the MongoDB engine sends for each call kind, as canonical
// Extended JSON, as libmongoc's command monitoring saw them go to CongoDB
// (scripts/mongodb-test-server), session fields and all: "lsid" (the session) on every
// one, and in a transaction its number, startTransaction and autocommit, then
// commitTransaction or abortTransaction; CongoDB ignores them (it neither isolates nor
// rolls back), so these goldens are what pins them.
// "$T" and "$U" stand for the test's table names, "…" for what differs from run to run
// (ObjectIds made on the client, the lock's owner and moments).
#include <gtest/gtest.h>

#include <chrono>
#include <iostream>
#include <regex>

#include "conformance.hpp"
#include "core/query/planner.hpp"
#include "engines/mongodb/connection.hpp"
#include "tether/engines/mongodb.hpp"

namespace tether::conformance {
namespace {

class mongodb_commands : public fixture {
 protected:
  void SetUp() override {
    fixture::SetUp();
    t_ = make_tether_table(value::from_json(
        R"j({"id": {"type": "bigint", "primary_key": true, "auto_increment": true}, "name": "string", "age": "integer"})j"));
    db->insert({.table = t_, .records = {{{"name", "Ada"}, {"age", 36}}, {{"name", "Bob"}, {"age", 17}}}});
    c_ = tether::mongodb::make_driver()->connect(url_);
    mongo().log_commands(&sent_);
  }
  detail::mongodb::connection& mongo() { return dynamic_cast<detail::mongodb::connection&>(*c_); }
  engine::execution run(const engine::plan& p) {
    sent_.clear();
    engine::execution e;
    c_->execute(p, e);
    return e;
  }
  void apply(engine::schema_op op) {
    sent_.clear();
    c_->schema_part()->apply(op, nullptr, false);
  }
  // The commands sent since the last run() or apply(), one a line, normalised; the
  // definition's lookup in tether_schema left out (it is kept for a moment, so whether a
  // call sends it depends on the calls before: the test below pins it).
  std::string sent(const std::string& u = "") const {
    std::string out;
    for (const auto& c : sent_) {
      if (c.starts_with(R"({ "find" : "tether_schema", "filter" : { "table" : )")) continue;
      if (c.starts_with(R"({ "endSessions")")) continue;  // libmongoc's, as a client goes
      std::string s = c;
      auto replace = [&s](const std::string& from, const std::string& to) {
        for (std::size_t at = 0; !from.empty() && (at = s.find(from, at)) != std::string::npos; at += to.size())
          s.replace(at, from.size(), to);
      };
      if (!u.empty()) replace(u, "$U");
      replace(t_, "$T");
      replace("\"" + database() + ".", "\"$D.");
      replace("\"$db\" : \"" + database() + "\"", "\"$db\" : \"$D\"");
      s = std::regex_replace(s, std::regex(R"("lsid" : \{ "id" : \{ "\$binary" : \{ "base64" : "[^"]*", "subType" : "04" \} \} \})"),
                             R"("lsid" : "…")");
      s = std::regex_replace(s, std::regex(R"(\{ "\$oid" : "[0-9a-f]{24}" \})"), R"("…")");
      s = std::regex_replace(s, std::regex(R"(\{ "\$date" : \{ "\$numberLong" : "[0-9]+" \} \})"), R"("…")");
      s = std::regex_replace(s, std::regex(R"("owner" : "[0-9a-f]{24}")"), R"("owner" : "…")");
      out += s + "\n";
    }
    return out;
  }
  // The URL's database (renameCollection names it).
  std::string database() const {
    const std::size_t slash = url_.rfind('/'), query = url_.find('?');
    return url_.substr(slash + 1, query == std::string::npos ? std::string::npos : query - slash - 1);
  }
  std::string t_;
  std::unique_ptr<engine::connection> c_;
  std::vector<std::string> sent_;
};

// A call reads its table's definition once (one find in tether_schema), and the calls
// after it, for a second, find it kept (recorded_definitions.hpp).
TEST_F(mongodb_commands, a_definition_is_read_once_and_kept_for_a_moment) {
  engine::schema_op add{.kind = engine::schema_op_kind::add_field, .table = t_};
  add.fields = {{.name = "nick", .type = field_type::string}};
  apply(add);  // a schema change made here: the definition is forgotten
  const auto started = std::chrono::steady_clock::now();
  const find_options all{.table = t_};
  run(detail::plan_find(all, db->capabilities()));
  ASSERT_EQ(sent_.size(), 2u);
  EXPECT_TRUE(sent_[0].starts_with(R"({ "find" : "tether_schema", "filter" : { "table" : ")" + t_ + "\""))
      << sent_[0];
  run(detail::plan_find(all, db->capabilities()));
  if (std::chrono::steady_clock::now() - started < std::chrono::milliseconds(900))
    EXPECT_EQ(sent_.size(), 1u) << "the definition was kept";
  else
    std::cout << "[ NOTE     ] the machine took a second between two finds; the kept definition expired\n";
}

TEST_F(mongodb_commands, reads) {
  run(detail::plan_find({.table = t_, .where = {{"name", "Ada"}, {"age", {{"$gte", 18}}}}, .order_by = {{"age"}}, .limit = 5},
                        db->capabilities()));
  EXPECT_EQ(sent(),
            R"({ "find" : "$T", "filter" : { "name" : { "$eq" : "Ada" } }, "batchSize" : { "$numberInt" : "1000" }, "$db" : "$D", "lsid" : "…" })" "\n");
  // A count whose filter MongoDB holds exactly is the server's; else it reads only the
  // fields its filter tests; a find of named columns only those and the ones its filter
  // and order name.
  auto e = run(detail::plan_count({.table = t_, .where = {{"name", {{"$startsWith", "A"}}}}}, db->capabilities()));
  EXPECT_EQ(sent(),
            R"({ "aggregate" : "$T", "pipeline" : [ { "$match" : { "name" : { "$regex" : "^A" } } }, { "$group" : { "_id" : null, "a0" : { "$sum" : { "$numberInt" : "1" } } } } ], "cursor" : { "batchSize" : { "$numberInt" : "1000" } }, "$db" : "$D", "lsid" : "…" })" "\n");
  EXPECT_EQ(e.rows.get(0, 0), value(1));
  e = run(detail::plan_count({.table = t_, .where = {{"name", {{"$startsWith", "Z"}}}}}, db->capabilities()));
  EXPECT_EQ(e.rows.get(0, 0), value(0)) << "no group comes back when none matched: a count of 0";
  run(detail::plan_count({.table = t_, .where = {{"name", {{"$endsWith", "a"}}}}}, db->capabilities()));
  EXPECT_EQ(sent(),
            R"({ "find" : "$T", "filter" : { "name" : { "$regex" : "a$" } }, "projection" : { "name" : { "$numberInt" : "1" } }, "batchSize" : { "$numberInt" : "1000" }, "$db" : "$D", "lsid" : "…" })" "\n")
      << "$ may match before a final newline on PCRE: tested on the client";
  const std::vector<std::string> names{"name"};
  run(detail::plan_find({.table = t_, .select = names, .where = {{"age", {{"$ne", 3}}}}, .order_by = {{"id"}}},
                        db->capabilities()));
  EXPECT_EQ(sent(),
            R"({ "find" : "$T", "filter" : {  }, "projection" : { "name" : { "$numberInt" : "1" }, "age" : { "$numberInt" : "1" }, "id" : { "$numberInt" : "1" } }, "batchSize" : { "$numberInt" : "1000" }, "$db" : "$D", "lsid" : "…" })" "\n");
}

// A find reads batch by batch and keeps only the matches; without an order it stops (and
// kills the cursor) once it has its offset plus limit of them, and reads on while it has not.
TEST_F(mongodb_commands, a_limited_find_reads_no_further_than_it_needs) {
  std::vector<value> many;
  for (int i = 0; i < 2500; ++i) many.push_back(object{{"name", "n"}, {"age", i}});
  db->insert({.table = t_, .records = many});
  // A filter MongoDB holds exactly (here none): the server skips and limits.
  auto e = run(detail::plan_find({.table = t_, .limit = 3, .offset = 1}, db->capabilities()));
  ASSERT_EQ(e.rows.size(), 3u);
  EXPECT_EQ(e.rows.get(0, *e.rows.column_index("name")).as_string(), "Bob");
  std::string s = sent();
  EXPECT_EQ(s, R"({ "find" : "$T", "filter" : {  }, "skip" : { "$numberLong" : "1" }, "limit" : { "$numberLong" : "3" }, "batchSize" : { "$numberInt" : "1000" }, "$db" : "$D", "lsid" : "…" })" "\n");
  // One it does not (an $endsWith): the client tests, and kills the cursor once it has
  // the offset plus limit of matches.
  e = run(detail::plan_find({.table = t_, .where = {{"name", {{"$endsWith", "n"}}}}, .limit = 3, .offset = 1}, db->capabilities()));
  ASSERT_EQ(e.rows.size(), 3u);
  s = sent();
  EXPECT_NE(s.find(R"({ "killCursors" : "$T", "cursors" : [ { "$numberLong" : ")"), std::string::npos) << s;
  EXPECT_EQ(s.find("getMore"), std::string::npos) << s;
  // The first match is in the second batch (a range on an integer field is tested on the
  // client: filter.hpp), so the cursor is read on to it, and no further.
  e = run(detail::plan_find({.table = t_, .where = {{"age", {{"$gt", 1500}}}}, .limit = 1}, db->capabilities()));
  ASSERT_EQ(e.rows.size(), 1u);
  EXPECT_EQ(e.rows.get(0, *e.rows.column_index("age")).as_int(), 1501);
  s = sent();
  EXPECT_NE(s.find("getMore"), std::string::npos) << s;
  EXPECT_NE(s.find("killCursors"), std::string::npos) << s;
}

// An ordered find whose filter MongoDB holds exactly, on columns the server orders as
// tether does, is the server's sort, skip and limit: a double, a timestamp. Text and
// 64-bit integers are too where the server orders them as tether does, which it is asked
// once per connection; CongoDB does not (UTF-16 units, integers as doubles), so there
// the client orders them.
TEST_F(mongodb_commands, an_ordered_find_is_sorted_by_the_server_where_it_means_the_same) {
  const std::string u = make_tether_table(value::from_json(
      R"({"id": {"type": "bigint", "primary_key": true}, "name": "string", "score": "double", "seen": "timestamp"})"));
  std::vector<value> rows;
  for (int i = 1; i <= 6; ++i) rows.push_back(object{{"id", i}, {"name", std::string(1, static_cast<char>('a' + i))}, {"score", i * 1.5}});
  db->insert({.table = u, .records = rows});
  const auto caps = db->capabilities();
  const std::vector<std::string> ids{"id"};
  auto e = run(detail::plan_find({.table = u, .select = ids, .where = {{"score", {{"$gt", 2.0}}}}, .order_by = {{"score", direction::desc}},
                                  .limit = 2, .offset = 1},
                                 caps));
  EXPECT_EQ(sent(u),
            R"({ "find" : "$U", "filter" : { "score" : { "$gt" : { "$numberDouble" : "2.0" } } }, "sort" : { "score" : { "$numberInt" : "-1" } }, "projection" : { "id" : { "$numberInt" : "1" }, "score" : { "$numberInt" : "1" } }, "skip" : { "$numberLong" : "1" }, "limit" : { "$numberLong" : "2" }, "batchSize" : { "$numberInt" : "1000" }, "$db" : "$D", "lsid" : "…" })" "\n");
  ASSERT_EQ(e.rows.size(), 2u);
  EXPECT_EQ(e.rows.column_count(), 1u) << "the selected columns only";
  EXPECT_EQ(e.rows.get(0, 0), value(5));
  EXPECT_EQ(e.rows.get(1, 0), value(4));
  // Inside a transaction the server is not asked (a refused command would abort it): the
  // client orders text there until the connection has asked outside one.
  c_->transactions_part()->begin({});
  e = run(detail::plan_find({.table = u, .order_by = {{"name", direction::desc}}, .limit = 1}, caps));
  EXPECT_EQ(sent(u).find("$documents"), std::string::npos) << sent(u);
  c_->transactions_part()->commit();
  ASSERT_EQ(e.rows.size(), 1u);
  EXPECT_EQ(e.rows.get(0, *e.rows.column_index("name")), value("g"));
  // By text: the server is asked once how it orders text, then sorts, or the client does.
  e = run(detail::plan_find({.table = u, .order_by = {{"name", direction::desc}}, .limit = 1}, caps));
  std::string s = sent(u);
  EXPECT_TRUE(s.starts_with(R"({ "aggregate" : { "$numberInt" : "1" }, "pipeline" : [ { "$documents" : [ { "v" : "ｆ" }, { "v" : "😀" } ] }, { "$sort" : { "v" : { "$numberInt" : "-1" } } } ], "cursor" : {  }, "$db" : "$D", "lsid" : "…" })" "\n"))
      << s;
  ASSERT_EQ(e.rows.size(), 1u);
  EXPECT_EQ(e.rows.get(0, *e.rows.column_index("name")), value("g"));
  run(detail::plan_find({.table = u, .order_by = {{"name"}}, .limit = 1}, caps));
  EXPECT_EQ(sent(u).find("$documents"), std::string::npos) << "asked once a connection";
}

// An aggregate whose filter MongoDB holds exactly is $match and $group on the server:
// the group keys, a sum with the count of values beside it (MongoDB's $sum of none is 0,
// tether's null), min and max; the having, order and page then on the client.
TEST_F(mongodb_commands, an_aggregate_is_grouped_by_the_server_where_it_means_the_same) {
  const std::string u = make_tether_table(value::from_json(
      R"({"id": {"type": "bigint", "primary_key": true}, "team": "string", "score": "double", "seen": "timestamp"})"));
  db->insert({.table = u, .records = {{{"id", 1}, {"team", "a"}, {"score", 1.5}}, {{"id", 2}, {"team", "a"}, {"score", 2.5}},
                                      {{"id", 3}, {"team", "b"}, {"score", 4.0}}, {{"id", 4}, {"team", "c"}, {"score", nullptr}}}});
  const auto caps = db->capabilities();
  auto e = run(detail::plan_aggregate({.table = u,
                                       .operations = {{"total", {{"$sum", "score"}}}, {"n", {{"$count", "*"}}},
                                                      {"low", {{"$min", "score"}}}, {"mean", {{"$avg", "score"}}}},
                                       .where = {{"id", {{"$in", {1, 2, 3, 4}}}}},
                                       .group_by = {"team"},
                                       .having = {{"n", {{"$gte", 1}}}},
                                       .order_by = {{"team", direction::desc}}},
                                      caps));
  EXPECT_EQ(sent(u),
            R"({ "aggregate" : "$U", "pipeline" : [ { "$match" : { "id" : { "$in" : [ { "$numberInt" : "1" }, { "$numberInt" : "2" }, { "$numberInt" : "3" }, { "$numberInt" : "4" } ] } } }, { "$group" : { "_id" : { "g0" : "$team" }, "a0" : { "$sum" : "$score" }, "n0" : { "$sum" : { "$cond" : [ { "$eq" : [ { "$ifNull" : [ "$score", null ] }, null ] }, { "$numberInt" : "0" }, { "$numberInt" : "1" } ] } }, "a1" : { "$sum" : { "$numberInt" : "1" } }, "a2" : { "$min" : "$score" }, "a3" : { "$sum" : "$score" }, "n3" : { "$sum" : { "$cond" : [ { "$eq" : [ { "$ifNull" : [ "$score", null ] }, null ] }, { "$numberInt" : "0" }, { "$numberInt" : "1" } ] } } } } ], "cursor" : { "batchSize" : { "$numberInt" : "1000" } }, "$db" : "$D", "lsid" : "…" })" "\n");
  ASSERT_EQ(e.rows.size(), 3u);
  EXPECT_EQ(e.rows.get(0, 0), value("c")) << "ordered on the client";
  EXPECT_TRUE(e.rows.get(0, 1).is_null()) << "a sum of no values is null, not MongoDB's 0";
  EXPECT_EQ(e.rows.get(0, 2), value(1));
  EXPECT_EQ(e.rows.get(2, 1), value(4.0));
  EXPECT_EQ(e.rows.get(2, 3), value(1.5));
  EXPECT_EQ(e.rows.get(2, 4), value(2.0));
  // No match and no group_by: one row of a zero count and a null sum, as on SQL.
  e = run(detail::plan_aggregate({.table = u, .operations = {{"total", {{"$sum", "score"}}}, {"n", {{"$count", "*"}}}},
                                  .where = {{"id", 99}}},
                                 caps));
  ASSERT_EQ(e.rows.size(), 1u);
  EXPECT_TRUE(e.rows.get(0, 0).is_null());
  EXPECT_EQ(e.rows.get(0, 1), value(0));
}

// A stream of a find without an order reads the server's batches as rows are asked for:
// one getMore when the rows run past the first batch, and the cursor killed when the
// stream ends before the server's cursor does.
TEST_F(mongodb_commands, an_unordered_find_streams_a_batch_at_a_time) {
  std::vector<value> many;
  for (int i = 0; i < 2500; ++i) many.push_back(object{{"name", "n"}, {"age", i}});
  db->insert({.table = t_, .records = many});
  const find_options o{.table = t_, .where = {{"age", {{"$gte", 100}}}}, .limit = 1500, .offset = 5};
  const engine::plan p = detail::plan_find(o, db->capabilities());
  sent_.clear();
  std::vector<std::int64_t> ages;
  {
    auto cursor = c_->open(p);
    records chunk;
    ASSERT_TRUE(cursor->fetch(chunk, 600));
    EXPECT_EQ(chunk.size(), 600u);
    EXPECT_EQ(sent().find("getMore"), std::string::npos) << "the first 600 are in the first batch";
    do
      for (const record r : chunk) ages.push_back(r.get<std::int64_t>("age"));
    while (cursor->fetch(chunk, 600));
  }
  ASSERT_EQ(ages.size(), 1500u);
  EXPECT_EQ(ages.front(), 105) << "the offset skipped matches, not documents";
  EXPECT_EQ(ages.back(), 1604);
  const std::string s = sent();
  std::size_t get_mores = 0;
  for (std::size_t at = 0; (at = s.find("\"getMore\"", at)) != std::string::npos; ++at) ++get_mores;
  EXPECT_EQ(get_mores, 1u) << s;
  EXPECT_NE(s.find(R"({ "killCursors" : "$T")"), std::string::npos) << s;
}

// A raw command goes as written, each {"$param": N} replaced by the param as BSON.
TEST_F(mongodb_commands, raw) {
  const std::string q = R"({"find": ")" + t_ + R"(", "filter": {"name": {"$param": 1}, "age": {"$lt": {"$param": 2}}}})";
  const raw_options o{.query = q, .params = {"{\"$ne\": null}", 40}};
  run(detail::plan_raw(o, db->capabilities()));
  EXPECT_EQ(sent(),
            R"({ "find" : "$T", "filter" : { "name" : "{\"$ne\": null}", "age" : { "$lt" : { "$numberInt" : "40" } } }, "$db" : "$D", "lsid" : "…" })" "\n")
      << "a string param stays a string";
}

TEST_F(mongodb_commands, writes) {
  const auto caps = db->capabilities();
  run(detail::plan_insert({.table = t_, .records = {{{"name", "Cy"}, {"age", 5}}, {{"name", "Di"}, {"age", nullptr}}}}, caps));
  EXPECT_EQ(sent(),
            R"({ "findAndModify" : "tether_schema", "query" : { "table" : "$T" }, "update" : { "$inc" : { "next_id" : { "$numberLong" : "2" } } }, "new" : true, "upsert" : true, "$db" : "$D", "lsid" : "…" })" "\n"
            R"({ "insert" : "$T", "documents" : [ { "_id" : "…", "name" : "Cy", "age" : { "$numberInt" : "5" }, "id" : { "$numberInt" : "3" } }, { "_id" : "…", "name" : "Di", "id" : { "$numberInt" : "4" } } ], "ordered" : true, "$db" : "$D", "lsid" : "…" })" "\n");
  run(detail::plan_insert({.table = t_, .records = {{{"id", 1}, {"name", "Ada L."}, {"age", 37}}},
                           .on_conflict = on_conflict{{"id"}, conflict_action::update, {"age"}}},
                          caps));
  EXPECT_EQ(sent(),
            R"({ "find" : "$T", "filter" : { "id" : { "$in" : [ { "$numberInt" : "1" } ] } }, "batchSize" : { "$numberInt" : "1000" }, "$db" : "$D", "lsid" : "…" })" "\n"
            R"({ "update" : "$T", "updates" : [ { "q" : { "_id" : "…" }, "u" : { "$set" : { "age" : { "$numberInt" : "37" } } } } ], "ordered" : true, "$db" : "$D", "lsid" : "…" })" "\n");
  run(detail::plan_upsert({.table = t_, .data = {{"id", 9}, {"name", "Ed"}}, .conflict_keys = {"id"}}, caps));
  EXPECT_EQ(sent(),
            R"({ "update" : "$T", "updates" : [ { "q" : { "id" : { "$numberInt" : "9" } }, "u" : { "$set" : { "name" : "Ed" }, "$setOnInsert" : { "_id" : "…" } }, "upsert" : true } ], "$db" : "$D", "lsid" : "…" })" "\n"
            R"({ "find" : "$T", "filter" : { "id" : { "$numberInt" : "9" } }, "batchSize" : { "$numberInt" : "1000" }, "$db" : "$D", "lsid" : "…" })" "\n")
      << "one update with upsert: true, atomic on the server; then the document read back";
  run(detail::plan_update({.table = t_, .data = {{"$inc", {{"age", 1}}}}, .where = {{"id", 2}}}, caps));
  EXPECT_EQ(sent(),
            R"({ "find" : "$T", "filter" : { "id" : { "$eq" : { "$numberInt" : "2" } } }, "batchSize" : { "$numberInt" : "1000" }, "$db" : "$D", "lsid" : "…" })" "\n"
            R"({ "update" : "$T", "updates" : [ { "q" : { "_id" : { "$in" : [ "…" ] } }, "u" : { "$inc" : { "age" : { "$numberInt" : "1" } } }, "multi" : true } ], "ordered" : true, "$db" : "$D", "lsid" : "…" })" "\n")
      << "MongoDB's own $inc, atomic per document";
  // A change MongoDB has no operator for is computed on the client and written by _id.
  run(detail::plan_update({.table = t_, .data = {{"$concat", {{"name", "!"}}}}, .where = {{"id", 2}}}, caps));
  EXPECT_EQ(sent(),
            R"({ "find" : "$T", "filter" : { "id" : { "$eq" : { "$numberInt" : "2" } } }, "batchSize" : { "$numberInt" : "1000" }, "$db" : "$D", "lsid" : "…" })" "\n"
            R"({ "update" : "$T", "updates" : [ { "q" : { "_id" : "…" }, "u" : { "$set" : { "name" : "Bob!" } } } ], "ordered" : true, "$db" : "$D", "lsid" : "…" })" "\n");
  // One document with returning: findAndModify, which gives it back as it became (or was).
  auto e = run(detail::plan_update({.table = t_, .data = {{"$inc", {{"age", 1}}}}, .where = {{"id", 2}}, .returning = {"age"}}, caps));
  EXPECT_EQ(sent(),
            R"({ "find" : "$T", "filter" : { "id" : { "$eq" : { "$numberInt" : "2" } } }, "batchSize" : { "$numberInt" : "1000" }, "$db" : "$D", "lsid" : "…" })" "\n"
            R"({ "findAndModify" : "$T", "query" : { "_id" : "…" }, "update" : { "$inc" : { "age" : { "$numberInt" : "1" } } }, "new" : true, "$db" : "$D", "lsid" : "…" })" "\n");
  ASSERT_EQ(e.rows.size(), 1u);
  EXPECT_EQ(e.rows.get(0, 0), value(19));
  e = run(detail::plan_remove({.table = t_, .where = {{"id", 9}}, .returning = {"name"}}, caps));
  EXPECT_EQ(sent(),
            R"({ "find" : "$T", "filter" : { "id" : { "$eq" : { "$numberInt" : "9" } } }, "batchSize" : { "$numberInt" : "1000" }, "$db" : "$D", "lsid" : "…" })" "\n"
            R"({ "findAndModify" : "$T", "query" : { "_id" : "…" }, "remove" : true, "$db" : "$D", "lsid" : "…" })" "\n");
  ASSERT_EQ(e.rows.size(), 1u);
  EXPECT_EQ(e.rows.get(0, 0), value("Ed"));
  run(detail::plan_remove({.table = t_, .where = {{"age", nullptr}}}, caps));
  EXPECT_EQ(sent(),
            R"({ "find" : "$T", "filter" : { "age" : null }, "batchSize" : { "$numberInt" : "1000" }, "$db" : "$D", "lsid" : "…" })" "\n"
            R"({ "delete" : "$T", "deletes" : [ { "q" : { "_id" : { "$in" : [ "…" ] } }, "limit" : { "$numberInt" : "0" } } ], "$db" : "$D", "lsid" : "…" })" "\n")
      << "Di, whose age is null (Ed is gone)";
}

TEST_F(mongodb_commands, mongodbs_own_update_operators) {
  const auto caps = db->capabilities();
  const std::string u = make_tether_table(value::from_json(
      R"({"id": {"type": "bigint", "primary_key": true}, "name": "string", "label": "string", "seen": "timestamp", "tag": "string"})"));
  db->insert({.table = u, .records = {{{"id", 2}, {"name", "Ada"}}}});
  // $rename and $currentDate, MongoDB's own: sent as they are where every change has an
  // operator; with one only the client computes, each document's values by _id.
  run(detail::plan_update({.table = u, .data = {{"$rename", {{"name", "label"}}}, {"$currentDate", {{"seen", true}}}},
                           .where = {{"id", 2}}},
                          caps));
  EXPECT_EQ(sent(u),
            R"({ "find" : "$U", "filter" : { "id" : { "$eq" : { "$numberInt" : "2" } } }, "batchSize" : { "$numberInt" : "1000" }, "$db" : "$D", "lsid" : "…" })" "\n"
            R"({ "update" : "$U", "updates" : [ { "q" : { "_id" : { "$in" : [ "…" ] } }, "u" : { "$rename" : { "name" : "label" }, "$currentDate" : { "seen" : true } }, "multi" : true } ], "ordered" : true, "$db" : "$D", "lsid" : "…" })" "\n")
      << "the value moves unchanged: both fields are strings";
  run(detail::plan_update({.table = u, .data = {{"$rename", {{"label", "name"}}}, {"$concat", {{"tag", "x"}}}}, .where = {{"id", 2}}},
                          caps));
  EXPECT_EQ(sent(u),
            R"({ "find" : "$U", "filter" : { "id" : { "$eq" : { "$numberInt" : "2" } } }, "batchSize" : { "$numberInt" : "1000" }, "$db" : "$D", "lsid" : "…" })" "\n"
            R"({ "update" : "$U", "updates" : [ { "q" : { "_id" : "…" }, "u" : { "$set" : { "name" : "Ada", "tag" : "x" }, "$unset" : { "label" : "" } } } ], "ordered" : true, "$db" : "$D", "lsid" : "…" })" "\n");
}

TEST_F(mongodb_commands, schema) {
  using kind = engine::schema_op_kind;
  const std::string u = unique_name("made");
  engine::schema_op create{.kind = kind::create_collection, .table = u};
  create.fields = {{.name = "id", .type = field_type::bigint, .nullable = false, .primary_key = true},
                   {.name = "code", .type = field_type::string, .unique = true},
                   {.name = "n", .type = field_type::integer}};
  create.indexes = {{.name = u + "_n", .fields = {"n"}}};
  apply(create);
  EXPECT_EQ(sent(u),
            R"({ "create" : "$U", "$db" : "$D", "lsid" : "…" })" "\n"
            R"({ "createIndexes" : "$U", "indexes" : [ { "key" : { "id" : { "$numberInt" : "1" } }, "name" : "$U_pkey", "unique" : true }, { "key" : { "code" : { "$numberInt" : "1" } }, "name" : "$U_code_key", "unique" : true }, { "key" : { "n" : { "$numberInt" : "1" } }, "name" : "$U_n" } ], "$db" : "$D", "lsid" : "…" })" "\n"
            R"({ "update" : "tether_schema", "updates" : [ { "q" : { "table" : "$U" }, "u" : { "$set" : { "definition" : "{\"fields\":[{\"name\":\"id\",\"type\":\"bigint\",\"required\":true,\"primary_key\":true},{\"name\":\"code\",\"type\":\"string\",\"unique\":true},{\"name\":\"n\",\"type\":\"integer\"}],\"primary_key\":[\"id\"],\"indexes\":[{\"name\":\"$U_n\",\"fields\":[\"n\"]}]}" } }, "upsert" : true } ], "$db" : "$D", "lsid" : "…" })" "\n");
  engine::schema_op add{.kind = kind::add_field, .table = u};
  add.fields = {{.name = "qty", .type = field_type::integer, .default_value = value(1)}};
  apply(add);
  EXPECT_EQ(sent(u),
            R"({ "update" : "$U", "updates" : [ { "q" : { "qty" : { "$exists" : false } }, "u" : { "$set" : { "qty" : { "$numberInt" : "1" } } }, "multi" : true } ], "$db" : "$D", "lsid" : "…" })" "\n"
            R"({ "update" : "tether_schema", "updates" : [ { "q" : { "table" : "$U" }, "u" : { "$set" : { "definition" : "{\"fields\":[{\"name\":\"id\",\"type\":\"bigint\",\"required\":true,\"primary_key\":true},{\"name\":\"code\",\"type\":\"string\",\"unique\":true},{\"name\":\"n\",\"type\":\"integer\"},{\"name\":\"qty\",\"type\":\"integer\",\"default\":1}],\"primary_key\":[\"id\"],\"indexes\":[{\"name\":\"$U_n\",\"fields\":[\"n\"]}]}" } }, "upsert" : true } ], "$db" : "$D", "lsid" : "…" })" "\n"
            R"({ "listCollections" : { "$numberInt" : "1" }, "filter" : { "name" : "$U" }, "$db" : "$D", "lsid" : "…" })" "\n");  // whether it has a validator of tether's to keep in step
  apply({.kind = kind::rename_field, .table = u, .name = "code", .new_name = "sku"});
  EXPECT_EQ(sent(u),
            R"({ "dropIndexes" : "$U", "index" : "$U_code_key", "$db" : "$D", "lsid" : "…" })" "\n"
            R"({ "update" : "$U", "updates" : [ { "q" : { "code" : { "$exists" : true } }, "u" : { "$rename" : { "code" : "sku" } }, "multi" : true } ], "$db" : "$D", "lsid" : "…" })" "\n"
            R"({ "createIndexes" : "$U", "indexes" : [ { "key" : { "sku" : { "$numberInt" : "1" } }, "name" : "$U_sku_key", "unique" : true } ], "$db" : "$D", "lsid" : "…" })" "\n"
            R"({ "update" : "tether_schema", "updates" : [ { "q" : { "table" : "$U" }, "u" : { "$set" : { "definition" : "{\"fields\":[{\"name\":\"id\",\"type\":\"bigint\",\"required\":true,\"primary_key\":true},{\"name\":\"sku\",\"type\":\"string\",\"unique\":true},{\"name\":\"n\",\"type\":\"integer\"},{\"name\":\"qty\",\"type\":\"integer\",\"default\":1}],\"primary_key\":[\"id\"],\"indexes\":[{\"name\":\"$U_n\",\"fields\":[\"n\"]}]}" } }, "upsert" : true } ], "$db" : "$D", "lsid" : "…" })" "\n"
            R"({ "listCollections" : { "$numberInt" : "1" }, "filter" : { "name" : "$U" }, "$db" : "$D", "lsid" : "…" })" "\n");  // whether it has a validator of tether's to keep in step
  engine::schema_op modify{.kind = kind::modify_field, .table = u};
  modify.fields = {{.name = "n", .type = field_type::bigint, .nullable = false}};
  apply(modify);
  EXPECT_EQ(sent(u),
            R"({ "find" : "$U", "filter" : { "n" : null }, "limit" : { "$numberInt" : "1" }, "$db" : "$D", "lsid" : "…" })" "\n"
            R"({ "update" : "tether_schema", "updates" : [ { "q" : { "table" : "$U" }, "u" : { "$set" : { "definition" : "{\"fields\":[{\"name\":\"id\",\"type\":\"bigint\",\"required\":true,\"primary_key\":true},{\"name\":\"sku\",\"type\":\"string\",\"unique\":true},{\"name\":\"n\",\"type\":\"bigint\",\"required\":true},{\"name\":\"qty\",\"type\":\"integer\",\"default\":1}],\"primary_key\":[\"id\"],\"indexes\":[{\"name\":\"$U_n\",\"fields\":[\"n\"]}]}" } }, "upsert" : true } ], "$db" : "$D", "lsid" : "…" })" "\n"
            R"({ "listCollections" : { "$numberInt" : "1" }, "filter" : { "name" : "$U" }, "$db" : "$D", "lsid" : "…" })" "\n");  // whether it has a validator of tether's to keep in step
  apply({.kind = kind::drop_index, .table = u, .name = u + "_n"});
  EXPECT_EQ(sent(u),
            R"({ "dropIndexes" : "$U", "index" : "$U_n", "$db" : "$D", "lsid" : "…" })" "\n"
            R"({ "update" : "tether_schema", "updates" : [ { "q" : { "table" : "$U" }, "u" : { "$set" : { "definition" : "{\"fields\":[{\"name\":\"id\",\"type\":\"bigint\",\"required\":true,\"primary_key\":true},{\"name\":\"sku\",\"type\":\"string\",\"unique\":true},{\"name\":\"n\",\"type\":\"bigint\",\"required\":true},{\"name\":\"qty\",\"type\":\"integer\",\"default\":1}],\"primary_key\":[\"id\"]}" } }, "upsert" : true } ], "$db" : "$D", "lsid" : "…" })" "\n");
  apply({.kind = kind::drop_field, .table = u, .name = "qty"});
  EXPECT_EQ(sent(u),
            R"({ "update" : "$U", "updates" : [ { "q" : { "qty" : { "$exists" : true } }, "u" : { "$unset" : { "qty" : "" } }, "multi" : true } ], "$db" : "$D", "lsid" : "…" })" "\n"
            R"({ "update" : "tether_schema", "updates" : [ { "q" : { "table" : "$U" }, "u" : { "$set" : { "definition" : "{\"fields\":[{\"name\":\"id\",\"type\":\"bigint\",\"required\":true,\"primary_key\":true},{\"name\":\"sku\",\"type\":\"string\",\"unique\":true},{\"name\":\"n\",\"type\":\"bigint\",\"required\":true}],\"primary_key\":[\"id\"]}" } }, "upsert" : true } ], "$db" : "$D", "lsid" : "…" })" "\n"
            R"({ "listCollections" : { "$numberInt" : "1" }, "filter" : { "name" : "$U" }, "$db" : "$D", "lsid" : "…" })" "\n");  // whether it has a validator of tether's to keep in step
  apply({.kind = kind::rename_collection, .table = u, .new_name = u + "_2"});
  EXPECT_EQ(sent(u),
            R"({ "renameCollection" : "$D.$U", "to" : "$D.$U_2", "$db" : "admin", "lsid" : "…" })" "\n"
            R"({ "update" : "tether_schema", "updates" : [ { "q" : { "table" : "$U" }, "u" : { "$set" : { "table" : "$U_2", "definition" : "{\"fields\":[{\"name\":\"id\",\"type\":\"bigint\",\"required\":true,\"primary_key\":true},{\"name\":\"sku\",\"type\":\"string\",\"unique\":true},{\"name\":\"n\",\"type\":\"bigint\",\"required\":true}],\"primary_key\":[\"id\"]}" } } } ], "$db" : "$D", "lsid" : "…" })" "\n");
  apply({.kind = kind::drop_collection, .table = u + "_2"});
  EXPECT_EQ(sent(u),
            R"({ "drop" : "$U_2", "$db" : "$D", "lsid" : "…" })" "\n"
            R"({ "delete" : "tether_schema", "deletes" : [ { "q" : { "table" : "$U_2" }, "limit" : { "$numberInt" : "1" } } ], "$db" : "$D", "lsid" : "…" })" "\n");
}

// MongoDB's own index options: sparse and TTL (expireAfterSeconds, on a timestamp field),
// recorded with the table's definition.
TEST_F(mongodb_commands, sparse_and_ttl_indexes) {
  using kind = engine::schema_op_kind;
  const std::string u = unique_name("opts");
  engine::schema_op create{.kind = kind::create_collection, .table = u};
  create.fields = {{.name = "id", .type = field_type::bigint, .nullable = false, .primary_key = true},
                   {.name = "sku", .type = field_type::string},
                   {.name = "seen", .type = field_type::timestamp}};
  apply(create);
  engine::schema_op sparse{.kind = kind::create_index, .table = u};
  sparse.indexes = {{.name = u + "_sku", .fields = {"sku"}, .sparse = true}};
  apply(sparse);
  EXPECT_EQ(sent(u).substr(0, sent(u).find('\n') + 1),
            R"({ "createIndexes" : "$U", "indexes" : [ { "key" : { "sku" : { "$numberInt" : "1" } }, "name" : "$U_sku", "sparse" : true } ], "$db" : "$D", "lsid" : "…" })" "\n");
  engine::schema_op ttl{.kind = kind::create_index, .table = u};
  ttl.indexes = {{.name = u + "_seen", .fields = {"seen"}, .expire_after_seconds = 90}};
  apply(ttl);
  const std::string made = sent(u);
  EXPECT_TRUE(made.starts_with(
      R"({ "createIndexes" : "$U", "indexes" : [ { "key" : { "seen" : { "$numberInt" : "1" } }, "name" : "$U_seen", "expireAfterSeconds" : { "$numberLong" : "90" } } ], "$db" : "$D", "lsid" : "…" })" "\n"))
      << made;
  EXPECT_NE(made.find(R"({\"name\":\"$U_sku\",\"fields\":[\"sku\"],\"sparse\":true},{\"name\":\"$U_seen\",\"fields\":[\"seen\"],\"expire_after_seconds\":90})"),
            std::string::npos) << made;
  // A partial index: the tether filter as the partialFilterExpression of the same meaning;
  // a where given as text is MongoDB's own, sent as written.
  engine::schema_op partial{.kind = kind::create_index, .table = u};
  partial.indexes = {{.name = u + "_some", .fields = {"sku"}, .unique = true,
                      .where = value::from_json(R"({"sku": {"$in": ["a", "b"]}, "seen": {"$isNotNull": true}, "$or": [{"id": {"$between": [1, 9]}}, {"id": 20}]})")}};
  apply(partial);
  EXPECT_EQ(sent(u).substr(0, sent(u).find('\n') + 1),
            R"({ "createIndexes" : "$U", "indexes" : [ { "key" : { "sku" : { "$numberInt" : "1" } }, "name" : "$U_some", "unique" : true, "partialFilterExpression" : { "$and" : [ { "sku" : { "$in" : [ "a", "b" ] } }, { "seen" : { "$exists" : true } }, { "$or" : [ { "id" : { "$gte" : { "$numberInt" : "1" }, "$lte" : { "$numberInt" : "9" } } }, { "id" : { "$eq" : { "$numberInt" : "20" } } } ] } ] } } ], "$db" : "$D", "lsid" : "…" })" "\n");
  engine::schema_op native{.kind = kind::create_index, .table = u};
  native.indexes = {{.name = u + "_own", .fields = {"seen"}, .native_where = R"({"sku": {"$type": "string"}})"}};
  apply(native);
  EXPECT_EQ(sent(u).substr(0, sent(u).find('\n') + 1),
            R"({ "createIndexes" : "$U", "indexes" : [ { "key" : { "seen" : { "$numberInt" : "1" } }, "name" : "$U_own", "partialFilterExpression" : { "sku" : { "$type" : "string" } } } ], "$db" : "$D", "lsid" : "…" })" "\n");
  // A TTL index on a field that holds no moment would never expire anything: refused.
  engine::schema_op wrong{.kind = kind::create_index, .table = u};
  wrong.indexes = {{.name = u + "_sku_ttl", .fields = {"sku"}, .expire_after_seconds = 90}};
  try {
    apply(wrong);
    ADD_FAILURE() << "a TTL index on a string field was made";
  } catch (const error& e) {
    EXPECT_NE(std::string(e.what()).find("\"sku\" is string"), std::string::npos) << e.what();
  }
  apply({.kind = kind::drop_collection, .table = u});
}

// create's validator: true makes a $jsonSchema of the fields: the BSON types tether writes
// for each type, the required ones, an enum's values. (CongoDB keeps no validator, so the
// collMod that keeps it in step with a field change is not sent here: keep_validator
// finds none.)
TEST_F(mongodb_commands, a_validator_made_from_the_fields) {
  using kind = engine::schema_op_kind;
  const std::string u = unique_name("valid");
  engine::schema_op create{.kind = kind::create_collection, .table = u, .validator = true};
  create.fields = {{.name = "id", .type = field_type::bigint, .nullable = false, .primary_key = true},
                   {.name = "price", .type = field_type::decimal, .precision = 8, .scale = 2},
                   {.name = "state", .type = field_type::enum_, .nullable = false, .enum_values = {"new", "done"}},
                   {.name = "meta", .type = field_type::json}};
  apply(create);
  const std::string made = sent(u);
  EXPECT_EQ(made.substr(0, made.find('\n') + 1),
            R"({ "create" : "$U", "validator" : { "$jsonSchema" : { "bsonType" : "object", "title" : "tether", "required" : [ "id", "state" ], "properties" : { "id" : { "bsonType" : [ "int", "long" ] }, "price" : { "bsonType" : [ "decimal", "int", "long", "double" ] }, "state" : { "bsonType" : [ "string" ], "enum" : [ "new", "done" ] }, "meta" : {  } } } }, "$db" : "$D", "lsid" : "…" })" "\n");
  apply({.kind = kind::drop_collection, .table = u});
}

// Each transaction's first command starts it (which one that is depends on whether the
// table's definition is kept: checked apart), the rest carry its number; commit and abort
// go to admin.
TEST_F(mongodb_commands, transactions) {
  const auto caps = db->capabilities();
  auto& tx = *c_->transactions_part();
  auto without_start = [&] {
    EXPECT_NE(sent_.at(0).find(R"("startTransaction" : true)"), std::string::npos) << sent_.at(0);
    for (auto& c : sent_) c = std::regex_replace(c, std::regex(R"("startTransaction" : true, )"), "");
  };
  // `p` in a transaction that ends by `end`: every command sent from begin on.
  auto in_transaction = [&](const engine::plan& p, void (engine::transactions::*end)()) {
    tx.begin({});
    run(p);
    std::vector<std::string> all = sent_;
    sent_.clear();
    (tx.*end)();
    all.insert(all.end(), sent_.begin(), sent_.end());
    sent_ = all;
    without_start();
  };
  in_transaction(detail::plan_insert({.table = t_, .records = {{{"id", 7}, {"name", "Tx"}, {"age", 1}}}}, caps),
                 &engine::transactions::commit);
  EXPECT_EQ(sent(),
            R"({ "insert" : "$T", "documents" : [ { "_id" : "…", "id" : { "$numberInt" : "7" }, "name" : "Tx", "age" : { "$numberInt" : "1" } } ], "ordered" : true, "$db" : "$D", "lsid" : "…", "txnNumber" : { "$numberLong" : "1" }, "autocommit" : false })" "\n"
            R"({ "commitTransaction" : { "$numberInt" : "1" }, "$db" : "admin", "lsid" : "…", "txnNumber" : { "$numberLong" : "1" }, "autocommit" : false })" "\n");
  in_transaction(detail::plan_remove({.table = t_, .where = {{"id", 7}}}, caps), &engine::transactions::rollback);
  EXPECT_EQ(sent(),
            R"({ "find" : "$T", "filter" : { "id" : { "$eq" : { "$numberInt" : "7" } } }, "batchSize" : { "$numberInt" : "1000" }, "$db" : "$D", "lsid" : "…", "txnNumber" : { "$numberLong" : "2" }, "autocommit" : false })" "\n"
            R"({ "delete" : "$T", "deletes" : [ { "q" : { "_id" : { "$in" : [ "…" ] } }, "limit" : { "$numberInt" : "0" } } ], "$db" : "$D", "lsid" : "…", "txnNumber" : { "$numberLong" : "2" }, "autocommit" : false })" "\n"
            R"({ "abortTransaction" : { "$numberInt" : "1" }, "$db" : "admin", "lsid" : "…", "txnNumber" : { "$numberLong" : "2" }, "autocommit" : false })" "\n");
}

TEST_F(mongodb_commands, migration_lock) {
  sent_.clear();
  c_->lock_part()->lock_migrations(std::chrono::seconds(5));
  c_->lock_part()->unlock_migrations();
  EXPECT_EQ(sent(),
            R"({ "update" : "tether_schema", "updates" : [ { "q" : { "lock" : "migrations" }, "u" : { "$setOnInsert" : { "owner" : "", "expires" : "…" } }, "upsert" : true } ], "$db" : "$D", "lsid" : "…" })" "\n"
            R"({ "findAndModify" : "tether_schema", "query" : { "lock" : "migrations", "$or" : [ { "owner" : "" }, { "owner" : "…" }, { "expires" : { "$lt" : "…" } } ] }, "update" : { "$set" : { "owner" : "…", "expires" : "…" } }, "new" : true, "$db" : "$D", "lsid" : "…" })" "\n"
            R"({ "update" : "tether_schema", "updates" : [ { "q" : { "lock" : "migrations", "owner" : "…" }, "u" : { "$set" : { "owner" : "", "expires" : "…" } } } ], "$db" : "$D", "lsid" : "…" })" "\n");
}

}  // namespace
}  // namespace tether::conformance
