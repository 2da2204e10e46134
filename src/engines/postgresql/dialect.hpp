// Private: PostgreSQL's SQL dialect.
#pragma once

#include "../../sql/renderer.hpp"

namespace tether::detail::postgresql {

class dialect final : public sql::dialect {
 public:
  std::string_view name() const noexcept override { return "postgresql"; }
  void placeholder(std::string& out, std::size_t ordinal) const override;
  void text_match(sql::renderer& r, const engine::filter_node& n) const override;
  void json_array_op(sql::renderer& r, const engine::assignment& a) const override;
  void null_order(sql::renderer& r, direction dir) const override;
  void extreme(sql::renderer& r, const engine::aggregate_term& t) const override;
  std::string_view operand_cast(const engine::filter_node& n, const engine::plan& p) const override;
  void operand(sql::renderer& r, const engine::filter_node& n, std::uint32_t param) const override;
  std::string column_type(const engine::field_def& f, const sql::literal_maker& lit) const override;
  comments comment_style() const noexcept override { return comments::statement; }
  bool array_params() const noexcept override { return true; }
  std::vector<std::string> modify_field(const std::string& table, const engine::field_def& f,
                                        const engine::field_def& before, const sql::literal_maker& lit) const override;
};

const dialect& the_dialect();

}  // namespace tether::detail::postgresql
