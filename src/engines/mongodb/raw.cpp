// MongoDB raw commands: what MongoDB users write in mongosh's db.runCommand, as Extended
// JSON, with values bound rather than spliced: {"$param": N} (from 1) anywhere in the
// command stands for the call's Nth param, appended as BSON by the value mapping of
// types.hpp, so no value is ever made into command text.
//   db.raw({.query = R"({"find": "users", "filter": {"age": {"$gte": {"$param": 1}}}})",
//           .params = {18}});
// A reply with a cursor (find, aggregate, listIndexes, …) gives its documents, every batch
// read; any other reply is one row of its own fields (ok and the cluster's clock left out).
// `count` is the documents read, or a write's "n".
#include <fmt/format.h>

#include "connection.hpp"
#include "tether/error.hpp"
#include "types.hpp"

namespace tether::detail::mongodb {
namespace {

[[noreturn]] void refuse(const std::string& what) {
  throw error(error_category::usage, "raw: " + what, error_details{"mongodb"});
}

// Whether `it` holds {"$param": N}; N, from 1, into `n`.
bool param_reference(const bson_iter_t& it, std::int64_t& n) {
  if (!BSON_ITER_HOLDS_DOCUMENT(&it)) return false;
  bson_iter_t inner;
  if (!bson_iter_recurse(&it, &inner) || !bson_iter_next(&inner)) return false;
  if (std::string_view(bson_iter_key(&inner)) != "$param") return false;
  if (!BSON_ITER_HOLDS_INT(&inner) && !BSON_ITER_HOLDS_DOUBLE(&inner)) refuse("{\"$param\": N} takes a number N from 1");
  const double d = bson_iter_as_double(&inner);
  n = bson_iter_as_int64(&inner);
  if (static_cast<double>(n) != d) refuse(fmt::format("{{\"$param\": {}}} takes a whole number from 1", d));
  if (bson_iter_next(&inner)) refuse("{\"$param\": N} must be alone in its document");
  return true;
}

// `from`'s elements appended to `out`, each {"$param": N} replaced by param N.
void bind_params(bson_iter_t& from, bson_t* out, const engine::plan& p) {
  while (bson_iter_next(&from)) {
    const char* key = bson_iter_key(&from);
    std::int64_t n = 0;
    if (param_reference(from, n)) {
      if (n < 1 || static_cast<std::size_t>(n) > p.params.size())
        refuse(fmt::format("{{\"$param\": {}}} names a param the call does not give (it gives {})", n, p.params.size()));
      append_value(out, key, *p.param(static_cast<std::size_t>(n - 1)), fmt::format("raw param {}", n));
      continue;
    }
    bson_iter_t inner;
    if ((BSON_ITER_HOLDS_DOCUMENT(&from) || BSON_ITER_HOLDS_ARRAY(&from)) && bson_iter_recurse(&from, &inner)) {
      bson_t child;
      const bool array = BSON_ITER_HOLDS_ARRAY(&from);
      if (array) bson_append_array_begin(out, key, -1, &child);
      else bson_append_document_begin(out, key, -1, &child);
      bind_params(inner, &child, p);
      if (array) bson_append_array_end(out, &child);
      else bson_append_document_end(out, &child);
      continue;
    }
    bson_append_iter(out, key, -1, &from);
  }
}

}  // namespace

void connection::run_raw(const engine::plan& p, engine::execution& out) {
  bson_error_t err;
  bson_ptr parsed(bson_new_from_json(reinterpret_cast<const std::uint8_t*>(p.raw_query.data()),
                                     static_cast<ssize_t>(p.raw_query.size()), &err));
  if (!parsed.get())
    refuse(fmt::format("the query must be a MongoDB command in Extended JSON, such as "
                       "{{\"find\": \"users\", \"filter\": {{\"age\": {{\"$gte\": {{\"$param\": 1}}}}}}}}; {}",
                       err.message));
  bson_iter_t it;
  if (!bson_iter_init(&it, parsed.get()) || bson_count_keys(parsed.get()) == 0)
    refuse("the command is an empty document; its first field names the command, as {\"find\": \"users\"}");
  bson_ptr cmd(bson_new());
  bind_params(it, cmd.get(), p);
  // The collection the command names, for its errors and its cursor.
  bson_iter_t first;
  std::string collection;
  if (bson_iter_init(&first, cmd.get()) && bson_iter_next(&first) && BSON_ITER_HOLDS_UTF8(&first))
    collection = bson_iter_utf8(&first, nullptr);
  bson_ptr reply = command(*cmd, collection);

  table_info unrecorded;  // every field as stored, _id among them
  bson_iter_t cursor;
  if (bson_iter_init_find(&cursor, reply.get(), "cursor") && BSON_ITER_HOLDS_DOCUMENT(&cursor)) {
    bson_iter_t ns;
    if (bson_iter_init(&ns, reply.get()) && bson_iter_find_descendant(&ns, "cursor.ns", &cursor) &&
        BSON_ITER_HOLDS_UTF8(&cursor)) {
      const std::string full = bson_iter_utf8(&cursor, nullptr);
      collection = full.substr(full.find('.') + 1);
    }
    std::vector<bson_ptr> docs, batch;
    batches read(*this, collection, std::move(reply));
    while (read.next(batch))
      for (auto& d : batch) docs.push_back(std::move(d));
    out.rows = to_records(docs, unrecorded);
    out.affected = static_cast<std::int64_t>(docs.size());
  } else {
    bson_ptr shown(bson_new());
    bson_iter_t field;
    std::int64_t n = -1;
    if (bson_iter_init(&field, reply.get()))
      while (bson_iter_next(&field)) {
        const std::string_view k = bson_iter_key(&field);
        if (k == "ok" || k == "$clusterTime" || k == "operationTime") continue;
        if (k == "n" && BSON_ITER_HOLDS_INT(&field)) n = bson_iter_as_int64(&field);
        bson_append_iter(shown.get(), bson_iter_key(&field), -1, &field);
      }
    std::vector<bson_ptr> one;
    one.push_back(std::move(shown));
    out.rows = to_records(one, unrecorded);
    out.affected = n >= 0 ? n : 1;
  }
  for (std::size_t c = 0; c < out.rows.column_count(); ++c) out.fields.push_back({std::string(out.rows.column_name(c)), ""});
}

}  // namespace tether::detail::mongodb
