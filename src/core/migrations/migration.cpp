// Migrations as data: their JSON form, tags, checksums, validation, the builder, and
// migration files.
#include <fmt/format.h>
#include <openssl/evp.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <cstdio>

#include "core/migrations/schema_ops.hpp"
#include "core/values/utf8.hpp"
#include "tether/error.hpp"
#include "tether/schema.hpp"

namespace tether {

using detail::op_to_value;
using detail::parse_op;

namespace {

[[noreturn]] void bad(const std::string& what) { throw error(error_category::usage, what); }

value list_value(const std::vector<value>& ops) { return value(array(ops.begin(), ops.end())); }

std::vector<value> ops_of(const value& v, std::string_view key) {
  const value* list = v.find(key);
  if (!list || list->is_null()) return {};
  if (!list->is_array()) bad(fmt::format("migration \"{}\" must be a list of operations", key));
  return list->as_array();
}

std::string now_iso() {
  auto now = std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
  return timestamp{std::chrono::duration_cast<std::chrono::microseconds>(now.time_since_epoch()).count(), 0}.to_string();
}

}  // namespace

value migration::to_value() const {
  array n;
  for (const auto& s : notes) n.emplace_back(s);
  return value(object{{"tag", tag},
                      {"name", name},
                      {"description", description},
                      {"up", list_value(up)},
                      {"down", list_value(down)},
                      {"checksum", checksum},
                      {"created_at", created_at},
                      {"notes", value(std::move(n))}});
}

std::string migration::to_json() const {
  // One operation a line: a file that reads well in a diff.
  value v = to_value();
  std::string out = "{\n";
  const auto& o = v.as_object();
  for (std::size_t i = 0; i < o.size(); ++i) {
    out += "  " + value(o[i].first).to_json() + ": ";
    if ((o[i].first == "up" || o[i].first == "down" || o[i].first == "notes") && !o[i].second.as_array().empty()) {
      out += "[\n";
      const auto& a = o[i].second.as_array();
      for (std::size_t j = 0; j < a.size(); ++j) out += "    " + a[j].to_json() + (j + 1 < a.size() ? ",\n" : "\n");
      out += "  ]";
    } else {
      out += o[i].second.to_json();
    }
    out += i + 1 < o.size() ? ",\n" : "\n";
  }
  return out + "}\n";
}

migration migration::from_value(const value& v) {
  if (!v.is_object()) bad("a migration must be an object with tag, up and down");
  migration m;
  auto text = [&](std::string_view key) {
    const value* x = v.find(key);
    if (!x || x->is_null()) return std::string();
    if (!x->is_string()) bad(fmt::format("migration \"{}\" must be a string", key));
    return x->as_string();
  };
  m.tag = text("tag");
  m.name = text("name");
  m.description = text("description");
  m.checksum = text("checksum");
  m.created_at = text("created_at");
  m.up = ops_of(v, "up");
  m.down = ops_of(v, "down");
  if (const value* n = v.find("notes"); n && n->is_array())
    for (const auto& s : n->as_array())
      if (s.is_string()) m.notes.push_back(s.as_string());
  return m;
}

migration migration::from_json(std::string_view text) { return from_value(value::from_json(text)); }

std::string generate_tag(std::string_view name) {
  return detail::tag_at(std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now()), name);
}

namespace detail {

std::optional<std::chrono::sys_seconds> tag_time(std::string_view tag) {
  int y, mo, d, h, mi, se;
  if (tag.size() < 15 || std::sscanf(std::string(tag.substr(0, 15)).c_str(), "%4d%2d%2d_%2d%2d%2d", &y, &mo, &d, &h, &mi, &se) != 6)
    return std::nullopt;
  std::chrono::year_month_day ymd{std::chrono::year{y}, std::chrono::month{static_cast<unsigned>(mo)},
                                  std::chrono::day{static_cast<unsigned>(d)}};
  if (!ymd.ok()) return std::nullopt;
  return std::chrono::sys_days(ymd) + std::chrono::hours(h) + std::chrono::minutes(mi) + std::chrono::seconds(se);
}

std::string tag_at(std::chrono::sys_seconds now, std::string_view name) {
  auto day = std::chrono::floor<std::chrono::days>(now);
  std::chrono::year_month_day ymd{day};
  std::chrono::hh_mm_ss hms{now - day};
  std::string clean;
  for (char c : name) {
    char l = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    clean += (std::isalnum(static_cast<unsigned char>(l)) ? l : '_');
  }
  return fmt::format("{:04}{:02}{:02}_{:02}{:02}{:02}_{}", int(ymd.year()), unsigned(ymd.month()), unsigned(ymd.day()),
                     hms.hours().count(), hms.minutes().count(), hms.seconds().count(), clean.empty() ? "migration" : clean);
}

std::string tag_after(const std::string& tag, std::string_view newest) {
  auto last = tag_time(newest), mine = tag_time(tag);
  if (!last || !mine || *mine > *last) return tag;
  return tag_at(*last + std::chrono::seconds(1), std::string_view(tag).substr(16));
}

}  // namespace detail

namespace {
// Keys sorted at every level: an edit that only reorders keys is not a change.
value canonical(const value& v) {
  if (v.is_array()) {
    array a;
    for (const auto& e : v.as_array()) a.push_back(canonical(e));
    return value(std::move(a));
  }
  if (!v.is_object()) return v;
  object o;
  for (const auto& [k, e] : v.as_object()) o.emplace_back(k, canonical(e));
  std::sort(o.begin(), o.end(), [](const member& a, const member& b) { return a.first < b.first; });
  return value(std::move(o));
}
}  // namespace

// Over the tag and the up operations in canonical JSON: what the migration does. Down is
// derived from the database when the migration is applied, so it is not part of what
// identifies it.
std::string checksum(const migration& m) {
  std::string canonical = tether::canonical(value(object{{"tag", m.tag}, {"up", list_value(m.up)}})).to_json();
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  EVP_Digest(canonical.data(), canonical.size(), digest, &size, EVP_sha256(), nullptr);
  std::string hex;
  for (unsigned i = 0; i < size; ++i) hex += fmt::format("{:02x}", digest[i]);
  return hex;
}

void validate(const migration& m) {
  if (m.tag.empty()) bad("a migration needs a tag such as 20260101_120000_add_users");
  for (char c : m.tag)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-')
      bad(fmt::format("migration tag \"{}\" may hold letters, digits, _ and - only", m.tag));
  if (m.up.empty()) bad(fmt::format("migration \"{}\" has no operations", m.tag));
  for (const auto& op : m.up) detail::check_utf8_within(op, fmt::format("a string in migration \"{}\"", m.tag));
  for (const auto& op : m.down) detail::check_utf8_within(op, fmt::format("a string in migration \"{}\"", m.tag));
  for (const auto& op : m.up) parse_op(op);
  for (const auto& op : m.down) parse_op(op);
  if (!m.checksum.empty() && m.checksum != checksum(m))
    bad(fmt::format("migration \"{}\" was changed after it was written: its checksum does not match", m.tag));
}

// --- builder -------------------------------------------------------------------------

migration_builder::migration_builder(std::string tag) {
  m_.tag = std::move(tag);
  auto second = m_.tag.find('_', m_.tag.find('_') + 1);
  m_.name = second == std::string::npos ? m_.tag : m_.tag.substr(second + 1);
}

migration_builder& migration_builder::description(std::string text) {
  m_.description = std::move(text);
  return *this;
}

namespace {
value with(value options, object head) {
  if (options.is_object())
    for (auto& m : options.as_object()) head.push_back(std::move(m));
  else if (!options.is_null()) bad(fmt::format("options must be an object, got {}", options.to_json()));
  return value(std::move(head));
}
value field_value(std::string name, value def) {
  if (def.is_string()) return value(object{{"name", std::move(name)}, {"type", std::move(def)}});
  return with(std::move(def), object{{"name", std::move(name)}});
}
}  // namespace

#define TETHER_ADD(expr)            \
  do {                              \
    value op = expr;                \
    parse_op(op); /* validate now */ \
    m_.up.push_back(std::move(op)); \
    return *this;                   \
  } while (false)

migration_builder& migration_builder::create_collection(std::string table, value fields, value options) {
  TETHER_ADD(with(std::move(options), object{{"op", "create_collection"}, {"table", table}, {"fields", std::move(fields)}}));
}
migration_builder& migration_builder::drop_collection(std::string table, value options) {
  TETHER_ADD(with(std::move(options), object{{"op", "drop_collection"}, {"table", table}}));
}
migration_builder& migration_builder::rename_collection(std::string table, std::string new_name) {
  TETHER_ADD(value(object{{"op", "rename_collection"}, {"table", table}, {"new_name", new_name}}));
}
migration_builder& migration_builder::add_field(std::string table, std::string name, value def) {
  TETHER_ADD(value(object{{"op", "add_field"}, {"table", table}, {"field", field_value(name, std::move(def))}}));
}
migration_builder& migration_builder::drop_field(std::string table, std::string name) {
  TETHER_ADD(value(object{{"op", "drop_field"}, {"table", table}, {"name", name}}));
}
migration_builder& migration_builder::rename_field(std::string table, std::string name, std::string new_name) {
  TETHER_ADD(value(object{{"op", "rename_field"}, {"table", table}, {"name", name}, {"new_name", new_name}}));
}
migration_builder& migration_builder::modify_field(std::string table, std::string name, value def) {
  TETHER_ADD(value(object{{"op", "modify_field"}, {"table", table}, {"field", field_value(name, std::move(def))}}));
}
migration_builder& migration_builder::create_index(std::string table, std::vector<std::string> fields, value options) {
  array f(fields.begin(), fields.end());
  TETHER_ADD(value(object{{"op", "create_index"}, {"table", table},
                          {"index", with(std::move(options), object{{"fields", value(std::move(f))}})}}));
}
migration_builder& migration_builder::drop_index(std::string table, std::string name) {
  TETHER_ADD(value(object{{"op", "drop_index"}, {"table", table}, {"name", name}}));
}
migration_builder& migration_builder::add_constraint(std::string table, value def) {
  TETHER_ADD(value(object{{"op", "add_constraint"}, {"table", table}, {"constraint", std::move(def)}}));
}
migration_builder& migration_builder::drop_constraint(std::string table, std::string name) {
  TETHER_ADD(value(object{{"op", "drop_constraint"}, {"table", table}, {"name", name}}));
}
migration_builder& migration_builder::raw(std::string engine, std::string sql, std::string down_sql) {
  object o{{"op", "raw"}, {"engine", engine}, {"sql", sql}};
  if (!down_sql.empty()) o.emplace_back("down_sql", down_sql);
  TETHER_ADD(value(std::move(o)));
}
#undef TETHER_ADD

migration migration_builder::build() const {
  migration m = m_;
  // Each operation in its canonical form (defaults filled in, names generated).
  for (auto& op : m.up) op = op_to_value(parse_op(op));
  m.created_at = now_iso();
  m.checksum = checksum(m);
  validate(m);
  return m;
}

// --- files ---------------------------------------------------------------------------

std::vector<migration> load_migrations(const std::string& folder) {
  std::vector<migration> out;
  if (!std::filesystem::is_directory(folder)) return out;
  std::vector<std::filesystem::path> files;
  for (const auto& e : std::filesystem::directory_iterator(folder))
    if (e.is_regular_file() && e.path().extension() == ".json") files.push_back(e.path());
  std::sort(files.begin(), files.end());
  for (const auto& f : files) {
    std::ifstream in(f);
    std::stringstream text;
    text << in.rdbuf();
    try {
      out.push_back(migration::from_json(text.str()));
    } catch (const error& e) {
      throw error(error_category::usage, fmt::format("migration file {}: {}", f.string(), e.what()));
    }
  }
  return out;
}

std::string save_migration(const std::string& folder, const migration& m) {
  std::filesystem::create_directories(folder);
  auto path = std::filesystem::path(folder) / (m.tag + ".json");
  auto tmp = path;
  tmp += ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << m.to_json();
    if (!out) throw error(error_category::usage, fmt::format("cannot write migration file {}", path.string()));
  }
  std::filesystem::rename(tmp, path);
  return path.string();
}

}  // namespace tether
