// tether/engine/schema.hpp — the engine-neutral description of schema changes and of a
// table as it is, which engines render (DDL) and read back (introspection). The core
// parses the public JSON forms (docs/migrations.md) into these, validated, before any I/O.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tether/types.hpp"
#include "tether/value.hpp"

namespace tether::engine {

struct field_def {
  std::string name{};
  field_type type = field_type::string;
  bool nullable = true;
  bool unique = false;
  bool primary_key = false;
  bool auto_increment = false;
  std::optional<value> default_value{};  // a literal
  bool default_now = false;              // default "now": the current time
  int length = 0;                        // string, binary; 0: the engine's default
  int precision = 0, scale = 0;          // decimal
  std::vector<std::string> enum_values{};
  std::string comment{};
  friend bool operator==(const field_def&, const field_def&) = default;
};

struct index_def {
  std::string name{};
  std::vector<std::string> fields{};
  bool unique = false;
  value where{};  // a partial index's condition as a tether where-filter (null: none)
  // Engine-native escape hatch, not portable: the condition in one engine's own language
  // (SQL text on the SQL engines), used as written. Empty: none.
  std::string native_where{};
  // MongoDB's (capabilities sparse_indexes and ttl_indexes; refused elsewhere): a sparse
  // index leaves out the documents without its fields; a TTL index has the server delete a
  // document this many seconds after the moment its one field holds.
  bool sparse = false;
  std::optional<std::int64_t> expire_after_seconds{};
  friend bool operator==(const index_def&, const index_def&) = default;
};

enum class constraint_type : std::uint8_t { foreign_key, unique, check };

struct constraint_def {
  std::string name{};
  constraint_type type = constraint_type::unique;
  std::vector<std::string> columns{};
  std::string ref_table{};
  std::vector<std::string> ref_columns{};
  std::string on_delete{}, on_update{};  // cascade, restrict, set null, set default, no action
  value check{};  // a check's portable form: a tether where-filter each row must not fail
  // Engine-native escape hatch, not portable: the check in one engine's own language (SQL
  // text on the SQL engines), used as written; introspection reads checks back this way.
  std::string native_check{};
  friend bool operator==(const constraint_def&, const constraint_def&) = default;
};

enum class schema_op_kind : std::uint8_t {
  create_collection, drop_collection, rename_collection, add_field, drop_field, rename_field, modify_field,
  create_index, drop_index, add_constraint, drop_constraint, raw
};

struct schema_op {
  schema_op_kind kind = schema_op_kind::raw;
  std::string table{};
  std::string name{};      // the field, index or constraint it is about
  std::string new_name{};  // renames
  std::vector<field_def> fields{};       // create: every field; add/modify: the one
  std::vector<index_def> indexes{};      // create: its indexes; create_index: the one
  std::vector<constraint_def> constraints{};  // add_constraint: the one
  bool timestamps = false, if_not_exists = false, if_exists = false, cascade = false;
  bool temporary = false, unlogged = false;
  // create on MongoDB: a $jsonSchema validator made from the fields, kept in step with
  // every later field change (SQL tables check their columns' types already; DynamoDB
  // has no validator: the option is ignored there, as sql_options are off SQL).
  bool validator = false;
  std::string engine{}, sql{};  // raw: for which engine ("" or "*": any), and what
};

// A table as the database has it, in portable terms.
struct table_description {
  std::string name{};
  std::vector<field_def> columns{};
  std::vector<std::string> primary_key{};
  std::vector<index_def> indexes{};
  std::vector<constraint_def> constraints{};
};

// The field, index or constraint called `name`, or null.
template <class T>
const T* find_named(const std::vector<T>& items, std::string_view name) {
  for (const auto& i : items)
    if (i.name == name) return &i;
  return nullptr;
}

}  // namespace tether::engine
