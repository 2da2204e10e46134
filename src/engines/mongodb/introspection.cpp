// A collection tether did not make, described from what MongoDB keeps of it: the fields
// of its validator's $jsonSchema (listCollections' options) and its indexes (listIndexes),
// so that `describe` and the schema file's `pull` show a database made elsewhere.
//
// The validator's bsonType maps back as docs/engines/mongodb.md's type table maps forth:
// string (with an enum: enum), int → integer, long → bigint, double and number → double,
// decimal, bool → boolean, date → timestamp, binData → binary, object and array → json;
// a field is required where the schema's `required` lists it and its bsonType does not
// also allow null. Indexes: each ascending or descending one but _id's, with unique,
// sparse, expireAfterSeconds, and a partialFilterExpression as the index's native
// condition (its canonical Extended JSON); text, hashed and geospatial indexes tether
// cannot express are left out.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "commands.hpp"
#include "connection.hpp"
#include "tether/error.hpp"
#include "types.hpp"

namespace tether::detail::mongodb {
namespace {

std::optional<field_type> type_of(std::string_view bson_type) {
  if (bson_type == "string") return field_type::string;
  if (bson_type == "int") return field_type::integer;
  if (bson_type == "long") return field_type::bigint;
  if (bson_type == "double" || bson_type == "number") return field_type::double_;
  if (bson_type == "decimal") return field_type::decimal;
  if (bson_type == "bool") return field_type::boolean;
  if (bson_type == "date") return field_type::timestamp;
  if (bson_type == "binData") return field_type::binary;
  if (bson_type == "object" || bson_type == "array") return field_type::json;
  return std::nullopt;
}

// The field `name` of a $jsonSchema `properties` member.
engine::field_def field_of(const std::string& name, bson_iter_t& spec, bool listed_required) {
  engine::field_def f{.name = name, .type = field_type::json};
  bool allows_null = false;
  bson_iter_t member;
  if (!bson_iter_recurse(&spec, &member)) return f;
  while (bson_iter_next(&member)) {
    const std::string_view key = bson_iter_key(&member);
    if (key == "bsonType" || key == "type") {
      std::vector<std::string> kinds;
      if (BSON_ITER_HOLDS_UTF8(&member)) {
        kinds.emplace_back(bson_iter_utf8(&member, nullptr));
      } else if (BSON_ITER_HOLDS_ARRAY(&member)) {
        bson_iter_t each;
        if (bson_iter_recurse(&member, &each))
          while (bson_iter_next(&each))
            if (BSON_ITER_HOLDS_UTF8(&each)) kinds.emplace_back(bson_iter_utf8(&each, nullptr));
      }
      for (const auto& k : kinds) {
        if (k == "null") allows_null = true;
        else if (auto t = type_of(k); t && f.type == field_type::json) f.type = *t;
      }
    } else if (key == "enum" && BSON_ITER_HOLDS_ARRAY(&member)) {
      bson_iter_t each;
      if (bson_iter_recurse(&member, &each))
        while (bson_iter_next(&each))
          if (BSON_ITER_HOLDS_UTF8(&each)) f.enum_values.emplace_back(bson_iter_utf8(&each, nullptr));
    } else if (key == "description" && BSON_ITER_HOLDS_UTF8(&member)) {
      f.comment = bson_iter_utf8(&member, nullptr);
    }
  }
  if (!f.enum_values.empty() && f.type == field_type::string) f.type = field_type::enum_;
  f.nullable = !listed_required || allows_null;
  return f;
}

// The fields of a validator {$jsonSchema: {required: […], properties: {…}}}.
void read_validator(const bson_t& options, engine::table_description& t) {
  bson_iter_t top, schema;
  if (!bson_iter_init(&top, &options) || !bson_iter_find_descendant(&top, "validator.$jsonSchema", &schema) ||
      !BSON_ITER_HOLDS_DOCUMENT(&schema))
    return;
  std::vector<std::string> required;
  bson_iter_t part, list;
  if (bson_iter_recurse(&schema, &part) && bson_iter_find(&part, "required") && BSON_ITER_HOLDS_ARRAY(&part) &&
      bson_iter_recurse(&part, &list))
    while (bson_iter_next(&list))
      if (BSON_ITER_HOLDS_UTF8(&list)) required.emplace_back(bson_iter_utf8(&list, nullptr));
  bson_iter_t props, field;
  if (bson_iter_recurse(&schema, &props) && bson_iter_find(&props, "properties") && BSON_ITER_HOLDS_DOCUMENT(&props) &&
      bson_iter_recurse(&props, &field))
    while (bson_iter_next(&field)) {
      const std::string name = bson_iter_key(&field);
      if (name == "_id") continue;  // the document's own id, on every collection
      t.columns.push_back(
          field_of(name, field, std::find(required.begin(), required.end(), name) != required.end()));
    }
}

// An index of listIndexes' reply, when tether can express it.
std::optional<engine::index_def> index_of(const bson_t& spec) {
  engine::index_def i;
  bson_iter_t it;
  if (!bson_iter_init(&it, &spec)) return std::nullopt;
  while (bson_iter_next(&it)) {
    const std::string_view key = bson_iter_key(&it);
    if (key == "name" && BSON_ITER_HOLDS_UTF8(&it)) i.name = bson_iter_utf8(&it, nullptr);
    else if (key == "unique") i.unique = bson_iter_as_bool(&it);
    else if (key == "sparse") i.sparse = bson_iter_as_bool(&it);
    else if (key == "expireAfterSeconds" && (BSON_ITER_HOLDS_INT(&it) || BSON_ITER_HOLDS_DOUBLE(&it)))
      i.expire_after_seconds = bson_iter_as_int64(&it);
    else if (key == "partialFilterExpression" && BSON_ITER_HOLDS_DOCUMENT(&it)) {
      std::uint32_t n = 0;
      const std::uint8_t* data = nullptr;
      bson_iter_document(&it, &n, &data);
      bson_t filter;
      if (bson_init_static(&filter, data, n)) i.native_where = canonical_json(filter);
    } else if (key == "key" && BSON_ITER_HOLDS_DOCUMENT(&it)) {
      bson_iter_t field;
      if (!bson_iter_recurse(&it, &field)) return std::nullopt;
      while (bson_iter_next(&field)) {
        const bool numeric = BSON_ITER_HOLDS_INT(&field) || BSON_ITER_HOLDS_DOUBLE(&field);
        if (!numeric || std::abs(bson_iter_as_double(&field)) != 1.0) return std::nullopt;  // text, hashed, 2dsphere
        i.fields.emplace_back(bson_iter_key(&field));
      }
    }
  }
  if (i.name.empty() || i.name == "_id_" || i.fields.empty()) return std::nullopt;
  return i;
}

}  // namespace

std::optional<engine::table_description> connection::describe_outside(const std::string& name) {
  const bson_ptr listed = listed_collection(name);  // with its options (the validator)
  if (!listed.get()) return std::nullopt;
  engine::table_description t;
  t.name = name;
  bson_t options;
  if (sub_document(*listed, "options", &options)) read_validator(options, t);
  std::vector<bson_ptr> batch;
  bson_ptr list = command_of("listIndexes", name);
  batches indexes(*this, name, command(*list, name));
  while (indexes.next(batch))
    for (const auto& spec : batch)
      if (auto i = index_of(*spec)) t.indexes.push_back(std::move(*i));
  return t;
}

}  // namespace tether::detail::mongodb
