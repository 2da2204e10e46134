// The diff between the tables as they are and the tables a schema file declares.
#include "core/migrations/schema_diff.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <set>

#include "tether/error.hpp"

namespace tether::detail {

using engine::constraint_def;
using engine::constraint_type;
using engine::field_def;
using engine::index_def;
using engine::schema_op;
using engine::schema_op_kind;
using engine::table_description;

namespace {

int length_of(const field_def& f) {
  if ((f.type == field_type::string || f.type == field_type::binary) && f.length == 0) return 255;
  return f.length;
}

// The pairs of types that the engines read back one as the other.
bool same_type(const field_def& a, const field_def& b) {
  if (a.type == b.type) return true;
  auto pair = [&](field_type x, field_type y) {
    return (a.type == x && b.type == y) || (a.type == y && b.type == x);
  };
  if (pair(field_type::binary, field_type::blob) || pair(field_type::datetime, field_type::timestamp) ||
      pair(field_type::array, field_type::json))
    return true;
  // SQLite's auto-increment key is its rowid, an INTEGER holding 64 bits.
  return pair(field_type::integer, field_type::bigint) && a.primary_key && a.auto_increment && b.primary_key &&
         b.auto_increment;
}

bool same_default(const field_def& a, const field_def& b) {
  if (a.default_now != b.default_now) return false;
  if (a.default_value.has_value() != b.default_value.has_value()) return false;
  if (!a.default_value) return true;
  const value& x = *a.default_value;
  const value& y = *b.default_value;
  if (x == y) return true;
  if (x.is_number() && y.is_number()) return x.as_double() == y.as_double();
  return false;
}

std::string squeeze(std::string s) {  // SQL text compared without case or spacing
  std::erase_if(s, [](unsigned char c) { return std::isspace(c) || c == '(' || c == ')' || c == '"' || c == '`'; });
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

// A condition given portably and read back as the engine's SQL cannot be compared: only
// whether there is one.
bool same_condition(const value& pa, const std::string& na, const value& pb, const std::string& nb) {
  const bool has_a = !pa.is_null() || !na.empty();
  const bool has_b = !pb.is_null() || !nb.empty();
  if (has_a != has_b) return false;
  if (!pa.is_null() && !pb.is_null()) return pa == pb;
  if (!na.empty() && !nb.empty()) return squeeze(na) == squeeze(nb);
  return true;
}

std::string rule(std::string r) { return r == "restrict" || r.empty() ? "no action" : r; }

std::string list(const std::vector<std::string>& v) { return fmt::format("({})", fmt::join(v, ", ")); }

// The current table with the renames the file declares applied, so it compares by new names.
struct matched {
  table_description now;      // as it is, renamed
  const declared_table* want;
  std::string was;            // its current name
};

}  // namespace

bool same_field(const field_def& a, const field_def& b, const engine::capabilities& caps) {
  if (!same_type(a, b) || a.nullable != b.nullable || a.auto_increment != b.auto_increment) return false;
  if (a.unique != b.unique && !a.primary_key && !b.primary_key) return false;
  const bool bytes = a.type == field_type::blob || b.type == field_type::blob;
  if ((a.type == field_type::string || a.type == field_type::binary) && !bytes && length_of(a) != length_of(b)) return false;
  if (a.type == field_type::decimal && a.precision && b.precision && (a.precision != b.precision || a.scale != b.scale))
    return false;
  if (!a.enum_values.empty() && !b.enum_values.empty() && a.enum_values != b.enum_values) return false;
  if (caps.field_comments && a.comment != b.comment) return false;
  return same_default(a, b);
}

bool same_index(const index_def& a, const index_def& b) {
  return a.fields == b.fields && a.unique == b.unique && a.sparse == b.sparse &&
         a.expire_after_seconds == b.expire_after_seconds && same_condition(a.where, a.native_where, b.where, b.native_where);
}

bool same_constraint(const constraint_def& a, const constraint_def& b) {
  if (a.type != b.type || a.columns != b.columns) return false;
  if (a.type == constraint_type::foreign_key)
    return a.ref_table == b.ref_table && a.ref_columns == b.ref_columns && rule(a.on_delete) == rule(b.on_delete) &&
           rule(a.on_update) == rule(b.on_update);
  if (a.type == constraint_type::check) return same_condition(a.check, a.native_check, b.check, b.native_check);
  return true;
}

std::vector<schema_op> diff(const std::vector<table_description>& current, const declared_schema& desired,
                            const engine::capabilities& caps) {
  std::map<std::string, const table_description*> by_name;
  for (const auto& t : current) by_name[t.name] = &t;
  std::vector<schema_op> drop_constraints, drop_indexes, drop_tables, renames, creates, field_renames, field_changes,
      field_drops, create_indexes, add_constraints, add_foreign_keys;

  // Which current table each declared one is: its own name, else the one it was renamed from.
  std::vector<matched> kept;
  std::set<std::string> claimed;
  for (const auto& want : desired.tables) {
    const std::string& name = want.table.name;
    std::string was = by_name.count(name) ? name : "";
    if (was.empty() && !want.renamed_from.empty() && by_name.count(want.renamed_from) && !desired.find(want.renamed_from))
      was = want.renamed_from;
    if (was.empty()) {
      schema_op op{schema_op_kind::create_collection, name};
      op.fields = want.table.columns;
      op.indexes = want.table.indexes;
      creates.push_back(std::move(op));
      for (const auto& c : want.table.constraints) {
        schema_op add{schema_op_kind::add_constraint, name, c.name};
        add.constraints = {c};
        (c.type == constraint_type::foreign_key ? add_foreign_keys : add_constraints).push_back(std::move(add));
      }
      continue;
    }
    claimed.insert(was);
    matched m{*by_name[was], &want, was};
    if (was != name) {
      schema_op op{schema_op_kind::rename_collection, was};
      op.new_name = name;
      renames.push_back(std::move(op));
      m.now.name = name;
    }
    kept.push_back(std::move(m));
  }
  // Foreign keys into a renamed table follow it.
  std::map<std::string, std::string> renamed_to;
  for (const auto& m : kept)
    if (m.was != m.now.name) renamed_to[m.was] = m.now.name;
  for (auto& m : kept)
    for (auto& c : m.now.constraints)
      if (renamed_to.count(c.ref_table)) c.ref_table = renamed_to[c.ref_table];

  for (auto& m : kept) {
    const std::string& table = m.now.name;
    const auto& want = m.want->table;
    // Fields: renames first, so that what follows compares by the new names.
    for (std::size_t i = 0; i < want.columns.size(); ++i) {
      const field_def& f = want.columns[i];
      const std::string& from = m.want->field_renamed_from[i];
      if (engine::find_named(m.now.columns, f.name) || from.empty() || !engine::find_named(m.now.columns, from)) continue;
      schema_op op{schema_op_kind::rename_field, table, from};
      op.new_name = f.name;
      field_renames.push_back(std::move(op));
      for (auto& c : m.now.columns)
        if (c.name == from) c.name = f.name;
      for (auto* names : {&m.now.primary_key}) std::replace(names->begin(), names->end(), from, f.name);
      for (auto& x : m.now.indexes) std::replace(x.fields.begin(), x.fields.end(), from, f.name);
      for (auto& x : m.now.constraints) std::replace(x.columns.begin(), x.columns.end(), from, f.name);
    }
    for (auto& other : kept)  // references to a renamed field of this table
      for (auto& c : other.now.constraints)
        if (c.ref_table == table)
          for (const auto& r : field_renames)
            if (r.table == table) std::replace(c.ref_columns.begin(), c.ref_columns.end(), r.name, r.new_name);
    if (m.now.primary_key != want.primary_key && !(m.now.primary_key.empty() && want.primary_key.empty()))
      throw error(error_category::unsupported,
                  fmt::format("table \"{}\": the primary key changes from {} to {}, which no schema step does; write a "
                              "migration file for it by hand, with raw steps and their down (docs/migrations.md)",
                              table, list(m.now.primary_key), list(want.primary_key)));
    for (const auto& f : want.columns) {
      const field_def* now = engine::find_named(m.now.columns, f.name);
      if (!now) {
        schema_op op{schema_op_kind::add_field, table, f.name};
        op.fields = {f};
        field_changes.push_back(std::move(op));
      } else if (!same_field(*now, f, caps)) {
        schema_op op{schema_op_kind::modify_field, table, f.name};
        op.fields = {f};
        field_changes.push_back(std::move(op));
      }
    }
    for (const auto& f : m.now.columns)
      if (!engine::find_named(want.columns, f.name)) field_drops.push_back({schema_op_kind::drop_field, table, f.name});

    // Indexes and constraints by name; MySQL keeps a unique constraint as a unique index.
    auto index_as_constraint = [](const index_def& i) {
      return constraint_def{.name = i.name, .type = constraint_type::unique, .columns = i.fields};
    };
    for (const auto& i : m.now.indexes) {
      const index_def* w = engine::find_named(want.indexes, i.name);
      const constraint_def* wc = engine::find_named(want.constraints, i.name);
      const bool same = (w && same_index(i, *w)) ||
                        (wc && i.unique && i.where.is_null() && i.native_where.empty() && same_constraint(index_as_constraint(i), *wc));
      if (same) continue;
      bool dropped_with_field = false;  // the migrator drops a dropped field's indexes itself
      for (const auto& d : field_drops)
        if (d.table == table && std::find(i.fields.begin(), i.fields.end(), d.name) != i.fields.end()) dropped_with_field = true;
      if (!dropped_with_field) drop_indexes.push_back({schema_op_kind::drop_index, table, i.name});
      if (w) {
        schema_op op{schema_op_kind::create_index, table, w->name};
        op.indexes = {*w};
        create_indexes.push_back(std::move(op));
      }
    }
    for (const auto& w : want.indexes) {
      if (engine::find_named(m.now.indexes, w.name)) continue;
      schema_op op{schema_op_kind::create_index, table, w.name};
      op.indexes = {w};
      create_indexes.push_back(std::move(op));
    }
    for (const auto& c : m.now.constraints) {
      const constraint_def* w = engine::find_named(want.constraints, c.name);
      if (w && same_constraint(c, *w)) continue;
      drop_constraints.push_back({schema_op_kind::drop_constraint, table, c.name});
      if (!w) continue;
      schema_op add{schema_op_kind::add_constraint, table, w->name};
      add.constraints = {*w};
      (w->type == constraint_type::foreign_key ? add_foreign_keys : add_constraints).push_back(std::move(add));
    }
    for (const auto& w : want.constraints) {
      if (engine::find_named(m.now.constraints, w.name)) continue;
      if (const index_def* i = engine::find_named(m.now.indexes, w.name);
          i && i->unique && same_constraint(index_as_constraint(*i), w))
        continue;
      schema_op add{schema_op_kind::add_constraint, table, w.name};
      add.constraints = {w};
      (w.type == constraint_type::foreign_key ? add_foreign_keys : add_constraints).push_back(std::move(add));
    }
  }

  // Tables that go: one that references another that goes is dropped before it.
  std::vector<const table_description*> gone;
  for (const auto& t : current)
    if (!claimed.count(t.name)) gone.push_back(&t);
  std::set<std::string> done;
  while (done.size() < gone.size()) {
    bool progressed = false;
    for (const auto* t : gone) {
      if (done.count(t->name)) continue;
      const bool referenced = std::any_of(gone.begin(), gone.end(), [&](const table_description* o) {
        return o != t && !done.count(o->name) &&
               std::any_of(o->constraints.begin(), o->constraints.end(), [&](const constraint_def& c) {
                 return c.type == constraint_type::foreign_key && c.ref_table == t->name;
               });
      });
      if (referenced) continue;
      drop_tables.push_back({schema_op_kind::drop_collection, t->name});
      done.insert(t->name);
      progressed = true;
    }
    if (!progressed) {  // a cycle of references: drop them in name order, their keys first
      for (const auto* t : gone)
        if (!done.count(t->name)) {
          for (const auto& c : t->constraints)
            if (c.type == constraint_type::foreign_key) drop_constraints.push_back({schema_op_kind::drop_constraint, t->name, c.name});
          drop_tables.push_back({schema_op_kind::drop_collection, t->name});
          done.insert(t->name);
        }
    }
  }

  std::vector<schema_op> out;
  for (auto* group : {&drop_constraints, &drop_indexes, &drop_tables, &renames, &creates, &field_renames, &field_changes,
                      &field_drops, &create_indexes, &add_constraints, &add_foreign_keys})
    for (auto& op : *group) out.push_back(std::move(op));
  return out;
}

declared_schema from_tables(const std::vector<table_description>& tables) {
  declared_schema out;
  for (const auto& t : tables) {
    declared_table d{t, {}, std::vector<std::string>(t.columns.size())};
    // The key's fields say primary_key themselves; a composite key keeps the table's order.
    for (auto& c : d.table.columns) c.primary_key = std::find(t.primary_key.begin(), t.primary_key.end(), c.name) != t.primary_key.end();
    out.tables.push_back(std::move(d));
  }
  return out;
}

}  // namespace tether::detail
