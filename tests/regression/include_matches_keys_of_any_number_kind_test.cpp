// Regression: include stitched related rows to their parents by the keys' JSON text, so a
// key read as a double (1.0) or a decimal (1.00) never met the integer key 1 it equals:
// the children were read and then silently dropped. Keys now match by value, read from
// the cells in place.
#include "conformance.hpp"

namespace tether::conformance {
namespace {

class include_keys : public fixture {};

TEST_F(include_keys, match_by_value_across_integer_double_and_decimal_columns) {
  auto parents = make_tether_table({{"id", {{"type", "bigint"}, {"primary_key", true}}}, {"name", "string"}});
  auto kids = make_tether_table({{"id", {{"type", "bigint"}, {"primary_key", true}}},
                                 {"by_double", "double"},
                                 {"by_decimal", {{"type", "decimal"}, {"precision", 10}, {"scale", 2}}}});
  db->insert({.table = parents, .records = {{{"id", 1}, {"name", "one"}}, {{"id", 2}, {"name", "two"}}}});
  db->insert({.table = kids, .records = {{{"id", 10}, {"by_double", 1.0}, {"by_decimal", decimal::parse("2.00")}},
                                         {{"id", 11}, {"by_double", 1.0}, {"by_decimal", decimal::parse("1.00")}},
                                         {{"id", 12}, {"by_double", 2.5}, {"by_decimal", nullptr}}}});
  auto with = [&](const char* column) {
    return db->find({.table = parents,
                     .order_by = {{"id"}},
                     .include = {{.relation = "kids", .type = relation_type::one_to_many, .table = kids,
                                  .foreign_key = column, .primary_key = "id", .order_by = {{"id"}}}}});
  };
  auto kid_ids = [](const related_rows& rows) {
    std::vector<std::int64_t> out;
    for (const record k : rows) out.push_back(k.get<std::int64_t>("id"));
    return out;
  };
  using v = std::vector<std::int64_t>;
  auto d = with("by_double");
  EXPECT_EQ(kid_ids(d.records[0].related("kids")), (v{10, 11})) << "1.0 is the key 1";
  EXPECT_EQ(kid_ids(d.records[1].related("kids")), (v{})) << "2.5 is no parent's key";
  auto m = with("by_decimal");
  EXPECT_EQ(kid_ids(m.records[0].related("kids")), (v{11})) << "1.00 is the key 1";
  EXPECT_EQ(kid_ids(m.records[1].related("kids")), (v{10})) << "2.00 is the key 2";

  // And the other way: a many_to_one whose foreign key is the double column.
  auto up = db->find({.table = kids,
                      .order_by = {{"id"}},
                      .include = {{.relation = "parent", .type = relation_type::many_to_one, .table = parents,
                                   .foreign_key = "by_double", .primary_key = "id"}}});
  ASSERT_EQ(up.records.size(), 3u);
  ASSERT_TRUE(up.records[0].related("parent").one());
  EXPECT_EQ(up.records[0].related("parent").one()->get<std::string>("name"), "one");
  EXPECT_FALSE(up.records[2].related("parent").one());
}

}  // namespace
}  // namespace tether::conformance
