// tether values ↔ BSON (types.hpp tells the mapping).
#include "types.hpp"

#include <fmt/format.h>

#include <cmath>
#include <cstring>
#include <limits>

#include "tether/error.hpp"

namespace tether::detail::mongodb {
namespace {

constexpr std::int64_t ms_per_day = 86'400'000;

[[noreturn]] void refuse(std::string_view field, std::string_view what) {
  throw error(error_category::usage, fmt::format("field \"{}\": {}", field, what), error_details{"mongodb"});
}

// A decimal's coefficient digits and exponent, as Decimal128 counts them: "-12.3400" is
// 123400 × 10^-4, six digits.
bool fits_decimal128(std::string_view text) {
  std::size_t digits = 0, after_point = 0;
  bool leading = true, point = false;
  for (char c : text) {
    if (c == '.') {
      point = true;
      continue;
    }
    if (c < '0' || c > '9') continue;  // the sign
    if (point) ++after_point;
    if (leading && c == '0') continue;
    leading = false;
    ++digits;
  }
  return digits <= 34 && after_point <= 6176;
}

// Decimal128's text ("1.23E+5", "1E-7", "-0.00") as a plain decimal ("123000", "0.0000001").
std::string plain_decimal(std::string_view sci, std::string_view field) {
  if (sci == "NaN" || sci == "Infinity" || sci == "-Infinity")
    throw error(error_category::unsupported,
                fmt::format("field \"{}\" holds the Decimal128 {}, which a tether decimal cannot be", field, sci),
                error_details{"mongodb"});
  const auto e = sci.find('E');
  if (e == std::string_view::npos) return std::string(sci);
  std::string sign, digits;
  std::int64_t exponent = std::stoll(std::string(sci.substr(e + 1)));
  const std::string_view coefficient = sci.substr(0, e);
  for (std::size_t i = 0; i < coefficient.size(); ++i) {
    const char c = coefficient[i];
    if (c == '-') sign = "-";
    else if (c == '.') exponent -= static_cast<std::int64_t>(coefficient.size() - i - 1);  // digits after the point
    else digits += c;
  }
  if (exponent >= 0) return sign + digits + std::string(static_cast<std::size_t>(exponent), '0');
  const auto places = static_cast<std::size_t>(-exponent);
  if (digits.size() <= places) digits.insert(0, places - digits.size() + 1, '0');
  digits.insert(digits.size() - places, ".");
  return sign + digits;
}

void append_checked(bool ok, std::string_view field) {
  if (!ok) refuse(field, "the document would pass BSON's size limit");
}

void append_nested(bson_t* doc, std::string_view key, const value& v, std::string_view field, std::size_t depth) {
  if (depth >= max_document_depth)
    refuse(field, fmt::format("the value nests deeper than the {} levels MongoDB stores", max_document_depth));
  const std::string k(key);
  bson_t child;
  if (v.is_array()) {
    append_checked(bson_append_array_begin(doc, k.c_str(), -1, &child), field);
    const auto& items = v.as_array();
    for (std::size_t i = 0; i < items.size(); ++i) append_value(&child, std::to_string(i), items[i], field, depth + 1);
    append_checked(bson_append_array_end(doc, &child), field);
    return;
  }
  append_checked(bson_append_document_begin(doc, k.c_str(), -1, &child), field);
  for (const auto& [name, item] : v.as_object()) append_value(&child, name, item, field, depth + 1);
  append_checked(bson_append_document_end(doc, &child), field);
}

value read_nested(const bson_iter_t& it, std::string_view field) {
  bson_iter_t child;
  bson_iter_t at = it;
  if (!bson_iter_recurse(&at, &child)) refuse(field, "a malformed nested document");
  if (bson_iter_type(&it) == BSON_TYPE_ARRAY) {
    array items;
    while (bson_iter_next(&child)) items.push_back(read_value(child, nullptr, field));
    return value(std::move(items));
  }
  object members;
  while (bson_iter_next(&child)) members.emplace_back(bson_iter_key(&child), read_value(child, nullptr, field));
  return value(std::move(members));
}

const char* bson_type_name(bson_type_t t) {
  switch (t) {
    case BSON_TYPE_REGEX: return "regular expression";
    case BSON_TYPE_CODE: return "JavaScript code";
    case BSON_TYPE_CODEWSCOPE: return "JavaScript code with scope";
    case BSON_TYPE_SYMBOL: return "symbol";
    case BSON_TYPE_DBPOINTER: return "DBPointer";
    case BSON_TYPE_TIMESTAMP: return "internal timestamp";
    case BSON_TYPE_MINKEY: return "MinKey";
    case BSON_TYPE_MAXKEY: return "MaxKey";
    default: return "unknown";
  }
}

}  // namespace

void append_value(bson_t* doc, std::string_view key, const value& v, std::string_view field, std::size_t depth) {
  if (key.find('\0') != std::string_view::npos) refuse(field, "a document key holds a NUL character");
  const std::string k(key);
  switch (v.kind()) {
    case value_kind::null: return append_checked(bson_append_null(doc, k.c_str(), -1), field);
    case value_kind::boolean: return append_checked(bson_append_bool(doc, k.c_str(), -1, v.as_bool()), field);
    case value_kind::integer: {
      const std::int64_t i = v.as_int();
      if (i >= std::numeric_limits<std::int32_t>::min() && i <= std::numeric_limits<std::int32_t>::max())
        return append_checked(bson_append_int32(doc, k.c_str(), -1, static_cast<std::int32_t>(i)), field);
      return append_checked(bson_append_int64(doc, k.c_str(), -1, i), field);
    }
    case value_kind::real: {
      const double d = v.as_double();
      if (!std::isfinite(d)) refuse(field, fmt::format("{} is not a number tether stores", d));
      return append_checked(bson_append_double(doc, k.c_str(), -1, d == 0 ? 0.0 : d), field);
    }
    case value_kind::decimal: {
      const std::string& text = v.as_decimal().text;
      bson_decimal128_t dec;
      if (!fits_decimal128(text) || !bson_decimal128_from_string(text.c_str(), &dec))
        refuse(field, fmt::format("{} has more than the 34 significant digits a Decimal128 holds", text.substr(0, 60)));
      return append_checked(bson_append_decimal128(doc, k.c_str(), -1, &dec), field);
    }
    case value_kind::string: {
      const std::string& s = v.as_string();
      return append_checked(bson_append_utf8(doc, k.c_str(), -1, s.data(), static_cast<int>(s.size())), field);
    }
    case value_kind::bytes: {
      const auto& b = v.as_bytes().data;
      return append_checked(
          bson_append_binary(doc, k.c_str(), -1, BSON_SUBTYPE_BINARY, b.data(), static_cast<std::uint32_t>(b.size())),
          field);
    }
    case value_kind::uuid: {
      const auto u = v.as_uuid();
      return append_checked(bson_append_binary(doc, k.c_str(), -1, BSON_SUBTYPE_UUID, u.octets.data(), 16), field);
    }
    case value_kind::object_id: {
      bson_oid_t oid;
      const auto o = v.as_object_id();
      std::copy(o.octets.begin(), o.octets.end(), oid.bytes);
      return append_checked(bson_append_oid(doc, k.c_str(), -1, &oid), field);
    }
    case value_kind::timestamp: {
      const auto t = v.as_timestamp();
      if (t.micros % 1000 != 0)
        refuse(field, fmt::format("{} has microseconds; MongoDB keeps dates to the millisecond", t.to_string()));
      return append_checked(bson_append_date_time(doc, k.c_str(), -1, t.micros / 1000), field);
    }
    case value_kind::date:
      return append_checked(bson_append_date_time(doc, k.c_str(), -1, std::int64_t{v.as_date().days} * ms_per_day), field);
    case value_kind::time: {
      const std::string text = v.as_time().to_string();
      return append_checked(bson_append_utf8(doc, k.c_str(), -1, text.data(), static_cast<int>(text.size())), field);
    }
    case value_kind::array:
    case value_kind::object: return append_nested(doc, key, v, field, depth);
  }
}

value read_value(const bson_iter_t& it, const engine::field_def* declared, std::string_view field) {
  const field_type want = declared ? declared->type : field_type::json;
  const bool typed = declared != nullptr;
  switch (bson_iter_type(&it)) {
    case BSON_TYPE_EOD:
    case BSON_TYPE_NULL:
    case BSON_TYPE_UNDEFINED: return value();
    case BSON_TYPE_BOOL: return value(bson_iter_bool(&it));
    case BSON_TYPE_INT32:
    case BSON_TYPE_INT64: {
      const std::int64_t i = bson_iter_type(&it) == BSON_TYPE_INT32 ? bson_iter_int32(&it) : bson_iter_int64(&it);
      if (typed && want == field_type::decimal) return value(decimal::parse(std::to_string(i)));
      if (typed && (want == field_type::float_ || want == field_type::double_)) return value(static_cast<double>(i));
      return value(i);
    }
    case BSON_TYPE_DOUBLE: {
      const double d = bson_iter_double(&it);
      if (typed && want == field_type::decimal && std::isfinite(d)) return value(decimal::parse(fmt::format("{}", d)));
      // A whole double in an integer field is the integer: JavaScript writes every number
      // past int32 as a double (the Node driver, CongoDB), exactly up to 2^53.
      if (typed && (want == field_type::integer || want == field_type::bigint || want == field_type::smallint) &&
          std::trunc(d) == d && std::abs(d) < 9223372036854775808.0)
        return value(static_cast<std::int64_t>(d));
      return value(d == 0 ? 0.0 : d);
    }
    case BSON_TYPE_DECIMAL128: {
      bson_decimal128_t dec;
      bson_iter_decimal128(&it, &dec);
      char text[BSON_DECIMAL128_STRING];
      bson_decimal128_to_string(&dec, text);
      return value(decimal::parse(plain_decimal(text, field)));
    }
    case BSON_TYPE_UTF8: {
      std::uint32_t n = 0;
      const char* s = bson_iter_utf8(&it, &n);
      std::string text(s, n);
      if (typed) {
        try {  // text written by another program keeps being text if it does not parse
          switch (want) {
            case field_type::time: return value(time_of_day::parse(text));
            case field_type::date: return value(date::parse(text));
            case field_type::timestamp:
            case field_type::datetime: return value(timestamp::parse(text));
            case field_type::uuid: return value(uuid::parse(text));
            case field_type::decimal: return value(decimal::parse(text));
            default: break;
          }
        } catch (const error&) {
        }
      }
      return value(std::move(text));
    }
    case BSON_TYPE_BINARY: {
      bson_subtype_t subtype;
      std::uint32_t n = 0;
      const std::uint8_t* data = nullptr;
      bson_iter_binary(&it, &subtype, &n, &data);
      const bool uuid_bytes = (subtype == BSON_SUBTYPE_UUID || subtype == BSON_SUBTYPE_UUID_DEPRECATED) && n == 16;
      if (uuid_bytes && !(typed && (want == field_type::binary || want == field_type::blob))) {
        tether::uuid u;
        std::memcpy(u.octets.data(), data, 16);
        return value(u);
      }
      return value(bytes{std::vector<std::uint8_t>(data, data + n)});
    }
    case BSON_TYPE_DATE_TIME: {
      const std::int64_t ms = bson_iter_date_time(&it);
      if (typed && want == field_type::date) {
        const std::int64_t days = ms >= 0 ? ms / ms_per_day : -((-ms + ms_per_day - 1) / ms_per_day);
        return value(date{static_cast<std::int32_t>(days)});
      }
      constexpr std::int64_t limit = std::numeric_limits<std::int64_t>::max() / 1000;
      if (ms > limit || ms < -limit)
        throw error(error_category::unsupported,
                    fmt::format("field \"{}\" holds a date {} ms from 1970, past what a tether timestamp holds", field, ms),
                    error_details{"mongodb"});
      return value(timestamp{ms * 1000, 0});
    }
    case BSON_TYPE_OID: {
      const bson_oid_t* oid = bson_iter_oid(&it);
      object_id o;
      std::copy(std::begin(oid->bytes), std::end(oid->bytes), o.octets.begin());
      if (typed && want == field_type::string) return value(o.to_string());
      return value(o);
    }
    case BSON_TYPE_DOCUMENT:
    case BSON_TYPE_ARRAY: return read_nested(it, field);
    default:
      throw error(error_category::unsupported,
                  fmt::format("field \"{}\" holds a BSON {}, which tether has no value for", field,
                              bson_type_name(bson_iter_type(&it))),
                  error_details{"mongodb"});
  }
}

value read_document(const bson_t& doc) {
  bson_iter_t it;
  object members;
  if (!bson_iter_init(&it, &doc)) throw error(error_category::query, "a malformed BSON document", error_details{"mongodb"});
  while (bson_iter_next(&it)) members.emplace_back(bson_iter_key(&it), read_value(it, nullptr, bson_iter_key(&it)));
  return value(std::move(members));
}

std::string canonical_json(const bson_t& doc) {
  char* text = bson_as_canonical_extended_json(&doc, nullptr);
  std::string out = text ? text : "";
  bson_free(text);
  return out;
}

}  // namespace tether::detail::mongodb
