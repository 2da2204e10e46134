// AWS Signature Version 4 for DynamoDB's requests: there is no AWS SDK for C++ in Debian, so
// tether signs with OpenSSL (SHA-256, HMAC-SHA256) as the AWS documentation describes it,
// tested against AWS's published test-suite vectors (tests/unit/sigv4_test.cpp).
// A signer is used by one connection at a time; it caches the day's signing key.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tether::detail::dynamodb {

struct credentials {
  std::string access_key{};
  std::string secret_key{};
  std::string session_token{};  // temporary credentials; empty: none
};

// A request as it is signed: the headers are sent as given (names in any case), plus the
// ones sign() adds. `query` is the raw query string after '?' (empty for DynamoDB).
struct http_request {
  std::string method = "POST";
  std::string host{};
  std::string path = "/";
  std::string query{};
  std::vector<std::pair<std::string, std::string>> headers{};
  std::string body{};
};

// "20150830T123600Z" for a moment.
std::string amz_date(std::chrono::system_clock::time_point when);

// %XX sequences decoded; a '%' not followed by two hex digits stays as it is.
std::string uri_decode(std::string_view s);

// Lower-case hex of the SHA-256 of `data`.
std::string sha256_hex(std::string_view data);

// The canonical request (task 1 of the documentation): method, URI, sorted query, sorted
// lower-cased headers with trimmed values, the signed header list, the payload's hash.
std::string canonical_request(const http_request& r, std::string_view payload_hash);

class signer {
 public:
  signer(credentials c, std::string region, std::string service);
  // Adds host, x-amz-date (and x-amz-security-token with temporary credentials) to the
  // request's headers, then the Authorization header that signs them all and the body.
  // `amz_date` is the moment, as amz_date() writes it.
  void sign(http_request& r, std::string_view amz_date);
  const std::string& region() const noexcept { return region_; }
  const std::string& access_key() const noexcept { return creds_.access_key; }

 private:
  credentials creds_;
  std::string region_, service_;
  std::string key_date_;      // the day the cached key is for
  std::string signing_key_;   // HMAC chain of the secret, the day, the region, the service
};

}  // namespace tether::detail::dynamodb
