// Private: the pieces of MongoDB command documents the engine's files share (the command
// header, a one-document delete, the index models, a reply's sub-documents) and the
// refusal of what the engine does not do.
#pragma once

#include <bson/bson.h>

#include <string>
#include <string_view>
#include <vector>

#include "connection.hpp"
#include "tether/engine/schema.hpp"

namespace tether::detail::mongodb {

// Throws tether::error (unsupported) naming `what` and the op's table.
[[noreturn]] void refuse(const engine::schema_op& op, std::string_view what);

// {<verb>: collection}, the start of a command document.
bson_ptr command_of(const char* verb, const std::string& collection);

// {delete: collection, deletes: [{q: <fill(q)>, limit: 1}]}.
template <class FillQuery>
bson_ptr delete_one(const char* collection, FillQuery&& fill) {
  bson_ptr cmd = command_of("delete", collection);
  bson_t deletes, one, q;
  bson_append_array_begin(cmd.get(), "deletes", -1, &deletes);
  bson_append_document_begin(&deletes, "0", -1, &one);
  bson_append_document_begin(&one, "q", -1, &q);
  fill(&q);
  bson_append_document_end(&one, &q);
  BSON_APPEND_INT32(&one, "limit", 1);
  bson_append_document_end(&deletes, &one);
  bson_append_array_end(cmd.get(), &deletes);
  return cmd;
}

// {delete: collection, deletes: [{q: {_id: {$in: ids}}, limit: 0}]}; `ids`: a BSON array.
bson_ptr delete_by_ids(const std::string& collection, const bson_t& ids);

// {createIndexes: collection, indexes: [{key: {field: 1, …}, name, unique, sparse,
// expireAfterSeconds, partialFilterExpression}]}: each index ascending on its fields, in
// order; a where as filter.hpp's append_index_filter makes it, by `t`'s fields.
bson_ptr create_indexes(const engine::schema_op& op, const engine::table_description& t,
                        const std::vector<engine::index_def>& indexes);

// The unique index each unique field other than the key has: "<table>_<field>_key"
// (PostgreSQL's name for the same constraint).
std::vector<engine::index_def> unique_field_indexes(const engine::table_description& t);

// The dropIndexes and createIndexes that take `before`'s unique fields to `after`'s.
void unique_field_changes(const engine::schema_op& op, const engine::table_description& before,
                          const engine::table_description& after, std::vector<bson_ptr>& drops,
                          std::vector<bson_ptr>& creates);

// {listCollections: 1, filter: {name: collection}}, with nameOnly when `name_only`.
bson_ptr list_collection(const std::string& collection, bool name_only);

// The validator tether makes of `t`'s fields (create's validator: true):
// {$jsonSchema: {bsonType: "object", title: "tether", required: [the required fields],
//  properties: {field: {bsonType: [the BSON types tether writes for its type], enum}}}};
// json fields take any value, and fields not listed are allowed, as on every table.
bson_ptr validator_of(const engine::table_description& t);
// Whether a collection's listCollections options hold a validator tether made.
bool has_tether_validator(const bson_t& options);

// {dropIndexes: collection, index: name}.
bson_ptr drop_index(const std::string& collection, const std::string& name);

// The document of `reply`'s `key` member, read in place into `out`; false when absent.
bool sub_document(const bson_t& reply, const char* key, bson_t* out);

}  // namespace tether::detail::mongodb
