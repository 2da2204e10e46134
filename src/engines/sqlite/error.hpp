// Private: SQLite result codes → tether::error, in one place.
#pragma once

#include <sqlite3.h>

#include <string_view>

#include "tether/error.hpp"

namespace tether::detail::sqlite {

[[noreturn]] void throw_error(sqlite3* db, int code, std::string_view statement);

}  // namespace tether::detail::sqlite
