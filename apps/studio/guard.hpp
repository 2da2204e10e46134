// The studio's door: which requests may reach the API. Pure functions of the request's
// parts, so that tests pin every refusal without a server. See docs/studio.md, "Security".
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace tether::studio {

// A random 128-bit session token, as 32 hex digits (OpenSSL's RAND_bytes).
std::string new_token();

// Whether `host` (no port) is a loopback name or address: localhost, 127.0.0.0/8, ::1.
bool is_loopback(std::string_view host);

// What the guard decides for one request.
enum class verdict {
  pass,           // go on
  set_cookie,     // the token came in the query: set the cookie (and, for the page, redirect to drop it from the URL)
  unauthorized,   // 401: no token, or a wrong one
  forbidden_host, // 403: a Host header this server does not answer to (DNS rebinding)
  forbidden_origin,  // 403: a state-changing request from another origin, or with no Origin
};

struct request_parts {
  std::string_view method;        // GET, POST, …
  std::string_view host_header;   // the Host header, as sent
  std::string_view origin;        // the Origin header, or empty
  std::string_view cookie;        // the Cookie header, or empty
  std::optional<std::string_view> query_token;  // ?token=…
};

class guard {
 public:
  // `bound_host`: the address it listens on; `port`: the port it listens on.
  guard(std::string token, std::string bound_host, int port);
  verdict check(const request_parts& r) const;
  // The Set-Cookie value that carries the token: HttpOnly, SameSite=Strict, Path=/.
  std::string cookie() const;
  const std::string& token() const noexcept { return token_; }
  static constexpr std::string_view cookie_name = "tether_studio";

 private:
  bool host_allowed(std::string_view host_header) const;
  bool token_matches(std::string_view candidate) const;  // in constant time
  std::string token_, bound_host_;
  int port_;
};

}  // namespace tether::studio
