// Shared pieces of MongoDB command documents (commands.hpp).
#include "commands.hpp"

#include <fmt/format.h>

#include "tether/error.hpp"

namespace tether::detail::mongodb {

void refuse(const engine::schema_op& op, std::string_view what) {
  throw error(error_category::unsupported,
              fmt::format("{} on \"{}\" is not supported by the mongodb engine yet (issue 21)", what, op.table),
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

bson_ptr create_indexes(const engine::schema_op& op, const std::vector<engine::index_def>& indexes) {
  bson_ptr cmd = command_of("createIndexes", op.table);
  bson_t list;
  bson_append_array_begin(cmd.get(), "indexes", -1, &list);
  for (std::size_t n = 0; n < indexes.size(); ++n) {
    const auto& i = indexes[n];
    if (!i.where.is_null() || !i.native_where.empty())
      refuse(op, fmt::format("partial index \"{}\" (MongoDB's partialFilterExpression cannot hold every filter)", i.name));
    bson_t one, keys;
    bson_append_document_begin(&list, std::to_string(n).c_str(), -1, &one);
    bson_append_document_begin(&one, "key", -1, &keys);
    for (const auto& k : i.fields) BSON_APPEND_INT32(&keys, k.c_str(), 1);
    bson_append_document_end(&one, &keys);
    BSON_APPEND_UTF8(&one, "name", i.name.c_str());
    if (i.unique) BSON_APPEND_BOOL(&one, "unique", true);
    if (i.sparse) BSON_APPEND_BOOL(&one, "sparse", true);
    if (i.expire_after_seconds) BSON_APPEND_INT64(&one, "expireAfterSeconds", *i.expire_after_seconds);
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
    if (!engine::find_named(was, i.name)) creates.push_back(create_indexes(op, {i}));
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

}  // namespace tether::detail::mongodb
