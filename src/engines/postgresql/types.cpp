// PostgreSQL's type mapping, both ways. Reading: text (and binary) output → tether cells,
// by column type OID; the session runs with TimeZone UTC and DateStyle ISO (set at
// connect), so dates and times parse one way. Writing: tether values → text parameters
// (bytea as binary), array literals, and COPY's text format.
#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstring>

#include "connection.hpp"
#include "core/results/records_builder.hpp"

namespace tether::detail::postgresql {
namespace {

// Type OIDs from pg_type.dat: stable across PostgreSQL versions.
enum oid : Oid {
  bool_ = 16, bytea = 17, char_ = 18, name = 19, int8 = 20, int2 = 21, int4 = 23, text = 25, oid_ = 26,
  json = 114, float4 = 700, float8 = 701, bpchar = 1042, varchar = 1043, date_ = 1082, time_ = 1083,
  timestamp_ = 1114, timestamptz = 1184, numeric = 1700, uuid_ = 2950, jsonb = 3802,
  bool_array = 1000, int2_array = 1005, int4_array = 1007, text_array = 1009, varchar_array = 1015,
  int8_array = 1016, float4_array = 1021, float8_array = 1022, numeric_array = 1231, uuid_array = 2951,
};

Oid element_of(Oid array) {
  switch (array) {
    case bool_array: return bool_;
    case int2_array: return int2;
    case int4_array: return int4;
    case int8_array: return int8;
    case text_array: return text;
    case varchar_array: return varchar;
    case float4_array: return float4;
    case float8_array: return float8;
    case numeric_array: return numeric;
    case uuid_array: return uuid_;
    default: return 0;
  }
}

std::int64_t to_int(std::string_view s) {
  std::int64_t v = 0;
  std::from_chars(s.data(), s.data() + s.size(), v);
  return v;
}

double to_double(std::string_view s) {
  if (s == "NaN") return std::nan("");
  if (s == "Infinity") return HUGE_VAL;
  if (s == "-Infinity") return -HUGE_VAL;
  // std::from_chars (fast_float in libstdc++ 12) reads PostgreSQL's shortest round-trip
  // output exactly, at a fraction of strtod's cost; anything it refuses goes to strtod.
  double v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size()) v = std::strtod(std::string(s).c_str(), nullptr);
  return v + 0.0;  // -0.0 reads as 0.0, as on the other engines (docs/values.md)
}

std::vector<std::uint8_t> unhex(std::string_view s) {
  std::vector<std::uint8_t> out;
  if (s.size() < 2 || s[0] != '\\' || s[1] != 'x') return out;
  out.reserve((s.size() - 2) / 2);
  for (std::size_t i = 2; i + 1 < s.size(); i += 2) {
    unsigned b = 0;
    std::from_chars(s.data() + i, s.data() + i + 2, b, 16);
    out.push_back(static_cast<std::uint8_t>(b));
  }
  return out;
}

// One scalar, by type; anything unknown stays text.
value scalar(Oid type, std::string_view s) {
  try {
    switch (type) {
      case bool_: return s == "t";
      case int2: case int4: case int8: case oid_: return to_int(s);
      case float4: case float8: return to_double(s);
      case numeric: return s == "NaN" ? value(std::nan("")) : value(decimal{std::string(s)});
      case bytea: return bytes{unhex(s)};
      case date_: return date::parse(s);
      case time_: return time_of_day::parse(s);
      case timestamp_: case timestamptz: return timestamp::parse(s);
      case uuid_: return uuid::parse(s);
      case json: case jsonb: return value::from_json(s);
      default: return std::string(s);
    }
  } catch (const error&) {
    return std::string(s);  // infinity dates and the like: keep the text
  }
}

// A PostgreSQL array literal: {1,2,NULL}, {"a b","c\"d"}, {{1,2},{3,4}}.
value parse_array(std::string_view s, std::size_t& i, Oid element) {
  array out;
  ++i;  // '{'
  while (i < s.size() && s[i] != '}') {
    if (s[i] == '{') {
      out.push_back(parse_array(s, i, element));
    } else if (s[i] == '"') {
      std::string item;
      for (++i; i < s.size() && s[i] != '"'; ++i) {
        if (s[i] == '\\' && i + 1 < s.size()) ++i;
        item += s[i];
      }
      ++i;  // closing quote
      out.push_back(scalar(element, item));
    } else {
      auto end = s.find_first_of(",}", i);
      auto item = s.substr(i, end - i);
      out.push_back(item == "NULL" ? value() : scalar(element, item));
      i = end;
    }
    if (i < s.size() && s[i] == ',') ++i;
  }
  ++i;  // '}'
  return out;
}

// --- binary format ----------------------------------------------------------------------

std::uint64_t be(const char* p, int bytes) {
  std::uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v = (v << 8) | static_cast<unsigned char>(p[i]);
  return v;
}

constexpr std::int64_t unix_to_pg_days = 10957;                       // 1970-01-01 → 2000-01-01
constexpr std::int64_t unix_to_pg_micros = 946684800LL * 1000000LL;

// NUMERIC's binary form: ndigits, weight, sign, dscale, then base-10000 digits.
std::string numeric_text(const char* p, int len) {
  if (len < 8) return "NaN";
  int ndigits = static_cast<std::int16_t>(be(p, 2));
  int weight = static_cast<std::int16_t>(be(p + 2, 2));
  unsigned sign = static_cast<unsigned>(be(p + 4, 2));
  int dscale = static_cast<int>(be(p + 6, 2));
  if (sign == 0xC000) return "NaN";
  if (sign == 0xD000) return "Infinity";
  if (sign == 0xF000) return "-Infinity";
  auto digit = [&](int i) { return i >= 0 && i < ndigits ? static_cast<int>(be(p + 8 + 2 * i, 2)) : 0; };
  auto group = [](std::string& s, int d) {  // four digits, zero-padded
    char g[4] = {static_cast<char>('0' + d / 1000), static_cast<char>('0' + d / 100 % 10),
                 static_cast<char>('0' + d / 10 % 10), static_cast<char>('0' + d % 10)};
    s.append(g, 4);
  };
  std::string out;
  if (sign == 0x4000) out += '-';
  if (weight < 0) {
    out += '0';
  } else {
    out += std::to_string(digit(0));
    for (int i = 1; i <= weight; ++i) group(out, digit(i));
  }
  if (dscale > 0) {
    out += '.';
    std::string frac;
    for (int i = weight + 1; static_cast<int>(frac.size()) < dscale; ++i) group(frac, digit(i));
    out += frac.substr(0, static_cast<std::size_t>(dscale));
  }
  return out;
}

void add_binary(records& out, Oid type, const char* p, int len) {
  switch (type) {
    case bool_: return detail::records_builder(out).add_bool(p[0] != 0);
    case int2: return detail::records_builder(out).add_int(static_cast<std::int16_t>(be(p, 2)));
    case int4: return detail::records_builder(out).add_int(static_cast<std::int32_t>(be(p, 4)));
    case int8: return detail::records_builder(out).add_int(static_cast<std::int64_t>(be(p, 8)));
    case float4: {
      std::uint32_t bits = static_cast<std::uint32_t>(be(p, 4));
      float f;
      std::memcpy(&f, &bits, sizeof f);
      return detail::records_builder(out).add_double(f + 0.0);
    }
    case float8: {
      std::uint64_t bits = be(p, 8);
      double d;
      std::memcpy(&d, &bits, sizeof d);
      return detail::records_builder(out).add_double(d + 0.0);
    }
    case bytea: return detail::records_builder(out).add_bytes(p, static_cast<std::size_t>(len));
    case uuid_: {
      uuid u;
      std::memcpy(u.octets.data(), p, 16);
      return detail::records_builder(out).add_uuid(u);
    }
    case date_: {
      auto days = static_cast<std::int32_t>(be(p, 4));
      if (days == INT32_MAX) return detail::records_builder(out).add_text("infinity");
      if (days == INT32_MIN) return detail::records_builder(out).add_text("-infinity");
      return detail::records_builder(out).add_date(date{static_cast<std::int32_t>(days + unix_to_pg_days)});
    }
    case time_: return detail::records_builder(out).add_time(time_of_day{static_cast<std::int64_t>(be(p, 8))});
    case timestamp_:
    case timestamptz: {
      auto micros = static_cast<std::int64_t>(be(p, 8));
      if (micros == INT64_MAX) return detail::records_builder(out).add_text("infinity");
      if (micros == INT64_MIN) return detail::records_builder(out).add_text("-infinity");
      return detail::records_builder(out).add_timestamp(timestamp{micros + unix_to_pg_micros, 0});
    }
    case numeric: {
      std::string text = numeric_text(p, len);
      if (text == "NaN") return detail::records_builder(out).add_double(std::nan(""));
      return detail::records_builder(out).add_decimal(text);
    }
    case json: case jsonb: {
      std::string_view s(p, static_cast<std::size_t>(len));
      if (type == jsonb && !s.empty()) s.remove_prefix(1);  // the format's version byte
      if (!s.empty() && (s.front() == '[' || s.front() == '{')) return detail::records_builder(out).add_json(s);
      return detail::records_builder(out).add(value::from_json(s));
    }
    default: return detail::records_builder(out).add_text(std::string_view(p, static_cast<std::size_t>(len)));
  }
}

}  // namespace

bool has_binary_decoder(Oid type) noexcept {
  switch (type) {
    case bool_: case int2: case int4: case int8: case float4: case float8: case text: case varchar:
    case bpchar: case name: case bytea: case uuid_: case date_: case time_: case timestamp_:
    case timestamptz: case numeric: case json: case jsonb: return true;
    default: return false;
  }
}

value decode_cell(const PGresult* res, int row, int col) {
  if (PQgetisnull(res, row, col)) return nullptr;
  std::string_view s(PQgetvalue(res, row, col), static_cast<std::size_t>(PQgetlength(res, row, col)));
  Oid type = PQftype(res, col);
  if (Oid element = element_of(type); element != 0 && !s.empty() && s.front() == '{') {
    std::size_t i = 0;
    return parse_array(s, i, element);
  }
  return scalar(type, s);
}

void decode_rows(const PGresult* res, records& out, int skip_last) {
  const int ncols = PQnfields(res) - skip_last;
  if (out.column_count() == 0) detail::records_builder(out).reset(column_names(res, ncols));
  // The column types, inline for the usual handful of columns.
  Oid small_types[16];
  std::vector<Oid> big_types;
  Oid* types = small_types;
  if (ncols > 16) {
    big_types.resize(static_cast<std::size_t>(ncols));
    types = big_types.data();
  }
  for (int c = 0; c < ncols; ++c) types[c] = PQftype(res, c);
  append_rows(res, out, {types, static_cast<std::size_t>(ncols)}, ncols > 0 && PQfformat(res, 0) == 1);
}

std::shared_ptr<const std::vector<std::string>> column_names(const PGresult* res, int ncols) {
  auto names = std::make_shared<std::vector<std::string>>();
  names->reserve(static_cast<std::size_t>(ncols));
  for (int c = 0; c < ncols; ++c) names->emplace_back(PQfname(res, c));
  return names;
}

void append_rows(const PGresult* res, records& out, std::span<const Oid> types, bool binary) {
  const int ncols = static_cast<int>(types.size());
  const int nrows = PQntuples(res);
  detail::records_builder(out).reserve(out.size() + static_cast<std::size_t>(nrows));
  for (int r = 0; r < nrows; ++r) {
    for (int c = 0; c < ncols; ++c) {
      if (PQgetisnull(res, r, c)) {
        detail::records_builder(out).add_null();
        continue;
      }
      if (binary) {
        add_binary(out, types[c], PQgetvalue(res, r, c), PQgetlength(res, r, c));
        continue;
      }
      std::string_view s(PQgetvalue(res, r, c), static_cast<std::size_t>(PQgetlength(res, r, c)));
      switch (types[c]) {
        case int2: case int4: case int8: detail::records_builder(out).add_int(to_int(s)); break;
        case text: case varchar: case bpchar: case name: detail::records_builder(out).add_text(s); break;
        case float4: case float8: detail::records_builder(out).add_double(to_double(s)); break;
        case bool_: detail::records_builder(out).add_bool(s == "t"); break;
        case json: case jsonb:
          if (!s.empty() && (s.front() == '[' || s.front() == '{')) detail::records_builder(out).add_json(s);
          else detail::records_builder(out).add(value::from_json(s));
          break;
        default: detail::records_builder(out).add(decode_cell(res, r, c));
      }
    }
    detail::records_builder(out).end_row();
  }
}

// --- writing: tether values → PostgreSQL ------------------------------------------------

namespace {

constexpr Oid json_oid = 114, jsonb_oid = 3802;

// A timestamp as its UTC wall-clock time: a zone-less column (TIMESTAMP, tether's datetime)
// ignores an offset it is given, so "12:00+02:00" would be kept as 12:00 and shift the
// instant; in UTC it keeps the instant, and a TIMESTAMPTZ reads the same instant either way.
std::string utc(const timestamp& t) { return timestamp{t.micros, 0}.to_string(); }

// PostgreSQL's text holds no NUL byte: libpq would cut the value short at it, so that "a\0b"
// was stored as "a" and a where on "a\0zzz" matched it. Refused before anything is sent.
void refuse_nul(std::string_view s) {
  auto at = s.find('\0');
  if (at == std::string_view::npos) return;
  std::string shown = value(std::string(s.substr(0, std::min<std::size_t>(at + 8, 40)))).to_json();
  throw error(error_category::usage,
              fmt::format("PostgreSQL text cannot hold a NUL byte, found at offset {} of the string {}; remove it, "
                          "or store the value as bytes (tether::bytes, {{\"$bytes\": …}})",
                          at, shown),
              error_details{"postgresql"});
}

void append_array_literal(std::string& out, const value& v);

// One element of a PostgreSQL array literal: NULL, a nested array, a bare number or
// boolean, or anything else as a double-quoted string with " and \ escaped.
void append_array_element(std::string& out, const value& e) {
  switch (e.kind()) {
    case value_kind::null: out += "NULL"; return;
    case value_kind::array: append_array_literal(out, e); return;
    case value_kind::boolean: out += e.as_bool() ? "t" : "f"; return;
    case value_kind::integer: case value_kind::real: out += e.to_json(); return;
    case value_kind::decimal: out += e.as_decimal().text; return;
    default: break;
  }
  std::string text = e.is_string() ? e.as_string()
                     : e.kind() == value_kind::uuid ? e.as_uuid().to_string()
                     : e.kind() == value_kind::object_id ? e.as_object_id().to_string()
                     : e.kind() == value_kind::date ? e.as_date().to_string()
                     : e.kind() == value_kind::time ? e.as_time().to_string()
                     : e.kind() == value_kind::timestamp ? utc(e.as_timestamp())
                                                       : e.to_json();
  refuse_nul(text);
  out += '"';
  for (char ch : text) {
    if (ch == '"' || ch == '\\') out += '\\';
    out += ch;
  }
  out += '"';
}

// A PostgreSQL array literal: {1,"a \"b\"",NULL,{2,3}}.
void append_array_literal(std::string& out, const value& v) {
  out += '{';
  bool first = true;
  for (const auto& e : v.as_array()) {
    if (!first) out += ',';
    first = false;
    append_array_element(out, e);
  }
  out += '}';
}

}  // namespace

void connection::bind(const cached& c, const engine::plan& p, std::size_t offset) {
  const std::size_t n = c.bindings.size();
  texts_.resize(n);
  values_.assign(n, nullptr);
  lengths_.assign(n, 0);
  formats_.assign(n, 0);
  for (std::size_t i = 0; i < n; ++i) {
    const auto& b = c.bindings[i];
    const value& v = *p.param(b.param + offset);
    std::string& t = texts_[i];
    if (b.how == sql::transform::json_text) {
      t = v.to_json();
    } else if (b.how == sql::transform::array) {  // $in's list: one array literal
      t = "{";
      for (std::uint32_t k = 0; k < b.count; ++k) {
        if (k) t += ',';
        append_array_element(t, *p.param(b.param + offset + k));
      }
      t += '}';
    } else if (b.how != sql::transform::none) {
      t = sql::apply_transform(b.how, v.as_string());
    } else if (!v.is_null() && i < c.param_types.size() &&
               (c.param_types[i] == json_oid || c.param_types[i] == jsonb_oid)) {
      t = v.to_json();  // a json parameter: a string is a JSON string, never parsed as a document
    } else {
      switch (v.kind()) {
        case value_kind::null: continue;  // values_[i] stays null: SQL NULL
        case value_kind::boolean: t = v.as_bool() ? "t" : "f"; break;
        case value_kind::integer: t = std::to_string(v.as_int()); break;
        case value_kind::real: {
          double d = v.as_double();
          t = std::isnan(d) ? "NaN" : std::isinf(d) ? (d > 0 ? "Infinity" : "-Infinity") : fmt::format("{}", d);
          break;
        }
        case value_kind::decimal: t = v.as_decimal().text; break;
        case value_kind::string: {
          const auto& s = v.as_string();
          refuse_nul(s);
          values_[i] = s.data();
          lengths_[i] = static_cast<int>(s.size());
          continue;
        }
        case value_kind::bytes: {  // binary: no escaping, no hex
          const auto& b = v.as_bytes().data;
          // An empty vector has no address, and libpq sends a null address as NULL.
          values_[i] = b.empty() ? "" : reinterpret_cast<const char*>(b.data());
          lengths_[i] = static_cast<int>(b.size());
          formats_[i] = 1;
          continue;
        }
        case value_kind::date: t = v.as_date().to_string(); break;
        case value_kind::time: t = v.as_time().to_string(); break;
        case value_kind::timestamp: t = utc(v.as_timestamp()); break;
        case value_kind::uuid: t = v.as_uuid().to_string(); break;
        case value_kind::object_id: t = v.as_object_id().to_string(); break;
        case value_kind::array: {
          // A native array column takes an array literal; json and jsonb take JSON.
          Oid type = i < c.param_types.size() ? c.param_types[i] : 0;
          if (type != 0 && type != json_oid && type != jsonb_oid) {
            t.clear();
            append_array_literal(t, v);
          } else {
            t = v.to_json();
          }
          break;
        }
        default: t = v.to_json(); break;
      }
    }
    values_[i] = t.c_str();
    lengths_[i] = static_cast<int>(t.size());
  }
}

// A value in COPY's text format: \N for null; backslash, tab, newline and carriage
// return escaped; bytea as \\x hex; arrays as array literals; json as its text.
void append_copy_field(std::string& out, const value& v) {
  auto escaped = [&](std::string_view s) {
    for (char c : s) {
      switch (c) {
        case '\\': out += "\\\\"; break;
        case '\t': out += "\\t"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        default: out += c;
      }
    }
  };
  switch (v.kind()) {
    case value_kind::null: out += "\\N"; return;
    case value_kind::boolean: out += v.as_bool() ? 't' : 'f'; return;
    case value_kind::integer: out += std::to_string(v.as_int()); return;
    case value_kind::real: {
      double d = v.as_double();
      out += std::isnan(d) ? "NaN" : std::isinf(d) ? (d > 0 ? "Infinity" : "-Infinity") : fmt::format("{}", d);
      return;
    }
    case value_kind::decimal: out += v.as_decimal().text; return;
    case value_kind::string: refuse_nul(v.as_string()); return escaped(v.as_string());
    case value_kind::bytes: {
      static constexpr char hex[] = "0123456789abcdef";
      out += "\\\\x";
      for (auto b : v.as_bytes().data) {
        out += hex[b >> 4];
        out += hex[b & 15];
      }
      return;
    }
    case value_kind::date: out += v.as_date().to_string(); return;
    case value_kind::time: out += v.as_time().to_string(); return;
    case value_kind::timestamp: out += utc(v.as_timestamp()); return;
    case value_kind::uuid: out += v.as_uuid().to_string(); return;
    case value_kind::object_id: out += v.as_object_id().to_string(); return;
    case value_kind::array: {
      std::string literal;
      append_array_literal(literal, v);
      return escaped(literal);
    }
    case value_kind::object: return escaped(v.to_json());
  }
}

}  // namespace tether::detail::postgresql
