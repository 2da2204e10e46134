// tether/tether.hpp — everything: values, records, options, the client, schema and migrations, the workspace
// registry and sessions, and the engines this build includes. Link tether::tether.
#pragma once

#include "tether/client.hpp"
#include "tether/engine/engine.hpp"
#include "tether/error.hpp"
#include "tether/options.hpp"
#include "tether/records.hpp"
#include "tether/schema.hpp"
#include "tether/schema_file.hpp"
#include "tether/schema_workflow.hpp"
#include "tether/session.hpp"
#include "tether/types.hpp"
#include "tether/value.hpp"
#include "tether/workspace.hpp"
#include "tether/engines/dynamodb.hpp"
#include "tether/engines/mongodb.hpp"
#include "tether/engines/mysql.hpp"
#include "tether/engines/postgresql.hpp"
#include "tether/engines/sqlite.hpp"

namespace tether {

// The engines this build has, by name ("sqlite", "postgresql", "mysql", "dynamodb",
// "mongodb"), in that order: those the URL constructor can open.
std::vector<std::string> engines();

}  // namespace tether
