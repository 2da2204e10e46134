// tether/error.hpp — the one exception type tether throws.
// Ask it questions (category(), sqlstate(), is_retryable()) instead of catching a tree of
// types. Messages and statements never carry secrets: values are bound, never inlined,
// and string literals in raw statement text are masked before they are stored here.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>

namespace tether {

enum class error_category {
  connection,
  query,
  unique_violation,
  foreign_key_violation,
  not_null_violation,
  check_violation,
  schema,
  not_found,
  unsupported,
  usage,
  timeout,
  serialization_conflict,
  // The connection was lost while a COMMIT was in flight: the transaction may or may not
  // have committed, so running it again could apply it twice. Never retryable.
  in_doubt,
};

std::string_view to_string(error_category c) noexcept;

struct error_details {
  std::string engine{};       // "sqlite", "postgresql", …; empty for engine-neutral errors
  long long native_code = 0;
  std::string sqlstate{};     // five characters where the engine has one
  std::string statement{};    // what was sent, secrets masked
};

class error : public std::runtime_error {
 public:
  error(error_category category, const std::string& message, error_details details = {});

  error_category category() const noexcept { return category_; }
  const std::string& engine() const noexcept { return details_.engine; }
  long long native_code() const noexcept { return details_.native_code; }
  const std::string& sqlstate() const noexcept { return details_.sqlstate; }
  const std::string& statement() const noexcept { return details_.statement; }
  // True when running the same work again may succeed and cannot apply it twice:
  // serialization conflicts, deadlocks, lock timeouts, and connections lost before a
  // commit was sent. An in_doubt error (lost during a commit) is never retryable.
  bool is_retryable() const noexcept;

 private:
  error_category category_{};
  error_details details_{};
};

// Replaces the contents of single-quoted literals with *** so that a statement can be shown.
std::string redact_statement(std::string_view sql);

}  // namespace tether
