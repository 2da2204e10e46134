// Update operators, mixed with plain values.
#include <chrono>
#include <cstdlib>

#include "conformance.hpp"

namespace tether::conformance {
namespace {

class updates : public fixture {
 protected:
  void SetUp() override {
    fixture::SetUp();
    t_ = people();
  }
  record one(std::int64_t id) {
    last_ = db->find({.table = t_, .where = {{"id", id}}}).records;
    return last_.front();
  }
  void apply(std::int64_t id, value data) {
    auto r = db->update({.table = t_, .data = std::move(data), .where = {{"id", id}}});
    ASSERT_EQ(r.count, 1);
  }
  std::string t_;
  records last_;
};

TEST_F(updates, set_unset_and_plain_values_mix) {
  apply(1, {{"city", "Paris"}, {"$set", {{"age", 37}}}, {"$unset", {"score"}}});
  auto r = one(1);
  EXPECT_EQ(r.get<std::string>("city"), "Paris");
  EXPECT_EQ(r.get<std::int64_t>("age"), 37);
  EXPECT_TRUE(r.is_null("score"));
}

TEST_F(updates, arithmetic_treats_null_as_zero) {
  apply(1, {{"$inc", {{"age", 2}}}, {"$mul", {{"score", 2}}}});
  EXPECT_EQ(one(1).get<std::int64_t>("age"), 38);
  EXPECT_DOUBLE_EQ(one(1).get<double>("score"), 19.0);
  apply(1, {{"$dec", {{"age", 8}}}});
  EXPECT_EQ(one(1).get<std::int64_t>("age"), 30);
  apply(4, {{"$inc", {{"age", 5}}}});  // Émile's age was null
  EXPECT_EQ(one(4).get<std::int64_t>("age"), 5);
}

TEST_F(updates, min_and_max_keep_the_extreme) {
  apply(1, {{"$min", {{"age", 40}}}});
  EXPECT_EQ(one(1).get<std::int64_t>("age"), 36);
  apply(1, {{"$min", {{"age", 20}}}});
  EXPECT_EQ(one(1).get<std::int64_t>("age"), 20);
  apply(1, {{"$max", {{"age", 10}}}});
  EXPECT_EQ(one(1).get<std::int64_t>("age"), 20);
  apply(4, {{"$max", {{"age", 10}}}});  // null takes the value
  EXPECT_EQ(one(4).get<std::int64_t>("age"), 10);
}

TEST_F(updates, concat_appends_text) {
  apply(1, {{"$concat", {{"name", " Lovelace"}}}});
  EXPECT_EQ(one(1).get<std::string>("name"), "Ada Lovelace");
  apply(5, {{"$concat", {{"city", "Dublin"}}}});  // null city
  EXPECT_EQ(one(5).get<std::string>("city"), "Dublin");
}

TEST_F(updates, json_array_operators) {
  if (!db->capabilities().json_arrays) GTEST_SKIP() << profile().name << " has no json arrays";
  apply(1, {{"$push", {{"tags", "logic"}}}});
  EXPECT_EQ(one(1)["tags"], value(make_array({"math", "poetry", "logic"})));
  apply(1, {{"$addToSet", {{"tags", "math"}}}});
  EXPECT_EQ(one(1)["tags"], value(make_array({"math", "poetry", "logic"})));
  apply(1, {{"$addToSet", {{"tags", "art"}}}});
  EXPECT_EQ(one(1)["tags"], value(make_array({"math", "poetry", "logic", "art"})));
  apply(1, {{"$pull", {{"tags", "poetry"}}}});
  EXPECT_EQ(one(1)["tags"], value(make_array({"math", "logic", "art"})));
  apply(1, {{"$pop", {{"tags", 1}}}});
  EXPECT_EQ(one(1)["tags"], value(make_array({"math", "logic"})));
  apply(1, {{"$pop", {{"tags", -1}}}});
  EXPECT_EQ(one(1)["tags"], value(make_array({"logic"})));
  apply(4, {{"$push", {{"tags", 7}}}});  // null array starts empty
  EXPECT_EQ(one(4)["tags"], value(make_array({7})));
  apply(2, {{"$push", {{"tags", {{"rank", "admiral"}}}}}});
  EXPECT_EQ(one(2)["tags"], value(make_array({"navy", value{{"rank", "admiral"}}})));
}

// $rename moves a field's value to another field, as MongoDB's does: a row without the
// field keeps its target. Where the engine lacks it, it is refused by name.
TEST_F(updates, rename_moves_a_value_where_the_engine_has_it) {
  auto t = make_tether_table(value::from_json(
      R"({"id": {"type": "integer", "primary_key": true}, "city": "text", "town": "text", "note": "text", "n": "integer"})"));
  db->insert({.table = t, .records = {{{"id", 1}, {"city", "Paris"}, {"town", "old"}, {"note", "a"}},
                                      {{"id", 2}, {"city", nullptr}, {"town", "Lyon"}, {"note", "b"}}}});
  auto row = [&](std::int64_t id) { return db->find({.table = t, .where = {{"id", id}}}).records; };
  if (!db->capabilities().rename_updates) {
    try {
      db->update({.table = t, .data = {{"$rename", {{"city", "town"}}}}, .where = {{"id", 1}}});
      FAIL() << profile().name << " took $rename without the capability";
    } catch (const error& e) {
      EXPECT_EQ(e.category(), error_category::unsupported) << e.what();
      EXPECT_NE(std::string(e.what()).find("$rename"), std::string::npos) << e.what();
    }
    EXPECT_EQ(row(1)[0]["town"], value("old"));
    return;
  }
  EXPECT_EQ(db->update({.table = t, .data = {{"$rename", {{"city", "town"}}}}, .all_rows = true}).count, 2);
  EXPECT_TRUE(row(1)[0].is_null("city"));
  EXPECT_EQ(row(1)[0]["town"], value("Paris"));
  EXPECT_EQ(row(2)[0]["town"], value("Lyon")) << "a row without the field keeps its target";
  // With a change only the client computes ($concat), the same meaning.
  db->update({.table = t, .data = {{"$rename", {{"town", "city"}}}, {"$concat", {{"note", "!"}}}}, .where = {{"id", 1}}});
  EXPECT_EQ(row(1)[0]["city"], value("Paris"));
  EXPECT_TRUE(row(1)[0].is_null("town"));
  EXPECT_EQ(row(1)[0]["note"], value("a!"));
  auto refused = [&](value data, std::string_view says) {
    try {
      db->update({.table = t, .data = std::move(data), .where = {{"id", 1}}});
      FAIL() << "taken";
    } catch (const error& e) {
      EXPECT_EQ(e.category(), error_category::usage) << e.what();
      EXPECT_NE(std::string(e.what()).find(says), std::string::npos) << e.what();
    }
  };
  refused({{"$rename", {{"city", 5}}}}, "the name of the field to move the value to");
  refused({{"$rename", {{"city", "city"}}}}, "another field's name");
  refused({{"$rename", {{"city", "note"}}}, {"note", "x"}}, "more than once");
  EXPECT_THROW(db->update({.table = t, .data = {{"$rename", {{"city", "nowhere"}}}}, .where = {{"id", 1}}}), error)
      << "the table has no such field";
  EXPECT_EQ(row(1)[0]["city"], value("Paris")) << "a refused update wrote nothing";
}

// $currentDate sets a timestamp field to the time of the update, where the engine has it.
TEST_F(updates, current_date_sets_the_time_where_the_engine_has_it) {
  auto t = make_tether_table(value::from_json(
      R"({"id": {"type": "integer", "primary_key": true}, "seen": "timestamp", "note": "text", "n": "integer"})"));
  db->insert({.table = t, .records = {{{"id", 1}, {"note", "a"}, {"n", 1}}}});
  auto row = [&] { return db->find({.table = t, .where = {{"id", 1}}}).records; };
  if (!db->capabilities().current_date_updates) {
    EXPECT_THROW(db->update({.table = t, .data = {{"$currentDate", {{"seen", true}}}}, .where = {{"id", 1}}}), error);
    EXPECT_TRUE(row()[0].is_null("seen"));
    return;
  }
  auto micros_now = [] {
    return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  };
  const std::int64_t before = micros_now();
  db->update({.table = t, .data = {{"$currentDate", {{"seen", true}}}}, .where = {{"id", 1}}});
  auto seen = row()[0]["seen"];
  ASSERT_EQ(seen.kind(), value_kind::timestamp) << seen.to_json();
  // The server's clock (the same machine here): within a minute of the client's, not the epoch.
  EXPECT_LT(std::abs(seen.as_timestamp().micros - before), std::int64_t{60'000'000}) << seen.to_json();
  // With a change only the client computes, the same: a timestamp of the update.
  db->update({.table = t, .data = {{"$currentDate", {{"seen", {{"$type", "date"}}}}}, {"$concat", {{"note", "!"}}}},
              .where = {{"id", 1}}});
  EXPECT_LT(std::abs(row()[0]["seen"].as_timestamp().micros - micros_now()), std::int64_t{60'000'000});
  EXPECT_EQ(row()[0]["note"], value("a!"));
  for (value bad : {value{{"$currentDate", {{"seen", {{"$type", "timestamp"}}}}}}, value{{"$currentDate", {{"seen", 1}}}},
                    value{{"$currentDate", {{"n", true}}}}})
    EXPECT_THROW(db->update({.table = t, .data = bad, .where = {{"id", 1}}}), error) << bad.to_json();
  EXPECT_EQ(row()[0]["n"], value(1)) << "a refused update wrote nothing";
}

TEST_F(updates, bad_update_data_is_refused_before_writing) {
  EXPECT_THROW(db->update({.table = t_, .data = {{"$incr", {{"age", 1}}}}, .where = {{"id", 1}}}), error);
  EXPECT_THROW(db->update({.table = t_, .data = {{"$inc", {{"age", "x"}}}}, .where = {{"id", 1}}}), error);
  EXPECT_THROW(db->update({.table = t_, .data = {{"$pop", {{"tags", 2}}}}, .where = {{"id", 1}}}), error);
  EXPECT_THROW(db->update({.table = t_, .data = tether::object{}, .where = {{"id", 1}}}), error);
  EXPECT_THROW(db->update({.table = t_, .data = {{"age", 1}, {"$set", {{"age", 2}}}}, .where = {{"id", 1}}}),
               error);
  EXPECT_EQ(one(1).get<std::int64_t>("age"), 36);
}

}  // namespace
}  // namespace tether::conformance
