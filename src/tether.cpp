// The umbrella: the URL constructor, with every engine this build was configured with.
#include <memory>
#include <string>
#include <vector>

#include "tether/tether.hpp"

namespace tether {
namespace {
// Every engine this build was configured with, registered once.
const std::vector<std::shared_ptr<engine::driver>>& builtin_drivers() {
  static const std::vector<std::shared_ptr<engine::driver>> drivers = [] {
    std::vector<std::shared_ptr<engine::driver>> all;
#ifdef TETHER_WITH_SQLITE
    all.push_back(sqlite::make_driver());
#endif
#ifdef TETHER_WITH_POSTGRESQL
    all.push_back(postgresql::make_driver());
#endif
#ifdef TETHER_WITH_MYSQL
    all.push_back(mysql::make_driver());
#endif
#ifdef TETHER_WITH_DYNAMODB
    all.push_back(dynamodb::make_driver());
#endif
#ifdef TETHER_WITH_MONGODB
    all.push_back(mongodb::make_driver());
#endif
    for (const auto& d : all) engine::register_driver(d);
    return all;
  }();
  return drivers;
}
void register_builtin_drivers() { (void)builtin_drivers(); }
}  // namespace

std::vector<std::string> engines() {
  std::vector<std::string> names;
  for (const auto& d : builtin_drivers()) names.emplace_back(d->name());
  return names;
}

client::client(std::string_view url, client_options options)
    : client((register_builtin_drivers(), engine::find_driver(url)), url, options) {}

}  // namespace tether
