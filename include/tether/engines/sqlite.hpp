// tether/engines/sqlite.hpp — the SQLite engine (target tether::sqlite).
// The umbrella tether::tether registers it; use make_driver() to register it yourself
// when linking tether::core and tether::sqlite alone. The driver is thread-safe.
#pragma once

#include <memory>

#include "tether/engine/engine.hpp"

namespace tether::sqlite {

std::shared_ptr<engine::driver> make_driver();

}  // namespace tether::sqlite
