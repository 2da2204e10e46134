// Regression: on MongoDB an update read each matched document, computed its new value on
// the client and wrote that value back by _id, so two clients incrementing one counter at
// once lost increments (each wrote its own read plus one). An increment is now MongoDB's
// own $inc, applied by the server to each document atomically, as a SQL UPDATE SET n = n + 1
// and DynamoDB's ADD are; this pins it on every engine.
#include <thread>

#include "conformance.hpp"

namespace tether::conformance {
namespace {

class concurrent_increments : public fixture {};

TEST_F(concurrent_increments, are_never_lost) {
  auto t = make_table({{"id", "pk"}, {"n", "int"}});
  db->insert({.table = t, .records = {{{"n", 0}}}});
  const std::int64_t id = db->find({.table = t}).records.at(0).get<std::int64_t>("id");
  constexpr int per_thread = 60;
  std::vector<std::thread> writers;
  std::atomic<int> failures{0};
  for (int w = 0; w < 2; ++w)
    writers.emplace_back([&] {
      for (int i = 0; i < per_thread; ++i) {
        try {
          db->update({.table = t, .data = {{"$inc", {{"n", 1}}}}, .where = {{"id", id}}});
        } catch (const std::exception&) {
          ++failures;  // a busy database may refuse one; it must not be counted as done
        }
      }
    });
  for (auto& w : writers) w.join();
  EXPECT_EQ(db->find({.table = t}).records.at(0).get<std::int64_t>("n"), 2 * per_thread - failures.load())
      << "every increment that returned is in the counter";
  EXPECT_EQ(failures.load(), 0);
}

}  // namespace
}  // namespace tether::conformance
