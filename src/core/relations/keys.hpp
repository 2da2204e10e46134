// Internal: the keys an include stitches on, read from a records' cells in place (no value
// is made per row). Two keys match when they are the same value: an integer, an integral
// real and an integral decimal of one number are one key (engines report a key column's
// numbers in different kinds, DynamoDB's as decimals); text, bytes, uuids and ObjectIds match by
// their bytes; a timestamp by its instant. Null is no key.
#pragma once

#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <functional>
#include <optional>
#include <string_view>

#include "core/results/records_builder.hpp"

namespace tether::detail {

struct stitch_key {
  value_kind kind = value_kind::null;
  std::uint64_t bits = 0;  // fixed-width kinds
  std::string_view text;   // kinds kept in the arena (valid while the records live)
  friend bool operator==(const stitch_key& a, const stitch_key& b) noexcept {
    return a.kind == b.kind && a.bits == b.bits && a.text == b.text;
  }
};

struct stitch_key_hash {
  std::size_t operator()(const stitch_key& k) const noexcept {
    const std::size_t h = k.text.empty() ? std::hash<std::uint64_t>{}(k.bits) : std::hash<std::string_view>{}(k.text);
    return h ^ (static_cast<std::size_t>(k.kind) * 0x9e3779b97f4a7c15ull);
  }
};

namespace keys_detail {
inline stitch_key integer_key(std::int64_t i) noexcept {
  return {value_kind::integer, static_cast<std::uint64_t>(i), {}};
}
// "12", "-12.000" → the integer; anything else stays decimal text.
inline stitch_key decimal_key(std::string_view s) noexcept {
  const auto dot = s.find('.');
  const std::string_view whole = s.substr(0, dot);
  if (dot != std::string_view::npos && s.find_first_not_of('0', dot + 1) != std::string_view::npos)
    return {value_kind::decimal, 0, s};
  std::int64_t i = 0;
  auto [end, ec] = std::from_chars(whole.data(), whole.data() + whole.size(), i);
  if (ec != std::errc() || end != whole.data() + whole.size()) return {value_kind::decimal, 0, s};
  return integer_key(i);
}
}  // namespace keys_detail

// The key in row `row`, column `col` of `r`, or nothing for null.
inline std::optional<stitch_key> key_at(const records& r, std::size_t row, std::size_t col) {
  const records_cell& c = records_builder::cell_at(r, row, col);
  switch (c.kind) {
    case value_kind::null: return std::nullopt;
    case value_kind::integer: return keys_detail::integer_key(static_cast<std::int64_t>(c.payload));
    case value_kind::real: {
      double d;
      std::memcpy(&d, &c.payload, sizeof d);
      if (std::trunc(d) == d && std::fabs(d) < 9.2e18) return keys_detail::integer_key(static_cast<std::int64_t>(d));
      return stitch_key{value_kind::real, c.payload, {}};
    }
    case value_kind::decimal: return keys_detail::decimal_key(records_builder::arena_view(r, c));
    case value_kind::string:
    case value_kind::bytes:
    case value_kind::uuid:
    case value_kind::object_id:
    case value_kind::array:
    case value_kind::object: {
      // An empty text still differs from a fixed-width key of 0 by its kind.
      return stitch_key{c.kind, 0, records_builder::arena_view(r, c)};
    }
    default: return stitch_key{c.kind, c.payload, {}};  // boolean, date, time, timestamp (its instant)
  }
}

}  // namespace tether::detail
