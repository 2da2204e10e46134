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
  // ?table_prefix=: put before every table name this connection names, so that one account
  // (or one local server) holds several environments ("staging_users", "prd_users"); the
  // tables without it are not seen. Applied here, to every request and answer, so no other
  // code knows of it.
  std::string table_prefix;
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
  // Which tables this client's names mean: the endpoint, region, account key and prefix.
  std::string tables_of() const {
    return where_.url + '\n' + signer_.region() + '\n' + signer_.access_key() + '\n' + where_.table_prefix;
  }
  std::uint64_t requests() const noexcept { return requests_; }
  const std::string& last_operation() const noexcept { return last_operation_; }
  const std::string& last_body() const noexcept { return last_body_; }  // the last request's JSON
  // The answer of the last call that failed with one (CancellationReasons and the like).
  const json& last_error() const noexcept { return last_error_; }

 private:
  json send(std::string_view operation, const json& body, std::string_view table, bool with_prefix = true);
  json list_prefixed(json body);
  json prefixed(const json& body) const;  // every table name with the table prefix
  void unprefix(json& answer) const;      // and without it, tables of other prefixes left out

  endpoint where_;
  signer signer_;
  CURL* curl_ = nullptr;
  std::string answer_;
  std::uint64_t requests_ = 0;
  std::string last_operation_;
  std::string last_body_;
  json last_error_;
};

}  // namespace tether::detail::dynamodb
