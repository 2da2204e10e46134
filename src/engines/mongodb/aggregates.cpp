// Counts and aggregates on the server: one aggregate of $match and $group where MongoDB
// computes what tether means (connection.hpp says when), the having, order and page then
// applied on the client to the groups (engine::evaluate_groups), as after any grouping.
#include <fmt/format.h>

#include "commands.hpp"
#include "connection.hpp"
#include "core/results/records_builder.hpp"
#include "filter.hpp"
#include "tether/engine/evaluate.hpp"
#include "tether/error.hpp"
#include "types.hpp"

namespace tether::detail::mongodb {
namespace {

using engine::aggregate_fn;

bool whole_number_type(field_type t) {
  return t == field_type::integer || t == field_type::bigint || t == field_type::smallint;
}
bool double_type(field_type t) { return t == field_type::float_ || t == field_type::double_; }

// {$sum: {$cond: [{$eq: [{$ifNull: ["$f", null]}, null]}, 0, 1]}}: the documents whose `f`
// is neither null nor missing.
void append_count_of(bson_t* group, const char* key, const std::string& field) {
  const std::string path = "$" + field;
  bson_t* term = BCON_NEW("$sum", "{", "$cond", "[", "{", "$eq", "[", "{", "$ifNull", "[", BCON_UTF8(path.c_str()),
                          BCON_NULL, "]", "}", BCON_NULL, "]", "}", BCON_INT32(0), BCON_INT32(1), "]", "}");
  BSON_APPEND_DOCUMENT(group, key, term);
  bson_destroy(term);
}

void append_op(bson_t* group, const char* key, const char* op, const std::string& field) {
  bson_t term;
  bson_append_document_begin(group, key, -1, &term);
  const std::string path = "$" + field;
  BSON_APPEND_UTF8(&term, op, path.c_str());
  bson_append_document_end(group, &term);
}

}  // namespace

std::optional<records> connection::server_aggregate(const engine::plan& p, const table_info& t) {
  if ((p.kind != engine::plan_kind::count && p.kind != engine::plan_kind::aggregate) || !t.recorded ||
      !exact_prefilter(p, &t.table))
    return std::nullopt;
  auto field = [&](const std::string& name) { return engine::find_named(t.table.columns, name); };
  // Group keys MongoDB holds equal exactly when tether does: not decimals (2.5 and 2.50
  // are one in tether), containers, or 64-bit integers where the server compares them as
  // doubles.
  for (const auto& g : p.group_by) {
    const engine::field_def* f = field(g);
    if (!f || f->type == field_type::decimal || f->type == field_type::json || f->type == field_type::array ||
        f->type == field_type::binary || f->type == field_type::blob || f->type == field_type::uuid ||
        (whole_number_type(f->type) && !whole_numbers_exact()))
      return std::nullopt;
  }
  for (const auto& a : p.aggregates) {
    if (a.fn == aggregate_fn::count) {
      if (a.column != "*" && !field(a.column)) return std::nullopt;
      continue;
    }
    const engine::field_def* f = field(a.column);
    if (!f) return std::nullopt;
    switch (a.fn) {
      case aggregate_fn::sum:
      case aggregate_fn::avg:  // integers summed exactly (the server's, where it adds int64s so)
        if (!double_type(f->type) && !(whole_number_type(f->type) && whole_numbers_exact())) return std::nullopt;
        break;
      case aggregate_fn::min:
      case aggregate_fn::max:
        if (!orders_as_tether(f->type)) return std::nullopt;
        break;
      default: return std::nullopt;  // count_distinct, string_agg: on the client
    }
  }
  // [{$match: pre-filter}, {$group: {_id: {g0: "$g", …} or null, a0: …, n0: …}}]
  bson_ptr cmd = command_of("aggregate", p.table);
  bson_t pipeline, stage, match, group, id, cursor;
  bson_append_array_begin(cmd.get(), "pipeline", -1, &pipeline);
  bson_append_document_begin(&pipeline, "0", -1, &stage);
  bson_append_document_begin(&stage, "$match", -1, &match);
  append_prefilter(p, &t.table, &match);
  bson_append_document_end(&stage, &match);
  bson_append_document_end(&pipeline, &stage);
  bson_append_document_begin(&pipeline, "1", -1, &stage);
  bson_append_document_begin(&stage, "$group", -1, &group);
  if (p.group_by.empty()) {
    BSON_APPEND_NULL(&group, "_id");
  } else {
    bson_append_document_begin(&group, "_id", -1, &id);
    for (std::size_t k = 0; k < p.group_by.size(); ++k)
      BSON_APPEND_UTF8(&id, fmt::format("g{}", k).c_str(), ("$" + p.group_by[k]).c_str());
    bson_append_document_end(&group, &id);
  }
  for (std::size_t i = 0; i < p.aggregates.size(); ++i) {
    const auto& a = p.aggregates[i];
    const std::string key = fmt::format("a{}", i), seen = fmt::format("n{}", i);
    switch (a.fn) {
      case aggregate_fn::count:
        if (a.column == "*") {
          bson_t one;
          bson_append_document_begin(&group, key.c_str(), -1, &one);
          BSON_APPEND_INT32(&one, "$sum", 1);
          bson_append_document_end(&group, &one);
        } else {
          append_count_of(&group, key.c_str(), a.column);
        }
        break;
      case aggregate_fn::sum:
      case aggregate_fn::avg:
        // The sum, and how many values it adds: MongoDB's $sum of none is 0, tether's null;
        // the mean is the exact sum over the count, as tether computes it.
        append_op(&group, key.c_str(), "$sum", a.column);
        append_count_of(&group, seen.c_str(), a.column);
        break;
      case aggregate_fn::min: append_op(&group, key.c_str(), "$min", a.column); break;
      case aggregate_fn::max: append_op(&group, key.c_str(), "$max", a.column); break;
      default: break;
    }
  }
  bson_append_document_end(&stage, &group);
  bson_append_document_end(&pipeline, &stage);
  bson_append_array_end(cmd.get(), &pipeline);
  bson_append_document_begin(cmd.get(), "cursor", -1, &cursor);
  BSON_APPEND_INT32(&cursor, "batchSize", scan_batch);
  bson_append_document_end(cmd.get(), &cursor);

  std::vector<std::string> names = p.group_by;
  for (const auto& a : p.aggregates) names.push_back(a.alias);
  records groups(names);
  records_builder build(groups);
  bool any = false, exact = true;
  auto add_group = [&](const bson_t* doc) {
    for (std::size_t k = 0; k < p.group_by.size(); ++k) {
      bson_iter_t it;
      const std::string path = fmt::format("_id.g{}", k);
      if (doc && bson_iter_init(&it, doc) && bson_iter_find_descendant(&it, path.c_str(), &it))
        build.add(read_value(it, field(p.group_by[k]), p.group_by[k]));
      else
        build.add_null();
    }
    for (std::size_t i = 0; i < p.aggregates.size(); ++i) {
      const auto& a = p.aggregates[i];
      bson_iter_t it, n;
      const bool has = doc && bson_iter_init_find(&it, doc, fmt::format("a{}", i).c_str());
      if (a.fn == aggregate_fn::count) {
        build.add(value(has ? bson_iter_as_int64(&it) : 0));
        continue;
      }
      if (a.fn == aggregate_fn::min || a.fn == aggregate_fn::max) {
        if (has && !BSON_ITER_HOLDS_NULL(&it)) build.add(read_value(it, field(a.column), a.column));
        else build.add_null();
        continue;
      }
      const std::int64_t count = doc && bson_iter_init_find(&n, doc, fmt::format("n{}", i).c_str()) ? bson_iter_as_int64(&n) : 0;
      if (!has || count == 0) {
        build.add_null();
        continue;
      }
      if (whole_number_type(field(a.column)->type)) {
        // A total past 64 bits comes back as a double: tether's is exact (a decimal).
        if (!BSON_ITER_HOLDS_INT32(&it) && !BSON_ITER_HOLDS_INT64(&it)) {
          exact = false;
          build.add_null();
          continue;
        }
        const std::int64_t sum = bson_iter_as_int64(&it);
        if (a.fn == aggregate_fn::sum) build.add(value(sum));
        else build.add(value(static_cast<double>(sum) / static_cast<double>(count)));
      } else {
        const double sum = bson_iter_as_double(&it);
        build.add(value(a.fn == aggregate_fn::sum ? sum : sum / static_cast<double>(count)));
      }
    }
    build.end_row();
  };
  batches replies(*this, p.table, command(*cmd, p.table));
  std::vector<bson_ptr> docs;
  while (replies.next(docs))
    for (const auto& d : docs) {
      any = true;
      add_group(d.get());
    }
  if (!exact) return std::nullopt;  // the client adds them exactly
  // No document matched: no group comes back, and an aggregate without group_by is one
  // row of counts 0 and nulls, as on SQL.
  if (!any && p.group_by.empty()) add_group(nullptr);
  return engine::evaluate_groups(p, groups);
}

}  // namespace tether::detail::mongodb
