// tether/workspace.hpp — the registry of products → databases → environments.
// A workspace is a folder with a `tether.json` file (hand-editable; // and /* */ comments
// are allowed). Reads and writes go to the file every time, and every write is atomic
// (a temporary file renamed into place), so two processes never see a half-written file.
// Rewrites keep the existing order and write keys in one fixed order, so a change is a
// minimal diff; comments do not survive a rewrite. A workspace object is not
// synchronised: share it between threads only for reading.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace tether {

inline constexpr std::string_view workspace_file_name = "tether.json";

struct environment {
  std::string slug{};            // "dev", "staging", "prd": letters, digits, - and _
  std::string connection_url{};  // may hold ${VAR} references, resolved at connect time
  std::string description{};
  // "protected" in the file: the studio opens a protected environment read-only unless told
  // otherwise. Unset: protected when the slug is "prd".
  std::optional<bool> protect{};
  bool is_protected() const noexcept { return protect ? *protect : slug == "prd"; }
};

struct database {
  std::string product{};  // the product it belongs to
  std::string name{};     // a display name
  std::string tag{};      // the key within its product: lower-case letters, digits, - and _
  std::string type{};     // postgresql, mysql, mariadb, sqlite, mongodb, dynamodb, cassandra
  std::string description{};
  std::vector<environment> envs{};

  const environment* env(std::string_view slug) const noexcept;
  // JSON for display: passwords in URLs are masked.
  std::string to_json() const;
};

// Fields to change in update(); unset fields are kept. envs, when set, replaces the list.
struct database_patch {
  std::optional<std::string> name{}, type{}, description{};
  std::optional<std::vector<environment>> envs{};
};

class workspace {
 public:
  // Opens the workspace in `dir` (or the file itself). Throws tether::error (not_found)
  // when there is no tether.json, (usage) when the file is not valid.
  static workspace open(const std::filesystem::path& dir_or_file);
  // Searches `start` and then each parent folder for tether.json.
  static std::optional<workspace> find(const std::filesystem::path& start = std::filesystem::current_path());
  // Creates an empty tether.json in `dir`; throws tether::error (usage) if one exists.
  static workspace init(const std::filesystem::path& dir);

  const std::filesystem::path& file() const noexcept { return file_; }
  std::filesystem::path folder() const { return file_.parent_path(); }
  // Where a database's schema file lives: schema/<product>/<database>.json in the folder.
  std::filesystem::path schema_file(const std::string& product, const std::string& database) const {
    return folder() / "schema" / product / (database + ".json");
  }

  // The calls of the registry. Each validates first and throws tether::error naming the
  // field: usage for bad or missing fields and duplicates, not_found for an unknown
  // product or tag.
  database create(const database& db);
  database update(std::string_view product, std::string_view tag, const database_patch& patch);
  database fetch(std::string_view product, std::string_view tag) const;
  std::vector<database> fetch_all(std::string_view product = {}) const;  // empty: every product
  void remove(std::string_view product, std::string_view tag);
  std::vector<std::string> products() const;

 private:
  explicit workspace(std::filesystem::path file) : file_(std::move(file)) {}
  std::filesystem::path file_;
};

// Checks one database entry as create() would (everything but uniqueness).
void validate_database(const database& db);
// Checks that a connection URL follows its engine's rules; ${VAR} references are
// accepted as they stand.
void validate_connection_url(std::string_view type, std::string_view url);

}  // namespace tether
