#include "functions.hpp"

#include <locale.h>
#include <wctype.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <fmt/format.h>
#include <pcre2.h>

#include <cstdint>
#include <memory>
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

// $regex by PCRE2 in UTF mode: its matcher keeps its backtracking on the heap rather than
// recursing per character (std::regex overflowed the stack on a long value), and the match
// and depth limits make a pathological pattern a clear error instead of a hang.
struct compiled {
  pcre2_code* code = nullptr;
  pcre2_match_data* data = nullptr;
  pcre2_match_context* context = nullptr;
  ~compiled() {
    pcre2_match_context_free(context);
    pcre2_match_data_free(data);
    pcre2_code_free(code);
  }
};

constexpr std::uint32_t match_limit = 10'000'000;   // backtracking steps per value
constexpr std::uint32_t depth_limit = 1'000'000;    // nested backtracking points (heap, not stack)

std::string message(int code) {
  PCRE2_UCHAR buffer[256];
  pcre2_get_error_message(code, buffer, sizeof buffer);
  return reinterpret_cast<const char*>(buffer);
}

void regexp(sqlite3_context* ctx, int, sqlite3_value** argv) {
  if (sqlite3_value_type(argv[0]) == SQLITE_NULL || sqlite3_value_type(argv[1]) == SQLITE_NULL)
    return sqlite3_result_null(ctx);
  auto* re = static_cast<compiled*>(sqlite3_get_auxdata(ctx, 0));
  if (!re) {
    auto made = std::make_unique<compiled>();
    const auto* pattern = sqlite3_value_text(argv[0]);
    int code = 0;
    PCRE2_SIZE offset = 0;
    made->code = pcre2_compile(pattern, static_cast<PCRE2_SIZE>(sqlite3_value_bytes(argv[0])), PCRE2_UTF | PCRE2_UCP,
                               &code, &offset, nullptr);
    if (!made->code) {
      std::string msg = fmt::format("$regex: invalid pattern \"{}\" at offset {}: {}",
                                    std::string_view(reinterpret_cast<const char*>(pattern)).substr(0, 80), offset,
                                    message(code));
      return sqlite3_result_error(ctx, msg.c_str(), -1);
    }
    made->data = pcre2_match_data_create_from_pattern(made->code, nullptr);
    made->context = pcre2_match_context_create(nullptr);
    if (!made->data || !made->context) return sqlite3_result_error_nomem(ctx);
    pcre2_set_match_limit(made->context, match_limit);
    pcre2_set_depth_limit(made->context, depth_limit);
    sqlite3_set_auxdata(ctx, 0, made.release(), [](void* p) { delete static_cast<compiled*>(p); });
    re = static_cast<compiled*>(sqlite3_get_auxdata(ctx, 0));
    if (!re) return sqlite3_result_error_nomem(ctx);
  }
  const auto* text = sqlite3_value_text(argv[1]);
  const auto n = static_cast<PCRE2_SIZE>(sqlite3_value_bytes(argv[1]));
  int rc = pcre2_match(re->code, text, n, 0, 0, re->data, re->context);
  if (rc >= 0) return sqlite3_result_int(ctx, 1);
  if (rc == PCRE2_ERROR_NOMATCH) return sqlite3_result_int(ctx, 0);
  std::string msg =
      rc == PCRE2_ERROR_MATCHLIMIT || rc == PCRE2_ERROR_DEPTHLIMIT || rc == PCRE2_ERROR_HEAPLIMIT
          ? fmt::format("$regex: the pattern gave up on a value of {} bytes after its limit of {} backtracking "
                        "steps ({}); simplify the pattern (nested repeats such as (a|b)* backtrack the most)",
                        n, match_limit, message(rc))
          : fmt::format("$regex: matching failed on a value of {} bytes: {}", n, message(rc));
  sqlite3_result_error(ctx, msg.c_str(), -1);
}

// GLOB and LIKE (with \ as the escape) over patterns of any length: sqlite3_strglob and
// sqlite3_strlike are SQLite's own matchers, without the SQL functions' 50,000-byte limit.
// $ilike folds both sides before it calls tether_like, so strlike's ASCII-only case
// folding never decides anything.
void glob(sqlite3_context* ctx, int, sqlite3_value** argv) {
  if (sqlite3_value_type(argv[0]) == SQLITE_NULL || sqlite3_value_type(argv[1]) == SQLITE_NULL)
    return sqlite3_result_null(ctx);
  const auto* pattern = reinterpret_cast<const char*>(sqlite3_value_text(argv[0]));
  const auto* text = reinterpret_cast<const char*>(sqlite3_value_text(argv[1]));
  if (!pattern || !text) return sqlite3_result_error_nomem(ctx);
  sqlite3_result_int(ctx, sqlite3_strglob(pattern, text) == 0 ? 1 : 0);
}

void like(sqlite3_context* ctx, int, sqlite3_value** argv) {
  if (sqlite3_value_type(argv[0]) == SQLITE_NULL || sqlite3_value_type(argv[1]) == SQLITE_NULL)
    return sqlite3_result_null(ctx);
  const auto* pattern = reinterpret_cast<const char*>(sqlite3_value_text(argv[0]));
  const auto* text = reinterpret_cast<const char*>(sqlite3_value_text(argv[1]));
  if (!pattern || !text) return sqlite3_result_error_nomem(ctx);
  sqlite3_result_int(ctx, sqlite3_strlike(pattern, text, '\\') == 0 ? 1 : 0);
}

}  // namespace

void register_functions(sqlite3* db) {
  constexpr int flags = SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS;
  sqlite3_create_function(db, "tether_fold", 1, flags, nullptr, fold, nullptr, nullptr);
  sqlite3_create_function(db, "regexp", 2, flags, nullptr, regexp, nullptr, nullptr);
  sqlite3_create_function(db, "tether_glob", 2, flags, nullptr, glob, nullptr, nullptr);
  sqlite3_create_function(db, "tether_like", 2, flags, nullptr, like, nullptr, nullptr);
}

}  // namespace tether::detail::sqlite
