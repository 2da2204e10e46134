// Private: connection URL helpers shared by the core and the engines.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace tether::detail {

// "postgresql://app:secret@host/db" → "postgresql://app:****@host/db".
std::string mask_url(std::string_view url);

// Replaces every ${NAME} with the environment variable's value, else (when given) the
// value `file_vars` holds (a workspace's .env: dotenv.hpp), the environment winning.
// Throws tether::error (usage) naming the first variable that is set in neither.
std::string resolve_env(std::string_view url, const std::map<std::string, std::string>* file_vars = nullptr);

// scheme://[user[:password]@]host[:port][,host[:port]…][/database][?k=v&…]
struct network_url {
  std::string scheme, user, password, database;
  std::vector<std::pair<std::string, int>> hosts;  // port 0: the engine's default
  std::map<std::string, std::string> options;
};
// Throws tether::error (usage) naming the URL (masked) and what is wrong.
network_url parse_network_url(std::string_view url);

// The same URL written unambiguously for a driver that parses URLs itself (libpq): user,
// password and database percent-encoded, hosts as parsed (IPv6 in brackets), options as given.
// So the driver reads the parts tether read, whatever the user left unencoded.
std::string canonical_url(const network_url& u);

}  // namespace tether::detail
