// tether studio: a local web page over one client. The HTTP server is cpp-httplib
// (Debian's libcpp-httplib-dev: a well-kept server with a thread pool, nothing to write
// ourselves); the page's HTML, CSS and JavaScript are compiled into the binary
// (cmake/embed_assets.cmake makes assets.cpp), so nothing is fetched from the network.
// Every request passes the guard (guard.hpp) first; the JSON API (api.cpp) calls only the
// library's ordinary calls. docs/studio.md describes it.
#pragma once

#include <memory>
#include <string>

namespace tether {
class client;
}

namespace tether::studio {

struct options {
  std::string host = "127.0.0.1";  // a non-loopback address needs allow_remote
  int port = 0;                    // 0: a free port, chosen by the system
  bool allow_remote = false;
  bool read_only = false;          // writes refused: a protected environment without --allow-writes
  std::string label{};             // what the page calls the database ("shop/orders (dev)"); never a URL
  std::string migrations_folder{};  // the migration files, for the timeline's pending ones; may be empty
  std::string token{};             // empty: a new random one
};

// Whether `host` is a loopback name or address (localhost, 127.0.0.0/8, ::1).
bool is_loopback_host(const std::string& host);

class server {
 public:
  server(client& db, options o);
  ~server();
  server(const server&) = delete;
  server& operator=(const server&) = delete;
  // Binds the address; throws tether::error (usage) for a non-loopback host without
  // allow_remote, (connection) when the port cannot be had. Returns the port.
  int bind();
  // The address to open, with the session token: http://127.0.0.1:PORT/?token=…
  std::string url() const;
  void run();   // serves until stop(), from any thread
  void stop();

 private:
  struct impl;
  std::unique_ptr<impl> p_;
};

}  // namespace tether::studio
