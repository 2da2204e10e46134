// Private: UTF-8 validity. tether's strings are UTF-8 (docs/values.md); where a server
// would silently turn an ill-formed byte into '?' (MySQL in an expression) or a statement
// could be cut short by one, the string is checked first.
#pragma once

#include <cstddef>
#include <string_view>

#include "tether/value.hpp"

namespace tether::detail {

// The offset of the first byte that does not belong to a well-formed UTF-8 sequence
// (overlong forms, surrogates and code points past U+10FFFF are ill-formed), or npos.
std::size_t invalid_utf8_at(std::string_view s) noexcept;

// Throws tether::error (usage) naming `what`, the offset and the byte when `s` is not
// well-formed UTF-8.
void check_utf8(std::string_view s, std::string_view what);

// The same for every string and object key inside `v`, walked without recursion.
void check_utf8_within(const value& v, std::string_view what);

}  // namespace tether::detail
