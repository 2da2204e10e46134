// PostgreSQL's schema side: DDL through the shared renderer, introspection from the
// catalogs, and the migration lock (a session advisory lock).
#include <fmt/format.h>

#include <chrono>
#include <cstdlib>
#include <thread>

#include "connection.hpp"
#include "dialect.hpp"
#include "error.hpp"

namespace tether::detail::postgresql {
namespace {

// One key for tether's migrations in the advisory-lock space: "tether_m" as a number.
constexpr const char* lock_key = "7489559315765489005";

// A column default as the catalog prints it, back into a portable default.
void read_default(engine::field_def& f, std::string_view expr) {
  if (expr.empty()) return;
  if (expr.find("nextval(") != std::string_view::npos) {
    f.auto_increment = true;
    return;
  }
  if (expr == "CURRENT_TIMESTAMP" || expr == "now()") {
    f.default_now = true;
    return;
  }
  if (expr.front() == '\'') {
    std::string s;
    for (std::size_t i = 1; i < expr.size(); ++i) {
      if (expr[i] == '\'') {
        if (i + 1 < expr.size() && expr[i + 1] == '\'') {
          s += '\'';
          ++i;
          continue;
        }
        break;
      }
      s += expr[i];
    }
    f.default_value = value(s);
    return;
  }
  if (expr == "true" || expr == "false") {
    f.default_value = value(expr == "true");
    return;
  }
  auto cast = expr.find("::");
  std::string_view number = expr.substr(expr.front() == '(' ? 1 : 0, cast);
  if (!number.empty() && number.back() == ')') number.remove_suffix(1);
  try {
    f.default_value = value::from_json(number);
  } catch (const error&) {
    // An expression tether does not model: left out.
  }
}

// format_type() text → portable field.
void read_type(engine::field_def& f, std::string_view t) {
  auto between = [&](std::string_view s) {
    auto open = s.find('('), close = s.find(')');
    return open == std::string_view::npos ? std::string_view{} : s.substr(open + 1, close - open - 1);
  };
  if (t == "integer") f.type = field_type::integer;
  else if (t == "bigint") f.type = field_type::bigint;
  else if (t == "smallint") f.type = field_type::smallint;
  else if (t == "real") f.type = field_type::float_;
  else if (t == "double precision") f.type = field_type::double_;
  else if (t.starts_with("numeric")) {
    f.type = field_type::decimal;
    auto args = between(t);
    if (!args.empty()) {
      f.precision = std::atoi(std::string(args).c_str());
      auto comma = args.find(',');
      f.scale = comma == std::string_view::npos ? 0 : std::atoi(std::string(args.substr(comma + 1)).c_str());
    }
  } else if (t.starts_with("character varying")) {
    f.type = field_type::string;
    auto n = between(t);
    f.length = n.empty() ? 0 : std::atoi(std::string(n).c_str());
  } else if (t == "text") f.type = field_type::text;
  else if (t == "boolean") f.type = field_type::boolean;
  else if (t == "date") f.type = field_type::date;
  else if (t.starts_with("time without")) f.type = field_type::time;
  else if (t.starts_with("timestamp without")) f.type = field_type::datetime;
  else if (t.starts_with("timestamp with ")) f.type = field_type::timestamp;
  else if (t == "jsonb" || t == "json") f.type = field_type::json;
  else if (t == "uuid") f.type = field_type::uuid;
  else if (t == "bytea") f.type = field_type::blob;
  else f.type = field_type::text;
}

std::vector<std::string> split_names(std::string_view braces) {  // {a,b} → [a, b]
  std::vector<std::string> out;
  std::string cur;
  for (char c : braces) {
    if (c == '{' || c == '}' || c == '"') continue;
    if (c == ',') {
      out.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  if (!cur.empty()) out.push_back(cur);
  return out;
}

std::string action(char code) {
  switch (code) {
    case 'c': return "cascade";
    case 'r': return "restrict";
    case 'n': return "set null";
    case 'd': return "set default";
    default: return "";
  }
}

// SQL for the names of the attributes an int2vector/array of attnums lists, in order.
std::string attnames(std::string_view nums, std::string_view rel) {
  return fmt::format("ARRAY(SELECT attname FROM unnest({}) WITH ORDINALITY k(n, o) JOIN pg_attribute ON attrelid = {} "
                     "AND attnum = k.n ORDER BY k.o)::text",
                     nums, rel);
}

// DDL's literals by libpq for this connection: PQescapeLiteral knows its encoding and
// whether standard_conforming_strings is on (it writes E'…' when it is off).
class literals final : public sql::literal_maker {
 public:
  explicit literals(PGconn* c) : c_(c) {}

 private:
  void quote(std::string& out, std::string_view text) const override {
    char* q = PQescapeLiteral(c_, text.data(), text.size());
    if (!q) {
      std::string why = PQerrorMessage(c_);
      while (!why.empty() && (why.back() == '\n' || why.back() == ' ')) why.pop_back();
      throw error(error_category::usage, fmt::format("a constant in a schema change cannot be quoted: {}", why),
                  error_details{"postgresql"});
    }
    out += q;
    PQfreemem(q);
  }
  PGconn* c_;
};

}  // namespace

std::vector<std::string> connection::schema_statements(const engine::schema_op& op,
                                                       const engine::table_description* before) {
  keys_.clear();
  json_.clear();
  return sql::schema_statements(the_dialect(), op, before, literals(conn_));
}

// One query per kind of fact, each with the table's oid as its only param.
std::optional<engine::table_description> connection::describe(std::string_view table) {
  std::string quoted;
  the_dialect().quote(quoted, table);
  auto query = [&](const char* sql) {
    const char* values[] = {quoted.c_str()};
    result r{PQexecParams(conn_, sql, 1, nullptr, values, nullptr, nullptr, 0)};
    if (PQresultStatus(r.r) != PGRES_TUPLES_OK) throw_result_error(conn_, r.r, sql);
    return r;
  };
  {
    const char* values[] = {quoted.c_str()};
    result exists{PQexecParams(conn_, "SELECT to_regclass($1) IS NOT NULL", 1, nullptr, values, nullptr, nullptr, 0)};
    if (PQresultStatus(exists.r) != PGRES_TUPLES_OK || std::string_view(PQgetvalue(exists.r, 0, 0)) != "t")
      return std::nullopt;
  }
  engine::table_description t;
  t.name = std::string(table);
  result cols = query(
      "SELECT a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull, "
      "COALESCE(pg_get_expr(d.adbin, d.adrelid), ''), a.attidentity <> '', "
      "COALESCE(col_description(a.attrelid, a.attnum), '') "
      "FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum "
      "WHERE a.attrelid = $1::regclass AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum");
  for (int i = 0; i < PQntuples(cols.r); ++i) {
    engine::field_def f;
    f.name = PQgetvalue(cols.r, i, 0);
    read_type(f, PQgetvalue(cols.r, i, 1));
    f.nullable = std::string_view(PQgetvalue(cols.r, i, 2)) != "t";
    read_default(f, PQgetvalue(cols.r, i, 3));
    if (std::string_view(PQgetvalue(cols.r, i, 4)) == "t") f.auto_increment = true;
    f.comment = PQgetvalue(cols.r, i, 5);
    t.columns.push_back(std::move(f));
  }
  t.primary_key = primary_key(std::string(table));
  for (auto& f : t.columns)
    if (std::find(t.primary_key.begin(), t.primary_key.end(), f.name) != t.primary_key.end()) f.primary_key = true;
  // Constraints; a one-column UNIQUE named as a column's own (<table>_<col>_key) is that
  // column's `unique`.
  const std::string cons_sql = fmt::format(
      "SELECT c.conname, c.contype, pg_get_constraintdef(c.oid), {}, COALESCE(c.confrelid::regclass::text, ''), {}, "
      "c.confdeltype, c.confupdtype FROM pg_constraint c WHERE c.conrelid = $1::regclass "
      "AND c.contype IN ('f', 'u', 'c') ORDER BY c.conname",
      attnames("c.conkey", "c.conrelid"), attnames("c.confkey", "c.confrelid"));
  result cons = query(cons_sql.c_str());
  for (int i = 0; i < PQntuples(cons.r); ++i) {
    engine::constraint_def c;
    c.name = PQgetvalue(cons.r, i, 0);
    char kind = PQgetvalue(cons.r, i, 1)[0];
    std::string def = PQgetvalue(cons.r, i, 2);
    c.columns = split_names(PQgetvalue(cons.r, i, 3));
    if (kind == 'u' && c.columns.size() == 1 && c.name == fmt::format("{}_{}_key", table, c.columns[0])) {
      for (auto& f : t.columns)
        if (f.name == c.columns[0]) f.unique = true;
      continue;
    }
    if (kind == 'c') {
      // A column's own enum check stays with the column; its values are read back.
      std::string prefix = "CHECK (";
      c.type = engine::constraint_type::check;
      c.native_check = def.substr(prefix.size(), def.size() - prefix.size() - 1);
      if (c.columns.size() == 1 && c.name == fmt::format("{}_{}_check", table, c.columns[0]) &&
          c.native_check.find("ANY (ARRAY[") != std::string::npos) {
        for (auto& f : t.columns)
          if (f.name == c.columns[0] && f.type == field_type::text) {
            f.type = field_type::enum_;
            for (std::size_t pos = c.native_check.find('\''); pos != std::string::npos;
                 pos = c.native_check.find('\'', c.native_check.find('\'', pos + 1) + 1))
              f.enum_values.push_back(c.native_check.substr(pos + 1, c.native_check.find('\'', pos + 1) - pos - 1));
          }
        continue;
      }
      c.columns.clear();
    } else if (kind == 'u') {
      c.type = engine::constraint_type::unique;
    } else {
      c.type = engine::constraint_type::foreign_key;
      c.ref_table = PQgetvalue(cons.r, i, 4);
      if (c.ref_table.size() > 1 && c.ref_table.front() == '"') c.ref_table = c.ref_table.substr(1, c.ref_table.size() - 2);
      c.ref_columns = split_names(PQgetvalue(cons.r, i, 5));
      c.on_delete = action(PQgetvalue(cons.r, i, 6)[0]);
      c.on_update = action(PQgetvalue(cons.r, i, 7)[0]);
    }
    t.constraints.push_back(std::move(c));
  }
  const std::string idx_sql = fmt::format(
      "SELECT i.relname, x.indisunique, {}, COALESCE(pg_get_expr(x.indpred, x.indrelid), '') "
      "FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid "
      "WHERE x.indrelid = $1::regclass AND NOT x.indisprimary "
      "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid) ORDER BY i.relname",
      attnames("x.indkey::int2[]", "x.indrelid"));
  result idx = query(idx_sql.c_str());
  for (int i = 0; i < PQntuples(idx.r); ++i)
    t.indexes.push_back({.name = PQgetvalue(idx.r, i, 0), .fields = split_names(PQgetvalue(idx.r, i, 2)),
                         .unique = std::string_view(PQgetvalue(idx.r, i, 1)) == "t",
                         .native_where = PQgetvalue(idx.r, i, 3)});
  return t;
}

std::vector<std::string> connection::list_tables() {
  const char* sql =
      "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename";
  result r{PQexec(conn_, sql)};
  if (PQresultStatus(r.r) != PGRES_TUPLES_OK) throw_result_error(conn_, r.r, sql);
  std::vector<std::string> out;
  for (int i = 0; i < PQntuples(r.r); ++i) out.emplace_back(PQgetvalue(r.r, i, 0));
  return out;
}

void connection::lock_migrations(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  const std::string sql = fmt::format("SELECT pg_try_advisory_lock({})", lock_key);
  for (;;) {
    result r{PQexec(conn_, sql.c_str())};
    if (PQresultStatus(r.r) != PGRES_TUPLES_OK) throw_result_error(conn_, r.r, sql);
    if (std::string_view(PQgetvalue(r.r, 0, 0)) == "t") return;
    if (std::chrono::steady_clock::now() >= deadline)
      throw error(error_category::timeout,
                  fmt::format("another migrator holds the migration lock (PostgreSQL advisory lock {}); waited {} ms",
                              lock_key, timeout.count()),
                  error_details{.engine = "postgresql", .code = "55P03", .sqlstate = "55P03"});
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

void connection::unlock_migrations() {
  command(fmt::format("SELECT pg_advisory_unlock({})", lock_key).c_str());
}

}  // namespace tether::detail::postgresql
