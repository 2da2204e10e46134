// AWS Signature Version 4 (docs.aws.amazon.com, "Create a signed AWS API request").
#include "sigv4.hpp"

#include <fmt/format.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include <algorithm>
#include <cctype>
#include <ctime>

namespace tether::detail::dynamodb {
namespace {

constexpr char hex_digits[] = "0123456789abcdef";

std::string to_hex(const unsigned char* p, std::size_t n) {
  std::string out(n * 2, '0');
  for (std::size_t i = 0; i < n; ++i) {
    out[2 * i] = hex_digits[p[i] >> 4];
    out[2 * i + 1] = hex_digits[p[i] & 0xf];
  }
  return out;
}

std::string hmac(std::string_view key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()),
       data.size(), out, &len);
  return std::string(reinterpret_cast<const char*>(out), len);
}

// RFC 3986 percent-encoding as SigV4 asks: unreserved characters stay, the rest is %XX in
// upper case; '/' stays in a path.
std::string uri_encode(std::string_view s, bool keep_slash) {
  std::string out;
  out.reserve(s.size());
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' || (keep_slash && c == '/')) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += "0123456789ABCDEF"[c >> 4];
      out += "0123456789ABCDEF"[c & 0xf];
    }
  }
  return out;
}


std::string canonical_query(std::string_view q) {
  std::vector<std::pair<std::string, std::string>> pairs;
  while (!q.empty()) {
    auto amp = q.find('&');
    std::string_view part = q.substr(0, amp);
    q = amp == std::string_view::npos ? std::string_view() : q.substr(amp + 1);
    if (part.empty()) continue;
    auto eq = part.find('=');
    std::string k = uri_encode(uri_decode(part.substr(0, eq)), false);
    std::string v = eq == std::string_view::npos ? "" : uri_encode(uri_decode(part.substr(eq + 1)), false);
    pairs.emplace_back(std::move(k), std::move(v));
  }
  std::sort(pairs.begin(), pairs.end());
  std::string out;
  for (const auto& [k, v] : pairs) {
    if (!out.empty()) out += '&';
    out += k + '=' + v;
  }
  return out;
}

std::string trimmed_value(std::string_view v) {
  std::string out;
  bool space = false;
  for (char c : v) {
    if (c == ' ' || c == '\t') {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += c;
  }
  return out;
}

struct canonical_headers {
  std::string text;    // "name:value\n" each
  std::string signed_; // "name;name"
};

canonical_headers headers_of(const http_request& r) {
  std::vector<std::pair<std::string, std::string>> h;
  h.reserve(r.headers.size());
  for (const auto& [name, v] : r.headers) {
    std::string n(name);
    std::transform(n.begin(), n.end(), n.begin(), [](unsigned char c) { return std::tolower(c); });
    h.emplace_back(std::move(n), trimmed_value(v));
  }
  std::stable_sort(h.begin(), h.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  canonical_headers out;
  for (std::size_t i = 0; i < h.size(); ++i) {
    if (i && h[i].first == h[i - 1].first) {  // a repeated header: its values, comma-separated
      out.text.back() = ',';
      out.text += h[i].second + '\n';
      continue;
    }
    out.text += h[i].first + ':' + h[i].second + '\n';
    if (!out.signed_.empty()) out.signed_ += ';';
    out.signed_ += h[i].first;
  }
  return out;
}

bool has_header(const http_request& r, std::string_view name) {
  return std::any_of(r.headers.begin(), r.headers.end(), [&](const auto& h) {
    return h.first.size() == name.size() &&
           std::equal(h.first.begin(), h.first.end(), name.begin(),
                      [](char a, char b) { return std::tolower(static_cast<unsigned char>(a)) == b; });
  });
}

}  // namespace

std::string uri_decode(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && std::isxdigit(static_cast<unsigned char>(s[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
      out += static_cast<char>(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

std::string amz_date(std::chrono::system_clock::time_point when) {
  std::time_t t = std::chrono::system_clock::to_time_t(when);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[17];
  std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
  return buf;
}

std::string sha256_hex(std::string_view data) {
  unsigned char out[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), out);
  return to_hex(out, sizeof out);
}

namespace {

std::string canonical_request(const http_request& r, const canonical_headers& h, std::string_view payload_hash) {
  return fmt::format("{}\n{}\n{}\n{}\n{}\n{}", r.method, uri_encode(r.path.empty() ? "/" : r.path, true),
                     canonical_query(r.query), h.text, h.signed_, payload_hash);
}

}  // namespace

std::string canonical_request(const http_request& r, std::string_view payload_hash) {
  return canonical_request(r, headers_of(r), payload_hash);
}

signer::signer(credentials c, std::string region, std::string service)
    : creds_(std::move(c)), region_(std::move(region)), service_(std::move(service)) {}

void signer::sign(http_request& r, std::string_view date) {
  if (!has_header(r, "host")) r.headers.emplace_back("host", r.host);
  r.headers.emplace_back("x-amz-date", std::string(date));
  if (!creds_.session_token.empty()) r.headers.emplace_back("x-amz-security-token", creds_.session_token);
  const std::string_view day = date.substr(0, 8);
  if (key_date_ != day) {
    signing_key_ = hmac(hmac(hmac(hmac("AWS4" + creds_.secret_key, day), region_), service_), "aws4_request");
    key_date_ = std::string(day);
  }
  const std::string scope = fmt::format("{}/{}/{}/aws4_request", day, region_, service_);
  const canonical_headers h = headers_of(r);
  const std::string creq = canonical_request(r, h, sha256_hex(r.body));
  const std::string to_sign = fmt::format("AWS4-HMAC-SHA256\n{}\n{}\n{}", date, scope, sha256_hex(creq));
  const std::string sig = hmac(signing_key_, to_sign);
  r.headers.emplace_back("Authorization",
                         fmt::format("AWS4-HMAC-SHA256 Credential={}/{}, SignedHeaders={}, Signature={}",
                                     creds_.access_key, scope, h.signed_,
                                     to_hex(reinterpret_cast<const unsigned char*>(sig.data()), sig.size())));
}

}  // namespace tether::detail::dynamodb
