// A DynamoDB connection: dispatch of plans, and reads (connection.hpp tells how).
#include "connection.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <limits>
#include <span>
#include <thread>

#include "tether/engine/evaluate.hpp"
#include "tether/error.hpp"
#include "core/query/recorded_writes.hpp"
#include "expressions.hpp"
#include "types.hpp"
#include "core/results/records_builder.hpp"

namespace tether::detail::dynamodb {
namespace {

constexpr std::size_t batch_get_keys = 100;  // BatchGetItem's limit per request
// A $in over more partitions than this is one Scan rather than a Query of each.
constexpr std::size_t max_listed_partitions = 100;

// The $eq operand the filter fixes key field `field` to at its top level (an and of
// leaves), if any, as an attribute of the key's type (an operand of another type matches
// no item: the filter, not a key lookup, says so).
// The first answer `check` gives for a leaf at the filter's top level (the filter itself,
// or a child of its top-level and).
template <class Check>
auto top_level(const engine::plan& p, Check check) -> decltype(check(p.where)) {
  if (p.where.kind == engine::logic::leaf) return check(p.where);
  if (p.where.kind == engine::logic::and_)
    for (const auto& c : p.where.children)
      if (auto a = check(c)) return a;
  return std::nullopt;
}

// An operand as an attribute of key field `field`'s type, or nullopt when it is no key
// value (null, a document, or another type: it matches no item).
std::optional<json> key_attribute(const value& v, const std::string& field, const engine::field_def* declared) {
  if (v.is_null() || !v.is_scalar()) return std::nullopt;
  json a = to_attribute(v, field);
  if (declared && a.begin().key() != key_type(declared->type)) return std::nullopt;
  return a;
}

std::optional<json> fixed(const engine::plan& p, const engine::table_description& t, const std::string& field) {
  const engine::field_def* declared = declared_field(t, field);
  return top_level(p, [&](const engine::filter_node& l) -> std::optional<json> {
    if (l.kind != engine::logic::leaf || l.op != engine::compare::eq || l.field != field || l.param_count != 1)
      return std::nullopt;
    return key_attribute(*p.param(l.first_param), field, declared);
  });
}

// The values a `field $in [...]` at the filter's top level lists: each operand of the
// field's key type once (another type matches no item).
std::optional<std::vector<json>> listed(const engine::plan& p, const engine::table_description& t,
                                        const std::string& field) {
  const engine::field_def* declared = declared_field(t, field);
  return top_level(p, [&](const engine::filter_node& l) -> std::optional<std::vector<json>> {
    if (l.kind != engine::logic::leaf || l.op != engine::compare::in || l.field != field || l.param_count == 0)
      return std::nullopt;
    std::vector<json> values;
    for (std::uint32_t i = 0; i < l.param_count; ++i)
      if (auto a = key_attribute(*p.param(l.first_param + i), field, declared))
        if (std::find(values.begin(), values.end(), *a) == values.end()) values.push_back(std::move(*a));  // no duplicates
    return values;
  });
}

// The keys a one-field key takes when the filter's top level holds `key $in [...]`.
std::optional<std::vector<json>> listed_keys(const engine::plan& p, const engine::table_description& t) {
  if (t.primary_key.size() != 1) return std::nullopt;
  auto values = listed(p, t, t.primary_key[0]);
  if (!values) return std::nullopt;
  std::vector<json> keys;
  for (auto& v : *values) keys.push_back(json{{t.primary_key[0], std::move(v)}});
  return keys;
}

// The whole key, when the filter fixes every key field with $eq.

// Whether DynamoDB orders this key field as tether does: numbers and text (UTF-8 bytes, which
// is code point order); a date or timestamp kept as text may not.
bool sorts_natively(const engine::table_description& t, const std::string& field) {
  const engine::field_def* f = declared_field(t, field);
  if (!f) return false;
  switch (f->type) {
    case field_type::integer: case field_type::bigint: case field_type::smallint: case field_type::decimal:
    case field_type::string: case field_type::text:
      return true;
    default:
      return false;
  }
}

// A range on sort key `field` at the filter's top level ($gt, $gte, $lt, $lte of one operand
// of the key's type), as a key condition: "op", operand. Only where DynamoDB orders the
// key as tether does, so that the condition keeps exactly the items the range keeps.
std::optional<std::pair<const char*, json>> sort_key_range(const engine::plan& p, const engine::table_description& t,
                                                           const std::string& field) {
  if (!sorts_natively(t, field)) return std::nullopt;
  const engine::field_def* declared = declared_field(t, field);
  return top_level(p, [&](const engine::filter_node& l) -> std::optional<std::pair<const char*, json>> {
    if (l.kind != engine::logic::leaf || l.field != field || l.param_count != 1) return std::nullopt;
    const char* op = l.op == engine::compare::gt    ? ">"
                     : l.op == engine::compare::gte ? ">="
                     : l.op == engine::compare::lt  ? "<"
                     : l.op == engine::compare::lte ? "<="
                                                    : nullptr;
    if (!op) return std::nullopt;
    auto a = key_attribute(*p.param(l.first_param), field, declared);
    if (!a) return std::nullopt;
    return std::pair{op, std::move(*a)};
  });
}

}  // namespace

std::optional<json> fixed_key(const engine::plan& p, const engine::table_description& t) {
  if (t.primary_key.empty()) return std::nullopt;
  json key = json::object();
  for (const auto& k : t.primary_key) {
    auto a = fixed(p, t, k);
    if (!a) return std::nullopt;
    key[k] = std::move(*a);
  }
  return key;
}

connection::connection(std::unique_ptr<http> client)
    : http_(std::move(client)), definitions_(recorded_definitions::of(http_->tables_of())) {}

bool connection::alive() {
  try {
    http_->call("ListTables", json{{"Limit", 1}});
    return true;
  } catch (const error&) {
    return false;
  }
}

void connection::execute(const engine::plan& p, engine::execution& out) {
  bool recorded = false;
  const engine::table_description t = table(p.table, &recorded);
  if (recorded) check_fields(p, t, "dynamodb");
  switch (p.kind) {
    case engine::plan_kind::find:
    case engine::plan_kind::count:
    case engine::plan_kind::aggregate: {
      records all = read(p, t);
      out.rows = engine::evaluate(p, all);
      out.affected = static_cast<std::int64_t>(out.rows.size());
      return;
    }
    case engine::plan_kind::insert: return insert(p, t, out);
    case engine::plan_kind::update: return update(p, t, out);
    case engine::plan_kind::remove: return remove(p, t, out);
    case engine::plan_kind::upsert: return upsert(p, t, out);
    case engine::plan_kind::raw:
      break;
  }
  // The planner refuses these from capabilities(); a plan that gets here is a core bug.
  throw error(error_category::unsupported, fmt::format("the dynamodb engine cannot run this plan on \"{}\"", p.table),
              error_details{"dynamodb"});
}

// Every item the plan may concern, as records with the table's declared fields first (in
// their order) and any other attribute after. GetItem when the key is fixed; BatchGetItem
// when it lists keys ($in); else a Query of the partition the filter fixes, or of each
// partition a $in lists (up to max_listed_partitions), or a Scan: consistent, with the pre-filter and the
// projection of expressions.hpp, following LastEvaluatedKey until the end, or, for a find
// whose order DynamoDB keeps (none, or the sort key within a partition), until offset +
// limit items have passed the whole filter. DynamoDB's Limit counts items before its
// filter, so a page may bring fewer matches than asked: the next page asks for more.
// In a transaction, a find of several keys is one TransactGetItems (transactions.cpp); the
// reads behind its writes need no snapshot, as each write is sent on conditions that
// cancel the transaction if the items changed since.
std::optional<json> connection::get_item(const std::string& table, const json& key) {
  json got = http_->call("GetItem", json{{"TableName", table}, {"Key", key}, {"ConsistentRead", true}}, table);
  if (!got.contains("Item")) return std::nullopt;
  return std::move(got["Item"]);
}

records connection::read(const engine::plan& p, const engine::table_description& t) {
  return to_records(read_items(p, t, false), t);
}

std::vector<json> connection::read_items(const engine::plan& p, const engine::table_description& t, bool whole_items) {
  std::vector<json> items;
  if (auto key = fixed_key(p, t)) {
    const std::vector<json> keys{*key};
    check_read(p.table, &keys);
    if (auto item = get_item(p.table, *key)) items.push_back(std::move(*item));
    return items;
  }
  if (auto keys = listed_keys(p, t)) {
    check_read(p.table, &*keys);
    if (transaction_ && !whole_items) return transact_get(p.table, *keys);
    // BatchGetItem, 100 keys a request, retrying UnprocessedKeys with backoff.
    for (std::size_t start = 0; start < keys->size(); start += batch_get_keys) {
      json chunk = json::array();
      for (std::size_t i = start; i < std::min(keys->size(), start + batch_get_keys); ++i) chunk.push_back((*keys)[i]);
      batch("BatchGetItem", json{{p.table, {{"Keys", std::move(chunk)}, {"ConsistentRead", true}}}}, p.table,
            "UnprocessedKeys", [&](json& got) {
              for (auto& item : got["Responses"][p.table]) items.push_back(std::move(item));
            });
    }
    return items;
  }
  check_read(p.table, nullptr);  // a Query or a Scan may meet any item
  json request{{"TableName", p.table}, {"ConsistentRead", true}};
  expression_names x;
  const char* operation = "Scan";
  bool ordered = p.order_by.empty();  // whether DynamoDB returns the items in the plan's order
  // A Query of the partition the filter fixes: of the table, else of a global secondary
  // index (read eventually consistent: DynamoDB offers no consistent read of one).
  std::vector<std::string> keys;
  std::optional<json> partition;
  if (!t.primary_key.empty() && (partition = fixed(p, t, t.primary_key[0]))) keys = t.primary_key;
  for (std::size_t i = 0; !partition && i < t.indexes.size(); ++i)
    if ((partition = fixed(p, t, t.indexes[i].fields.at(0)))) {
      keys = t.indexes[i].fields;
      request["IndexName"] = t.indexes[i].name;
      request.erase("ConsistentRead");
      keys.insert(keys.end(), t.primary_key.begin(), t.primary_key.end());
    }
  // Else a $in on a partition key (of a two-field key, or of an index; an include's
  // one_to_many level is one): a Query of each partition it lists, up to max_listed_partitions.
  std::vector<json> partitions;
  auto list_partitions = [&](const std::vector<std::string>& key, const std::string* index) {
    auto values = listed(p, t, key.at(0));
    if (!values || values->size() > max_listed_partitions) return false;
    partitions = std::move(*values);
    keys = key;
    if (index) {
      request["IndexName"] = *index;
      request.erase("ConsistentRead");
      keys.insert(keys.end(), t.primary_key.begin(), t.primary_key.end());
    }
    return true;
  };
  bool listing = !partition && t.primary_key.size() == 2 && list_partitions(t.primary_key, nullptr);
  for (std::size_t i = 0; !partition && !listing && i < t.indexes.size(); ++i)
    listing = list_partitions(t.indexes[i].fields, &t.indexes[i].name);
  if (listing) {
    if (partitions.empty()) return items;  // no operand of the key's type: no item matches
    operation = "Query";
  }
  if (partition) {
    operation = "Query";
    request["KeyConditionExpression"] = fmt::format("{} = {}", x.name(keys[0]), x.value(*partition));
    const std::size_t key_size = request.contains("IndexName") ? keys.size() - t.primary_key.size() : keys.size();
    // A range on the sort key reads only its part of the partition: a page of a keyset
    // find (its token's range on the order) starts where the last one ended.
    if (key_size == 2)
      if (auto range = sort_key_range(p, t, keys[1]))
        request["KeyConditionExpression"] = fmt::format("{} AND {} {} {}", request["KeyConditionExpression"].get<std::string>(),
                                                        x.name(keys[1]), range->first, x.value(std::move(range->second)));
    // Ordered by the sort key, DynamoDB keeps the order; later terms change nothing when
    // they are the table's key, unique within a partition (a keyset page's tie-break).
    const bool table_key = !request.contains("IndexName");
    const bool rest_is_key = std::all_of(p.order_by.begin() + (p.order_by.empty() ? 0 : 1), p.order_by.end(), [&](const order_term& o) {
      return table_key && (o.column == keys[0] || o.column == keys[1]);
    });
    if (key_size == 2 && !p.order_by.empty() && p.order_by[0].column == keys[1] && rest_is_key && sorts_natively(t, keys[1])) {
      ordered = true;
      request["ScanIndexForward"] = p.order_by[0].dir == direction::asc;
    }
  }
  if (auto f = filter_expression(p, t, x, keys)) request["FilterExpression"] = *f;
  if (!whole_items)
    if (auto pe = projection(p, t, x)) request["ProjectionExpression"] = *pe;
  if (!listing) x.add_to(request);

  // A find that can stop early: how many items must pass the filter.
  std::optional<std::size_t> wanted;
  if (p.kind == engine::plan_kind::find && ordered && p.limit != engine::no_param && p.aggregates.empty() &&
      p.group_by.empty()) {
    const auto limit = static_cast<std::size_t>(p.param(p.limit)->as_int());
    const auto offset = p.offset == engine::no_param ? 0 : static_cast<std::size_t>(p.param(p.offset)->as_int());
    wanted = limit > std::numeric_limits<std::size_t>::max() - offset ? limit : limit + offset;
  }
  const bool sorted_here = !ordered && p.kind == engine::plan_kind::find;
  std::size_t matched = 0, page_limit = wanted ? std::max<std::size_t>(*wanted, 1) : 0;
  if (wanted && *wanted == 0) return items;
  // Every page of one request; true once `wanted` items have passed the filter.
  auto read_pages = [&](json& request) {
    for (;;) {
      if (wanted) request["Limit"] = std::min<std::size_t>(page_limit, max_page_items);
      json page = http_->call(operation, request, p.table);
      const std::size_t first = items.size();
      for (auto& i : page["Items"]) items.push_back(std::move(i));
      if (sorted_here && items.size() > client_sort_rows)
        throw error(error_category::query,
                    fmt::format("ordering \"{}\" by \"{}\" sorts on the client, which holds at most {} items, and this "
                                "read has more; narrow the where, or order by the sort key of a partition (of the "
                                "table or of a global secondary index) that the where fixes",
                                p.table, p.order_by[0].column, client_sort_rows),
                    error_details{.engine = "dynamodb", .code = "ClientSortLimit", .statement = operation + (" " + p.table)});
      const bool more = page.contains("LastEvaluatedKey");
      if (wanted && (more || listing)) {  // the last page of the last request needs no count
        records r = to_records(std::span<const json>(items).subspan(first), t);
        for (std::size_t i = 0; i < r.size(); ++i) matched += engine::matches(p, p.where, r, i) ? 1 : 0;
        if (matched >= *wanted) return true;
      }
      if (!more) return false;
      if (wanted) page_limit *= 2;  // few items passed: read more at a time
      request["ExclusiveStartKey"] = std::move(page["LastEvaluatedKey"]);
    }
  };
  if (!listing) {
    read_pages(request);
    return items;
  }
  for (const auto& listed_value : partitions) {
    json one = request;
    expression_names xi = x;
    one["KeyConditionExpression"] = fmt::format("{} = {}", xi.name(keys[0]), xi.value(listed_value));
    xi.add_to(one);
    if (read_pages(one)) break;
  }
  return items;
}

void connection::batch(std::string_view operation, json pending, const std::string& table, const char* unprocessed,
                       const std::function<void(json&)>& answer) {
  for (int attempt = 0; !pending.empty(); ++attempt) {
    json got = http_->call(operation, json{{"RequestItems", pending}}, table);
    answer(got);
    pending = got.value(unprocessed, json::object());
    if (pending.empty()) return;
    if (attempt >= 8)
      throw error(error_category::timeout,
                  fmt::format("DynamoDB left {} of \"{}\" after {} retries", unprocessed, table, attempt),
                  error_details{.engine = "dynamodb", .statement = fmt::format("{} {}", operation, table)});
    std::this_thread::sleep_for(std::chrono::milliseconds(25 << attempt));
  }
}

records connection::to_records(std::span<const json> items, const engine::table_description& t,
                               const std::vector<std::string>* only) const {
  std::vector<std::string> names;
  if (only && !(only->size() == 1 && (*only)[0] == "*")) {
    names = *only;
  } else {
    for (const auto& f : t.columns) names.push_back(f.name);
    for (const auto& i : items)
      for (const auto& [k, v] : i.items())
        if (std::find(names.begin(), names.end(), k) == names.end()) names.push_back(k);
  }
  std::vector<const engine::field_def*> types;
  for (const auto& n : names) types.push_back(declared_field(t, n));
  records rows(names);
  detail::records_builder(rows).reserve(items.size());
  for (const auto& i : items) {
    for (std::size_t c = 0; c < names.size(); ++c) {
      auto it = i.find(names[c]);
      if (it == i.end()) detail::records_builder(rows).add_null();
      else detail::records_builder(rows).add(from_attribute(*it, types[c]));
    }
    detail::records_builder(rows).end_row();
  }
  return rows;
}

}  // namespace tether::detail::dynamodb
