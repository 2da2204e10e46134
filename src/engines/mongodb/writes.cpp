// Writes on MongoDB: insert (with on_conflict; an upsert whose key is null), update and
// remove, each computed as the SQL engines' databases compute it (recorded_writes.hpp)
// and sent as insert, update and delete commands; returning gives the documents as
// written, read back as a find reads them. An upsert with its key is upsert.cpp's.
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
#include <cmath>
#include <limits>
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

namespace {

// The MongoDB update operator that makes `a`'s change on the server, as tether means it,
// where it can: then MongoDB applies it to each document atomically, and a concurrent
// writer's $inc is never lost. Null where only the client computes it as tether means it:
// string concatenation (MongoDB has no operator), arithmetic and $min/$max but on fields
// declared with a number type that is not decimal (decimals keep their scale; MongoDB
// orders strings and mixed types otherwise on CongoDB), array operators but on fields
// declared as arrays with a scalar operand ($pull of a document is a query on MongoDB).
const char* server_operator(const engine::assignment& a, const value* operand, const engine::field_def* f) {
  using engine::update_op;
  if (a.op == update_op::set) return operand && !operand->is_null() ? "$set" : "$unset";
  if (a.op == update_op::unset) return "$unset";
  if (!f) return nullptr;
  const bool number_field = f->type == field_type::integer || f->type == field_type::bigint ||
                            f->type == field_type::smallint || f->type == field_type::float_ ||
                            f->type == field_type::double_;
  const bool number = operand && (operand->kind() == value_kind::integer ||
                                  (operand->kind() == value_kind::real && std::isfinite(operand->as_double())));
  const bool array_scalar = f->type == field_type::array && operand && operand->is_scalar() && !operand->is_null();
  switch (a.op) {
    case update_op::inc: return number_field && number ? "$inc" : nullptr;
    case update_op::dec:  // as $inc of the negated operand, which must have one
      return number_field && number &&
                     !(operand->kind() == value_kind::integer && operand->as_int() == std::numeric_limits<std::int64_t>::min())
                 ? "$inc"
                 : nullptr;
    case update_op::mul: return number_field && number ? "$mul" : nullptr;
    case update_op::min: return number_field && number ? "$min" : nullptr;
    case update_op::max: return number_field && number ? "$max" : nullptr;
    case update_op::push: return array_scalar ? "$push" : nullptr;
    case update_op::add_to_set: return array_scalar ? "$addToSet" : nullptr;
    case update_op::pull: return array_scalar ? "$pull" : nullptr;
    case update_op::pop_first:
    case update_op::pop_last: return f->type == field_type::array ? "$pop" : nullptr;
    default: return nullptr;
  }
}

// The update document of the server's operators for every assignment of `p`, or null
// when one of them has none (server_operator).
bson_ptr server_update(const engine::plan& p, const engine::table_description& t) {
  std::map<std::string, bson_ptr> parts;  // by operator
  std::vector<std::string> order, fields;
  for (const auto& a : p.set) {
    // Two changes of one field are one after the other on the client; MongoDB refuses them.
    if (std::find(fields.begin(), fields.end(), a.column) != fields.end()) return {};
    fields.push_back(a.column);
    const value* operand = a.param == engine::no_param ? nullptr : p.param(a.param);
    const engine::field_def* f = engine::find_named(t.columns, a.column);
    const char* op = server_operator(a, operand, f);
    if (!op) return {};
    auto [at, fresh] = parts.try_emplace(op, bson_ptr(bson_new()));
    if (fresh) order.emplace_back(op);
    bson_t* part = at->second.get();
    const char* name = a.column.c_str();
    switch (a.op) {
      case engine::update_op::set:
        if (std::string_view(op) == "$set") append_value(part, a.column, as_declared(*operand, f, a.column, "mongodb"), a.column);
        else BSON_APPEND_UTF8(part, name, "");
        break;
      case engine::update_op::unset: BSON_APPEND_UTF8(part, name, ""); break;
      case engine::update_op::dec:
        append_value(part, a.column,
                     operand->kind() == value_kind::integer ? value(-operand->as_int()) : value(-operand->as_double()), a.column);
        break;
      case engine::update_op::pop_first: BSON_APPEND_INT32(part, name, -1); break;
      case engine::update_op::pop_last: BSON_APPEND_INT32(part, name, 1); break;
      default: append_value(part, a.column, *operand, a.column);
    }
  }
  bson_ptr u(bson_new());
  for (const auto& op : order) BSON_APPEND_DOCUMENT(u.get(), op.c_str(), parts[op].get());
  return u;
}

// {q: {_id: {$in: the _ids of docs[from, to)}}, u: `u`, multi: true} as one update command.
bson_ptr update_by_ids(const std::string& table, const std::vector<bson_ptr>& docs, std::size_t from, std::size_t to,
                       const bson_t& u) {
  bson_ptr cmd(bson_new());
  bson_t list, one, q, in, ids;
  BSON_APPEND_UTF8(cmd.get(), "update", table.c_str());
  bson_append_array_begin(cmd.get(), "updates", -1, &list);
  bson_append_document_begin(&list, "0", -1, &one);
  bson_append_document_begin(&one, "q", -1, &q);
  bson_append_document_begin(&q, "_id", -1, &in);
  bson_append_array_begin(&in, "$in", -1, &ids);
  for (std::size_t i = from; i < to; ++i) {
    bson_iter_t id;
    if (bson_iter_init_find(&id, docs[i].get(), "_id")) bson_append_iter(&ids, std::to_string(i - from).c_str(), -1, &id);
  }
  bson_append_array_end(&in, &ids);
  bson_append_document_end(&q, &in);
  bson_append_document_end(&one, &q);
  BSON_APPEND_DOCUMENT(&one, "u", &u);
  BSON_APPEND_BOOL(&one, "multi", true);
  bson_append_document_end(&list, &one);
  bson_append_array_end(cmd.get(), &list);
  BSON_APPEND_BOOL(cmd.get(), "ordered", true);
  return cmd;
}

}  // namespace

// Each document the filter matches, read, and its new values computed as the SQL engines
// compute them (recorded_writes.hpp), every one before anything is written, so a value
// that does not fit (an overflow, a null in a required field) writes nothing. Then:
// - where every change has a MongoDB operator with tether's meaning (server_operator),
//   one update of those operators per 1,000 matched _ids: MongoDB applies them to each
//   document atomically (no concurrent $inc is lost), and returning reads the documents
//   back as they became;
// - else each document's new values by its _id ($set, and $unset for what becomes null),
//   not atomic against a concurrent writer between the read and the write.
// A command the server refuses part-way (a duplicate key on a mongod) has the documents
// already changed put back as they were read, and the error is thrown.
void connection::update(const engine::plan& p, const table_info& t, engine::execution& out) {
  auto docs = matching_documents(p, t, true).docs;
  const records rows = to_records(docs, t);
  std::vector<std::size_t> changed;     // into docs
  std::vector<bson_ptr> written;        // the documents as they become, for returning
  std::vector<std::string> touched;     // the fields the update writes
  for (const auto& a : p.set)
    if (std::find(touched.begin(), touched.end(), a.column) == touched.end()) touched.push_back(a.column);
  by_id_updates computed(p.table);
  std::vector<bson_ptr> commands;
  for (std::size_t i = 0; i < docs.size(); ++i) {
    object set, after = object_of(rows, i);
    std::vector<std::string> unset;
    for (const auto& a : p.set) {
      const auto col = rows.column_index(a.column);
      const value old = col ? rows[i][a.column] : value();
      const value* operand = a.param == engine::no_param ? nullptr : p.param(a.param);
      auto now = updated_value(a.op, old, operand, a.column);
      if (!now) continue;
      const engine::field_def* f = engine::find_named(t.table.columns, a.column);
      if (now->is_null()) {
        if (f && (!f->nullable || f->primary_key))
          throw error(error_category::not_null_violation,
                      fmt::format("\"{}.{}\" is required; it cannot be set to null", p.table, a.column),
                      error_details{"mongodb"});
        unset.push_back(a.column);
        put(after, a.column, value());
      } else {
        value v = as_declared(*now, f, a.column, "mongodb");
        put(after, a.column, v);
        set.emplace_back(a.column, std::move(v));
      }
    }
    changed.push_back(i);
    if (!p.returning.empty()) {
      std::erase_if(after, [](const member& m) { return m.second.is_null(); });
      written.push_back(document_of(after, nullptr));
    }
    if (set.empty() && unset.empty()) continue;
    computed.add(*docs[i], set, unset);
    if (computed.size() == insert_batch) commands.push_back(computed.take());
  }
  if (bson_ptr last = computed.take(); last.get()) commands.push_back(std::move(last));
  out.affected = static_cast<std::int64_t>(changed.size());
  const bson_ptr u = docs.empty() ? bson_ptr() : server_update(p, t.table);
  if (u.get() && docs.size() == 1 && !p.returning.empty()) {
    // One document: findAndModify changes it and gives it back as it became, atomically.
    bson_ptr now = find_and_modify(p.table, *docs[0], u.get());
    std::vector<bson_ptr> one;
    if (now.get()) one.push_back(std::move(now));
    out.affected = static_cast<std::int64_t>(one.size());
    out.rows = to_records(one, t, &p.returning);
    return;
  }
  if (u.get()) {  // the server's operators instead, by _id
    commands.clear();
    for (std::size_t from = 0; from < docs.size(); from += insert_batch)
      commands.push_back(update_by_ids(p.table, docs, from, std::min(docs.size(), from + insert_batch), *u));
  }
  // Sent in order; on a refusal, the documents of the commands sent (the refused one
  // included: it may have changed some) are put back.
  for (std::size_t c = 0; c < commands.size(); ++c) {
    try {
      command(*commands[c], p.table);
    } catch (const error&) {
      restore(p.table, docs, touched, std::min(docs.size(), (c + 1) * insert_batch));
      throw;
    }
  }
  if (p.returning.empty()) return;
  if (u.get()) {
    bson_t ids = BSON_INITIALIZER, filter = BSON_INITIALIZER, in;
    for (std::size_t i = 0; i < docs.size(); ++i) {
      bson_iter_t id;
      if (bson_iter_init_find(&id, docs[i].get(), "_id")) bson_append_iter(&ids, std::to_string(i).c_str(), -1, &id);
    }
    bson_append_document_begin(&filter, "_id", -1, &in);
    BSON_APPEND_ARRAY(&in, "$in", &ids);
    bson_append_document_end(&filter, &in);
    written = read_documents(p.table, filter);
    bson_destroy(&filter);
    bson_destroy(&ids);
  }
  out.rows = to_records(written, t, &p.returning);
}

bson_ptr connection::find_and_modify(const std::string& table, const bson_t& doc, const bson_t* update) {
  bson_ptr cmd = command_of("findAndModify", table);
  bson_t query;
  bson_iter_t id;
  BSON_APPEND_DOCUMENT_BEGIN(cmd.get(), "query", &query);
  if (bson_iter_init_find(&id, &doc, "_id")) bson_append_iter(&query, "_id", -1, &id);
  bson_append_document_end(cmd.get(), &query);
  if (update) {
    BSON_APPEND_DOCUMENT(cmd.get(), "update", update);
    BSON_APPEND_BOOL(cmd.get(), "new", true);
  } else {
    BSON_APPEND_BOOL(cmd.get(), "remove", true);
  }
  bson_ptr reply = command(*cmd, table);
  bson_t value;
  if (!sub_document(*reply, "value", &value)) return {};  // null: no such document now
  return bson_ptr(bson_copy(&value));
}

// The first `n` of `docs` (as read before an update) written back over the fields the
// update touched: each field as it was, or unset where it was missing.
void connection::restore(const std::string& table, const std::vector<bson_ptr>& docs,
                         const std::vector<std::string>& touched, std::size_t n) {
  by_id_updates back(table);
  auto send = [&] {
    if (bson_ptr cmd = back.take(); cmd.get()) {
      try {
        command(*cmd, table);
      } catch (const error&) {
        // The update's own error says what failed; a server unreachable now cannot be undone.
      }
    }
  };
  for (std::size_t i = 0; i < n; ++i) {
    object set;
    std::vector<std::string> unset;
    for (const auto& f : touched) {
      bson_iter_t it;
      if (bson_iter_init_find(&it, docs[i].get(), f.c_str())) set.emplace_back(f, read_value(it, nullptr, f));
      else unset.push_back(f);
    }
    back.add(*docs[i], set, unset);
    if (back.size() == insert_batch) send();
  }
  send();
}

void connection::remove(const engine::plan& p, const table_info& t, engine::execution& out) {
  // The documents the whole filter matches, then a delete of their _ids.
  auto docs = matching_documents(p, t, true).docs;
  const records rows = to_records(docs, t);
  bson_t ids = BSON_INITIALIZER;
  std::size_t n = 0;
  std::vector<bson_ptr> removed;  // as they were, for returning
  for (std::size_t i = 0; i < docs.size(); ++i) {
    if (!engine::matches(p, p.where, rows, i)) continue;
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
