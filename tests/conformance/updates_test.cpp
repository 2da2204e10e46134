// Update operators, mixed with plain values.
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
