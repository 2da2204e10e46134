#include "url.hpp"

#include <fmt/format.h>

#include <charconv>
#include <cstdlib>

#include "tether/error.hpp"

namespace tether::detail {

std::string mask_url(std::string_view url) {
  auto scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return std::string(url);
  auto auth_start = scheme_end + 3;
  auto at = url.rfind('@');
  auto slash = url.find('/', auth_start);
  if (at == std::string_view::npos || at < auth_start || (slash != std::string_view::npos && slash < at))
    return std::string(url);
  auto colon = url.find(':', auth_start);
  if (colon == std::string_view::npos || colon > at) return std::string(url);
  std::string out(url.substr(0, colon + 1));
  out += "****";
  out += url.substr(at);
  return out;
}

std::string resolve_env(std::string_view url) {
  std::string out;
  std::size_t i = 0;
  while (i < url.size()) {
    auto start = url.find("${", i);
    if (start == std::string_view::npos) {
      out += url.substr(i);
      break;
    }
    out += url.substr(i, start - i);
    auto end = url.find('}', start);
    if (end == std::string_view::npos)
      throw error(error_category::usage,
                  fmt::format("unclosed ${{ in connection URL \"{}\"; write ${{NAME}}", mask_url(url)));
    std::string name(url.substr(start + 2, end - start - 2));
    const char* v = name.empty() ? nullptr : std::getenv(name.c_str());
    if (!v)
      throw error(error_category::usage,
                  fmt::format("environment variable {} is not set; the connection URL refers to it as ${{{}}}",
                              name.empty() ? "(empty name)" : name, name));
    out += v;
    i = end + 1;
  }
  return out;
}

namespace {

// %XX → the byte, so that a password may hold @ : / ? and the like. A % that does not
// start a hex pair stays as it is.
std::string percent_decode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  auto hex = [](char c) {
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
  };
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && hex(s[i + 1]) >= 0 && hex(s[i + 2]) >= 0) {
      out += static_cast<char>(hex(s[i + 1]) * 16 + hex(s[i + 2]));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

}  // namespace

network_url parse_network_url(std::string_view url) {
  auto bad = [&](std::string_view why) {
    return error(error_category::usage,
                 fmt::format("malformed connection URL \"{}\": {}; expected "
                             "scheme://user:password@host:port/database?option=value",
                             mask_url(url), why));
  };
  network_url u;
  auto sep = url.find("://");
  if (sep == std::string_view::npos || sep == 0) throw bad("no scheme:// at the start");
  u.scheme = std::string(url.substr(0, sep));
  std::string_view rest = url.substr(sep + 3);
  if (auto q = rest.find('?'); q != std::string_view::npos) {
    std::string_view query = rest.substr(q + 1);
    rest = rest.substr(0, q);
    while (!query.empty()) {
      auto amp = query.find('&');
      auto pair = query.substr(0, amp);
      query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
      auto eq = pair.find('=');
      if (pair.empty() || eq == 0 || eq == std::string_view::npos)
        throw bad(fmt::format("option \"{}\" is not key=value", pair));
      u.options[std::string(pair.substr(0, eq))] = std::string(pair.substr(eq + 1));
    }
  }
  auto slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  if (slash != std::string_view::npos) u.database = percent_decode(rest.substr(slash + 1));
  if (auto at = authority.rfind('@'); at != std::string_view::npos) {
    auto userinfo = authority.substr(0, at);
    authority = authority.substr(at + 1);
    auto colon = userinfo.find(':');
    u.user = percent_decode(userinfo.substr(0, colon));
    if (colon != std::string_view::npos) u.password = percent_decode(userinfo.substr(colon + 1));
    if (u.user.empty()) throw bad("the user name before @ is empty");
  }
  if (authority.empty()) throw bad("no host");
  while (!authority.empty()) {
    auto comma = authority.find(',');
    auto hostport = authority.substr(0, comma);
    authority = comma == std::string_view::npos ? std::string_view{} : authority.substr(comma + 1);
    if (hostport.empty()) throw bad("an empty host in the host list");
    int port = 0;
    std::string_view host = hostport;
    if (hostport.front() == '[') {  // [::1]:5432
      auto close = hostport.find(']');
      if (close == std::string_view::npos) throw bad("an IPv6 host without ]");
      host = hostport.substr(1, close - 1);
      hostport = hostport.substr(close + 1);
      if (!hostport.empty() && hostport.front() != ':') throw bad("text after an IPv6 host");
      if (!hostport.empty()) hostport = hostport.substr(1);
      else hostport = {};
    } else if (auto colon = hostport.rfind(':'); colon != std::string_view::npos) {
      host = hostport.substr(0, colon);
      hostport = hostport.substr(colon + 1);
    } else {
      hostport = {};
    }
    if (!hostport.empty()) {
      auto r = std::from_chars(hostport.data(), hostport.data() + hostport.size(), port);
      if (r.ec != std::errc{} || r.ptr != hostport.data() + hostport.size() || port < 1 || port > 65535)
        throw bad(fmt::format("port \"{}\" is not a number from 1 to 65535", hostport));
    }
    if (host.empty()) throw bad("a host name is empty");
    u.hosts.emplace_back(std::string(host), port);
  }
  return u;
}

}  // namespace tether::detail
