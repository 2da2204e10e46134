// The schema model of dry runs, and the introspection that tells whether a step of an
// interrupted migration took effect.
#include "core/migrations/schema_model.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace tether::detail {

using engine::schema_op;
using engine::schema_op_kind;
using engine::table_description;

namespace {

template <class T>
void erase_named(std::vector<T>& items, const std::string& name) {
  std::erase_if(items, [&](const T& i) { return i.name == name; });
}

void rename_in(std::vector<std::string>& names, const std::string& from, const std::string& to) {
  std::replace(names.begin(), names.end(), from, to);
}

// The parts of a column definition that introspection reads back on every engine.
bool same_definition(const engine::field_def& a, const engine::field_def& b) {
  if (a.type != b.type || a.nullable != b.nullable) return false;
  if ((a.type == field_type::string || a.type == field_type::binary) && a.length && b.length && a.length != b.length)
    return false;
  if (a.type == field_type::decimal && a.precision && b.precision && (a.precision != b.precision || a.scale != b.scale))
    return false;
  return a.default_now == b.default_now && a.default_value == b.default_value;
}

}  // namespace

std::optional<table_description> schema_model::describe(const std::string& table, engine::introspection& c) {
  if (auto it = tables_.find(table); it != tables_.end()) return it->second;
  if (closed_) return std::nullopt;
  return tables_[table] = c.describe(table);
}

std::vector<table_description> schema_model::tables() const {
  std::vector<table_description> out;
  for (const auto& [name, t] : tables_)
    if (t) out.push_back(*t);
  return out;
}

void schema_model::apply(const schema_op& op, engine::introspection& c) {
  if (op.kind == schema_op_kind::raw) return;
  auto t = describe(op.table, c);
  switch (op.kind) {
    case schema_op_kind::create_collection: {
      table_description made{op.table, op.fields, {}, op.indexes, op.constraints};
      for (const auto& f : op.fields)
        if (f.primary_key) made.primary_key.push_back(f.name);
      tables_[op.table] = std::move(made);
      return;
    }
    case schema_op_kind::drop_collection: tables_[op.table] = std::nullopt; return;
    case schema_op_kind::rename_collection:
      if (t) t->name = op.new_name;
      tables_[op.new_name] = t;
      tables_[op.table] = std::nullopt;
      // Every engine points the foreign keys into the table at its new name.
      for (auto& [name, other] : tables_)
        if (other)
          for (auto& k : other->constraints)
            if (k.ref_table == op.table) k.ref_table = op.new_name;
      return;
    default: break;
  }
  if (!t) return;  // the step itself will say the table is unknown
  switch (op.kind) {
    case schema_op_kind::add_field: t->columns.push_back(op.fields.at(0)); break;
    case schema_op_kind::drop_field:
      erase_named(t->columns, op.name);
      std::erase_if(t->indexes, [&](const auto& i) {
        return std::find(i.fields.begin(), i.fields.end(), op.name) != i.fields.end();
      });
      break;
    case schema_op_kind::rename_field:
      for (auto& c : t->columns)
        if (c.name == op.name) c.name = op.new_name;
      rename_in(t->primary_key, op.name, op.new_name);
      for (auto& i : t->indexes) rename_in(i.fields, op.name, op.new_name);
      for (auto& k : t->constraints) rename_in(k.columns, op.name, op.new_name);
      for (auto& [name, other] : tables_)  // and the references to the field
        if (other && name != op.table)
          for (auto& k : other->constraints)
            if (k.ref_table == op.table) rename_in(k.ref_columns, op.name, op.new_name);
      for (auto& k : t->constraints)
        if (k.ref_table == op.table) rename_in(k.ref_columns, op.name, op.new_name);
      break;
    case schema_op_kind::modify_field:
      for (auto& c : t->columns)
        if (c.name == op.name) {
          const bool key = c.primary_key;
          c = op.fields.at(0);
          c.primary_key = key;
        }
      break;
    case schema_op_kind::create_index: t->indexes.push_back(op.indexes.at(0)); break;
    case schema_op_kind::drop_index: erase_named(t->indexes, op.name); break;
    case schema_op_kind::add_constraint: t->constraints.push_back(op.constraints.at(0)); break;
    case schema_op_kind::drop_constraint:
      erase_named(t->constraints, op.name);
      erase_named(t->indexes, op.name);  // a unique constraint is an index on MySQL
      break;
    default: break;
  }
  tables_[op.table] = std::move(t);
}

step_effect effect_of(const schema_op& op, engine::introspection& c, std::string& why) {
  auto verdict = [&](bool done, std::string_view what) {
    why = fmt::format("{}: {}", what, done ? "present in the database" : "not in the database");
    return done ? step_effect::done : step_effect::not_done;
  };
  auto absent = [&](bool gone, std::string_view what) {
    why = fmt::format("{}: {}", what, gone ? "gone from the database" : "still in the database");
    return gone ? step_effect::done : step_effect::not_done;
  };
  if (op.kind == schema_op_kind::raw) {
    why = "a raw step: tether cannot tell whether it ran";
    return step_effect::unknown;
  }
  const auto t = c.describe(op.table);
  auto has_column = [&](const std::string& name) { return t && engine::find_named(t->columns, name); };
  auto has_index = [&](const std::string& name) { return t && engine::find_named(t->indexes, name); };
  auto has_constraint = [&](const std::string& name) {
    return t && (engine::find_named(t->constraints, name) || engine::find_named(t->indexes, name));
  };
  switch (op.kind) {
    case schema_op_kind::create_collection: return verdict(t.has_value(), fmt::format("table {}", op.table));
    case schema_op_kind::drop_collection: return absent(!t, fmt::format("table {}", op.table));
    case schema_op_kind::rename_collection:
      return verdict(!t && c.describe(op.new_name).has_value(), fmt::format("table {}", op.new_name));
    case schema_op_kind::add_field: return verdict(has_column(op.name), fmt::format("column {}.{}", op.table, op.name));
    case schema_op_kind::drop_field: return absent(!has_column(op.name), fmt::format("column {}.{}", op.table, op.name));
    case schema_op_kind::rename_field:
      return verdict(has_column(op.new_name) && !has_column(op.name), fmt::format("column {}.{}", op.table, op.new_name));
    case schema_op_kind::modify_field: {
      const auto* now = t ? engine::find_named(t->columns, op.name) : nullptr;
      const bool done = now && same_definition(*now, op.fields.at(0));
      why = fmt::format("column {}.{}: {}", op.table, op.name,
                        done ? "has the new definition" : "still has its old definition");
      return done ? step_effect::done : step_effect::not_done;
    }
    case schema_op_kind::create_index:
      return verdict(has_index(op.indexes.at(0).name), fmt::format("index {}", op.indexes.at(0).name));
    case schema_op_kind::drop_index: return absent(!has_index(op.name), fmt::format("index {}", op.name));
    case schema_op_kind::add_constraint:
      return verdict(has_constraint(op.constraints.at(0).name), fmt::format("constraint {}", op.constraints.at(0).name));
    case schema_op_kind::drop_constraint: return absent(!has_constraint(op.name), fmt::format("constraint {}", op.name));
    case schema_op_kind::raw: break;
  }
  return step_effect::unknown;
}

}  // namespace tether::detail
