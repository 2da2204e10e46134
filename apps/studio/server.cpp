// The studio's HTTP server: the guard before every route, the embedded page, the API.
#include "studio.hpp"

#include <fmt/format.h>
#include <httplib.h>

#include <optional>

#include "api.hpp"
#include "assets.hpp"
#include "guard.hpp"
#include "tether/client.hpp"
#include "tether/error.hpp"

namespace tether::studio {

struct server::impl {
  impl(client& c, options opt) : db(c), o(std::move(opt)) {}
  client& db;
  options o;
  int port = 0;
  std::optional<guard> door;
  std::unique_ptr<api> calls;
  httplib::Server http;
};

bool is_loopback_host(const std::string& host) { return is_loopback(host); }

server::server(client& db, options o) : p_(std::make_unique<impl>(db, std::move(o))) {
  if (p_->o.token.empty()) p_->o.token = new_token();
}

server::~server() = default;

namespace {

std::string_view content_type(std::string_view path) {
  if (path.ends_with(".html")) return "text/html; charset=utf-8";
  if (path.ends_with(".css")) return "text/css; charset=utf-8";
  if (path.ends_with(".js")) return "text/javascript; charset=utf-8";
  if (path.ends_with(".svg")) return "image/svg+xml";
  return "application/octet-stream";
}

const asset* find_asset(std::string_view path) {
  for (const auto& a : assets())
    if (a.path == path) return &a;
  return nullptr;
}

void refuse(httplib::Response& res, int status, std::string_view message) {
  res.status = status;
  res.set_content(fmt::format("{{\"error\":{{\"category\":\"forbidden\",\"message\":\"{}\"}}}}", message),
                  "application/json");
}

}  // namespace

int server::bind() {
  auto& p = *p_;
  if (!is_loopback(p.o.host) && !p.o.allow_remote)
    throw error(error_category::usage,
                fmt::format("--host {} is not a loopback address: anyone who can reach it could use the studio with the "
                            "token; pass --allow-remote to mean it",
                            p.o.host));
  p.port = p.o.port == 0 ? p.http.bind_to_any_port(p.o.host) : (p.http.bind_to_port(p.o.host, p.o.port) ? p.o.port : -1);
  if (p.port <= 0)
    throw error(error_category::connection,
                fmt::format("cannot listen on {}:{} (in use, or not an address of this machine)", p.o.host, p.o.port));
  p.door.emplace(p.o.token, p.o.host, p.port);
  p.calls = std::make_unique<api>(p.db, api::settings{p.o.read_only, p.o.label, p.o.migrations_folder});

  // What every answer carries: nothing is cached, the token never leaves in a Referer,
  // the page runs only its own scripts, and no other site may frame it. No CORS headers.
  p.http.set_default_headers({{"Cache-Control", "no-store"},
                              {"Referrer-Policy", "no-referrer"},
                              {"X-Content-Type-Options", "nosniff"},
                              {"X-Frame-Options", "DENY"},
                              {"Content-Security-Policy",
                               "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                               "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"}});
  p.http.set_payload_max_length(64u << 20);
  p.http.set_pre_routing_handler([&p](const httplib::Request& req, httplib::Response& res) {
    const std::string host = req.get_header_value("Host"), origin = req.get_header_value("Origin"),
                      cookie = req.get_header_value("Cookie");
    request_parts parts{req.method, host, origin, cookie, std::nullopt};
    std::string token;
    if (req.has_param("token")) {
      token = req.get_param_value("token");
      parts.query_token = token;
    }
    switch (p.door->check(parts)) {
      case verdict::pass: return httplib::Server::HandlerResponse::Unhandled;
      case verdict::set_cookie:
        res.set_header("Set-Cookie", p.door->cookie());
        if (req.method == "GET" && req.path == "/") {  // the token leaves the address bar
          res.set_redirect("/", 303);
          return httplib::Server::HandlerResponse::Handled;
        }
        return httplib::Server::HandlerResponse::Unhandled;
      case verdict::unauthorized:
        refuse(res, 401, "open the address that `tether studio` printed: it carries the session token");
        return httplib::Server::HandlerResponse::Handled;
      case verdict::forbidden_host:
        refuse(res, 403, fmt::format("this studio answers to its own address only ({}:{})", p.o.host, p.port));
        return httplib::Server::HandlerResponse::Handled;
      case verdict::forbidden_origin:
        refuse(res, 403, "a change must come from the studio's own page (the Origin header)");
        return httplib::Server::HandlerResponse::Handled;
    }
    return httplib::Server::HandlerResponse::Handled;
  });

  auto serve = [](std::string_view path, httplib::Response& res) {
    const asset* a = find_asset(path);
    if (!a) {
      res.status = 404;
      return;
    }
    res.set_content(std::string(a->body), std::string(content_type(path)));
  };
  p.http.Get("/", [serve](const httplib::Request&, httplib::Response& res) { serve("index.html", res); });
  p.http.Get(R"(/assets/([A-Za-z0-9_.-]+))",
             [serve](const httplib::Request& req, httplib::Response& res) { serve(req.matches[1].str(), res); });
  p.calls->add_routes(p.http);
  return p.port;
}

std::string server::url() const {
  const std::string& h = p_->o.host;
  const std::string host = h.find(':') != std::string::npos && !h.starts_with("[") ? "[" + h + "]" : h;
  return fmt::format("http://{}:{}/?token={}", host, p_->port, p_->o.token);
}

void server::run() {
  if (!p_->door) bind();
  p_->http.listen_after_bind();
}

void server::stop() { p_->http.stop(); }

}  // namespace tether::studio
