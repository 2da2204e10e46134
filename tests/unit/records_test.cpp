#include <gtest/gtest.h>
#include <tether/tether.hpp>

namespace tether {
namespace {

records sample() {
  records r(std::vector<std::string>{"id", "name", "score", "born", "meta"});
  r.add_int(1);
  r.add_text("Ada");
  r.add_double(9.5);
  r.add_date(date::parse("1815-12-10"));
  r.add_json(R"({"a":[1,2]})");
  r.end_row();
  r.add_int(2);
  r.add_null();
  r.add_null();
  r.add_null();
  r.add_null();
  r.end_row();
  return r;
}

TEST(records, typed_access_by_name_and_index) {
  auto r = sample();
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0].get<std::int64_t>("id"), 1);
  EXPECT_EQ(r[0].get<std::string_view>(1), "Ada");
  EXPECT_EQ(r[0].get<double>("score"), 9.5);
  EXPECT_EQ(r[0].get<date>("born").to_string(), "1815-12-10");
  EXPECT_EQ(r[0]["meta"]["a"][std::size_t{1}].as_int(), 2);
  EXPECT_EQ(r[1].get<std::optional<std::string>>("name"), std::nullopt);
  EXPECT_THROW(r[1].get<std::string>("name"), error);
  EXPECT_THROW(r[0].get<std::int64_t>("name"), error);
  try {
    (void)r[0]["nope"];
    FAIL();
  } catch (const error& e) {
    EXPECT_EQ(e.category(), error_category::not_found);
    EXPECT_NE(std::string(e.what()).find("id, name, score, born, meta"), std::string::npos);
  }
  EXPECT_THROW(r.at(2), error);
}

TEST(records, json_on_demand) {
  EXPECT_EQ(sample().to_json(),
            R"([{"id":1,"name":"Ada","score":9.5,"born":{"$date":"1815-12-10"},"meta":{"a":[1,2]}},)"
            R"({"id":2,"name":null,"score":null,"born":null,"meta":null}])");
}

TEST(records, iteration_visits_every_row) {
  auto r = sample();
  std::int64_t sum = 0;
  for (auto rec : r) sum += rec.get<std::int64_t>("id");
  EXPECT_EQ(sum, 3);
}

TEST(records, a_short_row_is_refused) {
  records r(std::vector<std::string>{"a", "b"});
  r.add_int(1);
  EXPECT_THROW(r.end_row(), error);
}

TEST(records, reset_empties_grown_records_and_names_the_columns_anew) {
  records r(std::vector<std::string>{"n", "text"});
  for (int i = 0; i < 100; ++i) {  // past the inline cells and arena
    r.add_int(i);
    r.add_text(std::string(40, 'x'));
    r.end_row();
  }
  r.reset(std::make_shared<const std::vector<std::string>>(std::vector<std::string>{"only"}));
  EXPECT_EQ(r.size(), 0u);
  EXPECT_EQ(r.column_count(), 1u);
  EXPECT_EQ(r.to_json(), "[]");
  r.add_text("after");
  r.end_row();
  EXPECT_EQ(r.to_json(), R"([{"only":"after"}])");
  EXPECT_THROW(r[0].get<std::int64_t>("n"), error);  // the old names are gone
}

}  // namespace
}  // namespace tether
