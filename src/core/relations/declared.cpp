// Relations declared in a schema file (declared.hpp): parsed and completed with the file's
// own keys when the file is read, and looked up by name when a find's include names one.
#include "core/relations/declared.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <memory>

#include "core/migrations/declared_schema.hpp"
#include "core/query/planner.hpp"
#include "core/relations/include.hpp"
#include "tether/error.hpp"
#include "tether/schema_file.hpp"

namespace tether::detail {

namespace {

[[noreturn]] void fail(std::string message) { throw error(error_category::usage, std::move(message)); }

constexpr std::string_view relation_keys[] = {"type",    "table",   "foreign_key",        "primary_key",
                                               "through", "through_foreign_key", "through_related_key"};

std::string_view type_name(relation_type t) {
  switch (t) {
    case relation_type::many_to_one: return "many_to_one";
    case relation_type::one_to_many: return "one_to_many";
    case relation_type::many_to_many: return "many_to_many";
  }
  return "many_to_one";
}

// The file's tables as complete_relation reads them: a table's description, owned by `s`.
table_source tables_of(const declared_schema& s) {
  return {[&s](const std::string& name) -> std::shared_ptr<const engine::table_description> {
            const declared_table* t = s.find(name);
            if (!t) return nullptr;
            return std::shared_ptr<const engine::table_description>(std::shared_ptr<void>(), &t->table);
          },
          "that the schema file declares"};
}

// Every table and column the completed relation `r` of `owner` names is in the file.
void check_names(const declared_schema& s, const declared_table& owner, const include_options& r, const std::string& at) {
  auto field = [&](const std::string& table, const std::string& column, std::string_view key) {
    const declared_table* t = s.find(table);
    if (t && engine::find_named(t->table.columns, column)) return;
    fail(fmt::format("{}: key \"{}\" names \"{}\", which is not a field of \"{}\"", at, key, column, table));
  };
  const std::string& parent = owner.table.name;
  switch (*r.type) {
    case relation_type::many_to_one:
      field(parent, r.foreign_key, "foreign_key");
      field(r.table, r.primary_key, "primary_key");
      break;
    case relation_type::one_to_many:
      field(r.table, r.foreign_key, "foreign_key");
      field(parent, r.primary_key, "primary_key");
      break;
    case relation_type::many_to_many:
      field(r.through, r.through_foreign_key, "through_foreign_key");
      field(r.through, r.through_related_key, "through_related_key");
      field(parent, r.primary_key, "primary_key");
      field(r.table, r.foreign_key, "foreign_key");
      break;
  }
}

}  // namespace

std::vector<include_options> parse_declared_relations(const value& v) {
  if (!v.is_object())
    fail(fmt::format("\"relations\" must be an object keyed by relation name, got {}", v.to_json().substr(0, 80)));
  std::vector<include_options> out;
  for (const auto& [name, def] : v.as_object()) {
    validate_identifier(name, "relation");
    if (!def.is_object())
      fail(fmt::format("relation \"{}\" must be an object {{type, table, foreign_key, …}}, got {}", name,
                       def.to_json().substr(0, 80)));
    for (const auto& [key, _] : def.as_object())
      if (std::find(std::begin(relation_keys), std::end(relation_keys), key) == std::end(relation_keys))
        fail(fmt::format("relation \"{}\": unknown key \"{}\"; a declared relation takes type, table, foreign_key, "
                         "primary_key, through, through_foreign_key and through_related_key (select, where, "
                         "order_by and limit belong to each find's include)",
                         name, key));
    auto one = include_options::parse(value(object{{name, def}}));
    out.push_back(std::move(one.front()));
  }
  return out;
}

void complete_declared_relations(declared_schema& s) {
  const table_source file = tables_of(s);
  for (auto& t : s.tables)
    for (auto& r : t.relations) {
      const std::string at = fmt::format("table \"{}\", relation \"{}\"", t.table.name, r.relation);
      if (engine::find_named(t.table.columns, r.relation))
        fail(fmt::format("{}: \"{}\" is also a field of the table; a relation's rows appear under its name", at,
                         r.relation));
      for (const auto& [key, table] : {std::pair{"table", &r.table}, std::pair{"through", &r.through}})
        if (!table->empty() && !s.find(*table))
          fail(fmt::format("{}: key \"{}\" names \"{}\", which is not a table of the file", at, key, *table));
      try {
        r = complete_relation(file, t.table.name, r);
      } catch (const error& e) {
        if (e.category() != error_category::usage) throw;
        std::string_view what = e.what();
        const std::string named = fmt::format("include \"{}\": ", r.relation);  // said by `at` already
        if (what.starts_with(named)) what.remove_prefix(named.size());
        fail(fmt::format("{}: {}", at, what));
      }
      if (!s.find(r.table))
        fail(fmt::format("{}: key \"table\" names \"{}\", which is not a table of the file", at, r.table));
      check_names(s, t, r, at);
    }
}

value relation_to_value(const include_options& r) {
  object o{{"type", std::string(type_name(*r.type))}, {"table", r.table}};
  o.emplace_back("foreign_key", r.foreign_key);
  o.emplace_back("primary_key", r.primary_key);
  if (*r.type == relation_type::many_to_many) {
    o.emplace_back("through", r.through);
    o.emplace_back("through_foreign_key", r.through_foreign_key);
    o.emplace_back("through_related_key", r.through_related_key);
  }
  return value(std::move(o));
}

namespace {
std::vector<std::pair<std::string, include_options>> relations_of(const declared_schema& s) {
  std::vector<std::pair<std::string, include_options>> out;
  for (const auto& t : s.tables)
    for (const auto& r : t.relations) out.emplace_back(t.table.name, r);
  return out;
}
}  // namespace

declared_relations::declared_relations(const schema_file& f) {
  std::call_once(loaded_, [&] { items_ = relations_of(declared(f.to_value())); });
}

void declared_relations::load() {
  if (path_.empty()) return;
  std::error_code ec;
  if (!std::filesystem::exists(path_, ec)) return;  // no schema file: no declared relations
  try {
    items_ = relations_of(declared(schema_file::load(path_).to_value()));
  } catch (const error& e) {
    error_ = e.what();
  }
}

const include_options* declared_relations::find(std::string_view table, std::string_view relation) {
  std::call_once(loaded_, [this] { load(); });
  if (!error_.empty())
    throw error(error_category::usage,
                fmt::format("{} (a find's include reads the relations declared there)", error_));
  for (const auto& [t, r] : items_)
    if (t == table && r.relation == relation) return &r;
  return nullptr;
}

}  // namespace tether::detail
