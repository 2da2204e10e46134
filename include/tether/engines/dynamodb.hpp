// tether/engines/dynamodb.hpp — the DynamoDB engine (target tether::dynamodb), on libcurl
// and OpenSSL (SigV4). The umbrella tether::tether registers it when built with
// TETHER_WITH_DYNAMODB. URLs: dynamodb://REGION (keys from AWS_ACCESS_KEY_ID,
// AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN), dynamodb://REGION/KEY_ID/SECRET, and
// ?endpoint=http://HOST:PORT for a local server. The driver is thread-safe; each connection
// is used by one thread at a time, and every call blocks on HTTP.
#pragma once

#include <memory>

#include "tether/engine/engine.hpp"

namespace tether::dynamodb {

std::shared_ptr<engine::driver> make_driver();

}  // namespace tether::dynamodb
