// Shared by the render tests: capabilities that allow every plan.
#pragma once

#include "tether/engine/engine.hpp"

namespace tether::render_test {

inline const engine::capabilities& all_capabilities() {
  static const engine::capabilities c = [] {
    engine::capabilities x;
    x.json_arrays = x.returning = x.upsert = x.aggregates = x.raw_queries = true;
    return x;
  }();
  return c;
}

}  // namespace tether::render_test
