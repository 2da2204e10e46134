// Fields on MongoDB: a document has no fixed fields, so tether records each change in
// tether_schema and brings the documents along as the SQL engines bring their rows.
#include <fmt/format.h>

#include <algorithm>

#include "commands.hpp"
#include "connection.hpp"
#include "core/migrations/recorded_table.hpp"
#include "filter.hpp"
#include "tether/error.hpp"
#include "types.hpp"

namespace tether::detail::mongodb {

engine::table_description connection::recorded_table(const engine::schema_op& op, const engine::table_description* before) {
  // The table as it is (from the migrator's model in a dry run, where earlier steps have
  // not happened), else as tether recorded it.
  if (before) return *before;
  table_info known = table(op.table);
  if (!known.recorded)
    throw error(error_category::schema, fmt::format("unknown table \"{}\" (tether made no such collection)", op.table),
                error_details{"mongodb"});
  return std::move(known.table);
}

// A document has no fixed fields: the change is recorded in tether_schema (what describe
// reports and reads decode by), and the documents are brought along as the SQL engines'
// rows are, by one update of every document: an added field's default set where a
// document has none, a dropped field unset, a renamed one moved ($rename).
engine::schema_step connection::change_field(const engine::schema_op& op, const engine::table_description* before,
                                             bool dry_run) {
  using kind = engine::schema_op_kind;
  engine::table_description t = recorded_table(op, before);
  const engine::table_description was = t;
  auto& cols = t.columns;
  const std::string field = op.kind == kind::add_field ? op.fields.at(0).name : op.name;
  auto named = std::find_if(cols.begin(), cols.end(), [&](const engine::field_def& f) { return f.name == field; });
  if (op.kind != kind::add_field && std::find(t.primary_key.begin(), t.primary_key.end(), field) != t.primary_key.end())
    refuse(op, fmt::format("changing key field \"{}\"", field));
  if (op.kind == kind::add_field) {
    if (named != cols.end())
      throw error(error_category::schema, fmt::format("field \"{}.{}\" exists already", op.table, field),
                  error_details{"mongodb"});
    cols.push_back(op.fields.at(0));
  } else {
    if (named == cols.end())
      throw error(error_category::schema, fmt::format("unknown field \"{}.{}\"", op.table, field), error_details{"mongodb"});
    if (op.kind == kind::rename_field && std::any_of(cols.begin(), cols.end(), [&](const auto& f) { return f.name == op.new_name; }))
      throw error(error_category::schema, fmt::format("field \"{}.{}\" exists already", op.table, op.new_name),
                  error_details{"mongodb"});
    if (op.kind == kind::drop_field) cols.erase(named);
    else named->name = op.new_name;
  }
  // An index on the field, or whose where names it: dropped with it, as PostgreSQL drops
  // it; made again on the new name after a rename (MongoDB's index would stay keyed on,
  // and filtered by, the old one).
  std::vector<bson_ptr> before_update, after_update;
  if (op.kind != kind::add_field)
    for (auto i = t.indexes.begin(); i != t.indexes.end();) {
      auto k = std::find(i->fields.begin(), i->fields.end(), field);
      const bool filtered = filter_names(i->where, field);
      if (k == i->fields.end() && !filtered) {
        ++i;
        continue;
      }
      before_update.push_back(drop_index(op.table, i->name));
      if (op.kind == kind::drop_field) {
        i = t.indexes.erase(i);
        continue;
      }
      if (k != i->fields.end()) *k = op.new_name;
      if (filtered) i->where = filter_renamed(i->where, field, op.new_name);
      after_update.push_back(create_indexes(op, t, {*i}));
      ++i;
    }
  unique_field_changes(op, was, t, before_update, after_update);  // a unique field's own index
  // {update: table, updates: [{q: {field: {$exists: …}}, u: {…}, multi: true}]}
  bson_ptr cmd = command_of("update", op.table);
  bson_t updates, one, q, exists, u, change;
  bson_append_array_begin(cmd.get(), "updates", -1, &updates);
  bson_append_document_begin(&updates, "0", -1, &one);
  bson_append_document_begin(&one, "q", -1, &q);
  bson_append_document_begin(&q, field.c_str(), -1, &exists);
  BSON_APPEND_BOOL(&exists, "$exists", op.kind != kind::add_field);
  bson_append_document_end(&q, &exists);
  bson_append_document_end(&one, &q);
  bson_append_document_begin(&one, "u", -1, &u);
  const auto& def = op.kind == kind::add_field ? op.fields.at(0).default_value : std::optional<value>{};
  const bool backfill = op.kind != kind::add_field || (def && !def->is_null());
  if (op.kind == kind::add_field && backfill) {
    bson_append_document_begin(&u, "$set", -1, &change);
    append_value(&change, field, *def, field);
  } else if (op.kind == kind::drop_field) {
    bson_append_document_begin(&u, "$unset", -1, &change);
    BSON_APPEND_UTF8(&change, field.c_str(), "");
  } else if (op.kind == kind::rename_field) {
    bson_append_document_begin(&u, "$rename", -1, &change);
    BSON_APPEND_UTF8(&change, field.c_str(), op.new_name.c_str());
  }
  if (backfill) bson_append_document_end(&u, &change);
  bson_append_document_end(&one, &u);
  BSON_APPEND_BOOL(&one, "multi", true);
  bson_append_document_end(&updates, &one);
  bson_append_array_end(cmd.get(), &updates);
  engine::schema_step step;
  step.description.push_back(fmt::format("{} {{\"table\": \"{}\"}}: definition {}", schema_collection, op.table,
                                         recorded_definition(t).to_json()));
  for (const auto& c : before_update) step.description.push_back(canonical_json(*c));
  if (backfill) step.description.push_back(canonical_json(*cmd));
  for (const auto& c : after_update) step.description.push_back(canonical_json(*c));
  if (dry_run) return step;
  for (const auto& c : before_update) command(*c, op.table);
  if (backfill) command(*cmd, op.table);
  for (const auto& c : after_update) command(*c, op.table);
  save_definition(t);
  keep_validator(t);
  return step;
}

// A field's new definition, recorded: documents keep their values, which reads decode by
// the new type (as DynamoDB's items are). A field made required is checked first, as a
// SQL database checks SET NOT NULL: a document without a value refuses the change.
engine::schema_step connection::modify_field(const engine::schema_op& op, const engine::table_description* before,
                                             bool dry_run) {
  engine::table_description t = recorded_table(op, before);
  const engine::field_def& now = op.fields.at(0);
  auto named = std::find_if(t.columns.begin(), t.columns.end(), [&](const auto& f) { return f.name == now.name; });
  if (named == t.columns.end())
    throw error(error_category::schema, fmt::format("unknown field \"{}.{}\"", op.table, now.name), error_details{"mongodb"});
  if (std::find(t.primary_key.begin(), t.primary_key.end(), now.name) != t.primary_key.end() && named->type != now.type)
    refuse(op, fmt::format("changing the type of key field \"{}\"", now.name));
  const bool was_required = !named->nullable;
  const engine::table_description was = t;
  *named = now;
  named->primary_key = std::find(t.primary_key.begin(), t.primary_key.end(), now.name) != t.primary_key.end();
  engine::schema_step step;
  step.description.push_back(fmt::format("{} {{\"table\": \"{}\"}}: definition {}", schema_collection, op.table,
                                         recorded_definition(t).to_json()));
  // {find: table, filter: {field: null}, limit: 1}: a document with no value for it.
  bson_ptr missing = command_of("find", op.table);
  bson_t filter;
  BSON_APPEND_DOCUMENT_BEGIN(missing.get(), "filter", &filter);
  bson_append_null(&filter, now.name.c_str(), -1);
  bson_append_document_end(missing.get(), &filter);
  BSON_APPEND_INT32(missing.get(), "limit", 1);
  const bool check = !now.nullable && !was_required;
  if (check) step.description.push_back(canonical_json(*missing));
  std::vector<bson_ptr> drops, creates;  // made unique, or no longer
  unique_field_changes(op, was, t, drops, creates);
  for (const auto& c : drops) step.description.push_back(canonical_json(*c));
  for (const auto& c : creates) step.description.push_back(canonical_json(*c));
  if (dry_run) return step;
  if (check) {
    bson_ptr reply = command(*missing, op.table);
    bson_t cursor;
    bson_iter_t it, first;
    if (sub_document(*reply, "cursor", &cursor) && bson_iter_init_find(&it, &cursor, "firstBatch") &&
        bson_iter_recurse(&it, &first) && bson_iter_next(&first))
      throw error(error_category::not_null_violation,
                  fmt::format("\"{}.{}\" cannot become required: a document has no value for it", op.table, now.name),
                  error_details{.engine = "mongodb", .statement = canonical_json(*missing)});
  }
  for (const auto& c : drops) command(*c, op.table);
  for (const auto& c : creates) command(*c, op.table);
  save_definition(t);
  keep_validator(t);
  return step;
}


}  // namespace tether::detail::mongodb
