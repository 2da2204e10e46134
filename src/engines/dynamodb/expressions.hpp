// DynamoDB expressions made from a plan: the FilterExpression that lets DynamoDB drop items
// before they cross the network, and the ProjectionExpression of the attributes a read needs.
//
// The filter is a pre-filter: it holds on every item where the tether filter holds, and the
// client still evaluates the whole filter (engine/evaluate.hpp), so the meaning is the one
// docs/querying.md gives everywhere. DynamoDB evaluates, on fields whose type tether
// recorded: $eq, $gt/$gte/$lt/$lte, $in (up to 100 values), $between on numbers and text;
// $startsWith (begins_with) and $contains (contains) on text; $isNull/$isNotNull/$exists;
// and/or of those. An and keeps the parts DynamoDB can evaluate; an or, a $not or a $nor
// with any other part is left to the client whole. Dates, times, timestamps and uuids are
// compared on the client (their text does not sort as their value when offsets differ).
#pragma once

#include <optional>
#include <span>
#include <string>

#include "tether/engine/plan.hpp"
#include "tether/engine/schema.hpp"
#include "types.hpp"

namespace tether::detail::dynamodb {

// Placeholders shared by a request's expressions (#n0, :v0, …).
struct expression_names {
  std::string prefix{};  // placeholders are #<prefix>n0, :<prefix>v0: apart from a request's own
  json names = json::object();
  json values = json::object();
  std::string name(const std::string& attribute);
  std::string value(json attribute);
  void add_to(json& request) const;  // ExpressionAttributeNames/Values, when any
};

// The FilterExpression for `p`'s where on table `t`, or nullopt when DynamoDB can evaluate
// none of it. `keys`: the key attributes of a Query (of the table or of the index it reads),
// which its filter may not name; empty for a Scan. `whole`, when given, is set to whether the
// expression says everything the where says but the key conditions: each key named once,
// by a condition left out, and nothing else left to the client.
std::optional<std::string> filter_expression(const engine::plan& p, const engine::table_description& t,
                                             expression_names& x, std::span<const std::string> keys,
                                             bool* whole = nullptr);

// The ProjectionExpression of every attribute `p` reads (selected, filtered, ordered,
// grouped, aggregated, and the key), or nullopt when it reads whole items.
std::optional<std::string> projection(const engine::plan& p, const engine::table_description& t,
                                      expression_names& x);

}  // namespace tether::detail::dynamodb
