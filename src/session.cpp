// Sessions: contexts → URLs → one client each. Part of the umbrella target because it
// opens clients by URL with the built-in engines.
#include "tether/session.hpp"

#include <fmt/format.h>

#include <charconv>
#include <chrono>
#include <cstdlib>

#include "core/workspace/dotenv.hpp"
#include "core/workspace/url.hpp"
#include "tether/error.hpp"

namespace tether {
namespace {

[[noreturn]] void usage(std::string m) { throw error(error_category::usage, std::move(m)); }

std::string env_or(const char* name, std::string fallback = {}) {
  const char* v = std::getenv(name);
  return v && *v ? std::string(v) : fallback;
}

long long env_number(const char* name, long long min, long long fallback) {
  std::string text = env_or(name);
  if (text.empty()) return fallback;
  long long v = 0;
  auto r = std::from_chars(text.data(), text.data() + text.size(), v);
  if (r.ec != std::errc{} || r.ptr != text.data() + text.size() || v < min)
    usage(fmt::format("environment variable {}=\"{}\" must be a whole number of at least {}", name, text, min));
  return v;
}

// Percent-encodes the characters that would end a URL's user or password early.
std::string encode(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '@' || c == ':' || c == '/' || c == '%' || c == '?' || c == '#' || c == ' ')
      out += fmt::format("%{:02X}", static_cast<unsigned char>(c));
    else
      out += c;
  }
  return out;
}

std::string join_names(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

}  // namespace

std::optional<std::string> url_from_environment() {
  if (auto url = env_or("DATABASE_URL"); !url.empty()) return url;
  std::string type = env_or("DB_TYPE");
  if (type.empty()) return std::nullopt;
  std::string name = env_or("DB_NAME");
  if (type == "sqlite") {
    if (name.empty()) usage("DB_TYPE=sqlite needs DB_NAME, the database file's path (or :memory:)");
    return name == ":memory:" ? "sqlite::memory:" : "sqlite://" + name;
  }
  std::string host = env_or("DB_HOST", "localhost");
  std::string url = type + "://";
  if (auto user = env_or("DB_USER"); !user.empty()) {
    url += encode(user);
    if (auto pass = env_or("DB_PASS"); !pass.empty()) url += ":" + encode(pass);
    url += "@";
  }
  url += host;
  if (auto port = env_or("DB_PORT"); !port.empty()) url += ":" + port;
  url += "/" + name;
  validate_connection_url(type == "postgres" ? "postgresql" : type, url);
  return url;
}

client_options options_from_environment(client_options base) {
  if (auto n = env_number("DB_POOL_SIZE", 1, 0)) base.pool_size = static_cast<std::size_t>(n);
  base.max_retries = static_cast<int>(env_number("DB_MAX_RETRIES", 0, base.max_retries));
  base.retry_delay = std::chrono::milliseconds(env_number("DB_RETRY_DELAY", 0, base.retry_delay.count()));
  return base;
}

std::string connect_result::to_json() const {
  if (!connected) {
    std::string out = R"({"connected":false,"error":)";
    out += value(error).to_json();
    return out + "}";
  }
  return fmt::format(R"({{"connected":true,"version":{},"latency_ms":{:.3f}}})", (version ? value(*version) : value()).to_json(),
                     latency_ms);
}

session::session(std::optional<tether::workspace> ws, client_options options)
    : workspace_(std::move(ws)), options_(options_from_environment(options)) {}

session::~session() = default;

context session::complete(const context& c) const {
  context out = current_;
  if (!c.product.empty()) out.product = c.product;
  if (!c.database.empty()) out.database = c.database;
  if (!c.env.empty()) out.env = c.env;
  if (!workspace_) return out;  // one default database: the names are not needed
  if (out.product.empty()) {
    auto products = workspace_->products();
    if (products.size() != 1)
      usage(fmt::format("name a product (--product); the workspace has: {}",
                        products.empty() ? "none" : join_names(products)));
    out.product = products.front();
  }
  if (out.database.empty()) {
    auto dbs = workspace_->fetch_all(out.product);
    if (dbs.size() != 1) {
      std::vector<std::string> tags;
      for (const auto& d : dbs) tags.push_back(d.tag);
      usage(fmt::format("name a database (--database) in product \"{}\"; it has: {}", out.product,
                        tags.empty() ? "none" : join_names(tags)));
    }
    out.database = dbs.front().tag;
  }
  if (out.env.empty()) {
    auto db = workspace_->fetch(out.product, out.database);
    if (db.env("dev")) out.env = "dev";
    else if (db.envs.size() == 1) out.env = db.envs.front().slug;
    else {
      std::vector<std::string> slugs;
      for (const auto& e : db.envs) slugs.push_back(e.slug);
      usage(fmt::format("name an env (--env) for database \"{}\"; it has: {}", out.database, join_names(slugs)));
    }
  }
  return out;
}

std::string session::resolve_url(const context& c) const {
  if (!workspace_) {
    auto url = url_from_environment();
    if (!url)
      usage("no workspace (tether.json) was found and no database is set in the environment: set "
            "DATABASE_URL, or DB_TYPE with DB_HOST, DB_PORT, DB_NAME, DB_USER and DB_PASS, or pass --url");
    return detail::resolve_env(*url);
  }
  context full = complete(c);
  database db = workspace_->fetch(full.product, full.database);
  const environment* e = db.env(full.env);
  if (!e) {
    std::vector<std::string> slugs;
    for (const auto& x : db.envs) slugs.push_back(x.slug);
    throw error(error_category::not_found, fmt::format("database \"{}\" has no env \"{}\"; it has: {}",
                                                       full.database, full.env, join_names(slugs)));
  }
  // ${VAR}: the process environment, else the workspace's .env, read now (it may change).
  const auto file_vars = detail::read_dotenv(workspace_->folder() / ".env");
  std::string url = detail::resolve_env(e->connection_url, &file_vars);
  if (url != e->connection_url) {
    // What a ${VAR} held is checked now, before any connection is tried: a URL of another
    // engine's scheme would otherwise wait for that engine's connect timeout.
    try {
      validate_connection_url(db.type, url);
    } catch (const error& x) {
      usage(fmt::format("{} resolves to a URL that does not fit database \"{}\" (env \"{}\"): {}", e->connection_url,
                        full.database, full.env, x.what()));
    }
  }
  return url;
}

client& session::on(const context& c) {
  context full = complete(c);
  auto key = std::make_tuple(full.product, full.database, full.env);
  std::lock_guard lock(mutex_);
  auto it = clients_.find(key);
  if (it == clients_.end()) {
    client_options o = options_;  // the database's relations: its schema file's, unless given
    if (!o.schema && o.schema_path.empty() && workspace_) o.schema_path = workspace_->schema_file(full.product, full.database);
    it = clients_.emplace(key, std::make_unique<client>(resolve_url(full), std::move(o))).first;
  }
  return *it->second;
}

connect_result session::connect(const context& c) {
  auto started = std::chrono::steady_clock::now();
  client& cl = on(c);
  connect_result r;
  r.version = cl.server_version();
  r.latency_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
  r.connected = true;
  current_ = complete(c);
  return r;
}

connect_result session::test_connection(const context& c) {
  try {
    auto saved = current_;
    auto r = connect(c);
    current_ = saved;
    return r;
  } catch (const std::exception& e) {
    connect_result r;
    r.error = e.what();
    return r;
  }
}

void session::disconnect(const context& c) {
  context full = complete(c);
  std::lock_guard lock(mutex_);
  clients_.erase(std::make_tuple(full.product, full.database, full.env));
}

void session::close_all() {
  std::lock_guard lock(mutex_);
  clients_.clear();
}

}  // namespace tether
