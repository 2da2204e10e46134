// Private: PostgreSQL errors (SQLSTATE) → tether::error, in one place.
#pragma once

#include <libpq-fe.h>

#include <string_view>

#include "tether/error.hpp"

namespace tether::detail::postgresql {

// From a failed result (frees nothing; the caller owns res).
[[noreturn]] void throw_result_error(PGconn* conn, const PGresult* res, std::string_view statement);
// From a connection-level failure (no result).
[[noreturn]] void throw_connection_error(PGconn* conn, std::string_view what);

}  // namespace tether::detail::postgresql
