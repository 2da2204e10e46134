// Golden SQL: what the SQLite dialect sends for each kind of plan. No database needed.
#include <gtest/gtest.h>

#include "core/query/planner.hpp"
#include "render/render_test.hpp"
#include "engines/sqlite/dialect.hpp"

namespace tether {
namespace {

const engine::capabilities& caps() { return render_test::all_capabilities(); }

std::string sql(const engine::plan& p) {
  return detail::sql::render(p, detail::sqlite::the_dialect()).text;
}

TEST(render_sqlite, find) {
  EXPECT_EQ(sql(detail::plan_find({.table = "users"}, caps())), R"(SELECT * FROM "users")");
  EXPECT_EQ(sql(detail::plan_find({.table = "users",
                                   .select = {"id", "name"},
                                   .where = {{"status", "active"}, {"age", {{"$gt", 18}}}},
                                   .order_by = {{"age", direction::desc}, {"id"}},
                                   .limit = 10,
                                   .offset = 20},
                                  caps())),
            R"(SELECT "id", "name" FROM "users" WHERE ("status" = ? AND "age" > ?) ORDER BY "age" DESC, "id" ASC LIMIT ? OFFSET ?)");
  EXPECT_EQ(sql(detail::plan_find({.table = "main.users", .offset = 5}, caps())),
            R"(SELECT * FROM "main"."users" LIMIT -1 OFFSET ?)");
}

TEST(render_sqlite, operators) {
  auto where = [](value w) { return sql(detail::plan_find({.table = "t", .where = std::move(w)}, caps())); };
  EXPECT_EQ(where({{"a", nullptr}}), R"(SELECT * FROM "t" WHERE "a" IS NULL)");
  EXPECT_EQ(where({{"a", {{"$ne", 1}}}}), R"(SELECT * FROM "t" WHERE "a" IS NOT ?)");
  EXPECT_EQ(where({{"a", {{"$in", {1, 2}}}}}), R"(SELECT * FROM "t" WHERE "a" IN (?, ?))");
  EXPECT_EQ(where({{"a", {{"$nin", {1}}}}}), R"(SELECT * FROM "t" WHERE ("a" IS NULL OR "a" NOT IN (?)))");
  EXPECT_EQ(where({{"a", {{"$in", tether::array{}}}}}), R"(SELECT * FROM "t" WHERE 1=0)");
  EXPECT_EQ(where({{"a", {{"$between", {1, 2}}}}}), R"(SELECT * FROM "t" WHERE "a" BETWEEN ? AND ?)");
  EXPECT_EQ(where({{"a", {{"$like", "x%"}}}}), R"(SELECT * FROM "t" WHERE "a" GLOB ?)");
  EXPECT_EQ(where({{"a", {{"$ilike", "x%"}}}}),
            R"(SELECT * FROM "t" WHERE tether_fold("a") LIKE tether_fold(?) ESCAPE '\')");
  EXPECT_EQ(where({{"a", {{"$contains", "x"}}}}), R"(SELECT * FROM "t" WHERE instr("a", ?) > 0)");
  EXPECT_EQ(where({{"a", {{"$regex", "^x"}}}}), R"(SELECT * FROM "t" WHERE "a" REGEXP ?)");
  EXPECT_EQ(where({{"$or", {{{"a", 1}}, {{"b", 2}}}}}), R"(SELECT * FROM "t" WHERE ("a" = ? OR "b" = ?))");
  EXPECT_EQ(where({{"$not", {{"a", 1}}}}), R"(SELECT * FROM "t" WHERE NOT COALESCE(("a" = ?), 1=0))");
  EXPECT_EQ(where({{"$nor", {{{"a", 1}}, {{"b", 2}}}}}),
            R"(SELECT * FROM "t" WHERE NOT COALESCE(("a" = ? OR "b" = ?), 1=0))");
}

TEST(render_sqlite, writes) {
  EXPECT_EQ(sql(detail::plan_insert({.table = "t", .records = {{{"a", 1}, {"b", 2}}, {{"a", 3}, {"b", 4}}},
                                     .returning = {"*"}},
                                    caps())),
            R"(INSERT INTO "t" ("a", "b") VALUES (?, ?), (?, ?) RETURNING *)");
  EXPECT_EQ(sql(detail::plan_insert({.table = "t", .records = {{{"k", 1}, {"v", 2}}},
                                     .on_conflict = on_conflict{{"k"}, conflict_action::update, {}}},
                                    caps())),
            R"(INSERT INTO "t" ("k", "v") VALUES (?, ?) ON CONFLICT ("k") DO UPDATE SET "v" = excluded."v")");
  EXPECT_EQ(sql(detail::plan_update({.table = "t",
                                     .data = {{"a", 1}, {"$inc", {{"n", 1}}}, {"$unset", {"c"}}},
                                     .where = {{"id", 5}},
                                     .returning = {"id"}},
                                    caps())),
            R"(UPDATE "t" SET "a" = ?, "n" = COALESCE("n", 0) + ?, "c" = NULL WHERE "id" = ? RETURNING "id")");
  EXPECT_EQ(sql(detail::plan_update({.table = "t", .data = {{"$max", {{"n", 3}}}}, .all_rows = true}, caps())),
            R"(UPDATE "t" SET "n" = CASE WHEN "n" IS NULL OR ? > "n" THEN ? ELSE "n" END)");
  EXPECT_EQ(sql(detail::plan_remove({.table = "t", .where = {{"id", 1}}}, caps())),
            R"(DELETE FROM "t" WHERE "id" = ?)");
  EXPECT_EQ(sql(detail::plan_upsert({.table = "t", .data = {{"k", 1}, {"v", 2}}, .conflict_keys = {"k"}}, caps())),
            R"(INSERT INTO "t" ("k", "v") VALUES (?, ?) ON CONFLICT ("k") DO UPDATE SET "v" = excluded."v" RETURNING *)");
}

TEST(render_sqlite, json_array_updates) {
  auto upd = [](value data) {
    return sql(detail::plan_update({.table = "t", .data = std::move(data), .where = {{"id", 1}}}, caps()));
  };
  EXPECT_EQ(upd({{"$push", {{"tags", "x"}}}}),
            R"(UPDATE "t" SET "tags" = json_insert(COALESCE("tags", '[]'), '$[#]', json(?)) WHERE "id" = ?)");
  EXPECT_EQ(upd({{"$pop", {{"tags", -1}}}}), R"(UPDATE "t" SET "tags" = json_remove("tags", '$[0]') WHERE "id" = ?)");
}

TEST(render_sqlite, aggregates) {
  EXPECT_EQ(sql(detail::plan_count({.table = "t", .column = "a", .distinct = true}, caps())),
            R"(SELECT COUNT(DISTINCT "a") AS "count" FROM "t")");
  EXPECT_EQ(sql(detail::plan_aggregate({.table = "t",
                                        .operations = {{"total", {{"$sum", "amount"}}},
                                                       {"names", {{"$stringAgg", {{"column", "n"}, {"separator", ";"}}}}}},
                                        .where = {{"x", 1}},
                                        .group_by = {"region"},
                                        .having = {{"total", {{"$gt", 10}}}},
                                        .order_by = {{"total", direction::desc}},
                                        .limit = 3},
                                       caps())),
            R"(SELECT "region", tether_sum("amount") AS "total", group_concat("n", ?) AS "names" FROM "t" WHERE "x" = ? GROUP BY "region" HAVING tether_sum("amount") > ? ORDER BY "total" DESC LIMIT ?)");
}

TEST(render_sqlite, bindings_follow_placeholders_and_carry_transforms) {
  const find_options o{.table = "t", .where = {{"a", {{"$startsWith", "50%"}}}}};  // the plan borrows its values
  auto p = detail::plan_find(o, caps());
  auto s = detail::sql::render(p, detail::sqlite::the_dialect());
  ASSERT_EQ(s.bindings.size(), 1u);
  EXPECT_EQ(s.bindings[0].how, detail::sql::transform::glob_prefix);
  EXPECT_EQ(detail::sql::apply_transform(s.bindings[0].how, "50%*"), "50%[*]*");
  EXPECT_EQ(detail::sql::apply_transform(detail::sql::transform::glob_from_like, "a\\%b%c_"), "a%b*c?");
  EXPECT_EQ(detail::sql::apply_transform(detail::sql::transform::like_prefix, "50%_\\"), "50\\%\\_\\\\%");
}

}  // namespace
}  // namespace tether
