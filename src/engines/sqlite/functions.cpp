#include "functions.hpp"

#include <locale.h>
#include <wctype.h>

#include <regex>
#include <string>

namespace tether::detail::sqlite {
namespace {

locale_t utf8_locale() {
  static locale_t loc = newlocale(LC_CTYPE_MASK, "C.UTF-8", static_cast<locale_t>(nullptr));
  return loc;
}

// Decodes one UTF-8 sequence; invalid bytes pass through as themselves.
char32_t decode(const unsigned char*& p, const unsigned char* end) {
  unsigned char c = *p++;
  int extra = c >= 0xF0 ? 3 : c >= 0xE0 ? 2 : c >= 0xC0 ? 1 : 0;
  if (extra == 0 || end - p < extra) return c;
  char32_t cp = c & (0x3F >> extra);
  for (int i = 0; i < extra; ++i) {
    if ((p[i] & 0xC0) != 0x80) return c;
    cp = (cp << 6) | (p[i] & 0x3F);
  }
  p += extra;
  return cp;
}

void encode(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

void fold(sqlite3_context* ctx, int, sqlite3_value** argv) {
  if (sqlite3_value_type(argv[0]) == SQLITE_NULL) return sqlite3_result_null(ctx);
  auto* p = sqlite3_value_text(argv[0]);
  auto* end = p + sqlite3_value_bytes(argv[0]);
  std::string out;
  out.reserve(static_cast<std::size_t>(end - p));
  locale_t loc = utf8_locale();
  while (p < end) {
    char32_t cp = decode(p, end);
    if (cp < 0x80) {
      out += static_cast<char>(cp >= 'A' && cp <= 'Z' ? cp + 32 : cp);
    } else {
      encode(out, loc ? static_cast<char32_t>(towlower_l(static_cast<wint_t>(cp), loc)) : cp);
    }
  }
  sqlite3_result_text(ctx, out.data(), static_cast<int>(out.size()), SQLITE_TRANSIENT);
}

void regexp(sqlite3_context* ctx, int, sqlite3_value** argv) {
  if (sqlite3_value_type(argv[0]) == SQLITE_NULL || sqlite3_value_type(argv[1]) == SQLITE_NULL)
    return sqlite3_result_null(ctx);
  auto* re = static_cast<std::regex*>(sqlite3_get_auxdata(ctx, 0));
  if (!re) {
    try {
      const char* pattern = reinterpret_cast<const char*>(sqlite3_value_text(argv[0]));
      re = new std::regex(pattern, std::regex::ECMAScript);
    } catch (const std::regex_error& e) {
      std::string msg = std::string("invalid $regex pattern: ") + e.what();
      return sqlite3_result_error(ctx, msg.c_str(), -1);
    }
    sqlite3_set_auxdata(ctx, 0, re, [](void* p) { delete static_cast<std::regex*>(p); });
    re = static_cast<std::regex*>(sqlite3_get_auxdata(ctx, 0));
    if (!re) return sqlite3_result_error_nomem(ctx);
  }
  const char* text = reinterpret_cast<const char*>(sqlite3_value_text(argv[1]));
  int n = sqlite3_value_bytes(argv[1]);
  sqlite3_result_int(ctx, std::regex_search(text, text + n, *re) ? 1 : 0);
}

}  // namespace

void register_functions(sqlite3* db) {
  constexpr int flags = SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS;
  sqlite3_create_function(db, "tether_fold", 1, flags, nullptr, fold, nullptr, nullptr);
  sqlite3_create_function(db, "regexp", 2, flags, nullptr, regexp, nullptr, nullptr);
}

}  // namespace tether::detail::sqlite
