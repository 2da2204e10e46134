// Private: MySQL and MariaDB's SQL dialect.
#pragma once

#include "../../sql/renderer.hpp"

namespace tether::detail::mysql {

class dialect final : public sql::dialect {
 public:
  // native_returning: the server takes INSERT and DELETE … RETURNING (MariaDB 10.5+).
  // No server takes UPDATE … RETURNING; the connection emulates it.
  // mariadb: the server is MariaDB, whose binary collation without padding is
  // utf8mb4_nopad_bin (MySQL 8's is utf8mb4_0900_bin).
  dialect(bool native_returning, bool mariadb) : native_returning_(native_returning), mariadb_(mariadb) {}
  // The collation of tether's text columns and of the exact text operators: by code
  // point, and without PAD SPACE, so that 'b' and 'b ' differ in =, ORDER BY, DISTINCT
  // and GROUP BY as they do on every other engine.
  std::string_view exact_collation() const noexcept { return mariadb_ ? "utf8mb4_nopad_bin" : "utf8mb4_0900_bin"; }
  // The collation whose case tables $ilike folds with: the newest the server has (the
  // binary collations' own tables predate ẞ).
  std::string_view folding_collation() const noexcept {
    return mariadb_ ? "utf8mb4_unicode_520_nopad_ci" : "utf8mb4_0900_ai_ci";
  }
  std::string_view name() const noexcept override { return "mysql"; }
  bool returning(engine::plan_kind kind) const noexcept override {
    return native_returning_ && (kind == engine::plan_kind::insert || kind == engine::plan_kind::remove);
  }
  void placeholder(std::string& out, std::size_t ordinal) const override;
  char quote_char() const noexcept override { return '`'; }  // works whatever the sql_mode
  void text_match(sql::renderer& r, const engine::filter_node& n) const override;
  void not_equal(sql::renderer& r, const engine::filter_node& n) const override;
  void operand(sql::renderer& r, const engine::filter_node& n, std::uint32_t param) const override;
  void compared_column(sql::renderer& r, const engine::filter_node& n) const override;
  void string_agg(sql::renderer& r, const engine::aggregate_term& t) const override;
  void avg(sql::renderer& r, const engine::aggregate_term& t) const override;
  void concat(sql::renderer& r, const engine::assignment& a) const override;
  void json_array_op(sql::renderer& r, const engine::assignment& a) const override;
  std::string_view no_limit() const noexcept override { return "18446744073709551615"; }
  void upsert_clause(sql::renderer& r, const engine::plan& p) const override;
  std::string column_type(const engine::field_def& f, const sql::literal_maker& lit) const override;
  std::string_view auto_increment() const noexcept override { return "AUTO_INCREMENT"; }
  std::string_view now() const noexcept override { return "CURRENT_TIMESTAMP(6)"; }
  std::vector<std::string> modify_field(const std::string& table, const engine::field_def& f,
                                        const engine::field_def& before, const sql::literal_maker& lit) const override;
  std::string drop_index(const std::string& table, const std::string& name) const override;
  std::string drop_constraint(const std::string& table, const engine::constraint_def& c) const override;
  bool partial_indexes() const noexcept override { return false; }
  bool inline_indexes() const noexcept override { return true; }
  bool enum_as_check() const noexcept override { return false; }
  comments comment_style() const noexcept override { return comments::inline_clause; }

 private:
  bool native_returning_;
  bool mariadb_;
};

const dialect& the_dialect(bool native_returning, bool mariadb = true);

}  // namespace tether::detail::mysql
