// Private: exact decimal numbers for the reference evaluator's comparisons and sums. A
// number is a sign, its digits and a scale (digits after the point); no floating point.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace tether::detail {

struct exact_number {
  bool negative = false;
  std::string digits;      // magnitude, most significant first, no leading zeros ("" is 0)
  std::int32_t scale = 0;  // how many of `digits`' last places are after the point
};

// Throws tether::error (usage) for text that is not a decimal literal, or one whose
// exponent puts it beyond 100,000 digits.
exact_number parse_exact(std::string_view decimal_text);
exact_number exact_from_int(std::int64_t v);
int compare_exact(const exact_number& a, const exact_number& b);
exact_number add_exact(const exact_number& a, const exact_number& b);
// "-12.50": at least one digit before the point, exactly `scale` after it.
std::string exact_text(const exact_number& n);

}  // namespace tether::detail
