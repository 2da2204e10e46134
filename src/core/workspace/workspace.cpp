// The workspace file: reading (comments allowed), validating, and atomic rewrites.
#include "tether/workspace.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "tether/error.hpp"
#include "core/workspace/url.hpp"

namespace tether {
namespace {

using json = nlohmann::ordered_json;
namespace fs = std::filesystem;

constexpr std::array<std::string_view, 7> types{"postgresql", "mysql",    "mariadb",  "sqlite",
                                                 "mongodb",    "dynamodb", "cassandra"};

[[noreturn]] void usage(std::string message) { throw error(error_category::usage, std::move(message)); }

bool matches(std::string_view s, std::size_t max, bool allow_upper) {
  if (s.empty() || s.size() > max) return false;
  auto ok_first = [&](char c) { return (c >= 'a' && c <= 'z') || (allow_upper && c >= 'A' && c <= 'Z'); };
  if (!ok_first(s[0])) return false;
  for (char c : s)
    if (!(ok_first(c) || (c >= '0' && c <= '9') || c == '-' || c == '_')) return false;
  return true;
}

std::string where(const database& db) {
  return fmt::format("database \"{}\" in product \"{}\"", db.tag, db.product);
}

// --- the file -----------------------------------------------------------------------------

struct document {
  std::vector<std::string> products;  // in file order, including products without databases
  std::vector<database> databases;    // in file order
};

std::string get_string(const json& j, const char* key, std::string_view context) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return {};
  if (!it->is_string()) usage(fmt::format("{}: \"{}\" must be a string", context, key));
  return it->get<std::string>();
}

document read(const fs::path& file) {
  std::ifstream in(file);
  if (!in) throw error(error_category::not_found, fmt::format("cannot read workspace file {}", file.string()));
  std::stringstream text;
  text << in.rdbuf();
  json j;
  try {
    j = json::parse(text.str(), nullptr, true, /*ignore_comments=*/true);
  } catch (const json::parse_error& e) {
    usage(fmt::format("workspace file {} is not valid JSON at byte {}", file.string(), e.byte));
  } catch (const json::exception&) {
    // Well-formed text nlohmann cannot hold: a number past a double's range (1E400).
    usage(fmt::format("workspace file {} is not valid JSON: it holds a number out of range", file.string()));
  }
  document doc;
  if (!j.is_object()) usage(fmt::format("workspace file {} must hold an object", file.string()));
  auto products = j.find("products");
  if (products == j.end()) return doc;
  if (!products->is_array()) usage(fmt::format("workspace file {}: \"products\" must be an array", file.string()));
  for (const auto& p : *products) {
    std::string product = get_string(p, "name", "a product");
    doc.products.push_back(product);
    auto dbs = p.find("databases");
    if (dbs == p.end()) continue;
    if (!dbs->is_array()) usage(fmt::format("product \"{}\": \"databases\" must be an array", product));
    for (const auto& d : *dbs) {
      database db;
      db.product = product;
      std::string ctx = fmt::format("a database in product \"{}\"", product);
      db.name = get_string(d, "name", ctx);
      db.tag = get_string(d, "tag", ctx);
      db.type = get_string(d, "type", ctx);
      db.description = get_string(d, "description", ctx);
      if (auto envs = d.find("envs"); envs != d.end()) {
        if (!envs->is_array()) usage(fmt::format("{}: \"envs\" must be an array", where(db)));
        for (const auto& e : *envs) {
          environment env{get_string(e, "slug", where(db)), get_string(e, "connection_url", where(db)),
                          get_string(e, "description", where(db))};
          if (auto p = e.find("protected"); p != e.end() && !p->is_null()) {
            if (!p->is_boolean())
              usage(fmt::format("{}, env \"{}\": \"protected\" must be true or false", where(db), env.slug));
            env.protect = p->get<bool>();
          }
          db.envs.push_back(std::move(env));
        }
      }
      doc.databases.push_back(std::move(db));
    }
  }
  return doc;
}

json entry_json(const database& db, bool mask) {
  json d;
  d["name"] = db.name;
  d["tag"] = db.tag;
  d["type"] = db.type;
  if (!db.description.empty()) d["description"] = db.description;
  d["envs"] = json::array();
  for (const auto& e : db.envs) {
    json env;
    env["slug"] = e.slug;
    env["connection_url"] = mask ? detail::mask_url(e.connection_url) : e.connection_url;
    if (!e.description.empty()) env["description"] = e.description;
    if (e.protect) env["protected"] = *e.protect;
    d["envs"].push_back(std::move(env));
  }
  return d;
}

void write(const fs::path& file, const document& doc) {
  json j;
  j["products"] = json::array();
  for (const auto& product : doc.products) {
    json p;
    p["name"] = product;
    p["databases"] = json::array();
    for (const auto& db : doc.databases)
      if (db.product == product) p["databases"].push_back(entry_json(db, false));
    j["products"].push_back(std::move(p));
  }
  std::string text = j.dump(2) + "\n";
  // Atomic: write a temporary file beside it, flush it to disk, rename it over the old one.
  fs::path tmp = file;
  tmp += fmt::format(".tmp-{}", ::getpid());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) usage(fmt::format("cannot write workspace file {}", tmp.string()));
  bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) && ::fsync(fd) == 0;
  ok = (::close(fd) == 0) && ok;
  if (!ok || std::rename(tmp.c_str(), file.c_str()) != 0) {
    std::error_code ec;
    fs::remove(tmp, ec);
    usage(fmt::format("cannot write workspace file {}", file.string()));
  }
}

std::vector<database>::iterator locate(document& doc, std::string_view product, std::string_view tag) {
  auto it = std::find_if(doc.databases.begin(), doc.databases.end(),
                         [&](const database& d) { return d.product == product && d.tag == tag; });
  if (it == doc.databases.end()) {
    std::string known;
    for (const auto& d : doc.databases)
      if (d.product == product) known += (known.empty() ? "" : ", ") + d.tag;
    throw error(error_category::not_found,
                fmt::format("no database \"{}\" in product \"{}\"; {}", tag, product,
                            known.empty() ? "it has none" : "it has: " + known));
  }
  return it;
}

}  // namespace

// --- validation ---------------------------------------------------------------------------

void validate_connection_url(std::string_view type, std::string_view url) {
  if (url.empty()) usage("connection_url is empty");
  // A reference to a variable is checked when it is resolved, at connect time.
  if (url.front() == '$' && url.find("${") == 0 && url.find('}') == url.size() - 1) return;
  std::vector<std::string_view> schemes;
  if (type == "postgresql") schemes = {"postgresql", "postgres"};
  else if (type == "mysql" || type == "mariadb") schemes = {"mysql", "mariadb"};
  else if (type == "mongodb") schemes = {"mongodb", "mongodb+srv"};
  else schemes = {type};
  auto colon = url.find(':');
  std::string_view scheme = url.substr(0, colon);
  if (colon == std::string_view::npos ||
      std::find(schemes.begin(), schemes.end(), scheme) == schemes.end()) {
    std::string expected;
    for (auto s : schemes) expected += (expected.empty() ? "" : " or ") + std::string(s) + "://";
    usage(fmt::format("connection_url \"{}\" does not fit type {}; expected {}", detail::mask_url(url),
                      type, expected));
  }
  if (url.find("${") != std::string_view::npos) return;  // parts resolved at connect time
  if (type == "sqlite") {
    if (url == "sqlite::memory:" || url == "sqlite://:memory:") return;
    if (url.rfind("sqlite://", 0) != 0 || url.size() == 9)
      usage(fmt::format("connection_url \"{}\" is not a SQLite URL; expected sqlite:///abs/path.db, "
                        "sqlite://relative/path.db or sqlite::memory:",
                        url));
    return;
  }
  (void)detail::parse_network_url(url);
}

void validate_database(const database& db) {
  if (db.product.empty()) usage("a database needs a product");
  if (!matches(db.product, 64, true))
    usage(fmt::format("invalid product name \"{}\"; expected letters, digits, - and _ (1 to 64, "
                      "starting with a letter)",
                      db.product));
  if (db.tag.empty()) usage(fmt::format("a database in product \"{}\" needs a tag", db.product));
  if (!matches(db.tag, 63, false))
    usage(fmt::format("invalid tag \"{}\"; expected lower-case letters, digits, - and _ (1 to 63, "
                      "starting with a letter)",
                      db.tag));
  if (db.name.empty()) usage(fmt::format("{} needs a name", where(db)));
  if (std::find(types.begin(), types.end(), db.type) == types.end())
    usage(fmt::format("{} has type \"{}\"; expected one of postgresql, mysql, mariadb, sqlite, "
                      "mongodb, dynamodb, cassandra",
                      where(db), db.type));
  if (db.envs.empty()) usage(fmt::format("{} needs at least one env", where(db)));
  for (std::size_t i = 0; i < db.envs.size(); ++i) {
    const auto& e = db.envs[i];
    if (!matches(e.slug, 32, false))
      usage(fmt::format("{}: invalid env slug \"{}\"; expected lower-case letters, digits, - and _", where(db),
                        e.slug));
    for (std::size_t k = 0; k < i; ++k)
      if (db.envs[k].slug == e.slug) usage(fmt::format("{}: env \"{}\" is listed twice", where(db), e.slug));
    try {
      validate_connection_url(db.type, e.connection_url);
    } catch (const error& x) {
      usage(fmt::format("{}: env \"{}\": {}", where(db), e.slug, x.what()));
    }
  }
}

// --- the workspace ------------------------------------------------------------------------

const environment* database::env(std::string_view slug) const noexcept {
  for (const auto& e : envs)
    if (e.slug == slug) return &e;
  return nullptr;
}

std::string database::to_json() const {
  json j = entry_json(*this, true);
  j["product"] = product;
  return j.dump();
}

workspace workspace::open(const fs::path& dir_or_file) {
  fs::path file = fs::is_directory(dir_or_file) ? dir_or_file / workspace_file_name : dir_or_file;
  if (!fs::exists(file))
    throw error(error_category::not_found,
                fmt::format("no workspace at {}; run `tether init` there to create one", file.string()));
  workspace ws(fs::absolute(file).lexically_normal());
  (void)read(ws.file_);  // fail now on a broken file
  return ws;
}

std::optional<workspace> workspace::find(const fs::path& start) {
  for (fs::path dir = fs::absolute(start);; dir = dir.parent_path()) {
    if (fs::exists(dir / workspace_file_name)) return open(dir);
    if (dir == dir.root_path() || dir.parent_path() == dir) return std::nullopt;
  }
}

workspace workspace::init(const fs::path& dir) {
  fs::path file = (fs::absolute(dir) / workspace_file_name).lexically_normal();
  if (fs::exists(file)) usage(fmt::format("a workspace already exists at {}", file.string()));
  fs::create_directories(file.parent_path());
  write(file, document{});
  return workspace(file);
}

database workspace::create(const database& db) {
  validate_database(db);
  document doc = read(file_);
  for (const auto& d : doc.databases)
    if (d.product == db.product && d.tag == db.tag)
      usage(fmt::format("product \"{}\" already has a database tagged \"{}\"", db.product, db.tag));
  if (std::find(doc.products.begin(), doc.products.end(), db.product) == doc.products.end())
    doc.products.push_back(db.product);
  doc.databases.push_back(db);
  write(file_, doc);
  return db;
}

database workspace::update(std::string_view product, std::string_view tag, const database_patch& patch) {
  document doc = read(file_);
  auto it = locate(doc, product, tag);
  database next = *it;
  if (patch.name) next.name = *patch.name;
  if (patch.type) next.type = *patch.type;
  if (patch.description) next.description = *patch.description;
  if (patch.envs) next.envs = *patch.envs;
  validate_database(next);
  *it = next;
  write(file_, doc);
  return next;
}

database workspace::fetch(std::string_view product, std::string_view tag) const {
  document doc = read(file_);
  return *locate(doc, product, tag);
}

std::vector<database> workspace::fetch_all(std::string_view product) const {
  document doc = read(file_);
  if (product.empty()) return doc.databases;
  if (std::find(doc.products.begin(), doc.products.end(), product) == doc.products.end())
    throw error(error_category::not_found, fmt::format("no product \"{}\" in {}", product, file_.string()));
  std::vector<database> out;
  for (auto& d : doc.databases)
    if (d.product == product) out.push_back(std::move(d));
  return out;
}

void workspace::remove(std::string_view product, std::string_view tag) {
  document doc = read(file_);
  doc.databases.erase(locate(doc, product, tag));
  write(file_, doc);
}

std::vector<std::string> workspace::products() const { return read(file_).products; }

}  // namespace tether
