// Parsing and printing of decimals, dates, times, timestamps and uuids.
#include <fmt/format.h>

#include <array>
#include <charconv>
#include <chrono>

#include "tether/error.hpp"
#include "tether/value.hpp"

namespace tether {
namespace {

constexpr std::int64_t micros_per_second = 1'000'000;
constexpr std::int64_t micros_per_day = 86'400 * micros_per_second;

[[noreturn]] void bad(std::string_view what, std::string_view text, std::string_view expected) {
  throw error(error_category::usage,
              fmt::format("invalid {} \"{}\"; expected {}", what, text, expected));
}

// Reads exactly n digits at pos; false when they are not there.
bool digits(std::string_view s, std::size_t pos, std::size_t n, int& out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (std::size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (s[i] - '0');
  }
  out = v;
  return true;
}

bool parse_date_at(std::string_view s, date& out) {
  int y, m, d;
  if (s.size() < 10 || !digits(s, 0, 4, y) || s[4] != '-' || !digits(s, 5, 2, m) || s[7] != '-' ||
      !digits(s, 8, 2, d))
    return false;
  std::chrono::year_month_day ymd{std::chrono::year{y}, std::chrono::month{unsigned(m)},
                                  std::chrono::day{unsigned(d)}};
  if (!ymd.ok()) return false;
  out.days = static_cast<std::int32_t>(std::chrono::sys_days(ymd).time_since_epoch().count());
  return true;
}

// "HH:MM:SS[.f{1,9}]" from pos; sets consumed to the characters used.
bool parse_time_at(std::string_view s, std::size_t pos, std::int64_t& micros, std::size_t& end) {
  int h, m, sec;
  if (!digits(s, pos, 2, h) || pos + 2 >= s.size() || s[pos + 2] != ':' ||
      !digits(s, pos + 3, 2, m) || pos + 5 >= s.size() || s[pos + 5] != ':' ||
      !digits(s, pos + 6, 2, sec))
    return false;
  if (h > 23 || m > 59 || sec > 60) return false;
  std::size_t i = pos + 8;
  std::int64_t frac = 0;
  if (i < s.size() && s[i] == '.') {
    ++i;
    int n = 0;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
      if (n < 6) frac = frac * 10 + (s[i] - '0');
      ++n;
      ++i;
    }
    if (n == 0) return false;
    for (int k = n; k < 6; ++k) frac *= 10;
  }
  micros = ((h * 60 + m) * 60 + sec) * micros_per_second + frac;
  end = i;
  return true;
}

// Fixed-width digits, written directly: dates and times are formatted for every row a
// caller reads as text, and a format string costs more than the digits.
constexpr auto two_digits = [] {
  std::array<char, 200> t{};
  for (int i = 0; i < 100; ++i) {
    t[2 * i] = static_cast<char>('0' + i / 10);
    t[2 * i + 1] = static_cast<char>('0' + i % 10);
  }
  return t;
}();

void append_digits(std::string& out, std::int64_t v, int width) {
  char buf[20];
  int i = width;
  for (; i >= 2; i -= 2) {
    auto pair = static_cast<std::size_t>(v % 100) * 2;
    v /= 100;
    buf[i - 2] = two_digits[pair];
    buf[i - 1] = two_digits[pair + 1];
  }
  if (i == 1) buf[0] = static_cast<char>('0' + v % 10);
  out.append(buf, static_cast<std::size_t>(width));
}

void append_time(std::string& out, std::int64_t micros) {
  auto secs = micros / micros_per_second;
  auto frac = micros % micros_per_second;
  append_digits(out, secs / 3600, 2);
  out += ':';
  append_digits(out, (secs / 60) % 60, 2);
  out += ':';
  append_digits(out, secs % 60, 2);
  if (frac != 0) {
    out += '.';
    append_digits(out, frac, 6);
  }
}

void append_date(std::string& out, std::int32_t days) {
  std::chrono::year_month_day ymd{std::chrono::sys_days{std::chrono::days{days}}};
  int y = int(ymd.year());
  if (y < 0 || y > 9999) {
    out += fmt::format("{:04}-{:02}-{:02}", y, unsigned(ymd.month()), unsigned(ymd.day()));
    return;
  }
  append_digits(out, y, 4);
  out += '-';
  append_digits(out, unsigned(ymd.month()), 2);
  out += '-';
  append_digits(out, unsigned(ymd.day()), 2);
}

std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  std::int64_t q = a / b;
  return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

}  // namespace

decimal decimal::parse(std::string_view text) {
  std::size_t i = 0;
  if (i < text.size() && (text[i] == '-' || text[i] == '+')) ++i;
  std::size_t int_digits = 0, frac_digits = 0;
  while (i < text.size() && text[i] >= '0' && text[i] <= '9') ++i, ++int_digits;
  if (i < text.size() && text[i] == '.') {
    ++i;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') ++i, ++frac_digits;
  }
  if (int_digits + frac_digits == 0) bad("decimal", text, "digits such as \"-12.50\"");
  if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
    ++i;
    if (i < text.size() && (text[i] == '-' || text[i] == '+')) ++i;
    std::size_t exp_digits = 0;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') ++i, ++exp_digits;
    if (exp_digits == 0) bad("decimal", text, "digits after the exponent");
  }
  if (i != text.size()) bad("decimal", text, "digits such as \"-12.50\"");
  return decimal{std::string(text[0] == '+' ? text.substr(1) : text)};
}

date date::from_ymd(int year, unsigned month, unsigned day) {
  std::chrono::year_month_day ymd{std::chrono::year{year}, std::chrono::month{month},
                                  std::chrono::day{day}};
  if (!ymd.ok())
    bad("date", fmt::format("{:04}-{:02}-{:02}", year, month, day), "a real calendar day");
  return date{static_cast<std::int32_t>(std::chrono::sys_days(ymd).time_since_epoch().count())};
}

date date::parse(std::string_view iso) {
  date d;
  if (iso.size() != 10 || !parse_date_at(iso, d)) bad("date", iso, "YYYY-MM-DD");
  return d;
}

std::string date::to_string() const {
  std::string out;
  out.reserve(10);
  append_date(out, days);
  return out;
}

time_of_day time_of_day::parse(std::string_view iso) {
  time_of_day t;
  std::size_t end = 0;
  if (!parse_time_at(iso, 0, t.micros, end) || end != iso.size())
    bad("time", iso, "HH:MM:SS[.ffffff]");
  return t;
}

std::string time_of_day::to_string() const {
  std::string out;
  append_time(out, micros);
  return out;
}

timestamp timestamp::parse(std::string_view iso) {
  constexpr std::string_view expected = "YYYY-MM-DDTHH:MM:SS[.ffffff] with Z or ±HH:MM";
  date d;
  if (iso.size() < 19 || !parse_date_at(iso, d) || (iso[10] != 'T' && iso[10] != ' '))
    bad("timestamp", iso, expected);
  std::int64_t tod = 0;
  std::size_t i = 0;
  if (!parse_time_at(iso, 11, tod, i)) bad("timestamp", iso, expected);
  int offset = 0;
  if (i < iso.size() && (iso[i] == 'Z' || iso[i] == 'z')) {
    ++i;
  } else if (i < iso.size() && (iso[i] == '+' || iso[i] == '-')) {
    int oh, om = 0;
    bool neg = iso[i] == '-';
    if (!digits(iso, i + 1, 2, oh)) bad("timestamp", iso, expected);
    i += 3;
    if (i < iso.size() && iso[i] == ':') ++i;
    if (i < iso.size()) {
      if (!digits(iso, i, 2, om)) bad("timestamp", iso, expected);
      i += 2;
    }
    if (oh > 18 || om > 59) bad("timestamp", iso, expected);
    offset = (oh * 60 + om) * (neg ? -1 : 1);
  }
  // No designator: the text is read as UTC (what SQL engines store).
  if (i != iso.size()) bad("timestamp", iso, expected);
  timestamp t;
  t.offset_minutes = static_cast<std::int16_t>(offset);
  t.micros = d.days * micros_per_day + tod - std::int64_t{offset} * 60 * micros_per_second;
  return t;
}

std::string timestamp::to_string() const {
  std::int64_t local = micros + std::int64_t{offset_minutes} * 60 * micros_per_second;
  std::int64_t days = floor_div(local, micros_per_day);
  std::string out;
  out.reserve(32);
  append_date(out, static_cast<std::int32_t>(days));
  out += 'T';
  append_time(out, local - days * micros_per_day);
  if (offset_minutes == 0) {
    out += 'Z';
  } else {
    int off = offset_minutes < 0 ? -offset_minutes : offset_minutes;
    out += offset_minutes < 0 ? '-' : '+';
    append_digits(out, off / 60, 2);
    out += ':';
    append_digits(out, off % 60, 2);
  }
  return out;
}

uuid uuid::parse(std::string_view text) {
  uuid u;
  if (text.size() != 36) bad("uuid", text, "8-4-4-4-12 hexadecimal digits");
  std::size_t o = 0;
  for (std::size_t i = 0; i < 36;) {
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (text[i] != '-') bad("uuid", text, "8-4-4-4-12 hexadecimal digits");
      ++i;
      continue;
    }
    unsigned byte = 0;
    auto r = std::from_chars(text.data() + i, text.data() + i + 2, byte, 16);
    if (r.ec != std::errc{} || r.ptr != text.data() + i + 2)
      bad("uuid", text, "8-4-4-4-12 hexadecimal digits");
    u.octets[o++] = static_cast<std::uint8_t>(byte);
    i += 2;
  }
  return u;
}

std::string uuid::to_string() const {
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  out.reserve(36);
  for (std::size_t i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out += '-';
    out += hex[octets[i] >> 4];
    out += hex[octets[i] & 15];
  }
  return out;
}

object_id object_id::parse(std::string_view text) {
  object_id o;
  if (text.size() != 24) bad("object_id", text, "24 hexadecimal digits");
  for (std::size_t i = 0; i < 12; ++i) {
    unsigned byte = 0;
    auto r = std::from_chars(text.data() + 2 * i, text.data() + 2 * i + 2, byte, 16);
    if (r.ec != std::errc{} || r.ptr != text.data() + 2 * i + 2) bad("object_id", text, "24 hexadecimal digits");
    o.octets[i] = static_cast<std::uint8_t>(byte);
  }
  return o;
}

std::string object_id::to_string() const {
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  out.reserve(24);
  for (auto b : octets) {
    out += hex[b >> 4];
    out += hex[b & 15];
  }
  return out;
}

}  // namespace tether
