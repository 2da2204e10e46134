// Tables on DynamoDB: CreateTable/DeleteTable waited on until done, the fields tether knows
// (kept in tether_schema, since DynamoDB keeps only keys), introspection, and the
// migration lock (a conditional PutItem with an owner and an expiry).
#include <fmt/format.h>

#include <chrono>
#include <random>
#include <thread>

#include "core/migrations/recorded_table.hpp"
#include "core/migrations/schema_ops.hpp"
#include "connection.hpp"
#include "tether/error.hpp"
#include "types.hpp"

namespace tether::detail::dynamodb {
namespace {

using clock = std::chrono::steady_clock;
constexpr auto ddl_timeout = std::chrono::seconds(120);
constexpr const char* lock_item = "tether#migration_lock";
constexpr auto lock_lease = std::chrono::minutes(10);  // a crashed migrator's lock expires

[[noreturn]] void refuse(const engine::schema_op& op, std::string_view what) {
  throw error(error_category::unsupported,
              fmt::format("{} on \"{}\" is not supported by the dynamodb engine", what, op.table),
              error_details{"dynamodb"});
}

std::string definition_text(const engine::table_description& t) { return recorded_definition(t).to_json(); }

std::int64_t epoch_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

void connection::ensure_schema_table() {
  if (schema_table_ready_) return;
  try {
    http_->call("CreateTable",
                json{{"TableName", schema_table},
                     {"KeySchema", {{{"AttributeName", "table"}, {"KeyType", "HASH"}}}},
                     {"AttributeDefinitions", {{{"AttributeName", "table"}, {"AttributeType", "S"}}}},
                     {"BillingMode", "PAY_PER_REQUEST"}},
                schema_table);
  } catch (const error& e) {
    if (e.code() != "ResourceInUseException") throw;  // there already (or being made by another)
  }
  wait_until(schema_table, false);
  schema_table_ready_ = true;
}

void connection::wait_until(const std::string& name, bool gone) {
  const auto deadline = clock::now() + ddl_timeout;
  for (auto pause = std::chrono::milliseconds(20);; pause = std::min(pause * 2, std::chrono::milliseconds(1000))) {
    try {
      json d = http_->call("DescribeTable", json{{"TableName", name}}, name);
      if (!gone && d["Table"].value("TableStatus", "") == "ACTIVE") return;
    } catch (const error& e) {
      if (e.code() != "ResourceNotFoundException") throw;
      if (gone) return;
    }
    if (clock::now() > deadline)
      throw error(error_category::timeout,
                  fmt::format("table \"{}\" did not become {} within {} s", name, gone ? "deleted" : "ACTIVE",
                              ddl_timeout.count()),
                  error_details{.engine = "dynamodb", .statement = "DescribeTable " + name});
    std::this_thread::sleep_for(pause);
  }
}

void connection::save_definition(const engine::table_description& t) {
  definitions_->forget(t.name);
  ensure_schema_table();
  http_->call("UpdateItem",
              json{{"TableName", schema_table},
                   {"Key", {{"table", {{"S", t.name}}}}},
                   {"UpdateExpression", "SET #d = :d"},
                   {"ExpressionAttributeNames", {{"#d", "definition"}}},
                   {"ExpressionAttributeValues", {{":d", {{"S", definition_text(t)}}}}}},
              schema_table);
}

void connection::forget_definition(const std::string& table) {
  definitions_->forget(table);
  ensure_schema_table();
  http_->call("DeleteItem", json{{"TableName", schema_table}, {"Key", {{"table", {{"S", table}}}}}}, schema_table);
}

// Kept for a moment (recorded_definitions.hpp), so that a call is one request, not two.
engine::table_description connection::table(const std::string& name, bool* recorded) {
  if (auto kept = definitions_->find(name)) {
    if (recorded) *recorded = kept->recorded;
    return std::move(kept->table);
  }
  const std::uint64_t read_at = definitions_->generation();
  bool was_recorded = false;
  auto d = describe_table(name, &was_recorded);
  if (!d) throw error(error_category::schema, fmt::format("unknown table \"{}\"", name),
                      error_details{.engine = "dynamodb", .code = "ResourceNotFoundException", .statement = "DescribeTable " + name});
  definitions_->keep(name, {*d, was_recorded}, read_at);
  if (recorded) *recorded = was_recorded;
  return std::move(*d);
}

// What tether recorded of the table (one GetItem: its fields and key), else what
// DynamoDB tells of a table tether did not make (DescribeTable: the key alone, typed by
// its attribute types). Read afresh: a migration asks what the table is now.
std::optional<engine::table_description> connection::describe(std::string_view name) {
  return describe_table(name, nullptr);
}

std::optional<engine::table_description> connection::describe_table(std::string_view name, bool* recorded) {
  if (recorded) *recorded = false;
  engine::table_description t;
  t.name = std::string(name);
  if (name != schema_table) {
    ensure_schema_table();
    json got = http_->call("GetItem", json{{"TableName", schema_table}, {"Key", {{"table", {{"S", name}}}}},
                                           {"ConsistentRead", true}}, schema_table);
    if (got.contains("Item") && got["Item"].contains("definition")) {
      t = from_recorded(std::string(name), value::from_json(got["Item"]["definition"]["S"].get<std::string>()));
      if (recorded) *recorded = true;
      return t;
    }
  }
  json d;
  try {
    d = http_->call("DescribeTable", json{{"TableName", name}}, name);
  } catch (const error& e) {
    if (e.code() == "ResourceNotFoundException") return std::nullopt;
    throw;
  }
  for (const auto& k : d["Table"]["KeySchema"]) t.primary_key.push_back(k["AttributeName"].get<std::string>());
  for (const auto& k : t.primary_key) {
    engine::field_def f{.name = k, .nullable = false, .primary_key = true};
    for (const auto& a : d["Table"]["AttributeDefinitions"])
      if (a["AttributeName"] == k) {
        const std::string type = a["AttributeType"].get<std::string>();
        f.type = type == "N" ? field_type::bigint : type == "B" ? field_type::binary : field_type::string;
      }
    t.columns.push_back(std::move(f));
  }
  for (const auto& g : d["Table"].value("GlobalSecondaryIndexes", json::array())) {
    engine::index_def index{.name = g.value("IndexName", "")};
    for (const auto& k : g["KeySchema"]) index.fields.push_back(k["AttributeName"].get<std::string>());
    t.indexes.push_back(std::move(index));
  }
  return t;
}

void connection::require_present(const engine::table_description& t, const std::string& field) {
  json scan{{"TableName", t.name}, {"ConsistentRead", true},
            {"FilterExpression", "attribute_not_exists(#f) OR attribute_type(#f, :null)"},
            {"ExpressionAttributeNames", {{"#f", field}}},
            {"ExpressionAttributeValues", {{":null", {{"S", "NULL"}}}}}, {"Select", "COUNT"}};
  for (;;) {
    json page = http_->call("Scan", scan, t.name);
    if (page.value("Count", 0) > 0)
      throw error(error_category::not_null_violation,
                  fmt::format("\"{}.{}\" cannot become required: an item has no value for it; nothing was changed",
                              t.name, field),
                  error_details{.engine = "dynamodb", .statement = "Scan " + t.name});
    if (!page.contains("LastEvaluatedKey")) return;
    scan["ExclusiveStartKey"] = std::move(page["LastEvaluatedKey"]);
  }
}

void connection::backfill(const engine::table_description& t, const std::string& update, const std::string& condition,
                          const json& names, const json& values) {
  json scan{{"TableName", t.name}, {"ConsistentRead", true}};
  json projection = json::array();
  std::string keys;
  json scan_names = json::object();
  for (std::size_t i = 0; i < t.primary_key.size(); ++i) {
    keys += (i ? ", #k" : "#k") + std::to_string(i);
    scan_names["#k" + std::to_string(i)] = t.primary_key[i];
  }
  scan["ProjectionExpression"] = keys;
  scan["ExpressionAttributeNames"] = scan_names;
  for (;;) {
    json page = http_->call("Scan", scan, t.name);
    for (auto& key : page["Items"]) {
      json request{{"TableName", t.name}, {"Key", key}, {"UpdateExpression", update},
                   {"ConditionExpression", condition}, {"ExpressionAttributeNames", names}};
      if (!values.empty()) request["ExpressionAttributeValues"] = values;
      try {
        http_->call("UpdateItem", request, t.name);
      } catch (const error& e) {
        if (e.code() != "ConditionalCheckFailedException") throw;  // nothing to change on this item
      }
    }
    if (!page.contains("LastEvaluatedKey")) break;
    scan["ExclusiveStartKey"] = std::move(page["LastEvaluatedKey"]);
  }
}

std::vector<std::string> connection::list_tables() {
  std::vector<std::string> out;
  json request = json::object();
  for (;;) {
    json page = http_->call("ListTables", request);
    for (const auto& n : page["TableNames"])
      if (n.get<std::string>() != schema_table) out.push_back(n.get<std::string>());
    if (!page.contains("LastEvaluatedTableName")) break;
    request["ExclusiveStartTableName"] = page["LastEvaluatedTableName"];
  }
  return out;
}

engine::schema_step connection::apply(const engine::schema_op& op, const engine::table_description* before,
                                      bool dry_run) {
  using kind = engine::schema_op_kind;
  // However it ends, the tables it touched are read afresh by every connection of this process.
  struct forget_after {
    recorded_definitions& cache;
    const engine::schema_op& op;
    bool dry_run;
    ~forget_after() {
      if (dry_run) return;
      cache.forget(op.table);
      if (!op.new_name.empty()) cache.forget(op.new_name);
    }
  } forget{*definitions_, op, dry_run};
  engine::schema_step step;
  switch (op.kind) {
    case kind::create_collection: {
      std::vector<const engine::field_def*> keys;
      for (const auto& f : op.fields)
        if (f.primary_key) keys.push_back(&f);
      if (keys.empty() || keys.size() > 2)
        throw error(error_category::usage,
                    fmt::format("a DynamoDB table needs a primary key of one field (the partition key) or two (partition "
                                "and sort key); \"{}\" has {}", op.table, keys.size()),
                    error_details{"dynamodb"});
      engine::table_description t{.name = op.table, .columns = op.fields, .indexes = op.indexes};
      for (const auto* k : keys) t.primary_key.push_back(k->name);
      json schema = json::array();
      for (std::size_t i = 0; i < keys.size(); ++i)
        schema.push_back({{"AttributeName", keys[i]->name}, {"KeyType", i == 0 ? "HASH" : "RANGE"}});
      json request{{"TableName", op.table}, {"KeySchema", schema}, {"AttributeDefinitions", attribute_definitions(t)},
                   {"BillingMode", "PAY_PER_REQUEST"}};
      if (!t.indexes.empty()) request["GlobalSecondaryIndexes"] = global_indexes(t);
      step.description.push_back("CreateTable " + request.dump());
      if (dry_run) return step;
      // The definition is recorded before the table is made, so that another migrator that
      // finds the table (or is told it is being made) finds its fields too; it then waits
      // for ACTIVE.
      const bool known = describe(op.table).has_value();
      if (known && op.if_not_exists) {
        wait_until(op.table, false);
        return step;
      }
      if (!known) save_definition(t);
      try {
        http_->call("CreateTable", request, op.table);
      } catch (const error& e) {
        if (op.if_not_exists && e.code() == "ResourceInUseException") {  // made by another meanwhile
          wait_until(op.table, false);
          return step;
        }
        if (!known) forget_definition(op.table);
        throw;
      }
      wait_until(op.table, false);
      if (known) save_definition(t);  // a record left by a create that never made its table
      return step;
    }
    case kind::drop_collection: {
      step.description.push_back(fmt::format("DeleteTable {{\"TableName\":\"{}\"}}", op.table));
      if (dry_run) return step;
      try {
        http_->call("DeleteTable", json{{"TableName", op.table}}, op.table);
      } catch (const error& e) {
        if (!(op.if_exists && e.code() == "ResourceNotFoundException")) throw;
      }
      wait_until(op.table, true);
      forget_definition(op.table);
      return step;
    }
    case kind::add_field:
    case kind::drop_field:
    case kind::rename_field:
    case kind::modify_field: {
      // DynamoDB items have no fixed fields: the change is recorded in tether_schema (what
      // describe reports and reads decode by), and existing items are brought along as the
      // SQL engines' rows are: an added field's default is written where the item has none,
      // a dropped field's attribute is removed, a renamed one moved (item by item: not
      // atomic across items). A modified field's values are read by its new type.
      if (!before) throw error(error_category::schema, fmt::format("unknown table \"{}\"", op.table), error_details{"dynamodb"});
      engine::table_description t = *before;
      auto& cols = t.columns;
      auto named = [&](const std::string& n) {
        return std::find_if(cols.begin(), cols.end(), [&](const engine::field_def& f) { return f.name == n; });
      };
      const std::string field = op.kind == kind::add_field || op.kind == kind::modify_field ? op.fields.at(0).name : op.name;
      if (std::find(t.primary_key.begin(), t.primary_key.end(), field) != t.primary_key.end() && op.kind != kind::add_field)
        refuse(op, fmt::format("changing key field \"{}\"", field));
      // An index on the field: dropped with it, as the SQL engines drop it; a rename or a
      // change of the field's key type would leave the index keyed on what is no longer there.
      for (std::size_t i = 0; i < t.indexes.size();) {
        const auto& fs = t.indexes[i].fields;
        if (op.kind == kind::add_field || std::find(fs.begin(), fs.end(), field) == fs.end()) {
          ++i;
          continue;
        }
        if (op.kind == kind::rename_field ||
            (op.kind == kind::modify_field && named(field) != cols.end() && key_type(op.fields.at(0).type) != key_type(named(field)->type)))
          refuse(op, fmt::format("changing field \"{}\", a key of index \"{}\" (drop the index first)", field,
                                 t.indexes[i].name));
        if (op.kind != kind::drop_field) {
          ++i;
          continue;
        }
        engine::schema_op drop{.kind = kind::drop_index, .table = op.table, .name = t.indexes[i].name};
        for (auto& d : drop_index(drop, t, dry_run).description) step.description.push_back(std::move(d));
        t.indexes.erase(t.indexes.begin() + static_cast<std::ptrdiff_t>(i));
      }
      if (op.kind == kind::add_field) {
        if (named(field) != cols.end())
          throw error(error_category::schema, fmt::format("field \"{}.{}\" exists already", op.table, field), error_details{"dynamodb"});
        cols.push_back(op.fields.at(0));
      } else {
        auto it = named(field);
        if (it == cols.end())
          throw error(error_category::schema, fmt::format("unknown field \"{}.{}\"", op.table, field), error_details{"dynamodb"});
        if (op.kind == kind::drop_field) cols.erase(it);
        else if (op.kind == kind::rename_field) it->name = op.new_name;
        else *it = op.fields.at(0);
      }
      step.description.push_back(fmt::format("UpdateItem {} {{\"table\":\"{}\"}} SET definition = {}", schema_table,
                                             op.table, definition_text(t)));
      json names{{"#f", field}}, values = json::object();
      std::string update, condition;
      if (op.kind == kind::add_field && (op.fields.at(0).default_value && !op.fields.at(0).default_value->is_null())) {
        update = "SET #f = :d";
        condition = "attribute_not_exists(#f)";
        values[":d"] = to_attribute(*op.fields.at(0).default_value, field);
      } else if (op.kind == kind::drop_field) {
        update = "REMOVE #f";
        condition = "attribute_exists(#f)";
      } else if (op.kind == kind::rename_field) {
        update = "SET #n = #f REMOVE #f";
        condition = "attribute_exists(#f)";
        names["#n"] = op.new_name;
      }
      if (!update.empty())
        step.description.push_back(fmt::format("Scan {} then UpdateItem of each item: {} (where {})", op.table, update, condition));
      if (dry_run) return step;
      if (op.kind == kind::modify_field && !op.fields.at(0).nullable && op.fields.at(0).default_value == std::nullopt)
        require_present(t, field);
      if (!update.empty()) backfill(t, update, condition, names, values);
      save_definition(t);
      return step;
    }
    case kind::rename_collection: refuse(op, "renaming a table");
    case kind::create_index:
    case kind::drop_index:
      if (!before) throw error(error_category::schema, fmt::format("unknown table \"{}\"", op.table), error_details{"dynamodb"});
      return op.kind == kind::create_index ? create_index(op, *before, dry_run) : drop_index(op, *before, dry_run);
    case kind::add_constraint:
    case kind::drop_constraint: refuse(op, "a constraint");
    case kind::raw: refuse(op, "a raw step");
  }
  return step;
}

void connection::lock_migrations(std::chrono::milliseconds timeout) {
  ensure_schema_table();
  if (lock_owner_.empty()) {
    std::random_device rd;
    lock_owner_ = fmt::format("{:016x}{:08x}", (std::uint64_t{rd()} << 32) | rd(), rd());
  }
  const auto deadline = clock::now() + timeout;
  for (auto pause = std::chrono::milliseconds(10);; pause = std::min(pause * 2, std::chrono::milliseconds(500))) {
    const std::int64_t now = epoch_ms();
    try {
      // Taken when nobody holds it, or when its holder's lease ran out (a crashed migrator).
      http_->call("PutItem",
                  json{{"TableName", schema_table},
                       {"Item", {{"table", {{"S", lock_item}}}, {"owner", {{"S", lock_owner_}}},
                                 {"expires", {{"N", std::to_string(now + std::chrono::milliseconds(lock_lease).count())}}}}},
                       {"ConditionExpression", "attribute_not_exists(#t) OR #e < :now OR #o = :me"},
                       {"ExpressionAttributeNames", {{"#t", "table"}, {"#o", "owner"}, {"#e", "expires"}}},
                       {"ExpressionAttributeValues", {{":now", {{"N", std::to_string(now)}}}, {":me", {{"S", lock_owner_}}}}}},
                  schema_table);
      return;
    } catch (const error& e) {
      if (e.code() != "ConditionalCheckFailedException") throw;
    }
    if (clock::now() >= deadline)
      throw error(error_category::timeout,
                  fmt::format("the migration lock (item \"{}\" of {}) is held by another migrator; waited {} ms",
                              lock_item, schema_table, timeout.count()),
                  error_details{.engine = "dynamodb", .statement = "PutItem " + std::string(schema_table)});
    std::this_thread::sleep_for(pause);
  }
}

void connection::unlock_migrations() {
  try {
    http_->call("DeleteItem",
                json{{"TableName", schema_table}, {"Key", {{"table", {{"S", lock_item}}}}},
                     {"ConditionExpression", "#o = :me"}, {"ExpressionAttributeNames", {{"#o", "owner"}}},
                     {"ExpressionAttributeValues", {{":me", {{"S", lock_owner_}}}}}},
                schema_table);
  } catch (const error& e) {
    if (e.code() != "ConditionalCheckFailedException") throw;  // expired and taken over: not ours
  }
}

}  // namespace tether::detail::dynamodb
