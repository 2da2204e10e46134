// libFuzzer target: connection URLs as every engine reads them (the shared network URL
// parser, masking, ${VAR} resolution, and each driver's own rules). Any input is accepted
// or refused with tether::error; a message never holds the password the URL carried.
#include <tether/tether.hpp>

#include <cstdint>
#include <cstdlib>
#include <string>

#include "core/workspace/url.hpp"

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
  const std::string masked = tether::detail::mask_url(url);
  auto message = [](const char* type, const std::string& u) {
    try {
      tether::validate_connection_url(type, u);
    } catch (const tether::error& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  for (const char* type : {"sqlite", "postgresql", "mysql"}) {
    // A password may occur in a message by chance: a few characters in a host name, or a
    // longer one in the message's own words ("pected postgresq"). It leaked only if the
    // message for the masked URL does not hold it too.
    if (password.size() >= 4 && message(type, url).find(password) != std::string::npos &&
        message(type, masked).find(password) == std::string::npos)
      std::abort();
  }
  return 0;
}
