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

// The operator as a where-filter spells it: "$eq", "$startsWith", "$isNull", ….
constexpr const char* operator_name(compare op) noexcept {
  switch (op) {
    case compare::eq: return "$eq";
    case compare::ne: return "$ne";
    case compare::gt: return "$gt";
    case compare::gte: return "$gte";
    case compare::lt: return "$lt";
    case compare::lte: return "$lte";
    case compare::in: return "$in";
    case compare::nin: return "$nin";
    case compare::like: return "$like";
    case compare::ilike: return "$ilike";
    case compare::between: return "$between";
    case compare::is_null: return "$isNull";
    case compare::is_not_null: return "$isNotNull";
    case compare::regex: return "$regex";
    case compare::contains: return "$contains";
    case compare::starts_with: return "$startsWith";
    case compare::ends_with: return "$endsWith";
  }
  return "?";
}

}  // namespace tether::engine
