// The differential property test: random filters, orderings, counts and aggregates over
// one table of hostile rows, each answered by the engine and by the reference evaluator
// (tether/engine/evaluate.hpp), which must agree. A mismatch prints the call and a smaller
// filter that still disagrees. CI runs the fixed seeds below; run more by hand with
//   TETHER_DIFF_SEED=17 TETHER_DIFF_QUERIES=5000 ./build/tests/tether_sqlite_tests --gtest_filter='*differential*'
#include <fmt/ranges.h>
#include <tether/engine/evaluate.hpp>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <random>

#include "conformance.hpp"
#include "core/results/records_builder.hpp"

namespace tether::conformance {
namespace {

// --- the hostile table --------------------------------------------------------------------

const std::vector<std::string>& strings() {
  static const std::vector<std::string> v = {
      "", "a", "A", "b", "b ", "b  ", " b", "tab\tx", "tab", "line\nbreak", "line", "50%", "5_0",
      "back\\slash", "\\", "%", "_", "MiXeD", "mixed", "MIXED", "straße", "STRASSE", "STRAẞE", "ß", "ẞ",
      "İstanbul", "istanbul", "ISTANBUL", "ǳ", "ǲ", "Ǳ", "σς", "ΣΣ", "σσ", "ὈΔΥΣΣΕΎΣ", "café", "CAFÉ", "cafe",
      "😀", "😀x", "a😀b", "naïve", "ï", "é", "É", "x y", "trailing ", "日本語", "%_\\", "a%b", "a_b", "ab",
      "Ab", "end\n", "ｆｕｌｌ"};
  return v;
}
const std::vector<std::string>& group_strings() {
  static const std::vector<std::string> v = {"a", "A", "b", "b ", "ß", "ẞ", "σ", "ς", "Σ", "z"};
  return v;
}
const std::vector<std::int64_t>& integers() {
  static const std::vector<std::int64_t> v = {0, 1, -1, 2, 3, 42, -42, 100, -7, 1'000'000,
                                              9007199254740993, 9007199254740992, -9007199254740993,
                                              std::numeric_limits<std::int64_t>::max(),
                                              std::numeric_limits<std::int64_t>::min(),
                                              std::numeric_limits<std::int64_t>::max() - 1};
  return v;
}
// No -1e300 beside 1e300: a double sum that cancels depends on the order of its addends,
// which no engine promises.
const std::vector<double>& doubles() {
  static const std::vector<double> v = {0.0, -0.0, 1.5, -1.5, 0.1, 2.5, 1e300, -1e-300, 9007199254740992.0,
                                        9007199254740994.0, 3.141592653589793, 1e-300, 100.0, -2.0, 42.0};
  return v;
}
// The doubles a table holds: all of them where the engine stores any finite double; those
// a decimal number type holds (38 digits, magnitude 1e-130 to 1e126) elsewhere.
const std::vector<double>& stored_doubles(bool any_double) {
  static const std::vector<double> in_range = [] {
    std::vector<double> v;
    for (double d : doubles())
      if (d == 0.0 || (std::abs(d) >= 1e-130 && std::abs(d) < 1e126)) v.push_back(d);
    return v;
  }();
  return any_double ? doubles() : in_range;
}
// Decimals as written; the column is DECIMAL(30, 8), so each reads back with 8 places.
const std::vector<std::string>& decimals() {
  static const std::vector<std::string> v = {"0", "2.5", "2.50", "2.50000000", "-0.01", "10", "10.00", "1.005",
                                             "12345678901234.12345678", "-12345678901234.12345678", "0.00000001",
                                             "99.99", "-2.5", "100", "-0.00000001", "7"};
  return v;
}
const std::vector<std::string>& timestamps() {
  static const std::vector<std::string> v = {"2024-01-01T00:00:00Z", "2024-01-01T01:00:00+01:00",
                                             "1999-12-31T23:59:59.999999Z", "2024-06-01T12:00:00.250000+02:00",
                                             "1970-01-01T00:00:00Z", "2038-01-19T03:14:08Z", "2024-01-01T00:00:00.000001Z"};
  return v;
}
const std::vector<std::string>& dates() {
  static const std::vector<std::string> v = {"2024-02-29", "1970-01-01", "1999-12-31", "2024-03-01", "2000-01-01"};
  return v;
}

struct rng {
  std::mt19937_64 g;
  explicit rng(std::uint64_t seed) : g(seed) {}
  std::size_t below(std::size_t n) { return static_cast<std::size_t>(g() % n); }
  bool chance(double p) { return std::uniform_real_distribution<double>(0, 1)(g) < p; }
  template <class T>
  const T& pick(const std::vector<T>& v) { return v[below(v.size())]; }
};

std::string with_scale(const std::string& text, int scale) {
  auto dot = text.find('.');
  std::string whole = dot == std::string::npos ? text : text.substr(0, dot);
  std::string frac = dot == std::string::npos ? "" : text.substr(dot + 1);
  frac.resize(static_cast<std::size_t>(scale), '0');
  return whole + "." + frac;
}

value utc(const std::string& iso) {
  auto t = timestamp::parse(iso);
  t.offset_minutes = 0;
  return t;
}

constexpr std::size_t row_count = 300;

// Row values as written, and as they must read back.
struct dataset {
  std::vector<value> written;
  records stored;  // what find() must return, ordered by id
};

// The timestamps a table holds: those the engine keeps to the microsecond as written.
std::vector<std::string> stored_timestamps(int digits) {
  std::vector<std::string> v;
  for (const auto& t : timestamps()) {
    std::int64_t unit = 1;
    for (int d = digits; d < 6; ++d) unit *= 10;
    if (timestamp::parse(t).micros % unit == 0) v.push_back(t);
  }
  return v;
}

dataset make_rows(const engine::capabilities& caps) {
  const bool any_double = caps.any_double;
  const std::vector<std::string> kept_timestamps = stored_timestamps(caps.timestamp_digits);
  rng r(20261202);
  dataset d;
  const std::vector<std::string> names = {"id", "i", "n", "d", "m", "s", "g", "f", "ts", "dt"};
  d.stored = records(names);
  auto maybe = [&](auto&& make) -> value { return r.chance(0.15) ? value() : make(); };
  for (std::size_t k = 1; k <= row_count; ++k) {
    object row{{"id", static_cast<std::int64_t>(k)},
               {"i", maybe([&] { return value(r.pick(integers())); })},
               {"n", maybe([&] { return value(static_cast<std::int64_t>(r.below(7)) - 3); })},
               {"d", maybe([&] { return value(r.pick(stored_doubles(any_double))); })},
               {"m", maybe([&] { return value(decimal::parse(r.pick(decimals()))); })},
               {"s", maybe([&] { return value(r.pick(strings())); })},
               {"g", maybe([&] { return value(r.pick(group_strings())); })},
               {"f", maybe([&] { return value(r.chance(0.5)); })},
               {"ts", maybe([&] { return value(timestamp::parse(r.pick(kept_timestamps))); })},
               {"dt", maybe([&] { return value(date::parse(r.pick(dates()))); })}};
    for (const auto& [name, v] : row) {
      if (name == "m" && !v.is_null()) detail::records_builder(d.stored).add(decimal::parse(with_scale(v.as_decimal().text, 8)));
      else if (name == "ts" && !v.is_null()) detail::records_builder(d.stored).add(utc(v.as_timestamp().to_string()));
      else if (name == "d" && !v.is_null() && v.as_double() == 0.0) detail::records_builder(d.stored).add(0.0);  // -0.0 is stored as 0.0
      else detail::records_builder(d.stored).add(v);
    }
    detail::records_builder(d.stored).end_row();
    d.written.emplace_back(std::move(row));
  }
  return d;
}

// --- random calls ------------------------------------------------------------------------

enum class col_kind { integer, real, decimal, text, boolean, timestamp, date };
struct column_spec {
  std::string name;
  col_kind kind;
};
const std::vector<column_spec>& columns() {
  static const std::vector<column_spec> v = {{"i", col_kind::integer}, {"n", col_kind::integer}, {"d", col_kind::real},
                                             {"m", col_kind::decimal}, {"s", col_kind::text},   {"g", col_kind::text},
                                             {"f", col_kind::boolean}, {"ts", col_kind::timestamp},
                                             {"dt", col_kind::date}};
  return v;
}

value operand(rng& r, const column_spec& c) {
  switch (c.kind) {
    case col_kind::integer:
      if (c.name == "n") return static_cast<std::int64_t>(r.below(9)) - 4;
      if (r.chance(0.1)) return r.pick(doubles());  // a double against an integer column
      if (r.chance(0.05)) return decimal::parse(r.pick(decimals()));
      return r.pick(integers());
    case col_kind::real:
      if (r.chance(0.15)) return r.pick(integers());  // 2^53 + 1 against a double column
      return r.pick(doubles());
    case col_kind::decimal:
      if (r.chance(0.1)) return static_cast<std::int64_t>(r.below(21)) - 10;
      if (r.chance(0.1)) return r.pick(doubles());
      return decimal::parse(r.pick(decimals()));
    case col_kind::text: return c.name == "g" ? r.pick(group_strings()) : r.pick(strings());
    case col_kind::boolean: return r.chance(0.5);
    case col_kind::timestamp: return timestamp::parse(r.pick(timestamps()));
    case col_kind::date: return date::parse(r.pick(dates()));
  }
  return nullptr;
}

std::string like_escape(std::string_view s) {
  std::string out;
  for (char ch : s) {
    if (ch == '%' || ch == '_' || ch == '\\') out += '\\';
    out += ch;
  }
  return out;
}

// A LIKE pattern made from a value of the column: a piece of it, with wildcards.
std::string like_pattern(rng& r, const std::string& base) {
  std::string lit = like_escape(base);
  switch (r.below(6)) {
    case 0: return lit;
    case 1: return "%" + lit;
    case 2: return lit + "%";
    case 3: return "%" + lit + "%";
    case 4: return "_" + lit.substr(0, lit.size() / 2) + "%";
    default: {
      std::string p;
      for (char ch : lit) p += (r.chance(0.2) && ch != '\\' && static_cast<unsigned char>(ch) < 0x80) ? '_' : ch;
      return p;
    }
  }
}

const std::vector<std::string>& regexes() {
  static const std::vector<std::string> v = {
      "^.$", "^..$", "[éÉ]", "^b $", "b$", "^b", "x$", ".", "a|b", "^(a|b)+$", "[a-c]", "[^a-z]", "\\.",
      "line.break", "^line", "break$", "😀", "^.{2}$", "S{2}", "ß", "\\\\", "%", "_", "[σς]", "^$", "k\\n?$",
      "^[A-Z][a-z]+$", "(ab|cd)?e", "ς$", "^.*$", "n$"};
  return v;
}

// An operand of the wrong type for some column: every engine must refuse it alike.
value stray_operand(rng& r) {
  switch (r.below(6)) {
    case 0: return "abc";
    case 1: return "10";
    case 2: return 5;
    case 3: return true;
    case 4: return date::parse("2024-02-29");
    default: return "yes";
  }
}

bool fits(const column_spec& c, const value& v) {
  switch (c.kind) {
    case col_kind::integer: case col_kind::real: case col_kind::decimal: return v.is_number();
    case col_kind::text: return v.is_string();
    case col_kind::boolean: return v.kind() == value_kind::boolean;
    case col_kind::timestamp: return v.kind() == value_kind::timestamp;
    case col_kind::date: return v.kind() == value_kind::date;
  }
  return true;
}

value leaf(rng& r) {
  const auto& c = r.pick(columns());
  if (r.chance(0.04)) {  // ill-typed: an operand or a text match the column cannot take
    if (c.kind != col_kind::text && r.chance(0.3))
      return object{{c.name, object{{r.pick(std::vector<std::string>{"$like", "$ilike", "$contains", "$regex"}), "1%"}}}};
    value v = stray_operand(r);
    while (fits(c, v)) v = stray_operand(r);  // the kinds cover every column: one does not fit
    if (r.chance(0.3)) return object{{c.name, object{{"$in", array{operand(r, c), v}}}}};
    return object{{c.name, object{{r.pick(std::vector<std::string>{"$eq", "$ne", "$gt", "$lte"}), v}}}};
  }
  std::vector<std::string> ops = {"$eq", "$ne", "$in", "$nin", "$isNull", "$isNotNull", "$exists", "plain", "$not"};
  if (c.kind != col_kind::boolean)
    for (const char* o : {"$gt", "$gte", "$lt", "$lte", "$between"}) ops.emplace_back(o);
  if (c.kind == col_kind::text)
    for (const char* o : {"$like", "$ilike", "$contains", "$startsWith", "$endsWith", "$regex", "$like", "$ilike"})
      ops.emplace_back(o);
  std::string op = r.pick(ops);
  auto text_base = [&] { return c.name == "g" ? r.pick(group_strings()) : r.pick(strings()); };
  value v;
  if (op == "plain") return object{{c.name, r.chance(0.1) ? value() : operand(r, c)}};
  if (op == "$not") {
    std::string inner = c.kind == col_kind::boolean ? "$eq" : r.pick(std::vector<std::string>{"$eq", "$gt", "$lte", "$ne"});
    return object{{c.name, object{{"$not", object{{inner, operand(r, c)}}}}}};
  }
  if (op == "$isNull" || op == "$isNotNull" || op == "$exists") v = r.chance(0.5);
  else if (op == "$in" || op == "$nin") {
    array items;
    for (std::size_t k = r.below(4); k > 0; --k) items.push_back(operand(r, c));
    v = std::move(items);
  } else if (op == "$between") {
    v = array{operand(r, c), operand(r, c)};
  } else if (op == "$like" || op == "$ilike") {
    std::string base = text_base();
    if (op == "$ilike" && r.chance(0.5)) base = r.pick(strings());
    v = like_pattern(r, base);
  } else if (op == "$contains" || op == "$startsWith" || op == "$endsWith") {
    std::string base = text_base();
    v = r.chance(0.5) ? base : base.substr(0, base.size() / 2);
  } else if (op == "$regex") {
    v = r.pick(regexes());
  } else {
    v = operand(r, c);
  }
  return object{{c.name, object{{op, std::move(v)}}}};
}

value filter(rng& r, int depth) {
  if (depth >= 3 || r.chance(0.55)) return leaf(r);
  std::string op = r.pick(std::vector<std::string>{"$and", "$or", "$nor", "$not", "implicit"});
  if (op == "$not") return object{{"$not", filter(r, depth + 1)}};
  array parts;
  for (std::size_t k = 2 + r.below(2); k > 0; --k) parts.push_back(filter(r, depth + 1));
  if (op == "implicit") {  // several members of one object are ANDed; keys must differ
    object merged;
    for (auto& p : parts)
      for (auto& m : p.as_object())
        if (std::none_of(merged.begin(), merged.end(), [&](const member& x) { return x.first == m.first; }))
          merged.push_back(m);
    return merged;
  }
  return object{{op, std::move(parts)}};
}

// --- comparing answers --------------------------------------------------------------------

bool same_cell(const value& a, const value& b, bool approximate) {
  if (a.kind() != b.kind()) return false;
  if (a.kind() == value_kind::real) {
    double x = a.as_double(), y = b.as_double();
    if (!approximate) return std::memcmp(&x, &y, sizeof x) == 0;
    // Sums of doubles depend on the order of addition: relative error for large totals, and
    // an absolute 1e-9 for totals that cancel to near zero (0.1 - 0.1 + -1e-300).
    return x == y || std::fabs(x - y) <= std::max(1e-12 * std::max(std::fabs(x), std::fabs(y)), 1e-9);
  }
  return a == b;
}

std::string first_difference(const records& got, const records& want, bool approximate) {
  if (got.column_count() != want.column_count())
    return fmt::format("{} columns, expected {}", got.column_count(), want.column_count());
  for (std::size_t r = 0; r < std::min(got.size(), want.size()); ++r)
    for (std::size_t c = 0; c < want.column_count(); ++c)
      if (!same_cell(got.get(r, c), want.get(r, c), approximate))
        return fmt::format("row {} column {}: got {} ({}), expected {} ({})", r, want.column_name(c),
                           got.get(r, c).to_json(), to_string(got.get(r, c).kind()), want.get(r, c).to_json(),
                           to_string(want.get(r, c).kind()));
  if (got.size() != want.size()) return fmt::format("{} rows, expected {}", got.size(), want.size());
  return {};
}

std::uint64_t env_number(const char* name, std::uint64_t fallback) {
  const char* v = std::getenv(name);
  return v && *v ? std::strtoull(v, nullptr, 10) : fallback;
}

class differential : public fixture {
 protected:
  void SetUp() override {
    fixture::SetUp();
    t_ = make_tether_table({{"id", {{"type", "bigint"}, {"primary_key", true}}},
                            {"i", "bigint"},
                            {"n", "bigint"},
                            {"d", "double"},
                            {"m", {{"type", "decimal"}, {"precision", 30}, {"scale", 8}}},
                            {"s", {{"type", "string"}, {"length", 64}}},
                            {"g", {{"type", "string"}, {"length", 16}}},
                            {"f", "boolean"},
                            {"ts", "timestamp"},
                            {"dt", "date"}});
    data_ = make_rows(db->capabilities());
    db->insert({.table = t_, .records = data_.written});
  }

  // One call on the engine and on the reference; the mismatch, or empty when they agree.
  template <class Options, class Run>
  std::string disagreement(const Options& o, Run run, bool approximate) {
    std::string engine_error, reference_error;
    records got, want;
    try {
      got = run(o);
    } catch (const error& e) {
      engine_error = fmt::format("{} error: {}", to_string(e.category()), e.what());
    }
    try {
      want = engine::evaluate(o, data_.stored);
    } catch (const error& e) {
      reference_error = fmt::format("{} error: {}", to_string(e.category()), e.what());
    }
    if (!engine_error.empty() || !reference_error.empty()) {
      // Both refuse: they agree when both call it a usage error.
      if (engine_error.rfind("usage", 0) == 0 && reference_error.rfind("usage", 0) == 0) {
        ++refused_;
        return {};
      }
      return fmt::format("engine: {}\nreference: {}", engine_error.empty() ? "rows" : engine_error,
                         reference_error.empty() ? "rows" : reference_error);
    }
    return first_difference(got, want, approximate);
  }

  // The smallest part of `where` (a member, an element of $and/$or/$nor) that still disagrees.
  template <class Options, class Run>
  value shrink(Options o, Run run, bool approximate) {
    value best = o.where;
    for (bool progress = true; progress;) {
      progress = false;
      std::vector<value> parts;
      if (best.is_object()) {
        for (const auto& m : best.as_object()) {
          parts.push_back(object{m});
          if ((m.first == "$and" || m.first == "$or" || m.first == "$nor") && m.second.is_array())
            for (const auto& e : m.second.as_array()) parts.push_back(e);
          if (m.first == "$not" && m.second.is_object()) parts.push_back(m.second);
        }
      }
      for (const auto& part : parts) {
        if (part == best) continue;
        o.where = part;
        if (!disagreement(o, run, approximate).empty()) {
          best = part;
          progress = true;
          break;
        }
      }
    }
    return best;
  }

  std::string t_;
  dataset data_;
  std::size_t refused_ = 0;  // calls both refused (ill-typed operands)
};

std::string order_text(const std::vector<order_term>& order) {
  std::string s;
  for (const auto& t : order) s += (s.empty() ? "" : ",") + t.column + (t.dir == direction::desc ? ":desc" : "");
  return s;
}

TEST_F(differential, stored_rows_read_back_as_written) {
  auto got = db->find({.table = t_, .order_by = {{"id"}}}).records;
  EXPECT_EQ(first_difference(got, data_.stored, false), "");
}

TEST_F(differential, random_calls_agree_with_the_reference) {
  std::vector<std::uint64_t> seeds = {1, 2, 3};
  if (const char* s = std::getenv("TETHER_DIFF_SEED"); s && *s) seeds = {std::strtoull(s, nullptr, 10)};
  const std::uint64_t queries = env_number("TETHER_DIFF_QUERIES", 300);
  std::size_t failures = 0, calls = 0;
  const std::vector<std::string> group_columns = {"n", "g", "f", "dt"};
  const std::vector<std::string> numeric_columns = {"i", "n", "d", "m"};
  const std::vector<std::string> any_column = {"i", "n", "d", "m", "s", "g", "f", "ts", "dt"};

  for (auto seed : seeds) {
    rng r(seed);
    for (std::uint64_t q = 0; q < queries && failures < 10; ++q) {
      const std::size_t what = r.below(10);
      std::string call, diff;
      value where = r.chance(0.1) ? value() : filter(r, 0);
      ++calls;
      if (what < 6) {
        find_options o{.table = t_, .where = where};
        for (std::size_t k = r.below(3); k > 0; --k)
          o.order_by.push_back({r.pick(any_column), r.chance(0.5) ? direction::asc : direction::desc});
        o.order_by.push_back({"id", r.chance(0.5) ? direction::asc : direction::desc});
        if (r.chance(0.4)) o.limit = static_cast<std::int64_t>(r.below(25));
        if (r.chance(0.3)) o.offset = static_cast<std::int64_t>(r.below(60));
        auto run = [&](const find_options& x) { return db->find(x).records; };
        diff = disagreement(o, run, false);
        if (!diff.empty()) {
          call = fmt::format("find where={} order_by={} limit={} offset={}\n  smallest disagreeing where: {}",
                             where.to_json(), order_text(o.order_by), o.limit ? std::to_string(*o.limit) : "-",
                             o.offset ? std::to_string(*o.offset) : "-", shrink(o, run, false).to_json());
        }
      } else if (what < 7) {
        count_options o{.table = t_, .where = where};
        if (r.chance(0.6)) o.column = r.pick(any_column);
        o.distinct = !o.column.empty() && r.chance(0.5);
        auto run = [&](const count_options& x) {
          records out(std::vector<std::string>{"count"});
          detail::records_builder(out).add(db->count(x));
          detail::records_builder(out).end_row();
          return out;
        };
        diff = disagreement(o, run, false);
        if (!diff.empty())
          call = fmt::format("count column={} distinct={} where={}\n  smallest disagreeing where: {}", o.column,
                             o.distinct, where.to_json(), shrink(o, run, false).to_json());
      } else {
        aggregate_options o{.table = t_, .where = where};
        object ops{{"c", object{{"$count", "*"}}}};
        for (std::size_t k = 1 + r.below(3); k > 0; --k) {
          std::string fn = r.pick(std::vector<std::string>{"$sum", "$avg", "$min", "$max", "$count"});
          std::string col = fn == "$sum" || fn == "$avg" ? r.pick(numeric_columns) : r.pick(any_column);
          if ((fn == "$sum" || fn == "$avg") && r.chance(0.05)) col = r.pick(std::vector<std::string>{"s", "f", "dt"});
          ops.emplace_back(fmt::format("a{}", k), object{{fn, col}});
        }
        o.operations = std::move(ops);
        for (std::size_t k = r.below(3); k > 0; --k) {
          auto g = r.pick(group_columns);
          if (std::find(o.group_by.begin(), o.group_by.end(), g) == o.group_by.end()) o.group_by.push_back(g);
        }
        if (!o.group_by.empty() && r.chance(0.3)) o.having = {{"c", {{"$gte", static_cast<std::int64_t>(1 + r.below(20))}}}};
        for (const auto& g : o.group_by) o.order_by.push_back({g, r.chance(0.5) ? direction::asc : direction::desc});
        if (!o.group_by.empty() && r.chance(0.3)) o.limit = static_cast<std::int64_t>(r.below(10));
        auto run = [&](const aggregate_options& x) { return db->aggregate(x); };
        diff = disagreement(o, run, true);
        if (!diff.empty())
          call = fmt::format("aggregate operations={} group_by={} having={} where={}\n  smallest disagreeing where: {}",
                             o.operations.to_json(), fmt::join(o.group_by, ","), o.having.to_json(), where.to_json(),
                             shrink(o, run, true).to_json());
      }
      if (!diff.empty()) {
        ++failures;
        ADD_FAILURE() << "seed " << seed << ", call " << q << ": " << call << "\n  " << diff;
      }
    }
  }
  std::cout << "[ differential ] " << calls << " calls on " << profile().name << ", " << refused_
            << " refused by both as usage errors, " << failures << " disagreed with the reference\n";
  EXPECT_GT(refused_, 0u) << "the ill-typed calls must be refused by both";
}

}  // namespace
}  // namespace tether::conformance
