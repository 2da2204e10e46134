// Ad hoc finds are planned once per shape and the plan is reused: every later call of the
// same shape must still see its own values, and every check on values must still run.
#include "conformance.hpp"

#include <atomic>
#include <thread>

namespace tether::conformance {
namespace {

class find_plans : public fixture {
 protected:
  void SetUp() override {
    fixture::SetUp();
    t_ = people();  // ids 1-5: Ada 36, Grace 45, Linus 17, Émile null, O'Brien 29
  }
  std::vector<std::int64_t> where(value filter) {
    return ids(db->find({.table = t_, .select = {"id"}, .where = std::move(filter), .order_by = {{"id"}}}).records);
  }
  std::string t_;
};

using ids_t = std::vector<std::int64_t>;

TEST_F(find_plans, each_call_of_one_shape_binds_its_own_values) {
  const char* expected[] = {"Ada", "Grace", "Linus", "Émile", "O'Brien"};
  for (int pass = 0; pass < 2; ++pass)
    for (int id = 1; id <= 5; ++id) {
      auto r = db->find({.table = t_, .select = {"name"}, .where = {{"id", id}}, .limit = 1});
      ASSERT_EQ(r.count, 1);
      EXPECT_EQ(r.records[0].get<std::string>("name"), expected[id - 1]) << "id " << id;
    }
  for (int id : {3, 1, 3})  // find_one goes through the same plans
    EXPECT_EQ(db->find_one({.table = t_, .where = {{"id", id}}})->get<std::string>("name"), expected[id - 1]);
  EXPECT_FALSE(db->find_one({.table = t_, .where = {{"id", 99}}}).has_value());
  EXPECT_EQ(where({{"age", {{"$gt", 20}}}}), (ids_t{1, 2, 5}));
  EXPECT_EQ(where({{"age", {{"$gt", 40}}}}), (ids_t{2}));
  EXPECT_EQ(where({{"age", {{"$gt", 10}, {"$lt", 40}}}}), (ids_t{1, 3, 5}));
  EXPECT_EQ(where({{"age", {{"$gt", 30}, {"$lt", 40}}}}), (ids_t{1}));
}

TEST_F(find_plans, null_and_is_null_flags_plan_differently_from_values) {
  EXPECT_EQ(where({{"age", nullptr}}), (ids_t{4}));
  EXPECT_EQ(where({{"age", 36}}), (ids_t{1}));
  EXPECT_EQ(where({{"age", nullptr}}), (ids_t{4}));
  EXPECT_EQ(where({{"age", {{"$isNull", true}}}}), (ids_t{4}));
  EXPECT_EQ(where({{"age", {{"$isNull", false}}}}), (ids_t{1, 2, 3, 5}));
  EXPECT_EQ(where({{"age", {{"$isNull", true}}}}), (ids_t{4}));
  EXPECT_EQ(where({{"active", true}}), (ids_t{1, 2, 4}));
  EXPECT_EQ(where({{"active", false}}), (ids_t{3, 5}));
}

TEST_F(find_plans, in_lists_of_each_length) {
  EXPECT_EQ(where({{"id", {{"$in", make_array({1})}}}}), (ids_t{1}));
  EXPECT_EQ(where({{"id", {{"$in", make_array({1, 2})}}}}), (ids_t{1, 2}));
  EXPECT_EQ(where({{"id", {{"$in", make_array({3, 4, 5})}}}}), (ids_t{3, 4, 5}));
  EXPECT_EQ(where({{"id", {{"$in", make_array({2})}}}}), (ids_t{2}));
  EXPECT_EQ(where({{"id", {{"$in", make_array({5, 4})}}}}), (ids_t{4, 5}));
  // More values than a kept plan re-points (16): planned on every call, still right.
  std::vector<value> many;
  for (int i = 0; i < 20; ++i) many.emplace_back(i % 3 + 1);
  EXPECT_EQ(where({{"id", {{"$in", value(many)}}}}), (ids_t{1, 2, 3}));
  EXPECT_EQ(where({{"id", {{"$in", value(many)}}}}), (ids_t{1, 2, 3}));
}

TEST_F(find_plans, paging_takes_each_calls_values_and_is_checked_every_call) {
  auto page = [&](std::optional<std::int64_t> limit, std::optional<std::int64_t> offset) {
    return ids(db->find({.table = t_, .select = {"id"}, .order_by = {{"id"}}, .limit = limit, .offset = offset}).records);
  };
  EXPECT_EQ(page(1, 0), (ids_t{1}));
  EXPECT_EQ(page(2, 0), (ids_t{1, 2}));
  EXPECT_EQ(page(2, 3), (ids_t{4, 5}));
  EXPECT_EQ(page(3, 1), (ids_t{2, 3, 4}));
  try {
    page(-1, 0);  // the same shape as the calls above
    FAIL() << "a negative limit was taken";
  } catch (const error& e) {
    EXPECT_EQ(e.category(), error_category::usage);
    EXPECT_NE(std::string(e.what()).find("limit must be 0 or more, got -1"), std::string::npos) << e.what();
  }
  EXPECT_THROW(page(1, -2), error);
  EXPECT_EQ(page(1, 4), (ids_t{5}));  // and the kept plan still works after the refusals
}

// The options of a call are gone when it returns; a kept plan renders its statement again
// from its own copy of the select list when a new connection (here, after the old one's
// lifetime) has not prepared it yet.
TEST_F(find_plans, a_kept_plan_needs_nothing_of_the_options_it_was_made_from) {
  using namespace std::chrono_literals;
  client short_lived{url_, {.pool_size = 1, .max_lifetime = 50ms}};
  auto city = [&](int id) {
    auto r = short_lived.find({.table = t_, .select = {"name", "city"}, .where = {{"id", id}}});
    return r.count == 1 ? r.records[0].get<std::string>("city") : "no row";
  };
  EXPECT_EQ(city(2), "New York");  // the options (a temporary) are freed here
  std::vector<std::string> decoy{"nope_a", "nope_b"};  // may take the freed select list's memory
  std::this_thread::sleep_for(70ms);                   // the next call gets a new connection
  EXPECT_EQ(city(3), "Helsinki");
  EXPECT_EQ(decoy.size(), 2u);
}

TEST_F(find_plans, a_bad_value_in_a_known_shape_is_still_refused) {
  EXPECT_EQ(where({{"name", {{"$like", "A%"}}}}), (ids_t{1}));
  try {
    where({{"name", {{"$like", 5}}}});
    FAIL() << "a number was taken as a $like pattern";
  } catch (const error& e) {
    EXPECT_EQ(e.category(), error_category::usage);
    EXPECT_NE(std::string(e.what()).find("takes a string"), std::string::npos) << e.what();
  }
  EXPECT_THROW(where({{"name", {{"$lik", "A%"}}}}), error);
  // A string where a known shape has a boolean: a different shape, so it is checked.
  EXPECT_EQ(where({{"age", {{"$isNull", false}}}}), (ids_t{1, 2, 3, 5}));
  EXPECT_THROW(where({{"age", {{"$isNull", "no"}}}}), error);
  EXPECT_THROW(where({{"age", {{"$isNull", "yes"}}}}), error);
  EXPECT_EQ(where({{"name", {{"$like", "G%"}}}}), (ids_t{2}));
}

TEST_F(find_plans, counts_of_one_shape_take_each_calls_values) {
  auto older_than = [&](int age) { return db->count({.table = t_, .where = {{"age", {{"$gt", age}}}}}); };
  EXPECT_EQ(older_than(20), 3);
  EXPECT_EQ(older_than(40), 1);
  EXPECT_EQ(older_than(10), 4);
  EXPECT_EQ(older_than(50), 0);
  EXPECT_EQ(db->count({.table = t_}), 5);
  EXPECT_EQ(db->count({.table = t_, .where = {{"age", nullptr}}}), 1);
  EXPECT_EQ(db->count({.table = t_, .where = {{"age", 36}}}), 1);
  EXPECT_EQ(db->count({.table = t_, .column = "age"}), 4);  // non-null ages
  EXPECT_EQ(db->count({.table = t_, .column = "active", .distinct = true}), 2);
  EXPECT_EQ(db->count({.table = t_, .column = "city", .distinct = true}), 4);
  EXPECT_EQ(db->count({.table = t_, .where = {{"id", {{"$in", make_array({1, 2})}}}}}), 2);
  EXPECT_EQ(db->count({.table = t_, .where = {{"id", {{"$in", make_array({4, 5})}}}}}), 2);
  for (int i = 0; i < 2; ++i)  // refused every time, never kept
    EXPECT_THROW(db->count({.table = t_, .distinct = true}), error);
  EXPECT_THROW(db->count({.table = t_, .where = {{"age", {{"$gt", nullptr}}}}}), error);
}

TEST_F(find_plans, a_transaction_reuses_plans_and_sees_its_own_writes) {
  TETHER_REQUIRE_TRANSACTIONS(transaction_reads_own_writes, "transactions whose reads see their own writes");
  EXPECT_EQ(where({{"name", "Hedy"}}), (ids_t{}));
  db->transaction([&](tether::transaction& tx) {
    tx.insert({.table = t_, .records = {{{"name", "Hedy"}, {"email", "hedy@example.com"}}}});
    auto in_tx = [&](const char* name) {
      return ids(tx.find({.table = t_, .select = {"id"}, .where = {{"name", name}}, .order_by = {{"id"}}}).records);
    };
    EXPECT_EQ(in_tx("Hedy"), (ids_t{6}));
    EXPECT_EQ(in_tx("Ada"), (ids_t{1}));
  });
  EXPECT_EQ(where({{"name", "Hedy"}}), (ids_t{6}));
}

TEST_F(find_plans, threads_sharing_one_shape_each_get_their_own_rows) {
  client shared{url_, {.pool_size = 4}};
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 6; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < 150; ++i) {
        const int id = (t + i) % 5 + 1;
        try {
          auto r = shared.find({.table = t_, .select = {"id"}, .where = {{"id", id}}});
          if (r.count != 1 || r.records[0].get<std::int64_t>("id") != id) ++wrong;
        } catch (const std::exception&) {
          ++wrong;
        }
      }
    });
  for (auto& th : threads) th.join();
  EXPECT_EQ(wrong.load(), 0);
}

}  // namespace
}  // namespace tether::conformance
