// The registry of drivers by URL scheme.
#include <fmt/format.h>

#include <map>
#include <mutex>

#include "tether/engine/engine.hpp"
#include "url.hpp"

namespace tether::engine {
namespace {
std::mutex registry_mutex;
std::map<std::string, std::shared_ptr<driver>, std::less<>>& registry() {
  static std::map<std::string, std::shared_ptr<driver>, std::less<>> drivers;
  return drivers;
}
}  // namespace

void register_driver(std::shared_ptr<driver> d) {
  std::lock_guard lock(registry_mutex);
  for (const auto& scheme : d->schemes()) registry()[scheme] = d;
}

std::shared_ptr<driver> find_driver(std::string_view url) {
  auto colon = url.find(':');
  if (url.empty() || colon == std::string_view::npos || colon == 0)
    throw error(error_category::usage,
                fmt::format("malformed connection URL \"{}\"; expected scheme:… such as "
                            "sqlite:///path/app.db",
                            detail::mask_url(url)));
  auto scheme = url.substr(0, colon);
  std::lock_guard lock(registry_mutex);
  auto it = registry().find(scheme);
  if (it == registry().end()) {
    std::string known;
    for (const auto& [name, _] : registry()) known += (known.empty() ? "" : ", ") + name;
    throw error(error_category::usage,
                fmt::format("no engine for URL scheme \"{}\" in \"{}\"; this build knows: {}",
                            scheme, detail::mask_url(url), known.empty() ? "none" : known));
  }
  return it->second;
}

}  // namespace tether::engine
