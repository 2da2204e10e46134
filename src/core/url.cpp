#include "url.hpp"

namespace tether::detail {

std::string mask_url(std::string_view url) {
  auto scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return std::string(url);
  auto auth_start = scheme_end + 3;
  auto at = url.find('@', auth_start);
  auto slash = url.find('/', auth_start);
  if (at == std::string_view::npos || (slash != std::string_view::npos && slash < at))
    return std::string(url);
  auto colon = url.find(':', auth_start);
  if (colon == std::string_view::npos || colon > at) return std::string(url);
  std::string out(url.substr(0, colon + 1));
  out += "****";
  out += url.substr(at);
  return out;
}

}  // namespace tether::detail
