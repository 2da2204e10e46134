// What a relation of a find's include leaves out (its table, type or keys), from the
// relation the client's schema file declares, then from the foreign keys that
// introspection finds (include.hpp); a schema file completes its own relations the same
// way from its tables (declared.hpp). A relation that says everything is
// used as it is, on any engine; one that leaves something out needs the engine's foreign
// keys, and the error says which key to give when they do not settle it.
#include <fmt/format.h>

#include <algorithm>
#include <cctype>

#include "core/client/runner.hpp"
#include "core/relations/declared.hpp"
#include "core/relations/include.hpp"
#include "tether/error.hpp"

namespace tether::detail {

namespace {

[[noreturn]] void cannot(const include_options& r, std::string_view message) {
  throw error(error_category::usage, fmt::format("include \"{}\": {}", r.relation, message));
}

bool same_name(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

// What the relation says about its table, type and keys.
bool fully_given(const include_options& r) {
  return !r.table.empty() && r.type &&
         (*r.type == relation_type::many_to_many
              ? !(r.through.empty() || r.through_foreign_key.empty() || r.through_related_key.empty() ||
                  r.primary_key.empty() || r.foreign_key.empty())
              : !(r.foreign_key.empty() || r.primary_key.empty()));
}

// The one-column foreign keys of `from` that point at `to` (and hold `column`, when given).
std::vector<const engine::constraint_def*> keys_between(const engine::table_description* from, std::string_view to,
                                                        std::string_view column) {
  std::vector<const engine::constraint_def*> out;
  if (!from) return out;
  for (const auto& c : from->constraints)
    if (c.type == engine::constraint_type::foreign_key && c.columns.size() == 1 && same_name(c.ref_table, to) &&
        (column.empty() || c.columns[0] == column))
      out.push_back(&c);
  return out;
}

std::string column_list(const std::vector<const engine::constraint_def*>& keys) {
  std::string out;
  for (const auto* k : keys) out += (out.empty() ? "" : ", ") + k->columns[0];
  return out;
}

// The one foreign key of `from` to `to`; the error names the key to give.
const engine::constraint_def& one_key(const include_options& r, std::string_view finds,
                                      const engine::table_description* from, const std::string& from_name,
                                      const std::string& to, const std::string& column, std::string_view key) {
  const auto keys = keys_between(from, to, column);
  if (keys.size() == 1) return *keys[0];
  if (keys.empty())
    cannot(r, fmt::format("\"{}\" has no foreign key {}to \"{}\" {}; give \"{}\" (the column of "
                          "\"{}\" that points at \"{}\")",
                          from_name, column.empty() ? "" : "\"" + column + "\" ", to, finds, key, from_name, to));
  cannot(r, fmt::format("\"{}\" has {} foreign keys to \"{}\" ({}); give \"{}\" to say which", from_name, keys.size(),
                        to, column_list(keys), key));
}

}  // namespace

include_options complete_relation(executor& db, const std::string& parent, include_options r) {
  if (fully_given(r)) return r;
  if (const include_options* d = runner_of(db).relations().find(parent, r.relation);
      d && (r.table.empty() || r.table == d->table) && (!r.type || r.type == d->type)) {
    // The declaration's table, type and keys, where the call leaves them out.
    r.type = d->type;
    r.table = d->table;
    for (auto [mine, theirs] : {std::pair{&r.foreign_key, &d->foreign_key}, std::pair{&r.primary_key, &d->primary_key},
                                std::pair{&r.through, &d->through},
                                std::pair{&r.through_foreign_key, &d->through_foreign_key},
                                std::pair{&r.through_related_key, &d->through_related_key}})
      if (mine->empty()) *mine = *theirs;
  }
  return complete_relation(table_source{[&](const std::string& t) { return described(db, t); }, "that introspection finds"},
                           parent, std::move(r));
}

include_options complete_relation(const table_source& tables, const std::string& parent, include_options r) {
  if (fully_given(r)) return r;
  const auto described = [&](const std::string& t) { return tables.describe(t); };
  const auto parent_d = described(parent);
  // The table: the relation's name, or where the parent's <name>_id / <name>Id points.
  if (r.table.empty()) {
    if (described(r.relation)) {
      r.table = r.relation;
    } else if (parent_d) {
      for (const std::string& column : {r.relation + "_id", r.relation + "Id", r.relation})
        for (const auto& c : parent_d->constraints)
          if (r.table.empty() && c.type == engine::constraint_type::foreign_key && c.columns.size() == 1 &&
              same_name(c.columns[0], column)) {
            r.table = c.ref_table;
            if (!r.type) r.type = relation_type::many_to_one;
            if (r.foreign_key.empty()) r.foreign_key = c.columns[0];
          }
    }
    if (r.table.empty())
      cannot(r, fmt::format("give \"table\": there is no table \"{}\" and no foreign key \"{}_id\" on \"{}\"",
                            r.relation, r.relation, parent));
  }
  const auto related_d = described(r.table);
  if (!r.type) {
    if (!r.through.empty()) r.type = relation_type::many_to_many;
    else if (!keys_between(parent_d.get(), r.table, r.foreign_key).empty()) r.type = relation_type::many_to_one;
    else if (!keys_between(related_d.get(), parent, r.foreign_key).empty()) r.type = relation_type::one_to_many;
    else if (!r.foreign_key.empty() && !r.primary_key.empty()) r.type = relation_type::many_to_one;  // the default
    else
      cannot(r, fmt::format("no foreign key between \"{}\" and \"{}\" {}; give \"type\" "
                            "(many_to_one, one_to_many or many_to_many) and the keys",
                            parent, r.table, tables.finds));
  }
  // A key given on the pointing side, with no foreign key to follow, points at the other
  // table's primary key.
  auto primary = [&](const std::shared_ptr<const engine::table_description>& d) {
    return d && d->primary_key.size() == 1 ? d->primary_key[0] : std::string();
  };
  if (*r.type == relation_type::many_to_one && !r.foreign_key.empty() && r.primary_key.empty() &&
      keys_between(parent_d.get(), r.table, r.foreign_key).empty())
    r.primary_key = primary(related_d);
  if (*r.type == relation_type::one_to_many && !r.foreign_key.empty() && r.primary_key.empty() &&
      keys_between(related_d.get(), parent, r.foreign_key).empty())
    r.primary_key = primary(parent_d);
  switch (*r.type) {
    case relation_type::many_to_one:
      if (r.foreign_key.empty() || r.primary_key.empty()) {
        const auto& k = one_key(r, tables.finds, parent_d.get(), parent, r.table, r.foreign_key, "foreign_key");
        r.foreign_key = k.columns[0];
        if (r.primary_key.empty()) r.primary_key = k.ref_columns[0];
      }
      break;
    case relation_type::one_to_many:
      if (r.foreign_key.empty() || r.primary_key.empty()) {
        const auto& k = one_key(r, tables.finds, related_d.get(), r.table, parent, r.foreign_key, "foreign_key");
        r.foreign_key = k.columns[0];
        if (r.primary_key.empty()) r.primary_key = k.ref_columns[0];
      }
      break;
    case relation_type::many_to_many: {
      if (r.through.empty())
        cannot(r, fmt::format("give \"through\": the join table between \"{}\" and \"{}\"", parent, r.table));
      const auto through_d = described(r.through);
      // The join table's columns, given with no foreign key to follow, point at the two
      // tables' primary keys.
      if (!r.through_foreign_key.empty() && r.primary_key.empty() &&
          keys_between(through_d.get(), parent, r.through_foreign_key).empty())
        r.primary_key = primary(parent_d);
      if (!r.through_related_key.empty() && r.foreign_key.empty() &&
          keys_between(through_d.get(), r.table, r.through_related_key).empty())
        r.foreign_key = primary(related_d);
      if (r.through_foreign_key.empty() || r.primary_key.empty()) {
        const auto& k = one_key(r, tables.finds, through_d.get(), r.through, parent, r.through_foreign_key, "through_foreign_key");
        r.through_foreign_key = k.columns[0];
        if (r.primary_key.empty()) r.primary_key = k.ref_columns[0];
      }
      if (r.through_related_key.empty() || r.foreign_key.empty()) {
        const auto& k = one_key(r, tables.finds, through_d.get(), r.through, r.table, r.through_related_key, "through_related_key");
        r.through_related_key = k.columns[0];
        if (r.foreign_key.empty()) r.foreign_key = k.ref_columns[0];
      }
      break;
    }
  }
  return r;
}

}  // namespace tether::detail
