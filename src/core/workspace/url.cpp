#include "core/workspace/url.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdlib>
#include <vector>

#include "tether/error.hpp"

namespace tether::detail {

namespace {

// Option names whose values are secrets, masked wherever a URL is shown.
bool secret_option(std::string_view key) {
  std::string k(key);
  for (auto& c : k) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (std::string_view s : {"password", "pass", "passwd", "pwd", "sslpassword", "secret", "token", "access_token",
                             "auth_token", "api_key", "apikey", "secret_key", "aws_secret_access_key", "session_token"})
    if (k == s) return true;
  return false;
}

// Where a URL's password may be, read as sloppily as a user may have written it: from the
// first ':' after the scheme to the last '@' in the whole URL, so that a password with an
// unencoded @ / ? or # is masked whole. [begin, end) of the URL; {0, 0} when there is no
// user part (no '@', no ':' before it, or a '/', '?' or '#' before that ':').
bool valid_scheme(std::string_view s) {
  if (s.empty() || !std::isalpha(static_cast<unsigned char>(s[0]))) return false;
  for (unsigned char c : s)
    if (!std::isalnum(c) && c != '+' && c != '-' && c != '.') return false;
  return true;
}

std::pair<std::size_t, std::size_t> password_span(std::string_view url) {
  // Without a well-formed scheme:// (a typo such as "postgresql:/u:pw@h"), the password
  // may start at any ':'; mask from the first one.
  auto scheme_end = url.find("://");
  const bool well_formed = scheme_end != std::string_view::npos && valid_scheme(url.substr(0, scheme_end));
  const std::size_t start = well_formed ? scheme_end + 3 : 0;
  const auto at = url.rfind('@');
  if (at == std::string_view::npos || at < start) return {0, 0};
  const auto colon = url.find(':', start);
  if (colon == std::string_view::npos || colon > at) return {0, 0};
  if (well_formed && url.substr(start, colon - start).find_first_of("/?#") != std::string_view::npos) return {0, 0};
  return {colon + 1, at};
}

}  // namespace

std::string mask_url(std::string_view url) {
  // What may be secret, each read from the URL as written: the password by password_span,
  // and the value of every secret option after any '?' (also one inside a sloppy password).
  // Where they overlap, the union is masked: a URL shown masks too much, never too little.
  std::vector<std::pair<std::size_t, std::size_t>> spans;
  if (auto [begin, end] = password_span(url); begin != 0) spans.emplace_back(begin, end);
  // dynamodb://REGION/ACCESS_KEY_ID/SECRET: the third path segment is the secret.
  if (url.substr(0, 11) == "dynamodb://") {
    const auto end = std::min(url.find('?'), url.size());
    const auto first = url.find('/', 11);
    const auto second = first < end ? url.find('/', first + 1) : std::string_view::npos;
    if (second != std::string_view::npos && second < end) spans.emplace_back(second + 1, end);
  }
  for (auto q = url.find('?'); q != std::string_view::npos; q = url.find('?', q + 1)) {
    for (std::size_t key = q + 1; key < url.size();) {
      const auto eq = url.find('=', key);
      const auto next = url.find('&', key);
      if (eq == std::string_view::npos) break;
      if (next != std::string_view::npos && next < eq) {
        key = next + 1;
        continue;
      }
      const auto value_end = next == std::string_view::npos ? url.size() : next;
      if (secret_option(url.substr(key, eq - key))) spans.emplace_back(eq + 1, value_end);
      if (next == std::string_view::npos) break;
      key = next + 1;
    }
  }
  std::sort(spans.begin(), spans.end());
  std::string out;
  std::size_t at = 0;
  for (std::size_t i = 0; i < spans.size();) {
    auto [begin, end] = spans[i];
    for (++i; i < spans.size() && spans[i].first <= end; ++i) end = std::max(end, spans[i].second);
    if (begin < at) begin = at;
    out.append(url.substr(at, begin - at));
    out += "****";
    at = std::max(at, end);
  }
  out.append(url.substr(std::min(at, url.size())));
  return out;
}

std::string resolve_env(std::string_view url, const std::map<std::string, std::string>* file_vars) {
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
    if (!v && file_vars)
      if (auto f = file_vars->find(name); f != file_vars->end()) v = f->second.c_str();
    if (!v)
      throw error(error_category::usage,
                  fmt::format("environment variable {} is not set{}; the connection URL refers to it as ${{{}}}",
                              name.empty() ? "(empty name)" : name, file_vars ? " (nor in the workspace's .env)" : "",
                              name));
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
  if (sep == std::string_view::npos || !valid_scheme(url.substr(0, sep))) throw bad("no scheme:// at the start");
  // A password holding @ / ? or # unencoded cannot be told from the host and the options
  // after it; rather than guess (and show a piece of the password as a host, a port or an
  // option in some later message), such a URL is refused. Its masked form hides it whole.
  if (auto [begin, end] = password_span(url); end > begin || (begin != 0 && begin == end)) {
    const auto authority_end = url.find_first_of("/?#", sep + 3);
    if (authority_end != std::string_view::npos && end > authority_end)
      throw bad("an \"@\" after the host part; percent-encode @ / ? and # in a password (%40 %2F %3F %23), and an "
                "@ in an option (%40)");
  }
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
    if (userinfo.substr(0, colon).find('@') != std::string_view::npos)
      throw bad("an \"@\" in the user name; percent-encode it as %40");
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

std::string canonical_url(const network_url& u) {
  auto encoded = [](std::string_view part) {
    static constexpr char hex[] = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : part) {
      if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
        out += static_cast<char>(c);
      } else {
        out += '%';
        out += hex[c >> 4];
        out += hex[c & 15];
      }
    }
    return out;
  };
  std::string s = u.scheme + "://";
  if (!u.user.empty()) {
    s += encoded(u.user);
    if (!u.password.empty()) s += ':' + encoded(u.password);
    s += '@';
  }
  for (std::size_t i = 0; i < u.hosts.size(); ++i) {
    if (i) s += ',';
    const auto& [host, port] = u.hosts[i];
    s += host.find(':') != std::string::npos ? "[" + host + "]" : host;
    if (port) s += ':' + std::to_string(port);
  }
  s += '/' + encoded(u.database);
  char sep = '?';
  for (const auto& [k, v] : u.options) {
    s += sep + k + '=' + v;
    sep = '&';
  }
  return s;
}

}  // namespace tether::detail
