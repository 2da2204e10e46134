// tether/types.hpp — the portable field types every engine maps in one table of its own.
// Pure functions; thread-safe.
#pragma once

#include <array>
#include <optional>
#include <string_view>

namespace tether {

enum class field_type {
  integer, bigint, smallint, float_, double_, decimal, string, text, boolean, date, time,
  datetime, timestamp, json, uuid, enum_, array, binary, blob
};

inline constexpr std::array<field_type, 19> all_field_types{
    field_type::integer, field_type::bigint,   field_type::smallint, field_type::float_,
    field_type::double_, field_type::decimal,  field_type::string,   field_type::text,
    field_type::boolean, field_type::date,     field_type::time,     field_type::datetime,
    field_type::timestamp, field_type::json,   field_type::uuid,     field_type::enum_,
    field_type::array,   field_type::binary,   field_type::blob};

// "integer", "float", "enum", …: the names the documentation and the JSON use.
std::string_view to_string(field_type t) noexcept;
std::optional<field_type> parse_field_type(std::string_view name) noexcept;

}  // namespace tether
