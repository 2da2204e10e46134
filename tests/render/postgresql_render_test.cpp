// Golden SQL for the PostgreSQL dialect. No database needed.
#include <gtest/gtest.h>

#include "core/query/planner.hpp"
#include "render/render_test.hpp"
#include "engines/postgresql/dialect.hpp"

namespace tether {
namespace {

const engine::capabilities& caps() { return render_test::all_capabilities(); }

std::string sql(const engine::plan& p) { return detail::sql::render(p, detail::postgresql::the_dialect()).text; }
std::string where(value w) { return sql(detail::plan_find({.table = "t", .where = std::move(w)}, caps())); }

TEST(render_postgresql, numbered_placeholders_and_null_order) {
  EXPECT_EQ(sql(detail::plan_find({.table = "users", .where = {{"a", 1}, {"b", {{"$gt", 2}}}},
                                   .order_by = {{"b", direction::desc}, {"a"}}, .limit = 5}, caps())),
            R"(SELECT * FROM "users" WHERE ("a" = $1 AND "b" > $2) ORDER BY "b" DESC NULLS LAST, "a" ASC NULLS FIRST LIMIT $3)");
}

// A NOT NULL order column needs no null order, and without one PostgreSQL's default
// b-tree index serves the order (and a LIMIT reads only the first rows).
TEST(render_postgresql, a_not_null_order_column_has_no_null_order) {
  engine::plan p = detail::plan_find({.table = "users", .order_by = {{"id"}, {"b", direction::desc}}, .limit = 5}, caps());
  const std::string nullable_shape = p.shape.str();
  engine::table_description t{.name = "users", .columns = {{.name = "id", .type = field_type::bigint, .nullable = false},
                                                           {.name = "b"}}};
  detail::mark_not_null_order(p, t);
  EXPECT_EQ(sql(p), R"(SELECT * FROM "users" ORDER BY "id" ASC, "b" DESC NULLS LAST LIMIT $1)");
  EXPECT_NE(p.shape.str(), nullable_shape) << "the two texts must not share a statement-cache key";
}

TEST(render_postgresql, text_matching_uses_like_ilike_and_regex) {
  EXPECT_EQ(where({{"a", {{"$like", "x%"}}}}), R"(SELECT * FROM "t" WHERE "a" LIKE $1 ESCAPE '\')");
  EXPECT_EQ(where({{"a", {{"$ilike", "x%"}}}}),
            R"(SELECT * FROM "t" WHERE lower(upper("a")) LIKE lower(upper($1)) ESCAPE '\')");
  EXPECT_EQ(where({{"a", {{"$startsWith", "x"}}}}), R"(SELECT * FROM "t" WHERE "a" LIKE $1 ESCAPE '\')");
  EXPECT_EQ(where({{"a", {{"$contains", "x"}}}}), R"(SELECT * FROM "t" WHERE strpos("a", $1) > 0)");
  EXPECT_EQ(where({{"a", {{"$regex", "^x"}}}}), R"(SELECT * FROM "t" WHERE "a" ~ $1)");
  EXPECT_EQ(where({{"a", {{"$ne", 1}}}}), R"(SELECT * FROM "t" WHERE "a" IS DISTINCT FROM $1)");
}

TEST(render_postgresql, upsert_and_json_arrays) {
  EXPECT_EQ(sql(detail::plan_upsert({.table = "t", .data = {{"k", 1}, {"v", 2}}, .conflict_keys = {"k"}}, caps())),
            R"(INSERT INTO "t" ("k", "v") VALUES ($1, $2) ON CONFLICT ("k") DO UPDATE SET "v" = excluded."v" RETURNING *)");
  EXPECT_EQ(sql(detail::plan_update({.table = "t", .data = {{"$push", {{"tags", "x"}}}}, .where = {{"id", 1}}}, caps())),
            R"(UPDATE "t" SET "tags" = COALESCE("tags", '[]'::jsonb) || jsonb_build_array($1::jsonb) WHERE "id" = $2)");
  EXPECT_EQ(sql(detail::plan_aggregate({.table = "t", .operations = {{"s", {{"$stringAgg", "n"}}}}}, caps())),
            R"(SELECT string_agg(CAST("n" AS TEXT), $1) AS "s" FROM "t")");
}

TEST(render_postgresql, in_lists_are_one_array_parameter) {
  const find_options o{.table = "t", .where = {{"a", {{"$in", {1, 2, 3}}}}, {"b", {{"$nin", {"x"}}}}}};
  auto p = detail::plan_find(o, caps());  // plans borrow their options' values
  auto s = detail::sql::render(p, detail::postgresql::the_dialect());
  EXPECT_EQ(s.text, R"(SELECT * FROM "t" WHERE ("a" = ANY($1) AND ("b" IS NULL OR NOT ("b" = ANY($2)))))");
  ASSERT_EQ(s.bindings.size(), 2u);
  EXPECT_EQ(s.bindings[0].count, 3u);
  EXPECT_EQ(s.bindings[1].count, 1u);
}

}  // namespace
}  // namespace tether
