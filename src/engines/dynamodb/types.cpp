// tether values ↔ DynamoDB attribute values (types.hpp has the mapping).
#include "types.hpp"

#include <fmt/format.h>

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <algorithm>

#include "core/query/recorded_writes.hpp"
#include "core/values/json_text.hpp"
#include "tether/engine/evaluate.hpp"
#include "tether/error.hpp"

namespace tether::detail::dynamodb {
namespace {

std::string number_text(double d) {
  std::string s = fmt::format("{}", d);
  return s;
}

std::string padded(std::string n, int scale) {
  if (scale <= 0 || n.find_first_of("eE") != std::string::npos) return n;
  auto dot = n.find('.');
  int have = dot == std::string::npos ? 0 : static_cast<int>(n.size() - dot - 1);
  if (dot == std::string::npos) n += '.';
  if (have < scale) n.append(static_cast<std::size_t>(scale - have), '0');
  return n;
}

value number_of(const std::string& n, const engine::field_def* field) {
  std::optional<field_type> declared;
  if (field) declared = field->type;
  if (declared == field_type::decimal) return value(decimal::parse(padded(n, field->scale)));
  std::int64_t i = 0;
  auto [end, ec] = std::from_chars(n.data(), n.data() + n.size(), i);
  if (ec == std::errc() && end == n.data() + n.size() && declared != field_type::double_ && declared != field_type::float_)
    return value(i);
  if (n.find_first_of(".eE") == std::string::npos && !declared) return value(decimal::parse(n));  // beyond int64
  return value(std::stod(n));
}

value string_of(const std::string& s, const engine::field_def* field) {
  if (!field) return value(s);
  switch (field->type) {
    case field_type::date: return value(date::parse(s));
    case field_type::time: return value(time_of_day::parse(s));
    case field_type::datetime:
    case field_type::timestamp: return value(timestamp::parse(s));
    case field_type::uuid: return value(uuid::parse(s));
    default: return value(s);
  }
}

// DynamoDB's numbers: at most 38 significant digits, magnitudes from 1e-130 to below 1e126.
[[noreturn]] void out_of_range(std::string_view field, const value& v) {
  throw error(error_category::usage,
              fmt::format("field \"{}\": {} does not fit a DynamoDB number (at most 38 significant digits, magnitude "
                          "from 1e-130 to below 1e126, or 0)",
                          field, v.to_json()),
              error_details{"dynamodb"});
}

bool fits_number(std::string_view text) {
  long scale = 0;  // an exponent written after the digits ("1.5e-140")
  if (auto e = text.find_first_of("eE"); e != std::string_view::npos) {
    scale = std::strtol(std::string(text.substr(e + 1)).c_str(), nullptr, 10);
    text = text.substr(0, e);
  }
  std::size_t digits = 0, first = std::string_view::npos, last = 0, dot = std::string_view::npos;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '.') dot = i;
    else if (text[i] >= '1' && text[i] <= '9') {
      if (first == std::string_view::npos) first = i;
      last = i;
    }
  }
  if (first == std::string_view::npos) return true;  // zero
  for (std::size_t i = first; i <= last; ++i) digits += text[i] != '.';
  if (digits > 38) return false;
  if (dot == std::string_view::npos) dot = text.size();
  // The power of ten of the first significant digit.
  const long exponent = first < dot ? static_cast<long>(dot - first) - 1 : -static_cast<long>(first - dot);
  return exponent + scale >= -130 && exponent + scale < 126;
}

}  // namespace

json to_attribute(const value& v, std::string_view field) {
  switch (v.kind()) {
    case value_kind::null: return {{"NULL", true}};
    case value_kind::boolean: return {{"BOOL", v.as_bool()}};
    case value_kind::integer: return {{"N", std::to_string(v.as_int())}};
    case value_kind::real: {
      double d = v.as_double();
      if (!std::isfinite(d))
        throw error(error_category::usage,
                    fmt::format("field \"{}\": DynamoDB numbers are finite; got {}", field, v.to_json()),
                    error_details{"dynamodb"});
      if (d != 0 && (std::fabs(d) < 1e-130 || std::fabs(d) >= 1e126)) out_of_range(field, v);
      return {{"N", number_text(d)}};
    }
    case value_kind::decimal: {
      const std::string& text = v.as_decimal().text;
      if (!fits_number(text)) out_of_range(field, v);
      return {{"N", text}};
    }
    case value_kind::string: return {{"S", v.as_string()}};
    case value_kind::bytes: {
      std::string b;
      append_base64(b, v.as_bytes().data.data(), v.as_bytes().data.size());
      return {{"B", b}};
    }
    case value_kind::date: return {{"S", v.as_date().to_string()}};
    case value_kind::time: return {{"S", v.as_time().to_string()}};
    case value_kind::timestamp: {
      // Stored in UTC, as the SQL engines read a timestamp back, so that text order is time order.
      timestamp utc = v.as_timestamp();
      utc.offset_minutes = 0;
      return {{"S", utc.to_string()}};
    }
    case value_kind::uuid: return {{"S", v.as_uuid().to_string()}};
    case value_kind::object_id: return {{"S", v.as_object_id().to_string()}};
    case value_kind::array: {
      json l = json::array();
      for (const auto& e : v.as_array()) l.push_back(to_attribute(e, field));
      return {{"L", std::move(l)}};
    }
    case value_kind::object: {
      json m = json::object();
      for (const auto& [k, e] : v.as_object()) m[k] = to_attribute(e, field);
      return {{"M", std::move(m)}};
    }
  }
  return {{"NULL", true}};
}

json to_attribute(const value& v, const engine::field_def* declared, std::string_view field) {
  // Rounded to a decimal field's scale, an enum's values checked, as a SQL column does;
  // then refused where DynamoDB cannot hold it.
  return to_attribute(as_declared(v, declared, field, "dynamodb"), field);
}

const engine::field_def* declared_field(const engine::table_description& t, std::string_view field) {
  for (const auto& f : t.columns)
    if (f.name == field) return &f;
  return nullptr;
}

value from_attribute(const json& a, const engine::field_def* declared) {
  if (!a.is_object() || a.empty()) return value();
  const auto first = a.begin();
  const std::string& type = first.key();
  const json& v = first.value();
  if (type == "NULL") return value();
  if (type == "BOOL") return value(v.get<bool>());
  if (type == "N") return number_of(v.get<std::string>(), declared);
  if (type == "S") return string_of(v.get<std::string>(), declared);
  if (type == "B") return value(bytes{decode_base64(v.get<std::string>())});
  if (type == "L" || type == "SS" || type == "NS" || type == "BS") {
    array out;
    for (const auto& e : v) {
      if (type == "L") out.push_back(from_attribute(e));
      else if (type == "SS") out.emplace_back(e.get<std::string>());
      else if (type == "NS") out.push_back(number_of(e.get<std::string>(), nullptr));
      else out.emplace_back(bytes{decode_base64(e.get<std::string>())});
    }
    return value(std::move(out));
  }
  if (type == "M") {
    object out;
    for (const auto& [k, e] : v.items()) out.emplace_back(k, from_attribute(e));
    return value(std::move(out));
  }
  return value();
}

json key_in(const json& item, const engine::table_description& t) {
  json key = json::object();
  for (const auto& k : t.primary_key) key[k] = item.at(k);
  return key;
}

std::string set_kind(const json& attribute) {
  if (!attribute.is_object() || attribute.size() != 1) return "";
  const std::string& type = attribute.begin().key();
  return type == "SS" || type == "NS" || type == "BS" ? type : "";
}

json set_of(const std::string& set_type, const value& v, std::string_view table, std::string_view field) {
  const bool fits = set_type == "SS"   ? v.kind() == value_kind::string
                    : set_type == "NS" ? v.is_number()
                                       : v.kind() == value_kind::bytes;
  if (!fits)
    throw error(error_category::usage,
                fmt::format("update of \"{}.{}\": it is a DynamoDB {} set, which cannot hold {}", table, field,
                            set_type == "SS" ? "string" : set_type == "NS" ? "number" : "binary", v.to_json()),
                error_details{.engine = "dynamodb", .code = "ValidationException"});
  const json element = to_attribute(v, field);
  return json{{set_type, json::array({element.begin().value()})}};
}

const char* key_type(field_type t) {
  switch (t) {
    case field_type::integer: case field_type::bigint: case field_type::smallint: case field_type::float_:
    case field_type::double_: case field_type::decimal:
      return "N";
    case field_type::binary: case field_type::blob: return "B";
    default: return "S";
  }
}

}  // namespace tether::detail::dynamodb
