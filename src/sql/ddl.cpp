// Schema operations → DDL, shared by every SQL dialect; the dialect supplies types,
// literals, and the statements that differ (modify a column, drop an index or constraint).
#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "core/query/planner.hpp"
#include "core/values/utf8.hpp"
#include "renderer.hpp"
#include "tether/error.hpp"

namespace tether::detail::sql {

using engine::constraint_def;
using engine::constraint_type;
using engine::field_def;
using engine::index_def;
using engine::schema_op;
using engine::schema_op_kind;

void literal_maker::string_literal(std::string& out, std::string_view text) const {
  if (text.find('\0') != std::string_view::npos)
    throw error(error_category::usage,
                fmt::format("a constant in a schema change may not hold a NUL byte, got \"{}\"",
                            std::string(text.substr(0, 40)).c_str()));
  check_utf8(text, "a constant in a schema change");
  quote(out, text);
}

void dialect::literal(std::string& out, const value& v, const literal_maker& lit) const {
  switch (v.kind()) {
    case value_kind::null: out += "NULL"; return;
    case value_kind::boolean: out += v.as_bool() ? "TRUE" : "FALSE"; return;
    case value_kind::integer: out += v.to_json(); return;
    case value_kind::real: {
      if (!std::isfinite(v.as_double()))
        throw error(error_category::usage, fmt::format("{} cannot take {} as a constant in DDL", name(), v.to_json()));
      out += v.to_json();
      return;
    }
    case value_kind::decimal: out += v.as_decimal().text; return;
    default: break;
  }
  // A string as it is; a date, time, timestamp, uuid or ObjectId in its own text; else JSON.
  lit.string_literal(out, v.to_text());
}

std::vector<std::string> dialect::modify_field(const std::string& table, const field_def& f, const field_def&,
                                               const literal_maker&) const {
  throw error(error_category::unsupported,
              fmt::format("modify_field on {} is not supported yet (\"{}.{}\")", name(), table, f.name));
}

std::string dialect::drop_index(const std::string&, const std::string& index) const {
  std::string s = "DROP INDEX ";
  quote(s, index);
  return s;
}

std::string dialect::drop_constraint(const std::string& table, const constraint_def& c) const {
  std::string s = "ALTER TABLE ";
  quote(s, table);
  s += " DROP CONSTRAINT ";
  quote(s, c.name);
  return s;
}

namespace {

std::vector<std::string> schema_statements_core(const dialect& d, const schema_op& op,
                                                const engine::table_description* before, const literal_maker& lit);


std::string list(const dialect& d, const std::vector<std::string>& names) {
  std::string s;
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i) s += ", ";
    d.quote(s, names[i]);
  }
  return s;
}

std::string create_index(const dialect& d, const std::string& table, const index_def& i, const literal_maker& lit) {
  if ((!i.native_where.empty() || !i.where.is_null()) && !d.partial_indexes())
    throw error(error_category::unsupported, fmt::format("{} has no partial indexes (\"{}\")", d.name(), i.name));
  std::string s = i.unique ? "CREATE UNIQUE INDEX " : "CREATE INDEX ";
  d.quote(s, i.name);
  s += " ON ";
  d.quote(s, table);
  s += " (" + list(d, i.fields) + ")";
  if (!i.where.is_null()) s += " WHERE " + condition(d, i.where, lit);
  else if (!i.native_where.empty()) s += " WHERE " + i.native_where;  // engine-native SQL, the caller's own
  return s;
}

std::string constraint_clause(const dialect& d, const constraint_def& c, const literal_maker& lit) {
  std::string s = "CONSTRAINT ";
  d.quote(s, c.name);
  switch (c.type) {
    case constraint_type::unique: return s + " UNIQUE (" + list(d, c.columns) + ")";
    case constraint_type::check:  // the portable filter, or the engine-native SQL as written
      return s + " CHECK (" + (c.check.is_null() ? c.native_check : condition(d, c.check, lit)) + ")";
    case constraint_type::foreign_key: {
      s += " FOREIGN KEY (" + list(d, c.columns) + ") REFERENCES ";
      d.quote(s, c.ref_table);
      s += " (" + list(d, c.ref_columns) + ")";
      auto upper = [](std::string r) {
        std::transform(r.begin(), r.end(), r.begin(), [](unsigned char ch) { return std::toupper(ch); });
        return r;
      };
      if (!c.on_delete.empty()) s += " ON DELETE " + upper(c.on_delete);
      if (!c.on_update.empty()) s += " ON UPDATE " + upper(c.on_update);
      return s;
    }
  }
  return s;
}

std::string alter(const dialect& d, const std::string& table) {
  std::string s = "ALTER TABLE ";
  d.quote(s, table);
  return s;
}

}  // namespace

std::string column_definition(const dialect& d, const field_def& f, bool inline_primary_key, const literal_maker& lit) {
  std::string s;
  d.quote(s, f.name);
  s += ' ';
  s += d.column_type(f, lit);
  if (inline_primary_key && f.primary_key) s += " PRIMARY KEY";
  if (f.auto_increment && !d.auto_increment().empty()) {
    s += ' ';
    s += d.auto_increment();
  }
  if (!f.nullable && !(inline_primary_key && f.primary_key)) s += " NOT NULL";
  if (f.default_now) {
    s += " DEFAULT ";
    s += d.now();
  } else if (f.default_value) {
    s += " DEFAULT ";
    d.literal(s, *f.default_value, lit);
  }
  if (f.unique && !f.primary_key) s += " UNIQUE";
  if (!f.comment.empty() && d.comment_style() == dialect::comments::inline_clause) {
    s += " COMMENT ";
    d.literal(s, value(f.comment), lit);
  }
  if (f.type == field_type::enum_ && d.enum_as_check()) {
    s += " CHECK (";
    d.quote(s, f.name);
    s += " IN (";
    for (std::size_t i = 0; i < f.enum_values.size(); ++i) {
      if (i) s += ", ";
      d.literal(s, value(f.enum_values[i]), lit);
    }
    s += "))";
  }
  return s;
}

namespace {
// COMMENT ON COLUMN for the fields that carry one (or had one, when it is now removed).
void comment_statements(const dialect& d, const std::string& table, const std::vector<field_def>& fields,
                        const field_def* before, const literal_maker& lit, std::vector<std::string>& out) {
  if (d.comment_style() != dialect::comments::statement) return;
  for (const auto& f : fields) {
    if (f.comment.empty() && (!before || before->comment.empty())) continue;
    if (before && before->comment == f.comment) continue;
    std::string s = "COMMENT ON COLUMN ";
    d.quote(s, table);
    s += '.';
    d.quote(s, f.name);
    s += " IS ";
    d.literal(s, f.comment.empty() ? value() : value(f.comment), lit);
    out.push_back(std::move(s));
  }
}
}  // namespace

std::vector<std::string> schema_statements(const dialect& d, const schema_op& op,
                                           const engine::table_description* before, const literal_maker& lit) {
  const field_def* previous = nullptr;
  if (op.kind == schema_op_kind::modify_field && before) previous = engine::find_named(before->columns, op.name);
  if (op.kind == schema_op_kind::create_collection || op.kind == schema_op_kind::add_field ||
      op.kind == schema_op_kind::modify_field) {
    // The comments follow the statements below, once their columns exist.
    std::vector<std::string> main = schema_statements_core(d, op, before, lit);
    comment_statements(d, op.table, op.fields, previous, lit, main);
    return main;
  }
  return schema_statements_core(d, op, before, lit);
}

namespace {

std::vector<std::string> schema_statements_core(const dialect& d, const schema_op& op,
                                                const engine::table_description* before, const literal_maker& lit) {
  std::vector<std::string> out;
  switch (op.kind) {
    case schema_op_kind::create_collection: {
      std::string s = "CREATE ";
      if (op.temporary) s += "TEMPORARY ";
      else if (op.unlogged && d.name() == "postgresql") s += "UNLOGGED ";
      s += "TABLE ";
      if (op.if_not_exists) s += "IF NOT EXISTS ";
      d.quote(s, op.table);
      s += " (";
      const auto keys = std::count_if(op.fields.begin(), op.fields.end(), [](const field_def& f) { return f.primary_key; });
      for (std::size_t i = 0; i < op.fields.size(); ++i) {
        if (i) s += ", ";
        s += column_definition(d, op.fields[i], keys == 1, lit);
      }
      if (keys > 1) {
        std::vector<std::string> key;
        for (const auto& f : op.fields)
          if (f.primary_key) key.push_back(f.name);
        s += ", PRIMARY KEY (" + list(d, key) + ")";
      }
      for (const auto& c : op.constraints) s += ", " + constraint_clause(d, c, lit);
      if (d.inline_indexes())
        for (const auto& i : op.indexes) {
          if (!i.native_where.empty() || !i.where.is_null())
            throw error(error_category::unsupported, fmt::format("{} has no partial indexes (\"{}\")", d.name(), i.name));
          s += i.unique ? ", UNIQUE INDEX " : ", INDEX ";
          d.quote(s, i.name);
          s += " (" + list(d, i.fields) + ")";
        }
      s += ")";
      out.push_back(std::move(s));
      for (const auto& i : d.inline_indexes() ? std::vector<index_def>{} : op.indexes) {
        std::string ci = create_index(d, op.table, i, lit);
        if (op.if_not_exists) ci.insert(ci.find("INDEX ") + 6, "IF NOT EXISTS ");
        out.push_back(std::move(ci));
      }
      break;
    }
    case schema_op_kind::drop_collection: {
      std::string s = "DROP TABLE ";
      if (op.if_exists) s += "IF EXISTS ";
      d.quote(s, op.table);
      if (op.cascade && d.name() == "postgresql") s += " CASCADE";
      out.push_back(std::move(s));
      break;
    }
    case schema_op_kind::rename_collection: {
      std::string s = alter(d, op.table) + " RENAME TO ";
      d.quote(s, op.new_name);
      out.push_back(std::move(s));
      break;
    }
    case schema_op_kind::add_field:
      if (op.fields.at(0).primary_key)
        throw error(error_category::unsupported,
                    fmt::format("add_field cannot add a primary key (\"{}.{}\"); create the table with it", op.table,
                                op.name));
      out.push_back(alter(d, op.table) + " ADD COLUMN " + column_definition(d, op.fields.at(0), false, lit));
      break;
    case schema_op_kind::drop_field: {
      std::string s = alter(d, op.table) + " DROP COLUMN ";
      d.quote(s, op.name);
      out.push_back(std::move(s));
      break;
    }
    case schema_op_kind::rename_field: {
      std::string s = alter(d, op.table) + " RENAME COLUMN ";
      d.quote(s, op.name);
      s += " TO ";
      d.quote(s, op.new_name);
      out.push_back(std::move(s));
      break;
    }
    case schema_op_kind::modify_field: {
      const field_def* it = before ? engine::find_named(before->columns, op.name) : nullptr;
      if (!it)
        throw error(error_category::schema, fmt::format("no field \"{}\" on table \"{}\"", op.name, op.table));
      return d.modify_field(op.table, op.fields.at(0), *it, lit);
    }
    case schema_op_kind::create_index: out.push_back(create_index(d, op.table, op.indexes.at(0), lit)); break;
    case schema_op_kind::drop_index: out.push_back(d.drop_index(op.table, op.name)); break;
    case schema_op_kind::add_constraint:
      out.push_back(alter(d, op.table) + " ADD " + constraint_clause(d, op.constraints.at(0), lit));
      break;
    case schema_op_kind::drop_constraint: {
      const constraint_def* it = before ? engine::find_named(before->constraints, op.name) : nullptr;
      if (!it)
        throw error(error_category::schema, fmt::format("no constraint \"{}\" on table \"{}\"", op.name, op.table));
      out.push_back(d.drop_constraint(op.table, *it));
      break;
    }
    case schema_op_kind::raw:
      if (op.engine.empty() || op.engine == "*" || op.engine == d.name()) {
        if (op.sql.empty())
          throw error(error_category::unsupported, "this raw step has no down_sql, so it cannot be undone");
        out.push_back(op.sql);
      }
      break;
  }
  return out;
}

}  // namespace

std::string condition(const dialect& d, const value& filter, const literal_maker& lit) {
  engine::plan p;
  engine::capabilities any;
  parse_filter(filter, p, p.where, any);
  renderer r(d, p, &lit);
  r.filter(p.where);
  return std::move(r).take().text;
}

}  // namespace tether::detail::sql
