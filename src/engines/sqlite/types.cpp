// SQLite's type mapping: portable field types → declared column types, and declared
// types → how a column's cells are read (docs/engines/sqlite.md).
#include "types.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <string>

#include "connection.hpp"
#include "core/results/records_builder.hpp"

namespace tether::detail::sqlite {
namespace {
// In field_type order. DECIMAL_TEXT has TEXT affinity: plain DECIMAL has NUMERIC
// affinity, which would store '1.10' as the real 1.1.
constexpr std::array<std::string_view, 19> declared{
    "INTEGER",      // integer
    "BIGINT",       // bigint (INTEGER affinity: contains INT)
    "SMALLINT",     // smallint
    "REAL",         // float
    "DOUBLE",       // double
    "DECIMAL_TEXT", // decimal
    "VARCHAR",      // string
    "TEXT",         // text
    "BOOLEAN",      // boolean
    "DATE",         // date
    "TIME",         // time
    "DATETIME",     // datetime
    "TIMESTAMP",    // timestamp
    "JSON",         // json
    "UUID",         // uuid
    "TEXT",         // enum (values enforced by a CHECK constraint)
    "JSON",         // array
    "BLOB",         // binary
    "BLOB",         // blob
};
}  // namespace

std::string_view column_type(field_type t) noexcept { return declared[static_cast<std::size_t>(t)]; }

namespace {

template <class Parse>
bool try_parse(std::string_view text, Parse parse) {
  try {
    parse(text);
    return true;
  } catch (const error&) {
    return false;
  }
}

}  // namespace

// A cell of a declared type (or a blob), and anything else connection.cpp's row loop leaves.
void add_decoded(records& out, sqlite3_value* cell, int type, decode how) {
  switch (type) {
    case SQLITE_NULL: return detail::records_builder(out).add_null();
    case SQLITE_INTEGER: {
      auto v = sqlite3_value_int64(cell);
      if (how == decode::boolean) return detail::records_builder(out).add_bool(v != 0);
      if (how == decode::decimal) return detail::records_builder(out).add_decimal(std::to_string(v));
      return detail::records_builder(out).add_int(v);
    }
    case SQLITE_FLOAT: {
      double d = sqlite3_value_double(cell);
      if (how == decode::decimal) return detail::records_builder(out).add_decimal(fmt::format("{}", d));
      return detail::records_builder(out).add_double(d);
    }
    case SQLITE_TEXT: {
      std::string_view text(reinterpret_cast<const char*>(sqlite3_value_text(cell)),
                            static_cast<std::size_t>(sqlite3_value_bytes(cell)));
      switch (how) {
        case decode::decimal:
          if (try_parse(text, decimal::parse)) return detail::records_builder(out).add_decimal(text);
          break;
        case decode::date:
          if (date d; try_parse(text, [&](auto t) { d = date::parse(t); })) return detail::records_builder(out).add_date(d);
          break;
        case decode::time:
          if (time_of_day t; try_parse(text, [&](auto s) { t = time_of_day::parse(s); }))
            return detail::records_builder(out).add_time(t);
          break;
        case decode::timestamp:
          if (timestamp t; try_parse(text, [&](auto s) { t = timestamp::parse(s); }))
            return detail::records_builder(out).add_timestamp(t);
          break;
        case decode::uuid:
          if (uuid u; try_parse(text, [&](auto s) { u = uuid::parse(s); })) return detail::records_builder(out).add_uuid(u);
          break;
        case decode::json:
          if (!text.empty() && (text.front() == '[' || text.front() == '{')) return detail::records_builder(out).add_json(text);
          // A JSON string or boolean, as transform::json_value writes them.
          if (text.size() >= 2 && text.front() == '"' && text.back() == '"') {
            value v;
            if (try_parse(text, [&](auto t) { v = value::from_json(t); }) && v.is_string()) return detail::records_builder(out).add_text(v.as_string());
          }
          if (text == "true" || text == "false") return detail::records_builder(out).add_bool(text == "true");
          break;
        default: break;
      }
      return detail::records_builder(out).add_text(text);
    }
    default: {
      const void* data = sqlite3_value_blob(cell);
      auto size = static_cast<std::size_t>(sqlite3_value_bytes(cell));
      if (how == decode::uuid && size == 16) {
        uuid u;
        std::memcpy(u.octets.data(), data, 16);
        return detail::records_builder(out).add_uuid(u);
      }
      return detail::records_builder(out).add_bytes(data, size);
    }
  }
}

decode decoder_for(const char* decltype_text) {
  if (!decltype_text) return decode::storage;
  std::string t(decltype_text);
  std::transform(t.begin(), t.end(), t.begin(), [](unsigned char c) { return std::toupper(c); });
  auto has = [&](std::string_view s) { return t.find(s) != std::string::npos; };
  if (has("BOOL")) return decode::boolean;
  if (has("DECIMAL") || has("NUMERIC")) return decode::decimal;
  if (has("TIMESTAMP") || has("DATETIME")) return decode::timestamp;
  if (has("DATE")) return decode::date;
  if (has("TIME")) return decode::time;
  if (has("UUID")) return decode::uuid;
  if (has("JSON")) return decode::json;
  return decode::storage;
}

}  // namespace tether::detail::sqlite
