// The text operators' meaning: LIKE patterns over characters (code points, not bytes),
// $ilike's case folding, and the portable $regex subset, its check and its matcher.
// PCRE2 (Debian's libpcre2) matches regexes: its matcher backtracks on the heap, and its
// limits turn a pathological pattern into an error rather than a hang.
#include <fmt/format.h>
#include <locale.h>
#include <wctype.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tether/engine/evaluate.hpp"
#include "tether/error.hpp"

namespace tether::engine {

namespace {

[[noreturn]] void usage(std::string message) { throw error(error_category::usage, std::move(message)); }

// One code point from well-formed UTF-8 (tether's strings are checked); a stray byte
// stands for itself.
char32_t next_code_point(std::string_view s, std::size_t& i) {
  auto c = static_cast<unsigned char>(s[i++]);
  int extra = c >= 0xF0 ? 3 : c >= 0xE0 ? 2 : c >= 0xC0 ? 1 : 0;
  if (extra == 0 || s.size() - i < static_cast<std::size_t>(extra)) return c;
  char32_t cp = c & (0x3F >> extra);
  for (int k = 0; k < extra; ++k) {
    auto b = static_cast<unsigned char>(s[i + static_cast<std::size_t>(k)]);
    if ((b & 0xC0) != 0x80) return c;
    cp = (cp << 6) | (b & 0x3F);
  }
  i += static_cast<std::size_t>(extra);
  return cp;
}

void append_code_point(std::string& out, char32_t cp) {
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

std::vector<char32_t> code_points(std::string_view s) {
  std::vector<char32_t> out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) out.push_back(next_code_point(s, i));
  return out;
}

// glibc's C.UTF-8 holds the simple case mappings of the whole of Unicode.
locale_t utf8_locale() {
  static locale_t loc = newlocale(LC_CTYPE_MASK, "C.UTF-8", static_cast<locale_t>(nullptr));
  return loc;
}

}  // namespace

std::string fold_case(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  locale_t loc = utf8_locale();
  for (std::size_t i = 0; i < text.size();) {
    char32_t cp = next_code_point(text, i);
    if (cp < 0x80) {
      out += static_cast<char>(cp >= 'A' && cp <= 'Z' ? cp + 32 : cp);
    } else if (loc) {
      auto up = towupper_l(static_cast<wint_t>(cp), loc);
      append_code_point(out, static_cast<char32_t>(towlower_l(up, loc)));
    } else {
      append_code_point(out, cp);
    }
  }
  return out;
}

void check_like_pattern(std::string_view pattern, std::string_view column) {
  std::size_t run = 0;  // backslashes just before the end
  for (std::size_t i = pattern.size(); i > 0 && pattern[i - 1] == '\\'; --i) ++run;
  if (run % 2 == 1)
    usage(fmt::format("the LIKE pattern for column \"{}\" ends in a lone \\, which escapes nothing; "
                      "write \\\\ for a backslash",
                      column));
}

bool like_match(std::string_view text_utf8, std::string_view pattern_utf8) {
  // The pattern as tokens: a literal code point, '_' (one) or '%' (any run).
  enum class tok : std::uint8_t { literal, one, any };
  struct token {
    tok kind;
    char32_t cp;
  };
  std::vector<token> pat;
  for (std::size_t i = 0; i < pattern_utf8.size();) {
    char32_t cp = next_code_point(pattern_utf8, i);
    if (cp == '\\' && i < pattern_utf8.size()) pat.push_back({tok::literal, next_code_point(pattern_utf8, i)});
    else if (cp == '%') pat.push_back({tok::any, 0});
    else if (cp == '_') pat.push_back({tok::one, 0});
    else pat.push_back({tok::literal, cp});
  }
  const auto text = code_points(text_utf8);
  // Greedy matching with one backtrack point: the last '%' seen (linear in practice).
  std::size_t t = 0, p = 0, star_p = std::string::npos, star_t = 0;
  while (t < text.size()) {
    if (p < pat.size() && (pat[p].kind == tok::one || (pat[p].kind == tok::literal && pat[p].cp == text[t]))) {
      ++t, ++p;
    } else if (p < pat.size() && pat[p].kind == tok::any) {
      star_p = p++;
      star_t = t;
    } else if (star_p != std::string::npos) {
      p = star_p + 1;
      t = ++star_t;
    } else {
      return false;
    }
  }
  while (p < pat.size() && pat[p].kind == tok::any) ++p;
  return p == pat.size();
}

// --- $regex ---------------------------------------------------------------------------

namespace {

constexpr std::string_view metacharacters = ".^$|?*+()[]{}\\/-";
constexpr int max_repeat = 255;  // PostgreSQL's largest {n,m} bound

[[noreturn]] void bad_regex(std::string_view column, std::string_view pattern, std::size_t at, std::string_view why) {
  usage(fmt::format("the $regex pattern for column \"{}\" is outside the portable subset at offset {} ({}): {}; "
                    "see docs/querying.md for the constructs every engine matches alike",
                    column, at, pattern.substr(0, 80), why));
}

bool escapable(char c) { return metacharacters.find(c) != std::string_view::npos || c == 'n' || c == 't'; }

// One bracket expression starting at pattern[i] == '['; returns the index after its ']'.
std::size_t check_class(std::string_view p, std::size_t i, std::string_view column) {
  const std::size_t start = i++;
  if (i < p.size() && p[i] == '^') ++i;
  bool any = false;
  char32_t last = 0;  // the last single member, for a range
  bool have_last = false;
  while (true) {
    if (i >= p.size()) bad_regex(column, p, start, "a [ without its ]");
    char c = p[i];
    if (c == ']') {
      if (!any) bad_regex(column, p, i, "an empty []; write \\] for a literal ]");
      return i + 1;
    }
    if (c == '[') bad_regex(column, p, i, "[ inside a bracket expression (POSIX classes such as [:alpha:] differ); write \\[");
    char32_t member;
    if (c == '\\') {
      if (i + 1 >= p.size() || !(escapable(p[i + 1]) || p[i + 1] == ']' || p[i + 1] == '^'))
        bad_regex(column, p, i, "an escape other than \\ before a metacharacter, \\n or \\t (\\d, \\w and \\s differ by engine; write [0-9])");
      char e = p[i + 1];
      member = e == 'n' ? U'\n' : e == 't' ? U'\t' : static_cast<char32_t>(e);
      i += 2;
    } else if (c == '-' && have_last && i + 1 < p.size() && p[i + 1] != ']') {
      ++i;
      std::size_t at = i;
      char32_t high;
      if (p[i] == '\\') {
        if (i + 1 >= p.size() || !(escapable(p[i + 1]) || p[i + 1] == ']'))
          bad_regex(column, p, i, "an unknown escape in a range");
        char e = p[i + 1];
        high = e == 'n' ? U'\n' : e == 't' ? U'\t' : static_cast<char32_t>(e);
        i += 2;
      } else if (p[i] == '[') {
        bad_regex(column, p, i, "[ inside a bracket expression; write \\[");
      } else {
        high = next_code_point(p, i);
      }
      if (high < last) bad_regex(column, p, at, "a range whose end comes before its start");
      have_last = false;
      any = true;
      continue;
    } else {
      member = next_code_point(p, i);
    }
    last = member;
    have_last = true;
    any = true;
  }
}

}  // namespace

void check_regex(std::string_view p, std::string_view column) {
  bool can_repeat = false;  // whether the last item is an atom a quantifier may follow
  int depth = 0;
  for (std::size_t i = 0; i < p.size();) {
    char c = p[i];
    switch (c) {
      case '\\':
        if (i + 1 >= p.size()) bad_regex(column, p, i, "a lone \\ at the end");
        if (!escapable(p[i + 1]))
          bad_regex(column, p, i, "an escape other than \\ before a metacharacter, \\n or \\t (\\d, \\w, \\s, \\b and back-references differ by engine; write [0-9], [A-Za-z0-9_])");
        i += 2;
        can_repeat = true;
        continue;
      case '[':
        i = check_class(p, i, column);
        can_repeat = true;
        continue;
      case '(':
        if (i + 1 < p.size() && p[i + 1] == '?') bad_regex(column, p, i, "(? groups (look-around, options, named groups)");
        ++depth, ++i;
        can_repeat = false;
        continue;
      case ')':
        if (--depth < 0) bad_regex(column, p, i, "a ) without its (");
        ++i;
        can_repeat = true;
        continue;
      case '*':
      case '+':
      case '?':
      case '{': {
        std::size_t at = i;
        if (!can_repeat) bad_regex(column, p, at, "a repeat that follows nothing it can repeat");
        if (c == '{') {
          std::size_t close = p.find('}', i);
          auto body = close == std::string_view::npos ? std::string_view() : p.substr(i + 1, close - i - 1);
          int low = -1, high = -1, *target = &low;
          bool comma = false, ok = !body.empty();
          for (char b : body) {
            if (b == ',' && !comma) {
              comma = true;
              target = &high;
            } else if (b >= '0' && b <= '9') {
              *target = (*target < 0 ? 0 : *target) * 10 + (b - '0');
              if (*target > max_repeat) ok = false;
            } else {
              ok = false;
            }
          }
          if (!ok || low < 0 || (comma && high >= 0 && high < low))
            bad_regex(column, p, at, fmt::format("a bound other than {{n}}, {{n,}} or {{n,m}} with n <= m <= {}; write \\{{ for a literal brace", max_repeat));
          i = close + 1;
        } else {
          ++i;
        }
        if (i < p.size() && (p[i] == '?' || p[i] == '+'))
          bad_regex(column, p, i, "lazy and possessive repeats (*? ++) and repeats of repeats");
        if (i < p.size() && (p[i] == '*' || p[i] == '{'))
          bad_regex(column, p, i, "a repeat of a repeat; group it first: (a*)*");
        can_repeat = false;
        continue;
      }
      case '}':
      case ']': bad_regex(column, p, i, fmt::format("an unescaped {}; write \\{}", c, c));
      case '^':
      case '$':
      case '|':
        ++i;
        can_repeat = false;
        continue;
      default:
        next_code_point(p, i);
        can_repeat = true;
        continue;
    }
  }
  if (depth != 0) bad_regex(column, p, p.size(), "a ( without its )");
}

std::string regex_for_pcre(std::string_view p) {
  std::string out = "(?s)";
  out.reserve(p.size() + 8);
  bool in_class = false;
  for (std::size_t i = 0; i < p.size(); ++i) {
    char c = p[i];
    if (c == '\\' && i + 1 < p.size()) {
      out += c;
      out += p[++i];
      continue;
    }
    if (in_class) {
      if (c == ']') in_class = false;
    } else if (c == '[') {
      in_class = true;
      if (i + 1 < p.size() && p[i + 1] == '^') out += c, c = p[++i];
    } else if (c == '$') {
      out += "\\z";
      continue;
    }
    out += c;
  }
  return out;
}

namespace {
struct compiled_regex {
  std::string pattern;
  pcre2_code* code = nullptr;
  pcre2_match_data* data = nullptr;
  compiled_regex() = default;
  compiled_regex(const compiled_regex&) = delete;
  compiled_regex& operator=(const compiled_regex&) = delete;
  ~compiled_regex() {
    pcre2_match_data_free(data);
    pcre2_code_free(code);
  }
};
}  // namespace

bool regex_search(std::string_view text, std::string_view pattern) {
  // The reference evaluates one pattern over many rows: keep the last one compiled.
  thread_local std::unique_ptr<compiled_regex> last;
  if (!last || last->pattern != pattern) {
    auto made = std::make_unique<compiled_regex>();
    made->pattern = std::string(pattern);
    int code = 0;
    PCRE2_SIZE offset = 0;
    made->code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(),
                               PCRE2_UTF | PCRE2_DOTALL | PCRE2_DOLLAR_ENDONLY, &code, &offset, nullptr);
    if (!made->code) usage(fmt::format("$regex: invalid pattern at offset {}", offset));
    made->data = pcre2_match_data_create_from_pattern(made->code, nullptr);
    last = std::move(made);
  }
  int rc = pcre2_match(last->code, reinterpret_cast<PCRE2_SPTR>(text.data()), text.size(), 0, 0, last->data, nullptr);
  if (rc >= 0) return true;
  if (rc == PCRE2_ERROR_NOMATCH) return false;
  throw error(error_category::query, fmt::format("$regex: matching failed on a value of {} bytes", text.size()));
}

}  // namespace tether::engine
