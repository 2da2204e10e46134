// Masking the literals of SQL text, by SQL's quoting rules, before it is shown in an error.
#include "redact.hpp"

namespace tether::detail::sql {

std::string redact_statement(std::string_view sql) {
  std::string out;
  out.reserve(sql.size());
  bool in_literal = false;
  for (std::size_t i = 0; i < sql.size(); ++i) {
    char c = sql[i];
    if (!in_literal) {
      out += c;
      if (c == '\'') {
        in_literal = true;
        out += "***";
      }
    } else if (c == '\\') {
      ++i;  // a backslash escape (MySQL, PostgreSQL's E''): masking on past it never shows a secret
    } else if (c == '\'') {
      if (i + 1 < sql.size() && sql[i + 1] == '\'') {
        ++i;  // an escaped quote stays inside the literal
      } else {
        in_literal = false;
        out += c;
      }
    }
  }
  if (in_literal) out += '\'';
  return out;
}

}  // namespace tether::detail::sql
