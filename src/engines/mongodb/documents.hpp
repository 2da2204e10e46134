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

// An update command of one statement per document, by _id: {$set: what the change holds,
// $unset: what it makes null}.
class by_id_updates {
 public:
  explicit by_id_updates(const std::string& table) : table_(table) {}
  void add(const bson_t& doc, const object& set, const std::vector<std::string>& unset) {
    if (!cmd_.get()) {
      cmd_ = bson_ptr(bson_new());
      BSON_APPEND_UTF8(cmd_.get(), "update", table_.c_str());
      bson_append_array_begin(cmd_.get(), "updates", -1, &list_);
    }
    bson_t one, q, u, part;
    bson_append_document_begin(&list_, std::to_string(n_++).c_str(), -1, &one);
    bson_append_document_begin(&one, "q", -1, &q);
    bson_iter_t id;
    if (bson_iter_init_find(&id, &doc, "_id")) bson_append_iter(&q, "_id", -1, &id);
    bson_append_document_end(&one, &q);
    bson_append_document_begin(&one, "u", -1, &u);
    if (!set.empty()) {
      bson_append_document_begin(&u, "$set", -1, &part);
      for (const auto& [name, v] : set) append_value(&part, name, v, name);
      bson_append_document_end(&u, &part);
    }
    if (!unset.empty()) {
      bson_append_document_begin(&u, "$unset", -1, &part);
      for (const auto& name : unset) BSON_APPEND_UTF8(&part, name.c_str(), "");
      bson_append_document_end(&u, &part);
    }
    bson_append_document_end(&one, &u);
    bson_append_document_end(&list_, &one);
  }
  std::size_t size() const noexcept { return n_; }
  // The command, ordered, ready to send (and this emptied); null when nothing was added.
  bson_ptr take() {
    if (!cmd_.get()) return {};
    bson_append_array_end(cmd_.get(), &list_);
    BSON_APPEND_BOOL(cmd_.get(), "ordered", true);
    n_ = 0;
    return std::move(cmd_);
  }

 private:
  const std::string& table_;
  bson_ptr cmd_;
  bson_t list_;
  std::size_t n_ = 0;
};

// Throws tether::error (usage) unless `p`'s conflict columns are `t`'s key, a unique
// field, or the fields of a unique index or constraint, as SQL's ON CONFLICT requires.
void check_conflict_target(const engine::plan& p, const engine::table_description& t);

}  // namespace tether::detail::mongodb
