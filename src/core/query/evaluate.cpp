// The reference evaluator: a plan's meaning over rows in memory (docs/querying.md). It is
// written for clarity, not speed: each row's cells are materialised as values once.
#include "tether/engine/evaluate.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <map>
#include <numeric>

#include "core/query/planner.hpp"
#include "core/query/exact.hpp"
#include "tether/error.hpp"
#include "core/results/records_builder.hpp"

namespace tether::engine {

namespace {

[[noreturn]] void usage(std::string message) { throw error(error_category::usage, std::move(message)); }

std::string short_json(const value& v) {
  auto s = v.to_json();
  return s.size() > 60 ? s.substr(0, 57) + "..." : s;
}

// {"$param": name}: a prepared query's placeholder (tether::param).
bool param_name_like(const value& v) {
  const object* o = v.if_object();
  return o && o->size() == 1 && (*o)[0].first == "$param";
}

enum class family : std::uint8_t { number, string, boolean, date, time, timestamp, uuid, object_id, bytes, other };

family family_of(value_kind k) {
  switch (k) {
    case value_kind::integer:
    case value_kind::real:
    case value_kind::decimal: return family::number;
    case value_kind::string: return family::string;
    case value_kind::boolean: return family::boolean;
    case value_kind::date: return family::date;
    case value_kind::time: return family::time;
    case value_kind::timestamp: return family::timestamp;
    case value_kind::uuid: return family::uuid;
    case value_kind::object_id: return family::object_id;
    case value_kind::bytes: return family::bytes;
    default: return family::other;
  }
}

template <class T>
int three_way(const T& a, const T& b) {
  return a < b ? -1 : b < a ? 1 : 0;
}

detail::exact_number exact_of(const value& v) {
  return v.kind() == value_kind::integer ? detail::exact_from_int(v.as_int()) : detail::parse_exact(v.as_decimal().text);
}

int compare_numbers(const value& a, const value& b) {
  if (a.kind() == value_kind::integer && b.kind() == value_kind::integer) return three_way(a.as_int(), b.as_int());
  if (a.kind() == value_kind::real || b.kind() == value_kind::real) return three_way(a.as_double(), b.as_double());
  return detail::compare_exact(exact_of(a), exact_of(b));
}

int compare_bytes(std::string_view a, std::string_view b) {
  int c = a.compare(b);
  return c < 0 ? -1 : c > 0 ? 1 : 0;
}

}  // namespace

std::optional<int> compare_values(const value& a, const value& b) {
  family fa = family_of(a.kind()), fb = family_of(b.kind());
  if (fa != fb || fa == family::other) return std::nullopt;
  switch (fa) {
    case family::number: return compare_numbers(a, b);
    case family::string: return compare_bytes(a.as_string(), b.as_string());
    case family::boolean: return three_way(a.as_bool(), b.as_bool());
    case family::date: return three_way(a.as_date().days, b.as_date().days);
    case family::time: return three_way(a.as_time().micros, b.as_time().micros);
    case family::timestamp: return three_way(a.as_timestamp().micros, b.as_timestamp().micros);
    case family::uuid: return three_way(a.as_uuid().octets, b.as_uuid().octets);
    case family::object_id: return three_way(a.as_object_id().octets, b.as_object_id().octets);
    case family::bytes: {
      const auto& x = a.as_bytes().data;
      const auto& y = b.as_bytes().data;
      return compare_bytes(std::string_view(reinterpret_cast<const char*>(x.data()), x.size()),
                           std::string_view(reinterpret_cast<const char*>(y.data()), y.size()));
    }
    default: return std::nullopt;
  }
}

namespace {

bool text_column(value_kind k) { return k == value_kind::string; }

}  // namespace

void check_operand(value_kind column, std::string_view type, compare op, std::string_view field, const value& operand) {
  const value_kind k = operand.kind();
  if (param_name_like(operand)) return;  // a prepared query's placeholder: checked when bound
  auto refuse = [&](std::string_view expected) {
    usage(fmt::format("{} on column \"{}\" ({}) takes {}, got {} ({})", operator_name(op), field, type, expected,
                      short_json(operand), to_string(k)));
  };
  if (is_text_match(op)) {
    if (!text_column(column)) refuse("nothing: it matches text, and the column is not text");
    return;
  }
  switch (column) {
    case value_kind::integer:
    case value_kind::real:
    case value_kind::decimal:
      if (!operand.is_number()) refuse("a number");
      return;
    case value_kind::string:
      if (k != value_kind::string) refuse("a string");
      return;
    case value_kind::boolean:
      if (k != value_kind::boolean) refuse("true or false");
      return;
    // Typed values only: text would compare as text where the engine stores these as
    // text (SQLite), and mean a parse elsewhere.
    case value_kind::date:
      if (k != value_kind::date) refuse("a date, such as {\"$date\": \"2024-02-29\"}");
      return;
    case value_kind::time:
      if (k != value_kind::time) refuse("a time, such as {\"$time\": \"13:14:15\"}");
      return;
    case value_kind::timestamp:
      if (k != value_kind::timestamp) refuse("a timestamp, such as {\"$timestamp\": \"2024-06-01T12:00:00Z\"}");
      return;
    case value_kind::uuid:
      if (k != value_kind::uuid) refuse("a uuid, such as {\"$uuid\": \"123e4567-e89b-12d3-a456-426614174000\"}");
      return;
    case value_kind::object_id:
      if (k != value_kind::object_id) refuse("an ObjectId, such as {\"$oid\": \"65f1c0de2a9b4e0012345678\"}");
      return;
    default: return;
  }
}

void check_aggregate_input(value_kind column, std::string_view type, aggregate_fn fn, std::string_view field) {
  if (fn != aggregate_fn::sum && fn != aggregate_fn::avg) return;
  if (column == value_kind::integer || column == value_kind::real || column == value_kind::decimal) return;
  if (column == value_kind::bytes || column == value_kind::array || column == value_kind::object) return;
  usage(fmt::format("{} of column \"{}\" ({}) needs a numeric column", fn == aggregate_fn::sum ? "$sum" : "$avg",
                    field, type));
}

namespace {

// Rows as values: one materialisation per cell, then every condition reads them.
struct table {
  std::vector<std::string> names;
  std::vector<std::vector<value>> rows;

  std::size_t column(std::string_view name, std::string_view what) const {
    for (std::size_t i = 0; i < names.size(); ++i)
      if (names[i] == name) return i;
    std::string known;
    for (const auto& n : names) known += (known.empty() ? "" : ", ") + n;
    throw error(error_category::not_found, fmt::format("{} \"{}\" is not a column; the columns are {}", what, name, known));
  }
};

table load(const records& in) {
  table t;
  for (std::size_t c = 0; c < in.column_count(); ++c) t.names.emplace_back(in.column_name(c));
  t.rows.reserve(in.size());
  for (std::size_t r = 0; r < in.size(); ++r) {
    std::vector<value> row;
    row.reserve(t.names.size());
    for (std::size_t c = 0; c < t.names.size(); ++c) row.push_back(in.get(r, c));
    t.rows.push_back(std::move(row));
  }
  return t;
}


// When any operand of a comparison is a double, the column and every operand compare as
// doubles ({"i": {"$in": [9007199254740993, 1.5]}} too).
int compare_operand(const filter_node& n, const value& cell, const value& operand0, bool as_doubles) {
  if (as_doubles && cell.is_number() && operand0.is_number()) return three_way(cell.as_double(), operand0.as_double());
  const value& operand = operand0;
  auto c = compare_values(cell, operand);
  if (!c)
    usage(fmt::format("{} on column \"{}\" cannot compare its {} values with {} ({})", operator_name(n.op), n.field,
                      to_string(cell.kind()), short_json(operand), to_string(operand.kind())));
  return *c;
}

bool text_match(const filter_node& n, const value& cell, const std::string& operand) {
  if (!cell.is_string())
    usage(fmt::format("{} on column \"{}\" matches text, and the column holds {} values", operator_name(n.op), n.field,
                      to_string(cell.kind())));
  const std::string& s = cell.as_string();
  switch (n.op) {
    case compare::like: return like_match(s, operand);
    case compare::ilike: return like_match(fold_case(s), fold_case(operand));
    case compare::contains: return s.find(operand) != std::string::npos;
    case compare::starts_with: return s.compare(0, operand.size(), operand) == 0 && s.size() >= operand.size();
    case compare::ends_with:
      return s.size() >= operand.size() && s.compare(s.size() - operand.size(), operand.size(), operand) == 0;
    case compare::regex: return regex_search(s, operand);
    default: return false;
  }
}

// A leaf's truth for one cell. A condition on a null is false (two-valued logic), except
// the ones that ask for null: $isNull, $ne and $nin.
bool leaf(const plan& p, const filter_node& n, const value& cell) {
  auto operand = [&](std::uint32_t k) -> const value& { return *p.param(n.first_param + k); };
  const bool doubles = p.number_kind(n) == operand_number::real;
  auto ordered = [&](const filter_node& node, const value& c, const value& o) {
    return compare_operand(node, c, o, doubles);
  };
  switch (n.op) {
    case compare::is_null: return cell.is_null();
    case compare::is_not_null: return !cell.is_null();
    case compare::ne: return cell.is_null() || ordered(n, cell, operand(0)) != 0;
    case compare::nin:
      if (cell.is_null()) return true;
      for (std::uint32_t k = 0; k < n.param_count; ++k)
        if (ordered(n, cell, operand(k)) == 0) return false;
      return true;
    default: break;
  }
  if (cell.is_null()) return false;
  switch (n.op) {
    case compare::eq: return ordered(n, cell, operand(0)) == 0;
    case compare::gt: return ordered(n, cell, operand(0)) > 0;
    case compare::gte: return ordered(n, cell, operand(0)) >= 0;
    case compare::lt: return ordered(n, cell, operand(0)) < 0;
    case compare::lte: return ordered(n, cell, operand(0)) <= 0;
    case compare::between: return ordered(n, cell, operand(0)) >= 0 && ordered(n, cell, operand(1)) <= 0;
    case compare::in:
      for (std::uint32_t k = 0; k < n.param_count; ++k)
        if (ordered(n, cell, operand(k)) == 0) return true;
      return false;
    default: return text_match(n, cell, operand(0).as_string());
  }
}

template <class Cell>
bool holds(const plan& p, const filter_node& n, const Cell& cell_of) {
  switch (n.kind) {
    case logic::leaf: return leaf(p, n, cell_of(n.field));
    case logic::and_:
      for (const auto& c : n.children)
        if (!holds(p, c, cell_of)) return false;
      return true;
    case logic::or_:
      for (const auto& c : n.children)
        if (holds(p, c, cell_of)) return true;
      return false;
    case logic::nor_:
    case logic::not_:
      for (const auto& c : n.children)
        if (holds(p, c, cell_of)) return false;
      return true;
  }
  return false;
}

// Null is the smallest value: first ascending, last descending.
int order_cells(const value& a, const value& b, std::string_view column) {
  if (a.is_null() || b.is_null()) return a.is_null() == b.is_null() ? 0 : a.is_null() ? -1 : 1;
  auto c = compare_values(a, b);
  if (!c)
    usage(fmt::format("order_by on \"{}\" cannot order {} and {} values", column, to_string(a.kind()),
                      to_string(b.kind())));
  return *c;
}

void sort_rows(std::vector<std::vector<value>>& rows, const table& shape, const std::vector<order_term>& order) {
  if (order.empty()) return;
  std::vector<std::pair<std::size_t, direction>> keys;
  for (const auto& o : order) keys.emplace_back(shape.column(o.column, "order_by"), o.dir);
  std::stable_sort(rows.begin(), rows.end(), [&](const auto& a, const auto& b) {
    for (std::size_t k = 0; k < keys.size(); ++k) {
      int c = order_cells(a[keys[k].first], b[keys[k].first], order[k].column);
      if (c != 0) return keys[k].second == direction::asc ? c < 0 : c > 0;
    }
    return false;
  });
}

void page(std::vector<std::vector<value>>& rows, const plan& p) {
  std::size_t offset = p.offset == no_param ? 0 : static_cast<std::size_t>(p.param(p.offset)->as_int());
  if (offset >= rows.size()) return rows.clear();
  rows.erase(rows.begin(), rows.begin() + static_cast<std::ptrdiff_t>(offset));
  if (p.limit != no_param) {
    auto limit = static_cast<std::size_t>(p.param(p.limit)->as_int());
    if (limit < rows.size()) rows.resize(limit);
  }
}

records emit(const std::vector<std::string>& names, const std::vector<std::vector<value>>& rows) {
  records out(names);
  detail::records_builder(out).reserve(rows.size());
  for (const auto& r : rows) {
    for (const auto& v : r) detail::records_builder(out).add(v);
    detail::records_builder(out).end_row();
  }
  return out;
}

// --- aggregates -------------------------------------------------------------------------

value aggregate_value(const plan& p, const aggregate_term& t, const table& in, const std::vector<std::size_t>& members) {
  if (t.fn == aggregate_fn::count && t.column == "*") return static_cast<std::int64_t>(members.size());
  const std::size_t col = in.column(t.column, "the aggregate's column");
  std::vector<const value*> cells;
  for (auto r : members)
    if (!in.rows[r][col].is_null()) cells.push_back(&in.rows[r][col]);
  auto numeric = [&](std::string_view fn) {
    for (const value* v : cells)
      if (!v->is_number())
        usage(fmt::format("{} of column \"{}\" needs numbers, and it holds {} values", fn, t.column,
                          to_string(v->kind())));
  };
  switch (t.fn) {
    case aggregate_fn::count: return static_cast<std::int64_t>(cells.size());
    case aggregate_fn::count_distinct: {
      std::vector<const value*> seen;
      for (const value* v : cells) {
        bool dup = false;
        for (const value* s : seen)
          if (order_cells(*s, *v, t.column) == 0) {
            dup = true;
            break;
          }
        if (!dup) seen.push_back(v);
      }
      return static_cast<std::int64_t>(seen.size());
    }
    case aggregate_fn::sum:
    case aggregate_fn::avg: {
      numeric(t.fn == aggregate_fn::sum ? "$sum" : "$avg");
      if (cells.empty()) return nullptr;
      bool any_real = std::any_of(cells.begin(), cells.end(), [](const value* v) { return v->kind() == value_kind::real; });
      if (any_real) {
        // Doubles add in row order; engines may add in another order, so the last bits of
        // a double sum are not part of its meaning.
        double s = 0;
        for (const value* v : cells) s += v->as_double();
        return t.fn == aggregate_fn::sum ? value(s) : value(s / static_cast<double>(cells.size()));
      }
      exact_sum s;
      for (const value* v : cells) {
        if (v->kind() == value_kind::integer) s.add(v->as_int());
        else s.add_decimal(v->as_decimal().text);
      }
      if (t.fn == aggregate_fn::sum) return s.result();
      return s.as_double() / static_cast<double>(cells.size());
    }
    case aggregate_fn::min:
    case aggregate_fn::max: {
      const value* best = nullptr;
      for (const value* v : cells) {
        if (!best) {
          best = v;
          continue;
        }
        int c = order_cells(*v, *best, t.column);
        if (t.fn == aggregate_fn::min ? c < 0 : c > 0) best = v;
      }
      return best ? *best : value();
    }
    case aggregate_fn::string_agg: {
      if (cells.empty()) return nullptr;
      const std::string& sep = p.param(t.separator)->as_string();
      std::string out;
      for (std::size_t i = 0; i < cells.size(); ++i) {
        if (i) out += sep;
        const value& v = *cells[i];
        out += v.is_string() ? v.as_string() : v.to_json();
      }
      return out;
    }
  }
  return nullptr;
}

// Having, order, offset and limit over the groups an aggregate made.
records finish_groups(const plan& p, table& out) {
  if (!p.having.matches_all()) {
    std::vector<std::vector<value>> kept;
    for (auto& row : out.rows) {
      auto cell_of = [&](const std::string& name) -> const value& { return row[out.column(name, "having")]; };
      if (holds(p, p.having, cell_of)) kept.push_back(std::move(row));
    }
    out.rows = std::move(kept);
  }
  sort_rows(out.rows, out, p.order_by);
  page(out.rows, p);
  return emit(out.names, out.rows);
}

records evaluate_aggregate(const plan& p, const table& in, const std::vector<std::size_t>& matched) {
  std::vector<std::size_t> keys;
  for (const auto& g : p.group_by) keys.push_back(in.column(g, "group_by"));
  // Groups in order of first appearance; a group's key is its first row's values (so 2.5
  // and 2.50 are one group, shown as whichever came first).
  std::vector<std::vector<std::size_t>> groups;
  if (keys.empty()) {
    groups.push_back(matched);
  } else {
    for (auto r : matched) {
      bool placed = false;
      for (auto& g : groups) {
        const auto& first = in.rows[g.front()];
        bool same = true;
        for (std::size_t k = 0; k < keys.size() && same; ++k)
          same = order_cells(first[keys[k]], in.rows[r][keys[k]], p.group_by[k]) == 0;
        if (same) {
          g.push_back(r);
          placed = true;
          break;
        }
      }
      if (!placed) groups.push_back({r});
    }
  }
  table out;
  out.names = p.group_by;
  for (const auto& a : p.aggregates) out.names.push_back(a.alias);
  for (const auto& g : groups) {
    std::vector<value> row;
    for (auto k : keys) row.push_back(g.empty() ? value() : in.rows[g.front()][k]);
    for (const auto& a : p.aggregates) row.push_back(aggregate_value(p, a, in, g));
    out.rows.push_back(std::move(row));
  }
  return finish_groups(p, out);
}

}  // namespace

bool matches(const plan& p, const filter_node& filter, const records& rows, std::size_t row) {
  std::vector<value> cache;
  auto cell_of = [&](const std::string& name) -> const value& {
    auto c = rows.column_index(name);
    if (!c) throw error(error_category::not_found, fmt::format("column \"{}\" is not in the rows", name));
    cache.push_back(rows.get(row, *c));
    return cache.back();
  };
  cache.reserve(16);
  return holds(p, filter, cell_of);
}

records evaluate_groups(const plan& p, const records& groups) {
  table out = load(groups);
  return finish_groups(p, out);
}

records evaluate(const plan& p, const records& rows) {
  if (p.kind != plan_kind::find && p.kind != plan_kind::count && p.kind != plan_kind::aggregate)
    usage("the reference evaluator reads finds, counts and aggregates only");
  table in = load(rows);
  // The operand rules, by each column's kind as its values show it (as an engine checks
  // them by the column's declared type), before any row is read.
  auto kind_of = [&](const std::string& field) -> std::optional<std::pair<value_kind, std::string_view>> {
    for (std::size_t c = 0; c < in.names.size(); ++c) {
      if (in.names[c] != field) continue;
      for (const auto& row : in.rows)
        if (!row[c].is_null()) return std::pair{row[c].kind(), to_string(row[c].kind())};
    }
    return std::nullopt;
  };
  check_operands(p, p.where, kind_of);
  for (const auto& a : p.aggregates)
    if (auto k = kind_of(a.column)) check_aggregate_input(k->first, k->second, a.fn, a.column);
  std::vector<std::size_t> matched;
  for (std::size_t r = 0; r < in.rows.size(); ++r) {
    auto cell_of = [&](const std::string& name) -> const value& { return in.rows[r][in.column(name, "the filter's")]; };
    if (holds(p, p.where, cell_of)) matched.push_back(r);
  }
  if (p.kind != plan_kind::find) return evaluate_aggregate(p, in, matched);
  std::vector<std::vector<value>> picked;
  picked.reserve(matched.size());
  for (auto r : matched) picked.push_back(in.rows[r]);
  sort_rows(picked, in, p.order_by);
  page(picked, p);
  if (p.columns.empty()) return emit(in.names, picked);
  std::vector<std::size_t> cols;
  for (const auto& c : p.columns) cols.push_back(in.column(c, "select"));
  std::vector<std::vector<value>> projected;
  for (const auto& r : picked) {
    std::vector<value> row;
    for (auto c : cols) row.push_back(r[c]);
    projected.push_back(std::move(row));
  }
  return emit({p.columns.begin(), p.columns.end()}, projected);
}

}  // namespace tether::engine

namespace tether::engine {

namespace {
const capabilities& everything() {
  static const capabilities caps = [] {
    capabilities c;
    c.engine = "reference";
    c.transactions = c.savepoints = c.transaction_reads_own_writes = c.returning = c.upsert = c.aggregates = true;
    c.json_arrays = c.raw_queries = c.partial_indexes = c.transactional_ddl = true;
    return c;
  }();
  return caps;
}
}  // namespace

records evaluate(const find_options& o, const records& rows) { return evaluate(detail::plan_find(o, everything()), rows); }
records evaluate(const count_options& o, const records& rows) { return evaluate(detail::plan_count(o, everything()), rows); }
records evaluate(const aggregate_options& o, const records& rows) {
  return evaluate(detail::plan_aggregate(o, everything()), rows);
}

}  // namespace tether::engine
