// The studio's JSON API (api.hpp).
#include "api.hpp"

#include <fmt/format.h>
#include <httplib.h>

#include <functional>

#include "tether/client.hpp"
#include "tether/error.hpp"
#include "tether/schema.hpp"

namespace tether::studio {

namespace {

int status_of(error_category c) {
  switch (c) {
    case error_category::usage:
    case error_category::unsupported:
    case error_category::schema: return 400;
    case error_category::not_found: return 404;
    case error_category::unique_violation:
    case error_category::foreign_key_violation:
    case error_category::not_null_violation:
    case error_category::check_violation:
    case error_category::serialization_conflict: return 409;
    case error_category::connection:
    case error_category::in_doubt: return 503;
    case error_category::timeout: return 504;
    case error_category::query: return 422;
  }
  return 500;
}

std::string error_body(std::string_view category, std::string_view message) {
  return value(object{{"error", value(object{{"category", std::string(category)}, {"message", std::string(message)}})}})
      .to_json();
}

// The body's JSON object; tether::error (usage) when it is not one.
value body_of(const httplib::Request& req) {
  value v = value::from_json(req.body.empty() ? std::string_view("{}") : std::string_view(req.body));
  if (!v.is_object()) throw error(error_category::usage, "the request body must be a JSON object");
  return v;
}

std::string text(const value& body, std::string_view key, bool required = false) {
  const value* v = body.find(key);
  if (!v || v->is_null()) {
    if (required) throw error(error_category::usage, fmt::format("\"{}\" is required", key));
    return {};
  }
  if (!v->is_string()) throw error(error_category::usage, fmt::format("\"{}\" must be a string, got {}", key, v->to_json()));
  return v->as_string();
}

std::optional<std::int64_t> number(const value& body, std::string_view key) {
  const value* v = body.find(key);
  if (!v || v->is_null()) return std::nullopt;
  if (v->kind() != value_kind::integer || v->as_int() < 0)
    throw error(error_category::usage, fmt::format("\"{}\" must be a whole number from 0, got {}", key, v->to_json()));
  return v->as_int();
}

std::vector<std::string> names(const value& body, std::string_view key) {
  std::vector<std::string> out;
  const value* v = body.find(key);
  if (!v || v->is_null()) return out;
  if (!v->is_array()) throw error(error_category::usage, fmt::format("\"{}\" must be a list of names", key));
  for (const auto& n : v->as_array()) {
    if (!n.is_string()) throw error(error_category::usage, fmt::format("\"{}\" must be a list of names", key));
    out.push_back(n.as_string());
  }
  return out;
}

value member(const value& body, std::string_view key) {
  const value* v = body.find(key);
  return v ? *v : value();
}

}  // namespace

void api::add_routes(httplib::Server& http) {
  // Runs `fn` under the calls' lock and answers with its JSON, or with the error.
  auto route = [this](std::function<std::string(const httplib::Request&)> fn) {
    return [this, fn](const httplib::Request& req, httplib::Response& res) {
      try {
        std::lock_guard lock(calls_);
        res.set_content(fn(req), "application/json");
      } catch (const error& e) {
        res.status = status_of(e.category());
        res.set_content(error_body(to_string(e.category()), e.what()), "application/json");
      } catch (const std::exception& e) {
        res.status = 500;
        res.set_content(error_body("internal", e.what()), "application/json");
      }
    };
  };
  auto writing = [this](std::string_view what) {
    if (s_.read_only)
      throw error(error_category::usage,
                  fmt::format("the studio opened this database read-only (a protected environment), so {} is refused; "
                              "start it with --allow-writes to change data",
                              what));
  };

  http.Get("/api/info", route([this](const httplib::Request&) {
             const auto& caps = db_.capabilities();
             return value(object{{"label", s_.label},
                                 {"engine", caps.engine},
                                 {"read_only", s_.read_only},
                                 {"capabilities", value(object{{"transactions", caps.transactions},
                                                               {"returning", caps.returning},
                                                               {"raw_queries", caps.raw_queries},
                                                               {"foreign_keys", caps.foreign_keys},
                                                               {"aggregates", caps.aggregates}})}})
                 .to_json();
           }));

  http.Get("/api/tables", route([this](const httplib::Request&) {
             tether::schema s(db_);
             array out;
             for (const auto& name : s.list()) {
               if (name == "tether_migrations") continue;
               out.push_back(value(object{{"name", name}, {"rows", db_.count({.table = name})}}));
             }
             return value(object{{"tables", value(std::move(out))}}).to_json();
           }));

  http.Get(R"(/api/tables/([^/]+))", route([this](const httplib::Request& req) {
             return tether::schema(db_).describe(req.matches[1].str()).to_json();
           }));

  http.Post("/api/find", route([this](const httplib::Request& req) {
              const value b = body_of(req);
              std::vector<order_term> order;
              for (const auto& o : names(b, "order_by")) order.push_back(order_term::parse(o));
              const value* after = b.find("after");
              return db_.find({.table = text(b, "table", true),
                               .select = names(b, "select"),
                               .where = member(b, "where"),
                               .order_by = std::move(order),
                               .limit = number(b, "limit"),
                               .offset = number(b, "offset"),
                               .after = after && after->is_string() ? std::optional<std::string>(after->as_string())
                                                                    : std::nullopt})
                  .to_json();
            }));

  http.Post("/api/count", route([this](const httplib::Request& req) {
              const value b = body_of(req);
              return value(object{{"count", db_.count({.table = text(b, "table", true), .where = member(b, "where")})}})
                  .to_json();
            }));

  http.Post("/api/insert", route([this, writing](const httplib::Request& req) {
              writing("an insert");
              const value b = body_of(req);
              value records = member(b, "records");
              if (!records.is_array()) throw error(error_category::usage, "\"records\" must be a list of records");
              return db_.insert({.table = text(b, "table", true), .records = records.as_array(), .returning = {"*"}})
                  .to_json();
            }));

  http.Post("/api/update", route([this, writing](const httplib::Request& req) {
              writing("an update");
              const value b = body_of(req);
              return db_.update({.table = text(b, "table", true), .data = member(b, "data"), .where = member(b, "where")})
                  .to_json();
            }));

  http.Post("/api/remove", route([this, writing](const httplib::Request& req) {
              writing("a delete");
              const value b = body_of(req);
              return db_.remove({.table = text(b, "table", true), .where = member(b, "where")}).to_json();
            }));

  http.Post("/api/raw", route([this](const httplib::Request& req) {
              const value b = body_of(req);
              const value params = member(b, "params");
              if (!params.is_null() && !params.is_array()) throw error(error_category::usage, "\"params\" must be a list");
              raw_options o{.query = text(b, "query", true),
                            .params = params.is_null() ? std::vector<value>{} : params.as_array()};
              if (!s_.read_only) return db_.raw(o).to_json();
              // Read-only: the query runs in a read-only transaction, so the database refuses a write.
              if (!db_.capabilities().read_only_transactions)
                throw error(error_category::usage, "the studio opened this database read-only, and " +
                                                       db_.capabilities().engine +
                                                       " has no read-only transactions to run a raw query safely in");
              auto tx = db_.begin({.read_only = true});
              auto r = tx.raw(o).to_json();
              tx.rollback();
              return r;
            }));

  http.Get("/api/migrations", route([this](const httplib::Request&) {
             migrator m(db_);
             array history;
             for (const auto& h : m.history())
               history.push_back(value(object{{"tag", h.tag},
                                              {"name", h.name},
                                              {"applied_at", h.applied_at},
                                              {"status", h.status},
                                              {"steps_done", h.steps_done},
                                              {"execution_ms", h.execution_ms}}));
             object out{{"history", value(std::move(history))}};
             if (!s_.migrations_folder.empty()) {
               const auto defined = load_migrations(s_.migrations_folder);
               out.emplace_back("status", m.status(defined).to_value());
               array files;
               for (const auto& d : defined) files.push_back(d.to_value());
               out.emplace_back("files", value(std::move(files)));
             }
             return value(std::move(out)).to_json();
           }));
}

}  // namespace tether::studio
