// tether/value.hpp — the value model every call speaks: filters, records, parameters.
// A value owns its data (no references into other objects) and is a regular type:
// copyable, movable, comparable. It is not synchronised; share it read-only across threads.
// Brace literals read like the documented JSON: {{"status", "active"}, {"age", {{"$gt", 18}}}}
// is an object; a braced list whose elements are not all [string, x] pairs is an array.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

namespace tether {

// How deeply values, where-filters and update documents may nest: an array or object
// inside another is one level more. Deeper input is refused where it is parsed (JSON text,
// a filter, a record), with an error that names the limit, so that nothing recurses
// without bound.
inline constexpr std::size_t max_nesting_depth = 256;

enum class value_kind : std::uint8_t {
  null, boolean, integer, real, decimal, string, bytes, date, time, timestamp, uuid, array, object, object_id
};

std::string_view to_string(value_kind kind) noexcept;

// An exact decimal number kept as its canonical text ("-12.3400"): no digit is ever lost.
struct decimal {
  std::string text;
  // Throws tether::error (usage) when `text` is not a decimal literal.
  static decimal parse(std::string_view text);
  friend bool operator==(const decimal&, const decimal&) = default;
};

// A calendar date, as days since 1970-01-01 (proleptic Gregorian).
struct date {
  std::int32_t days = 0;
  static date from_ymd(int year, unsigned month, unsigned day);
  static date parse(std::string_view iso);  // "YYYY-MM-DD"
  std::string to_string() const;
  friend auto operator<=>(const date&, const date&) = default;
};

// A time of day, as microseconds since midnight.
struct time_of_day {
  std::int64_t micros = 0;
  static time_of_day parse(std::string_view iso);  // "HH:MM:SS[.ffffff]"
  std::string to_string() const;
  friend auto operator<=>(const time_of_day&, const time_of_day&) = default;
};

// An instant with the UTC offset it was written in. Equality compares the instant and
// the offset, so that a round trip is exact; compare `micros` alone for "same instant".
struct timestamp {
  std::int64_t micros = 0;         // since 1970-01-01T00:00:00Z
  std::int16_t offset_minutes = 0; // the offset to show it in; does not change the instant
  static timestamp parse(std::string_view iso);  // "YYYY-MM-DD[T ]HH:MM:SS[.ffffff](Z|±HH:MM)"
  std::string to_string() const;                 // ISO 8601 in its own offset
  friend bool operator==(const timestamp&, const timestamp&) = default;
};

struct uuid {
  std::array<std::uint8_t, 16> octets{};
  static uuid parse(std::string_view text);  // canonical 8-4-4-4-12 hex
  std::string to_string() const;
  friend auto operator<=>(const uuid&, const uuid&) = default;
};

// A MongoDB ObjectId: 12 bytes (a 4-byte time in seconds, 5 random, a 3-byte counter),
// ordered by its bytes as MongoDB orders them. JSON: {"$oid": "24 hex digits"}.
struct object_id {
  std::array<std::uint8_t, 12> octets{};
  static object_id parse(std::string_view hex);  // 24 hexadecimal digits
  std::string to_string() const;                 // 24 lowercase hexadecimal digits
  friend auto operator<=>(const object_id&, const object_id&) = default;
};

struct bytes {
  std::vector<std::uint8_t> data;
  friend bool operator==(const bytes&, const bytes&) = default;
};

class value;
using array = std::vector<value>;
using member = std::pair<std::string, value>;
using object = std::vector<member>;  // keeps insertion order: it becomes column order

class value {
 public:
  value() noexcept = default;
  value(std::nullptr_t) noexcept {}
  value(bool b) noexcept : v_(b) {}
  template <class I, std::enable_if_t<std::is_integral_v<I> && !std::is_same_v<I, bool> &&
                                          !std::is_same_v<I, char>, int> = 0>
  value(I i) noexcept : v_(static_cast<std::int64_t>(i)) {}
  template <class F, std::enable_if_t<std::is_floating_point_v<F>, int> = 0>
  value(F f) noexcept : v_(static_cast<double>(f)) {}
  value(const char* s) : v_(std::string(s)) {}
  value(std::string s) noexcept : v_(std::move(s)) {}
  value(std::string_view s) : v_(std::string(s)) {}
  value(tether::decimal d) noexcept : v_(std::move(d)) {}
  value(tether::bytes b) noexcept : v_(std::move(b)) {}
  value(tether::date d) noexcept : v_(d) {}
  value(time_of_day t) noexcept : v_(t) {}
  value(tether::timestamp t) noexcept : v_(t) {}
  value(tether::uuid u) noexcept : v_(u) {}
  value(tether::object_id o) noexcept : v_(o) {}
  value(tether::array a) noexcept : v_(std::move(a)) {}
  value(tether::object o) noexcept : v_(std::move(o)) {}
  // Object when every element is a [string, value] pair, otherwise array.
  value(std::initializer_list<value> items);

  value(const value&) = default;
  value(value&&) noexcept = default;
  value& operator=(const value&) = default;
  value& operator=(value&&) noexcept = default;
  // Frees nested arrays and objects by recursion for 64 levels and from a list past them,
  // so any depth frees without a crash (a scalar costs one test); copies recurse, once
  // per level.
  ~value() {
    if (!is_scalar()) release_nested();
  }

  value_kind kind() const noexcept { return static_cast<value_kind>(v_.index()); }
  bool is_null() const noexcept { return kind() == value_kind::null; }
  bool is_string() const noexcept { return kind() == value_kind::string; }
  bool is_object() const noexcept { return kind() == value_kind::object; }
  bool is_array() const noexcept { return kind() == value_kind::array; }
  bool is_number() const noexcept {
    auto k = kind();
    return k == value_kind::integer || k == value_kind::real || k == value_kind::decimal;
  }
  bool is_scalar() const noexcept { return !is_array() && !is_object(); }

  // Typed access; each throws tether::error (usage) naming both kinds on a mismatch.
  // The common ones are inline: binding a parameter calls them once per value.
  bool as_bool() const {
    if (auto* b = std::get_if<bool>(&v_)) return *b;
    mismatch(value_kind::boolean);
  }
  // An integer, or a decimal holding a whole number that fits (SUM of integers is an
  // exact decimal on some engines).
  std::int64_t as_int() const {
    if (auto* i = std::get_if<std::int64_t>(&v_)) return *i;
    return whole_decimal();
  }
  double as_double() const;  // integer, real or decimal
  const std::string& as_string() const {
    if (auto* s = std::get_if<std::string>(&v_)) return *s;
    mismatch(value_kind::string);
  }
  const tether::decimal& as_decimal() const;
  const tether::bytes& as_bytes() const;
  tether::date as_date() const;
  time_of_day as_time() const;
  tether::timestamp as_timestamp() const;
  tether::uuid as_uuid() const;
  tether::object_id as_object_id() const;
  const tether::array& as_array() const;
  tether::array& as_array();
  const tether::object& as_object() const;
  tether::object& as_object();
  // The members when this is an object, else nullptr (inline: bulk inserts call it per cell).
  const tether::object* if_object() const noexcept { return std::get_if<tether::object>(&v_); }

  // Object member lookup; nullptr when absent or when this is not an object.
  const value* find(std::string_view key) const noexcept;
  // Object member access; throws tether::error (not_found) when absent.
  const value& operator[](std::string_view key) const;
  const value& operator[](std::size_t index) const;
  std::size_t size() const noexcept;  // members, elements, or 0 for scalars

  // How many levels of arrays and objects this holds (a scalar: 0), counted without
  // recursion, and stopping once past `limit`.
  std::size_t depth(std::size_t limit = max_nesting_depth) const;

  // Lossless JSON text (see docs/values.md); from_json throws tether::error (usage),
  // also for text that nests deeper than max_nesting_depth.
  std::string to_json() const;
  void append_json(std::string& out) const;
  // Plain text, for a table cell or a CSV field: a string as it is, a decimal, date, time,
  // timestamp or uuid in its own text, null as "", anything else as its JSON.
  std::string to_text() const;
  static value from_json(std::string_view text);

  friend bool operator==(const value& a, const value& b);

 private:
  [[noreturn]] void mismatch(value_kind wanted) const;
  void release_nested() noexcept;
  std::int64_t whole_decimal() const;
  std::variant<std::monostate, bool, std::int64_t, double, tether::decimal, std::string,
               tether::bytes, tether::date, time_of_day, tether::timestamp, tether::uuid,
               tether::array, tether::object, tether::object_id>
      v_;
};

// Force a braced list to be an array even when it looks like an object, and the reverse.
inline value make_array(std::initializer_list<value> items) { return value(tether::array(items)); }
inline value make_object(std::initializer_list<member> items) { return value(tether::object(items)); }

}  // namespace tether
