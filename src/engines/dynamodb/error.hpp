// DynamoDB's errors onto tether's categories: its codes are names ("__type"), not numbers.
#pragma once

#include <string_view>

namespace tether::detail::dynamodb {

// Throws tether::error for a failed call: `status` is the HTTP status (0: no answer),
// `type` the error's name after the '#' of "__type", `request` what was sent, summarised
// (the operation and table, never values or keys).
[[noreturn]] void throw_error(long status, std::string_view type, std::string_view message, std::string_view request);

}  // namespace tether::detail::dynamodb
