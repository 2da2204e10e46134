#include "functions.hpp"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <fmt/format.h>
#include <pcre2.h>

#include "tether/engine/evaluate.hpp"

#include <cstdint>
#include <memory>
#include <string>

namespace tether::detail::sqlite {
namespace {

void fold(sqlite3_context* ctx, int, sqlite3_value** argv) {
  if (sqlite3_value_type(argv[0]) == SQLITE_NULL) return sqlite3_result_null(ctx);
  const auto* p = reinterpret_cast<const char*>(sqlite3_value_text(argv[0]));
  if (!p) return sqlite3_result_error_nomem(ctx);
  std::string out = engine::fold_case(std::string_view(p, static_cast<std::size_t>(sqlite3_value_bytes(argv[0]))));
  sqlite3_result_text(ctx, out.data(), static_cast<int>(out.size()), SQLITE_TRANSIENT);
}

// Decimals are text in SQLite (DECIMAL_TEXT columns). tether_decimal(x, scale) is what a
// DECIMAL(p, scale) column stores for x: its canonical text at the column's scale, rounded
// as the servers round.
void to_decimal(sqlite3_context* ctx, int, sqlite3_value** argv) {
  const int scale = sqlite3_value_int(argv[1]);
  std::string text;
  switch (sqlite3_value_type(argv[0])) {
    case SQLITE_NULL: return sqlite3_result_null(ctx);
    case SQLITE_INTEGER: text = std::to_string(sqlite3_value_int64(argv[0])); break;
    case SQLITE_FLOAT: text = fmt::format("{}", sqlite3_value_double(argv[0])); break;
    default: {
      const auto* p = reinterpret_cast<const char*>(sqlite3_value_text(argv[0]));
      if (!p) return sqlite3_result_error_nomem(ctx);
      text.assign(p, static_cast<std::size_t>(sqlite3_value_bytes(argv[0])));
    }
  }
  try {
    std::string out = engine::round_decimal(text, scale);
    sqlite3_result_text(ctx, out.data(), static_cast<int>(out.size()), SQLITE_TRANSIENT);
  } catch (const std::exception& e) {
    sqlite3_result_error(ctx, e.what(), -1);
  }
}

// The collation of decimal columns: by value, so that "2.5" = "2.50" < "10" in =, <,
// ORDER BY, MIN, MAX, DISTINCT and GROUP BY. Text that is not a decimal sorts after every
// decimal, by its bytes.
int compare_decimals(void*, int na, const void* a, int nb, const void* b) {
  std::string_view x(static_cast<const char*>(a), static_cast<std::size_t>(na));
  std::string_view y(static_cast<const char*>(b), static_cast<std::size_t>(nb));
  if (auto c = engine::compare_decimal_text(x, y)) return *c;
  bool dx = engine::compare_decimal_text(x, x).has_value(), dy = engine::compare_decimal_text(y, y).has_value();
  if (dx != dy) return dx ? -1 : 1;
  return x.compare(y);
}

// tether_sum(x): exact. Integers add exactly (past 64 bits into a decimal), decimal text
// adds exactly, and any double makes the sum a double, as SUM of a REAL column is.
struct sum_state {
  engine::exact_sum exact;
  double real = 0;
  bool any_real = false;
  bool failed = false;
};

void sum_step(sqlite3_context* ctx, int, sqlite3_value** argv) {
  auto* st = static_cast<sum_state**>(sqlite3_aggregate_context(ctx, sizeof(sum_state*)));
  if (!st) return sqlite3_result_error_nomem(ctx);
  if (!*st) *st = new sum_state;
  sum_state& s = **st;
  if (s.failed) return;
  try {
    switch (sqlite3_value_type(argv[0])) {
      case SQLITE_NULL: return;
      case SQLITE_INTEGER: return s.exact.add(sqlite3_value_int64(argv[0]));
      case SQLITE_FLOAT:
        s.any_real = true;
        s.real += sqlite3_value_double(argv[0]);
        return;
      default: {
        const auto* p = reinterpret_cast<const char*>(sqlite3_value_text(argv[0]));
        if (!p) return sqlite3_result_error_nomem(ctx);
        s.exact.add_decimal(std::string_view(p, static_cast<std::size_t>(sqlite3_value_bytes(argv[0]))));
      }
    }
  } catch (const std::exception& e) {
    s.failed = true;
    sqlite3_result_error(ctx, fmt::format("$sum: {}", e.what()).c_str(), -1);
  }
}

void sum_final(sqlite3_context* ctx) {
  auto* st = static_cast<sum_state**>(sqlite3_aggregate_context(ctx, 0));
  std::unique_ptr<sum_state> s(st ? *st : nullptr);
  if (!s || (s->exact.empty() && !s->any_real)) return sqlite3_result_null(ctx);
  if (s->failed) return;
  if (s->any_real) return sqlite3_result_double(ctx, s->real + (s->exact.empty() ? 0.0 : s->exact.as_double()));
  value v = s->exact.result();
  if (v.kind() == value_kind::integer) return sqlite3_result_int64(ctx, v.as_int());
  const std::string& t = v.as_decimal().text;
  sqlite3_result_text(ctx, t.data(), static_cast<int>(t.size()), SQLITE_TRANSIENT);
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
    // The portable subset's meaning (docs/querying.md): `.` matches a newline too, and `$`
    // only the very end, as PostgreSQL's regexes do.
    made->code = pcre2_compile(pattern, static_cast<PCRE2_SIZE>(sqlite3_value_bytes(argv[0])),
                               PCRE2_UTF | PCRE2_UCP | PCRE2_DOTALL | PCRE2_DOLLAR_ENDONLY, &code, &offset, nullptr);
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
  sqlite3_create_function(db, "tether_decimal", 2, flags, nullptr, to_decimal, nullptr, nullptr);
  sqlite3_create_function(db, "tether_sum", 1, flags, nullptr, nullptr, sum_step, sum_final);
  sqlite3_create_collation(db, "tether_decimal", SQLITE_UTF8, nullptr, compare_decimals);
}

}  // namespace tether::detail::sqlite
