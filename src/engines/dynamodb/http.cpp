// DynamoDB's JSON protocol: POST / with X-Amz-Target: DynamoDB_20120810.<Operation>.
#include "http.hpp"

#include <fmt/format.h>

#include <chrono>
#include <mutex>
#include <optional>

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
  if (!where_.table_prefix.empty() && operation == "ListTables") return list_prefixed(body);
  return send(operation, body, table);
}

// ListTables under a prefix: names sort, so this environment's are the run that starts
// after the prefix itself; the pages are followed here, to the end of that run.
json http::list_prefixed(json body) {
  const std::string& p = where_.table_prefix;
  json names = json::array();
  body.erase("Limit");
  std::string start = body.value("ExclusiveStartTableName", "");  // a name of this environment, if any
  for (;;) {
    json raw = body;
    raw["ExclusiveStartTableName"] = start.empty() ? p : p + start;
    json page = send("ListTables", raw, "", false);
    bool past = false;
    for (const auto& t : page.value("TableNames", json::array())) {
      const std::string n = t.get<std::string>();
      if (n.compare(0, p.size(), p) != 0) {
        past = true;
        break;
      }
      start = n.substr(p.size());
      names.push_back(start);
    }
    if (past || !page.contains("LastEvaluatedTableName")) break;
  }
  return json{{"TableNames", std::move(names)}};
}

json http::send(std::string_view operation, const json& body, std::string_view table, bool with_prefix) {
  const std::string summary = table.empty() ? std::string(operation) : fmt::format("{} {}", operation, table);
  http_request r{.method = "POST", .host = where_.host, .path = "/",
                 .body = with_prefix && !where_.table_prefix.empty() ? prefixed(body).dump() : body.dump()};
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
  last_body_ = std::move(r.body);
  if (rc != CURLE_OK) throw_error(0, "", curl_easy_strerror(rc), summary);
  long status = 0;
  curl_easy_getinfo(curl_, CURLINFO_RESPONSE_CODE, &status);
  json answer = json::parse(answer_, nullptr, false);
  if (status != 200) {
    last_error_ = answer.is_discarded() ? json() : answer;
    std::string type, message;
    if (answer.is_object()) {
      type = answer.value("__type", "");
      if (auto hash = type.rfind('#'); hash != std::string::npos) type = type.substr(hash + 1);
      message = answer.contains("message") ? answer.value("message", "") : answer.value("Message", "");
    }
    if (type == "UnknownOperationException")  // dynalite and other local servers lack some calls
      message = fmt::format("this DynamoDB server does not offer {}", operation);
    throw_error(status, type, message, summary);
  }
  if (answer.is_discarded()) throw_error(status, "SerializationException", "the answer is not JSON", summary);
  if (with_prefix && !where_.table_prefix.empty()) unprefix(answer);
  return answer;
}

json http::prefixed(const json& body) const {
  const std::string& p = where_.table_prefix;
  json out = body;
  auto name = [&](json& at, const char* key) {
    if (auto it = at.find(key); it != at.end() && it->is_string()) *it = p + it->get<std::string>();
  };
  name(out, "TableName");
  if (auto items = out.find("RequestItems"); items != out.end() && items->is_object()) {
    json renamed = json::object();
    for (auto& [t, v] : items->items()) renamed[p + t] = std::move(v);
    *items = std::move(renamed);
  }
  if (auto items = out.find("TransactItems"); items != out.end() && items->is_array())
    for (auto& item : *items)
      for (auto& [kind, request] : item.items()) name(request, "TableName");
  return out;
}

void http::unprefix(json& answer) const {
  const std::string& p = where_.table_prefix;
  const auto strip = [&](const std::string& t) -> std::optional<std::string> {
    if (t.size() < p.size() || t.compare(0, p.size(), p) != 0) return std::nullopt;
    return t.substr(p.size());
  };
  if (auto names = answer.find("TableNames"); names != answer.end() && names->is_array()) {
    json mine = json::array();
    for (const auto& t : *names)
      if (auto n = strip(t.get<std::string>())) mine.push_back(*n);
    *names = std::move(mine);
  }
  for (const char* key : {"Responses", "UnprocessedItems", "UnprocessedKeys"})
    if (auto by_table = answer.find(key); by_table != answer.end() && by_table->is_object()) {
      json renamed = json::object();
      for (auto& [t, v] : by_table->items()) renamed[strip(t).value_or(t)] = std::move(v);
      *by_table = std::move(renamed);
    }
}

}  // namespace tether::detail::dynamodb
