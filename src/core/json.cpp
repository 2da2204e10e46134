// Lossless JSON text for values (docs/values.md). Writing is hand-rolled because records
// render through it on demand; reading goes through nlohmann-json.
#include <fmt/format.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "json_text.hpp"
#include "tether/error.hpp"
#include "tether/value.hpp"

namespace tether {
namespace detail {

void append_json_string(std::string& out, std::string_view s) {
  static constexpr char hex[] = "0123456789abcdef";
  out += '"';
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      default:
        if (c < 0x20) {
          out += "\\u00";
          out += hex[c >> 4];
          out += hex[c & 15];
        } else {
          out += ch;
        }
    }
  }
  out += '"';
}

void append_json_double(std::string& out, double d) {
  if (!std::isfinite(d)) {
    out += R"({"$double":")";
    out += std::isnan(d) ? "NaN" : (d > 0 ? "Infinity" : "-Infinity");
    out += "\"}";
    return;
  }
  auto start = out.size();
  fmt::format_to(std::back_inserter(out), "{}", d);
  // Keep it a double on the way back in: "1" would read as an integer.
  if (out.find_first_of(".eE", start) == std::string::npos) out += ".0";
}

static constexpr char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

void append_base64(std::string& out, const std::uint8_t* p, std::size_t n) {
  std::size_t i = 0;
  for (; i + 2 < n; i += 3) {
    std::uint32_t v = (p[i] << 16) | (p[i + 1] << 8) | p[i + 2];
    out += b64[v >> 18];
    out += b64[(v >> 12) & 63];
    out += b64[(v >> 6) & 63];
    out += b64[v & 63];
  }
  if (i + 1 == n) {
    std::uint32_t v = p[i] << 16;
    out += b64[v >> 18];
    out += b64[(v >> 12) & 63];
    out += "==";
  } else if (i + 2 == n) {
    std::uint32_t v = (p[i] << 16) | (p[i + 1] << 8);
    out += b64[v >> 18];
    out += b64[(v >> 12) & 63];
    out += b64[(v >> 6) & 63];
    out += '=';
  }
}

std::vector<std::uint8_t> decode_base64(std::string_view text) {
  auto fail = [&] {
    return error(error_category::usage,
                 fmt::format("invalid base64 \"{}\"; expected standard base64 with padding",
                             text.substr(0, 40)));
  };
  if (text.size() % 4 != 0) throw fail();
  std::vector<std::uint8_t> out;
  out.reserve(text.size() / 4 * 3);
  auto sextet = [&](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
  };
  for (std::size_t i = 0; i < text.size(); i += 4) {
    int pad = 0;
    std::uint32_t v = 0;
    for (std::size_t k = 0; k < 4; ++k) {
      char c = text[i + k];
      if (c == '=' && i + 4 == text.size() && k >= 2) {
        ++pad;
        v <<= 6;
        continue;
      }
      int s = sextet(c);
      if (s < 0 || pad > 0) throw fail();
      v = (v << 6) | static_cast<std::uint32_t>(s);
    }
    out.push_back(static_cast<std::uint8_t>(v >> 16));
    if (pad < 2) out.push_back(static_cast<std::uint8_t>((v >> 8) & 255));
    if (pad < 1) out.push_back(static_cast<std::uint8_t>(v & 255));
  }
  return out;
}

}  // namespace detail

namespace {

void append_tagged(std::string& out, std::string_view tag, std::string_view text) {
  out += "{\"";
  out += tag;
  out += "\":";
  detail::append_json_string(out, text);
  out += '}';
}

value from_nlohmann(const nlohmann::ordered_json& j);

value tagged(std::string_view tag, const nlohmann::ordered_json& v) {
  if (!v.is_string())
    throw error(error_category::usage,
                fmt::format("the value of \"{}\" must be a string, got {}", tag, v.dump()));
  const auto& s = v.get_ref<const std::string&>();
  if (tag == "$decimal") return decimal::parse(s);
  if (tag == "$bytes") return bytes{detail::decode_base64(s)};
  if (tag == "$date") return date::parse(s);
  if (tag == "$time") return time_of_day::parse(s);
  if (tag == "$timestamp") return timestamp::parse(s);
  if (tag == "$uuid") return uuid::parse(s);
  if (s == "NaN") return std::nan("");
  if (s == "Infinity") return HUGE_VAL;
  if (s == "-Infinity") return -HUGE_VAL;
  throw error(error_category::usage,
              fmt::format("invalid $double \"{}\"; expected NaN, Infinity or -Infinity", s));
}

bool is_type_tag(std::string_view k) {
  return k == "$decimal" || k == "$bytes" || k == "$date" || k == "$time" || k == "$timestamp" ||
         k == "$uuid" || k == "$double";
}

value from_nlohmann(const nlohmann::ordered_json& j) {
  switch (j.type()) {
    case nlohmann::ordered_json::value_t::null: return nullptr;
    case nlohmann::ordered_json::value_t::boolean: return j.get<bool>();
    case nlohmann::ordered_json::value_t::number_integer: return j.get<std::int64_t>();
    case nlohmann::ordered_json::value_t::number_unsigned: {
      auto u = j.get<std::uint64_t>();
      if (u <= static_cast<std::uint64_t>(INT64_MAX)) return static_cast<std::int64_t>(u);
      return decimal{std::to_string(u)};  // past int64: kept exact
    }
    case nlohmann::ordered_json::value_t::number_float: return j.get<double>();
    case nlohmann::ordered_json::value_t::string: return j.get<std::string>();
    case nlohmann::ordered_json::value_t::array: {
      array a;
      a.reserve(j.size());
      for (const auto& e : j) a.push_back(from_nlohmann(e));
      return a;
    }
    case nlohmann::ordered_json::value_t::object: {
      if (j.size() == 1 && is_type_tag(j.begin().key()))
        return tagged(j.begin().key(), j.begin().value());
      object o;
      o.reserve(j.size());
      for (auto it = j.begin(); it != j.end(); ++it) o.emplace_back(it.key(), from_nlohmann(*it));
      return o;
    }
    default: break;
  }
  throw error(error_category::usage, "unsupported JSON value (binary data is not JSON)");
}

}  // namespace

void value::append_json(std::string& out) const {
  switch (kind()) {
    case value_kind::null: out += "null"; break;
    case value_kind::boolean: out += std::get<bool>(v_) ? "true" : "false"; break;
    case value_kind::integer: fmt::format_to(std::back_inserter(out), "{}", std::get<std::int64_t>(v_)); break;
    case value_kind::real: detail::append_json_double(out, std::get<double>(v_)); break;
    case value_kind::decimal: append_tagged(out, "$decimal", std::get<tether::decimal>(v_).text); break;
    case value_kind::string: detail::append_json_string(out, std::get<std::string>(v_)); break;
    case value_kind::bytes: {
      const auto& b = std::get<tether::bytes>(v_).data;
      out += R"({"$bytes":")";
      detail::append_base64(out, b.data(), b.size());
      out += "\"}";
      break;
    }
    case value_kind::date: append_tagged(out, "$date", std::get<tether::date>(v_).to_string()); break;
    case value_kind::time: append_tagged(out, "$time", std::get<time_of_day>(v_).to_string()); break;
    case value_kind::timestamp:
      append_tagged(out, "$timestamp", std::get<tether::timestamp>(v_).to_string());
      break;
    case value_kind::uuid: append_tagged(out, "$uuid", std::get<tether::uuid>(v_).to_string()); break;
    case value_kind::array: {
      out += '[';
      bool first = true;
      for (const auto& e : std::get<tether::array>(v_)) {
        if (!first) out += ',';
        first = false;
        e.append_json(out);
      }
      out += ']';
      break;
    }
    case value_kind::object: {
      out += '{';
      bool first = true;
      for (const auto& [k, v] : std::get<tether::object>(v_)) {
        if (!first) out += ',';
        first = false;
        detail::append_json_string(out, k);
        out += ':';
        v.append_json(out);
      }
      out += '}';
      break;
    }
  }
}

std::string value::to_json() const {
  std::string out;
  append_json(out);
  return out;
}

value value::from_json(std::string_view text) {
  nlohmann::ordered_json j;
  try {
    j = nlohmann::ordered_json::parse(text.begin(), text.end());
  } catch (const nlohmann::ordered_json::parse_error& e) {
    throw error(error_category::usage,
                fmt::format("invalid JSON at byte {}: {}", e.byte, std::string(text.substr(0, 80))));
  }
  return from_nlohmann(j);
}

}  // namespace tether
