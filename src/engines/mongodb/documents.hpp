// Records as documents and back, for the writes (writes.cpp, upsert.cpp): small helpers
// over tether::object rows.
#pragma once

#include <string>
#include <string_view>

#include "connection.hpp"
#include "tether/engine/plan.hpp"
#include "tether/records.hpp"
#include "types.hpp"

namespace tether::detail::mongodb {

// The value of `name` in `row`, or null when the row has none.
inline const value* cell(const object& row, std::string_view name) {
  for (const auto& [k, v] : row)
    if (k == name) return &v;
  return nullptr;
}

// `row`'s `name` set to `v`, added when it has none.
inline void put(object& row, const std::string& name, value v) {
  for (auto& [k, old] : row)
    if (k == name) {
      old = std::move(v);
      return;
    }
  row.emplace_back(name, std::move(v));
}

// A record as a document; `id`: the ObjectId to give it as _id, or null for none.
inline bson_ptr document_of(const object& row, const bson_oid_t* id) {
  bson_ptr doc(bson_new());
  if (id) BSON_APPEND_OID(doc.get(), "_id", id);
  for (const auto& [name, v] : row) append_value(doc.get(), name, v, name);
  return doc;
}

// Row i of `rows` as an object of its non-null cells.
inline object object_of(const records& rows, std::size_t i) {
  object out;
  for (std::size_t c = 0; c < rows.column_count(); ++c) {
    value v = rows.get(i, c);
    if (!v.is_null()) out.emplace_back(std::string(rows.column_name(c)), std::move(v));
  }
  return out;
}

// Throws tether::error (usage) unless `p`'s conflict columns are `t`'s key, a unique
// field, or the fields of a unique index or constraint, as SQL's ON CONFLICT requires.
void check_conflict_target(const engine::plan& p, const engine::table_description& t);

}  // namespace tether::detail::mongodb
