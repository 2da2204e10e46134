// Golden SQL for the MySQL/MariaDB dialect. No database needed.
#include <gtest/gtest.h>

#include "core/query/planner.hpp"
#include "engines/mysql/dialect.hpp"
#include "render/render_test.hpp"

namespace tether {
namespace {

const engine::capabilities& caps() { return render_test::all_capabilities(); }

std::string sql(const engine::plan& p, bool native_returning = true) {
  return detail::sql::render(p, detail::mysql::the_dialect(native_returning)).text;
}
std::string where(value w) { return sql(detail::plan_find({.table = "t", .where = std::move(w)}, caps())); }

TEST(render_mysql, backticks_question_marks_and_offset_without_limit) {
  EXPECT_EQ(sql(detail::plan_find({.table = "users", .where = {{"a", 1}, {"b", {{"$gt", 2}}}},
                                   .order_by = {{"b", direction::desc}}, .limit = 5}, caps())),
            "SELECT * FROM `users` WHERE (`a` = ? AND `b` > ?) ORDER BY `b` DESC LIMIT ?");
  EXPECT_EQ(sql(detail::plan_find({.table = "db.t", .offset = 3}, caps())),
            "SELECT * FROM `db`.`t` LIMIT 18446744073709551615 OFFSET ?");
}

TEST(render_mysql, text_matching_is_exact_unless_ilike) {
  EXPECT_EQ(where({{"a", {{"$like", "x%"}}}}), "SELECT * FROM `t` WHERE `a` LIKE (? COLLATE utf8mb4_nopad_bin)");
  EXPECT_EQ(where({{"a", {{"$contains", "x"}}}}), "SELECT * FROM `t` WHERE `a` LIKE (? COLLATE utf8mb4_nopad_bin)");
  EXPECT_EQ(where({{"a", {{"$ilike", "x%"}}}}),
            "SELECT * FROM `t` WHERE LOWER(UPPER(CONVERT(`a` USING utf8mb4) COLLATE utf8mb4_unicode_520_nopad_ci)) "
            "COLLATE utf8mb4_nopad_bin LIKE (LOWER(UPPER(CONVERT(? USING utf8mb4) COLLATE "
            "utf8mb4_unicode_520_nopad_ci)) COLLATE utf8mb4_nopad_bin)");
  EXPECT_EQ(where({{"a", {{"$regex", "^x"}}}}), "SELECT * FROM `t` WHERE `a` REGEXP (? COLLATE utf8mb4_nopad_bin)");
  EXPECT_EQ(where({{"a", {{"$ne", 1}}}}), "SELECT * FROM `t` WHERE NOT (`a` <=> ?)");
}

TEST(render_mysql, group_concat_binds_its_separator) {
  const aggregate_options a{.table = "t", .operations = {{"s", {{"$stringAgg", {{"column", "n"}, {"separator", "it's; \\"}}}}}}};
  const aggregate_options b{.table = "t", .operations = {{"s", {{"$stringAgg", {{"column", "n"}, {"separator", "|"}}}}}}};
  auto p = detail::plan_aggregate(a, caps());  // plans borrow their options' values
  EXPECT_EQ(sql(p), "SELECT SUBSTRING(GROUP_CONCAT(CONCAT(?, `n`) SEPARATOR ''), CHAR_LENGTH(?) + 1) AS `s` FROM `t`");
  // The separator is a value: another one takes the same statement.
  auto q = detail::plan_aggregate(b, caps());
  EXPECT_EQ(p.shape.view(), q.shape.view());
}

TEST(render_mysql, upsert_is_on_duplicate_key_update) {
  EXPECT_EQ(sql(detail::plan_upsert({.table = "t", .data = {{"k", 1}, {"v", 2}}, .conflict_keys = {"k"}}, caps())),
            "INSERT INTO `t` (`k`, `v`) VALUES (?, ?) ON DUPLICATE KEY UPDATE `v` = VALUES(`v`)");
  EXPECT_EQ(sql(detail::plan_insert({.table = "t", .records = {{{"k", 1}}},
                                     .on_conflict = on_conflict{{"k"}, conflict_action::ignore, {}}},
                                    caps())),
            "INSERT INTO `t` (`k`) VALUES (?) ON DUPLICATE KEY UPDATE `k` = `k`");
}

TEST(render_mysql, returning_only_where_the_server_has_it) {
  auto del = detail::plan_remove({.table = "t", .where = {{"id", 1}}, .returning = {"id"}}, caps());
  EXPECT_EQ(sql(del), "DELETE FROM `t` WHERE `id` = ? RETURNING `id`");
  EXPECT_EQ(sql(del, false), "DELETE FROM `t` WHERE `id` = ?");
  auto upd = detail::plan_update({.table = "t", .data = {{"a", 1}}, .where = {{"id", 1}}, .returning = {"id"}}, caps());
  EXPECT_EQ(sql(upd), "UPDATE `t` SET `a` = ? WHERE `id` = ?");
}

TEST(render_mysql, json_array_operators) {
  EXPECT_EQ(sql(detail::plan_update({.table = "t", .data = {{"$push", {{"tags", "x"}}}}, .where = {{"id", 1}}}, caps())),
            "UPDATE `t` SET `tags` = JSON_ARRAY_APPEND(COALESCE(`tags`, '[]'), '$', JSON_EXTRACT(?, '$')) WHERE `id` = ?");
  EXPECT_EQ(sql(detail::plan_update({.table = "t", .data = {{"$concat", {{"s", "x"}}}}, .where = {{"id", 1}}}, caps())),
            "UPDATE `t` SET `s` = CONCAT(COALESCE(`s`, ''), ?) WHERE `id` = ?");
}

}  // namespace
}  // namespace tether
