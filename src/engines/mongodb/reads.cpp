// MongoDB reads: a find's cursor read batch by batch, only the matches of the whole filter
// kept, a stream that holds one batch at a time, and documents as records (connection.hpp
// tells how).
#include <fmt/format.h>

#include <algorithm>
#include <limits>
#include <span>

#include "commands.hpp"
#include "connection.hpp"
#include "core/query/recorded_writes.hpp"
#include "core/results/records_builder.hpp"
#include "filter.hpp"
#include "tether/engine/evaluate.hpp"
#include "tether/error.hpp"
#include "types.hpp"

namespace tether::detail::mongodb {
namespace {

void add_once(std::vector<std::string>& names, const std::string& n) {
  if (std::find(names.begin(), names.end(), n) == names.end()) names.push_back(n);
}

void filter_fields(const engine::filter_node& f, std::vector<std::string>& out) {
  if (f.kind == engine::logic::leaf) add_once(out, f.field);
  for (const auto& c : f.children) filter_fields(c, out);
}

// The fields a read of `p` needs: those its filter, order, selection, grouping and
// aggregates name; std::nullopt when it needs every field (a find of all columns).
std::optional<std::vector<std::string>> needed_fields(const engine::plan& p) {
  std::vector<std::string> out;
  if (p.kind == engine::plan_kind::find) {
    if (p.columns.empty()) return std::nullopt;
    for (const auto& c : p.columns) {
      if (c == "*") return std::nullopt;
      add_once(out, c);
    }
  }
  filter_fields(p.where, out);
  for (const auto& o : p.order_by) add_once(out, o.column);
  for (const auto& g : p.group_by) add_once(out, g);
  for (const auto& a : p.aggregates)
    if (a.column != "*") add_once(out, a.column);
  filter_fields(p.having, out);
  if (out.empty()) out.emplace_back("_id");  // a count of rows: one small field a document
  return out;
}

std::size_t param_count(const engine::plan& p, std::uint32_t i) {
  const value* v = i == engine::no_param ? nullptr : p.param(i);
  return v && v->kind() == value_kind::integer && v->as_int() > 0 ? static_cast<std::size_t>(v->as_int()) : 0;
}

bson_ptr projection_of(const std::optional<std::vector<std::string>>& fields) {
  bson_ptr out(bson_new());
  if (fields)
    for (const auto& f : *fields) BSON_APPEND_INT32(out.get(), f.c_str(), 1);
  return out;
}

}  // namespace

// --- batches ---------------------------------------------------------------------------

connection::batches::batches(connection& c, std::string collection, bson_ptr reply)
    : c_(c), collection_(std::move(collection)), reply_(std::move(reply)) {
  bson_iter_t top, id;
  if (reply_.get() && bson_iter_init(&top, reply_.get()) && bson_iter_find_descendant(&top, "cursor.id", &id) &&
      BSON_ITER_HOLDS_INT(&id))
    id_ = bson_iter_as_int64(&id);
}

connection::batches::~batches() {
  if (id_ == 0) return;
  // Left before its end: the server's cursor is killed rather than left to time out.
  bson_t kill = BSON_INITIALIZER, ids;
  BSON_APPEND_UTF8(&kill, "killCursors", collection_.c_str());
  BSON_APPEND_ARRAY_BEGIN(&kill, "cursors", &ids);
  BSON_APPEND_INT64(&ids, "0", id_);
  bson_append_array_end(&kill, &ids);
  try {
    c_.command(kill, collection_);
  } catch (const error&) {
    // The server forgets an idle cursor by itself; nothing the caller can act on.
  }
  bson_destroy(&kill);
}

bool connection::batches::next(std::vector<bson_ptr>& out) {
  out.clear();
  if (!reply_.get()) {
    if (id_ == 0) return false;
    bson_t more = BSON_INITIALIZER;
    BSON_APPEND_INT64(&more, "getMore", id_);
    BSON_APPEND_UTF8(&more, "collection", collection_.c_str());
    BSON_APPEND_INT32(&more, "batchSize", scan_batch);
    reply_ = c_.command(more, collection_);
    bson_destroy(&more);
  }
  bson_iter_t it, cursor, batch;
  if (!bson_iter_init_find(&it, reply_.get(), "cursor") || !bson_iter_recurse(&it, &cursor))
    throw error(error_category::query, fmt::format("MongoDB on \"{}\": a reply without a cursor", collection_),
                error_details{"mongodb"});
  id_ = 0;
  while (bson_iter_next(&cursor)) {
    const std::string_view k = bson_iter_key(&cursor);
    if (k == "id") id_ = bson_iter_as_int64(&cursor);
    if ((k == "firstBatch" || k == "nextBatch") && bson_iter_recurse(&cursor, &batch))
      while (bson_iter_next(&batch)) {
        std::uint32_t n = 0;
        const std::uint8_t* data = nullptr;
        bson_iter_document(&batch, &n, &data);
        if (data) out.emplace_back(bson_new_from_data(data, n));
      }
  }
  reply_ = bson_ptr();  // the batch is copied out: one batch in memory at a time
  return true;
}

connection::batches connection::find(const std::string& table, const bson_t& filter, const bson_t* projection,
                                      const window* w) {
  bson_t cmd = BSON_INITIALIZER;
  BSON_APPEND_UTF8(&cmd, "find", table.c_str());
  BSON_APPEND_DOCUMENT(&cmd, "filter", &filter);
  if (w && w->sort.get()) BSON_APPEND_DOCUMENT(&cmd, "sort", w->sort.get());
  if (projection && !bson_empty(projection)) BSON_APPEND_DOCUMENT(&cmd, "projection", projection);
  if (w && w->skip > 0) BSON_APPEND_INT64(&cmd, "skip", w->skip);
  if (w && w->limit > 0) BSON_APPEND_INT64(&cmd, "limit", w->limit);
  BSON_APPEND_INT32(&cmd, "batchSize", scan_batch);
  bson_ptr reply = command(cmd, table);
  bson_destroy(&cmd);
  return batches(*this, table, std::move(reply));
}

// --- reads -----------------------------------------------------------------------------

connection::batches connection::find_of(const engine::plan& p, const table_info& t,
                                         const std::optional<std::vector<std::string>>& fields, const window* w) {
  bson_t filter = BSON_INITIALIZER;
  append_prefilter(p, t.recorded ? &t.table : nullptr, &filter);
  const bson_ptr projection = projection_of(fields);
  try {
    batches cursor = find(p.table, filter, projection.get(), w);
    bson_destroy(&filter);
    return cursor;
  } catch (...) {
    bson_destroy(&filter);
    throw;
  }
}

std::optional<connection::window> connection::server_window(const engine::plan& p, const table_info& t) {
  if (p.kind != engine::plan_kind::find || !t.recorded || !exact_prefilter(p, &t.table)) return std::nullopt;
  window w;
  if (!p.order_by.empty()) {
    w.sort = bson_ptr(bson_new());
    std::vector<std::string> named;
    for (const auto& o : p.order_by) {
      const engine::field_def* f = engine::find_named(t.table.columns, o.column);
      if (!f || !orders_as_tether(f->type)) return std::nullopt;
      if (std::find(named.begin(), named.end(), o.column) != named.end()) continue;  // the first decides
      named.push_back(o.column);
      BSON_APPEND_INT32(w.sort.get(), o.column.c_str(), o.dir == direction::desc ? -1 : 1);
    }
  }
  w.skip = static_cast<std::int64_t>(param_count(p, p.offset));
  w.limit = static_cast<std::int64_t>(param_count(p, p.limit));
  return w;
}

bool connection::orders_as_tether(field_type type) {
  switch (type) {
    case field_type::float_:
    case field_type::double_:
    case field_type::boolean:
    case field_type::timestamp:
    case field_type::datetime:
    case field_type::date:
    case field_type::time: return true;  // "HH:MM:SS[.ffffff]": ASCII, ordered as the times are
    case field_type::integer:
    case field_type::bigint:
    case field_type::smallint: return whole_numbers_exact();
    case field_type::string:
    case field_type::text:
    case field_type::enum_: return text_by_bytes();
    default: return false;  // decimals (CongoDB orders Decimal128 apart), uuids, json, bytes
  }
}

bool connection::orders_below(const value& low, const value& high) {
  bson_ptr cmd(bson_new());
  bson_t pipeline, stage, docs, one, sort;
  BSON_APPEND_INT32(cmd.get(), "aggregate", 1);
  bson_append_array_begin(cmd.get(), "pipeline", -1, &pipeline);
  bson_append_document_begin(&pipeline, "0", -1, &stage);
  bson_append_array_begin(&stage, "$documents", -1, &docs);
  for (int i = 0; i < 2; ++i) {
    bson_append_document_begin(&docs, i ? "1" : "0", -1, &one);
    append_value(&one, "v", i ? high : low, "v");
    bson_append_document_end(&docs, &one);
  }
  bson_append_array_end(&stage, &docs);
  bson_append_document_end(&pipeline, &stage);
  // Descending, so that a server that ignored the sort would give the order written.
  bson_append_document_begin(&pipeline, "1", -1, &stage);
  bson_append_document_begin(&stage, "$sort", -1, &sort);
  BSON_APPEND_INT32(&sort, "v", -1);
  bson_append_document_end(&stage, &sort);
  bson_append_document_end(&pipeline, &stage);
  bson_append_array_end(cmd.get(), &pipeline);
  bson_append_document_begin(cmd.get(), "cursor", -1, &one);
  bson_append_document_end(cmd.get(), &one);
  try {
    batches cursor(*this, "", command(*cmd));
    std::vector<bson_ptr> out;
    bson_iter_t v;
    return cursor.next(out) && !out.empty() && bson_iter_init_find(&v, out[0].get(), "v") &&
           read_value(v, nullptr, "v") == high;
  } catch (const error&) {
    return false;  // a server without $documents (before MongoDB 5.1): the client orders
  }
}

bool connection::text_by_bytes() {
  // Never asked inside a transaction, where a refused command would abort it: until the
  // connection has asked outside one, the client orders text.
  if (!text_by_bytes_ && in_transaction_) return false;
  // U+FF46 comes before U+1F600 by UTF-8 bytes, after it by UTF-16 units.
  if (!text_by_bytes_) text_by_bytes_ = orders_below(value("\xef\xbd\x86"), value("\xf0\x9f\x98\x80"));
  return *text_by_bytes_;
}

bool connection::whole_numbers_exact() {
  // Apart only as 64-bit integers (as doubles they are one number), and an int64 below an
  // int32 (CongoDB puts a negative int64 above small negative numbers).
  constexpr std::int64_t most = std::numeric_limits<std::int64_t>::max();
  if (!whole_numbers_exact_ && in_transaction_) return false;  // as text_by_bytes()
  if (!whole_numbers_exact_)
    whole_numbers_exact_ = orders_below(value(most - 1), value(most)) &&
                           orders_below(value(std::numeric_limits<std::int64_t>::min()), value(-1));
  return *whole_numbers_exact_;
}

connection::read connection::matching_documents(const engine::plan& p, const table_info& t, bool whole) {
  read out;
  if (!whole) out.fields = needed_fields(p);
  std::optional<window> w = whole ? std::nullopt : server_window(p, t);
  // A find without an order needs its offset plus its limit of matches, and no more.
  std::size_t enough = std::numeric_limits<std::size_t>::max();
  if (p.kind == engine::plan_kind::find && (w || p.order_by.empty()) && p.limit != engine::no_param)
    enough = param_count(p, p.limit) + (w ? 0 : param_count(p, p.offset));
  out.windowed = w.has_value();
  if (enough == 0) return out;
  batches cursor = find_of(p, t, out.fields, w ? &*w : nullptr);
  std::vector<std::string> tested;
  filter_fields(p.where, tested);
  std::vector<bson_ptr> batch;
  while (out.docs.size() < enough && cursor.next(batch)) {
    if (p.where.matches_all()) {
      for (auto& d : batch) out.docs.push_back(std::move(d));
    } else {
      // The whole filter, batch by batch: only matches are kept.
      const records rows = to_records(batch, t, &tested);
      for (std::size_t i = 0; i < batch.size(); ++i)
        if (engine::matches(p, p.where, rows, i)) out.docs.push_back(std::move(batch[i]));
    }
  }
  if (out.docs.size() > enough) out.docs.resize(enough);
  return out;
}

std::vector<bson_ptr> connection::read_documents(const std::string& table, const bson_t& filter) {
  std::vector<bson_ptr> docs, batch;
  batches cursor = find(table, filter, nullptr);
  while (cursor.next(batch))
    for (auto& d : batch) docs.push_back(std::move(d));
  return docs;
}

// --- streams ---------------------------------------------------------------------------

namespace {

// A find without an order, streamed: the server's batches read as the rows are asked
// for, each tested against the whole filter, the offset skipped and the limit kept, so
// memory holds one batch and the chunk asked for.
class find_stream final : public engine::cursor {
 public:
  find_stream(const engine::plan& p, std::function<records(const std::vector<bson_ptr>&, bool)> to_rows,
              connection::batches cursor, std::size_t skip, std::size_t limit)
      : p_(p), to_rows_(std::move(to_rows)), cursor_(std::move(cursor)), skip_(skip), left_(limit) {}

  bool fetch(records& out, std::size_t max_rows) override {
    std::vector<bson_ptr> chunk;
    while (chunk.size() < max_rows && left_ > 0) {
      if (at_ == batch_.size()) {
        at_ = 0;
        if (ended_ || !cursor_.next(batch_)) {
          ended_ = true;
          batch_.clear();
          break;
        }
        tested_ = to_rows_(batch_, true);
      }
      for (; at_ < batch_.size() && chunk.size() < max_rows && left_ > 0; ++at_) {
        if (!p_.where.matches_all() && !engine::matches(p_, p_.where, tested_, at_)) continue;
        if (skip_ > 0) {
          --skip_;
          continue;
        }
        chunk.push_back(std::move(batch_[at_]));
        --left_;
      }
    }
    if (chunk.empty()) return false;
    out = to_rows_(chunk, false);
    return true;
  }

 private:
  const engine::plan& p_;  // the stream's own, which outlives its cursor
  std::function<records(const std::vector<bson_ptr>&, bool)> to_rows_;
  connection::batches cursor_;
  std::vector<bson_ptr> batch_;
  records tested_;
  std::size_t at_ = 0, skip_, left_;
  bool ended_ = false;
};

}  // namespace

std::unique_ptr<engine::cursor> connection::open(const engine::plan& p) {
  if (p.kind != engine::plan_kind::find) return engine::connection::open(p);
  const table_info t = table(p.table);
  const std::optional<window> w = server_window(p, t);
  if (!p.order_by.empty() && !w) return engine::connection::open(p);  // ordered on the client: read whole
  if (t.recorded) check_fields(p, t.table, "mongodb");
  else require_collection(p.table);
  const std::optional<std::vector<std::string>> fields = needed_fields(p);
  std::vector<std::string> tested;
  filter_fields(p.where, tested);
  std::optional<std::vector<std::string>> selected;
  if (fields) selected = std::vector<std::string>(p.columns.begin(), p.columns.end());
  auto to_rows = [this, t, tested, selected](const std::vector<bson_ptr>& docs, bool for_filter) {
    return to_records(docs, t, for_filter ? &tested : selected ? &*selected : nullptr);
  };
  std::size_t limit = p.limit == engine::no_param ? std::numeric_limits<std::size_t>::max() : param_count(p, p.limit);
  if (limit == 0) return std::make_unique<find_stream>(p, std::move(to_rows), batches(*this, p.table, bson_ptr()), 0, 0);
  batches cursor = find_of(p, t, fields, w ? &*w : nullptr);
  // The server's window, where it has it: then every document it sends is one to give.
  if (w) return std::make_unique<find_stream>(p, std::move(to_rows), std::move(cursor), 0, limit);
  return std::make_unique<find_stream>(p, std::move(to_rows), std::move(cursor), param_count(p, p.offset), limit);
}

// --- documents as records --------------------------------------------------------------

records connection::to_records(const std::vector<bson_ptr>& docs, const table_info& t,
                               const std::vector<std::string>* only) const {
  // The named fields; else the table's, then every other field a document has.
  const bool named = only && !(only->size() == 1 && (*only)[0] == "*");
  std::vector<std::string> names;
  if (named) names = *only;
  else
    for (const auto& f : t.table.columns) names.push_back(f.name);
  for (const auto& d : named ? std::span<const bson_ptr>{} : std::span<const bson_ptr>(docs)) {
    bson_iter_t it;
    if (!bson_iter_init(&it, d.get())) continue;
    while (bson_iter_next(&it)) {
      std::string k = bson_iter_key(&it);
      if (k == "_id" && t.recorded) continue;  // tether's own ObjectId: no field of the table
      if (std::find(names.begin(), names.end(), k) == names.end()) names.push_back(std::move(k));
    }
  }
  std::vector<const engine::field_def*> types;
  for (const auto& n : names) types.push_back(engine::find_named(t.table.columns, n));
  records rows(names);
  records_builder build(rows);
  build.reserve(docs.size());
  for (const auto& d : docs) {
    for (std::size_t c = 0; c < names.size(); ++c) {
      bson_iter_t it;
      if (bson_iter_init_find(&it, d.get(), names[c].c_str())) build.add(read_value(it, types[c], names[c]));
      else build.add_null();
    }
    build.end_row();
  }
  return rows;
}


}  // namespace tether::detail::mongodb
