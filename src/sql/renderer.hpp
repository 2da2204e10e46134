// Private: the one SQL renderer every SQL engine shares, and the dialect hooks it calls.
// render() turns a plan into text plus bindings. A binding says which plan param goes to
// which placeholder and how to transform it (a LIKE prefix, a GLOB pattern), so a cached
// statement can be bound again from a new plan of the same shape without re-rendering.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <type_traits>
#include <string>
#include <string_view>
#include <vector>

#include "tether/engine/engine.hpp"
#include "tether/engine/plan.hpp"
#include "tether/engine/schema.hpp"

namespace tether::detail::sql {

enum class transform : std::uint8_t {
  none,
  like_prefix,    // escape % _ \ then append %
  like_suffix,    // prepend %
  like_contains,  // % on both sides
  glob_from_like, // a LIKE pattern (\ escapes) rewritten as a case-sensitive GLOB
  glob_prefix,
  glob_suffix,
  json_text,      // any value as JSON text (for json(?) in array operators)
  array,          // params [param, param + count) as one array parameter (PostgreSQL's = ANY($n))
  regex_pcre,     // a portable $regex for a PCRE engine without compile options (engine::regex_for_pcre)
  json_value,     // a value written to a JSON column: null stays NULL, anything else is its JSON
                  // text, so that a string is stored as a JSON string and never parsed as JSON
};

// A decimal column and its scale, where an engine rounds values written to it itself
// (SQLite keeps decimals as text; the servers round to the column's scale).
struct scaled_column {
  std::string name;
  int scale = 0;
};

struct binding {
  std::uint32_t param;
  transform how = transform::none;
  std::uint32_t count = 1;  // transform::array: how many params the one placeholder takes
};

struct statement {
  std::string text;
  std::vector<binding> bindings;
};

class renderer;

// Makes SQL string literals where a statement takes no parameters (DDL: defaults, comments,
// enum values, a partial index's condition). Each connection implements it with its
// driver's own function for that live connection (PQescapeLiteral,
// mysql_real_escape_string_quote, sqlite3_mprintf's %Q), which knows the connection's
// character set and settings: tether never escapes a literal by hand.
class literal_maker {
 public:
  virtual ~literal_maker() = default;
  // Appends `text` as a quoted string literal; throws tether::error (usage) for text the
  // engine cannot hold (a NUL byte, bytes its character set cannot take).
  void string_literal(std::string& out, std::string_view text) const;

 protected:
  // The driver's own quoting; `text` holds no NUL byte.
  virtual void quote(std::string& out, std::string_view text) const = 0;
};

class dialect {
 public:
  virtual ~dialect() = default;
  virtual std::string_view name() const noexcept = 0;
  virtual void placeholder(std::string& out, std::size_t ordinal) const = 0;  // 1-based
  virtual void quote(std::string& out, std::string_view identifier) const;     // "a"."b"
  virtual char quote_char() const noexcept { return '"'; }
  // Whether the engine takes RETURNING on this kind of statement; where it does not, the
  // renderer leaves the clause out and the engine emulates it.
  virtual bool returning(engine::plan_kind /*kind*/) const noexcept { return true; }
  // Text matching: like, ilike, regex, contains, starts_with, ends_with. Each must keep
  // the portable meaning: like/contains/starts/ends case-sensitive, ilike insensitive.
  virtual void text_match(renderer& r, const engine::filter_node& n) const = 0;
  // A number compares with any numeric column by its value (docs/querying.md): a double
  // operand as doubles, a decimal exactly. The column side of a comparison (SQLite
  // casts an integer column to REAL for a double operand, as the servers compare), and a
  // suffix after each operand's placeholder (PostgreSQL infers $1 from the column, so a
  // 2.5 for a bigint column needs ::numeric). The operands' kinds are in the plan's shape.
  virtual void compared_column(renderer& r, const engine::filter_node& n) const;
  virtual void operand(renderer& r, const engine::filter_node& n, std::uint32_t param) const;
  // The type PostgreSQL's one array parameter of a $in gets ("::float8"), if any.
  virtual std::string_view operand_cast(const engine::filter_node& /*n*/, const engine::plan& /*p*/) const {
    return {};
  }
  // col IS DISTINCT FROM param: true when either side is null and the other is not.
  virtual void not_equal(renderer& r, const engine::filter_node& n) const;
  virtual void string_agg(renderer& r, const engine::aggregate_term& t) const;
  // SUM, exact on every engine: SUM(col) where the server's is (SQLite's is not).
  virtual void sum(renderer& r, const engine::aggregate_term& t) const;
  // AVG as a double: the exact sum, as a double, over the count (MySQL's own AVG keeps
  // four decimal places more than the column).
  virtual void avg(renderer& r, const engine::aggregate_term& t) const;
  // MIN or MAX; the term's input type says when the column is boolean.
  virtual void extreme(renderer& r, const engine::aggregate_term& t) const;
  virtual void concat(renderer& r, const engine::assignment& a) const;
  virtual void json_array_op(renderer& r, const engine::assignment& a) const = 0;
  // A value written to a decimal column the engine rounds itself (see scaled_column).
  virtual void decimal_value(renderer& r, std::uint32_t param, int scale) const;
  virtual void limit_offset(renderer& r, const engine::plan& p) const;
  // The LIMIT that means "all rows", for an OFFSET without a LIMIT where the dialect needs
  // one (SQLite, MySQL); empty where OFFSET stands alone.
  virtual std::string_view no_limit() const noexcept { return {}; }
  // Null sorts as the smallest value on every engine (first ascending, last descending);
  // a dialect whose default differs says so here.
  virtual void null_order(renderer& /*r*/, direction /*dir*/) const {}
  virtual void upsert_clause(renderer& r, const engine::plan& p) const;

  // DDL (ddl.cpp). The column type of a portable field, from the engine's one table.
  virtual std::string column_type(const engine::field_def& f, const literal_maker& lit) const = 0;
  // The clause that makes an integer key count up by itself ("" where the type does it).
  virtual std::string_view auto_increment() const noexcept { return "GENERATED BY DEFAULT AS IDENTITY"; }
  virtual std::string_view now() const noexcept { return "CURRENT_TIMESTAMP"; }
  // A constant in DDL (defaults), where parameters cannot go: numbers and booleans as
  // SQL's own, everything else as a string literal that `lit` makes.
  virtual void literal(std::string& out, const value& v, const literal_maker& lit) const;
  // ALTER statements that give an existing column this definition; `before` is its
  // current one. The default refuses (SQLite rebuilds the table instead).
  virtual std::vector<std::string> modify_field(const std::string& table, const engine::field_def& f,
                                                const engine::field_def& before, const literal_maker& lit) const;
  virtual std::string drop_index(const std::string& table, const std::string& name) const;
  virtual std::string drop_constraint(const std::string& table, const engine::constraint_def& c) const;
  virtual bool partial_indexes() const noexcept { return true; }
  // Whether CREATE TABLE states its indexes inline (MySQL), so that creating a table is one
  // statement: DDL there commits as it goes, and a step of one statement either took
  // effect or did not (see the migrator's journal).
  virtual bool inline_indexes() const noexcept { return false; }
  // Whether $in and $nin take their list as one array parameter (col = ANY($n)), so that a
  // long list is one placeholder rather than thousands.
  virtual bool array_params() const noexcept { return false; }
  // Whether an enum is a CHECK (col IN (…)); MySQL has an ENUM type instead.
  virtual bool enum_as_check() const noexcept { return true; }
  // Column comments: inline in the definition (MySQL), as COMMENT ON statements after it
  // (PostgreSQL), or nowhere (SQLite, which keeps them in the migration only).
  enum class comments : std::uint8_t { none, inline_clause, statement };
  virtual comments comment_style() const noexcept { return comments::none; }
};

class renderer {
 public:
  // With `literals`, params become literals instead of placeholders (a condition in DDL).
  renderer(const dialect& d, const engine::plan& p, const literal_maker* literals = nullptr)
      : d_(d), p_(p), literals_(literals) {}
  // The table's JSON columns, as the engine knows them: values written to them (insert
  // cells, $set) are bound with transform::json_value.
  void json_columns(std::span<const std::string> names) noexcept { json_columns_ = names; }
  bool is_json_column(std::string_view name) const noexcept;
  void decimal_columns(std::span<const scaled_column> cols) noexcept { decimal_columns_ = cols; }
  const scaled_column* decimal_column(std::string_view name) const noexcept;
  // A value written to `column` (an insert's cell, a $set): JSON, scaled or plain.
  void written(std::string_view column, std::uint32_t param);

  std::string& out() noexcept { return s_.text; }
  const engine::plan& plan() const noexcept { return p_; }
  void ident(std::string_view id) { d_.quote(s_.text, id); }
  void param(std::uint32_t index, transform how = transform::none);
  // A comparison's operand: its placeholder as the dialect writes it (dialect::operand).
  void operand(const engine::filter_node& n, std::uint32_t index);
  void column(const engine::filter_node& n);  // the field, or in HAVING an aggregate alias
  void having(const engine::filter_node& n);
  void text(std::string_view t) { s_.text += t; }
  void filter(const engine::filter_node& n);
  void aggregate(const engine::aggregate_term& t);

  // Insert rows [0, rows) of the plan's row params, numbered from the plan's rows_param.
  statement insert(std::size_t rows) &&;
  statement take() && { return std::move(s_); }

 private:
  void leaf(const engine::filter_node& n);
  const dialect& d_;
  const engine::plan& p_;
  const literal_maker* literals_;
  std::span<const std::string> json_columns_{};
  std::span<const scaled_column> decimal_columns_{};
  statement s_;
  bool in_having_ = false;
};

// Text whose placeholders take params 0, 1, … in order, untransformed (raw queries, and
// engines' own catalog queries).
statement with_params(std::string text, std::size_t count);

// The whole statement for a plan (inserts: all of its rows in one statement). Values
// written to `json_columns` are bound as JSON (transform::json_value).
// Values written to `decimals` are rounded by the dialect's decimal_value.
statement render(const engine::plan& p, const dialect& d, std::span<const std::string> json_columns = {},
                 std::span<const scaled_column> decimals = {});
// An INSERT of `rows` rows taken from the start of the plan's row params.
statement render_insert(const engine::plan& p, const dialect& d, std::size_t rows,
                        std::span<const std::string> json_columns = {}, std::span<const scaled_column> decimals = {});

// The DDL for one schema operation. `before` is the table as it is (engine/schema.hpp);
// `lit` makes its literals (the connection's own escaping).
std::vector<std::string> schema_statements(const dialect& d, const engine::schema_op& op,
                                           const engine::table_description* before, const literal_maker& lit);
// One column's definition: name, type, NOT NULL, DEFAULT, UNIQUE, inline PRIMARY KEY.
std::string column_definition(const dialect& d, const engine::field_def& f, bool inline_primary_key,
                              const literal_maker& lit);
// A tether where-filter as an SQL condition with literal values (a partial index's WHERE).
std::string condition(const dialect& d, const value& filter, const literal_maker& lit);

// "SAVEPOINT "name"", "RELEASE SAVEPOINT …", "ROLLBACK TO SAVEPOINT …".
std::string savepoint_sql(const dialect& d, std::string_view verb, std::string_view name);

// Throws tether::error (usage) when `s` needs more placeholders than the engine takes in
// one statement (a $in list of tens of thousands of values): such a call cannot be sent,
// and saying so is better than the server's or the driver's own failure.
void check_placeholders(const statement& s, std::size_t limit, std::string_view engine);

// Apply a binding transform to a string operand.
std::string apply_transform(transform how, std::string_view s);

}  // namespace tether::detail::sql
