// Schema operations: their JSON form, validation, and generated inverses.
#include "core/migrations/schema_ops.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "core/query/planner.hpp"
#include "tether/error.hpp"

namespace tether::detail {

using engine::constraint_def;
using engine::constraint_type;
using engine::field_def;
using engine::index_def;
using engine::schema_op;
using engine::schema_op_kind;

namespace {

[[noreturn]] void bad(const std::string& what) { throw error(error_category::usage, what); }

constexpr std::pair<schema_op_kind, std::string_view> op_names[] = {
    {schema_op_kind::create_collection, "create_collection"}, {schema_op_kind::drop_collection, "drop_collection"},
    {schema_op_kind::rename_collection, "rename_collection"}, {schema_op_kind::add_field, "add_field"},
    {schema_op_kind::drop_field, "drop_field"},               {schema_op_kind::rename_field, "rename_field"},
    {schema_op_kind::modify_field, "modify_field"},           {schema_op_kind::create_index, "create_index"},
    {schema_op_kind::drop_index, "drop_index"},               {schema_op_kind::add_constraint, "add_constraint"},
    {schema_op_kind::drop_constraint, "drop_constraint"},     {schema_op_kind::raw, "raw"},
};

std::string_view op_name(schema_op_kind k) {
  for (const auto& [kind, name] : op_names)
    if (kind == k) return name;
  return "raw";
}

bool flag(const value& o, std::string_view key) {
  const value* v = o.find(key);
  if (!v || v->is_null()) return false;
  if (v->kind() != value_kind::boolean) bad(fmt::format("\"{}\" must be true or false, got {}", key, v->to_json()));
  return v->as_bool();
}

std::string text(const value& o, std::string_view key, bool required = false) {
  const value* v = o.find(key);
  if (!v || v->is_null()) {
    if (required) bad(fmt::format("missing \"{}\" in {}", key, o.to_json()));
    return {};
  }
  if (!v->is_string()) bad(fmt::format("\"{}\" must be a string, got {}", key, v->to_json()));
  return v->as_string();
}

int number(const value& o, std::string_view key) {
  const value* v = o.find(key);
  if (!v || v->is_null()) return 0;
  if (v->kind() != value_kind::integer || v->as_int() < 0 || v->as_int() > 65535)
    bad(fmt::format("\"{}\" must be a whole number from 0 to 65535, got {}", key, v->to_json()));
  return static_cast<int>(v->as_int());
}

std::vector<std::string> names(const value& o, std::string_view key, std::string_view what) {
  std::vector<std::string> out;
  const value* v = o.find(key);
  if (!v || v->is_null()) return out;
  if (v->is_string()) out.push_back(v->as_string());
  else if (!v->is_array()) bad(fmt::format("\"{}\" must be a list of names, got {}", key, v->to_json()));
  else
    for (const auto& e : v->as_array()) {
      if (!e.is_string()) bad(fmt::format("\"{}\" must be a list of names, got {}", key, e.to_json()));
      out.push_back(e.as_string());
    }
  for (const auto& n : out) validate_identifier(n, what);
  return out;
}

value string_list(const std::vector<std::string>& v) {
  array a;
  for (const auto& s : v) a.emplace_back(s);
  return value(std::move(a));
}

constexpr std::string_view field_keys[] = {"type", "required", "nullable", "unique", "primary_key", "auto_increment",
                                           "default", "length", "precision", "scale", "enum_values", "comment", "name"};

}  // namespace

field_def parse_field(std::string name, const value& def) {
  validate_identifier(name, "field");
  field_def f;
  f.name = std::move(name);
  auto type_of = [&](const std::string& t) {
    auto parsed = parse_field_type(t);
    if (!parsed)
      bad(fmt::format("unknown type \"{}\" for field \"{}\"; expected one of integer bigint smallint float double "
                      "decimal string text boolean date time datetime timestamp json uuid enum array binary blob",
                      t, f.name));
    return *parsed;
  };
  if (def.is_string()) {
    f.type = type_of(def.as_string());
    return f;
  }
  if (!def.is_object())
    bad(fmt::format("field \"{}\" must be a type name or an object with \"type\", got {}", f.name, def.to_json()));
  for (const auto& [key, _] : def.as_object())
    if (std::find(std::begin(field_keys), std::end(field_keys), key) == std::end(field_keys))
      bad(fmt::format("unknown option \"{}\" for field \"{}\"; expected type, required, nullable, unique, "
                      "primary_key, auto_increment, default, length, precision, scale, enum_values or comment",
                      key, f.name));
  f.type = type_of(text(def, "type", true));
  f.primary_key = flag(def, "primary_key");
  f.nullable = !f.primary_key;
  if (def.find("nullable")) f.nullable = flag(def, "nullable");
  if (def.find("required")) f.nullable = !flag(def, "required");
  f.unique = flag(def, "unique");
  f.auto_increment = flag(def, "auto_increment");
  if (f.auto_increment && f.type != field_type::integer && f.type != field_type::bigint && f.type != field_type::smallint)
    bad(fmt::format("field \"{}\": auto_increment needs an integer type, not {}", f.name, to_string(f.type)));
  if (const value* d = def.find("default"); d && !d->is_null()) {
    if (d->is_string() && d->as_string() == "now") f.default_now = true;
    else if (!d->is_scalar() && f.type != field_type::json && f.type != field_type::array)
      bad(fmt::format("field \"{}\": a default must be a single value or \"now\", got {}", f.name, d->to_json()));
    else f.default_value = *d;
  }
  f.length = number(def, "length");
  f.precision = number(def, "precision");
  f.scale = number(def, "scale");
  if (f.scale > f.precision && f.precision) bad(fmt::format("field \"{}\": scale is larger than precision", f.name));
  if (const value* e = def.find("enum_values"); e && !e->is_null()) {
    if (!e->is_array() || e->as_array().empty()) bad(fmt::format("field \"{}\": enum_values must be a list of strings", f.name));
    for (const auto& v : e->as_array()) {
      if (!v.is_string()) bad(fmt::format("field \"{}\": enum_values must be a list of strings", f.name));
      f.enum_values.push_back(v.as_string());
    }
  }
  if (f.type == field_type::enum_ && f.enum_values.empty())
    bad(fmt::format("field \"{}\" is an enum and needs enum_values", f.name));
  f.comment = text(def, "comment");
  // A schema constant is text a SQL engine writes into DDL, where a NUL byte ends it; no
  // engine takes one, so that the same schema means the same everywhere.
  const auto no_nul = [&](std::string_view what, std::string_view s) {
    if (s.find('\0') != std::string_view::npos)
      bad(fmt::format("field \"{}\": {} may not hold a NUL byte", f.name, what));
  };
  if (f.default_value && f.default_value->is_string()) no_nul("a default", f.default_value->as_string());
  for (const auto& v : f.enum_values) no_nul("an enum value", v);
  no_nul("a comment", f.comment);
  return f;
}

value field_to_value(const field_def& f) {
  object o{{"name", f.name}, {"type", std::string(to_string(f.type))}};
  if (!f.nullable) o.emplace_back("required", true);
  if (f.unique) o.emplace_back("unique", true);
  if (f.primary_key) o.emplace_back("primary_key", true);
  if (f.auto_increment) o.emplace_back("auto_increment", true);
  if (f.default_now) o.emplace_back("default", "now");
  else if (f.default_value) o.emplace_back("default", *f.default_value);
  if (f.length) o.emplace_back("length", f.length);
  if (f.precision) o.emplace_back("precision", f.precision);
  if (f.scale) o.emplace_back("scale", f.scale);
  if (!f.enum_values.empty()) o.emplace_back("enum_values", string_list(f.enum_values));
  if (!f.comment.empty()) o.emplace_back("comment", f.comment);
  return value(std::move(o));
}

namespace {

// A tether where-filter held by a schema definition (a partial index's where, a check),
// validated now, before any I/O; the engine renders it with its own literals.
value portable_condition(const value& filter, const std::string& what) {
  engine::plan check;
  engine::capabilities any;
  parse_filter(filter, check, check.where, any);
  if (!check.slots.empty()) bad(fmt::format("{} cannot hold a $param", what));
  return filter;
}

}  // namespace

index_def parse_index(const std::string& table, const value& v) {
  index_def i;
  i.fields = names(v, "fields", "index field");
  if (i.fields.empty()) bad(fmt::format("an index on \"{}\" needs \"fields\"", table));
  i.unique = flag(v, "unique");
  i.name = text(v, "name");
  if (i.name.empty()) i.name = default_index_name(table, i.fields, i.unique);
  validate_identifier(i.name, "index");
  if (const value* w = v.find("where"); w && w->is_object()) {
    i.where = portable_condition(*w, fmt::format("the where of index \"{}\"", i.name));
  } else {
    i.native_where = text(v, "where");  // a string: the engine's own SQL, used as written
  }
  i.sparse = flag(v, "sparse");
  if (const value* ttl = v.find("expire_after_seconds"); ttl && !ttl->is_null()) {
    constexpr std::int64_t most = 2147483647;  // MongoDB's limit
    if (ttl->kind() != value_kind::integer || ttl->as_int() < 0 || ttl->as_int() > most)
      bad(fmt::format("\"expire_after_seconds\" of index \"{}\" must be a whole number of seconds from 0 to {}, got {}",
                      i.name, most, ttl->to_json()));
    if (i.fields.size() != 1)
      bad(fmt::format("index \"{}\" has expire_after_seconds: a TTL index is on one field (a timestamp), it has {}",
                      i.name, i.fields.size()));
    i.expire_after_seconds = ttl->as_int();
  }
  return i;
}

value index_to_value(const index_def& i) {
  object o{{"name", i.name}, {"fields", string_list(i.fields)}};
  if (i.unique) o.emplace_back("unique", true);
  if (!i.where.is_null()) o.emplace_back("where", i.where);
  else if (!i.native_where.empty()) o.emplace_back("where", i.native_where);
  if (i.sparse) o.emplace_back("sparse", true);
  if (i.expire_after_seconds) o.emplace_back("expire_after_seconds", *i.expire_after_seconds);
  return value(std::move(o));
}

constraint_def parse_constraint(const std::string& table, const value& v) {
  if (!v.is_object()) bad(fmt::format("a constraint on \"{}\" must be an object, got {}", table, v.to_json()));
  constraint_def c;
  std::string type = text(v, "type", true);
  if (type == "foreign_key") c.type = constraint_type::foreign_key;
  else if (type == "unique") c.type = constraint_type::unique;
  else if (type == "check") c.type = constraint_type::check;
  else bad(fmt::format("unknown constraint type \"{}\"; expected foreign_key, unique or check", type));
  c.columns = names(v, "columns", "column");
  if (const value* f = v.find("check"); f && !f->is_null()) {
    if (c.type != constraint_type::check) bad(fmt::format("a {} constraint takes no \"check\"", type));
    if (!f->is_object()) bad(fmt::format("the \"check\" of a constraint on \"{}\" must be a where-filter object, got {}", table, f->to_json()));
    c.check = portable_condition(*f, fmt::format("the check of a constraint on \"{}\"", table));
  }
  c.native_check = text(v, "expression");  // the engine's own SQL, used as written
  if (c.type == constraint_type::check && c.check.is_null() == c.native_check.empty())
    bad("a check constraint needs either \"check\" (a tether where-filter, portable) or \"expression\" (the engine's own SQL), not both");
  if (c.type != constraint_type::check && c.columns.empty()) bad(fmt::format("a {} constraint needs \"columns\"", type));
  if (c.type == constraint_type::foreign_key) {
    const value* r = v.find("references");
    if (!r || !r->is_object()) bad("a foreign_key constraint needs \"references\": {table, columns}");
    c.ref_table = text(*r, "table", true);
    validate_identifier(c.ref_table, "table");
    c.ref_columns = names(*r, "columns", "column");
    if (c.ref_columns.size() != c.columns.size())
      bad("a foreign_key's references.columns must match its columns one for one");
    for (auto* rule : {&c.on_delete, &c.on_update}) {
      *rule = text(*r, rule == &c.on_delete ? "on_delete" : "on_update");
      std::transform(rule->begin(), rule->end(), rule->begin(), [](unsigned char ch) { return std::tolower(ch); });
      std::replace(rule->begin(), rule->end(), '_', ' ');
      if (!rule->empty() && *rule != "cascade" && *rule != "restrict" && *rule != "set null" &&
          *rule != "set default" && *rule != "no action")
        bad(fmt::format("on_delete/on_update \"{}\"; expected cascade, restrict, set_null, set_default or no_action",
                        *rule));
    }
  }
  c.name = text(v, "name");
  if (c.name.empty())
    c.name = fmt::format("{}_{}_{}", table, fmt::join(c.columns.empty() ? std::vector<std::string>{"check"} : c.columns, "_"),
                         c.type == constraint_type::foreign_key ? "fkey" : c.type == constraint_type::unique ? "key" : "check");
  validate_identifier(c.name, "constraint");
  return c;
}

value constraint_to_value(const constraint_def& c) {
  object o{{"name", c.name},
           {"type", c.type == constraint_type::foreign_key ? "foreign_key" : c.type == constraint_type::unique ? "unique" : "check"}};
  if (!c.columns.empty()) o.emplace_back("columns", string_list(c.columns));
  if (c.type == constraint_type::foreign_key) {
    object r{{"table", c.ref_table}, {"columns", string_list(c.ref_columns)}};
    if (!c.on_delete.empty()) r.emplace_back("on_delete", c.on_delete);
    if (!c.on_update.empty()) r.emplace_back("on_update", c.on_update);
    o.emplace_back("references", value(std::move(r)));
  }
  if (!c.check.is_null()) o.emplace_back("check", c.check);
  if (!c.native_check.empty()) o.emplace_back("expression", c.native_check);
  return value(std::move(o));
}

namespace {

// Throws tether::error (unsupported) when `n`, part of partial index `index`'s where, uses
// an operator or a negation the engine's partial indexes do not hold, naming it and what
// they hold.
void require_partial_where(const engine::filter_node& n, const std::string& index, const engine::capabilities& caps) {
  auto refuse = [&](std::string_view what) {
    std::string held;
    for (std::size_t o = 0; o < engine::compare_count; ++o)
      if (caps.partial_index_operators[o]) held += fmt::format("{}{}", held.empty() ? "" : " ", engine::operator_name(static_cast<engine::compare>(o)));
    throw error(error_category::unsupported,
                fmt::format("{} in the where of partial index \"{}\" is not supported by the {} engine: its partial "
                            "indexes hold {} under $and and $or{}",
                            what, index, caps.engine, held, caps.partial_index_negations ? ", $not and $nor" : ""),
                error_details{caps.engine});
  };
  if (n.kind == engine::logic::leaf && !caps.in_partial_index(n.op)) refuse(engine::operator_name(n.op));
  if ((n.kind == engine::logic::not_ || n.kind == engine::logic::nor_) && !caps.partial_index_negations)
    refuse(n.kind == engine::logic::not_ ? "$not" : "$nor");
  for (const auto& c : n.children) require_partial_where(c, index, caps);
}

}  // namespace

void require_features(const schema_op& op, const engine::capabilities& caps) {
  auto partial = [](const index_def& i) { return !i.where.is_null() || !i.native_where.empty(); };
  for (const auto& i : op.indexes)
    if (partial(i)) require(caps.partial_indexes, fmt::format("a partial index (\"{}\")", i.name), caps);
  for (const auto& i : op.indexes)
    if (!i.where.is_null()) {
      engine::plan p;
      engine::capabilities any;
      parse_filter(i.where, p, p.where, any);
      require_partial_where(p.where, i.name, caps);
    }
  for (const auto& i : op.indexes) {
    if (i.sparse) require(caps.sparse_indexes, fmt::format("a sparse index (\"{}\")", i.name), caps);
    if (i.expire_after_seconds) require(caps.ttl_indexes, fmt::format("a TTL index (\"{}\", expire_after_seconds)", i.name), caps);
  }
  for (const auto& c : op.constraints) {
    if (c.type == constraint_type::check) require(caps.check_constraints, fmt::format("a check constraint (\"{}\")", c.name), caps);
    if (c.type == constraint_type::unique) require(caps.unique_fields, fmt::format("a unique constraint (\"{}\")", c.name), caps);
    if (c.type == constraint_type::foreign_key)
      require(caps.foreign_keys, fmt::format("a foreign key (\"{}\")", c.name), caps);
  }
  for (const auto& i : op.indexes)
    if (i.unique) require(caps.unique_fields, fmt::format("a unique index (\"{}\")", i.name), caps);
  for (const auto& f : op.fields)
    if (f.unique && !f.primary_key) require(caps.unique_fields, fmt::format("a unique field (\"{}\")", f.name), caps);
  if (op.kind == schema_op_kind::rename_collection) require(caps.table_renames, "renaming a table", caps);
}

std::string default_index_name(const std::string& table, const std::vector<std::string>& fields, bool unique) {
  return fmt::format("{}_{}_{}", table, fmt::join(fields, "_"), unique ? "key" : "idx");
}

schema_op parse_op(const value& v) {
  if (!v.is_object()) bad(fmt::format("a schema operation must be an object with \"op\", got {}", v.to_json()));
  schema_op op;
  std::string kind = text(v, "op", true);
  auto it = std::find_if(std::begin(op_names), std::end(op_names), [&](const auto& p) { return p.second == kind; });
  if (it == std::end(op_names))
    bad(fmt::format("unknown schema operation \"{}\"; expected create_collection, drop_collection, "
                    "rename_collection, add_field, drop_field, rename_field, modify_field, create_index, "
                    "drop_index, add_constraint, drop_constraint or raw",
                    kind));
  op.kind = it->first;
  if (op.kind == schema_op_kind::raw) {
    op.engine = text(v, "engine");
    op.sql = text(v, "sql", true);
    op.name = text(v, "down_sql");  // kept here; the inverse is raw(engine, down_sql)
    return op;
  }
  op.table = text(v, "table", true);
  validate_identifier(op.table, "table");
  switch (op.kind) {
    case schema_op_kind::create_collection: {
      // {"name": definition, …}, or (the form migration files use, which keeps the column
      // order through any JSON tool) [{"name": …, "type": …}, …].
      const value* fields = v.find("fields");
      if (fields && fields->is_array() && !fields->as_array().empty()) {
        for (const auto& f : fields->as_array()) {
          if (!f.is_object()) bad(fmt::format("create \"{}\": each field must be an object with name and type", op.table));
          op.fields.push_back(parse_field(text(f, "name", true), f));
        }
      } else if (fields && fields->is_object() && !fields->as_object().empty()) {
        for (const auto& [name, def] : fields->as_object()) op.fields.push_back(parse_field(name, def));
      } else {
        bad(fmt::format("create \"{}\" needs \"fields\": {{\"name\": type or definition, …}}", op.table));
      }
      op.timestamps = flag(v, "timestamps");
      if (op.timestamps)
        for (const char* ts : {"created_at", "updated_at"}) {
          if (std::any_of(op.fields.begin(), op.fields.end(), [&](const field_def& f) { return f.name == ts; })) continue;
          field_def f{ts, field_type::timestamp};
          f.nullable = false;
          f.default_now = true;
          op.fields.push_back(f);
        }
      if (const value* idx = v.find("indexes"); idx && !idx->is_null()) {
        if (!idx->is_array()) bad("\"indexes\" must be a list of {fields, unique, name}");
        for (const auto& i : idx->as_array()) op.indexes.push_back(parse_index(op.table, i));
      }
      // The SQL-only options, at the top level or under "sql_options".
      const value* sql = v.find("sql_options");
      if (sql && !sql->is_null() && !sql->is_object()) bad("\"sql_options\" must be an object");
      const value& so = sql && sql->is_object() ? *sql : v;
      op.if_not_exists = flag(v, "if_not_exists") || flag(so, "if_not_exists");
      op.temporary = flag(v, "temporary") || flag(so, "temporary");
      op.unlogged = flag(v, "unlogged") || flag(so, "unlogged");
      // MongoDB's, at the top level or under "mongodb_options".
      const value* mongo = v.find("mongodb_options");
      if (mongo && !mongo->is_null() && !mongo->is_object()) bad("\"mongodb_options\" must be an object");
      op.validator = flag(v, "validator") || (mongo && mongo->is_object() && flag(*mongo, "validator"));
      if (std::count_if(op.fields.begin(), op.fields.end(), [](const field_def& f) { return f.auto_increment; }) > 1)
        bad(fmt::format("create \"{}\": at most one field can be auto_increment", op.table));
      break;
    }
    case schema_op_kind::drop_collection:
      op.if_exists = flag(v, "if_exists");
      op.cascade = flag(v, "cascade");
      break;
    case schema_op_kind::rename_collection:
      op.new_name = text(v, "new_name", true);
      validate_identifier(op.new_name, "table");
      break;
    case schema_op_kind::add_field:
    case schema_op_kind::modify_field: {
      const value* f = v.find("field");
      if (!f || !f->is_object()) bad(fmt::format("{} on \"{}\" needs \"field\": {{name, type, …}}", kind, op.table));
      op.fields.push_back(parse_field(text(*f, "name", true), *f));
      op.name = op.fields[0].name;
      break;
    }
    case schema_op_kind::drop_field:
    case schema_op_kind::drop_index:
    case schema_op_kind::drop_constraint:
      op.name = text(v, "name", true);
      validate_identifier(op.name, "name");
      break;
    case schema_op_kind::rename_field:
      op.name = text(v, "name", true);
      op.new_name = text(v, "new_name", true);
      validate_identifier(op.name, "field");
      validate_identifier(op.new_name, "field");
      break;
    case schema_op_kind::create_index: {
      const value* i = v.find("index");
      op.indexes.push_back(parse_index(op.table, i ? *i : v));
      op.name = op.indexes[0].name;
      break;
    }
    case schema_op_kind::add_constraint: {
      const value* c = v.find("constraint");
      op.constraints.push_back(parse_constraint(op.table, c ? *c : value()));
      op.name = op.constraints[0].name;
      break;
    }
    case schema_op_kind::raw: break;
  }
  return op;
}

value op_to_value(const schema_op& op) {
  object o{{"op", std::string(op_name(op.kind))}};
  if (op.kind == schema_op_kind::raw) {
    if (!op.engine.empty()) o.emplace_back("engine", op.engine);
    o.emplace_back("sql", op.sql);
    if (!op.name.empty()) o.emplace_back("down_sql", op.name);
    return value(std::move(o));
  }
  o.emplace_back("table", op.table);
  switch (op.kind) {
    case schema_op_kind::create_collection: {
      array fields;
      for (const auto& f : op.fields) fields.push_back(field_to_value(f));
      o.emplace_back("fields", value(std::move(fields)));
      if (!op.indexes.empty()) {
        array idx;
        for (const auto& i : op.indexes) idx.push_back(index_to_value(i));
        o.emplace_back("indexes", value(std::move(idx)));
      }
      if (op.if_not_exists) o.emplace_back("if_not_exists", true);
      if (op.temporary) o.emplace_back("temporary", true);
      if (op.unlogged) o.emplace_back("unlogged", true);
      if (op.validator) o.emplace_back("validator", true);
      break;
    }
    case schema_op_kind::drop_collection:
      if (op.if_exists) o.emplace_back("if_exists", true);
      if (op.cascade) o.emplace_back("cascade", true);
      break;
    case schema_op_kind::rename_collection: o.emplace_back("new_name", op.new_name); break;
    case schema_op_kind::add_field:
    case schema_op_kind::modify_field: o.emplace_back("field", field_to_value(op.fields.at(0))); break;
    case schema_op_kind::rename_field:
      o.emplace_back("name", op.name);
      o.emplace_back("new_name", op.new_name);
      break;
    case schema_op_kind::create_index: o.emplace_back("index", index_to_value(op.indexes.at(0))); break;
    case schema_op_kind::add_constraint: o.emplace_back("constraint", constraint_to_value(op.constraints.at(0))); break;
    default: o.emplace_back("name", op.name); break;
  }
  return value(std::move(o));
}

bool inverse_needs_state(const schema_op& op) {
  switch (op.kind) {
    case schema_op_kind::drop_collection:
    case schema_op_kind::drop_field:
    case schema_op_kind::modify_field:
    case schema_op_kind::drop_index:
    case schema_op_kind::drop_constraint: return true;
    default: return false;
  }
}

std::vector<schema_op> inverse(const schema_op& op, const engine::table_description* before,
                               std::vector<std::string>& notes) {
  auto missing = [&](std::string_view what) -> schema_op {
    throw error(error_category::schema, fmt::format("no {} \"{}\" on table \"{}\"", what, op.name, op.table));
  };
  schema_op inv;
  inv.table = op.table;
  switch (op.kind) {
    case schema_op_kind::create_collection:
      inv.kind = schema_op_kind::drop_collection;
      inv.if_exists = op.if_not_exists;
      return {inv};
    case schema_op_kind::drop_collection: {
      if (!before) {
        if (op.if_exists) return {};
        throw error(error_category::schema, fmt::format("unknown table \"{}\"", op.table));
      }
      inv.kind = schema_op_kind::create_collection;
      inv.fields = before->columns;
      inv.indexes = before->indexes;
      std::vector<schema_op> out{inv};
      for (const auto& c : before->constraints) {
        schema_op add{schema_op_kind::add_constraint, op.table, c.name};
        add.constraints = {c};
        out.push_back(add);
      }
      notes.push_back(fmt::format("down recreates table \"{}\" empty: its rows are not restored", op.table));
      return out;
    }
    case schema_op_kind::rename_collection:
      inv.kind = schema_op_kind::rename_collection;
      inv.table = op.new_name;
      inv.new_name = op.table;
      return {inv};
    case schema_op_kind::add_field:
      inv.kind = schema_op_kind::drop_field;
      inv.name = op.name;
      return {inv};
    case schema_op_kind::drop_field:
    case schema_op_kind::modify_field: {
      const field_def* it = before ? engine::find_named(before->columns, op.name) : nullptr;
      if (!it) return {missing("field")};
      inv.kind = op.kind == schema_op_kind::drop_field ? schema_op_kind::add_field : schema_op_kind::modify_field;
      inv.name = op.name;
      inv.fields = {*it};
      if (op.kind == schema_op_kind::drop_field)
        notes.push_back(fmt::format("down adds field \"{}.{}\" back empty: its values are not restored", op.table, op.name));
      return {inv};
    }
    case schema_op_kind::rename_field:
      inv.kind = schema_op_kind::rename_field;
      inv.name = op.new_name;
      inv.new_name = op.name;
      return {inv};
    case schema_op_kind::create_index:
      inv.kind = schema_op_kind::drop_index;
      inv.name = op.name;
      return {inv};
    case schema_op_kind::drop_index: {
      const index_def* it = before ? engine::find_named(before->indexes, op.name) : nullptr;
      if (!it) return {missing("index")};
      inv.kind = schema_op_kind::create_index;
      inv.name = op.name;
      inv.indexes = {*it};
      return {inv};
    }
    case schema_op_kind::add_constraint:
      inv.kind = schema_op_kind::drop_constraint;
      inv.name = op.name;
      return {inv};
    case schema_op_kind::drop_constraint: {
      const constraint_def* it = before ? engine::find_named(before->constraints, op.name) : nullptr;
      inv.kind = schema_op_kind::add_constraint;
      inv.name = op.name;
      if (it) {
        inv.constraints = {*it};
        return {inv};
      }
      // MySQL keeps a unique constraint as a unique index, and describes it so.
      const index_def* index = before ? engine::find_named(before->indexes, op.name) : nullptr;
      if (!index || !index->unique) return {missing("constraint")};
      inv.constraints = {constraint_def{.name = index->name, .type = constraint_type::unique, .columns = index->fields}};
      return {inv};
    }
    case schema_op_kind::raw:
      inv.kind = schema_op_kind::raw;
      inv.engine = op.engine;
      inv.sql = op.name;  // down_sql; empty means irreversible
      if (inv.sql.empty()) notes.push_back("a raw step without down_sql cannot be undone");
      return {inv};
  }
  return {};
}

value describe_to_value(const engine::table_description& described) {
  // Indexes and constraints by name: the same list whatever order the engine keeps them in.
  engine::table_description t = described;
  auto by_name = [](const auto& a, const auto& b) { return a.name < b.name; };
  std::sort(t.indexes.begin(), t.indexes.end(), by_name);
  std::sort(t.constraints.begin(), t.constraints.end(), by_name);
  array cols, idx, cons;
  for (const auto& f : t.columns) {
    value c = field_to_value(f);
    auto& o = c.as_object();
    o.insert(o.begin() + 2, {"nullable", f.nullable});
    std::erase_if(o, [](const member& m) { return m.first == "required"; });
    if (!c.find("default")) o.emplace_back("default", nullptr);
    if (!c.find("primary_key")) o.emplace_back("primary_key", false);
    cols.push_back(std::move(c));
  }
  for (const auto& i : t.indexes) idx.push_back(index_to_value(i));
  for (const auto& c : t.constraints) cons.push_back(constraint_to_value(c));
  return value(object{{"name", t.name},
                      {"columns", value(std::move(cols))},
                      {"primary_key", string_list(t.primary_key)},
                      {"indexes", value(std::move(idx))},
                      {"constraints", value(std::move(cons))}});
}

}  // namespace tether::detail
