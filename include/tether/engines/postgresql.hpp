// tether/engines/postgresql.hpp — the PostgreSQL engine (target tether::postgresql), on libpq.
// The umbrella tether::tether registers it when built with TETHER_WITH_POSTGRESQL.
// The driver is thread-safe; each connection is used by one thread at a time.
#pragma once

#include <memory>

#include "tether/engine/engine.hpp"

namespace tether::postgresql {

std::shared_ptr<engine::driver> make_driver();

}  // namespace tether::postgresql
