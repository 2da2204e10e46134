// The studio's door (guard.hpp): the session token, the Host header, the Origin header.
#include "guard.hpp"

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <stdexcept>

#include <fmt/format.h>

namespace tether::studio {

std::string new_token() {
  unsigned char bytes[16];
  if (RAND_bytes(bytes, sizeof bytes) != 1) throw std::runtime_error("studio: no random bytes for the session token");
  std::string out;
  for (unsigned char b : bytes) out += fmt::format("{:02x}", b);
  return out;
}

bool is_loopback(std::string_view host) {
  if (host == "localhost" || host == "::1" || host == "[::1]") return true;
  if (!host.starts_with("127.")) return false;
  int parts = 2;  // "127" and the one after its dot
  for (char c : host.substr(4)) {
    if (c == '.') ++parts;
    else if (c < '0' || c > '9') return false;
  }
  return parts == 4;
}

guard::guard(std::string token, std::string bound_host, int port)
    : token_(std::move(token)), bound_host_(std::move(bound_host)), port_(port) {}

namespace {

// "name:port" → name (an IPv6 literal keeps its brackets); no port → the whole text.
std::pair<std::string_view, std::string_view> split_host(std::string_view h) {
  if (h.starts_with("[")) {
    auto end = h.find(']');
    if (end == std::string_view::npos) return {h, {}};
    auto rest = h.substr(end + 1);
    return {h.substr(0, end + 1), rest.starts_with(":") ? rest.substr(1) : std::string_view{}};
  }
  auto colon = h.rfind(':');
  if (colon == std::string_view::npos) return {h, {}};
  return {h.substr(0, colon), h.substr(colon + 1)};
}

std::optional<std::string_view> cookie_value(std::string_view header, std::string_view name) {
  while (!header.empty()) {
    auto end = header.find(';');
    auto item = header.substr(0, end);
    while (item.starts_with(" ")) item.remove_prefix(1);
    if (item.size() > name.size() && item.starts_with(name) && item[name.size()] == '=') return item.substr(name.size() + 1);
    if (end == std::string_view::npos) break;
    header.remove_prefix(end + 1);
  }
  return std::nullopt;
}

}  // namespace

bool guard::host_allowed(std::string_view host_header) const {
  auto [name, port] = split_host(host_header);
  if (port != std::to_string(port_)) return false;
  // On loopback: any loopback spelling (the browser may say localhost for 127.0.0.1).
  if (is_loopback(bound_host_)) return is_loopback(name);
  // Bound elsewhere on purpose: the address it was told to listen on, as given.
  return name == bound_host_;
}

bool guard::token_matches(std::string_view candidate) const {
  return candidate.size() == token_.size() && CRYPTO_memcmp(candidate.data(), token_.data(), token_.size()) == 0;
}

verdict guard::check(const request_parts& r) const {
  if (!host_allowed(r.host_header)) return verdict::forbidden_host;
  const bool changes = !(r.method == "GET" || r.method == "HEAD" || r.method == "OPTIONS");
  if (changes && r.origin != fmt::format("http://{}", r.host_header)) return verdict::forbidden_origin;
  if (r.query_token) return token_matches(*r.query_token) ? verdict::set_cookie : verdict::unauthorized;
  auto c = cookie_value(r.cookie, cookie_name);
  return c && token_matches(*c) ? verdict::pass : verdict::unauthorized;
}

std::string guard::cookie() const {
  return fmt::format("{}={}; HttpOnly; SameSite=Strict; Path=/", cookie_name, token_);
}

}  // namespace tether::studio
