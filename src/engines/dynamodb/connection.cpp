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

// The key's $eq operands when the filter fixes every key field with $eq at its top level.
std::optional<json> fixed_key(const engine::plan& p, const engine::table_description& t) {
  if (t.primary_key.empty()) return std::nullopt;
  std::vector<const engine::filter_node*> leaves;
  if (p.where.kind == engine::logic::leaf) leaves.push_back(&p.where);
  else if (p.where.kind == engine::logic::and_)
    for (const auto& c : p.where.children) leaves.push_back(&c);
  json key = json::object();
  for (const auto& k : t.primary_key) {
    for (const auto* l : leaves)
      if (l->kind == engine::logic::leaf && l->op == engine::compare::eq && l->field == k && l->param_count == 1) {
        const value& v = *p.param(l->first_param);
        if (v.is_null()) return std::nullopt;
        key[k] = to_attribute(v, k);
        break;
      }
    if (!key.contains(k)) return std::nullopt;
  }
  return key;
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
  const engine::table_description t = table(p.table);
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
    json request{{"TableName", p.table}, {"ConsistentRead", true}};
    for (;;) {
      json page = http_->call("Scan", request, p.table);
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
