// Regression: $ilike missed ẞ → ß on MariaDB and final ς → σ everywhere; $regex's `.`
// skipped a newline and `$` matched before a final newline on the PCRE engines; a LIKE
// pattern ending in a lone backslash failed on PostgreSQL and matched literally elsewhere.
// docs/querying.md now defines each, and every engine gives the same rows.
#include "conformance.hpp"

namespace tether::conformance {
namespace {

class text_meaning : public fixture {
 protected:
  void SetUp() override {
    fixture::SetUp();
    t_ = make_tether_table({{"id", {{"type", "bigint"}, {"primary_key", true}}}, {"s", {{"type", "string"}, {"length", 40}}}});
    db->insert({.table = t_, .records = {{{"id", 1}, {"s", "straße"}}, {{"id", 2}, {"s", "STRAẞE"}},
                                         {{"id", 3}, {"s", "ὈΔΥΣΣΕΎΣ"}}, {{"id", 4}, {"s", "ὀδυσσεύς"}},
                                         {{"id", 5}, {"s", "line\nbreak"}}, {{"id", 6}, {"s", "end\n"}},
                                         {{"id", 7}, {"s", "😀"}}, {{"id", 8}, {"s", "ǲ"}}}});
  }
  std::vector<std::int64_t> where(value w) {
    return ids(db->find({.table = t_, .where = std::move(w), .order_by = {{"id"}}}).records);
  }
  std::string t_;
};

using v = std::vector<std::int64_t>;

TEST_F(text_meaning, ilike_folds_upper_then_lower) {
  EXPECT_EQ(where({{"s", {{"$ilike", "straße"}}}}), (v{1, 2}));
  EXPECT_EQ(where({{"s", {{"$ilike", "ὀδυσσεύσ"}}}}), (v{3, 4})) << "final sigma folds with sigma";
  EXPECT_EQ(where({{"s", {{"$ilike", "ǳ"}}}}), (v{8}));
}

TEST_F(text_meaning, regex_is_the_portable_subset) {
  EXPECT_EQ(where({{"s", {{"$regex", "^line.break$"}}}}), (v{5})) << ". matches a newline";
  EXPECT_EQ(where({{"s", {{"$regex", "^end$"}}}}), (v{})) << "$ is the very end, not before a final newline";
  EXPECT_EQ(where({{"s", {{"$regex", "^.$"}}}}), (v{7, 8})) << ". is one character, an emoji too";
  for (const char* outside : {"\\d", "(?i)a", "a{2,1}", "[[:alpha:]]", "a*?", "\\1", "(a"}) {
    try {
      db->find({.table = t_, .where = {{"s", {{"$regex", outside}}}}});
      ADD_FAILURE() << outside << " was accepted";
    } catch (const error& e) {
      EXPECT_EQ(e.category(), error_category::usage) << outside;
      EXPECT_NE(std::string(e.what()).find("portable subset"), std::string::npos) << e.what();
    }
  }
}

TEST_F(text_meaning, a_like_pattern_ending_in_a_lone_backslash_is_refused) {
  try {
    db->find({.table = t_, .where = {{"s", {{"$like", "end\\"}}}}});
    ADD_FAILURE() << "accepted";
  } catch (const error& e) {
    EXPECT_EQ(e.category(), error_category::usage);
    EXPECT_NE(std::string(e.what()).find("lone \\"), std::string::npos) << e.what();
  }
  EXPECT_EQ(where({{"s", {{"$like", "%\\\\"}}}}), (v{})) << "an escaped backslash is a backslash";
}

}  // namespace
}  // namespace tether::conformance
