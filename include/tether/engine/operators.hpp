// tether/engine/operators.hpp — the where-operators and logical forms a plan's filter
// holds (docs/querying.md defines each one's meaning).
#pragma once

#include <cstdint>

namespace tether::engine {

enum class compare : std::uint8_t {
  eq, ne, gt, gte, lt, lte, in, nin, like, ilike, between, is_null, is_not_null,
  regex, contains, starts_with, ends_with
};

enum class logic : std::uint8_t { leaf, and_, or_, nor_, not_ };

// $like, $ilike, $regex, $contains, $startsWith, $endsWith.
constexpr bool is_text_match(compare op) noexcept {
  return op == compare::like || op == compare::ilike || op == compare::regex || op == compare::contains ||
         op == compare::starts_with || op == compare::ends_with;
}

}  // namespace tether::engine
