// A DynamoDB connection: dispatch of plans, and reads (connection.hpp tells how).
#include "connection.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "tether/engine/evaluate.hpp"
#include "tether/error.hpp"
#include "types.hpp"

namespace tether::detail::dynamodb {
namespace {

const engine::field_def* declared_field(const engine::table_description& t, std::string_view column) {
  for (const auto& f : t.columns)
    if (f.name == column) return &f;
  return nullptr;
}

// The $eq operand the filter fixes `field` to at its top level (an and of leaves), if any.
std::optional<json> fixed(const engine::plan& p, const std::string& field) {
  auto check = [&](const engine::filter_node& l) -> std::optional<json> {
    if (l.kind != engine::logic::leaf || l.op != engine::compare::eq || l.field != field || l.param_count != 1)
      return std::nullopt;
    const value& v = *p.param(l.first_param);
    if (v.is_null() || !v.is_scalar()) return std::nullopt;
    return to_attribute(v, field);
  };
  if (p.where.kind == engine::logic::leaf) return check(p.where);
  if (p.where.kind == engine::logic::and_)
    for (const auto& c : p.where.children)
      if (auto a = check(c)) return a;
  return std::nullopt;
}

// The whole key, when the filter fixes every key field with $eq.
std::optional<json> fixed_key(const engine::plan& p, const engine::table_description& t) {
  if (t.primary_key.empty()) return std::nullopt;
  json key = json::object();
  for (const auto& k : t.primary_key) {
    auto a = fixed(p, k);
    if (!a) return std::nullopt;
    key[k] = std::move(*a);
  }
  return key;
}

void filter_fields(const engine::filter_node& n, std::vector<const std::string*>& out) {
  if (n.kind == engine::logic::leaf) out.push_back(&n.field);
  for (const auto& c : n.children) filter_fields(c, out);
}

// Every field a plan names is one tether recorded for the table, as a SQL table's columns
// are: a misspelt field is a schema error naming it, not an empty result or a stray attribute.
void check_fields(const engine::plan& p, const engine::table_description& t) {
  std::vector<const std::string*> names;
  filter_fields(p.where, names);
  filter_fields(p.having, names);
  for (const auto& c : p.columns) names.push_back(&c);
  for (const auto& o : p.order_by) names.push_back(&o.column);
  for (const auto& s : p.set) names.push_back(&s.column);
  for (const auto& g : p.group_by) names.push_back(&g);
  for (const auto& a : p.aggregates)
    if (a.column != "*") names.push_back(&a.column);
  for (const std::string* n : names) {
    bool alias = false;  // having and order_by may name an aggregate's alias
    for (const auto& a : p.aggregates) alias = alias || a.alias == *n;
    if (alias) continue;
    if (!declared_field(t, *n))
      throw error(error_category::schema, fmt::format("unknown column \"{}\" in \"{}\"", *n, t.name),
                  error_details{.engine = "dynamodb", .code = "UnknownField"});
  }
}

}  // namespace

connection::connection(std::unique_ptr<http> client) : http_(std::move(client)) {}

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
  if (recorded) check_fields(p, t);
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
    case engine::plan_kind::upsert:
    case engine::plan_kind::raw:
      break;
  }
  // The planner refuses these from capabilities(); a plan that gets here is a core bug.
  throw error(error_category::unsupported, fmt::format("the dynamodb engine cannot run this plan on \"{}\"", p.table),
              error_details{"dynamodb"});
}

// Every item the plan may concern, as records with the table's declared fields first (in
// their order) and any other attribute after. GetItem when the key is fixed; else a
// consistent Scan, following LastEvaluatedKey to the end.
records connection::read(const engine::plan& p, const engine::table_description& t) {
  std::vector<json> items;
  if (auto key = fixed_key(p, t)) {
    json got = http_->call("GetItem", json{{"TableName", p.table}, {"Key", *key}, {"ConsistentRead", true}}, p.table);
    if (got.contains("Item")) items.push_back(std::move(got["Item"]));
  } else {
    // A fixed partition key reads that partition alone (Query); else the whole table (Scan).
    json request{{"TableName", p.table}, {"ConsistentRead", true}};
    const char* operation = "Scan";
    if (auto partition = t.primary_key.empty() ? std::nullopt : fixed(p, t.primary_key[0])) {
      operation = "Query";
      request["KeyConditionExpression"] = "#pk = :pk";
      request["ExpressionAttributeNames"] = {{"#pk", t.primary_key[0]}};
      request["ExpressionAttributeValues"] = {{":pk", *partition}};
    }
    for (;;) {
      json page = http_->call(operation, request, p.table);
      for (auto& i : page["Items"]) items.push_back(std::move(i));
      if (!page.contains("LastEvaluatedKey")) break;
      request["ExclusiveStartKey"] = std::move(page["LastEvaluatedKey"]);
    }
  }
  std::vector<std::string> names;
  for (const auto& f : t.columns) names.push_back(f.name);
  for (const auto& i : items)
    for (const auto& [k, v] : i.items())
      if (std::find(names.begin(), names.end(), k) == names.end()) names.push_back(k);
  std::vector<const engine::field_def*> types;
  for (const auto& n : names) types.push_back(declared_field(t, n));
  records rows(names);
  rows.reserve(items.size());
  for (const auto& i : items) {
    for (std::size_t c = 0; c < names.size(); ++c) {
      auto it = i.find(names[c]);
      if (it == i.end()) rows.add_null();
      else rows.add(from_attribute(*it, types[c]));
    }
    rows.end_row();
  }
  return rows;
}

}  // namespace tether::detail::dynamodb
