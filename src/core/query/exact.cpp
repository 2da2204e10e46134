// Exact decimal arithmetic: digit strings aligned on their scale, added and compared as
// schoolbook arithmetic. Sums of a few thousand values cost microseconds; nothing on a
// hot path uses it.
#include "core/query/exact.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cstdlib>

#include "tether/engine/evaluate.hpp"
#include "tether/error.hpp"
#include "tether/value.hpp"

namespace tether::detail {

namespace {

constexpr std::int64_t max_digits = 100'000;

void strip_leading_zeros(exact_number& n) {
  std::size_t z = 0;
  while (z < n.digits.size() && n.digits[z] == '0') ++z;
  n.digits.erase(0, z);
  if (n.digits.empty()) n.negative = false;
}

// Both at the larger scale, by appending zeros to the other.
void align(exact_number& a, exact_number& b) {
  if (a.scale < b.scale) a.digits.append(static_cast<std::size_t>(b.scale - a.scale), '0'), a.scale = b.scale;
  if (b.scale < a.scale) b.digits.append(static_cast<std::size_t>(a.scale - b.scale), '0'), b.scale = a.scale;
}

int compare_magnitude(const std::string& a, const std::string& b) {
  // Without leading zeros, a longer digit string is larger.
  std::size_t za = 0, zb = 0;
  while (za < a.size() && a[za] == '0') ++za;
  while (zb < b.size() && b[zb] == '0') ++zb;
  std::size_t la = a.size() - za, lb = b.size() - zb;
  if (la != lb) return la < lb ? -1 : 1;
  int c = a.compare(za, la, b, zb, lb);
  return c < 0 ? -1 : c > 0 ? 1 : 0;
}

std::string add_magnitudes(const std::string& a, const std::string& b) {
  std::string out;
  out.reserve(std::max(a.size(), b.size()) + 1);
  int carry = 0;
  for (std::size_t i = 0; i < std::max(a.size(), b.size()); ++i) {
    int da = i < a.size() ? a[a.size() - 1 - i] - '0' : 0;
    int db = i < b.size() ? b[b.size() - 1 - i] - '0' : 0;
    int s = da + db + carry;
    out.push_back(static_cast<char>('0' + s % 10));
    carry = s / 10;
  }
  if (carry) out.push_back('1');
  std::reverse(out.begin(), out.end());
  return out;
}

// a - b where |a| >= |b|.
std::string subtract_magnitudes(const std::string& a, const std::string& b) {
  std::string out;
  out.reserve(a.size());
  int borrow = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    int da = a[a.size() - 1 - i] - '0' - borrow;
    int db = i < b.size() ? b[b.size() - 1 - i] - '0' : 0;
    borrow = da < db ? 1 : 0;
    out.push_back(static_cast<char>('0' + da + borrow * 10 - db));
  }
  std::reverse(out.begin(), out.end());
  return out;
}

}  // namespace

exact_number parse_exact(std::string_view text) {
  const decimal checked = decimal::parse(text);  // throws for anything but a decimal literal
  std::string_view t = checked.text;
  exact_number n;
  std::size_t i = 0;
  if (i < t.size() && t[i] == '-') n.negative = true, ++i;
  std::int64_t frac = 0;
  bool point = false;
  for (; i < t.size() && t[i] != 'e' && t[i] != 'E'; ++i) {
    if (t[i] == '.') {
      point = true;
      continue;
    }
    n.digits.push_back(t[i]);
    if (point) ++frac;
  }
  std::int64_t exponent = 0;
  if (i < t.size()) {
    auto e = t.substr(i + 1);
    if (!e.empty() && e[0] == '+') e.remove_prefix(1);
    auto [end, ec] = std::from_chars(e.data(), e.data() + e.size(), exponent);
    if (ec != std::errc() || end != e.data() + e.size() || exponent > max_digits || exponent < -max_digits)
      throw error(error_category::usage,
                  fmt::format("the decimal {} has an exponent beyond what tether computes with exactly "
                              "(at most {} digits)",
                              text.substr(0, 40), max_digits));
  }
  std::int64_t scale = frac - exponent;
  if (scale < 0) {
    n.digits.append(static_cast<std::size_t>(-scale), '0');
    scale = 0;
  }
  if (scale > max_digits)
    throw error(error_category::usage,
                fmt::format("the decimal {} has more than {} digits after the point", text.substr(0, 40), max_digits));
  n.scale = static_cast<std::int32_t>(scale);
  strip_leading_zeros(n);
  return n;
}

exact_number exact_from_int(std::int64_t v) {
  exact_number n;
  n.negative = v < 0;
  // The magnitude of INT64_MIN does not fit an int64: go through its unsigned form.
  std::uint64_t m = v < 0 ? 0 - static_cast<std::uint64_t>(v) : static_cast<std::uint64_t>(v);
  n.digits = m ? std::to_string(m) : std::string();
  return n;
}

int compare_exact(const exact_number& a0, const exact_number& b0) {
  exact_number a = a0, b = b0;
  align(a, b);
  bool za = compare_magnitude(a.digits, "") == 0, zb = compare_magnitude(b.digits, "") == 0;
  bool na = a.negative && !za, nb = b.negative && !zb;
  if (na != nb) return na ? -1 : 1;
  int m = compare_magnitude(a.digits, b.digits);
  return na ? -m : m;
}

exact_number add_exact(const exact_number& a0, const exact_number& b0) {
  exact_number a = a0, b = b0;
  align(a, b);
  exact_number out;
  out.scale = a.scale;
  if (a.negative == b.negative) {
    out.negative = a.negative;
    out.digits = add_magnitudes(a.digits, b.digits);
  } else if (compare_magnitude(a.digits, b.digits) >= 0) {
    out.negative = a.negative;
    out.digits = subtract_magnitudes(a.digits, b.digits);
  } else {
    out.negative = b.negative;
    out.digits = subtract_magnitudes(b.digits, a.digits);
  }
  strip_leading_zeros(out);
  return out;
}

std::string exact_text(const exact_number& n) {
  std::string d = n.digits;
  if (d.size() <= static_cast<std::size_t>(n.scale)) d.insert(0, static_cast<std::size_t>(n.scale) + 1 - d.size(), '0');
  std::string out = n.negative ? "-" : "";
  out.append(d, 0, d.size() - static_cast<std::size_t>(n.scale));
  if (n.scale > 0) {
    out += '.';
    out.append(d, d.size() - static_cast<std::size_t>(n.scale), std::string::npos);
  }
  return out;
}

}  // namespace tether::detail

namespace tether::engine {

std::string round_decimal(std::string_view text, int scale) {
  detail::exact_number n = detail::parse_exact(text);
  if (scale < 0) scale = 0;
  if (n.scale > scale) {
    const auto drop = static_cast<std::size_t>(n.scale - scale);
    bool up = false;
    if (n.digits.size() >= drop) {
      up = n.digits[n.digits.size() - drop] >= '5';
      n.digits.resize(n.digits.size() - drop);
    } else {
      n.digits.clear();  // fewer digits than places dropped: below half a unit of the last place kept
    }
    n.scale = scale;
    if (up) {
      detail::exact_number unit{n.negative, "1", scale};
      n = detail::add_exact(n, unit);  // away from zero: the unit has the number's own sign
    }
  } else if (n.scale < scale) {
    n.digits.append(static_cast<std::size_t>(scale - n.scale), '0');
    n.scale = scale;
  }
  if (n.digits.find_first_not_of('0') == std::string::npos) n.negative = false;
  return detail::exact_text(n);
}

std::optional<int> compare_decimal_text(std::string_view a, std::string_view b) {
  try {
    return detail::compare_exact(detail::parse_exact(a), detail::parse_exact(b));
  } catch (const error&) {
    return std::nullopt;
  }
}

namespace {
detail::exact_number as_number(bool negative, const std::string& digits, std::int32_t scale) {
  return detail::exact_number{negative, digits, scale};
}
}  // namespace

void exact_sum::spill() {
  if (!fast_only_) return;
  auto n = detail::exact_from_int(fast_);
  negative_ = n.negative;
  digits_ = std::move(n.digits);
  scale_ = 0;
  fast_only_ = false;
}

void exact_sum::add(std::int64_t v) {
  if (fast_only_) {
    std::int64_t t;
    if (!__builtin_add_overflow(fast_, v, &t)) {
      fast_ = t;
      ++count_;
      return;
    }
    spill();
  }
  auto total = detail::add_exact(as_number(negative_, digits_, scale_), detail::exact_from_int(v));
  negative_ = total.negative;
  digits_ = std::move(total.digits);
  scale_ = total.scale;
  ++count_;
}

void exact_sum::add_decimal(std::string_view text) {
  spill();
  auto total = detail::add_exact(as_number(negative_, digits_, scale_), detail::parse_exact(text));
  negative_ = total.negative;
  digits_ = std::move(total.digits);
  scale_ = total.scale;
  decimal_ = true;
  ++count_;
}

value exact_sum::result() const {
  if (count_ == 0) return nullptr;
  if (fast_only_) return fast_;
  std::string text = detail::exact_text(as_number(negative_, digits_, scale_));
  if (!decimal_) {
    std::int64_t i = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), i);
    if (ec == std::errc() && end == text.data() + text.size()) return i;
  }
  return decimal{std::move(text)};
}

double exact_sum::as_double() const {
  if (fast_only_) return static_cast<double>(fast_);
  return std::strtod(detail::exact_text(as_number(negative_, digits_, scale_)).c_str(), nullptr);
}

}  // namespace tether::engine
