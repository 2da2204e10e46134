// tether/schema_file.hpp — a database's whole schema declared in one JSON file (or built
// in C++), which `schema_workflow` (schema_workflow.hpp) compares with the migration files
// and the live database. A schema_file is a validated, immutable value: copy it freely and
// read it from any thread. Loading and saving do file I/O; nothing here touches a database.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "tether/value.hpp"

namespace tether {

// The document (docs/schema.md):
//   {"tables": {"users": {"renamed_from": "people",
//                         "fields": {"id": {"type": "bigint", "primary_key": true}, …},
//                         "indexes": [{"name", "fields", "unique", "where"}],
//                         "constraints": [{"name", "type", "columns", "references", …}]}}}
// Fields take the definitions that schema calls take, plus "renamed_from".
class schema_file {
 public:
  schema_file() = default;  // no tables
  // Validates everything; throws tether::error (usage) whose message names the table, the
  // field and the key that is wrong.
  static schema_file from_value(const value& doc);
  static schema_file from_json(std::string_view text);
  // Reads `path`; throws tether::error (not_found) when there is no such file.
  static schema_file load(const std::filesystem::path& path);
  // Writes the canonical JSON atomically (a temporary file renamed into place), creating
  // the folder.
  void save(const std::filesystem::path& path) const;

  // The canonical document: tables by name, each field's keys in one fixed order, fields
  // in their declared order, indexes and constraints by name. Saving, changing one thing
  // and saving again changes only the lines of that thing.
  const value& to_value() const noexcept { return doc_; }
  std::string to_json() const;  // pretty, with a final newline
  std::vector<std::string> tables() const;
  friend bool operator==(const schema_file& a, const schema_file& b) { return a.doc_ == b.doc_; }

 private:
  value doc_ = value(object{{"tables", value(object{})}});
};

// A field for schema_builder: field_spec("email", "string").length(255).required().unique().
class field_spec {
 public:
  field_spec(std::string name, std::string type);
  field_spec& length(int n);
  field_spec& precision(int precision, int scale = 0);
  field_spec& required(bool on = true);
  field_spec& unique(bool on = true);
  field_spec& primary_key();
  field_spec& auto_increment();
  field_spec& default_value(value v);
  field_spec& default_now();
  field_spec& enum_values(std::vector<std::string> values);
  field_spec& comment(std::string text);
  field_spec& renamed_from(std::string old_name);
  const std::string& name() const noexcept { return name_; }
  const value& definition() const noexcept { return def_; }

 private:
  std::string name_;
  value def_;
};

class table_spec {
 public:
  table_spec& field(field_spec f);
  table_spec& index(std::string name, std::vector<std::string> fields, bool unique = false, value where = {});
  table_spec& foreign_key(std::vector<std::string> columns, std::string ref_table, std::vector<std::string> ref_columns,
                          std::string on_delete = {}, std::string name = {});
  table_spec& unique(std::vector<std::string> columns, std::string name = {});
  table_spec& check(std::string name, value filter);  // a tether where-filter every row passes
  table_spec& renamed_from(std::string old_name);
  value to_value() const;

 private:
  object fields_{};
  array indexes_{}, constraints_{};
  std::string renamed_from_{};
};

// The C++ way to say what a schema file says, kept beside the code that uses it:
//   schema_builder s;
//   s.table("users").field(field_spec("id", "bigint").primary_key().auto_increment())
//                   .field(field_spec("email", "string").length(255).required().unique());
//   schema_file f = s.build();  // the same document as the JSON file
class schema_builder {
 public:
  table_spec& table(const std::string& name);  // the table's spec, made on first use
  schema_file build() const;                   // validated as schema_file::from_value does

 private:
  std::vector<std::pair<std::string, table_spec>> tables_{};
};

}  // namespace tether
