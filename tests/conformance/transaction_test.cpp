// Transactions: callback and manual forms, savepoints, options, calls inside.
#include <iostream>

#include "conformance.hpp"

namespace tether::conformance {
namespace {

// Every engine with transactions: those whose reads see the transaction's own writes (SQL),
// and those that send the writes at commit (DynamoDB's TransactWriteItems).
class any_transactions : public fixture {
 protected:
  void SetUp() override {
    fixture::SetUp();
    TETHER_REQUIRE_TRANSACTIONS(transactions, "transactions");
    t_ = people();
  }
  std::int64_t n() { return db->count({.table = t_}); }
  insert_options row(std::string name) {
    return {.table = t_, .records = {{{"name", std::move(name)}}}};
  }
  // Skips, with the reason, where this server commits no transaction.
  bool commits() {
    if (transaction_refusal().empty()) return true;
    std::cout << "[ SKIPPED  ] this server commits no transaction: " << transaction_refusal() << "\n";
    return false;
  }
  std::string t_;
};

class transactions : public any_transactions {
 protected:
  void SetUp() override {
    fixture::SetUp();
    TETHER_REQUIRE_TRANSACTIONS(transaction_reads_own_writes, "transactions whose reads see their own writes");
    t_ = people();
  }
};

TEST_F(any_transactions, a_rollback_writes_nothing) {
  auto tx = db->begin();
  tx.insert(row("Hedy"));
  tx.insert({.table = t_, .records = {{{"name", "Joan"}}, {{"name", "Karen"}}}});
  tx.rollback();
  EXPECT_FALSE(tx.is_active());
  EXPECT_EQ(n(), 5);
  {
    auto abandoned = db->begin();
    abandoned.insert(row("Hedy"));
  }
  EXPECT_EQ(n(), 5) << "an abandoned transaction wrote";
}

TEST_F(any_transactions, a_commit_writes_everything_across_tables) {
  if (!commits()) GTEST_SKIP() << profile().name << ": " << transaction_refusal();
  const std::string other = make_table({{"id", "pk"}, {"note", "text"}});
  db->transaction([&](tether::transaction& tx) {
    tx.insert(row("Hedy"));
    tx.update({.table = t_, .data = {{"age", 1}}, .where = {{"id", 1}}});
    tx.remove({.table = t_, .where = {{"id", 2}}});
    tx.insert({.table = other, .records = {{{"note", "moved"}}}});
  });
  EXPECT_EQ(n(), 5);
  EXPECT_EQ(db->find_one({.table = t_, .where = {{"id", 1}}})->get<std::int64_t>("age"), 1);
  EXPECT_FALSE(db->find_one({.table = t_, .where = {{"id", 2}}}).has_value());
  EXPECT_EQ(db->count({.table = other}), 1);
}

TEST_F(any_transactions, one_failing_write_cancels_them_all) {
  if (!commits()) GTEST_SKIP() << profile().name << ": " << transaction_refusal();
  try {
    db->transaction([&](tether::transaction& tx) {
      tx.update({.table = t_, .data = {{"age", 1}}, .where = {{"id", 1}}});
      tx.insert(row("Hedy"));
      tx.insert({.table = t_, .records = {{{"id", 3}, {"name", "a second id 3"}}}});  // the key is taken
    });
    FAIL() << "a duplicate key was committed";
  } catch (const error& e) {
    EXPECT_EQ(e.category(), error_category::unique_violation) << e.what();
  }
  EXPECT_EQ(n(), 5);
  EXPECT_EQ(db->find_one({.table = t_, .where = {{"id", 1}}})->get<std::int64_t>("age"), 36);
}

TEST_F(transactions, callback_commits_and_passes_the_result_through) {
  auto id = db->transaction([&](tether::transaction& tx) {
    auto r = tx.insert(row("Hedy"));
    EXPECT_EQ(tx.count({.table = t_}), 6);  // visible inside
    return r.inserted_ids.at(0).as_int();
  });
  EXPECT_EQ(id, 6);
  EXPECT_EQ(n(), 6);
}

TEST_F(transactions, callback_rolls_back_and_rethrows) {
  struct boom : std::runtime_error {
    boom() : std::runtime_error("boom") {}
  };
  EXPECT_THROW(db->transaction([&](tether::transaction& tx) {
    tx.insert(row("Hedy"));
    tx.update({.table = t_, .data = {{"age", 1}}, .where = {{"id", 1}}});
    throw boom();
  }),
               boom);
  EXPECT_EQ(n(), 5);
  EXPECT_EQ(db->find_one({.table = t_, .where = {{"id", 1}}})->get<std::int64_t>("age"), 36);
}

TEST_F(transactions, a_failing_statement_rolls_the_callback_back) {
  EXPECT_THROW(db->transaction([&](tether::transaction& tx) {
    tx.insert(row("Hedy"));
    tx.insert({.table = t_, .records = {{{"name", "Dup"}, {"email", "ada@example.com"}}}});
  }),
               error);
  EXPECT_EQ(n(), 5);
}

TEST_F(transactions, manual_begin_commit_rollback_and_is_active) {
  auto tx = db->begin();
  EXPECT_TRUE(tx.is_active());
  tx.insert(row("Hedy"));
  tx.commit();
  EXPECT_FALSE(tx.is_active());
  EXPECT_EQ(n(), 6);
  EXPECT_THROW(tx.commit(), error);
  EXPECT_THROW(tx.find({.table = t_}), error);

  auto tx2 = db->begin();
  tx2.remove({.table = t_, .where = {{"name", "Hedy"}}});
  tx2.rollback();
  EXPECT_EQ(n(), 6);
}

TEST_F(transactions, an_abandoned_transaction_rolls_back) {
  {
    auto tx = db->begin();
    tx.insert(row("Hedy"));
  }
  EXPECT_EQ(n(), 5);
}

TEST_F(transactions, every_call_runs_inside_the_transaction) {
  db->transaction([&](tether::transaction& tx) {
    tx.upsert({.table = t_, .data = {{"email", "x@example.com"}, {"name", "X"}}, .conflict_keys = {"email"}});
    tx.update({.table = t_, .data = {{"$inc", {{"age", 1}}}}, .where = {{"id", 1}}});
    tx.remove({.table = t_, .where = {{"id", 2}}});
    EXPECT_EQ(tx.count({.table = t_}), 5);
    EXPECT_EQ(tx.max({.table = t_, .column = "age"}).as_int(), 37);
    EXPECT_EQ(tx.aggregate({.table = t_, .operations = {{"n", {{"$count", "*"}}}}})[0].get<int>("n"), 5);
    EXPECT_TRUE(tx.find_one({.table = t_, .where = {{"name", "X"}}}).has_value());
    tx.rollback();
  });
  EXPECT_EQ(n(), 5);
  EXPECT_EQ(db->find_one({.table = t_, .where = {{"id", 1}}})->get<std::int64_t>("age"), 36);
}

TEST_F(transactions, nested_savepoints_release_and_roll_back) {
  if (!db->capabilities().savepoints) GTEST_SKIP() << profile().name << " has no savepoints";
  db->transaction([&](tether::transaction& tx) {
    tx.insert(row("outer"));
    {
      auto sp = tx.savepoint();
      tx.insert(row("inner-kept"));
      {
        auto sp2 = tx.savepoint();
        tx.insert(row("inner-dropped"));
        sp2.rollback();
        EXPECT_FALSE(sp2.is_active());
      }
      sp.release();
    }
    EXPECT_THROW(tx.savepoint([&](tether::transaction& t2) {
      t2.insert(row("failed"));
      throw std::runtime_error("undo this savepoint only");
    }),
                 std::runtime_error);
    int got = tx.savepoint([&](tether::transaction& t2) {
      t2.insert(row("callback-kept"));
      return 7;
    });
    EXPECT_EQ(got, 7);
  });
  auto all = names(db->find({.table = t_, .where = {{"id", {{"$gt", 5}}}}, .order_by = {{"id"}}}).records);
  EXPECT_EQ(all, (std::vector<std::string>{"outer", "inner-kept", "callback-kept"}));
}

TEST_F(transactions, read_only_refuses_writes) {
  if (!db->capabilities().read_only_transactions) GTEST_SKIP() << profile().name << " has no read-only mode";
  auto tx = db->begin({.read_only = true});
  EXPECT_EQ(tx.count({.table = t_}), 5);
  EXPECT_THROW(tx.insert(row("nope")), error);
  tx.rollback();
  db->insert(row("after"));  // the connection is writable again
  EXPECT_EQ(n(), 6);
}

TEST_F(any_transactions, isolation_levels_are_honoured_or_refused) {
  for (auto level : {isolation::read_uncommitted, isolation::read_committed, isolation::repeatable_read,
                     isolation::serializable}) {
    const auto& levels = db->capabilities().isolation_levels;
    bool supported = std::find(levels.begin(), levels.end(), level) != levels.end();
    if (supported) {
      auto tx = db->begin({.isolation = level});
      EXPECT_EQ(tx.count({.table = t_}), 5);
      tx.commit();
    } else {
      EXPECT_THROW(db->begin({.isolation = level}), error);
    }
  }
  if (!db->capabilities().deferrable_transactions) {
    try {
      db->begin({.isolation = isolation::serializable, .read_only = true, .deferrable = true});
      FAIL() << "deferrable was silently ignored";
    } catch (const error& e) {
      EXPECT_EQ(e.category(), error_category::unsupported);
    }
  }
}

}  // namespace
}  // namespace tether::conformance
