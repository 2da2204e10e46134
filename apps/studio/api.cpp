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

void answer_error(httplib::Response& res, const error& e) {
  res.status = status_of(e.category());
  res.set_content(error_body(to_string(e.category()), e.what()), "application/json");
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

// One CSV field (RFC 4180): quoted when it holds a comma, a quote or a line break, and
// when it is empty, so that "" (an empty string) stays apart from nothing (NULL).
void csv_field(std::string& out, const std::string& text) {
  if (!text.empty() && text.find_first_of(",\"\r\n") == std::string::npos) {
    out += text;
    return;
  }
  out += '"';
  for (char c : text) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
}

// The rows of an export, written as CSV or as a JSON array, a chunk at a time.
struct export_writer {
  bool csv = true;
  std::vector<std::string> columns{};
  bool first = true;
  void header(std::string& out) const {
    if (!csv) {
      out += "[";
      return;
    }
    for (std::size_t i = 0; i < columns.size(); ++i) {
      if (i) out += ',';
      csv_field(out, columns[i]);
    }
    out += "\r\n";
  }
  void row(std::string& out, const record& r) {
    if (!csv) {
      out += first ? "\n" : ",\n";
      out += r.to_json();
    } else {
      for (std::size_t i = 0; i < r.size(); ++i) {
        if (i) out += ',';
        if (!r.is_null(i)) csv_field(out, r[r.name(i)].to_text());
      }
      out += "\r\n";
    }
    first = false;
  }
  void footer(std::string& out) const {
    if (!csv) out += "\n]\n";
  }
};

std::string export_format(const value& body) {
  std::string f = text(body, "format");
  if (f.empty()) f = "csv";
  if (f != "csv" && f != "json") throw error(error_category::usage, fmt::format("\"format\" is csv or json, got \"{}\"", f));
  return f;
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
        answer_error(res, e);
      } catch (const std::exception& e) {
        res.status = 500;
        res.set_content(error_body("internal", e.what()), "application/json");
      }
    };
  };
  // Runs `fn` on each table but tether's migrations table, leaving out one dropped since
  // the list was read.
  auto each_table = [this](const std::function<void(const std::string&)>& fn) {
    for (const auto& name : tether::schema(db_).list()) {
      if (name == "tether_migrations") continue;
      try {
        fn(name);
      } catch (const error& e) {
        if (e.category() != error_category::not_found && e.category() != error_category::schema) throw;
      }
    }
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

  http.Get("/api/tables", route([this, each_table](const httplib::Request&) {
             array out;
             each_table([&](const std::string& name) {
               out.push_back(value(object{{"name", name}, {"rows", db_.count({.table = name})}}));
             });
             return value(object{{"tables", value(std::move(out))}}).to_json();
           }));

  // Every table's structure at once, for the relations and the ER diagram.
  http.Get("/api/schema", route([this, each_table](const httplib::Request&) {
             tether::schema s(db_);
             array out;
             each_table([&](const std::string& name) { out.push_back(s.describe(name)); });
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

  // Export: a table (with its filter and order) streamed from the database a chunk at a
  // time, so a large table never sits in memory; or a raw query's result.
  http.Post("/api/export", [this](const httplib::Request& req, httplib::Response& res) {
    try {
      const value b = body_of(req);
      auto w = std::make_shared<export_writer>();
      w->csv = export_format(b) == "csv";
      const std::string ext = w->csv ? "csv" : "json", type = w->csv ? "text/csv; charset=utf-8" : "application/json";
      std::string name = "query";
      std::string whole;
      std::shared_ptr<row_stream> stream;
      {
        std::lock_guard lock(calls_);
        if (const value* q = b.find("query"); q && !q->is_null()) {
          const value params = member(b, "params");
          raw_result r = db_.raw({.query = text(b, "query", true),
                                  .params = params.is_array() ? params.as_array() : std::vector<value>{}});
          for (std::size_t i = 0; i < r.fields.size(); ++i) w->columns.push_back(r.fields[i].name);
          w->header(whole);
          for (const auto& row : r.records) w->row(whole, row);
          w->footer(whole);
        } else {
          name = text(b, "table", true);
          w->columns = names(b, "select");  // the columns shown, or every one
          if (w->columns.empty()) {
            const value d = tether::schema(db_).describe(name);
            for (const auto& c : d["columns"].as_array()) w->columns.push_back(c["name"].as_string());
          }
          std::vector<order_term> order;
          for (const auto& o : names(b, "order_by")) order.push_back(order_term::parse(o));
          stream = std::make_shared<row_stream>(
              db_.stream({.table = name, .select = w->columns, .where = member(b, "where"), .order_by = std::move(order)}));
        }
      }
      res.set_header("Content-Disposition", fmt::format("attachment; filename=\"{}.{}\"", name, ext));
      if (!stream) {
        res.set_content(whole, type);
        return;
      }
      auto it = std::make_shared<row_stream::iterator>();
      auto started = std::make_shared<bool>(false);
      res.set_chunked_content_provider(type, [this, w, stream, it, started](std::size_t, httplib::DataSink& sink) {
        std::string out;
        std::lock_guard lock(calls_);
        if (!*started) {
          *started = true;
          w->header(out);
          *it = stream->begin();
        }
        for (int n = 0; n < 1000 && *it != stream->end(); ++n, ++*it) w->row(out, **it);
        const bool done = *it == stream->end();
        if (done) w->footer(out);
        if (!out.empty() && !sink.write(out.data(), out.size())) return false;
        if (done) sink.done();
        return true;
      });
    } catch (const error& e) {
      answer_error(res, e);
    }
  });

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
