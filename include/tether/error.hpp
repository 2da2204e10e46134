// tether/error.hpp — the one exception type tether throws.
// Ask it questions (category(), is_retryable(), poisons_connection()) instead of catching a
// tree of types. Messages and statements never carry secrets: values are bound, never
// inlined, and each engine masks the literals of what it sent (by its own quoting rules)
// before the statement or request is stored here.
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

// What the engine said, in its own terms. Nothing here assumes SQL: `code` is the engine's
// own code as text ("1062" on MySQL, "2067" on SQLite, "23505" on PostgreSQL, a name such
// as "ConditionalCheckFailedException" on DynamoDB); `sqlstate` is set only where the
// engine has one (or tether maps a well-known code to one).
struct error_details {
  std::string engine{};     // "sqlite", "postgresql", …; empty for engine-neutral errors
  std::string code{};       // the engine's own code; empty when it gave none
  std::string sqlstate{};   // five characters where the engine has one
  std::string statement{};  // what was sent (a statement, a request), secrets masked by the engine
};

class error : public std::runtime_error {
 public:
  error(error_category category, const std::string& message, error_details details = {});

  error_category category() const noexcept { return category_; }
  const std::string& engine() const noexcept { return details_.engine; }
  const std::string& code() const noexcept { return details_.code; }
  const std::string& sqlstate() const noexcept { return details_.sqlstate; }
  const std::string& statement() const noexcept { return details_.statement; }
  const error_details& details() const noexcept { return details_; }
  // True when running the same work again may succeed and cannot apply it twice:
  // serialization conflicts, deadlocks, lock timeouts, and connections lost before a
  // commit was sent. An in_doubt error (lost during a commit) is never retryable.
  bool is_retryable() const noexcept;
  // True when the connection that raised it cannot be trusted again (lost, or lost during a
  // commit): the pool discards it instead of reusing it.
  bool poisons_connection() const noexcept;
  // True when a commit was in flight as the connection was lost: the work may or may not
  // have been applied (libpqxx's in_doubt_error). Never retryable.
  bool in_doubt() const noexcept { return category_ == error_category::in_doubt; }

 private:
  error_category category_{};
  error_details details_{};
};

}  // namespace tether
