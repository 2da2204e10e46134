// Paging by key: a find with `after` returns its page and the token of the next one, on
// every engine, with the same rows as one ordered read cut into pieces.
#include "conformance.hpp"

namespace tether::conformance {
namespace {

class paging : public fixture {
 protected:
  // Every page of `o` (its `after` set by the loop), the rows' ids concatenated.
  std::vector<std::int64_t> all_pages(find_options o, int* pages = nullptr) {
    std::vector<std::int64_t> out;
    o.after = "";
    int n = 0;
    for (;;) {
      auto r = db->find(o);
      ++n;
      for (auto id : ids(r.records)) out.push_back(id);
      if (r.next.empty()) break;
      EXPECT_LE(n, 20) << "the pages never end";
      if (n > 20) break;
      o.after = r.next;
    }
    if (pages) *pages = n;
    return out;
  }
};

TEST_F(paging, pages_in_key_order_cover_every_row_once) {
  auto t = people();
  auto first = db->find({.table = t, .limit = 2, .after = ""});
  EXPECT_EQ(ids(first.records), (std::vector<std::int64_t>{1, 2}));
  ASSERT_FALSE(first.next.empty()) << "three rows are left";
  auto second = db->find({.table = t, .limit = 2, .after = first.next});
  EXPECT_EQ(ids(second.records), (std::vector<std::int64_t>{3, 4}));
  auto third = db->find({.table = t, .limit = 2, .after = second.next});
  EXPECT_EQ(ids(third.records), (std::vector<std::int64_t>{5}));
  EXPECT_EQ(third.count, 1);
  EXPECT_TRUE(third.next.empty()) << "the last page says there is no other";
  // A page that ends exactly at the last row knows it is the last.
  auto exact = db->find({.table = t, .limit = 5, .after = ""});
  EXPECT_EQ(exact.count, 5);
  EXPECT_TRUE(exact.next.empty());
}

TEST_F(paging, pages_follow_the_order_with_nulls_and_ties) {
  auto t = people();
  db->insert({.table = t, .records = {{{"name", "Alan"}, {"age", 36}}, {{"name", "Joan"}, {"age", nullptr}}}});
  for (auto dir : {direction::asc, direction::desc}) {
    SCOPED_TRACE(dir == direction::asc ? "age asc" : "age desc");
    auto whole = db->find({.table = t, .order_by = {{"age", dir}, {"id"}}});
    int pages = 0;
    EXPECT_EQ(all_pages({.table = t, .order_by = {{"age", dir}}, .limit = 2}, &pages), ids(whole.records));
    EXPECT_EQ(pages, 4);  // 7 rows in pages of 2
  }
}

TEST_F(paging, a_page_keeps_its_place_when_rows_before_it_go) {
  auto t = people();
  auto first = db->find({.table = t, .limit = 2, .after = ""});
  db->remove({.table = t, .where = {{"id", 1}}});  // an offset would now skip row 3
  auto second = db->find({.table = t, .limit = 2, .after = first.next});
  EXPECT_EQ(ids(second.records), (std::vector<std::int64_t>{3, 4}));
}

TEST_F(paging, pages_of_a_filtered_find) {
  auto t = people();
  EXPECT_EQ(all_pages({.table = t, .where = {{"active", true}}, .limit = 1}), (std::vector<std::int64_t>{1, 2, 4}));
}

TEST_F(paging, the_key_is_returned_even_when_select_leaves_it_out) {
  auto t = people();
  auto r = db->find({.table = t, .select = {"name"}, .order_by = {{"name"}}, .limit = 2, .after = ""});
  EXPECT_EQ(names(r.records), (std::vector<std::string>{"Ada", "Grace"}));
  EXPECT_TRUE(r.records.column_index("id").has_value()) << "the token's key is part of the page";
  auto next = db->find({.table = t, .select = {"name"}, .order_by = {{"name"}}, .limit = 2, .after = r.next});
  EXPECT_EQ(names(next.records), (std::vector<std::string>{"Linus", "O'Brien"}));
}

TEST_F(paging, the_result_json_carries_the_next_token) {
  auto t = people();
  auto r = db->find({.table = t, .select = {"id"}, .limit = 1, .after = ""});
  EXPECT_EQ(r.to_json(), R"({"records":[{"id":1}],"count":1,"next":")" + r.next + "\"}");
}

TEST_F(paging, a_token_of_another_find_is_refused) {
  auto t = people();
  auto r = db->find({.table = t, .limit = 2, .after = ""});
  auto refused = [&](const find_options& o, std::string_view says) {
    try {
      db->find(o);
      ADD_FAILURE() << "took a token of another find";
    } catch (const error& e) {
      EXPECT_EQ(e.category(), error_category::usage);
      EXPECT_NE(std::string(e.what()).find("after"), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find(says), std::string::npos) << e.what();
    }
  };
  refused({.table = t, .order_by = {{"age"}}, .limit = 2, .after = r.next}, "ordered by id:asc");
  refused({.table = t, .limit = 2, .after = "bm90IGEgdG9rZW4="}, "not one tether made");
  refused({.table = t, .limit = 2, .after = "%%%"}, "not one tether made");
}

}  // namespace
}  // namespace tether::conformance
