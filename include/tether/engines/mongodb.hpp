// tether/engines/mongodb.hpp — the MongoDB engine (target tether::mongodb), on Debian's
// libmongoc and libbson (1.23). The umbrella tether::tether registers it when built with
// TETHER_WITH_MONGODB. URLs: mongodb://[USER:PASS@]HOST[:PORT][,HOST…]/DATABASE[?options]
// and mongodb+srv://…, read by the driver's own URI parser; the database comes from the
// path. In progress (issue 21): finds, counts, aggregates, writes with on_conflict, upsert
// and returning, transactions, collections, fields, indexes and migrations, raw commands
// (Extended JSON, {"$param": N}) and streams work; partial, sparse and TTL indexes,
// validators and pushed-down sorts do not yet (each is refused by name).
// docs/engines/mongodb.md tells the rest.
#pragma once

#include <memory>

#include "tether/engine/engine.hpp"

namespace tether::mongodb {

std::shared_ptr<engine::driver> make_driver();

}  // namespace tether::mongodb
