// Private: SQLite's one table of portable field types → declared column types.
#pragma once

#include <string_view>

#include "tether/types.hpp"

namespace tether::detail::sqlite {

// The declared type a column of this portable type gets; reading it back through
// decoder_for() yields the same value kind (docs/engines/sqlite.md).
std::string_view column_type(field_type t) noexcept;

}  // namespace tether::detail::sqlite
