// Private: MySQL and MariaDB errors (error numbers, SQLSTATE) → tether::error, in one place.
#pragma once

#include <mysql.h>

#include <string_view>

#include "tether/error.hpp"

namespace tether::detail::mysql {

[[noreturn]] void throw_error(unsigned code, std::string_view sqlstate, std::string_view message,
                              std::string_view statement);
// The last error on a connection, or on a prepared statement.
[[noreturn]] void throw_error(MYSQL* conn, std::string_view statement);
[[noreturn]] void throw_error(MYSQL_STMT* stmt, std::string_view statement);

}  // namespace tether::detail::mysql
