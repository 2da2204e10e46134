// Prepared finds and inserts: planned once, run again with new values for their
// tether::param placeholders, and every bad argument refused by name.
#include "conformance.hpp"

#include <thread>

namespace tether::conformance {
namespace {

class prepared : public fixture {
 protected:
  // The usage error's message a call throws, or "no error".
  template <class F>
  static std::string usage_error(F&& f) {
    try {
      f();
    } catch (const error& e) {
      EXPECT_EQ(e.category(), error_category::usage) << e.what();
      return e.what();
    }
    return "no error";
  }
};

// A prepared query remembers its statement on the connection it last ran on. When that
// connection is replaced (here, past its lifetime), the new one, often at the same address,
// must prepare anew: before the fix it ran the old connection's freed statement and crashed.
TEST_F(prepared, a_query_outlives_the_connection_it_first_ran_on) {
  TETHER_REQUIRE(prepared_statements, "prepared statements");
  using namespace std::chrono_literals;
  auto t = people();
  client short_lived{url_, {.pool_size = 1, .max_lifetime = 100ms}};
  auto q = short_lived.prepare({.table = t, .select = {"name"}, .where = {{"id", tether::param("id")}}});
  for (int round = 0; round < 3; ++round) {
    EXPECT_EQ(q.run({{"id", 1}}).records[0].get<std::string>("name"), "Ada");
    std::this_thread::sleep_for(120ms);  // past the lifetime: the next call gets a new connection
    const auto created = short_lived.pool_stats().created;
    EXPECT_EQ(q.run({{"id", 2}}).records[0].get<std::string>("name"), "Grace");
    EXPECT_EQ(short_lived.pool_stats().created, created + 1);
    EXPECT_GE(short_lived.statement_stats().prepares, 1u)
        << "the new connection ran the query without preparing it: the old one's statement was used";
  }
}

TEST_F(prepared, insert_runs_again_with_new_values) {
  TETHER_REQUIRE(returning, "returning");
  auto t = make_table({{"id", "pk"}, {"name", "text!"}, {"age", "int"}, {"kind", "text"}});
  auto q = db->prepare_insert({.table = t,
                               .records = {{{"name", tether::param("name")}, {"age", tether::param("age")},
                                            {"kind", "person"}}}});
  auto first = q.run({{"name", "Ada"}, {"age", 36}});
  auto before = db->statement_stats();
  auto second = q.run({{"name", "Grace"}, {"age", nullptr}});  // null is a value a cell takes
  auto third = q.run({{"age", 17}, {"name", "Linus"}});         // any order
  EXPECT_EQ(first.count, 1);
  ASSERT_EQ(third.inserted_ids.size(), 1u);
  EXPECT_LT(first.inserted_ids[0].as_int(), second.inserted_ids[0].as_int());
  EXPECT_LT(second.inserted_ids[0].as_int(), third.inserted_ids[0].as_int());
  EXPECT_EQ(db->statement_stats().renders - before.renders, 0u) << "the first run rendered the statement; later runs reuse it";

  auto rows = db->find({.table = t, .order_by = {{"id"}}});
  EXPECT_EQ(names(rows.records), (std::vector<std::string>{"Ada", "Grace", "Linus"}));
  EXPECT_EQ(rows.records[0].get<std::int64_t>("age"), 36);
  EXPECT_TRUE(rows.records[1].is_null("age"));
  EXPECT_EQ(rows.records[2].get<std::string>("kind"), "person");

  // Several records, returning: each placeholder is filled where it stands.
  auto pair = db->prepare_insert({.table = t,
                                  .records = {{{"name", tether::param("a")}, {"age", 1}, {"kind", tether::param("k")}},
                                              {{"name", tether::param("b")}, {"age", 2}, {"kind", tether::param("k")}}},
                                  .returning = {"name", "kind"}});
  auto r = pair.run({{"a", "Hedy"}, {"b", "Alan"}, {"k", "pair"}});
  EXPECT_EQ(r.count, 2);
  EXPECT_EQ(names(r.records), (std::vector<std::string>{"Hedy", "Alan"}));
  EXPECT_EQ(r.records[1].get<std::string>("kind"), "pair");
  r = pair.run({{"a", "Edsger"}, {"b", "Barbara"}, {"k", "again"}});
  EXPECT_EQ(names(r.records), (std::vector<std::string>{"Edsger", "Barbara"}));
  EXPECT_EQ(db->count({.table = t, .where = {{"kind", "again"}}}), 2);
}

TEST_F(prepared, insert_refuses_bad_arguments_by_name_and_writes_nothing) {
  auto t = make_table({{"id", "pk"}, {"name", "text!"}, {"age", "int"}});
  auto q = db->prepare_insert({.table = t, .records = {{{"name", tether::param("name")}, {"age", tether::param("age")}}}});
  EXPECT_EQ(usage_error([&] { q.run({{"name", "Ada"}}); }), "no value for param \"age\"");
  EXPECT_EQ(usage_error([&] { q.run({{"name", "Ada"}, {"age", 1}, {"agee", 2}}); }),
            "this prepared query has no param \"agee\"");
  EXPECT_NE(usage_error([&] { q.run(tether::make_array({"Ada", 1})); }).find("must be an object"), std::string::npos);
  // A null where the column is NOT NULL: the engine's own error, and nothing is written.
  try {
    q.run({{"name", nullptr}, {"age", 1}});
    ADD_FAILURE() << "a null name was accepted";
  } catch (const error& e) {
    EXPECT_EQ(e.category(), error_category::not_null_violation) << e.what();
  }
  EXPECT_EQ(db->count({.table = t}), 0);
  EXPECT_EQ(q.run({{"name", "Ada"}, {"age", 1}}).count, 1);  // still usable

  EXPECT_NE(usage_error([&] { db->prepare_insert({.table = t, .records = {{{"name", tether::value(tether::object{{"$param", 7}})}}}}); })
                .find("the $param for column \"name\" of record 0 needs a name"),
            std::string::npos);
  // A bad record is refused at run time, naming it, before anything is written.
  auto bad = db->prepare_insert({.table = t, .records = {{{"name", tether::param("n")}}, {{"nome", "x"}}}});
  EXPECT_NE(usage_error([&] { bad.run({{"n", "Ada"}}); }).find("record 1"), std::string::npos);
  EXPECT_EQ(db->count({.table = t}), 1);
}

TEST_F(prepared, a_placeholder_in_an_ordinary_insert_is_refused_and_nothing_is_written) {
  auto t = make_table({{"id", "pk"}, {"name", "text"}, {"tags", "json"}});
  std::vector<value> rows;
  for (int i = 0; i < 2600; ++i) rows.push_back({{"name", "n" + std::to_string(i)}, {"tags", tether::make_array({i})}});
  rows.back() = {{"name", tether::param("name")}, {"tags", nullptr}};  // last, past the first statement
  for (bool ids : {true, false}) {
    auto message = usage_error([&] { db->insert({.table = t, .records = rows, .return_ids = ids}); });
    EXPECT_NE(message.find("record 2599"), std::string::npos) << message;
    EXPECT_NE(message.find("tether::param(\"name\")"), std::string::npos) << message;
    EXPECT_NE(message.find("prepare_insert"), std::string::npos) << message;
  }
  EXPECT_EQ(db->count({.table = t}), 0);
  // Other objects are JSON values, as always.
  db->insert({.table = t, .records = {{{"name", "x"}, {"tags", tether::value(tether::object{{"$params", 1}})}}}});
  EXPECT_EQ(db->find({.table = t}).records[0].get<tether::value>("tags"), tether::value(tether::object{{"$params", 1}}));
}

TEST_F(prepared, insert_inside_a_transaction_rolls_back_with_it) {
  TETHER_REQUIRE_TRANSACTIONS(transaction_reads_own_writes, "transactions whose reads see their own writes");
  auto t = make_table({{"id", "pk"}, {"name", "text+"}});
  db->transaction([&](tether::transaction& tx) {
    auto q = tx.prepare_insert({.table = t, .records = {{{"name", tether::param("n")}}}});
    q.run({{"n", "Ada"}});
    q.run({{"n", "Grace"}});
    EXPECT_EQ(tx.count({.table = t}), 2);
    tx.rollback();
  });
  EXPECT_EQ(db->count({.table = t}), 0);

  // on_conflict works as in an ordinary insert: the second run of a taken name is skipped.
  auto q = db->prepare_insert({.table = t,
                               .records = {{{"name", tether::param("n")}}},
                               .on_conflict = tether::on_conflict{.columns = {"name"}}});
  EXPECT_EQ(q.run({{"n", "Ada"}}).count, 1);
  EXPECT_EQ(q.run({{"n", "Ada"}}).count, 0);
  EXPECT_EQ(db->count({.table = t}), 1);
}

TEST_F(prepared, prepared_find_runs_again_with_new_values) {
  auto t = people();
  auto q = db->prepare({.table = t,
                        .select = {"name"},
                        .where = {{"age", {{"$gte", tether::param("min")}}}, {"active", tether::param("active")}},
                        .order_by = {{"id"}}});
  EXPECT_EQ(names(q.run({{"min", 30}, {"active", true}}).records), (std::vector<std::string>{"Ada", "Grace"}));
  EXPECT_EQ(names(q.run({{"min", 0}, {"active", false}}).records), (std::vector<std::string>{"Linus", "O'Brien"}));

  auto in = db->prepare({.table = t,
                         .where = {{"name", {{"$in", {tether::param("a"), tether::param("b")}}}}},
                         .order_by = {{"id"}}});
  EXPECT_EQ(names(in.run({{"a", "Ada"}, {"b", "Linus"}}).records), (std::vector<std::string>{"Ada", "Linus"}));
  auto prefix = db->prepare({.table = t, .where = {{"name", {{"$startsWith", tether::param("p")}}}}});
  EXPECT_EQ(names(prefix.run({{"p", "Gr"}}).records), (std::vector<std::string>{"Grace"}));
  EXPECT_EQ(prefix.run({{"p", "%"}}).count, 0);  // still a literal prefix
}

TEST_F(prepared, prepared_find_refuses_bad_arguments_by_name) {
  auto t = people();
  auto q = db->prepare({.table = t, .where = {{"age", tether::param("age")}, {"name", {{"$like", tether::param("n")}}}}});
  auto message = [&](const value& args) { return usage_error([&] { q.run(args); }); };
  EXPECT_EQ(message({{"age", 36}}), "no value for param \"n\"");
  EXPECT_EQ(message({{"age", 36}, {"n", "A%"}, {"agee", 1}}), "this prepared query has no param \"agee\"");
  EXPECT_NE(message({{"age", nullptr}, {"n", "A%"}}).find("single non-null value"), std::string::npos);
  EXPECT_NE(message({{"age", 36}, {"n", 5}}).find("takes a string"), std::string::npos);
  EXPECT_EQ(q.run({{"age", 36}, {"n", "A%"}}).count, 1);
  // A placeholder outside a prepared query has no value: refused, naming it.
  try {
    db->find({.table = t, .where = {{"id", tether::param("id")}}});
    FAIL();
  } catch (const error& e) {
    EXPECT_NE(std::string(e.what()).find("tether::param(\"id\")"), std::string::npos) << e.what();
  }
}

TEST_F(prepared, prepared_find_inside_a_transaction_sees_its_writes) {
  TETHER_REQUIRE_TRANSACTIONS(transaction_reads_own_writes, "transactions whose reads see their own writes");
  auto t = people();
  db->transaction([&](tether::transaction& tx) {
    auto q = tx.prepare({.table = t, .where = {{"name", tether::param("n")}}});
    tx.insert({.table = t, .records = {{{"name", "Hedy"}}}});
    EXPECT_EQ(q.run({{"n", "Hedy"}}).count, 1);
    tx.rollback();
  });
  EXPECT_EQ(db->count({.table = t, .where = {{"name", "Hedy"}}}), 0);
}

}  // namespace
}  // namespace tether::conformance
