// tether's indexes on DynamoDB: global secondary indexes (GSIs). An index of one field is a
// GSI with that partition key; of two, partition and sort key; every attribute is projected
// (ProjectionType ALL), so a Query of the index reads whole items. Given at create, they are
// part of CreateTable; create_index and drop_index are UpdateTable, waited on until the
// index is ACTIVE or gone. reads (connection.cpp) Query an index whose partition key the
// filter fixes.
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <thread>

#include "connection.hpp"
#include "tether/error.hpp"
#include "types.hpp"

namespace tether::detail::dynamodb {
namespace {

using clock = std::chrono::steady_clock;
constexpr auto index_timeout = std::chrono::minutes(30);  // a GSI's backfill may take long

[[noreturn]] void bad_index(const engine::index_def& i, const std::string& table, std::string_view why) {
  throw error(error_category::usage, fmt::format("index \"{}\" on \"{}\": {}", i.name, table, why),
              error_details{"dynamodb"});
}

// The GSI of an index: refused (usage, naming the index) when DynamoDB cannot make one.
json gsi(const engine::index_def& i, const engine::table_description& t) {
  if (i.fields.empty() || i.fields.size() > 2)
    bad_index(i, t.name, fmt::format("a DynamoDB index has one field (its partition key) or two (partition and sort "
                                     "key), not {}", i.fields.size()));
  const bool name_ok = i.name.size() >= 3 && i.name.size() <= 255 &&
                       std::all_of(i.name.begin(), i.name.end(), [](char c) {
                         return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.';
                       });
  if (!name_ok) bad_index(i, t.name, "a DynamoDB index name has 3 to 255 characters from a-z, A-Z, 0-9, _, - and .");
  json schema = json::array();
  for (std::size_t k = 0; k < i.fields.size(); ++k) {
    const engine::field_def* f = declared_field(t, i.fields[k]);
    if (!f) bad_index(i, t.name, fmt::format("unknown field \"{}\"", i.fields[k]));
    if (f->type == field_type::boolean || f->type == field_type::json || f->type == field_type::array)
      bad_index(i, t.name, fmt::format("field \"{}\" is {}; an index key is text, a number or bytes", f->name,
                                       to_string(f->type)));
    schema.push_back({{"AttributeName", f->name}, {"KeyType", k == 0 ? "HASH" : "RANGE"}});
  }
  return {{"IndexName", i.name}, {"KeySchema", std::move(schema)}, {"Projection", {{"ProjectionType", "ALL"}}}};
}

// The state of index `name` in a TableDescription: "" when it is not listed.
std::string index_status(const json& table, const std::string& name) {
  for (const auto& g : table.value("GlobalSecondaryIndexes", json::array()))
    if (g.value("IndexName", "") == name) return g.value("IndexStatus", "ACTIVE");
  return "";
}

[[noreturn]] void not_building(const std::string& table, const std::string& index, std::string_view why) {
  throw error(error_category::unsupported,
              fmt::format("the DynamoDB server does not add index \"{}\" to the existing table \"{}\" ({}); a server "
                          "that builds global secondary indexes only at CreateTable (dynalite) takes an index given "
                          "when the table is created",
                          index, table, why),
              error_details{.engine = "dynamodb", .statement = "UpdateTable " + table});
}

}  // namespace

json connection::attribute_definitions(const engine::table_description& t) {
  json out = json::array();
  std::vector<std::string> named;
  auto add = [&](const std::string& field) {
    if (std::find(named.begin(), named.end(), field) != named.end()) return;
    named.push_back(field);
    const engine::field_def* f = declared_field(t, field);
    out.push_back({{"AttributeName", field}, {"AttributeType", key_type(f ? f->type : field_type::string)}});
  };
  for (const auto& k : t.primary_key) add(k);
  for (const auto& i : t.indexes)
    for (const auto& f : i.fields) add(f);
  return out;
}

json connection::global_indexes(const engine::table_description& t) {
  json out = json::array();
  for (const auto& i : t.indexes) out.push_back(gsi(i, t));
  return out;
}

engine::schema_step connection::create_index(const engine::schema_op& op, const engine::table_description& before,
                                             bool dry_run) {
  engine::schema_step step;
  const engine::index_def& i = op.indexes.at(0);
  if (engine::find_named(before.indexes, i.name)) {
    if (op.if_not_exists) return step;
    throw error(error_category::schema, fmt::format("index \"{}\" on \"{}\" exists already", i.name, op.table),
                error_details{"dynamodb"});
  }
  engine::table_description t = before;
  t.indexes.push_back(i);
  json request{{"TableName", op.table}, {"AttributeDefinitions", attribute_definitions(t)},
               {"GlobalSecondaryIndexUpdates", {{{"Create", gsi(i, t)}}}}};
  step.description.push_back("UpdateTable " + request.dump());
  if (dry_run) return step;
  json got;
  try {
    got = http_->call("UpdateTable", request, op.table);
  } catch (const error& e) {
    // dynalite asks a new index for ProvisionedThroughput even on an on-demand table, where
    // DynamoDB refuses one; it would not build the index either way.
    if (e.code() != "ValidationException" || std::string_view(e.what()).find("provisionedThroughput") == std::string_view::npos)
      throw;
    not_building(op.table, i.name, e.what());
  }
  // DynamoDB lists the new index (CREATING) in its answer. A server that lists none did not
  // start one: dynalite, for one, builds indexes only when a table is made.
  if (index_status(got.value("TableDescription", json::object()), i.name).empty())
    not_building(op.table, i.name, "it accepted UpdateTable and lists no such index");
  wait_for_index(op.table, i.name, false);
  save_definition(t);
  return step;
}

engine::schema_step connection::drop_index(const engine::schema_op& op, const engine::table_description& before,
                                           bool dry_run) {
  engine::schema_step step;
  engine::table_description t = before;
  auto it = std::find_if(t.indexes.begin(), t.indexes.end(), [&](const auto& i) { return i.name == op.name; });
  if (it == t.indexes.end()) {
    if (op.if_exists) return step;
    throw error(error_category::schema, fmt::format("unknown index \"{}\" on \"{}\"", op.name, op.table),
                error_details{"dynamodb"});
  }
  t.indexes.erase(it);
  json request{{"TableName", op.table}, {"GlobalSecondaryIndexUpdates", {{{"Delete", {{"IndexName", op.name}}}}}}};
  step.description.push_back("UpdateTable " + request.dump());
  if (dry_run) return step;
  json got = http_->call("UpdateTable", request, op.table);
  if (index_status(got.value("TableDescription", json::object()), op.name) == "ACTIVE")
    throw error(error_category::unsupported,
                fmt::format("the DynamoDB server accepted UpdateTable but is not deleting index \"{}\" on \"{}\" (dynalite "
                            "deletes an index only with its table)",
                            op.name, op.table),
                error_details{.engine = "dynamodb", .statement = "UpdateTable " + op.table});
  wait_for_index(op.table, op.name, true);
  save_definition(t);
  return step;
}

void connection::wait_for_index(const std::string& table, const std::string& name, bool gone) {
  const auto deadline = clock::now() + index_timeout;
  for (auto pause = std::chrono::milliseconds(50);; pause = std::min(pause * 2, std::chrono::milliseconds(5000))) {
    json d = http_->call("DescribeTable", json{{"TableName", table}}, table)["Table"];
    const std::string status = index_status(d, name);
    if (gone ? status.empty() : status == "ACTIVE") return;
    if (clock::now() > deadline)
      throw error(error_category::timeout,
                  fmt::format("index \"{}\" on \"{}\" was not {} within {} minutes (it is {})", name, table,
                              gone ? "deleted" : "ACTIVE",
                              std::chrono::duration_cast<std::chrono::minutes>(index_timeout).count(), status),
                  error_details{.engine = "dynamodb", .statement = "DescribeTable " + table});
    std::this_thread::sleep_for(pause);
  }
}

}  // namespace tether::detail::dynamodb
