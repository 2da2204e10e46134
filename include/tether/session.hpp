// tether/session.hpp — connect by name: {env, product, database} from a workspace, or one
// default database from the environment (DATABASE_URL, or DB_TYPE/DB_HOST/…).
// A session keeps one client (one pool) per (product, database, env), opened on first
// use and kept until disconnect() or close_all(). connect() sets the current context,
// which later calls inherit; on() overrides any part of it for one call. A session is
// thread-safe: clients are looked up under a lock and are themselves thread-safe.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <tuple>

#include "tether/client.hpp"
#include "tether/workspace.hpp"

namespace tether {

struct context {
  std::string env{};
  std::string product{};
  std::string database{};  // the tag
};

struct connect_result {
  bool connected = false;
  std::optional<std::string> version{};  // the server's, where the engine has one (JSON: null)
  double latency_ms = 0;
  std::string error{};  // with connected == false (test_connection only); secrets masked
  std::string to_json() const;
};

class session {
 public:
  // With a workspace: databases by name. Without one, the environment's default database:
  // DATABASE_URL, or DB_TYPE, DB_HOST, DB_PORT, DB_NAME, DB_USER, DB_PASS; DB_POOL_SIZE,
  // DB_MAX_RETRIES and DB_RETRY_DELAY (milliseconds) tune every client's pool and start-up.
  explicit session(std::optional<tether::workspace> ws = std::nullopt, client_options options = {});
  ~session();

  // Connects (or reuses the connection) and makes `c` the current context; fields left
  // empty keep the current context's. Throws tether::error when it cannot connect.
  connect_result connect(const context& c = {});
  // The same, but reports failure as {connected: false, error} and leaves the context alone.
  connect_result test_connection(const context& c = {});
  // The client for the current context, with the non-empty fields of `override`.
  client& on(const context& override = {});
  const context& current() const noexcept { return current_; }

  void disconnect(const context& c = {});  // closes that one client
  void close_all();

  // The URL the context resolves to (${VAR} references resolved; not masked).
  std::string resolve_url(const context& c = {}) const;
  const std::optional<tether::workspace>& workspace() const noexcept { return workspace_; }

 private:
  context complete(const context& c) const;  // fills empty fields from current_, or defaults
  std::optional<tether::workspace> workspace_;
  client_options options_;
  context current_;
  mutable std::mutex mutex_;
  std::map<std::tuple<std::string, std::string, std::string>, std::unique_ptr<client>> clients_;
};

// The default database's URL from DATABASE_URL or DB_* variables; nullopt when none is set.
std::optional<std::string> url_from_environment();
// client_options with DB_POOL_SIZE, DB_MAX_RETRIES and DB_RETRY_DELAY applied over `base`.
client_options options_from_environment(client_options base = {});

}  // namespace tether
