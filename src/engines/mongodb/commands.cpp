// Shared pieces of MongoDB command documents (commands.hpp).
#include "commands.hpp"

#include <fmt/format.h>

#include "filter.hpp"
#include "tether/error.hpp"

namespace tether::detail::mongodb {

void refuse(const engine::schema_op& op, std::string_view what) {
  throw error(error_category::unsupported,
              fmt::format("{} on \"{}\" is not supported by the mongodb engine", what, op.table),
              error_details{"mongodb"});
}

bson_ptr command_of(const char* verb, const std::string& collection) {
  bson_ptr cmd(bson_new());
  BSON_APPEND_UTF8(cmd.get(), verb, collection.c_str());
  return cmd;
}

bson_ptr delete_by_ids(const std::string& collection, const bson_t& ids) {
  bson_ptr cmd = command_of("delete", collection);
  bson_t deletes, one, q, in;
  bson_append_array_begin(cmd.get(), "deletes", -1, &deletes);
  bson_append_document_begin(&deletes, "0", -1, &one);
  bson_append_document_begin(&one, "q", -1, &q);
  bson_append_document_begin(&q, "_id", -1, &in);
  bson_append_array(&in, "$in", -1, &ids);
  bson_append_document_end(&q, &in);
  bson_append_document_end(&one, &q);
  BSON_APPEND_INT32(&one, "limit", 0);
  bson_append_document_end(&deletes, &one);
  bson_append_array_end(cmd.get(), &deletes);
  return cmd;
}

bson_ptr create_indexes(const engine::schema_op& op, const engine::table_description& t,
                        const std::vector<engine::index_def>& indexes) {
  bson_ptr cmd = command_of("createIndexes", op.table);
  bson_t list;
  bson_append_array_begin(cmd.get(), "indexes", -1, &list);
  for (std::size_t n = 0; n < indexes.size(); ++n) {
    const auto& i = indexes[n];
    bson_t one, keys;
    bson_append_document_begin(&list, std::to_string(n).c_str(), -1, &one);
    bson_append_document_begin(&one, "key", -1, &keys);
    for (const auto& k : i.fields) BSON_APPEND_INT32(&keys, k.c_str(), 1);
    bson_append_document_end(&one, &keys);
    BSON_APPEND_UTF8(&one, "name", i.name.c_str());
    if (i.unique) BSON_APPEND_BOOL(&one, "unique", true);
    if (i.sparse) BSON_APPEND_BOOL(&one, "sparse", true);
    if (i.expire_after_seconds) BSON_APPEND_INT64(&one, "expireAfterSeconds", *i.expire_after_seconds);
    if (!i.where.is_null() || !i.native_where.empty()) {
      bson_t partial;
      bson_append_document_begin(&one, "partialFilterExpression", -1, &partial);
      append_index_filter(i, t, &partial);
      bson_append_document_end(&one, &partial);
    }
    bson_append_document_end(&list, &one);
  }
  bson_append_array_end(cmd.get(), &list);
  return cmd;
}

std::vector<engine::index_def> unique_field_indexes(const engine::table_description& t) {
  std::vector<engine::index_def> out;
  for (const auto& f : t.columns)
    if (f.unique && !f.primary_key) out.push_back({.name = t.name + "_" + f.name + "_key", .fields = {f.name}, .unique = true});
  return out;
}

void unique_field_changes(const engine::schema_op& op, const engine::table_description& before,
                          const engine::table_description& after, std::vector<bson_ptr>& drops,
                          std::vector<bson_ptr>& creates) {
  const auto was = unique_field_indexes(before), is = unique_field_indexes(after);
  for (const auto& i : was)
    if (!engine::find_named(is, i.name)) drops.push_back(drop_index(before.name, i.name));
  for (const auto& i : is)
    if (!engine::find_named(was, i.name)) creates.push_back(create_indexes(op, after, {i}));
}

bson_ptr drop_index(const std::string& collection, const std::string& name) {
  bson_ptr cmd = command_of("dropIndexes", collection);
  BSON_APPEND_UTF8(cmd.get(), "index", name.c_str());
  return cmd;
}

bool sub_document(const bson_t& reply, const char* key, bson_t* out) {
  bson_iter_t it;
  if (!bson_iter_init_find(&it, &reply, key) || !BSON_ITER_HOLDS_DOCUMENT(&it)) return false;
  std::uint32_t n = 0;
  const std::uint8_t* data = nullptr;
  bson_iter_document(&it, &n, &data);
  return bson_init_static(out, data, n);
}

bson_ptr list_collection(const std::string& collection, bool name_only) {
  bson_ptr cmd(bson_new());
  BSON_APPEND_INT32(cmd.get(), "listCollections", 1);
  bson_t filter;
  BSON_APPEND_DOCUMENT_BEGIN(cmd.get(), "filter", &filter);
  BSON_APPEND_UTF8(&filter, "name", collection.c_str());
  bson_append_document_end(cmd.get(), &filter);
  if (name_only) BSON_APPEND_BOOL(cmd.get(), "nameOnly", true);
  return cmd;
}

namespace {

// The BSON types tether writes for a field of type `t` (types.cpp), null for any.
std::vector<const char*> bson_types(field_type t) {
  switch (t) {
    case field_type::integer:
    case field_type::bigint:
    case field_type::smallint: return {"int", "long"};
    case field_type::float_:
    case field_type::double_: return {"double", "int", "long"};  // a whole number is written as one
    case field_type::decimal: return {"decimal", "int", "long", "double"};
    case field_type::string:
    case field_type::text:
    case field_type::enum_:
    case field_type::time: return {"string"};
    case field_type::boolean: return {"bool"};
    case field_type::date:
    case field_type::datetime:
    case field_type::timestamp: return {"date"};
    case field_type::uuid:
    case field_type::binary:
    case field_type::blob: return {"binData"};
    case field_type::array: return {"array"};
    case field_type::json: return {};
  }
  return {};
}

}  // namespace

bson_ptr validator_of(const engine::table_description& t) {
  bson_ptr out(bson_new());
  bson_t schema, required, properties;
  BSON_APPEND_DOCUMENT_BEGIN(out.get(), "$jsonSchema", &schema);
  BSON_APPEND_UTF8(&schema, "bsonType", "object");
  BSON_APPEND_UTF8(&schema, "title", "tether");
  BSON_APPEND_ARRAY_BEGIN(&schema, "required", &required);
  std::size_t n = 0;
  for (const auto& f : t.columns)
    if (!f.nullable || f.primary_key) {
      const std::string at = std::to_string(n++);
      BSON_APPEND_UTF8(&required, at.c_str(), f.name.c_str());
    }
  bson_append_array_end(&schema, &required);
  BSON_APPEND_DOCUMENT_BEGIN(&schema, "properties", &properties);
  for (const auto& f : t.columns) {
    bson_t field, kinds, values;
    BSON_APPEND_DOCUMENT_BEGIN(&properties, f.name.c_str(), &field);
    const auto types = bson_types(f.type);
    if (!types.empty()) {
      BSON_APPEND_ARRAY_BEGIN(&field, "bsonType", &kinds);
      for (std::size_t k = 0; k < types.size(); ++k) BSON_APPEND_UTF8(&kinds, std::to_string(k).c_str(), types[k]);
      bson_append_array_end(&field, &kinds);
    }
    if (f.type == field_type::enum_ && !f.enum_values.empty()) {
      BSON_APPEND_ARRAY_BEGIN(&field, "enum", &values);
      for (std::size_t k = 0; k < f.enum_values.size(); ++k)
        BSON_APPEND_UTF8(&values, std::to_string(k).c_str(), f.enum_values[k].c_str());
      bson_append_array_end(&field, &values);
    }
    bson_append_document_end(&properties, &field);
  }
  bson_append_document_end(&schema, &properties);
  bson_append_document_end(out.get(), &schema);
  return out;
}

bool has_tether_validator(const bson_t& options) {
  bson_iter_t top, title;
  return bson_iter_init(&top, &options) && bson_iter_find_descendant(&top, "validator.$jsonSchema.title", &title) &&
         BSON_ITER_HOLDS_UTF8(&title) && std::string_view(bson_iter_utf8(&title, nullptr)) == "tether";
}

}  // namespace tether::detail::mongodb
