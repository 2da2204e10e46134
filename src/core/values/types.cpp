#include "tether/types.hpp"

namespace tether {
namespace {
constexpr std::array<std::string_view, 19> names{
    "integer", "bigint", "smallint", "float", "double", "decimal", "string", "text", "boolean", "date",
    "time", "datetime", "timestamp", "json", "uuid", "enum", "array", "binary", "blob"};
}  // namespace

std::string_view to_string(field_type t) noexcept { return names[static_cast<std::size_t>(t)]; }

std::optional<field_type> parse_field_type(std::string_view name) noexcept {
  for (std::size_t i = 0; i < names.size(); ++i)
    if (names[i] == name) return static_cast<field_type>(i);
  return std::nullopt;
}

}  // namespace tether
