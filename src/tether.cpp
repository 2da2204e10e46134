// The umbrella: the URL constructor, with every engine this build was configured with.
#include <mutex>

#include "tether/tether.hpp"

namespace tether {
namespace {
void register_builtin_drivers() {
  static std::once_flag once;
  std::call_once(once, [] {
#ifdef TETHER_WITH_SQLITE
    engine::register_driver(sqlite::make_driver());
#endif
#ifdef TETHER_WITH_POSTGRESQL
    engine::register_driver(postgresql::make_driver());
#endif
#ifdef TETHER_WITH_MYSQL
    engine::register_driver(mysql::make_driver());
#endif
#ifdef TETHER_WITH_DYNAMODB
    engine::register_driver(dynamodb::make_driver());
#endif
#ifdef TETHER_WITH_MONGODB
    engine::register_driver(mongodb::make_driver());
#endif
  });
}
}  // namespace

client::client(std::string_view url, client_options options)
    : client((register_builtin_drivers(), engine::find_driver(url)), url, options) {}

}  // namespace tether
