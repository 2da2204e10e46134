// Private: one PostgreSQL connection (libpq) with its named prepared statements.
#pragma once

#include <libpq-fe.h>

#include <functional>
#include <memory>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "../../sql/connection.hpp"
#include "../../sql/renderer.hpp"
#include "../../sql/statement_cache.hpp"
#include "tether/engine/engine.hpp"

namespace tether::detail::postgresql {

// Throws tether::error (usage) naming the URL (masked) when it does not fit.
void validate_url(std::string_view url);

inline constexpr std::size_t max_params = 65535;  // the protocol's limit per statement

class connection final : public sql::connection {
 public:
  explicit connection(std::string_view url);
  ~connection() override;

  void execute(const engine::plan& p, engine::execution& out) override;
  std::unique_ptr<engine::cursor> open(const engine::plan& p) override;
  std::vector<engine::execution> execute_batch(const std::vector<const engine::plan*>& plans) override;
  void begin(const transaction_options& options) override;
  void commit() override;
  void rollback() override;
  bool alive() override;
  std::optional<std::string> server_version() override;
  engine::statement_stats statement_stats() const override { return statements_.stats(); }
  std::optional<engine::table_description> describe(std::string_view table) override;
  std::vector<std::string> list_tables() override;
  bool transactional() const noexcept override { return true; }
  void lock_migrations(std::chrono::milliseconds timeout) override;
  void unlock_migrations() override;

 protected:
  std::vector<std::string> schema_statements(const engine::schema_op& op,
                                             const engine::table_description* before) override;
  const sql::dialect& sql_dialect() const noexcept override;
  void run_sql(const std::string& text) override { command(text.c_str()); }

 private:
  friend class cursor;
  struct cached {
    std::string name;  // the server-side prepared statement
    std::string text;
    std::vector<sql::binding> bindings;
    std::vector<Oid> param_types{};  // as the server inferred them (PQdescribePrepared)
    bool binary = false;  // every result column has a binary decoder: ask for binary rows
    bool returns_id = false;  // an insert's last result column is the inserted row's key
    // The result's column names, shared with every result (read once, at prepare).
    std::shared_ptr<const std::vector<std::string>> names{};
  };
  struct result {  // owns a PGresult
    PGresult* r = nullptr;
    ~result() { PQclear(r); }
  };

  cached& prepare(std::string_view key, sql::render_ref render);
  void drop_statements();  // DEALLOCATE ALL
  cached& prepare_plan(const engine::plan& p);
  engine::execution rows_once(const engine::plan& p);
  // Fills the parameter buffers from the plan's params (from `offset`).
  void bind(const cached& c, const engine::plan& p, std::size_t offset);
  // Binds and runs; throws on failure. Reads may ask for binary rows (see cached::binary).
  void run(const cached& c, const engine::plan& p, std::size_t offset, result& out, bool binary_rows = false);
  void command(const char* sql);  // a statement without params or rows
  const std::vector<std::string>& table_names(std::unordered_map<std::string, std::vector<std::string>>& cache,
                                              const std::string& table, const char* sql);
  const std::vector<std::string>& primary_key(const std::string& table);  // cached per table
  const std::vector<std::string>& json_columns(const std::string& table);  // json and jsonb, cached per table
  const std::string& type_name(const PGresult* res, Oid type);

  engine::execution rows(const engine::plan& p);
  engine::execution insert(const engine::plan& p);
  engine::execution copy(const engine::plan& p);  // COPY … FROM STDIN: one statement for every row
  engine::execution upsert(const engine::plan& p);
  engine::execution raw(const engine::plan& p);

  PGconn* conn_ = nullptr;
  sql::statement_cache<cached> statements_{256, max_params, "postgresql"};
  std::unordered_map<std::string, std::vector<std::string>> keys_;  // table → primary key
  std::unordered_map<std::string, std::vector<std::string>> json_;  // table → its json columns (COPY)
  std::unordered_map<Oid, std::string> type_names_;                  // for raw()'s fields
  std::uint64_t next_name_ = 0;
  // Parameter buffers, reused from call to call.
  std::vector<std::string> texts_;
  std::vector<const char*> values_;
  std::vector<int> lengths_, formats_;
};

// Appends the PGresult's rows to `out` (created with the result's column names when
// empty), decoding each column by its type; skips the last `skip_last` columns.
void decode_rows(const PGresult* res, records& out, int skip_last = 0);
// decode_rows in two halves, for a caller that decodes many results of one layout (a
// stream's cursor, one row per result): the names once, then the rows of each result.
std::shared_ptr<const std::vector<std::string>> column_names(const PGresult* res, int ncols);
void append_rows(const PGresult* res, records& out, std::span<const Oid> types, bool binary);
// Whether decode_rows can read this type in binary format.
bool has_binary_decoder(Oid type) noexcept;
value decode_cell(const PGresult* res, int row, int col);
// Appends one value in COPY's text format (types.cpp).
void append_copy_field(std::string& out, const value& v);

}  // namespace tether::detail::postgresql
