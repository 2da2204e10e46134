// Internal: a find's include, engine-neutral (docs/querying.md, "Relations"). One query per
// relation level for all the parents at once ($in over their keys, in chunks), stitched
// in memory; never one query per parent.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "tether/client.hpp"
#include "tether/engine/schema.hpp"

namespace tether::detail {

// Reads each relation of `include` for the rows of `parents` (of table `parent_table`) and
// attaches what it found to them; `depth` is the parents' level (1 for a find's own rows).
void read_includes(executor& db, const std::string& parent_table, const std::vector<include_options>& include,
                   records& parents, int depth = 1);

// `select` of `table` with the columns the relations of `include` join on (the parents'
// side: a many_to_one's foreign key, the others' primary key); empty (every column) stays
// empty.
std::vector<std::string> with_join_keys(executor& db, const std::string& table, std::vector<std::string> select,
                                        const std::vector<include_options>& include);

// Where complete_relation looks tables up: the client's facts, or a schema file's tables.
struct table_source {
  std::function<std::shared_ptr<const engine::table_description>(const std::string&)> describe;
  std::string_view finds;  // for errors: "that introspection finds"
};

// The relation with what it leaves out (table, type, keys) taken from the foreign keys
// the tables have (infer.cpp); throws tether::error (usage) naming the key to give.
include_options complete_relation(const table_source& tables, const std::string& parent, include_options r);
// The same on a client: a relation the client's schema file declares for `parent` fills in
// what the call leaves out first (declared.hpp), then the foreign keys introspection finds.
include_options complete_relation(executor& db, const std::string& parent, include_options r);

// The table's description from the client's facts (one introspection per table), or null
// when there is no such table or the engine has no introspection (client.cpp).
std::shared_ptr<const engine::table_description> described(executor& db, const std::string& table);

// Throws tether::error (usage) when `o` has an include: `call` (stream, prepare,
// find_batch) reads rows without their relations.
void refuse_include(const find_options& o, std::string_view call);

}  // namespace tether::detail
