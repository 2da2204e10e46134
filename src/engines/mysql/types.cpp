// MySQL's and MariaDB's type mapping, both ways. Reading: result columns → tether cells;
// the field's type says most; MariaDB's extended metadata names JSON and UUID columns
// (both are strings on the wire), and a TINYINT(1) is a boolean, as MySQL's BOOLEAN is
// spelt. Writing: tether values → binary-protocol parameters.
#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>

#include "connection.hpp"
#include "core/results/records_builder.hpp"
#include "error.hpp"
#include "../../sql/redact.hpp"

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

// Result buffers by column: integers and doubles as themselves, dates and times as
// MYSQL_TIME, everything else as text or bytes in a buffer that grows to fit.
void connection::describe(cached& c) {
  c.columns.clear();
  c.results.clear();
  MYSQL_RES* meta = mysql_stmt_result_metadata(c.stmt);
  if (!meta) {
    c.names = c.data_names = nullptr;
    return;
  }
  const unsigned n = mysql_num_fields(meta);
  const MYSQL_FIELD* fields = mysql_fetch_fields(meta);
  std::vector<std::string> names;
  c.columns.resize(n);
  c.results.resize(n);
  for (unsigned i = 0; i < n; ++i) {
    names.emplace_back(fields[i].name, fields[i].name_length);
    column& k = c.columns[i];
    k.how = decoder_for(fields[i]);
    MYSQL_BIND& b = c.results[i];
    b = MYSQL_BIND{};
    b.is_null = &k.is_null;
    b.length = &k.length;
    b.error = &k.truncated;
    switch (k.how) {
      case decode::integer: case decode::unsigned_integer: case decode::boolean:
        b.buffer_type = MYSQL_TYPE_LONGLONG;
        b.buffer = &k.fixed.integer;
        b.is_unsigned = k.how == decode::unsigned_integer;
        break;
      case decode::real:
        b.buffer_type = MYSQL_TYPE_DOUBLE;
        b.buffer = &k.fixed.real;
        break;
      case decode::date: case decode::time: case decode::datetime:
        k.data.resize(sizeof(MYSQL_TIME));
        b.buffer_type = k.how == decode::date ? MYSQL_TYPE_DATE : k.how == decode::time ? MYSQL_TYPE_TIME
                                                                                        : MYSQL_TYPE_DATETIME;
        b.buffer = k.data.data();
        b.buffer_length = sizeof(MYSQL_TIME);
        break;
      default:
        k.data.resize(std::clamp<std::size_t>(fields[i].length + 1, 32, 1024));
        b.buffer_type = k.how == decode::bytes || k.how == decode::bits ? MYSQL_TYPE_BLOB : MYSQL_TYPE_STRING;
        b.buffer = k.data.data();
        b.buffer_length = k.data.size();
    }
  }
  mysql_free_result(meta);
  c.names = std::make_shared<const std::vector<std::string>>(names);
  if (!names.empty()) names.pop_back();
  c.data_names = std::make_shared<const std::vector<std::string>>(std::move(names));
}

void connection::bind(cached& c, const engine::plan& p, std::size_t offset) {
  const std::size_t n = c.bindings.size();
  params_.assign(n, MYSQL_BIND{});
  texts_.resize(n);
  times_.resize(n);
  integers_.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    const auto& b = c.bindings[i];
    const value& v = *p.param(b.param + offset);
    MYSQL_BIND& m = params_[i];
    auto text = [&](std::string s, enum_field_types type = MYSQL_TYPE_STRING) {
      texts_[i] = std::move(s);
      m.buffer_type = type;
      m.buffer = texts_[i].data();
      m.buffer_length = texts_[i].size();
    };
    if (b.how == sql::transform::json_text || (b.how == sql::transform::json_value && !v.is_null())) {
      text(v.to_json());  // json_value: a JSON column's value, so a string is a JSON string
      continue;
    }
    if (b.how != sql::transform::none && b.how != sql::transform::json_value) {
      text(sql::apply_transform(b.how, v.as_string()));
      continue;
    }
    switch (v.kind()) {
      case value_kind::null: m.buffer_type = MYSQL_TYPE_NULL; break;
      case value_kind::boolean: case value_kind::integer:
        integers_[i] = v.kind() == value_kind::boolean ? (v.as_bool() ? 1 : 0) : v.as_int();
        m.buffer_type = MYSQL_TYPE_LONGLONG;
        m.buffer = &integers_[i];
        break;
      case value_kind::real:
        if (!std::isfinite(v.as_double()))
          throw error(error_category::unsupported,
                      fmt::format("MySQL cannot store {}; only finite numbers", v.to_json()),
                      error_details{.engine = "mysql", .statement = sql::redact_statement(c.text)});
        {
          double d = v.as_double();
          std::memcpy(&integers_[i], &d, sizeof d);
        }
        m.buffer_type = MYSQL_TYPE_DOUBLE;
        m.buffer = &integers_[i];
        break;
      case value_kind::decimal: text(v.as_decimal().text, MYSQL_TYPE_NEWDECIMAL); break;
      case value_kind::string: {  // no copy: the plan's value outlives the call
        const auto& s = v.as_string();
        m.buffer_type = MYSQL_TYPE_STRING;
        m.buffer = const_cast<char*>(s.data());
        m.buffer_length = s.size();
        break;
      }
      case value_kind::bytes: {
        const auto& d = v.as_bytes().data;
        static char none = 0;  // an empty vector has no address; a null buffer is sent as NULL
        m.buffer_type = MYSQL_TYPE_BLOB;
        m.buffer = d.empty() ? static_cast<void*>(&none) : const_cast<std::uint8_t*>(d.data());
        m.buffer_length = d.size();
        break;
      }
      case value_kind::date: case value_kind::time: case value_kind::timestamp:
        fill_time(times_[i], v);
        m.buffer_type = v.kind() == value_kind::date ? MYSQL_TYPE_DATE
                        : v.kind() == value_kind::time ? MYSQL_TYPE_TIME
                                                       : MYSQL_TYPE_DATETIME;
        m.buffer = &times_[i];
        break;
      case value_kind::uuid: text(v.as_uuid().to_string()); break;
      case value_kind::object_id: text(v.as_object_id().to_string()); break;
      default: text(v.to_json()); break;  // arrays and objects: JSON columns
    }
  }
  if (n && mysql_stmt_bind_param(c.stmt, params_.data())) throw_error(c.stmt, c.text);
}

void connection::bind(cached& c, const std::vector<const value*>& values) {
  engine::plan p;
  for (const value* v : values) p.add_param(v);
  bind(c, p, 0);
}

}  // namespace tether::detail::mysql
