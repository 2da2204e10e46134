// DynamoDB's JSON protocol: POST / with X-Amz-Target: DynamoDB_20120810.<Operation>.
#include "http.hpp"

#include <fmt/format.h>

#include <chrono>
#include <mutex>

#include "error.hpp"
#include "tether/error.hpp"

namespace tether::detail::dynamodb {
namespace {

std::size_t collect(char* data, std::size_t size, std::size_t n, void* out) {
  static_cast<std::string*>(out)->append(data, size * n);
  return size * n;
}

}  // namespace

http::http(endpoint where, signer s) : where_(std::move(where)), signer_(std::move(s)) {
  static std::once_flag once;  // curl_global_init is not thread-safe: once, before any handle
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  curl_ = curl_easy_init();
  if (!curl_) throw error(error_category::connection, "libcurl could not make a handle", error_details{"dynamodb"});
  curl_easy_setopt(curl_, CURLOPT_URL, where_.url.c_str());
  curl_easy_setopt(curl_, CURLOPT_POST, 1L);
  curl_easy_setopt(curl_, CURLOPT_WRITEFUNCTION, collect);
  curl_easy_setopt(curl_, CURLOPT_WRITEDATA, &answer_);
  curl_easy_setopt(curl_, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl_, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt(curl_, CURLOPT_CONNECTTIMEOUT_MS, 10000L);
  curl_easy_setopt(curl_, CURLOPT_TIMEOUT_MS, 60000L);
}

http::~http() {
  if (curl_) curl_easy_cleanup(curl_);
}

json http::call(std::string_view operation, const json& body, std::string_view table) {
  const std::string summary = table.empty() ? std::string(operation) : fmt::format("{} {}", operation, table);
  http_request r{.method = "POST", .host = where_.host, .path = "/", .body = body.dump()};
  r.headers = {{"content-type", "application/x-amz-json-1.0"},
               {"x-amz-target", fmt::format("DynamoDB_20120810.{}", operation)}};
  signer_.sign(r, amz_date(std::chrono::system_clock::now()));
  curl_slist* headers = nullptr;
  for (const auto& [name, v] : r.headers) {
    if (name == "host") continue;  // libcurl sends it from the URL
    headers = curl_slist_append(headers, fmt::format("{}: {}", name, v).c_str());
  }
  headers = curl_slist_append(headers, "Expect:");  // no 100-continue round trip
  curl_easy_setopt(curl_, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl_, CURLOPT_POSTFIELDS, r.body.data());
  curl_easy_setopt(curl_, CURLOPT_POSTFIELDSIZE, static_cast<long>(r.body.size()));
  answer_.clear();
  ++requests_;
  last_operation_ = std::string(operation);
  CURLcode rc = curl_easy_perform(curl_);
  curl_slist_free_all(headers);
  if (rc != CURLE_OK) throw_error(0, "", curl_easy_strerror(rc), summary);
  long status = 0;
  curl_easy_getinfo(curl_, CURLINFO_RESPONSE_CODE, &status);
  json answer = json::parse(answer_, nullptr, false);
  if (status != 200) {
    std::string type, message;
    if (answer.is_object()) {
      type = answer.value("__type", "");
      if (auto hash = type.rfind('#'); hash != std::string::npos) type = type.substr(hash + 1);
      message = answer.contains("message") ? answer.value("message", "") : answer.value("Message", "");
    }
    throw_error(status, type, message, summary);
  }
  if (answer.is_discarded()) throw_error(status, "SerializationException", "the answer is not JSON", summary);
  return answer;
}

}  // namespace tether::detail::dynamodb
