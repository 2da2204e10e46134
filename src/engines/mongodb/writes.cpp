// Writes on MongoDB: insert (with on_conflict; an upsert whose key is null) and remove,
// each computed as the SQL engines' databases compute it (recorded_writes.hpp) and sent
// as insert, update and delete commands; returning gives the documents as written, read
// back as a find reads them. Updates are updates.cpp's, an upsert with its key upsert.cpp's.
//
// A conflict is looked up before the write: the documents holding the records' values of
// the conflict columns (the key or a unique index's fields) are read, and each record is
// inserted, skipped or written over accordingly, in the order given (a later record with
// the same key meets the earlier one as a conflict, as SQLite's ON CONFLICT does). Not
// atomic against another writer between the read and the write: on a mongod the unique
// index then refuses the second insert (a unique_violation); CongoDB enforces none.
// returning and inserted_ids list the inserted documents first, then those written over.
#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "commands.hpp"
#include "connection.hpp"
#include "documents.hpp"
#include "core/query/recorded_writes.hpp"
#include "filter.hpp"
#include "tether/engine/evaluate.hpp"
#include "tether/error.hpp"
#include "types.hpp"

namespace tether::detail::mongodb {
namespace {



// The JSON text of a row's values of `columns`: equal keys, equal texts (the values are
// typed by their declared fields on both sides).
std::string key_text(const object& row, const std::vector<std::string>& columns) {
  array parts;
  for (const auto& c : columns) {
    const value* v = cell(row, c);
    parts.push_back(v ? *v : value());
  }
  return value(std::move(parts)).to_json();
}





}  // namespace

// The conflict columns are the key or the fields of a unique index, as a SQL database
// requires of ON CONFLICT's target.
void check_conflict_target(const engine::plan& p, const engine::table_description& t) {
  auto same = [&](std::vector<std::string> a) {
    std::vector<std::string> b = p.conflict_columns;
    std::sort(a.begin(), a.end());
    std::sort(b.begin(), b.end());
    return a == b;
  };
  if (same(t.primary_key)) return;
  for (const auto& f : t.columns)
    if (f.unique && same({f.name})) return;
  for (const auto& c : t.constraints)
    if (c.type == engine::constraint_type::unique && same(c.columns)) return;
  for (const auto& i : t.indexes)
    if (i.unique && same(i.fields)) return;
  throw error(error_category::usage,
              fmt::format("on_conflict names ({}) on \"{}\", which neither its key ({}) nor a unique index covers",
                          fmt::join(p.conflict_columns, ", "), p.table, fmt::join(t.primary_key, ", ")),
              error_details{"mongodb"});
}

connection::conflicts connection::conflicting(const engine::plan& p, const table_info& t,
                                             const std::vector<object>& rows) {
  // {first conflict column: {$in: the records' values}} where MongoDB compares them as
  // tether does (filter.hpp), else every document; matched on the client either way.
  const std::string& first = p.conflict_columns.at(0);
  std::vector<value> wanted;
  for (const auto& r : rows)
    if (const value* v = cell(r, first)) wanted.push_back(*v);
  bson_t filter = BSON_INITIALIZER;
  append_any_of(&filter, first, wanted, engine::find_named(t.table.columns, first));
  conflicts out;
  out.docs = read_documents(p.table, filter);
  bson_destroy(&filter);
  out.rows = to_records(out.docs, t);
  for (std::size_t i = 0; i < out.docs.size(); ++i) out.keys.push_back(key_text(object_of(out.rows, i), p.conflict_columns));
  return out;
}

void connection::insert(const engine::plan& p, const table_info& t, engine::execution& out) {
  const bool upserting = p.kind == engine::plan_kind::upsert;
  const bool on_conflict = p.has_conflict || upserting;
  const bool overwrite = upserting || p.on_conflict == conflict_action::update;
  // The key inserted_ids gives: a one-field primary key's value, else the document's _id.
  const std::string key = t.table.primary_key.size() == 1 ? t.table.primary_key[0] : std::string();
  // Completed as a SQL database completes a row (ids, defaults at MongoDB's milliseconds,
  // required fields, decimals to their scale), every record before anything is written.
  std::vector<object> rows =
      complete_records(p, t.table, [&](std::int64_t n) { return next_ids(p.table, n); }, "mongodb", 1000);
  for (auto& row : rows)
    for (auto& [name, v] : row) v = as_declared(v, engine::find_named(t.table.columns, name), name, "mongodb");
  if (on_conflict) check_conflict_target(p, t.table);

  std::vector<object> inserts;     // in order
  struct overwritten {
    const bson_t* doc;  // as stored
    object after;       // its fields once written over
  };
  std::vector<overwritten> overwrites;
  std::map<std::string, std::pair<bool, std::size_t>> seen;  // key → (inserted?, index)
  conflicts existing;
  if (on_conflict) {
    existing = conflicting(p, t, rows);
    for (std::size_t i = 0; i < existing.keys.size(); ++i) seen.emplace(existing.keys[i], std::pair{false, i});
  }
  std::map<std::size_t, std::size_t> overwrite_of;  // existing index → overwrites index
  for (auto& row : rows) {
    const bool keyed = std::all_of(p.conflict_columns.begin(), p.conflict_columns.end(), [&](const std::string& c) {
      const value* v = cell(row, c);
      return v && !v->is_null();
    });  // a null never conflicts, as in SQL
    if (on_conflict && keyed) {
      const std::string k = key_text(row, p.conflict_columns);
      if (auto hit = seen.find(k); hit != seen.end()) {
        if (!overwrite) continue;
        const auto [inserted, at] = hit->second;
        object* target = nullptr;
        if (inserted) {  // an earlier record of this call: written once, with the later values
          target = &inserts[at];
        } else if (auto o = overwrite_of.find(at); o != overwrite_of.end()) {
          target = &overwrites[o->second].after;
        } else {
          overwrite_of[at] = overwrites.size();
          overwrites.push_back({existing.docs[at].get(), object_of(existing.rows, at)});
          target = &overwrites.back().after;
        }
        for (const auto& c : p.conflict_update) {
          const value* v = cell(row, c);
          put(*target, c, v ? *v : value());
        }
        continue;
      }
      seen.emplace(k, std::pair{true, inserts.size()});
    }
    inserts.push_back(std::move(row));
  }

  // The inserts, in commands of at most insert_batch documents, ordered.
  std::vector<bson_ptr> docs;
  docs.reserve(inserts.size());
  for (const auto& row : inserts) {
    bson_oid_t oid;
    const value* given = cell(row, "_id");  // only a collection made elsewhere has _id as a field
    if (!given) bson_oid_init(&oid, nullptr);  // made here, as MongoDB's drivers make one (CongoDB needs one)
    docs.push_back(document_of(row, given ? nullptr : &oid));
  }
  out.affected = 0;
  // A batch refused part-way (a duplicate key on a mongod) leaves nothing written: the
  // documents this call sent are deleted again by their _ids, and the error is thrown.
  auto undo = [&](std::size_t sent) {
    bson_t ids = BSON_INITIALIZER;
    for (std::size_t r = 0; r < sent; ++r) {
      bson_iter_t id;
      if (bson_iter_init_find(&id, docs[r].get(), "_id")) bson_append_iter(&ids, std::to_string(r).c_str(), -1, &id);
    }
    bson_ptr cmd = delete_by_ids(p.table, ids);
    bson_destroy(&ids);
    try {
      command(*cmd, p.table);
    } catch (const error&) {
      // The write's own error says what failed; a server unreachable now cannot be undone.
    }
  };
  for (std::size_t start = 0; start < docs.size(); start += insert_batch) {
    bson_ptr cmd(bson_new());
    bson_t list;
    BSON_APPEND_UTF8(cmd.get(), "insert", p.table.c_str());
    bson_append_array_begin(cmd.get(), "documents", -1, &list);
    const std::size_t end = std::min(docs.size(), start + insert_batch);
    for (std::size_t r = start; r < end; ++r) BSON_APPEND_DOCUMENT(&list, std::to_string(r - start).c_str(), docs[r].get());
    bson_append_array_end(cmd.get(), &list);
    BSON_APPEND_BOOL(cmd.get(), "ordered", true);
    bson_ptr reply;
    try {
      reply = command(*cmd, p.table);
    } catch (const error&) {
      undo(end);
      throw;
    }
    bson_iter_t it;
    if (bson_iter_init_find(&it, reply.get(), "n")) out.affected += bson_iter_as_int64(&it);
  }
  // The documents written over: their conflict_update fields set, or unset when null.
  by_id_updates updates(p.table);
  for (const auto& o : overwrites) {
    object set;
    std::vector<std::string> unset;
    for (const auto& c : p.conflict_update) {
      const value* v = cell(o.after, c);
      if (v && !v->is_null()) set.emplace_back(c, *v);
      else unset.push_back(c);
    }
    updates.add(*o.doc, set, unset);
    if (updates.size() == insert_batch) command(*updates.take(), p.table);
  }
  if (bson_ptr last = updates.take(); last.get()) command(*last, p.table);
  out.affected += static_cast<std::int64_t>(overwrites.size());

  if (upserting) out.operation = overwrites.empty() ? upsert_operation::inserted : upsert_operation::updated;
  if (!p.returning.empty() || upserting) {  // what was written, read back as a find reads it
    std::vector<bson_ptr> written;
    for (const auto& d : docs) written.emplace_back(bson_copy(d.get()));
    for (const auto& o : overwrites) written.push_back(document_of(o.after, nullptr));
    static const std::vector<std::string> all{"*"};
    out.rows = to_records(written, t, p.returning.empty() ? &all : &p.returning);
  }
  if (p.want_ids) {
    auto id_of = [&](const object& row, const bson_t& doc) {
      if (const value* k = key.empty() ? nullptr : cell(row, key)) return *k;
      bson_iter_t it;
      return bson_iter_init_find(&it, &doc, "_id") ? read_value(it, nullptr, "_id") : value();
    };
    for (std::size_t i = 0; i < inserts.size(); ++i) out.inserted_ids.push_back(id_of(inserts[i], *docs[i]));
    for (const auto& o : overwrites) out.inserted_ids.push_back(id_of(o.after, *o.doc));
  }
}

void connection::remove(const engine::plan& p, const table_info& t, engine::execution& out) {
  // The documents the whole filter matches, then a delete of their _ids.
  auto docs = matching_documents(p, t, true).docs;
  bson_t ids = BSON_INITIALIZER;
  std::size_t n = 0;
  std::vector<bson_ptr> removed;  // as they were, for returning
  for (std::size_t i = 0; i < docs.size(); ++i) {
    bson_iter_t it;
    if (!bson_iter_init_find(&it, docs[i].get(), "_id")) continue;
    bson_append_iter(&ids, std::to_string(n++).c_str(), -1, &it);
    if (!p.returning.empty()) removed.push_back(std::move(docs[i]));
  }
  out.affected = 0;
  if (n == 1 && !p.returning.empty()) {
    // One document: findAndModify removes it and gives it back as it was, atomically.
    bson_destroy(&ids);
    bson_ptr was = find_and_modify(p.table, *removed[0], nullptr);
    removed.clear();
    if (was.get()) removed.push_back(std::move(was));
    out.affected = static_cast<std::int64_t>(removed.size());
    out.rows = to_records(removed, t, &p.returning);
    return;
  }
  if (!p.returning.empty()) out.rows = to_records(removed, t, &p.returning);
  if (n == 0) {
    bson_destroy(&ids);
    return;
  }
  bson_ptr cmd = delete_by_ids(p.table, ids);
  bson_destroy(&ids);
  bson_ptr reply = command(*cmd, p.table);
  bson_iter_t it;
  if (bson_iter_init_find(&it, reply.get(), "n")) out.affected = bson_iter_as_int64(&it);
}

}  // namespace tether::detail::mongodb
