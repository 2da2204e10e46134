// sql/redact.hpp — SQL text made safe to show: the SQL engines mask what they sent with it
// before an error stores it (error_details::statement).
#pragma once

#include <string>
#include <string_view>

namespace tether::detail::sql {

// Replaces the contents of single-quoted literals with *** (standard doubling and backslash
// escapes both stay inside the literal).
std::string redact_statement(std::string_view sql);

}  // namespace tether::detail::sql
