// Plan → SQL text and bindings, shared by every SQL dialect.
#include "renderer.hpp"

#include <fmt/format.h>

#include "tether/engine/evaluate.hpp"
#include "tether/error.hpp"

namespace tether::detail::sql {

using engine::aggregate_fn;
using engine::compare;
using engine::filter_node;
using engine::logic;
using engine::plan;
using engine::plan_kind;
using engine::update_op;

void dialect::quote(std::string& out, std::string_view id) const {
  // Identifiers were validated (letters, digits, _ and one dot); quoting keeps reserved
  // words and case intact.
  auto dot = id.find('.');
  if (dot != std::string_view::npos) {
    quote(out, id.substr(0, dot));
    out += '.';
    quote(out, id.substr(dot + 1));
    return;
  }
  const char q = quote_char();
  out += q;
  for (char c : id) {
    if (c == q) out += q;
    out += c;
  }
  out += q;
}

void dialect::compared_column(renderer& r, const filter_node& n) const { r.column(n); }

void dialect::not_equal(renderer& r, const filter_node& n) const {
  compared_column(r, n);
  r.text(" IS DISTINCT FROM ");
  r.operand(n, n.first_param);
}

void dialect::string_agg(renderer& r, const engine::aggregate_term& t) const {
  r.text("string_agg(CAST(");
  r.ident(t.column);
  r.text(" AS TEXT), ");
  r.param(t.separator);
  r.text(")");
}

void dialect::sum(renderer& r, const engine::aggregate_term& t) const {
  r.text("SUM(");
  r.ident(t.column);
  r.text(")");
}

void dialect::avg(renderer& r, const engine::aggregate_term& t) const {
  r.text("CAST(");
  sum(r, t);
  r.text(" AS DOUBLE PRECISION) / COUNT(");
  r.ident(t.column);
  r.text(")");
}

void dialect::extreme(renderer& r, const engine::aggregate_term& t) const {
  r.text(t.fn == aggregate_fn::min ? "MIN(" : "MAX(");
  r.ident(t.column);
  r.text(")");
}

void dialect::concat(renderer& r, const engine::assignment& a) const {
  r.text("COALESCE(");
  r.ident(a.column);
  r.text(", '') || ");
  r.param(a.param);
}

void dialect::limit_offset(renderer& r, const plan& p) const {
  if (p.limit != engine::no_param) {
    r.text(" LIMIT ");
    r.param(p.limit);
  } else if (p.offset != engine::no_param && !no_limit().empty()) {
    r.text(" LIMIT ");
    r.text(no_limit());
  }
  if (p.offset != engine::no_param) {
    r.text(" OFFSET ");
    r.param(p.offset);
  }
}

void dialect::upsert_clause(renderer& r, const plan& p) const {
  r.text(" ON CONFLICT (");
  for (std::size_t i = 0; i < p.conflict_columns.size(); ++i) {
    if (i) r.text(", ");
    r.ident(p.conflict_columns[i]);
  }
  r.text(")");
  if (p.on_conflict == conflict_action::ignore) {
    r.text(" DO NOTHING");
    return;
  }
  r.text(" DO UPDATE SET ");
  // With nothing to overwrite, a no-op assignment still makes the row come back.
  const auto& cols = p.conflict_update.empty() ? p.conflict_columns : p.conflict_update;
  for (std::size_t i = 0; i < cols.size(); ++i) {
    if (i) r.text(", ");
    r.ident(cols[i]);
    r.text(" = excluded.");
    r.ident(cols[i]);
  }
}

void renderer::param(std::uint32_t index, transform how) {
  if (literals_) {
    const value& v = *p_.param(index);
    if (how == transform::json_text) return d_.literal(s_.text, value(v.to_json()), *literals_);
    if (how != transform::none) return literals_->string_literal(s_.text, apply_transform(how, v.as_string()));
    return d_.literal(s_.text, v, *literals_);
  }
  s_.bindings.push_back(binding{index, how});
  d_.placeholder(s_.text, s_.bindings.size());
}

void dialect::decimal_value(renderer& r, std::uint32_t param, int /*scale*/) const { r.param(param); }

const scaled_column* renderer::decimal_column(std::string_view name) const noexcept {
  for (const auto& c : decimal_columns_)
    if (c.name == name) return &c;
  return nullptr;
}

void renderer::written(std::string_view column, std::uint32_t index) {
  if (!json_columns_.empty() && is_json_column(column)) return param(index, transform::json_value);
  if (!decimal_columns_.empty())
    if (const auto* d = decimal_column(column)) return d_.decimal_value(*this, index, d->scale);
  param(index);
}

void dialect::operand(renderer& r, const filter_node& /*n*/, std::uint32_t param) const { r.param(param); }

void renderer::operand(const filter_node& n, std::uint32_t index) {
  if (literals_) return param(index);
  d_.operand(*this, n, index);
}

bool renderer::is_json_column(std::string_view name) const noexcept {
  for (const auto& c : json_columns_)
    if (c == name) return true;
  return false;
}

void renderer::column(const filter_node& n) {
  if (in_having_) {
    // HAVING may not name select aliases on every engine: an alias becomes its aggregate.
    for (const auto& a : p_.aggregates)
      if (a.alias == n.field) return aggregate(a);
  }
  ident(n.field);
}

void renderer::having(const filter_node& n) {
  in_having_ = true;
  filter(n);
  in_having_ = false;
}

void renderer::filter(const filter_node& n) {
  switch (n.kind) {
    case logic::leaf: return leaf(n);
    case logic::and_:
    case logic::or_: {
      if (n.children.empty()) return text("1=1");
      text("(");
      for (std::size_t i = 0; i < n.children.size(); ++i) {
        if (i) text(n.kind == logic::and_ ? " AND " : " OR ");
        filter(n.children[i]);
      }
      text(")");
      return;
    }
    case logic::nor_:
    case logic::not_: {
      // Two-valued: a condition that is unknown (null) counts as false, so its negation
      // is true, as it is on the document engines.
      text("NOT COALESCE((");
      for (std::size_t i = 0; i < n.children.size(); ++i) {
        if (i) text(" OR ");
        filter(n.children[i]);
      }
      text("), 1=0)");
      return;
    }
  }
}

void renderer::leaf(const filter_node& n) {
  auto binary = [&](std::string_view op) {
    d_.compared_column(*this, n);
    text(op);
    operand(n, n.first_param);
  };
  switch (n.op) {
    case compare::eq: return binary(" = ");
    case compare::ne: return d_.not_equal(*this, n);
    case compare::gt: return binary(" > ");
    case compare::gte: return binary(" >= ");
    case compare::lt: return binary(" < ");
    case compare::lte: return binary(" <= ");
    case compare::is_null: column(n); return text(" IS NULL");
    case compare::is_not_null: column(n); return text(" IS NOT NULL");
    case compare::between:
      d_.compared_column(*this, n);
      text(" BETWEEN ");
      operand(n, n.first_param);
      text(" AND ");
      operand(n, n.first_param + 1);
      return;
    case compare::in:
    case compare::nin: {
      if (n.param_count == 0) return text(n.op == compare::in ? "1=0" : "1=1");
      if (n.op == compare::nin) {
        text("(");
        column(n);
        text(" IS NULL OR ");
      }
      if (d_.array_params() && !literals_) {
        text(n.op == compare::in ? "" : "NOT (");
        d_.compared_column(*this, n);
        text(" = ANY(");
        s_.bindings.push_back(binding{n.first_param, transform::array, n.param_count});
        d_.placeholder(s_.text, s_.bindings.size());
        if (auto cast = d_.operand_cast(n, p_); !cast.empty()) {
          text(cast);
          text("[]");
        }
        text(n.op == compare::nin ? ")))" : ")");
        return;
      }
      d_.compared_column(*this, n);
      text(n.op == compare::in ? " IN (" : " NOT IN (");
      for (std::uint32_t i = 0; i < n.param_count; ++i) {
        if (i) text(", ");
        operand(n, n.first_param + i);
      }
      text(n.op == compare::nin ? "))" : ")");
      return;
    }
    default: return d_.text_match(*this, n);
  }
}

void renderer::aggregate(const engine::aggregate_term& t) {
  auto fn = [&](std::string_view name) {
    text(name);
    text("(");
    if (t.column == "*") text("*");
    else ident(t.column);
    text(")");
  };
  switch (t.fn) {
    case aggregate_fn::count: return fn("COUNT");
    case aggregate_fn::count_distinct:
      text("COUNT(DISTINCT ");
      ident(t.column);
      return text(")");
    case aggregate_fn::sum: return d_.sum(*this, t);
    case aggregate_fn::avg: return d_.avg(*this, t);
    case aggregate_fn::min:
    case aggregate_fn::max: return d_.extreme(*this, t);
    case aggregate_fn::string_agg: return d_.string_agg(*this, t);
  }
}

namespace {

void column_list(renderer& r, std::span<const std::string> cols) {
  for (std::size_t i = 0; i < cols.size(); ++i) {
    if (i) r.text(", ");
    r.ident(cols[i]);
  }
}

void where_clause(renderer& r, const filter_node& w) {
  if (w.matches_all()) return;
  r.text(" WHERE ");
  r.filter(w);
}

void returning_clause(renderer& r, const dialect& d, const plan& p) {
  if (p.returning.empty() || !d.returning(p.kind)) return;
  r.text(" RETURNING ");
  if (p.returning.size() == 1 && p.returning[0] == "*") return r.text("*");
  column_list(r, p.returning);
}

void order_clause(renderer& r, const dialect& d, const plan& p) {
  if (p.order_by.empty()) return;
  r.text(" ORDER BY ");
  for (std::size_t i = 0; i < p.order_by.size(); ++i) {
    if (i) r.text(", ");
    r.ident(p.order_by[i].column);
    r.text(p.order_by[i].dir == direction::desc ? " DESC" : " ASC");
    if (!p.not_null_order(i)) d.null_order(r, p.order_by[i].dir);
  }
}

void assignment(renderer& r, const dialect& d, const engine::assignment& a) {
  r.ident(a.column);
  r.text(" = ");
  if (a.op == update_op::set) return r.written(a.column, a.param);
  auto arith = [&](std::string_view op) {
    r.text("COALESCE(");
    r.ident(a.column);
    r.text(", 0)");
    r.text(op);
    r.param(a.param);
  };
  auto extreme = [&](std::string_view cmp) {
    r.text("CASE WHEN ");
    r.ident(a.column);
    r.text(" IS NULL OR ");
    r.param(a.param);
    r.text(cmp);
    r.ident(a.column);
    r.text(" THEN ");
    r.param(a.param);
    r.text(" ELSE ");
    r.ident(a.column);
    r.text(" END");
  };
  switch (a.op) {
    case update_op::set: return;  // written above
    case update_op::unset: return r.text("NULL");
    case update_op::inc: return arith(" + ");
    case update_op::dec: return arith(" - ");
    case update_op::mul: return arith(" * ");
    case update_op::min: return extreme(" < ");
    case update_op::max: return extreme(" > ");
    case update_op::concat: return d.concat(r, a);
    default: return d.json_array_op(r, a);
  }
}

}  // namespace

statement renderer::insert(std::size_t rows) && {
  const engine::plan& p = p_;
  text("INSERT INTO ");
  ident(p.table);
  text(" (");
  column_list(*this, p.columns);
  text(") VALUES ");
  const auto ncols = p.columns.size();
  for (std::size_t r = 0; r < rows; ++r) {
    text(r ? ", (" : "(");
    for (std::size_t c = 0; c < ncols; ++c) {
      if (c) text(", ");
      written(p.columns[c], static_cast<std::uint32_t>(p.rows_param + r * ncols + c));
    }
    text(")");
  }
  if (p.has_conflict) d_.upsert_clause(*this, p);
  returning_clause(*this, d_, p);
  return std::move(s_);
}

statement render_insert(const plan& p, const dialect& d, std::size_t rows, std::span<const std::string> json_columns,
                        std::span<const scaled_column> decimals) {
  renderer r(d, p);
  r.json_columns(json_columns);
  r.decimal_columns(decimals);
  return std::move(r).insert(rows);
}

statement render(const plan& p, const dialect& d, std::span<const std::string> json_columns,
                 std::span<const scaled_column> decimals) {
  renderer r(d, p);
  r.json_columns(json_columns);
  r.decimal_columns(decimals);
  switch (p.kind) {
    case plan_kind::find:
      r.text("SELECT ");
      if (p.columns.empty()) r.text("*");
      else column_list(r, p.columns);
      r.text(" FROM ");
      r.ident(p.table);
      where_clause(r, p.where);
      order_clause(r, d, p);
      d.limit_offset(r, p);
      break;
    case plan_kind::count:
    case plan_kind::aggregate: {
      r.text("SELECT ");
      bool first = true;
      for (const auto& g : p.group_by) {
        if (!first) r.text(", ");
        first = false;
        r.ident(g);
      }
      for (const auto& a : p.aggregates) {
        if (!first) r.text(", ");
        first = false;
        r.aggregate(a);
        r.text(" AS ");
        r.ident(a.alias);
      }
      r.text(" FROM ");
      r.ident(p.table);
      where_clause(r, p.where);
      if (!p.group_by.empty()) {
        r.text(" GROUP BY ");
        column_list(r, p.group_by);
      }
      if (!p.having.matches_all()) {
        r.text(" HAVING ");
        r.having(p.having);
      }
      order_clause(r, d, p);
      d.limit_offset(r, p);
      break;
    }
    case plan_kind::insert:
    case plan_kind::upsert: return render_insert(p, d, p.row_count, json_columns, decimals);
    case plan_kind::update:
      r.text("UPDATE ");
      r.ident(p.table);
      r.text(" SET ");
      for (std::size_t i = 0; i < p.set.size(); ++i) {
        if (i) r.text(", ");
        assignment(r, d, p.set[i]);
      }
      where_clause(r, p.where);
      returning_clause(r, d, p);
      break;
    case plan_kind::remove:
      r.text("DELETE FROM ");
      r.ident(p.table);
      where_clause(r, p.where);
      returning_clause(r, d, p);
      break;
    case plan_kind::raw:
      throw error(error_category::usage, "a raw query is not rendered");
  }
  return std::move(r).take();
}

statement with_params(std::string text, std::size_t count) {
  statement s{std::move(text), {}};
  s.bindings.reserve(count);
  for (std::uint32_t i = 0; i < count; ++i) s.bindings.push_back({i, transform::none});
  return s;
}

std::string savepoint_sql(const dialect& d, std::string_view verb, std::string_view name) {
  std::string s(verb);
  s += ' ';
  d.quote(s, name);
  return s;
}

void check_placeholders(const statement& s, std::size_t limit, std::string_view engine) {
  if (s.bindings.size() <= limit) return;
  throw error(error_category::usage,
              fmt::format("this call needs {} parameters in one statement, more than {} takes ({}); a $in or $nin "
                          "list that long must be split across calls, or the values put in a table to join",
                          s.bindings.size(), engine, limit),
              error_details{std::string(engine)});
}

std::string apply_transform(transform how, std::string_view s) {
  std::string out;
  out.reserve(s.size() + 2);
  auto like_escape = [&](std::string_view in) {
    for (char c : in) {
      if (c == '%' || c == '_' || c == '\\') out += '\\';
      out += c;
    }
  };
  auto glob_escape = [&](std::string_view in) {
    for (char c : in) {
      if (c == '*' || c == '?' || c == '[') {
        out += '[';
        out += c;
        out += ']';
      } else {
        out += c;
      }
    }
  };
  switch (how) {
    case transform::none:
    case transform::array:
    case transform::json_value:
    case transform::json_text: return std::string(s);
    case transform::regex_pcre: return engine::regex_for_pcre(s);
    case transform::like_prefix: like_escape(s); out += '%'; return out;
    case transform::like_suffix: out += '%'; like_escape(s); return out;
    case transform::like_contains: out += '%'; like_escape(s); out += '%'; return out;
    case transform::glob_prefix: glob_escape(s); out += '*'; return out;
    case transform::glob_suffix: out += '*'; glob_escape(s); return out;
    case transform::glob_from_like:
      for (std::size_t i = 0; i < s.size(); ++i) {
        char c = s[i];
        if (c == '\\' && i + 1 < s.size()) {
          glob_escape(s.substr(++i, 1));
        } else if (c == '%') {
          out += '*';
        } else if (c == '_') {
          out += '?';
        } else {
          glob_escape(s.substr(i, 1));
        }
      }
      return out;
  }
  return out;
}

}  // namespace tether::detail::sql
