#include "error.hpp"
#include "../../sql/redact.hpp"

#include <fmt/format.h>

#include <string>

namespace tether::detail::postgresql {
namespace {

error_category classify(std::string_view state) {
  if (state == "23505") return error_category::unique_violation;
  if (state == "23503") return error_category::foreign_key_violation;
  if (state == "23502") return error_category::not_null_violation;
  if (state.substr(0, 2) == "23") return error_category::check_violation;
  if (state == "40001" || state == "40P01") return error_category::serialization_conflict;
  if (state == "42P01" || state == "42703" || state == "3F000" || state == "42P07" || state == "42701")
    return error_category::schema;
  if (state.substr(0, 2) == "08" || state == "57P01" || state == "57P02" || state == "57P03")
    return error_category::connection;
  if (state == "57014" || state == "55P03") return error_category::timeout;
  if (state == "0A000") return error_category::unsupported;
  return error_category::query;
}

std::string trimmed(const char* text) {
  std::string s = text ? text : "";
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

}  // namespace

void throw_result_error(PGconn* conn, const PGresult* res, std::string_view statement) {
  const char* state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : nullptr;
  std::string message = trimmed(res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : nullptr);
  if (message.empty()) message = trimmed(PQerrorMessage(conn));
  std::string sqlstate = state ? state : "";
  auto category = sqlstate.empty() && PQstatus(conn) != CONNECTION_OK ? error_category::connection
                                                                        : classify(sqlstate);
  std::string lead;
  if (sqlstate == "42P01") lead = "unknown table: ";
  else if (sqlstate == "42703") lead = "unknown column: ";
  throw error(category, fmt::format("{}{} (postgresql {})", lead, message, sqlstate.empty() ? "-" : sqlstate),
              error_details{.engine = "postgresql", .code = sqlstate, .sqlstate = sqlstate,
                            .statement = sql::redact_statement(statement)});
}

void throw_connection_error(PGconn* conn, std::string_view what) {
  throw error(error_category::connection,
              fmt::format("{}: {}", what, trimmed(conn ? PQerrorMessage(conn) : "out of memory")),
              error_details{.engine = "postgresql", .sqlstate = "08001"});
}

}  // namespace tether::detail::postgresql
