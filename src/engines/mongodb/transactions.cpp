// Transactions on MongoDB: the connection's session (made once), startTransaction at
// begin, commitTransaction or abortTransaction at the end, each as libmongoc sends them;
// every command between carries the session (connection::command_on). MongoDB runs them
// at snapshot isolation and has no savepoints (an absent part). A commit whose outcome is
// unknown (UnknownTransactionCommitResult: the connection went during it) is in_doubt and
// never retried; a TransientTransactionError is a serialization_conflict, which the retry
// helper runs again. Also the command log of the golden tests (command monitoring).
#include <fmt/format.h>

#include "connection.hpp"
#include "tether/error.hpp"
#include "types.hpp"

namespace tether::detail::mongodb {
namespace {

void started(const mongoc_apm_command_started_t* event) {
  auto* log = static_cast<std::vector<std::string>*>(mongoc_apm_command_started_get_context(event));
  log->push_back(canonical_json(*mongoc_apm_command_started_get_command(event)));
}

}  // namespace

void connection::log_commands(std::vector<std::string>* log) {
  log_ = log;
  if (!log) {
    mongoc_client_set_apm_callbacks(client_, nullptr, nullptr);
    return;
  }
  mongoc_apm_callbacks_t* callbacks = mongoc_apm_callbacks_new();
  mongoc_apm_set_command_started_cb(callbacks, started);
  mongoc_client_set_apm_callbacks(client_, callbacks, log);
  mongoc_apm_callbacks_destroy(callbacks);
}

void connection::begin(const transaction_options&) {
  bson_error_t err;
  if (!session_) {
    session_ = mongoc_client_start_session(client_, nullptr, &err);
    if (!session_) throw to_error(err, "MongoDB cannot start a session");
  }
  if (!mongoc_client_session_start_transaction(session_, nullptr, &err))
    throw to_error(err, "MongoDB cannot start a transaction");
  in_transaction_ = true;
}

void connection::commit() {
  in_transaction_ = false;
  bson_t reply;
  bson_error_t err;
  const bool ok = mongoc_client_session_commit_transaction(session_, &reply, &err);
  const bool unknown = !ok && mongoc_error_has_label(&reply, "UnknownTransactionCommitResult");
  const bool transient = !ok && mongoc_error_has_label(&reply, "TransientTransactionError");
  bson_destroy(&reply);
  if (ok) return;
  const error e = to_error(err, "MongoDB commitTransaction");
  if (unknown)
    throw error(error_category::in_doubt,
                fmt::format("{} (the transaction may or may not have committed)", e.what()), e.details());
  if (transient) throw error(error_category::serialization_conflict, e.what(), e.details());
  throw e;
}

void connection::rollback() {
  in_transaction_ = false;
  bson_error_t err;
  if (!mongoc_client_session_abort_transaction(session_, &err)) throw to_error(err, "MongoDB abortTransaction");
}

}  // namespace tether::detail::mongodb
