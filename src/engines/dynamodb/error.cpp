// DynamoDB's error names (API reference, "Error handling") onto tether's categories.
#include "error.hpp"

#include <fmt/format.h>

#include "tether/error.hpp"

namespace tether::detail::dynamodb {
namespace {

error_category classify(long status, std::string_view type) {
  if (status == 0) return error_category::connection;
  if (type == "ConditionalCheckFailedException") return error_category::unique_violation;
  if (type == "ResourceNotFoundException") return error_category::schema;
  if (type == "ResourceInUseException") return error_category::schema;
  if (type == "UnknownOperationException") return error_category::unsupported;  // a local server lacking it
  if (type == "ValidationException" || type == "SerializationException") return error_category::query;
  if (type == "TransactionConflictException" || type == "TransactionCanceledException")
    return error_category::serialization_conflict;
  if (type == "ProvisionedThroughputExceededException" || type == "ThrottlingException" ||
      type == "RequestLimitExceeded" || type == "LimitExceededException")
    return error_category::timeout;  // retryable: nothing was written
  if (type == "UnrecognizedClientException" || type == "InvalidSignatureException" ||
      type == "MissingAuthenticationTokenException" || type == "AccessDeniedException" ||
      type == "IncompleteSignatureException" || type == "ExpiredTokenException")
    return error_category::connection;
  if (status >= 500) return error_category::connection;
  return error_category::query;
}

}  // namespace

void throw_error(long status, std::string_view type, std::string_view message, std::string_view request) {
  const std::string code = type.empty() ? fmt::format("HTTP {}", status) : std::string(type);
  std::string what = status == 0 ? fmt::format("cannot reach DynamoDB: {}", message)
                                 : fmt::format("{} (dynamodb {})", message.empty() ? code : std::string(message), code);
  throw error(classify(status, type), what, error_details{.engine = "dynamodb", .code = code, .statement = std::string(request)});
}

}  // namespace tether::detail::dynamodb
