// The error type.
#include "tether/error.hpp"

namespace tether {

std::string_view to_string(error_category c) noexcept {
  switch (c) {
    case error_category::connection: return "connection";
    case error_category::query: return "query";
    case error_category::unique_violation: return "unique_violation";
    case error_category::foreign_key_violation: return "foreign_key_violation";
    case error_category::not_null_violation: return "not_null_violation";
    case error_category::check_violation: return "check_violation";
    case error_category::schema: return "schema";
    case error_category::not_found: return "not_found";
    case error_category::unsupported: return "unsupported";
    case error_category::usage: return "usage";
    case error_category::timeout: return "timeout";
    case error_category::serialization_conflict: return "serialization_conflict";
    case error_category::in_doubt: return "in_doubt";
  }
  return "unknown";
}

error::error(error_category category, const std::string& message, error_details details)
    : std::runtime_error(message), category_(category), details_(std::move(details)) {}

bool error::poisons_connection() const noexcept {
  return category_ == error_category::connection || category_ == error_category::in_doubt;
}

bool error::is_retryable() const noexcept {
  return category_ == error_category::serialization_conflict ||
         category_ == error_category::timeout || category_ == error_category::connection;
}

}  // namespace tether
