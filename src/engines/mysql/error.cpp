// Error numbers from MariaDB's and MySQL's error lists (include/mysqld_error.h,
// errmsg.h); those that both servers share are stable across versions.
#include "error.hpp"
#include "../../sql/redact.hpp"

#include <fmt/format.h>

#include <string>

namespace tether::detail::mysql {
namespace {

error_category classify(unsigned code, std::string_view state, std::string_view message) {
  switch (code) {
    case 1062: case 1586: case 1169: return error_category::unique_violation;      // duplicate key
    case 1451: case 1452: case 1216: case 1217: return error_category::foreign_key_violation;
    case 1048: case 1364: return error_category::not_null_violation;   // NULL in NOT NULL; no default
    case 3819: case 4025: return error_category::check_violation;      // MySQL 8, MariaDB
    // Deadlock and lock wait timeout roll back the statement or the transaction: retry it.
    // A Galera certification failure is reported as a deadlock (1213, "WSREP detected
    // deadlock/conflict"); 1047 is a Galera node that is not ready for queries.
    case 1213: case 1205: case 1180: case 1181: return error_category::serialization_conflict;
    case 1047: return message.find("WSREP") != std::string_view::npos ? error_category::serialization_conflict
                                                                      : error_category::query;
    case 1146: case 1054: case 1049: case 1050: case 1060: case 1091: case 1061: case 1072:
      return error_category::schema;
    case 3024: case 1969: case 1317: case 3572: return error_category::timeout;  // statement time, interrupted, NOWAIT
    case 1235: case 1295: return error_category::unsupported;
    case 1045: case 1044: case 1130: case 1040: case 1053: case 1927:
    case 2002: case 2003: case 2005: case 2006: case 2013: case 2026: case 2055:
      return error_category::connection;
    default: break;
  }
  if (state.substr(0, 2) == "08") return error_category::connection;
  if (state == "40001") return error_category::serialization_conflict;
  return error_category::query;
}

// The SQLSTATE PostgreSQL gives the same failure, where the server's own is a catch-all
// (23000 for every integrity error, HY000): one value for callers to test.
std::string portable_state(unsigned code, std::string_view state) {
  switch (code) {
    case 1062: case 1586: case 1169: return "23505";
    case 1451: case 1452: case 1216: case 1217: return "23503";
    case 1048: case 1364: return "23502";
    case 3819: case 4025: return "23514";
    case 1146: return "42P01";  // as PostgreSQL names an unknown table
    case 1054: return "42703";
    case 1213: return "40001";
    default: return std::string(state);
  }
}

}  // namespace

void throw_error(unsigned code, std::string_view sqlstate, std::string_view message, std::string_view statement) {
  std::string lead;
  if (code == 1146) lead = "unknown table: ";
  else if (code == 1054) lead = "unknown column: ";
  throw error(classify(code, sqlstate, message), fmt::format("{}{} (mysql {})", lead, message, code),
              error_details{.engine = "mysql", .code = std::to_string(code), .sqlstate = portable_state(code, sqlstate),
                            .statement = sql::redact_statement(statement)});
}

void throw_error(MYSQL* conn, std::string_view statement) {
  throw_error(mysql_errno(conn), mysql_sqlstate(conn), mysql_error(conn), statement);
}

void throw_error(MYSQL_STMT* stmt, std::string_view statement) {
  throw_error(mysql_stmt_errno(stmt), mysql_stmt_sqlstate(stmt), mysql_stmt_error(stmt), statement);
}

}  // namespace tether::detail::mysql
