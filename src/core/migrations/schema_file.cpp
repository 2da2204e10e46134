// The schema file: validation, its canonical form and text, and the C++ builder.
#include "tether/schema_file.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <set>
#include <sstream>

#include "core/migrations/declared_schema.hpp"
#include "core/migrations/schema_ops.hpp"
#include "core/query/planner.hpp"
#include "core/relations/declared.hpp"
#include "tether/error.hpp"

namespace tether {

namespace {

[[noreturn]] void bad(const std::string& what) { throw error(error_category::usage, "schema file: " + what); }

// Runs `fn`, naming `where` in front of any error it throws.
template <class F>
auto within(const std::string& where, F&& fn) {
  try {
    return fn();
  } catch (const error& e) {
    if (e.category() != error_category::usage) throw;
    std::string what = e.what();
    if (what.starts_with("schema file: ")) throw;
    bad(fmt::format("{}: {}", where, what));
  }
}

std::string renamed_from(const value& def, const std::string& where) {
  const value* r = def.is_object() ? def.find("renamed_from") : nullptr;
  if (!r || r->is_null()) return {};
  if (!r->is_string()) bad(fmt::format("{}: \"renamed_from\" must be a name, got {}", where, r->to_json()));
  detail::validate_identifier(r->as_string(), "renamed_from");
  return r->as_string();
}

value without(const value& def, std::string_view key) {
  if (!def.is_object()) return def;
  value out = def;
  std::erase_if(out.as_object(), [&](const member& m) { return m.first == key; });
  return out;
}

// The field's canonical object: field_to_value's keys (one fixed order) without the name.
value canonical_field(const engine::field_def& f, const std::string& from) {
  value v = detail::field_to_value(f);
  auto& o = v.as_object();
  o.erase(o.begin());
  if (!from.empty()) o.emplace_back("renamed_from", from);
  return v;
}

// Each table and field on a line of its own, each definition on one line: one change is
// one changed line in a diff of the file.
void pretty(const value& v, int depth, int inline_below, std::string& out) {
  const std::string pad(static_cast<std::size_t>(depth) * 2, ' ');
  if (depth >= inline_below || (!v.is_object() && !v.is_array()) || v.size() == 0) {
    out += v.to_json();
    return;
  }
  const bool obj = v.is_object();
  out += obj ? "{\n" : "[\n";
  const std::size_t n = v.size();
  for (std::size_t i = 0; i < n; ++i) {
    out += pad + "  ";
    if (obj) {
      const auto& [key, item] = v.as_object()[i];
      out += value(key).to_json() + ": ";
      pretty(item, depth + 1, inline_below, out);
    } else {
      pretty(v.as_array()[i], depth + 1, inline_below, out);
    }
    out += i + 1 < n ? ",\n" : "\n";
  }
  out += pad + (obj ? "}" : "]");
}

constexpr std::string_view table_keys[] = {"renamed_from", "fields", "indexes", "constraints", "relations"};

}  // namespace

namespace detail {

declared_schema declared(const value& doc) {
  if (!doc.is_object()) bad(fmt::format("the document must be an object with \"tables\", got {}", doc.to_json().substr(0, 80)));
  for (const auto& [key, _] : doc.as_object())
    if (key != "tables") bad(fmt::format("unknown key \"{}\" at the top; expected \"tables\"", key));
  const value* tables = doc.find("tables");
  if (!tables || !tables->is_object()) bad("\"tables\" must be an object: {\"name\": {\"fields\": {…}}, …}");
  declared_schema out;
  for (const auto& [name, spec] : tables->as_object()) {
    const std::string where = fmt::format("table \"{}\"", name);
    within(where, [&] { detail::validate_identifier(name, "table"); });
    if (!spec.is_object()) bad(fmt::format("{} must be an object with \"fields\", got {}", where, spec.to_json()));
    for (const auto& [key, _] : spec.as_object())
      if (std::find(std::begin(table_keys), std::end(table_keys), key) == std::end(table_keys))
        bad(fmt::format("{}: unknown key \"{}\"; expected renamed_from, fields, indexes, constraints or relations", where, key));
    declared_table t;
    t.table.name = name;
    t.renamed_from = renamed_from(spec, where);
    const value* fields = spec.find("fields");
    if (!fields || !fields->is_object() || fields->as_object().empty())
      bad(fmt::format("{} needs \"fields\": {{\"name\": definition, …}}", where));
    for (const auto& [field, def] : fields->as_object()) {
      const std::string at = fmt::format("{}, field \"{}\"", where, field);
      auto f = within(at, [&] { return detail::parse_field(field, without(def, "renamed_from")); });
      if (f.primary_key) t.table.primary_key.push_back(f.name);
      t.field_renamed_from.push_back(renamed_from(def, at));
      t.table.columns.push_back(std::move(f));
    }
    if (std::count_if(t.table.columns.begin(), t.table.columns.end(), [](const auto& f) { return f.auto_increment; }) > 1)
      bad(fmt::format("{}: at most one field can be auto_increment", where));
    auto has_field = [&](const std::string& f) { return engine::find_named(t.table.columns, f) != nullptr; };
    auto list = [&](std::string_view key) -> const array* {
      const value* v = spec.find(key);
      if (!v || v->is_null()) return nullptr;
      if (!v->is_array()) bad(fmt::format("{}: \"{}\" must be a list", where, key));
      return &v->as_array();
    };
    if (const array* idx = list("indexes"))
      for (std::size_t i = 0; i < idx->size(); ++i) {
        const std::string at = fmt::format("{}, indexes[{}]", where, i);
        if (!(*idx)[i].is_object()) bad(fmt::format("{} must be an object {{name, fields, unique}}", at));
        auto def = within(at, [&] { return detail::parse_index(name, (*idx)[i]); });
        for (const auto& f : def.fields)
          if (!has_field(f)) bad(fmt::format("{} (\"{}\"): key \"fields\" names \"{}\", which is not a field of the table", at, def.name, f));
        t.table.indexes.push_back(std::move(def));
      }
    if (const array* cons = list("constraints"))
      for (std::size_t i = 0; i < cons->size(); ++i) {
        const std::string at = fmt::format("{}, constraints[{}]", where, i);
        auto def = within(at, [&] { return detail::parse_constraint(name, (*cons)[i]); });
        for (const auto& f : def.columns)
          if (!has_field(f)) bad(fmt::format("{} (\"{}\"): key \"columns\" names \"{}\", which is not a field of the table", at, def.name, f));
        t.table.constraints.push_back(std::move(def));
      }
    std::set<std::string> names;
    for (const auto& i : t.table.indexes)
      if (!names.insert(i.name).second) bad(fmt::format("{}: two indexes are named \"{}\"", where, i.name));
    for (const auto& c : t.table.constraints)
      if (!names.insert(c.name).second) bad(fmt::format("{}: the name \"{}\" is used twice among indexes and constraints", where, c.name));
    std::set<std::string> froms;
    for (std::size_t i = 0; i < t.field_renamed_from.size(); ++i) {
      const auto& from = t.field_renamed_from[i];
      if (from.empty()) continue;
      if (!froms.insert(from).second) bad(fmt::format("{}: two fields say \"renamed_from\": \"{}\"", where, from));
      if (has_field(from))
        bad(fmt::format("{}, field \"{}\": key \"renamed_from\" names \"{}\", which is still a field of the table",
                        where, t.table.columns[i].name, from));
    }
    if (const value* rel = spec.find("relations"); rel && !rel->is_null())
      t.relations = within(where, [&] { return detail::parse_declared_relations(*rel); });
    out.tables.push_back(std::move(t));
  }
  // Across tables: renames and the tables foreign keys reference.
  std::set<std::string> froms;
  for (const auto& t : out.tables) {
    if (t.renamed_from.empty()) continue;
    if (!froms.insert(t.renamed_from).second) bad(fmt::format("two tables say \"renamed_from\": \"{}\"", t.renamed_from));
    if (out.find(t.renamed_from))
      bad(fmt::format("table \"{}\": key \"renamed_from\" names \"{}\", which is still a table of the file", t.table.name,
                      t.renamed_from));
  }
  for (const auto& t : out.tables)
    for (const auto& c : t.table.constraints) {
      if (c.type != engine::constraint_type::foreign_key) continue;
      const declared_table* ref = out.find(c.ref_table);
      const std::string at = fmt::format("table \"{}\", constraint \"{}\"", t.table.name, c.name);
      if (!ref) bad(fmt::format("{}: references.table \"{}\" is not a table of the file", at, c.ref_table));
      for (const auto& col : c.ref_columns)
        if (!engine::find_named(ref->table.columns, col))
          bad(fmt::format("{}: references.columns names \"{}\", which is not a field of \"{}\"", at, col, c.ref_table));
    }
  try {
    detail::complete_declared_relations(out);
  } catch (const error& e) {
    if (e.category() != error_category::usage) throw;
    bad(e.what());
  }
  return out;
}

const declared_table* declared_schema::find(std::string_view name) const {
  for (const auto& t : tables)
    if (t.table.name == name) return &t;
  return nullptr;
}

value to_document(const declared_schema& s) {
  std::vector<const declared_table*> sorted;
  for (const auto& t : s.tables) sorted.push_back(&t);
  std::sort(sorted.begin(), sorted.end(), [](auto* a, auto* b) { return a->table.name < b->table.name; });
  object tables;
  for (const auto* t : sorted) {
    object spec;
    if (!t->renamed_from.empty()) spec.emplace_back("renamed_from", t->renamed_from);
    object fields;
    for (std::size_t i = 0; i < t->table.columns.size(); ++i) {
      const auto& from = i < t->field_renamed_from.size() ? t->field_renamed_from[i] : std::string();
      fields.emplace_back(t->table.columns[i].name, canonical_field(t->table.columns[i], from));
    }
    spec.emplace_back("fields", value(std::move(fields)));
    auto by_name = [](const auto& a, const auto& b) { return a.name < b.name; };
    auto indexes = t->table.indexes;
    std::sort(indexes.begin(), indexes.end(), by_name);
    auto constraints = t->table.constraints;
    std::sort(constraints.begin(), constraints.end(), by_name);
    if (!indexes.empty()) {
      array a;
      for (const auto& i : indexes) a.push_back(detail::index_to_value(i));
      spec.emplace_back("indexes", value(std::move(a)));
    }
    if (!constraints.empty()) {
      array a;
      for (const auto& c : constraints) a.push_back(detail::constraint_to_value(c));
      spec.emplace_back("constraints", value(std::move(a)));
    }
    if (!t->relations.empty()) {
      auto relations = t->relations;
      std::sort(relations.begin(), relations.end(), [](const auto& a, const auto& b) { return a.relation < b.relation; });
      object o;
      for (const auto& r : relations) o.emplace_back(r.relation, detail::relation_to_value(r));
      spec.emplace_back("relations", value(std::move(o)));
    }
    tables.emplace_back(t->table.name, value(std::move(spec)));
  }
  return value(object{{"tables", value(std::move(tables))}});
}

}  // namespace detail

schema_file schema_file::from_value(const value& doc) {
  schema_file f;
  f.doc_ = detail::to_document(detail::declared(doc));
  return f;
}

schema_file schema_file::from_json(std::string_view text) {
  value doc;
  try {
    doc = value::from_json(text);
  } catch (const error& e) {
    bad(fmt::format("not valid JSON: {}", e.what()));
  }
  return from_value(doc);
}

schema_file schema_file::load(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in)
    throw error(error_category::not_found,
                fmt::format("no schema file {}; write one, or make it from the database with `tether pull`", path.string()));
  std::stringstream text;
  text << in.rdbuf();
  try {
    return from_json(text.str());
  } catch (const error& e) {
    throw error(error_category::usage, fmt::format("{}: {}", path.string(), e.what()));
  }
}

std::string schema_file::to_json() const {
  std::string out;
  pretty(doc_, 0, 4, out);
  return out + "\n";
}

void schema_file::save(const std::filesystem::path& path) const {
  if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path());
  const std::string text = to_json();
  auto tmp = path;
  tmp += fmt::format(".tmp-{}", ::getpid());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  bool ok = fd >= 0 && ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) && ::fsync(fd) == 0;
  if (fd >= 0) ok = (::close(fd) == 0) && ok;
  if (!ok || std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::error_code ec;
    std::filesystem::remove(tmp, ec);
    throw error(error_category::usage, fmt::format("cannot write schema file {}", path.string()));
  }
}

std::vector<std::string> schema_file::tables() const {
  std::vector<std::string> out;
  for (const auto& [name, _] : doc_["tables"].as_object()) out.push_back(name);
  return out;
}

// --- the builder -------------------------------------------------------------------------

field_spec::field_spec(std::string name, std::string type)
    : name_(std::move(name)), def_(object{{"type", std::move(type)}}) {}

namespace {
field_spec& set(field_spec& f, value& def, std::string key, value v) {
  auto& o = def.as_object();
  auto it = std::find_if(o.begin(), o.end(), [&](const member& m) { return m.first == key; });
  if (it != o.end()) it->second = std::move(v);
  else o.emplace_back(std::move(key), std::move(v));
  return f;
}
value names(const std::vector<std::string>& v) {
  array a;
  for (const auto& s : v) a.emplace_back(s);
  return value(std::move(a));
}
}  // namespace

field_spec& field_spec::length(int n) { return set(*this, def_, "length", n); }
field_spec& field_spec::precision(int p, int s) {
  set(*this, def_, "precision", p);
  return s ? set(*this, def_, "scale", s) : *this;
}
field_spec& field_spec::required(bool on) { return set(*this, def_, "required", on); }
field_spec& field_spec::unique(bool on) { return set(*this, def_, "unique", on); }
field_spec& field_spec::primary_key() { return set(*this, def_, "primary_key", true); }
field_spec& field_spec::auto_increment() { return set(*this, def_, "auto_increment", true); }
field_spec& field_spec::default_value(value v) { return set(*this, def_, "default", std::move(v)); }
field_spec& field_spec::default_now() { return set(*this, def_, "default", "now"); }
field_spec& field_spec::enum_values(std::vector<std::string> v) { return set(*this, def_, "enum_values", names(v)); }
field_spec& field_spec::comment(std::string text) { return set(*this, def_, "comment", std::move(text)); }
field_spec& field_spec::renamed_from(std::string old) { return set(*this, def_, "renamed_from", std::move(old)); }

table_spec& table_spec::field(field_spec f) {
  fields_.emplace_back(f.name(), f.definition());
  return *this;
}
table_spec& table_spec::index(std::string name, std::vector<std::string> fields, bool unique, value where) {
  object o{{"name", std::move(name)}, {"fields", names(fields)}};
  if (unique) o.emplace_back("unique", true);
  if (!where.is_null()) o.emplace_back("where", std::move(where));
  indexes_.emplace_back(std::move(o));
  return *this;
}
table_spec& table_spec::foreign_key(std::vector<std::string> columns, std::string ref_table,
                                    std::vector<std::string> ref_columns, std::string on_delete, std::string name) {
  object r{{"table", std::move(ref_table)}, {"columns", names(ref_columns)}};
  if (!on_delete.empty()) r.emplace_back("on_delete", std::move(on_delete));
  object o{{"type", "foreign_key"}, {"columns", names(columns)}, {"references", value(std::move(r))}};
  if (!name.empty()) o.emplace_back("name", std::move(name));
  constraints_.emplace_back(std::move(o));
  return *this;
}
table_spec& table_spec::unique(std::vector<std::string> columns, std::string name) {
  object o{{"type", "unique"}, {"columns", names(columns)}};
  if (!name.empty()) o.emplace_back("name", std::move(name));
  constraints_.emplace_back(std::move(o));
  return *this;
}
table_spec& table_spec::check(std::string name, value filter) {
  constraints_.emplace_back(object{{"type", "check"}, {"name", std::move(name)}, {"check", std::move(filter)}});
  return *this;
}
table_spec& table_spec::renamed_from(std::string old) {
  renamed_from_ = std::move(old);
  return *this;
}
value table_spec::to_value() const {
  object o;
  if (!renamed_from_.empty()) o.emplace_back("renamed_from", renamed_from_);
  o.emplace_back("fields", value(fields_));
  if (!indexes_.empty()) o.emplace_back("indexes", value(indexes_));
  if (!constraints_.empty()) o.emplace_back("constraints", value(constraints_));
  return value(std::move(o));
}

table_spec& schema_builder::table(const std::string& name) {
  for (auto& [n, t] : tables_)
    if (n == name) return t;
  return tables_.emplace_back(name, table_spec{}).second;
}

schema_file schema_builder::build() const {
  object tables;
  for (const auto& [n, t] : tables_) tables.emplace_back(n, t.to_value());
  return schema_file::from_value(value(object{{"tables", value(std::move(tables))}}));
}

}  // namespace tether
