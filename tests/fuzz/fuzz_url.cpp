// libFuzzer target: connection URLs as every engine reads them (the shared network URL
// parser, masking, ${VAR} resolution, and each driver's own rules). Any input is accepted
// or refused with tether::error; a message never holds the password the URL carried.
#include <tether/tether.hpp>

#include <cstdint>
#include <cstdlib>
#include <string>

#include "core/url.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string url(reinterpret_cast<const char*>(data), size);
  (void)tether::detail::mask_url(url);
  try {
    (void)tether::detail::resolve_env(url);
  } catch (const tether::error&) {
  }
  std::string password;
  try {
    auto u = tether::detail::parse_network_url(url);
    password = u.password;
  } catch (const tether::error&) {
  }
  for (const char* type : {"sqlite", "postgresql", "mysql"}) {
    try {
      tether::validate_connection_url(type, url);
    } catch (const tether::error& e) {
      // A password of a few characters may occur in the message by chance (a host name).
      if (password.size() >= 8 && std::string(e.what()).find(password) != std::string::npos) std::abort();
    }
  }
  return 0;
}
