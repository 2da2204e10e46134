// A find's include, engine-neutral (include.hpp): the JSON form, and reading the related
// rows one query per relation level, stitched onto the parents.
#include "core/relations/include.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <memory>
#include <span>
#include <unordered_map>
#include <unordered_set>

#include "core/relations/keys.hpp"
#include "core/results/records_builder.hpp"
#include "tether/error.hpp"

namespace tether {

namespace {

[[noreturn]] void bad(std::string_view relation, std::string_view message) {
  throw error(error_category::usage, relation.empty() ? fmt::format("include: {}", message)
                                                      : fmt::format("include \"{}\": {}", relation, message));
}

std::string text_member(const value& o, std::string_view key, std::string_view relation) {
  const value* v = o.find(key);
  if (!v || v->is_null()) return {};
  if (!v->is_string()) bad(relation, fmt::format("\"{}\" must be a string, got {}", key, v->to_json()));
  return v->as_string();
}

std::optional<relation_type> type_named(std::string_view t, std::string_view relation) {
  if (t.empty()) return std::nullopt;  // from the foreign key
  if (t == "many_to_one") return relation_type::many_to_one;
  if (t == "one_to_many") return relation_type::one_to_many;
  if (t == "many_to_many") return relation_type::many_to_many;
  bad(relation, fmt::format("\"type\" is many_to_one, one_to_many or many_to_many, got \"{}\"", t));
}

// "TrackId:desc,Name", or [{"column": "TrackId", "order": "desc"}, "Name"].
std::vector<order_term> order_of(const value& v, std::string_view relation) {
  std::vector<order_term> out;
  if (v.is_null()) return out;
  if (v.is_string()) {
    const std::string& s = v.as_string();
    for (std::size_t at = 0; at <= s.size();) {
      auto comma = s.find(',', at);
      std::string term = s.substr(at, comma == std::string::npos ? std::string::npos : comma - at);
      term.erase(0, term.find_first_not_of(' '));
      term.erase(term.find_last_not_of(' ') + 1);
      if (!term.empty()) out.push_back(order_term::parse(term));
      if (comma == std::string::npos) break;
      at = comma + 1;
    }
    return out;
  }
  if (!v.is_array()) bad(relation, "\"order_by\" is \"col:desc,col2\" or a list of {\"column\", \"order\"}");
  for (const auto& t : v.as_array()) {
    if (t.is_string()) {
      out.push_back(order_term::parse(t.as_string()));
      continue;
    }
    if (!t.is_object()) bad(relation, fmt::format("an order_by term is {{\"column\", \"order\"}}, got {}", t.to_json()));
    const std::string column = text_member(t, "column", relation), order = text_member(t, "order", relation);
    if (column.empty()) bad(relation, "an order_by term needs \"column\"");
    out.push_back(order_term::parse(order.empty() ? column : column + ":" + order));
  }
  return out;
}

include_options one_relation(const value& o, std::string name, int depth) {
  if (depth > include_options::max_depth)
    bad(name, fmt::format("includes nest at most {} levels deep", include_options::max_depth));
  if (!o.is_object()) bad(name, fmt::format("a relation is an object, got {}", o.to_json()));
  static const std::vector<std::string_view> known{
      "relation", "type", "table", "foreign_key", "primary_key", "through", "through_foreign_key",
      "through_related_key", "select", "where", "order_by", "limit", "include"};
  for (const auto& [key, _] : o.as_object())
    if (std::find(known.begin(), known.end(), key) == known.end())
      bad(name, fmt::format("unknown key \"{}\"; a relation takes relation, type, table, foreign_key, primary_key, "
                            "through, through_foreign_key, through_related_key, select, where, order_by, limit, "
                            "include",
                            key));
  include_options r;
  r.relation = name.empty() ? text_member(o, "relation", name) : std::move(name);
  if (r.relation.empty()) bad("", "each relation needs \"relation\": the name its rows appear under");
  r.type = type_named(text_member(o, "type", r.relation), r.relation);
  r.table = text_member(o, "table", r.relation);
  r.foreign_key = text_member(o, "foreign_key", r.relation);
  r.primary_key = text_member(o, "primary_key", r.relation);
  r.through = text_member(o, "through", r.relation);
  r.through_foreign_key = text_member(o, "through_foreign_key", r.relation);
  r.through_related_key = text_member(o, "through_related_key", r.relation);
  if (const value* s = o.find("select"); s && !s->is_null()) {
    if (!s->is_array()) bad(r.relation, "\"select\" is a list of column names");
    for (const auto& c : s->as_array()) {
      if (!c.is_string()) bad(r.relation, "\"select\" is a list of column names");
      r.select.push_back(c.as_string());
    }
  }
  if (const value* w = o.find("where")) r.where = *w;
  if (const value* ob = o.find("order_by")) r.order_by = order_of(*ob, r.relation);
  if (const value* l = o.find("limit"); l && !l->is_null()) {
    if (l->kind() != value_kind::integer || l->as_int() < 0)
      bad(r.relation, fmt::format("\"limit\" is a whole number from 0, got {}", l->to_json()));
    r.limit = l->as_int();
  }
  if (const value* i = o.find("include"); i && !i->is_null()) {
    auto nested = [&](const value& v) {
      if (v.is_array()) {
        for (const auto& x : v.as_array()) r.include.push_back(one_relation(x, "", depth + 1));
      } else if (v.is_object()) {
        for (const auto& [k, x] : v.as_object()) r.include.push_back(one_relation(x, k, depth + 1));
      } else {
        bad(r.relation, "\"include\" is a list of relations or an object keyed by relation name");
      }
    };
    nested(*i);
  }
  return r;
}

}  // namespace

std::vector<include_options> include_options::parse(const value& v) {
  std::vector<include_options> out;
  if (v.is_null()) return out;
  if (v.is_array()) {
    for (const auto& x : v.as_array()) out.push_back(one_relation(x, "", 1));
  } else if (v.is_object()) {
    for (const auto& [k, x] : v.as_object()) out.push_back(one_relation(x, k, 1));
  } else {
    bad("", fmt::format("include is a list of relations or an object keyed by relation name, got {}", v.to_json()));
  }
  return out;
}

namespace detail {

namespace {

// Keys per query: well within every engine's parameter limits (SQLite 32,766, MySQL and
// PostgreSQL 65,535; PostgreSQL sends a $in as one array anyway).
constexpr std::size_t chunk_keys = 1000;

std::size_t column_of(const records& rows, const std::string& column, const std::string& table,
                      const include_options& r) {
  auto i = rows.column_index(column);
  if (!i) bad(r.relation, fmt::format("\"{}\" has no column \"{}\" in what was read", table, column));
  return *i;
}

void require(const std::string& v, std::string_view key, const include_options& r, std::string_view meaning) {
  if (v.empty()) bad(r.relation, fmt::format("give \"{}\": {}", key, meaning));
}

bool everything(const value& where) { return where.is_null() || (where.is_object() && where.as_object().empty()); }

// The rows of `table` whose `column` is one of `keys` (and match `where`), in `order`,
// read a chunk of keys at a time; the chunks' rows are joined into one records.
records rows_with(executor& db, const std::string& table, const std::string& column, const std::vector<value>& keys,
                  const value& where, std::vector<std::string> select, const std::vector<order_term>& order) {
  if (!select.empty() && std::find(select.begin(), select.end(), column) == select.end()) select.push_back(column);
  records out;
  bool first = true;
  for (std::size_t at = 0; at < keys.size() || first; at += chunk_keys) {
    const std::size_t end = std::min(keys.size(), at + chunk_keys);
    value in(object{{column, value(object{{"$in", value(array(keys.begin() + static_cast<std::ptrdiff_t>(at),
                                                                 keys.begin() + static_cast<std::ptrdiff_t>(end)))}})}});
    find_options q{.table = table,
                   .select = select,
                   .where = everything(where) ? std::move(in) : value(object{{"$and", value(array{where, std::move(in)})}}),
                   .order_by = order};
    records got = db.find(q).records;
    if (first) {
      out = std::move(got);
      first = false;
      continue;
    }
    records_builder b(out);
    for (std::size_t row = 0; row < got.size(); ++row) {
      for (std::size_t c = 0; c < got.column_count(); ++c) b.add(got.get(row, c));
      b.end_row();
    }
  }
  return out;
}

// The distinct non-null values of a column, in first-seen order.
std::vector<value> distinct_keys(const records& rows, std::size_t column) {
  std::vector<value> keys;
  std::unordered_set<stitch_key, stitch_key_hash> seen;
  for (std::size_t i = 0; i < rows.size(); ++i)
    if (auto k = key_at(rows, i, column); k && seen.insert(*k).second) keys.push_back(rows.get(i, column));
  return keys;
}

// Row indexes grouped by key, each group in the order added: add() every pair, finish(),
// then find(). The keys' text lives in the records they were read from.
class grouped {
 public:
  void add(const stitch_key& k, std::uint32_t row) {
    auto [it, _] = ids_.try_emplace(k, static_cast<std::uint32_t>(ids_.size()));
    pairs_.emplace_back(it->second, row);
  }
  // `distinct`: each group sorted, without repeats (a many_to_many's rows in read order).
  void finish(bool distinct = false) {
    starts_.assign(ids_.size() + 1, 0);
    for (const auto& [g, _] : pairs_) ++starts_[g + 1];
    for (std::size_t g = 1; g < starts_.size(); ++g) starts_[g] += starts_[g - 1];
    rows_.resize(pairs_.size());
    std::vector<std::uint32_t> at(starts_.begin(), starts_.end() - 1);
    for (const auto& [g, row] : pairs_) rows_[at[g]++] = row;
    pairs_.clear();
    if (!distinct) return;
    std::vector<std::uint32_t> kept;
    kept.reserve(rows_.size());
    std::vector<std::uint32_t> starts(starts_.size(), 0);
    for (std::size_t g = 0; g + 1 < starts_.size(); ++g) {
      auto first = rows_.begin() + starts_[g], last = rows_.begin() + starts_[g + 1];
      std::sort(first, last);
      std::unique_copy(first, last, std::back_inserter(kept));
      starts[g + 1] = static_cast<std::uint32_t>(kept.size());
    }
    rows_ = std::move(kept);
    starts_ = std::move(starts);
  }
  std::span<const std::uint32_t> find(const stitch_key& k) const {
    auto it = ids_.find(k);
    if (it == ids_.end()) return {};
    return std::span<const std::uint32_t>(rows_).subspan(starts_[it->second], starts_[it->second + 1] - starts_[it->second]);
  }

 private:
  std::unordered_map<stitch_key, std::uint32_t, stitch_key_hash> ids_;
  std::vector<std::pair<std::uint32_t, std::uint32_t>> pairs_;
  std::vector<std::uint32_t> starts_, rows_;
};

// The related rows' indexes, grouped by their `column`, in their order.
grouped group_by_key(const records& rows, std::size_t column) {
  grouped out;
  for (std::size_t i = 0; i < rows.size(); ++i)
    if (auto k = key_at(rows, i, column)) out.add(*k, static_cast<std::uint32_t>(i));
  out.finish();
  return out;
}

relation_part read_relation(executor& db, const std::string& parent_table, const include_options& given,
                            const records& parents, int depth) {
  if (given.relation.empty()) bad("", "each relation needs a name (relation)");
  const include_options r = complete_relation(db, parent_table, given);
  const std::vector<std::string> select = with_join_keys(db, r.table, r.select, r.include);
  relation_part part;
  part.name = r.relation;
  part.to_one = *r.type == relation_type::many_to_one;
  part.offsets.reserve(parents.size() + 1);
  part.offsets.push_back(0);
  // The parents' key column, and the related rows by key.
  std::size_t parent_key = 0;
  grouped by_key;
  std::vector<value> keys;
  records links;  // many_to_many: the join table's rows
  switch (*r.type) {
    case relation_type::many_to_one:
    case relation_type::one_to_many: {
      // many_to_one: the parent's foreign_key holds the related primary_key; one_to_many:
      // the related foreign_key holds the parent's primary_key.
      const bool up = *r.type == relation_type::many_to_one;
      const std::string& pointing_table = up ? parent_table : r.table;
      const std::string& pointed_table = up ? r.table : parent_table;
      require(r.foreign_key, "foreign_key", r, fmt::format("the column of \"{}\" that points at \"{}\"", pointing_table, pointed_table));
      require(r.primary_key, "primary_key", r, fmt::format("the column of \"{}\" that \"{}\" points at", pointed_table, r.foreign_key));
      if (up && r.limit) bad(r.relation, "a many_to_one relation reads one row: it takes no limit");
      const std::string& mine = up ? r.foreign_key : r.primary_key;
      const std::string& theirs = up ? r.primary_key : r.foreign_key;
      parent_key = column_of(parents, mine, parent_table, r);
      keys = distinct_keys(parents, parent_key);
      part.rows = keys.empty() ? records{} : rows_with(db, r.table, theirs, keys, r.where, select, r.order_by);
      if (!keys.empty()) by_key = group_by_key(part.rows, column_of(part.rows, theirs, r.table, r));
      break;
    }
    case relation_type::many_to_many: {
      require(r.through, "through", r, fmt::format("the join table between \"{}\" and \"{}\"", parent_table, r.table));
      require(r.through_foreign_key, "through_foreign_key", r, fmt::format("the column of \"{}\" that points at \"{}\"", r.through, parent_table));
      require(r.through_related_key, "through_related_key", r, fmt::format("the column of \"{}\" that points at \"{}\"", r.through, r.table));
      require(r.primary_key, "primary_key", r, fmt::format("the column of \"{}\" that \"{}\" points at", parent_table, r.through_foreign_key));
      require(r.foreign_key, "foreign_key", r, fmt::format("the column of \"{}\" that \"{}\" points at", r.table, r.through_related_key));
      parent_key = column_of(parents, r.primary_key, parent_table, r);
      keys = distinct_keys(parents, parent_key);
      if (keys.empty()) break;
      links = rows_with(db, r.through, r.through_foreign_key, keys, value(),
                                      {r.through_foreign_key, r.through_related_key}, {});
      const std::size_t from = column_of(links, r.through_foreign_key, r.through, r);
      const std::size_t to = column_of(links, r.through_related_key, r.through, r);
      const std::vector<value> related = distinct_keys(links, to);
      part.rows = related.empty() ? records{} : rows_with(db, r.table, r.foreign_key, related, r.where, select, r.order_by);
      if (related.empty()) break;
      // A related row's position among the rows read keeps their order per parent.
      const auto rows_by_key = group_by_key(part.rows, column_of(part.rows, r.foreign_key, r.table, r));
      for (std::size_t i = 0; i < links.size(); ++i) {
        const auto a = key_at(links, i, from), b = key_at(links, i, to);
        if (!a || !b) continue;
        for (std::uint32_t row : rows_by_key.find(*b)) by_key.add(*a, row);
      }
      by_key.finish(true);
      break;
    }
  }
  const std::size_t cap = r.limit ? static_cast<std::size_t>(*r.limit) : SIZE_MAX;
  for (std::size_t i = 0; i < parents.size(); ++i) {
    if (!keys.empty())
      if (auto k = key_at(parents, i, parent_key)) {
        const auto hit = by_key.find(*k);
        const std::size_t n = std::min({hit.size(), cap, part.to_one ? std::size_t{1} : SIZE_MAX});
        part.index.insert(part.index.end(), hit.begin(), hit.begin() + static_cast<std::ptrdiff_t>(n));
      }
    part.offsets.push_back(static_cast<std::uint32_t>(part.index.size()));
  }
  if (!r.include.empty()) read_includes(db, r.table, r.include, part.rows, depth + 1);
  return part;
}

}  // namespace

std::vector<std::string> with_join_keys(executor& db, const std::string& table, std::vector<std::string> select,
                                        const std::vector<include_options>& include) {
  if (select.empty()) return select;  // every column
  for (const auto& given : include) {
    const include_options n = complete_relation(db, table, given);
    const std::string& key = *n.type == relation_type::many_to_one ? n.foreign_key : n.primary_key;
    if (!key.empty() && std::find(select.begin(), select.end(), key) == select.end()) select.push_back(key);
  }
  return select;
}

void refuse_include(const find_options& o, std::string_view call) {
  if (!o.include.empty())
    throw error(error_category::usage,
                fmt::format("include is for find and find_one; {} reads \"{}\" without its relations", call, o.table));
}

void read_includes(executor& db, const std::string& parent_table, const std::vector<include_options>& include,
                   records& parents, int depth) {
  if (include.empty()) return;
  if (depth > include_options::max_depth)
    bad(include.front().relation, fmt::format("includes nest at most {} levels deep", include_options::max_depth));
  auto found = std::make_shared<relations>();
  for (const auto& r : include) {
    for (const auto& p : found->parts)
      if (p.name == r.relation) bad(r.relation, "two relations of one find have this name");
    if (parents.column_index(r.relation))
      bad(r.relation, fmt::format("\"{}\" already has a column of this name", parent_table));
    found->parts.push_back(read_relation(db, parent_table, r, parents, depth));
  }
  records_builder::attach(parents, std::move(found));
}

}  // namespace detail
}  // namespace tether
