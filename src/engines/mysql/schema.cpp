// MySQL and MariaDB's schema side: DDL through the shared renderer, introspection from
// information_schema, and the migration lock (GET_LOCK).
#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>

#include "connection.hpp"
#include "dialect.hpp"
#include "error.hpp"

namespace tether::detail::mysql {
namespace {

constexpr const char* lock_name = "tether_migrations";

std::vector<std::string> split(const std::string& s) {
  std::vector<std::string> out;
  std::size_t start = 0;
  for (;;) {
    auto comma = s.find(',', start);
    out.push_back(s.substr(start, comma - start));
    if (comma == std::string::npos) return out;
    start = comma + 1;
  }
}

std::string unquote(std::string_view s) {  // 'it''s' → it's
  std::string out;
  for (std::size_t i = 1; i + 1 < s.size(); ++i) {
    if ((s[i] == '\'' || s[i] == '\\') && i + 2 < s.size()) ++i;
    out += s[i];
  }
  return out;
}

void read_default(engine::field_def& f, const std::string& expr) {
  if (expr.empty() || expr == "NULL") return;
  if (expr.rfind("current_timestamp", 0) == 0 || expr.rfind("CURRENT_TIMESTAMP", 0) == 0) {
    f.default_now = true;
    return;
  }
  if (expr.front() == '\'') {
    f.default_value = value(unquote(expr));
    return;
  }
  try {
    f.default_value = value::from_json(expr);
    if (f.type == field_type::boolean && f.default_value->kind() == value_kind::integer)
      f.default_value = value(f.default_value->as_int() != 0);
  } catch (const error&) {
    // An expression tether does not model: left out.
  }
}

void read_type(engine::field_def& f, const std::string& data_type, const std::string& column_type, std::int64_t length,
               std::int64_t precision, std::int64_t scale) {
  const std::string& t = data_type;
  if (t == "int" || t == "mediumint") f.type = field_type::integer;
  else if (t == "bigint") f.type = field_type::bigint;
  else if (t == "smallint") f.type = field_type::smallint;
  else if (t == "tinyint") f.type = column_type.rfind("tinyint(1)", 0) == 0 ? field_type::boolean : field_type::smallint;
  else if (t == "float") f.type = field_type::float_;
  else if (t == "double") f.type = field_type::double_;
  else if (t == "decimal") {
    f.type = field_type::decimal;
    f.precision = static_cast<int>(precision);
    f.scale = static_cast<int>(scale);
  } else if (t == "varchar" || t == "char") {
    f.type = field_type::string;
    f.length = static_cast<int>(length);
  } else if (t == "date") f.type = field_type::date;
  else if (t == "time") f.type = field_type::time;
  else if (t == "datetime" || t == "timestamp") f.type = field_type::timestamp;
  else if (t == "json") f.type = field_type::json;
  else if (t == "uuid") f.type = field_type::uuid;
  else if (t == "varbinary" || t == "binary") {
    f.type = field_type::binary;
    f.length = static_cast<int>(length);
  } else if (t.find("blob") != std::string::npos) f.type = field_type::blob;
  else if (t == "enum") {
    f.type = field_type::enum_;
    for (auto pos = column_type.find('\''); pos != std::string::npos;) {
      auto end = column_type.find('\'', pos + 1);
      while (end != std::string::npos && end + 1 < column_type.size() && column_type[end + 1] == '\'')
        end = column_type.find('\'', end + 2);
      f.enum_values.push_back(unquote(column_type.substr(pos, end - pos + 1)));
      pos = column_type.find('\'', end + 1);
    }
  } else f.type = field_type::text;
}

std::string rule(std::string r) {
  std::transform(r.begin(), r.end(), r.begin(), [](unsigned char c) { return std::tolower(c); });
  return r == "restrict" || r == "no action" ? "" : r;
}

// DDL's literals by Connector/C for this connection: mysql_real_escape_string knows the
// connection's character set, and doubles quotes instead when the server's sql_mode has
// NO_BACKSLASH_ESCAPES.
class literals final : public sql::literal_maker {
 public:
  explicit literals(MYSQL* c) : c_(c) {}

 private:
  void quote(std::string& out, std::string_view text) const override {
    std::string buffer(text.size() * 2 + 1, '\0');
    unsigned long n = mysql_real_escape_string(c_, buffer.data(), text.data(), text.size());
    if (n == static_cast<unsigned long>(-1))
      throw error(error_category::usage, "a constant in a schema change cannot be quoted for this connection",
                  error_details{"mysql"});
    out += '\'';
    out.append(buffer.data(), n);
    out += '\'';
  }
  MYSQL* c_;
};

// MySQL and MariaDB keep column comments in utf8mb3, which has no room for a character
// past U+FFFF: the server would store '?' in its place. And they strip trailing spaces
// from ENUM values, so "a " would be stored, and read back, as "a".
void check_texts(const engine::schema_op& op) {
  for (const auto& f : op.fields) {
    for (const auto& e : f.enum_values)
      if (!e.empty() && e.back() == ' ')
        throw error(error_category::usage,
                    fmt::format("enum value \"{}\" of \"{}.{}\" ends in a space, which MySQL and MariaDB strip; "
                                "give the value without it",
                                e, op.table, f.name),
                    error_details{"mysql"});
    for (std::size_t i = 0; i < f.comment.size(); ++i)
      if ((static_cast<unsigned char>(f.comment[i]) & 0xf8) == 0xf0)
        throw error(error_category::usage,
                    fmt::format("the comment of \"{}.{}\" holds \"{}\", a character past U+FFFF; MySQL and MariaDB "
                                "keep comments in utf8mb3 and would store \"?\" instead. Leave such characters "
                                "(emoji, for one) out of comments",
                                op.table, f.name, f.comment.substr(i, 4)),
                    error_details{"mysql"});
  }
}

}  // namespace

std::vector<std::string> connection::schema_statements(const engine::schema_op& op,
                                                       const engine::table_description* before) {
  check_texts(op);
  tables_.clear();
  if (op.kind != engine::schema_op_kind::create_collection) {  // cached result shapes may change
    drop_statements();
  }
  if (op.kind == engine::schema_op_kind::drop_constraint && before) {
    // A UNIQUE constraint is a unique index on MySQL; describe lists it among the indexes.
    engine::table_description t = *before;
    for (const auto& i : before->indexes)
      if (i.unique && i.name == op.name)
        t.constraints.push_back({.name = i.name, .type = engine::constraint_type::unique, .columns = i.fields});
    return sql::schema_statements(*dialect_, op, &t, literals(conn_));
  }
  return sql::schema_statements(*dialect_, op, before, literals(conn_));
}

std::optional<engine::table_description> connection::describe(std::string_view table) {
  const std::string name(table);
  auto dot = name.find('.');
  value schema = dot == std::string::npos ? value() : value(name.substr(0, dot));
  value bare = dot == std::string::npos ? value(name) : value(name.substr(dot + 1));
  auto query = [&](std::string_view key, const char* sql) {
    cached& c = prepare(key, [&] { return sql::with_params(sql, 2); });
    bind(c, {&schema, &bare});
    run(c);
    records r(c.names);
    fetch(c, r, SIZE_MAX);
    return r;
  };
  auto str = [](const record& r, std::size_t i) { return r.is_null(i) ? std::string() : r.at(i).is_string() ? r.get<std::string>(i) : r.at(i).to_json(); };
  auto num = [](const record& r, std::size_t i) { return r.is_null(i) ? std::int64_t{0} : r.at(i).as_int(); };
  records cols = query("\x01" "describe_columns",
                       "SELECT COLUMN_NAME, DATA_TYPE, COLUMN_TYPE, IS_NULLABLE, COLUMN_DEFAULT, EXTRA, "
                       "CHARACTER_MAXIMUM_LENGTH, NUMERIC_PRECISION, NUMERIC_SCALE, COLUMN_KEY, COLUMN_COMMENT "
                       "FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = COALESCE(?, DATABASE()) AND TABLE_NAME = ? "
                       "ORDER BY ORDINAL_POSITION");
  if (cols.empty()) return std::nullopt;
  engine::table_description t;
  t.name = name;
  records checks = query("\x01" "describe_checks",
                         "SELECT CONSTRAINT_NAME, CHECK_CLAUSE FROM information_schema.CHECK_CONSTRAINTS "
                         "WHERE CONSTRAINT_SCHEMA = COALESCE(?, DATABASE()) AND TABLE_NAME = ? ORDER BY CONSTRAINT_NAME");
  for (auto c : cols) {
    engine::field_def f;
    f.name = str(c, 0);
    read_type(f, str(c, 1), str(c, 2), num(c, 6), num(c, 7), num(c, 8));
    for (auto k : checks)  // MariaDB's JSON is LONGTEXT with a JSON_VALID check named after the column
      if (str(k, 0) == f.name && str(k, 1) == fmt::format("json_valid(`{}`)", f.name)) f.type = field_type::json;
    f.nullable = str(c, 3) == "YES";
    read_default(f, str(c, 4));
    f.auto_increment = str(c, 5).find("auto_increment") != std::string::npos;
    f.comment = str(c, 10);
    t.columns.push_back(std::move(f));
  }
  t.primary_key = info(name).key;
  for (auto& f : t.columns)
    if (std::find(t.primary_key.begin(), t.primary_key.end(), f.name) != t.primary_key.end()) f.primary_key = true;
  for (auto k : checks) {
    std::string n = str(k, 0), clause = str(k, 1);
    if (clause == fmt::format("json_valid(`{}`)", n)) continue;
    t.constraints.push_back({.name = n, .type = engine::constraint_type::check, .native_check = clause});
  }
  records fks = query("\x01" "describe_foreign_keys",
                      "SELECT k.CONSTRAINT_NAME, GROUP_CONCAT(k.COLUMN_NAME ORDER BY k.ORDINAL_POSITION), "
                      "k.REFERENCED_TABLE_NAME, GROUP_CONCAT(k.REFERENCED_COLUMN_NAME ORDER BY k.ORDINAL_POSITION), "
                      "r.DELETE_RULE, r.UPDATE_RULE FROM information_schema.KEY_COLUMN_USAGE k "
                      "JOIN information_schema.REFERENTIAL_CONSTRAINTS r ON r.CONSTRAINT_SCHEMA = k.CONSTRAINT_SCHEMA "
                      "AND r.CONSTRAINT_NAME = k.CONSTRAINT_NAME AND r.TABLE_NAME = k.TABLE_NAME "
                      "WHERE k.TABLE_SCHEMA = COALESCE(?, DATABASE()) AND k.TABLE_NAME = ? "
                      "AND k.REFERENCED_TABLE_NAME IS NOT NULL "
                      "GROUP BY k.CONSTRAINT_NAME, k.REFERENCED_TABLE_NAME, r.DELETE_RULE, r.UPDATE_RULE "
                      "ORDER BY k.CONSTRAINT_NAME");
  std::vector<std::string> fk_names;
  for (auto k : fks) {
    engine::constraint_def c{str(k, 0), engine::constraint_type::foreign_key, split(str(k, 1)), str(k, 2),
                             split(str(k, 3)), rule(str(k, 4)), rule(str(k, 5))};
    fk_names.push_back(c.name);
    t.constraints.push_back(std::move(c));
  }
  records idx = query("\x01" "describe_indexes",
                      "SELECT INDEX_NAME, MIN(NON_UNIQUE), GROUP_CONCAT(COLUMN_NAME ORDER BY SEQ_IN_INDEX) "
                      "FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = COALESCE(?, DATABASE()) AND TABLE_NAME = ? "
                      "GROUP BY INDEX_NAME ORDER BY INDEX_NAME");
  for (auto i : idx) {
    std::string n = str(i, 0);
    auto fields = split(str(i, 2));
    bool unique = num(i, 1) == 0;
    if (n == "PRIMARY" || std::find(fk_names.begin(), fk_names.end(), n) != fk_names.end()) continue;
    if (unique && fields.size() == 1 && n == fields[0]) {  // a column's own UNIQUE
      for (auto& f : t.columns)
        if (f.name == n) f.unique = true;
      continue;
    }
    t.indexes.push_back({.name = n, .fields = fields, .unique = unique});
  }
  return t;
}

std::vector<std::string> connection::list_tables() {
  cached& c = prepare("\x01list_tables", [] {
    return sql::statement{"SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() "
                          "AND TABLE_TYPE = 'BASE TABLE' ORDER BY TABLE_NAME", {}};
  });
  bind(c, std::vector<const value*>{});
  run(c);
  records r(c.names);
  fetch(c, r, SIZE_MAX);
  std::vector<std::string> out;
  for (auto row : r) out.push_back(row.get<std::string>(0));
  return out;
}

void connection::lock_migrations(std::chrono::milliseconds timeout) {
  std::string sql = fmt::format("SELECT GET_LOCK('{}', {:.3f})", lock_name, timeout.count() / 1000.0);
  if (mysql_real_query(conn_, sql.data(), sql.size())) throw_error(conn_, sql);
  MYSQL_RES* res = mysql_store_result(conn_);
  MYSQL_ROW row = res ? mysql_fetch_row(res) : nullptr;
  bool got = row && row[0] && std::string_view(row[0]) == "1";
  if (res) mysql_free_result(res);
  if (!got)
    throw error(error_category::timeout,
                fmt::format("another migrator holds the migration lock (GET_LOCK('{}')); waited {} ms", lock_name,
                            timeout.count()),
                error_details{"mysql"});
}

void connection::unlock_migrations() { command(fmt::format("DO RELEASE_LOCK('{}')", lock_name)); }

}  // namespace tether::detail::mysql
