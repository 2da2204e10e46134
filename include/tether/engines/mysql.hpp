// tether/engines/mysql.hpp — the MySQL and MariaDB engine (target tether::mysql), on
// MariaDB Connector/C. The umbrella tether::tether registers it when built with
// TETHER_WITH_MYSQL. The driver is thread-safe; each connection is used by one thread at
// a time.
#pragma once

#include <memory>

#include "tether/engine/engine.hpp"

namespace tether::mysql {

std::shared_ptr<engine::driver> make_driver();

}  // namespace tether::mysql
