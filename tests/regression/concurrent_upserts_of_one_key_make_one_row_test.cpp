// Regression: on MongoDB an upsert looked its key up and then inserted or wrote over, two
// steps, so two clients upserting one new key at once could both insert (a server that
// enforces no unique index, CongoDB, then kept two documents of one key). It is now one
// update with upsert: true, atomic on the server, as INSERT … ON CONFLICT is on SQL and a
// conditional PutItem on DynamoDB; this pins it on every engine.
#include <atomic>
#include <thread>

#include "conformance.hpp"

namespace tether::conformance {
namespace {

class concurrent_upserts : public fixture {};

TEST_F(concurrent_upserts, of_one_key_make_one_row) {
  auto t = make_table({{"id", "pk"}, {"code", "text"}, {"n", "int"}});
  TETHER_REQUIRE(upsert, "upsert");
  constexpr int rounds = 20;
  std::atomic<int> failures{0};
  for (int r = 0; r < rounds; ++r) {
    const std::string code = "k" + std::to_string(r);
    std::vector<std::thread> writers;
    for (int w = 0; w < 2; ++w)
      writers.emplace_back([&, w] {
        try {
          db->upsert({.table = t, .data = {{"id", r + 1}, {"code", code}, {"n", w}}, .conflict_keys = {"id"}});
        } catch (const std::exception&) {
          ++failures;  // a busy database may refuse one; the other must still make the row
        }
      });
    for (auto& w : writers) w.join();
    EXPECT_EQ(db->count({.table = t, .where = {{"id", r + 1}}}), 1) << "round " << r;
  }
  EXPECT_EQ(db->count({.table = t}), rounds);
  EXPECT_EQ(failures.load(), 0);
}

}  // namespace
}  // namespace tether::conformance
