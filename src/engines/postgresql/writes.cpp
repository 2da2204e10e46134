// PostgreSQL writes: inserts (multi-row statements within the protocol's parameter limit,
// or one COPY when nothing is to be returned) and upserts.
#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>

#include "connection.hpp"
#include "core/results/records_builder.hpp"
#include "dialect.hpp"
#include "error.hpp"

namespace tether::detail::postgresql {
namespace {

constexpr std::size_t max_rows_per_insert = 1000;

}  // namespace

engine::execution connection::copy(const engine::plan& p) {
  const std::size_t ncols = p.columns.size();
  std::vector<bool> json(ncols);  // written as JSON text: a string is a JSON string
  for (const auto& name : json_columns(p.table))  // asked before the COPY starts
    for (std::size_t c = 0; c < ncols; ++c) json[c] = json[c] || p.columns[c] == name;
  std::string sql = "COPY ";
  the_dialect().quote(sql, p.table);
  sql += " (";
  for (std::size_t i = 0; i < p.columns.size(); ++i) {
    if (i) sql += ", ";
    the_dialect().quote(sql, p.columns[i]);
  }
  sql += ") FROM STDIN";
  result start{PQexec(conn_, sql.c_str())};
  if (PQresultStatus(start.r) != PGRES_COPY_IN) throw_result_error(conn_, start.r, sql);
  std::string buffer;
  buffer.reserve(1 << 17);
  bool sent = true;
  try {
    for (std::size_t r = 0; r < p.row_count && sent; ++r) {
      for (std::size_t c = 0; c < ncols; ++c) {
        if (c) buffer += '\t';
        const value& cell = p.cell(r, c);
        if (json[c] && !cell.is_null()) append_copy_field(buffer, value(cell.to_json()));
        else append_copy_field(buffer, cell);
      }
      buffer += '\n';
      if (buffer.size() >= (1 << 16)) {
        sent = PQputCopyData(conn_, buffer.data(), static_cast<int>(buffer.size())) == 1;
        buffer.clear();
      }
    }
  } catch (...) {
    // A bad record: the server discards the rows sent so far, and the connection is usable.
    PQputCopyEnd(conn_, "tether: the insert was abandoned");
    while (PGresult* r = PQgetResult(conn_)) PQclear(r);
    throw;
  }
  if (sent && !buffer.empty()) sent = PQputCopyData(conn_, buffer.data(), static_cast<int>(buffer.size())) == 1;
  PQputCopyEnd(conn_, sent ? nullptr : "tether: sending rows failed");
  result done{PQgetResult(conn_)};
  while (PGresult* extra = PQgetResult(conn_)) PQclear(extra);
  if (PQresultStatus(done.r) != PGRES_COMMAND_OK) throw_result_error(conn_, done.r, sql);
  engine::execution e;
  e.affected = std::atoll(PQcmdTuples(done.r));
  return e;
}

engine::execution connection::insert(const engine::plan& p) {
  // Nothing to return: COPY sends every row in one statement, in one round trip.
  if (!p.want_ids && p.returning.empty() && !p.has_conflict && p.row_count > 1) return copy(p);
  static const std::vector<std::string> no_key;
  const std::vector<std::string>* looked_up = nullptr;
  auto id_key = [&]() -> const std::vector<std::string>& {  // not needed on a hinted run
    if (!looked_up) looked_up = p.want_ids ? &primary_key(p.table) : &no_key;
    return *looked_up;
  };
  auto id_expression = [&] {  // rendered only when a statement is prepared
    const auto& key = id_key();
    std::string out;
    if (key.size() == 1) {
      the_dialect().quote(out, key[0]);
    } else if (key.size() > 1) {
      out = "json_build_array(";
      for (std::size_t i = 0; i < key.size(); ++i) {
        if (i) out += ", ";
        the_dialect().quote(out, key[i]);
      }
      out += ")";
    }
    return out;
  };
  const std::size_t ncols = p.columns.size();
  const std::size_t chunk = std::min({p.row_count, std::max<std::size_t>(1, max_params / ncols), max_rows_per_insert});
  const bool several = p.row_count > chunk;
  const bool own = several && PQtransactionStatus(conn_) == PQTRANS_IDLE;
  if (several) command(own ? "BEGIN" : "SAVEPOINT tether_insert");
  engine::execution e;
  e.inserted_ids.reserve(p.row_count);
  try {
    for (std::size_t start = 0; start < p.row_count; start += chunk) {
      std::size_t n = std::min(chunk, p.row_count - start);
      auto render = [&] {
        sql::statement s = sql::render_insert(p, the_dialect(), n);
        if (!id_key().empty()) {
          s.text += p.returning.empty() ? " RETURNING " : ", ";
          s.text += id_expression();
        }
        return s;
      };
      auto lookup = [&](std::string_view key) -> cached& {
        cached& c = prepare(key, render);
        c.returns_id = !id_key().empty();
        return c;
      };
      // The shape counts the rows, so a single statement is keyed by it alone, and a
      // prepared insert finds it by the plan's hint.
      cached& c = n == p.row_count
                      ? statements_.hinted(p, this, [&]() -> cached& { return lookup(p.shape); })
                      : lookup(std::string(p.shape.view()) + "#" + std::to_string(n));
      result r;
      run(c, p, start * ncols, r);
      const int skip = c.returns_id ? 1 : 0;
      if (!p.returning.empty()) decode_rows(r.r, e.rows, skip);
      if (skip)
        for (int row = 0; row < PQntuples(r.r); ++row) e.inserted_ids.push_back(decode_cell(r.r, row, PQnfields(r.r) - 1));
      // A statement that returns rows returns each row it wrote (the command tag counts
      // the same rows), so the tag is parsed only when nothing came back.
      e.affected += skip || !p.returning.empty() ? PQntuples(r.r) : std::atoll(PQcmdTuples(r.r));
    }
    if (several) command(own ? "COMMIT" : "RELEASE SAVEPOINT tether_insert");
  } catch (...) {
    if (several) {
      try {
        command(own ? "ROLLBACK" : "ROLLBACK TO SAVEPOINT tether_insert");
      } catch (...) {
        // The original error is the one to report.
      }
    }
    throw;
  }
  return e;
}

engine::execution connection::upsert(const engine::plan& p) {
  std::string key(p.shape.view());
  key += "#upsert";
  cached& c = prepare(key, [&] {
    sql::statement s = sql::render(p, the_dialect());
    // xmax is 0 on a row version this statement inserted, and set when it updated one.
    s.text += ", (xmax = 0) AS tether_inserted";
    return s;
  });
  result r;
  run(c, p, 0, r);
  engine::execution e;
  decode_rows(r.r, e.rows, 1);
  e.affected = PQntuples(r.r);
  const int last = PQnfields(r.r) - 1;
  e.operation = PQntuples(r.r) > 0 && std::string_view(PQgetvalue(r.r, 0, last)) == "t"
                    ? upsert_operation::inserted
                    : upsert_operation::updated;
  return e;
}

}  // namespace tether::detail::postgresql
