// Measuring what schema steps do to the data: counts, lengths, duplicates and orphans,
// each asked of the database.
#include "core/migrations/data_guard.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "core/client/pool.hpp"
#include "core/client/runner.hpp"
#include "core/migrations/schema_diff.hpp"
#include "tether/client.hpp"
#include "tether/error.hpp"

namespace tether::detail {

using engine::constraint_type;
using engine::field_def;
using engine::schema_op;
using engine::schema_op_kind;

std::string grouped(std::int64_t n) {
  std::string digits = std::to_string(n < 0 ? -n : n), out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return n < 0 ? "-" + out : out;
}

namespace {

std::string rows_text(std::int64_t n) { return grouped(n) + (n == 1 ? " row" : " rows"); }

data_finding finding(data_risk risk, std::int64_t rows, std::string message) {
  return data_finding{risk, rows, std::move(message), {}};
}

// The longest text the length search looks for; SQLite refuses LIKE patterns longer than 50,000.
constexpr std::int64_t longest_measured = 10'000;

// A $like pattern matching text of more than `n` characters.
value longer_than(std::int64_t n) { return value(object{{"$like", std::string(static_cast<std::size_t>(n + 1), '_') + "%"}}); }

// The integer ranges a narrowing to `to` must fit.
std::optional<std::pair<std::int64_t, std::int64_t>> int_range(field_type to) {
  if (to == field_type::smallint) return std::pair<std::int64_t, std::int64_t>{-32768, 32767};
  if (to == field_type::integer) return std::pair<std::int64_t, std::int64_t>{-2147483648LL, 2147483647LL};
  return std::nullopt;
}

bool is_int(field_type t) { return t == field_type::smallint || t == field_type::integer || t == field_type::bigint; }

// Whether every value of `from` is a value of `to`, unchanged.
bool widens(field_type from, field_type to) {
  auto rank = [](field_type t) { return t == field_type::smallint ? 1 : t == field_type::integer ? 2 : 3; };
  if (is_int(from) && is_int(to)) return rank(from) <= rank(to);
  if (is_int(from) && (to == field_type::decimal || to == field_type::double_)) return true;
  if (from == field_type::float_ && to == field_type::double_) return true;
  if (to == field_type::text && (from == field_type::string || from == field_type::enum_ || from == field_type::uuid)) return true;
  if (to == field_type::string && (from == field_type::enum_ || from == field_type::uuid)) return true;
  return false;
}

std::string type_text(const field_def& f) {
  std::string t(to_string(f.type));
  if ((f.type == field_type::string || f.type == field_type::binary) && f.length) return fmt::format("{}({})", t, f.length);
  if (f.type == field_type::decimal && f.precision) return fmt::format("{}({},{})", t, f.precision, f.scale);
  return t;
}

std::string quoted(const value& v) { return v.is_string() ? "'" + v.as_string() + "'" : v.to_json(); }

}  // namespace

std::optional<std::string> data_guard::live_table(const std::string& table) const {
  if (auto it = tables_.find(table); it != tables_.end()) return it->second;
  return table;
}

std::optional<std::string> data_guard::live_field(const std::string& table, const std::string& field) const {
  if (auto it = fields_.find({table, field}); it != fields_.end()) return it->second;
  return field;
}

void data_guard::after(const schema_op& op) {
  switch (op.kind) {
    case schema_op_kind::create_collection: tables_[op.table] = std::nullopt; break;
    case schema_op_kind::rename_collection: {
      tables_[op.new_name] = live_table(op.table);
      for (auto it = fields_.begin(); it != fields_.end();) {  // the table's field names move with it
        if (it->first.first == op.table) {
          fields_[{op.new_name, it->first.second}] = it->second;
          it = fields_.erase(it);
        } else {
          ++it;
        }
      }
      tables_[op.table] = std::nullopt;
      break;
    }
    case schema_op_kind::add_field: fields_[{op.table, op.name}] = std::nullopt; break;
    case schema_op_kind::rename_field:
      fields_[{op.table, op.new_name}] = live_field(op.table, op.name);
      fields_[{op.table, op.name}] = std::nullopt;
      break;
    default: break;
  }
}

std::optional<data_finding> data_guard::duplicates(const std::string& label, const std::string& table,
                                                   const std::vector<std::string>& fields) {
  // The values held more than once (NULLs never collide under a unique rule), most first;
  // only the groups that collide come back, at most 1,000 of them.
  object not_null;
  for (const auto& f : fields) not_null.emplace_back(f, value(object{{"$ne", nullptr}}));
  auto groups = db_.aggregate({.table = table,
                               .operations = {{"tether_n", {{"$count", "*"}}}},
                               .where = value(std::move(not_null)),
                               .group_by = fields,
                               .having = {{"tether_n", {{"$gt", 1}}}},
                               .order_by = {{"tether_n", direction::desc}},
                               .limit = 1000});
  if (groups.size() == 0) return std::nullopt;
  std::vector<std::string> example;
  for (const auto& f : fields) example.push_back(quoted(groups[0][f]));
  const std::int64_t n = static_cast<std::int64_t>(groups.size());
  return finding(data_risk::blocked, n,
                 fmt::format("{}: {}{} {} of {} {} more than once, e.g. {} ({} times)", label,
                             n == 1000 ? "at least " : "", grouped(n), n == 1 ? "value" : "values",
                             fields.size() == 1 ? table + "." + fields[0] : table + " (" + fmt::format("{}", fmt::join(fields, ", ")) + ")",
                             n == 1 ? "appears" : "appear", fmt::format("{}", fmt::join(example, ", ")),
                             groups[0]["tether_n"].as_int()));
}

std::optional<data_finding> data_guard::orphans(const std::string& label, const std::string& table,
                                                const engine::constraint_def& c) {
  if (c.columns.size() != 1) {
    notes.push_back(fmt::format("{}: orphans are counted for one-column foreign keys only; this one was not measured", label));
    return std::nullopt;
  }
  const auto ref = live_table(c.ref_table);
  const std::string& col = c.columns[0];
  std::int64_t orphan_rows = 0, orphan_values = 0;
  value example;
  // Counted by the database where the engine can (one statement); else the distinct
  // values in pages, each page's parents looked up by $in: only keys are read.
  std::optional<engine::schema_applier::orphans> counted;
  if (ref) {
    std::unique_ptr<detail::lease> hold;
    detail::runner& run = detail::runner_of(db_);
    if (auto* s = run.pin(hold).schema_part()) counted = s->count_orphans(table, col, *ref, c.ref_columns[0]);
  }
  if (counted) {
    orphan_rows = counted->rows;
    orphan_values = counted->values;
    example = counted->example;
  }
  constexpr std::int64_t page = 500;
  for (std::int64_t offset = 0; !counted; offset += page) {
    auto values = db_.aggregate({.table = table,
                                 .operations = {{"tether_n", {{"$count", "*"}}}},
                                 .where = {{col, {{"$ne", nullptr}}}},
                                 .group_by = {col},
                                 .order_by = {{col}},
                                 .limit = page,
                                 .offset = offset});
    if (values.size() == 0) break;
    array keys;
    for (const auto& r : values) keys.push_back(r[col]);
    std::vector<value> found;
    if (ref) {
      auto parents = db_.find({.table = *ref, .select = {c.ref_columns[0]},
                               .where = {{c.ref_columns[0], {{"$in", value(keys)}}}}});
      for (const auto& p : parents.records) found.push_back(p[c.ref_columns[0]]);
    }
    for (const auto& r : values) {
      const value v = r[col];
      if (std::find(found.begin(), found.end(), v) != found.end()) continue;
      ++orphan_values;
      orphan_rows += r["tether_n"].as_int();
      if (example.is_null()) example = v;
    }
    if (static_cast<std::int64_t>(values.size()) < page) break;
  }
  if (!orphan_rows) return std::nullopt;
  return finding(data_risk::blocked, orphan_rows,
                 fmt::format("{}: {} of {} point at no row of {} ({} {}, e.g. {})", label, rows_text(orphan_rows), table,
                             c.ref_table, grouped(orphan_values), orphan_values == 1 ? "value" : "distinct values",
                             quoted(example)));
}

std::optional<data_finding> data_guard::measure(const schema_op& op, const engine::table_description* before) {
  if (op.kind == schema_op_kind::raw || op.kind == schema_op_kind::create_collection) return std::nullopt;
  const auto table = live_table(op.table);
  if (!table) return std::nullopt;  // made by this plan: empty
  const std::string& t = *table;
  switch (op.kind) {
    case schema_op_kind::drop_collection: {
      const auto n = db_.count({.table = t});
      if (!n) return std::nullopt;
      return finding(data_risk::data_loss, n, fmt::format("drops table {}: {} would be lost", op.table, rows_text(n)));
    }
    case schema_op_kind::drop_field: {
      const auto f = live_field(op.table, op.name);
      if (!f) return std::nullopt;
      const auto n = db_.count({.table = t, .column = *f});
      if (!n) return std::nullopt;
      return finding(data_risk::data_loss, n,
                     fmt::format("drops {}.{}: {} hold a value", op.table, op.name, n == 1 ? "1 row" : rows_text(n)));
    }
    case schema_op_kind::add_field: {
      const field_def& f = op.fields.at(0);
      if (f.nullable || f.default_value || f.default_now || f.auto_increment) return std::nullopt;
      const auto n = db_.count({.table = t});
      if (!n) return std::nullopt;
      return finding(data_risk::blocked, n,
                     fmt::format("adds {}.{} required with no default: the table's {} would have no value; give it a "
                                 "default, or add it optional, fill it, then make it required",
                                 op.table, f.name, rows_text(n)));
    }
    case schema_op_kind::modify_field: {
      const auto f = live_field(op.table, op.name);
      const field_def* old = before ? engine::find_named(before->columns, op.name) : nullptr;
      if (!f || !old) return std::nullopt;
      const field_def& now = op.fields.at(0);
      const std::string label = fmt::format("{}.{} to {}", op.table, op.name, type_text(now));
      // Blocked first: a step that cannot run is told before one that loses.
      if (old->nullable && !now.nullable) {
        const auto n = db_.count({.table = t, .where = {{*f, nullptr}}});
        if (n) {
          data_finding d = finding(data_risk::blocked, n,
                                   fmt::format("{}.{} required: {} {} NULL", op.table, op.name, grouped(n), n == 1 ? "row is" : "rows are"));
          if (now.default_value) {
            d.backfill = now.default_value->to_json();
            d.table = t;
            d.field = *f;
            d.message += fmt::format("; the file's default {} can fill them (push --backfill)", quoted(*now.default_value));
          }
          return d;
        }
      }
      if (now.unique && !old->unique)
        if (auto d = duplicates(fmt::format("{}.{} unique", op.table, op.name), t, {*f})) return d;
      if (!now.enum_values.empty() && !old->enum_values.empty()) {
        array gone;
        for (const auto& v : old->enum_values)
          if (std::find(now.enum_values.begin(), now.enum_values.end(), v) == now.enum_values.end()) gone.emplace_back(v);
        if (!gone.empty()) {
          const auto n = db_.count({.table = t, .where = {{*f, {{"$in", value(gone)}}}}});
          if (n)
            return finding(data_risk::blocked, n,
                           fmt::format("{}.{}: {} hold a value that is no longer one of its enum_values", op.table,
                                       op.name, rows_text(n)));
        }
      }
      engine::capabilities any;
      field_def same_but_type = *old;
      same_but_type.type = now.type;
      if (old->type != now.type && !widens(old->type, now.type) && !same_field(*old, same_but_type, any) &&
          !same_field(same_but_type, *old, any)) {
        if (auto range = int_range(now.type); range && is_int(old->type)) {
          const auto n = db_.count({.table = t, .where = {{"$or", {value{{*f, {{"$gt", range->second}}}},
                                                                   value{{*f, {{"$lt", range->first}}}}}}}});
          if (!n) return std::nullopt;
          return finding(data_risk::data_loss, n,
                         fmt::format("{}: {} hold a value outside {} to {}", label, rows_text(n), grouped(range->first),
                                     grouped(range->second)));
        }
        const auto n = db_.count({.table = t, .column = *f});
        if (!n) return std::nullopt;
        return finding(data_risk::data_loss, n,
                       fmt::format("{} (from {}): {} hold a value the change converts, or fails on", label,
                                   type_text(*old), rows_text(n)));
      }
      // Narrowing a string: the values longer than the new length.
      if (now.type == field_type::string && now.length &&
          (old->type == field_type::text || (old->type == field_type::string && (old->length == 0 ? 255 : old->length) > now.length))) {
        const std::int64_t limit = now.length;
        auto longer = [&](std::int64_t n) { return db_.count({.table = t, .where = {{*f, longer_than(n)}}}); };
        const auto n = longer(limit);
        if (!n) return std::nullopt;
        // The longest: grow until nothing is longer, then halve the gap.
        std::int64_t lo = limit + 1, hi = lo;  // some value has at least lo characters
        while (hi <= longest_measured && longer(hi) > 0) {
          lo = hi + 1;
          hi *= 2;
        }
        std::string longest;
        if (hi > longest_measured) {
          longest = fmt::format("the longest more than {}", grouped(std::min(hi / 2, longest_measured)));
        } else {
          while (lo < hi) {  // the longest is in [lo, hi]: longer(hi) is 0
            const std::int64_t mid = lo + (hi - lo) / 2;
            if (longer(mid) > 0) lo = mid + 1;
            else hi = mid;
          }
          longest = fmt::format("the longest {}", grouped(lo));
        }
        return finding(data_risk::data_loss, n,
                       fmt::format("{}: {} {} longer, {}", label, grouped(n), n == 1 ? "value is" : "values are", longest));
      }
      return std::nullopt;
    }
    case schema_op_kind::create_index: {
      const auto& i = op.indexes.at(0);
      if (!i.unique) return std::nullopt;
      std::vector<std::string> fields;
      for (const auto& name : i.fields) {
        auto f = live_field(op.table, name);
        if (!f) return std::nullopt;
        fields.push_back(*f);
      }
      if (!i.where.is_null() || !i.native_where.empty()) {
        notes.push_back(fmt::format("unique index {} is partial: its duplicates were not counted", i.name));
        return std::nullopt;
      }
      return duplicates(fmt::format("unique index {}", i.name), t, fields);
    }
    case schema_op_kind::add_constraint: {
      const auto& c = op.constraints.at(0);
      std::vector<std::string> fields;
      for (const auto& name : c.columns) {
        auto f = live_field(op.table, name);
        if (!f) return std::nullopt;
        fields.push_back(*f);
      }
      if (c.type == constraint_type::unique) return duplicates(fmt::format("unique constraint {}", c.name), t, fields);
      if (c.type == constraint_type::foreign_key) {
        engine::constraint_def live = c;
        live.columns = fields;
        return orphans(fmt::format("foreign key {}", c.name), t, live);
      }
      if (!c.check.is_null()) {
        value failing = value(object{{"$not", c.check}});
        const auto n = db_.count({.table = t, .where = failing});
        if (!n) return std::nullopt;
        return finding(data_risk::blocked, n, fmt::format("check {}: {} fail it", c.name, rows_text(n)));
      }
      notes.push_back(fmt::format("check {} is the engine's own SQL: the rows that fail it were not counted", c.name));
      return std::nullopt;
    }
    default: return std::nullopt;
  }
}

}  // namespace tether::detail
