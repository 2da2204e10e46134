// Lossless JSON text for values (docs/values.md). Writing is hand-rolled because records
// render through it on demand; reading goes through nlohmann-json.
#include <fmt/format.h>

#include <cmath>
#include <nlohmann/json.hpp>
#include <unordered_map>

#include "core/values/json_text.hpp"
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

value tagged(std::string_view tag, const value& v) {
  if (!v.is_string())
    throw error(error_category::usage,
                fmt::format("the value of \"{}\" must be a string, got {}", tag, v.to_json()));
  const auto& s = v.as_string();
  if (tag == "$decimal") return decimal::parse(s);
  if (tag == "$bytes") return bytes{detail::decode_base64(s)};
  if (tag == "$date") return date::parse(s);
  if (tag == "$time") return time_of_day::parse(s);
  if (tag == "$timestamp") return timestamp::parse(s);
  if (tag == "$uuid") return uuid::parse(s);
  if (tag == "$oid") return object_id::parse(s);
  if (s == "NaN") return std::nan("");
  if (s == "Infinity") return HUGE_VAL;
  if (s == "-Infinity") return -HUGE_VAL;
  throw error(error_category::usage,
              fmt::format("invalid $double \"{}\"; expected NaN, Infinity or -Infinity", s));
}

bool is_type_tag(std::string_view k) {
  return k == "$decimal" || k == "$bytes" || k == "$date" || k == "$time" || k == "$timestamp" ||
         k == "$uuid" || k == "$oid" || k == "$double";
}

// Builds tether values straight from nlohmann's SAX events: objects keep their key order
// (as tether::object does) without an intermediate DOM, and a repeated key keeps its last
// value, as nlohmann's own objects do.
class builder {
 public:
  value result;
  std::size_t error_at = 0;
  std::string error_text;

  bool null() { return add(value()); }
  bool boolean(bool b) { return add(value(b)); }
  bool number_integer(std::int64_t i) { return add(value(i)); }
  bool number_unsigned(std::uint64_t u) {
    if (u <= static_cast<std::uint64_t>(INT64_MAX)) return add(value(static_cast<std::int64_t>(u)));
    return add(value(decimal{std::to_string(u)}));  // past int64: kept exact
  }
  // An integer literal past 64 bits reaches here too (nlohmann reads it as a double): it
  // is an exact decimal (docs/values.md), never 1e+20.
  bool number_float(double d, const std::string& text) {
    if (text.find_first_of(".eE") == std::string::npos) return add(value(decimal::parse(text)));
    return add(value(d));
  }
  bool string(std::string& s) { return add(value(std::move(s))); }
  bool binary(nlohmann::json::binary_t&) { return false; }
  bool start_object(std::size_t) {
    if (too_deep()) return false;
    stack_.push_back({value(object{}), {}});
    return true;
  }
  bool key(std::string& k) {
    stack_.back().key = std::move(k);
    return true;
  }
  bool end_object() {
    value v = std::move(stack_.back().container);
    stack_.pop_back();
    auto& o = v.as_object();
    if (o.size() == 1 && is_type_tag(o.front().first)) return add(tagged(o.front().first, o.front().second));
    return add(std::move(v));
  }
  bool start_array(std::size_t) {
    if (too_deep()) return false;
    stack_.push_back({value(array{}), {}});
    return true;
  }
  bool end_array() {
    value v = std::move(stack_.back().container);
    stack_.pop_back();
    return add(std::move(v));
  }
  bool parse_error(std::size_t position, const std::string&, const nlohmann::json::exception&) {
    error_at = position;
    return false;
  }
  bool deep = false;  // stopped at max_nesting_depth

 private:
  bool too_deep() {
    deep = stack_.size() >= max_nesting_depth;
    return deep;
  }
  struct frame {
    value container;
    std::string key;
    std::unordered_map<std::string, std::size_t> index{};  // key → member, for large objects
  };
  bool add(value v) {
    if (stack_.empty()) {
      result = std::move(v);
      return true;
    }
    frame& f = stack_.back();
    if (f.container.is_array()) {
      f.container.as_array().push_back(std::move(v));
      return true;
    }
    auto& o = f.container.as_object();
    // A small object is searched; a large one keeps an index, so parsing stays linear.
    if (o.size() < 16) {
      for (auto& m : o)
        if (m.first == f.key) {
          m.second = std::move(v);
          return true;
        }
    } else {
      if (f.index.empty())
        for (std::size_t i = 0; i < o.size(); ++i) f.index.emplace(o[i].first, i);
      auto [it, fresh] = f.index.emplace(f.key, o.size());
      if (!fresh) {
        o[it->second].second = std::move(v);
        return true;
      }
    }
    o.emplace_back(std::move(f.key), std::move(v));
    return true;
  }
  std::vector<frame> stack_;
};

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
    case value_kind::object_id: append_tagged(out, "$oid", std::get<tether::object_id>(v_).to_string()); break;
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
  builder b;
  if (!nlohmann::json::sax_parse(text.begin(), text.end(), &b)) {
    if (b.deep)
      throw error(error_category::usage,
                  fmt::format("JSON nests deeper than {} levels of arrays and objects (tether's limit): {}",
                              max_nesting_depth, std::string(text.substr(0, 40))));
    throw error(error_category::usage,
                fmt::format("invalid JSON at byte {}: {}", b.error_at, std::string(text.substr(0, 80))));
  }
  return std::move(b.result);
}

}  // namespace tether
