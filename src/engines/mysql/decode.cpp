// Result columns → tether cells. The field's type says most; MariaDB's extended
// metadata names JSON and UUID columns (both are strings on the wire), and a
// TINYINT(1) is a boolean, as MySQL's BOOLEAN is spelt.
#include <fmt/format.h>

#include <charconv>
#include <chrono>
#include <cstdlib>

#include "connection.hpp"
#include "core/results/records_builder.hpp"

namespace tether::detail::mysql {
namespace {

constexpr unsigned binary_charset = 63;

// MariaDB's extended metadata: a data type plugin's name (uuid, inet6) or, for a string
// holding JSON, the format name json.
std::string_view format_name(const MYSQL_FIELD& f) {
  for (auto which : {MARIADB_FIELD_ATTR_DATA_TYPE_NAME, MARIADB_FIELD_ATTR_FORMAT_NAME}) {
    MARIADB_CONST_STRING attr{};
    if (mariadb_field_attr(&attr, &f, which) == 0 && attr.str && attr.length)
      return std::string_view(attr.str, attr.length);
  }
  return {};
}

}  // namespace

decode decoder_for(const MYSQL_FIELD& f) {
  switch (f.type) {
    case MYSQL_TYPE_TINY: if (f.length == 1) return decode::boolean; [[fallthrough]];
    case MYSQL_TYPE_SHORT: case MYSQL_TYPE_INT24: case MYSQL_TYPE_LONG: case MYSQL_TYPE_YEAR:
      return decode::integer;
    case MYSQL_TYPE_LONGLONG: return (f.flags & UNSIGNED_FLAG) ? decode::unsigned_integer : decode::integer;
    case MYSQL_TYPE_FLOAT: case MYSQL_TYPE_DOUBLE: return decode::real;
    case MYSQL_TYPE_DECIMAL: case MYSQL_TYPE_NEWDECIMAL: return decode::decimal;
    case MYSQL_TYPE_DATE: case MYSQL_TYPE_NEWDATE: return decode::date;
    case MYSQL_TYPE_TIME: return decode::time;
    case MYSQL_TYPE_DATETIME: case MYSQL_TYPE_TIMESTAMP: return decode::datetime;
    case MYSQL_TYPE_JSON: return decode::json;
    case MYSQL_TYPE_BIT: return decode::bits;
    case MYSQL_TYPE_GEOMETRY: return decode::bytes;
    default: break;
  }
  std::string_view format = format_name(f);
  if (format == "json") return decode::json;
  if (format == "uuid") return decode::uuid;
  if (f.charsetnr == binary_charset && !(f.flags & (ENUM_FLAG | SET_FLAG))) return decode::bytes;
  return decode::text;
}

void append_text(records& out, decode how, std::string_view s) {
  try {
    switch (how) {
      case decode::integer: {
        std::int64_t v = 0;
        std::from_chars(s.data(), s.data() + s.size(), v);
        return detail::records_builder(out).add_int(v);
      }
      case decode::unsigned_integer: {
        std::uint64_t v = 0;
        std::from_chars(s.data(), s.data() + s.size(), v);
        if (v <= static_cast<std::uint64_t>(INT64_MAX)) return detail::records_builder(out).add_int(static_cast<std::int64_t>(v));
        return detail::records_builder(out).add_decimal(s);
      }
      case decode::boolean: return detail::records_builder(out).add_bool(s != "0");
      case decode::real: return detail::records_builder(out).add_double(std::strtod(std::string(s).c_str(), nullptr));
      case decode::decimal: return detail::records_builder(out).add_decimal(s);
      case decode::bytes: return detail::records_builder(out).add_bytes(s.data(), s.size());
      case decode::bits: {  // BIT(n): big-endian bytes
        std::int64_t v = 0;
        for (unsigned char c : s) v = (v << 8) | c;
        return detail::records_builder(out).add_int(v);
      }
      case decode::date: return detail::records_builder(out).add_date(date::parse(s));
      case decode::time: return detail::records_builder(out).add_time(time_of_day::parse(s));
      case decode::datetime: {
        std::string iso(s);
        if (iso.size() >= 19) iso += 'Z';  // the session's time zone is UTC
        return detail::records_builder(out).add_timestamp(timestamp::parse(iso));
      }
      case decode::uuid: return detail::records_builder(out).add_uuid(uuid::parse(s));
      case decode::json:
        if (!s.empty() && (s.front() == '[' || s.front() == '{')) return detail::records_builder(out).add_json(s);
        return detail::records_builder(out).add(value::from_json(s));
      case decode::text: return detail::records_builder(out).add_text(s);
    }
  } catch (const error&) {
    // A value this decoder cannot read (a zero date a lenient server kept): as text.
  }
  detail::records_builder(out).add_text(s);
}

void fill_time(MYSQL_TIME& t, const value& v) {
  using namespace std::chrono;
  t = MYSQL_TIME{};
  auto set_date = [&](std::int64_t days) {
    year_month_day ymd{sys_days{std::chrono::days{days}}};
    t.year = static_cast<unsigned>(int(ymd.year()));
    t.month = unsigned(ymd.month());
    t.day = unsigned(ymd.day());
  };
  auto set_clock = [&](std::int64_t micros) {
    t.hour = static_cast<unsigned>(micros / 3'600'000'000);
    t.minute = static_cast<unsigned>(micros / 60'000'000 % 60);
    t.second = static_cast<unsigned>(micros / 1'000'000 % 60);
    t.second_part = static_cast<unsigned long>(micros % 1'000'000);
  };
  switch (v.kind()) {
    case value_kind::date:
      set_date(v.as_date().days);
      t.time_type = MYSQL_TIMESTAMP_DATE;
      break;
    case value_kind::time:
      set_clock(v.as_time().micros);
      t.time_type = MYSQL_TIMESTAMP_TIME;
      break;
    default: {  // a timestamp, stored as its UTC wall-clock time
      constexpr std::int64_t per_day = 86'400'000'000;
      std::int64_t micros = v.as_timestamp().micros;
      std::int64_t days = micros / per_day - (micros % per_day < 0 ? 1 : 0);
      set_date(days);
      set_clock(micros - days * per_day);
      t.time_type = MYSQL_TIMESTAMP_DATETIME;
    }
  }
}

std::string type_name(const MYSQL_FIELD& f) {
  std::string_view format = format_name(f);
  if (!format.empty()) return std::string(format);
  switch (f.type) {
    case MYSQL_TYPE_TINY: return f.length == 1 ? "boolean" : "tinyint";
    case MYSQL_TYPE_SHORT: return "smallint";
    case MYSQL_TYPE_INT24: return "mediumint";
    case MYSQL_TYPE_LONG: return "int";
    case MYSQL_TYPE_LONGLONG: return (f.flags & UNSIGNED_FLAG) ? "bigint unsigned" : "bigint";
    case MYSQL_TYPE_YEAR: return "year";
    case MYSQL_TYPE_FLOAT: return "float";
    case MYSQL_TYPE_DOUBLE: return "double";
    case MYSQL_TYPE_DECIMAL: case MYSQL_TYPE_NEWDECIMAL: return "decimal";
    case MYSQL_TYPE_DATE: case MYSQL_TYPE_NEWDATE: return "date";
    case MYSQL_TYPE_TIME: return "time";
    case MYSQL_TYPE_DATETIME: return "datetime";
    case MYSQL_TYPE_TIMESTAMP: return "timestamp";
    case MYSQL_TYPE_JSON: return "json";
    case MYSQL_TYPE_BIT: return "bit";
    case MYSQL_TYPE_GEOMETRY: return "geometry";
    case MYSQL_TYPE_NULL: return "null";
    default: break;
  }
  if (f.flags & ENUM_FLAG) return "enum";
  if (f.flags & SET_FLAG) return "set";
  bool binary = f.charsetnr == binary_charset;
  switch (f.type) {
    case MYSQL_TYPE_VARCHAR: case MYSQL_TYPE_VAR_STRING: return binary ? "varbinary" : "varchar";
    case MYSQL_TYPE_STRING: return binary ? "binary" : "char";
    default: return binary ? "blob" : "text";
  }
}

}  // namespace tether::detail::mysql
