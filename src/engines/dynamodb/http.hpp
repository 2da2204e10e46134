// The DynamoDB JSON protocol over HTTP: one libcurl handle per connection, reused so the
// TCP (and TLS) connection is kept alive; every request signed (sigv4.hpp). Used by one
// thread at a time, as its connection is; each call blocks until the answer.
#pragma once

#include <curl/curl.h>
#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <string_view>

#include "sigv4.hpp"

namespace tether::detail::dynamodb {

using json = nlohmann::json;

struct endpoint {
  std::string url;   // "https://dynamodb.eu-west-1.amazonaws.com/" or the ?endpoint= one
  std::string host;  // host[:port], as signed
};

class http {
 public:
  http(endpoint where, signer s);
  ~http();
  http(const http&) = delete;
  http& operator=(const http&) = delete;

  // Calls `operation` ("PutItem", …) with `body`; the parsed answer, or tether::error
  // (error.hpp) naming the operation and `table`.
  json call(std::string_view operation, const json& body, std::string_view table = "");
  std::uint64_t requests() const noexcept { return requests_; }
  const std::string& last_operation() const noexcept { return last_operation_; }

 private:
  endpoint where_;
  signer signer_;
  CURL* curl_ = nullptr;
  std::string answer_;
  std::uint64_t requests_ = 0;
  std::string last_operation_;
};

}  // namespace tether::detail::dynamodb
