// The studio's JSON API: each route is one ordinary library call (find, count, insert,
// update, remove, raw, schema list/describe, migrator history/status), its options taken
// from the request body as the CLI takes them, its result the call's JSON. Errors are
// {"error": {"category", "message"}} with an HTTP status from the category. Calls are
// made one at a time (the studio has one user).
#pragma once

#include <mutex>
#include <string>

namespace httplib {
class Server;
}
namespace tether {
class client;
}

namespace tether::studio {

class api {
 public:
  struct settings {
    bool read_only = false;
    std::string label{};
    std::string migrations_folder{};
  };
  api(client& db, settings s) : db_(db), s_(std::move(s)) {}
  void add_routes(httplib::Server& http);

 private:
  client& db_;
  settings s_;
  std::mutex calls_;
};

}  // namespace tether::studio
