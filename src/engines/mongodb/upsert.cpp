// upsert on MongoDB: one update with upsert: true, so that the lookup and the write are
// one atomic step on the server (two clients upserting one key make one document, on
// CongoDB too, which enforces no unique index). The record is completed first as an
// insert completes it (ids, defaults, required fields: recorded_writes.hpp); then
//   {q: {the conflict keys' values}, u: {$set: the fields to overwrite, $unset: those of
//    them that are null, $setOnInsert: _id and every other field}, upsert: true}
// and the reply's `upserted` tells inserted from updated. The document as stored is read
// back by its keys for the result (returning "*") and inserted_ids. A record with a null
// key never conflicts, as in SQL: it is inserted (connection::insert).
#include <fmt/format.h>

#include <algorithm>

#include "connection.hpp"
#include "core/query/recorded_writes.hpp"
#include "documents.hpp"
#include "tether/error.hpp"
#include "types.hpp"

namespace tether::detail::mongodb {

void connection::upsert(const engine::plan& p, const table_info& t, engine::execution& out) {
  check_conflict_target(p, t.table);
  for (const auto& k : p.conflict_columns) {
    const value* v = p.row_count > 0 ? cell(p.rows[0].as_object(), k) : nullptr;
    if (!v || v->is_null()) return insert(p, t, out);  // a null never conflicts
  }
  std::vector<object> rows =
      complete_records(p, t.table, [&](std::int64_t n) { return next_ids(p.table, n); }, "mongodb", 1);
  object& row = rows.at(0);
  for (auto& [name, v] : row) v = as_declared(v, engine::find_named(t.table.columns, name), name, "mongodb");

  bson_ptr q(bson_new());
  bson_t set = BSON_INITIALIZER, unset = BSON_INITIALIZER, on_insert = BSON_INITIALIZER;
  auto is_key = [&](const std::string& c) {
    return std::find(p.conflict_columns.begin(), p.conflict_columns.end(), c) != p.conflict_columns.end();
  };
  auto overwritten = [&](const std::string& c) {
    return std::find(p.conflict_update.begin(), p.conflict_update.end(), c) != p.conflict_update.end();
  };
  for (const auto& k : p.conflict_columns) append_value(q.get(), k, *cell(row, k), k);
  for (const auto& c : p.conflict_update) {
    if (is_key(c)) continue;
    const value* v = cell(row, c);
    if (v && !v->is_null()) append_value(&set, c, *v, c);
    else BSON_APPEND_UTF8(&unset, c.c_str(), "");
  }
  bson_oid_t oid;
  bson_oid_init(&oid, nullptr);  // made here, as MongoDB's drivers make one (CongoDB needs one)
  BSON_APPEND_OID(&on_insert, "_id", &oid);
  for (const auto& [name, v] : row)
    if (!is_key(name) && !overwritten(name) && !v.is_null()) append_value(&on_insert, name, v, name);

  bson_ptr cmd(bson_new());
  bson_t list, one, u;
  BSON_APPEND_UTF8(cmd.get(), "update", p.table.c_str());
  bson_append_array_begin(cmd.get(), "updates", -1, &list);
  bson_append_document_begin(&list, "0", -1, &one);
  BSON_APPEND_DOCUMENT(&one, "q", q.get());
  bson_append_document_begin(&one, "u", -1, &u);
  if (!bson_empty(&set)) BSON_APPEND_DOCUMENT(&u, "$set", &set);
  if (!bson_empty(&unset)) BSON_APPEND_DOCUMENT(&u, "$unset", &unset);
  BSON_APPEND_DOCUMENT(&u, "$setOnInsert", &on_insert);
  bson_append_document_end(&one, &u);
  BSON_APPEND_BOOL(&one, "upsert", true);
  bson_append_document_end(&list, &one);
  bson_append_array_end(cmd.get(), &list);
  bson_destroy(&set);
  bson_destroy(&unset);
  bson_destroy(&on_insert);
  const bson_ptr reply = command(*cmd, p.table);
  bson_iter_t it;
  out.operation = bson_iter_init_find(&it, reply.get(), "upserted") ? upsert_operation::inserted
                                                                    : upsert_operation::updated;
  out.affected = 1;
  // The document as it now is, found by its keys.
  std::vector<bson_ptr> now = read_documents(p.table, *q);
  if (now.size() > 1) now.resize(1);  // a server that enforces no unique index may hold more
  static const std::vector<std::string> all{"*"};
  out.rows = to_records(now, t, p.returning.empty() ? &all : &p.returning);
  if (p.want_ids && !now.empty()) {
    const std::string key = t.table.primary_key.size() == 1 ? t.table.primary_key[0] : "_id";
    bson_iter_t id;
    if (bson_iter_init_find(&id, now[0].get(), key.c_str()))
      out.inserted_ids.push_back(read_value(id, engine::find_named(t.table.columns, key), key));
  }
}

}  // namespace tether::detail::mongodb
