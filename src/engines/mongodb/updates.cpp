// Updates on MongoDB (connection.hpp tells how): each matched document's new values
// computed and checked first, then MongoDB's own update operators by _id where they mean
// what tether means (atomic per document), else the computed values by _id; findAndModify
// where one document is returned; the documents put back when a command is refused.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>

#include "commands.hpp"
#include "connection.hpp"
#include "core/query/recorded_writes.hpp"
#include "documents.hpp"
#include "tether/error.hpp"
#include "types.hpp"

namespace tether::detail::mongodb {
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
  if (a.op == update_op::current_date)  // a timestamp, where the field may hold one
    return !f || f->type == field_type::timestamp || f->type == field_type::datetime || f->type == field_type::json
               ? "$currentDate"
               : nullptr;
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

// $rename has MongoDB's meaning where the value moves unchanged: to a field of the same
// declared type, or to one tether has not recorded.
const char* server_rename(const value& to, const engine::field_def* from, const engine::table_description& t) {
  const engine::field_def* f = engine::find_named(t.columns, to.as_string());
  return from && (!f || f->type == from->type) ? "$rename" : nullptr;
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
    const char* op = a.op == engine::update_op::rename ? server_rename(*operand, f, t) : server_operator(a, operand, f);
    if (!op) return {};
    if (a.op == engine::update_op::rename) {
      if (std::find(fields.begin(), fields.end(), operand->as_string()) != fields.end()) return {};
      fields.push_back(operand->as_string());
    }
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
      case engine::update_op::current_date: BSON_APPEND_BOOL(part, name, true); break;
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

// $currentDate writes a timestamp: a field declared otherwise (but json) is refused, by name.
void check_current_date(const std::string& table, const engine::field_def* f, const std::string& column) {
  if (f && f->type != field_type::timestamp && f->type != field_type::datetime && f->type != field_type::json)
    throw error(error_category::usage,
                fmt::format("$currentDate on \"{}.{}\": the field is {}; $currentDate sets a timestamp, datetime or json "
                            "field",
                            table, column, to_string(f->type)),
                error_details{"mongodb"});
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
  // MongoDB's own operators, where every change has one; else each document's new values.
  const bson_ptr u = docs.empty() ? bson_ptr() : server_update(p, t.table);
  std::vector<bson_ptr> written;        // the documents as they become, for returning
  std::vector<std::string> touched;     // the fields the update writes
  auto touch = [&](const std::string& f) {
    if (std::find(touched.begin(), touched.end(), f) == touched.end()) touched.push_back(f);
  };
  for (const auto& a : p.set) {
    touch(a.column);
    if (a.op == engine::update_op::rename) touch(p.param(a.param)->as_string());
    if (a.op == engine::update_op::current_date) check_current_date(p.table, engine::find_named(t.table.columns, a.column), a.column);
  }
  // $currentDate's time where the client computes the values: one for the whole call.
  const value now_time(timestamp{now_ms() * 1000, 0});
  by_id_updates computed(p.table);
  std::vector<bson_ptr> commands;
  for (std::size_t i = 0; i < docs.size(); ++i) {
    object set, after = object_of(rows, i);
    std::vector<std::string> unset;
    auto write = [&](const std::string& column, const value& now) {
      const engine::field_def* f = engine::find_named(t.table.columns, column);
      if (now.is_null()) {
        if (f && (!f->nullable || f->primary_key))
          throw error(error_category::not_null_violation,
                      fmt::format("\"{}.{}\" is required; it cannot be set to null", p.table, column),
                      error_details{"mongodb"});
        unset.push_back(column);
        put(after, column, value());
      } else {
        value v = as_declared(now, f, column, "mongodb");
        put(after, column, v);
        set.emplace_back(column, std::move(v));
      }
    };
    for (const auto& a : p.set) {
      const auto col = rows.column_index(a.column);
      const value old = col ? rows[i][a.column] : value();
      const value* operand = a.param == engine::no_param ? nullptr : p.param(a.param);
      if (a.op == engine::update_op::rename) {
        // As MongoDB's $rename: a document without the field is left as it is.
        bson_iter_t there;
        if (!bson_iter_init_find(&there, docs[i].get(), a.column.c_str())) continue;
        write(a.column, value());
        write(operand->as_string(), old);
        continue;
      }
      if (a.op == engine::update_op::current_date) {
        write(a.column, now_time);
        continue;
      }
      if (auto now = updated_value(a.op, old, operand, a.column)) write(a.column, *now);
    }
    if (!p.returning.empty()) {
      std::erase_if(after, [](const member& m) { return m.second.is_null(); });
      written.push_back(document_of(after, nullptr));
    }
    if (u.get() || (set.empty() && unset.empty())) continue;
    computed.add(*docs[i], set, unset);
    if (computed.size() == insert_batch) commands.push_back(computed.take());
  }
  if (bson_ptr last = computed.take(); last.get()) commands.push_back(std::move(last));
  out.affected = static_cast<std::int64_t>(docs.size());
  if (u.get() && docs.size() == 1 && !p.returning.empty()) {
    // One document: findAndModify changes it and gives it back as it became, atomically.
    bson_ptr now = find_and_modify(p.table, *docs[0], u.get());
    std::vector<bson_ptr> one;
    if (now.get()) one.push_back(std::move(now));
    out.affected = static_cast<std::int64_t>(one.size());
    out.rows = to_records(one, t, &p.returning);
    return;
  }
  if (u.get())  // by _id
    for (std::size_t from = 0; from < docs.size(); from += insert_batch)
      commands.push_back(update_by_ids(p.table, docs, from, std::min(docs.size(), from + insert_batch), *u));
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


}  // namespace tether::detail::mongodb
