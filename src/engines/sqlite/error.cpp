#include "error.hpp"
#include "../../sql/redact.hpp"

#include <fmt/format.h>

#include <string>

namespace tether::detail::sqlite {
namespace {

std::string_view after(std::string_view msg, std::string_view prefix) {
  auto pos = msg.find(prefix);
  return pos == std::string_view::npos ? std::string_view{} : msg.substr(pos + prefix.size());
}

struct mapped {
  error_category category;
  std::string message;
  std::string_view sqlstate;
};

mapped classify(int extended, std::string_view native) {
  switch (extended) {
    case SQLITE_CONSTRAINT_UNIQUE:
    case SQLITE_CONSTRAINT_PRIMARYKEY:
      return {error_category::unique_violation,
              fmt::format("duplicate value for unique key {}", after(native, "failed: ")), "23505"};
    case SQLITE_CONSTRAINT_FOREIGNKEY:
      return {error_category::foreign_key_violation, "foreign key constraint failed", "23503"};
    case SQLITE_CONSTRAINT_NOTNULL:
      return {error_category::not_null_violation,
              fmt::format("null value for required column {}", after(native, "failed: ")), "23502"};
    case SQLITE_CONSTRAINT_CHECK:
      return {error_category::check_violation, "check constraint failed", "23514"};
    case SQLITE_BUSY_SNAPSHOT:
      return {error_category::serialization_conflict,
              "the database changed since this transaction read it; run the transaction again",
              "40001"};
    default: break;
  }
  switch (extended & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return {error_category::timeout, "the database is locked by another writer (busy timeout)", ""};
    case SQLITE_CANTOPEN:
    case SQLITE_NOTADB:
    case SQLITE_PERM:
    case SQLITE_AUTH: return {error_category::connection, "cannot open the database", "08001"};
    case SQLITE_READONLY:
      return {error_category::query, "cannot write: the database or transaction is read-only", "25006"};
    case SQLITE_CONSTRAINT: return {error_category::check_violation, "constraint failed", "23000"};
    default: break;
  }
  if (native.rfind("$regex: ", 0) == 0) return {error_category::usage, "the $regex could not be evaluated", "2201B"};
  if (auto t = after(native, "no such table: "); !t.empty())
    return {error_category::schema, fmt::format("unknown table \"{}\"", t), "42P01"};
  if (auto c = after(native, "no such column: "); !c.empty())
    return {error_category::schema, fmt::format("unknown column \"{}\"", c), "42703"};
  if (auto c = after(native, "has no column named "); !c.empty())
    return {error_category::schema, fmt::format("unknown column \"{}\"", c), "42703"};
  return {error_category::query, "the statement failed", ""};
}

}  // namespace

void throw_error(sqlite3* db, int code, std::string_view statement) {
  std::string native = db ? sqlite3_errmsg(db) : sqlite3_errstr(code);
  int extended = db ? sqlite3_extended_errcode(db) : code;
  mapped m = classify(extended, native);
  throw error(m.category, fmt::format("{} (sqlite: {})", m.message, native),
              error_details{.engine = "sqlite", .code = std::to_string(extended), .sqlstate = std::string(m.sqlstate),
                            .statement = sql::redact_statement(statement)});
}

}  // namespace tether::detail::sqlite
