#include "core/values/utf8.hpp"

#include <fmt/format.h>

#include <vector>

#include "tether/error.hpp"

namespace tether::detail {

std::size_t invalid_utf8_at(std::string_view s) noexcept {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const std::size_t n = s.size();
  std::size_t i = 0;
  while (i < n) {
    const unsigned c = p[i];
    if (c < 0x80) {
      ++i;
      continue;
    }
    std::size_t len = 0;
    unsigned lo = 0x80, hi = 0xbf;  // the range of the second byte (RFC 3629's table)
    if (c >= 0xc2 && c <= 0xdf) len = 2;
    else if (c == 0xe0) len = 3, lo = 0xa0;
    else if (c >= 0xe1 && c <= 0xec) len = 3;
    else if (c == 0xed) len = 3, hi = 0x9f;  // no surrogates
    else if (c >= 0xee && c <= 0xef) len = 3;
    else if (c == 0xf0) len = 4, lo = 0x90;
    else if (c >= 0xf1 && c <= 0xf3) len = 4;
    else if (c == 0xf4) len = 4, hi = 0x8f;  // nothing past U+10FFFF
    else return i;
    if (i + len > n || p[i + 1] < lo || p[i + 1] > hi) return i;
    for (std::size_t k = 2; k < len; ++k)
      if ((p[i + k] & 0xc0) != 0x80) return i;
    i += len;
  }
  return std::string_view::npos;
}

void check_utf8(std::string_view s, std::string_view what) {
  const std::size_t at = invalid_utf8_at(s);
  if (at == std::string_view::npos) return;
  throw error(error_category::usage,
              fmt::format("{} is not UTF-8 text (byte 0x{:02x} at offset {} starts no well-formed sequence); "
                          "strings are UTF-8, and bytes are passed as tether::bytes ({{\"$bytes\": base64}})",
                          what, static_cast<unsigned char>(s[at]), at));
}

void check_utf8_within(const value& root, std::string_view what) {
  std::vector<const value*> todo{&root};
  while (!todo.empty()) {
    const value* v = todo.back();
    todo.pop_back();
    if (v->is_string()) {
      check_utf8(v->as_string(), what);
    } else if (v->is_array()) {
      for (const auto& e : v->as_array()) todo.push_back(&e);
    } else if (const object* o = v->if_object()) {
      for (const auto& [k, m] : *o) {
        check_utf8(k, what);
        todo.push_back(&m);
      }
    }
  }
}

}  // namespace tether::detail
