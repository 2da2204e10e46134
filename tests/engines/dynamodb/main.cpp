// The DynamoDB test binary: the conformance suite plus DynamoDB's own tests, against the
// dynalite that scripts/dynamodb-test-server starts (TETHER_DYNAMODB_URL). Every test
// makes tables of its own, so tests may run in parallel against one server.
#include <gtest/gtest.h>

#include <cstdlib>

#include "conformance.hpp"

namespace tether::conformance {

const engine_profile& profile() {
  static const engine_profile p{
      "dynamodb",
      [] {
        const char* url = std::getenv("TETHER_DYNAMODB_URL");
        return std::string(url ? url : "");
      },
  };
  return p;
}

}  // namespace tether::conformance

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  if (!std::getenv("TETHER_DYNAMODB_URL") && !::testing::GTEST_FLAG(list_tests)) {
    std::fprintf(stderr, "TETHER_DYNAMODB_URL is not set: run the suite with scripts/run-tests (or make test), "
                         "which starts dynalite\n");
    return 1;
  }
  return RUN_ALL_TESTS();
}
