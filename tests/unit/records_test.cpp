#include <gtest/gtest.h>
#include <tether/tether.hpp>

#include "core/results/records_builder.hpp"

namespace tether {
namespace {

records sample() {
  records r(std::vector<std::string>{"id", "name", "score", "born", "meta"});
  tether::detail::records_builder(r).add_int(1);
  tether::detail::records_builder(r).add_text("Ada");
  tether::detail::records_builder(r).add_double(9.5);
  tether::detail::records_builder(r).add_date(date::parse("1815-12-10"));
  tether::detail::records_builder(r).add_json(R"({"a":[1,2]})");
  tether::detail::records_builder(r).end_row();
  tether::detail::records_builder(r).add_int(2);
  tether::detail::records_builder(r).add_null();
  tether::detail::records_builder(r).add_null();
  tether::detail::records_builder(r).add_null();
  tether::detail::records_builder(r).add_null();
  tether::detail::records_builder(r).end_row();
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

TEST(records, an_object_id_cell_reads_back_as_itself_and_as_its_text) {
  records r(std::vector<std::string>{"_id"});
  const object_id o = object_id::parse("65f1c0de2a9b4e0012345678");
  tether::detail::records_builder(r).add(value(o));
  tether::detail::records_builder(r).end_row();
  EXPECT_EQ(r[0].get<object_id>("_id"), o);
  EXPECT_EQ(r[0].get<std::string>("_id"), "65f1c0de2a9b4e0012345678");
  EXPECT_EQ(r[0]["_id"], value(o));
  EXPECT_EQ(r.to_json(), R"([{"_id":{"$oid":"65f1c0de2a9b4e0012345678"}}])");
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
  tether::detail::records_builder(r).add_int(1);
  EXPECT_THROW(tether::detail::records_builder(r).end_row(), error);
}

TEST(records, reset_empties_grown_records_and_names_the_columns_anew) {
  records r(std::vector<std::string>{"n", "text"});
  for (int i = 0; i < 100; ++i) {  // past the inline cells and arena
    tether::detail::records_builder(r).add_int(i);
    tether::detail::records_builder(r).add_text(std::string(40, 'x'));
    tether::detail::records_builder(r).end_row();
  }
  tether::detail::records_builder(r).reset(std::make_shared<const std::vector<std::string>>(std::vector<std::string>{"only"}));
  EXPECT_EQ(r.size(), 0u);
  EXPECT_EQ(r.column_count(), 1u);
  EXPECT_EQ(r.to_json(), "[]");
  tether::detail::records_builder(r).add_text("after");
  tether::detail::records_builder(r).end_row();
  EXPECT_EQ(r.to_json(), R"([{"only":"after"}])");
  EXPECT_THROW(r[0].get<std::int64_t>("n"), error);  // the old names are gone
}

TEST(records, restart_with_the_same_names_refills_the_storage_and_copies_stay_whole) {
  auto names = std::make_shared<const std::vector<std::string>>(std::vector<std::string>{"n", "text", "amount"});
  records r(names);
  for (int chunk = 0; chunk < 3; ++chunk) {  // a stream's chunks, each larger than the last
    tether::detail::records_builder(r).restart(names);
    const int rows = 50 * (chunk + 1);
    for (int i = 0; i < rows; ++i) {
      tether::detail::records_builder(r).add_int(chunk * 1000 + i);
      tether::detail::records_builder(r).add_text(std::string(static_cast<std::size_t>(i % 70), static_cast<char>('a' + chunk)));
      tether::detail::records_builder(r).add_decimal(std::to_string(i) + ".50");
      tether::detail::records_builder(r).end_row();
    }
    ASSERT_EQ(r.size(), static_cast<std::size_t>(rows));
    EXPECT_EQ(r[0].get<std::int64_t>("n"), chunk * 1000);
    EXPECT_EQ(r[rows - 1].get<std::string_view>("text"),
              std::string(static_cast<std::size_t>((rows - 1) % 70), static_cast<char>('a' + chunk)));
    EXPECT_EQ(r[rows - 1].get<decimal>("amount").text, std::to_string(rows - 1) + ".50");
    records copy = r;  // a copy of grown, reused storage holds the same rows
    EXPECT_EQ(copy.to_json(), r.to_json());
    records moved = std::move(copy);
    EXPECT_EQ(moved[rows / 2].get<std::string_view>("text"), r[rows / 2].get<std::string_view>("text"));
  }
  // Other names: a reset, not a refill.
  tether::detail::records_builder(r).restart(std::make_shared<const std::vector<std::string>>(std::vector<std::string>{"other"}));
  EXPECT_EQ(r.size(), 0u);
  EXPECT_EQ(r.column_count(), 1u);
}

TEST(records, reserved_text_room_is_used_without_losing_earlier_text) {
  records r(std::vector<std::string>{"s"});
  tether::detail::records_builder(r).add_text("first");
  tether::detail::records_builder(r).end_row();
  tether::detail::records_builder(r).reserve(10, 10'000);  // moves the inline text out of line
  for (int i = 0; i < 300; ++i) {
    tether::detail::records_builder(r).add_text("row " + std::to_string(i));
    tether::detail::records_builder(r).end_row();
  }
  EXPECT_EQ(r[0].get<std::string_view>(std::size_t{0}), "first");
  EXPECT_EQ(r[300].get<std::string_view>(std::size_t{0}), "row 299");
  EXPECT_GE(tether::detail::records_builder(r).text_bytes(), 5u + 300 * 5);
}

TEST(records, typed_reads_of_dates_times_timestamps_and_decimals_match_the_values) {
  records r(std::vector<std::string>{"d", "t", "ts", "dec"});
  tether::detail::records_builder(r).add_date(date{19'000});
  tether::detail::records_builder(r).add_time(time_of_day{3'600'000'001});
  tether::detail::records_builder(r).add_timestamp(timestamp{1'700'000'000'123'456, -300});
  tether::detail::records_builder(r).add_decimal("-12.3400");
  tether::detail::records_builder(r).end_row();
  auto row = r[0];
  EXPECT_EQ(row.get<date>("d"), r.get(0, 0).as_date());
  EXPECT_EQ(row.get<time_of_day>("t").micros, 3'600'000'001);
  EXPECT_EQ(row.get<timestamp>("ts"), (timestamp{1'700'000'000'123'456, -300}));
  EXPECT_EQ(row.get<decimal>("dec").text, "-12.3400");
  EXPECT_THROW(row.get<date>("dec"), error);  // a mismatch still says so
}

}  // namespace
}  // namespace tether
