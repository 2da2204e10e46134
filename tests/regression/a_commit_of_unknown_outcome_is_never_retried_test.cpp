// Regression: is_retryable() was true for every lost connection, so transaction_with_retry
// ran again a transaction whose connection dropped during COMMIT, and could apply it twice.
// A connection lost during COMMIT is now an in_doubt error, never retried; a connection
// lost before the commit (which proves nothing was committed) is still retried.
#include <atomic>

#include "conformance.hpp"

namespace tether::conformance {
namespace {

class commit_outcome : public fixture {};

TEST_F(commit_outcome, lost_during_commit_is_in_doubt_and_not_retried) {
  if (!profile().kill_session) GTEST_SKIP() << profile().name << " has no server session to end";
  auto t = make_table({{"id", "pk"}, {"n", "int"}});
  tether::client other{url_};
  int runs = 0;
  try {
    db->transaction_with_retry([&](tether::transaction& tx) {
      ++runs;
      tx.insert({.table = t, .records = {{{"n", 1}}}});
      profile().kill_session(tx, other);  // the server's end goes away; the COMMIT that follows is lost
      return 0;
    });
    FAIL() << "the commit on a killed session succeeded";
  } catch (const error& e) {
    EXPECT_EQ(e.category(), error_category::in_doubt) << e.what();
    EXPECT_FALSE(e.is_retryable());
    EXPECT_NE(std::string(e.what()).find("may or may not have committed"), std::string::npos) << e.what();
  }
  EXPECT_EQ(runs, 1) << "a transaction whose commit was in doubt ran again";
  EXPECT_EQ(db->count({.table = t}), 0);  // here the server ended the session before COMMIT arrived
  EXPECT_EQ(db->count({.table = t}), 0) << "the client is usable afterwards";
}

TEST_F(commit_outcome, lost_before_commit_is_retried) {
  if (!profile().kill_session) GTEST_SKIP() << profile().name << " has no server session to end";
  auto t = make_table({{"id", "pk"}, {"n", "int"}});
  tether::client other{url_};
  int runs = 0;
  db->transaction_with_retry([&](tether::transaction& tx) {
    ++runs;
    if (runs == 1) profile().kill_session(tx, other);
    tx.insert({.table = t, .records = {{{"n", runs}}}});  // fails on the killed session: nothing committed
    return 0;
  });
  EXPECT_EQ(runs, 2);
  auto rows = db->find({.table = t});
  ASSERT_EQ(rows.count, 1);
  EXPECT_EQ(rows.records[0].get<std::int64_t>("n"), 2);
}

}  // namespace
}  // namespace tether::conformance
