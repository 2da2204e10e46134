// Private: SQLite's SQL dialect.
#pragma once

#include "../../sql/renderer.hpp"

namespace tether::detail::sqlite {

class dialect final : public sql::dialect {
 public:
  std::string_view name() const noexcept override { return "sqlite"; }
  void placeholder(std::string& out, std::size_t ordinal) const override;
  void text_match(sql::renderer& r, const engine::filter_node& n) const override;
  void not_equal(sql::renderer& r, const engine::filter_node& n) const override;
  void string_agg(sql::renderer& r, const engine::aggregate_term& t) const override;
  void compared_column(sql::renderer& r, const engine::filter_node& n) const override;
  void operand(sql::renderer& r, const engine::filter_node& n, std::uint32_t param) const override;
  void sum(sql::renderer& r, const engine::aggregate_term& t) const override;
  void decimal_value(sql::renderer& r, std::uint32_t param, int scale) const override;
  void json_array_op(sql::renderer& r, const engine::assignment& a) const override;
  std::string_view no_limit() const noexcept override { return "-1"; }
  std::string column_type(const engine::field_def& f, const sql::literal_maker& lit) const override;
  std::string_view auto_increment() const noexcept override { return {}; }  // INTEGER PRIMARY KEY counts
  std::string_view now() const noexcept override { return "(strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))"; }
};

const dialect& the_dialect();

}  // namespace tether::detail::sqlite
