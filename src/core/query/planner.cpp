// Options → plan, and the plan's shape (the statement-cache key).
#include "core/query/planner.hpp"
#include "core/values/utf8.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <span>
#include <unordered_set>

namespace tether::detail {
namespace {

using engine::aggregate_fn;
using engine::assignment;
using engine::filter_node;
using engine::plan;
using engine::plan_kind;
using engine::update_op;

[[noreturn]] void fail(std::string message) {
  throw error(error_category::usage, std::move(message));
}

}  // namespace

void require(bool capable, std::string_view feature, const engine::capabilities& caps) {
  if (!capable)
    throw error(error_category::unsupported,
                fmt::format("{} is not supported by the {} engine", feature, caps.engine.empty() ? "this" : caps.engine),
                error_details{caps.engine});
}

namespace {

using engine::shape_key;

void append_filter_shape(shape_key& s, const filter_node& n, const plan& p) {
  if (n.kind == engine::logic::leaf) {
    s.append(n.field);
    char code[2] = {'\x01', static_cast<char>('a' + static_cast<int>(n.op))};
    s.append(std::string_view(code, 2));
    if (n.op == engine::compare::in || n.op == engine::compare::nin) s.append(std::to_string(n.param_count));
    if (engine::is_text_match(n.op) && n.first_param != engine::no_param && engine::long_text(*p.params[n.first_param]))
      s.push_back('L');
    else if (auto k = p.number_kind(n); k != engine::operand_number::integer_or_other)
      s.push_back(k == engine::operand_number::real ? 'R' : k == engine::operand_number::decimal ? 'D' : 'B');
    s.push_back(';');
    return;
  }
  s.push_back('(');
  s.push_back(static_cast<char>('0' + static_cast<int>(n.kind)));
  for (const auto& c : n.children) append_filter_shape(s, c, p);
  s.push_back(')');
}

void append_list(shape_key& s, std::span<const std::string> items) {
  for (const auto& i : items) {
    s.append(i);
    s.push_back(',');
  }
  s.push_back('|');
}

// Everything that changes the rendered text, and nothing that does not.
void compute_shape(plan& p) {
  shape_key& s = p.shape;
  s.push_back(static_cast<char>('A' + static_cast<int>(p.kind)));
  s.append(p.table);
  s.push_back('|');
  append_list(s, p.columns);
  if (p.row_count > 0) {  // an insert's text has one VALUES group per row
    s.append(std::to_string(p.row_count));
    s.push_back('|');
  }
  append_filter_shape(s, p.where, p);
  s.push_back('|');
  for (std::size_t i = 0; i < p.order_by.size(); ++i) {
    s.append(p.order_by[i].column);
    s.append(p.order_by[i].dir == direction::desc ? "-" : "+");
    s.append(p.not_null_order(i) ? "!," : ",");
  }
  s.push_back(p.limit != engine::no_param ? 'L' : '_');
  s.push_back(p.want_ids ? 'i' : '_');
  s.push_back(p.offset != engine::no_param ? 'O' : '_');
  for (const auto& a : p.set) {
    s.append(a.column);
    s.push_back(static_cast<char>('a' + static_cast<int>(a.op)));
    s.push_back(',');
  }
  s.push_back('|');
  append_list(s, p.returning);
  if (p.has_conflict) {
    s.push_back(p.on_conflict == conflict_action::update ? 'U' : 'I');
    append_list(s, p.conflict_columns);
    append_list(s, p.conflict_update);
  }
  for (const auto& a : p.aggregates) {
    s.append(a.alias);
    s.push_back(static_cast<char>('a' + static_cast<int>(a.fn)));
    s.append(a.column);
    s.push_back(',');
  }
  append_list(s, p.group_by);
  append_filter_shape(s, p.having, p);
  if (p.kind == plan_kind::raw) s.append(p.raw_query);
}

void validate_columns(std::span<const std::string> cols, std::string_view what) {
  for (const auto& c : cols) validate_identifier(c, what);
}

void set_paging(plan& p, const std::optional<std::int64_t>& limit,
                const std::optional<std::int64_t>& offset) {
  check_paging(limit, offset);
  if (limit) p.limit = p.add_owned(*limit);
  if (offset) p.offset = p.add_owned(*offset);
}

void set_returning(plan& p, const std::vector<std::string>& returning,
                   const engine::capabilities& caps) {
  if (returning.empty()) return;
  require(caps.returning, "returning", caps);
  if (returning.size() == 1 && returning[0] == "*") {
    p.returning = returning;
    return;
  }
  validate_columns(returning, "returning column");
  p.returning = returning;
}

// Every plan starts the same way: its kind, and a table whose name is valid.
plan begin_plan(plan_kind kind, const std::string& table) {
  validate_identifier(table, "table");
  plan p;
  p.kind = kind;
  p.table = table;
  return p;
}

// What a parsed filter means, as far as its structure tells: every row, no row, or it
// depends on the rows. An empty $and matches every row; $nin [] every row; $in [] none.
enum class extent { all, none, some };

extent extent_of(const filter_node& n) {
  using engine::logic;
  switch (n.kind) {
    case logic::leaf:
      if (n.param_count == 0 && n.op == engine::compare::nin) return extent::all;
      if (n.param_count == 0 && n.op == engine::compare::in) return extent::none;
      return extent::some;
    case logic::and_: {
      extent e = extent::all;
      for (const auto& c : n.children) {
        extent x = extent_of(c);
        if (x == extent::none) return extent::none;
        if (x == extent::some) e = extent::some;
      }
      return e;
    }
    case logic::or_: {
      extent e = extent::none;
      for (const auto& c : n.children) {
        extent x = extent_of(c);
        if (x == extent::all) return extent::all;
        if (x == extent::some) e = extent::some;
      }
      return e;
    }
    case logic::nor_:
    case logic::not_: {  // not (any child)
      extent any = extent::none;
      for (const auto& c : n.children) {
        extent x = extent_of(c);
        if (x == extent::all) return extent::none;
        if (x == extent::some) any = extent::some;
      }
      return any == extent::none ? extent::all : extent::some;
    }
  }
  return extent::some;
}

// The empty-where guard looks at what the filter means, not at how it is written:
// {"$and": [{}]}, {"$or": [{}, {"id": 1}]} and {"$nin": []} match every row as {} does.
void require_where(const filter_node& where, bool all_rows, std::string_view verb, const std::string& table) {
  const bool everything = extent_of(where) == extent::all;
  if (everything && !all_rows)
    fail(fmt::format("refusing to {} every row of \"{}\" with an empty where (or one that matches every row); "
                     "pass a filter that selects rows, or set all_rows = true to mean every row",
                     verb, table));
  if (!everything && all_rows)
    fail(fmt::format("all_rows = true with a where that selects rows on \"{}\" is ambiguous; use one", table));
}

struct update_spec {
  std::string_view name;
  update_op op;
};

constexpr update_spec update_ops[] = {
    {"$set", update_op::set},       {"$unset", update_op::unset},   {"$inc", update_op::inc},
    {"$dec", update_op::dec},       {"$mul", update_op::mul},       {"$min", update_op::min},
    {"$max", update_op::max},       {"$concat", update_op::concat}, {"$push", update_op::push},
    {"$pull", update_op::pull},     {"$addToSet", update_op::add_to_set},
    {"$pop", update_op::pop_last},  {"$rename", update_op::rename}, {"$currentDate", update_op::current_date},
};

void add_assignment(plan& p, std::unordered_set<std::string_view>& seen, const std::string& column,
                    update_op op, const value* operand, std::string_view op_name,
                    const engine::capabilities& caps) {
  validate_identifier(column, "column");
  if (!seen.insert(column).second)
    fail(fmt::format("column \"{}\" is assigned more than once in one update", column));
  auto bad = [&](std::string_view expected) {
    fail(fmt::format("{} on column \"{}\" takes {}, got {}", op_name, column, expected,
                     operand ? operand->to_json() : "nothing"));
  };
  if (operand && !operand->is_scalar() && operand->depth() > max_nesting_depth)
    fail(fmt::format("{} on column \"{}\" nests deeper than {} levels (tether's limit)", op_name, column,
                     max_nesting_depth));
  assignment a{column, op, engine::no_param};
  switch (op) {
    case update_op::set: break;
    case update_op::unset: operand = nullptr; break;
    case update_op::inc:
    case update_op::dec:
    case update_op::mul:
      if (!operand->is_number()) bad("a number");
      break;
    case update_op::min:
    case update_op::max:
      if (operand->is_null() || !operand->is_scalar()) bad("a single non-null value");
      break;
    case update_op::concat:
      if (!operand->is_string()) bad("a string");
      break;
    case update_op::push:
    case update_op::pull:
    case update_op::add_to_set:
      require(caps.json_arrays, op_name, caps);
      if ((op == update_op::pull || op == update_op::add_to_set) && !operand->is_scalar())
        bad("a single value (not an array or object)");
      break;
    case update_op::pop_first:
    case update_op::pop_last:
      require(caps.json_arrays, op_name, caps);
      if (operand->kind() != value_kind::integer ||
          (operand->as_int() != 1 && operand->as_int() != -1))
        bad("1 (remove the last element) or -1 (remove the first)");
      a.op = operand->as_int() == 1 ? update_op::pop_last : update_op::pop_first;
      operand = nullptr;
      break;
    case update_op::rename:
      // {"$rename": {"from": "to"}}: the value moves; "to" is written, so no other change
      // may name it (MongoDB refuses the same).
      require(caps.rename_updates, op_name, caps);
      if (!operand->is_string()) bad("the name of the field to move the value to");
      validate_identifier(operand->as_string(), "column");
      if (operand->as_string() == column) bad("another field's name");
      if (!seen.insert(operand->as_string()).second)
        fail(fmt::format("column \"{}\" is assigned more than once in one update", operand->as_string()));
      break;
    case update_op::current_date: {
      // {"$currentDate": {"at": true}} or {"at": {"$type": "date"}}: a timestamp.
      require(caps.current_date_updates, op_name, caps);
      const value* type = operand->is_object() ? operand->find("$type") : nullptr;
      const bool date = operand->kind() == value_kind::boolean && operand->as_bool();
      if (!date && !(type && operand->size() == 1 && type->is_string() && type->as_string() == "date"))
        bad(type && type->is_string() && type->as_string() == "timestamp"
                ? "true or {\"$type\": \"date\"} (MongoDB's internal timestamp type is not a tether value)"
                : "true or {\"$type\": \"date\"}");
      operand = nullptr;
      break;
    }
  }
  if (operand) a.param = p.add_param(operand);
  p.set.push_back(std::move(a));
}

void parse_update_data(plan& p, const value& data, const engine::capabilities& caps) {
  if (!data.is_object() || data.size() == 0)
    fail(fmt::format("update data for \"{}\" must be a non-empty object such as "
                     "{{\"name\": \"x\", \"$inc\": {{\"visits\": 1}}}}",
                     p.table));
  std::unordered_set<std::string_view> seen;
  for (const auto& [key, v] : data.as_object()) {
    if (key.empty() || key[0] != '$') {
      add_assignment(p, seen, key, update_op::set, &v, "a value", caps);
      continue;
    }
    const update_spec* spec = nullptr;
    for (const auto& s : update_ops)
      if (s.name == key) spec = &s;
    if (!spec)
      fail(fmt::format("unknown update operator \"{}\"; expected one of $set $unset $inc $dec "
                       "$mul $min $max $concat $push $pull $addToSet $pop $rename $currentDate",
                       key));
    if (spec->op == update_op::unset && v.is_array()) {
      for (const auto& col : v.as_array()) {
        if (!col.is_string()) fail(fmt::format("$unset takes column names, got {}", col.to_json()));
        add_assignment(p, seen, col.as_string(), update_op::unset, nullptr, key, caps);
      }
      continue;
    }
    if (!v.is_object() || v.size() == 0)
      fail(fmt::format("{} takes an object of {{\"column\": operand}}, got {}", key, v.to_json()));
    for (const auto& [col, operand] : v.as_object())
      add_assignment(p, seen, col, spec->op, &operand, key, caps);
  }
}

// Insert rows: every record an object with record 0's keys. Only record 0 is checked here;
// plan::cell() checks the others as the engine reads them (see plan.hpp).
void add_rows(plan& p, std::span<const value> records) {
  if (records.empty()) fail(fmt::format("insert into \"{}\" has no records", p.table));
  const value& first = records.front();
  if (!first.is_object() || first.size() == 0)
    fail(fmt::format("record 0 for \"{}\" must be a non-empty object, got {}", p.table,
                     first.to_json()));
  p.owned_columns.reserve(first.size());
  for (const auto& [k, _] : first.as_object()) {
    validate_identifier(k, "column");
    p.owned_columns.push_back(k);
  }
  p.columns = p.owned_columns;
  p.row_count = records.size();
  p.rows_param = static_cast<std::uint32_t>(p.params.size());
  p.rows = records;
}

void set_conflict(plan& p, const on_conflict& c, const engine::capabilities& caps) {
  require(caps.upsert, "on_conflict", caps);
  if (c.columns.empty())
    fail(fmt::format("on_conflict for \"{}\" needs the columns of a unique key", p.table));
  validate_columns(c.columns, "conflict column");
  validate_columns(c.update, "conflict update column");
  p.has_conflict = true;
  p.on_conflict = c.action;
  p.conflict_columns = c.columns;
  if (c.action == conflict_action::update) {
    p.conflict_update = c.update;
    if (p.conflict_update.empty())
      for (const auto& col : p.columns)
        if (std::find(c.columns.begin(), c.columns.end(), col) == c.columns.end())
          p.conflict_update.push_back(col);
  }
}

}  // namespace

namespace {
// 1: may start an identifier; 2: may continue one. On every call's hot path.
constexpr std::array<std::uint8_t, 256> identifier_chars = [] {
  std::array<std::uint8_t, 256> t{};
  for (int c = 'a'; c <= 'z'; ++c) t[c] = 3;
  for (int c = 'A'; c <= 'Z'; ++c) t[c] = 3;
  for (int c = '0'; c <= '9'; ++c) t[c] = 2;
  t['_'] = 3;
  return t;
}();

bool valid_part(std::string_view s) noexcept {
  if (s.empty() || s.size() > 128 || !(identifier_chars[static_cast<unsigned char>(s[0])] & 1)) return false;
  for (char c : s)
    if (!identifier_chars[static_cast<unsigned char>(c)]) return false;
  return true;
}
}  // namespace

void check_paging(const std::optional<std::int64_t>& limit, const std::optional<std::int64_t>& offset) {
  if (limit && *limit < 0) fail(fmt::format("limit must be 0 or more, got {}", *limit));
  if (offset && *offset < 0) fail(fmt::format("offset must be 0 or more, got {}", *offset));
}

void validate_identifier(std::string_view name, std::string_view what) {
  if (valid_part(name)) return;
  bool ok = false;
  auto dot = name.find('.');
  if (what == "table" && dot != std::string_view::npos)
    ok = valid_part(name.substr(0, dot)) && valid_part(name.substr(dot + 1));
  if (!ok)
    fail(fmt::format("invalid {} name \"{}\"; expected letters, digits and _ (1 to 128, not "
                     "starting with a digit)",
                     what, name.substr(0, 80)));
}

plan plan_find(const find_options& o, const engine::capabilities& caps) {
  plan p = begin_plan(plan_kind::find, o.table);
  validate_columns(o.select, "column");
  p.columns = o.select;
  parse_filter(o.where, p, p.where, caps);
  for (const auto& term : o.order_by) validate_identifier(term.column, "order_by column");
  p.order_by = o.order_by;
  set_paging(p, o.limit, o.offset);
  compute_shape(p);
  return p;
}

void mark_not_null_order(plan& p, const engine::table_description& t) {
  std::uint32_t bits = 0;
  for (std::size_t i = 0; i < p.order_by.size() && i < 32; ++i) {
    const auto* f = engine::find_named(t.columns, p.order_by[i].column);
    if (f && !f->nullable) bits |= 1u << i;
  }
  if (bits == p.order_not_null) return;
  p.order_not_null = bits;
  p.shape = {};
  compute_shape(p);
}

plan plan_insert(const insert_options& o, const engine::capabilities& caps) {
  plan p = begin_plan(plan_kind::insert, o.table);
  add_rows(p, o.records.view());
  p.want_ids = o.return_ids;
  if (o.on_conflict) set_conflict(p, *o.on_conflict, caps);
  set_returning(p, o.returning, caps);
  compute_shape(p);
  return p;
}

plan plan_update(const update_options& o, const engine::capabilities& caps) {
  plan p = begin_plan(plan_kind::update, o.table);
  parse_update_data(p, o.data, caps);  // SET params come before WHERE params
  parse_filter(o.where, p, p.where, caps);
  require_where(p.where, o.all_rows, "update", o.table);
  set_returning(p, o.returning, caps);
  compute_shape(p);
  return p;
}

plan plan_remove(const remove_options& o, const engine::capabilities& caps) {
  plan p = begin_plan(plan_kind::remove, o.table);
  parse_filter(o.where, p, p.where, caps);
  require_where(p.where, o.all_rows, "delete", o.table);
  set_returning(p, o.returning, caps);
  compute_shape(p);
  return p;
}

plan plan_upsert(const upsert_options& o, const engine::capabilities& caps) {
  plan p = begin_plan(plan_kind::upsert, o.table);
  require(caps.upsert, "upsert", caps);
  if (!o.data.is_object() || o.data.size() == 0)
    fail(fmt::format("upsert data for \"{}\" must be a non-empty object", o.table));
  add_rows(p, std::span<const value>(&o.data, 1));
  if (o.conflict_keys.empty())
    fail(fmt::format("upsert into \"{}\" needs conflict_keys: the columns of a unique key", o.table));
  for (const auto& k : o.conflict_keys) {
    validate_identifier(k, "conflict key");
    if (!o.data.find(k))
      fail(fmt::format("upsert conflict key \"{}\" is missing from the data for \"{}\"", k, o.table));
  }
  validate_columns(o.update_columns, "update column");
  for (const auto& c : o.update_columns)
    if (!o.data.find(c))
      fail(fmt::format("upsert update column \"{}\" is missing from the data for \"{}\"", c, o.table));
  on_conflict c{o.conflict_keys, conflict_action::update, o.update_columns};
  set_conflict(p, c, caps);
  p.returning = {"*"};
  compute_shape(p);
  return p;
}

plan plan_count(const count_options& o, const engine::capabilities& caps) {
  plan p = begin_plan(plan_kind::count, o.table);
  if (!o.column.empty()) validate_identifier(o.column, "column");
  if (o.distinct && o.column.empty())
    fail(fmt::format("count with distinct on \"{}\" needs a column", o.table));
  p.aggregates.push_back({"count", o.distinct ? aggregate_fn::count_distinct : aggregate_fn::count,
                          o.column.empty() ? "*" : o.column, engine::no_param});
  parse_filter(o.where, p, p.where, caps);
  compute_shape(p);
  return p;
}

plan plan_column(const column_options& o, aggregate_fn fn, const engine::capabilities& caps) {
  plan p = begin_plan(plan_kind::count, o.table);
  if (o.column.empty()) fail(fmt::format("this aggregate on \"{}\" needs a column", o.table));
  validate_identifier(o.column, "column");
  p.aggregates.push_back({"value", fn, o.column, engine::no_param});
  parse_filter(o.where, p, p.where, caps);
  compute_shape(p);
  return p;
}

plan plan_aggregate(const aggregate_options& o, const engine::capabilities& caps) {
  require(caps.aggregates, "aggregate", caps);
  plan p = begin_plan(plan_kind::aggregate, o.table);
  validate_columns(o.group_by, "group_by column");
  p.group_by = o.group_by;
  if (!o.operations.is_object() || o.operations.size() == 0)
    fail(fmt::format("aggregate on \"{}\" needs operations such as "
                     "{{\"total\": {{\"$sum\": \"amount\"}}}}",
                     o.table));
  for (const auto& [alias, spec] : o.operations.as_object()) {
    validate_identifier(alias, "aggregate alias");
    if (!spec.is_object() || spec.size() != 1)
      fail(fmt::format("aggregate \"{}\" must be one {{\"$fn\": column}}, got {}", alias,
                       spec.to_json()));
    const auto& [fn_name, arg] = spec.as_object()[0];
    engine::aggregate_term t{alias, aggregate_fn::count, "", engine::no_param};
    if (fn_name == "$count" || fn_name == "$COUNT") t.fn = aggregate_fn::count;
    else if (fn_name == "$sum" || fn_name == "$SUM") t.fn = aggregate_fn::sum;
    else if (fn_name == "$avg" || fn_name == "$AVG") t.fn = aggregate_fn::avg;
    else if (fn_name == "$min" || fn_name == "$MIN") t.fn = aggregate_fn::min;
    else if (fn_name == "$max" || fn_name == "$MAX") t.fn = aggregate_fn::max;
    else if (fn_name == "$stringAgg" || fn_name == "$STRING_AGG") t.fn = aggregate_fn::string_agg;
    else
      fail(fmt::format("unknown aggregate function \"{}\" for \"{}\"; expected one of $count $sum "
                       "$avg $min $max $stringAgg",
                       fn_name, alias));
    const value* column = &arg;
    if (t.fn == aggregate_fn::string_agg && arg.is_object()) {
      column = arg.find("column");
      const value* sep = arg.find("separator");
      if (!column) fail(fmt::format("$stringAgg for \"{}\" needs a \"column\"", alias));
      if (sep) {
        if (!sep->is_string())
          fail(fmt::format("$stringAgg separator for \"{}\" must be a string", alias));
        if (invalid_utf8_at(sep->as_string()) != std::string_view::npos)
          check_utf8(sep->as_string(), fmt::format("the $stringAgg separator for \"{}\"", alias));
        t.separator = p.add_param(sep);
      }
    }
    if (t.fn == aggregate_fn::string_agg && t.separator == engine::no_param)
      t.separator = p.add_owned(",");
    if (!column->is_string())
      fail(fmt::format("aggregate \"{}\" takes a column name, got {}", alias, column->to_json()));
    t.column = column->as_string();
    if (!(t.fn == aggregate_fn::count && t.column == "*")) validate_identifier(t.column, "column");
    p.aggregates.push_back(std::move(t));
  }
  // String-agg separators are params in SELECT, which comes before WHERE in the text.
  parse_filter(o.where, p, p.where, caps);
  std::vector<std::string> names = p.group_by;
  for (const auto& a : p.aggregates) names.push_back(a.alias);
  auto known = [&](const std::string& n) {
    return std::find(names.begin(), names.end(), n) != names.end();
  };
  parse_filter(o.having, p, p.having, caps);
  std::vector<const filter_node*> stack{&p.having};
  while (!stack.empty()) {
    const filter_node* n = stack.back();
    stack.pop_back();
    if (n->kind == engine::logic::leaf && !known(n->field))
      fail(fmt::format("having refers to \"{}\", which is neither an aggregate alias nor a "
                       "group_by column",
                       n->field));
    for (const auto& c : n->children) stack.push_back(&c);
  }
  for (const auto& term : o.order_by)
    if (!known(term.column))
      fail(fmt::format("aggregate order_by \"{}\" is neither an aggregate alias nor a group_by "
                       "column",
                       term.column));
  p.order_by = o.order_by;
  set_paging(p, o.limit, o.offset);
  compute_shape(p);
  return p;
}

plan plan_raw(const raw_options& o, const engine::capabilities& caps) {
  require(caps.raw_queries, "raw", caps);
  if (o.query.find_first_not_of(" \t\r\n") == std::string::npos)
    fail("raw needs a query; got an empty one");
  plan p;
  p.kind = plan_kind::raw;
  p.raw_query = o.query;
  for (std::size_t i = 0; i < o.params.size(); ++i) {
    if (!o.params[i].is_scalar() && o.params[i].depth() > max_nesting_depth)
      fail(fmt::format("raw param {} nests deeper than {} levels (tether's limit)", i + 1, max_nesting_depth));
    p.add_param(&o.params[i]);
  }
  compute_shape(p);
  return p;
}

}  // namespace tether::detail

namespace tether::engine {

const value& plan::find_cell(std::size_t r, std::size_t c) const {
  const value& rec = rows[r];
  if (!rec.is_object())
    throw error(error_category::usage,
                fmt::format("record {} for \"{}\" must be an object, got {}", r, table, rec.to_json()));
  if (rec.size() != columns.size())
    throw error(error_category::usage,
                fmt::format("record {} for \"{}\" has {} columns, record 0 has {}; every record in one "
                            "insert must have the same columns",
                            r, table, rec.size(), columns.size()));
  if (const value* v = rec.find(columns[c])) return v->is_scalar() ? *v : checked_container(r, c, *v);
  throw error(error_category::usage,
              fmt::format("record {} for \"{}\" has no column \"{}\" that record 0 has; every record "
                          "in one insert must have the same columns",
                          r, table, columns[c]));
}

const value& plan::checked_container(std::size_t r, std::size_t c, const value& v) const {
  if (v.depth() > max_nesting_depth)
    throw error(error_category::usage,
                fmt::format("record {} for \"{}\" nests deeper than {} levels in column \"{}\" (tether's limit)", r,
                            table, max_nesting_depth, columns[c]));
  if (const value* name = detail::param_name(v))
    throw error(error_category::usage,
                fmt::format("record {} for \"{}\" has tether::param({}) in column \"{}\", which has no value "
                            "here; placeholders in records are for prepared inserts: auto q = "
                            "db.prepare_insert({{…}}); q.run({{{{{}, value}}}})",
                            r, table, name->to_json(), columns[c], name->to_json()));
  return v;
}

}  // namespace tether::engine
