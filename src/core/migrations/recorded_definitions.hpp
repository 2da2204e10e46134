// Private: the table descriptions a process's connections to an engine that keeps no
// schema (DynamoDB, MongoDB) have read, kept for a moment. Every call needs its table's
// description (its key, fields and indexes), which lives in tether_schema: read each time,
// it would double the requests of a point get. Connections to the same tables (one
// database, one table prefix) share one cache; a schema change made in this process
// forgets the table at once, and one made by another process is seen after at most
// `definition_ttl` (docs/engines/dynamodb.md, mongodb.md).
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "tether/engine/schema.hpp"

namespace tether::detail {

inline constexpr std::chrono::milliseconds definition_ttl{1000};

class recorded_definitions {
 public:
  struct entry {
    engine::table_description table;
    bool recorded = false;  // tether recorded its fields (else only its key is known)
  };
  // The one cache of the tables `tables_of` names (an engine's name for where its tables
  // live: DynamoDB's endpoint and prefix, MongoDB's servers and database).
  static std::shared_ptr<recorded_definitions> of(const std::string& tables_of);

  std::optional<entry> find(const std::string& table) const;
  // Counts the forgets: a description read while one happened may be stale already.
  std::uint64_t generation() const;
  // Keeps what was read when generation() was `read_at`, unless a forget came since.
  void keep(const std::string& table, entry e, std::uint64_t read_at);
  void forget(const std::string& table);

 private:
  using clock = std::chrono::steady_clock;
  mutable std::mutex mutex_;
  std::map<std::string, std::pair<entry, clock::time_point>, std::less<>> kept_;
  std::uint64_t generation_ = 0;
};

}  // namespace tether::detail
