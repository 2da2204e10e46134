// The reference meaning of the json array update operators, for engines that compute them
// on the client (DynamoDB, for a list it cannot change in place).
#include "tether/engine/evaluate.hpp"

namespace tether::engine {
namespace {

bool same(const value& a, const value& b) {
  if (!a.is_scalar() || !b.is_scalar() || a.is_null() || b.is_null()) return false;
  const auto order = compare_values(a, b);
  return order && *order == 0;
}

}  // namespace

std::optional<value> array_update(update_op op, const value& old, const value* operand) {
  if (!old.is_null() && !old.is_array()) return std::nullopt;  // not an array: left as it is
  array elements = old.is_null() ? array{} : old.as_array();
  switch (op) {
    case update_op::push: elements.push_back(*operand); break;
    case update_op::add_to_set:
      for (const auto& e : elements)
        if (same(e, *operand)) return std::nullopt;
      elements.push_back(*operand);
      break;
    case update_op::pull: {
      array kept;
      for (auto& e : elements)
        if (!same(e, *operand)) kept.push_back(std::move(e));
      if (!old.is_null() && kept.size() == elements.size()) return std::nullopt;
      elements = std::move(kept);
      break;
    }
    case update_op::pop_first:
    case update_op::pop_last:
      if (elements.empty()) return std::nullopt;
      elements.erase(op == update_op::pop_first ? elements.begin() : elements.end() - 1);
      break;
    default: return std::nullopt;
  }
  return value(std::move(elements));
}

}  // namespace tether::engine
