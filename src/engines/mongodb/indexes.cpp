// Indexes on MongoDB: createIndexes and dropIndexes (libmongoc 1.23 has no index-model
// helper), each recorded with the table's definition in tether_schema.
#include <fmt/format.h>

#include <algorithm>

#include "commands.hpp"
#include "connection.hpp"
#include "tether/error.hpp"
#include "types.hpp"

namespace tether::detail::mongodb {

engine::schema_step connection::change_index(const engine::schema_op& op, const engine::table_description* before,
                                             bool dry_run) {
  engine::table_description t = recorded_table(op, before);
  engine::schema_step step;
  bson_ptr cmd;
  if (op.kind == engine::schema_op_kind::create_index) {
    const engine::index_def& i = op.indexes.at(0);
    if (engine::find_named(t.indexes, i.name))
      throw error(error_category::schema, fmt::format("index \"{}\" exists already on \"{}\"", i.name, op.table),
                  error_details{.engine = "mongodb", .code = "85"});
    for (const auto& f : i.fields)
      if (!engine::find_named(t.columns, f))
        throw error(error_category::schema, fmt::format("unknown field \"{}.{}\" in index \"{}\"", op.table, f, i.name),
                    error_details{"mongodb"});
    if (i.expire_after_seconds) {
      // MongoDB expires a document by the moment its field holds; any other value, never.
      const engine::field_def* f = engine::find_named(t.columns, i.fields.at(0));
      if (f->type != field_type::timestamp && f->type != field_type::datetime && f->type != field_type::date)
        throw error(error_category::usage,
                    fmt::format("TTL index \"{}\": \"{}\" is {}; expire_after_seconds needs a timestamp, datetime or "
                                "date field",
                                i.name, f->name, to_string(f->type)),
                    error_details{"mongodb"});
    }
    cmd = create_indexes(op, t, {i});
    t.indexes.push_back(i);
  } else {
    auto named = std::find_if(t.indexes.begin(), t.indexes.end(), [&](const auto& i) { return i.name == op.name; });
    if (named == t.indexes.end()) {
      if (op.if_exists) return step;
      throw error(error_category::schema, fmt::format("no index \"{}\" on \"{}\"", op.name, op.table),
                  error_details{.engine = "mongodb", .code = "27"});
    }
    cmd = drop_index(op.table, op.name);
    t.indexes.erase(named);
  }
  step.description.push_back(canonical_json(*cmd));
  if (dry_run) return step;
  command(*cmd, op.table);
  save_definition(t);
  return step;
}

// A unique constraint is a unique index of the constraint's name (check constraints and
// foreign keys MongoDB has not: the capabilities say so, and they are refused).
engine::schema_step connection::change_constraint(const engine::schema_op& op, const engine::table_description* before,
                                                  bool dry_run) {
  engine::table_description t = recorded_table(op, before);
  engine::schema_step step;
  bson_ptr cmd;
  if (op.kind == engine::schema_op_kind::add_constraint) {
    const engine::constraint_def& c = op.constraints.at(0);
    if (c.type != engine::constraint_type::unique) refuse(op, "a check or foreign key constraint");
    if (engine::find_named(t.constraints, c.name) || engine::find_named(t.indexes, c.name))
      throw error(error_category::schema, fmt::format("constraint \"{}\" exists already on \"{}\"", c.name, op.table),
                  error_details{.engine = "mongodb", .code = "85"});
    for (const auto& f : c.columns)
      if (!engine::find_named(t.columns, f))
        throw error(error_category::schema, fmt::format("unknown field \"{}.{}\" in constraint \"{}\"", op.table, f, c.name),
                    error_details{"mongodb"});
    cmd = create_indexes(op, t, {{.name = c.name, .fields = c.columns, .unique = true}});
    t.constraints.push_back(c);
  } else {
    auto named = std::find_if(t.constraints.begin(), t.constraints.end(), [&](const auto& c) { return c.name == op.name; });
    if (named == t.constraints.end()) {
      if (op.if_exists) return step;
      throw error(error_category::schema, fmt::format("no constraint \"{}\" on \"{}\"", op.name, op.table),
                  error_details{.engine = "mongodb", .code = "27"});
    }
    cmd = drop_index(op.table, op.name);
    t.constraints.erase(named);
  }
  step.description.push_back(canonical_json(*cmd));
  if (dry_run) return step;
  command(*cmd, op.table);
  save_definition(t);
  return step;
}

}  // namespace tether::detail::mongodb
