// tether/engines/mongodb.hpp — the MongoDB engine (target tether::mongodb), on Debian's
// libmongoc and libbson (1.23). The umbrella tether::tether registers it when built with
// TETHER_WITH_MONGODB. URLs: mongodb://[USER:PASS@]HOST[:PORT][,HOST…]/DATABASE[?options]
// and mongodb+srv://…, read by the driver's own URI parser; the database comes from the
// path. Finds, counts and aggregates (the server's filter, sort, page and $group where
// MongoDB means what tether means), writes with on_conflict, upsert and returning,
// transactions, collections with an optional validator, fields, indexes (unique, sparse,
// TTL, partial) and migrations, raw commands (Extended JSON, {"$param": N}) and streams.
// docs/engines/mongodb.md tells the rest.
#pragma once

#include <memory>

#include "tether/engine/engine.hpp"

namespace tether::mongodb {

std::shared_ptr<engine::driver> make_driver();

}  // namespace tether::mongodb
