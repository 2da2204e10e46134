// Internal: relations declared once, in a schema file's tables ("relations", docs/schema.md),
// which a find's include then names by name: {"customer": {}}.
#pragma once

#include <filesystem>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tether/options.hpp"
#include "tether/value.hpp"

namespace tether {
class schema_file;
}

namespace tether::detail {

struct declared_schema;

// A table's "relations": an object keyed by relation name, each {type, table, foreign_key,
// primary_key, through, through_foreign_key, through_related_key}, any of which may be
// left out where the file's foreign keys settle it. Throws tether::error (usage) naming
// the relation and the key.
std::vector<include_options> parse_declared_relations(const value& v);

// Fills in what each table's relations leave out from the file's own foreign and primary
// keys, and checks every table and column they name; throws tether::error (usage) naming
// the table, the relation and what to give.
void complete_declared_relations(declared_schema& s);

// A relation's canonical object in the file: type, table and its keys, in one order.
value relation_to_value(const include_options& r);

// The relations a client knows by name: from a schema_file, or from a file read the first
// time an include needs it (a missing file declares none; a bad one fails that include,
// naming the file). Safe to read from any thread.
class declared_relations {
 public:
  declared_relations() = default;
  explicit declared_relations(const schema_file& f);
  explicit declared_relations(std::filesystem::path file) : path_(std::move(file)) {}

  // The relation `relation` of `table`, or null.
  const include_options* find(std::string_view table, std::string_view relation);

 private:
  void load();

  std::filesystem::path path_{};  // read once, on first find
  std::once_flag loaded_;
  std::string error_{};           // the file's load error, repeated by every find
  std::vector<std::pair<std::string, include_options>> items_{};  // (table, relation)
};

}  // namespace tether::detail
