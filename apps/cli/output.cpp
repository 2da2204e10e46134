// Output: aligned tables for people, and the helpers every command shares.
#include <fmt/format.h>

#include <charconv>
#include <fstream>
#include <iostream>
#include <sstream>

#include "cli.hpp"

namespace tether::cli {

int exit_code_for(const tether::error& e) {
  switch (e.category()) {
    case error_category::usage:
    case error_category::unsupported:
    case error_category::not_found: return usage_error;
    case error_category::connection:
    case error_category::in_doubt: return connection_error;
    default: return query_error;
  }
}

void add_context_flags(CLI::App& app, globals& g) {
  app.add_option("--workspace", g.workspace, "Workspace folder (default: search upward for tether.json)");
  app.add_option("--product", g.product, "Product name in the workspace");
  app.add_option("--database", g.database, "Database tag in the workspace");
  app.add_option("--env", g.env, "Environment slug (dev, staging, prd, …)");
  app.add_option("--url", g.url, "Connection URL, instead of a workspace");
  app.add_option("--migrations", g.migrations, "Migration files folder (default: <workspace>/migrations/<product>/<database>)");
  app.add_option("--schema", g.schema, "Schema file (default: <workspace>/schema/<product>/<database>.json)");
  app.add_flag("--json", g.json, "Print the result object as JSON");
}

std::optional<tether::workspace> open_workspace(const globals& g, bool required) {
  if (!g.workspace.empty()) return tether::workspace::open(g.workspace);
  auto ws = tether::workspace::find();
  if (!ws && required)
    throw tether::error(error_category::usage,
                        "no tether.json in this folder or any parent; run `tether init` or pass --workspace");
  return ws;
}

target::target(const globals& g) {
  client_options o = tether::options_from_environment();
  o.schema_path = g.schema;  // --schema: the relations a find's --include names; else the workspace's file
  if (!g.url.empty()) {
    direct_ = std::make_unique<tether::client>(g.url, std::move(o));
    return;
  }
  session_ = std::make_unique<tether::session>(open_workspace(g, false), std::move(o));
  session_->connect({g.env, g.product, g.database});
}

tether::client& target::db() { return direct_ ? *direct_ : session_->on(); }

std::string target::migrations_folder(const globals& g) const {
  if (!g.migrations.empty()) return g.migrations;
  if (!session_ || !session_->workspace()) return {};
  const auto& c = session_->current();
  return (session_->workspace()->folder() / "migrations" / c.product / c.database).string();
}

std::string target::schema_file(const globals& g) const {
  if (!g.schema.empty()) return g.schema;
  if (!session_ || !session_->workspace())
    throw error(error_category::usage,
                "no schema file: pass --schema FILE, or register the database in a workspace (its file is "
                "schema/<product>/<database>.json there)");
  const auto& c = session_->current();
  return session_->workspace()->schema_file(c.product, c.database).string();
}

std::string target::label() {
  if (!session_) return db().capabilities().engine + " database (--url)";
  const auto& c = session_->current();
  return c.product + "/" + c.database + " (" + c.env + ")";
}

bool target::protected_environment() const {
  if (!session_ || !session_->workspace()) return false;
  const auto& c = session_->current();
  const database db = session_->workspace()->fetch(c.product, c.database);
  const environment* env = db.env(c.env);
  return env ? env->is_protected() : environment{.slug = c.env}.is_protected();
}

tether::value json_arg(const std::string& text, std::string_view flag) {
  std::string body = text;
  if (text == "-") {
    std::stringstream in;
    in << std::cin.rdbuf();
    body = in.str();
  } else if (!text.empty() && text[0] == '@') {
    std::ifstream in(text.substr(1));
    if (!in) throw tether::error(error_category::usage, fmt::format("{}: cannot read file {}", flag, text.substr(1)));
    std::stringstream s;
    s << in.rdbuf();
    body = s.str();
  }
  try {
    return tether::value::from_json(body);
  } catch (const tether::error& e) {
    throw tether::error(error_category::usage, fmt::format("{}: {}", flag, e.what()));
  }
}

std::vector<std::string> list_arg(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream s(text);
  for (std::string item; std::getline(s, item, ',');)
    if (!item.empty()) out.push_back(item);
  return out;
}

std::string cell_text(const tether::value& v) { return v.is_null() ? "null" : v.to_text(); }

namespace {
// Display width in code points (good enough for aligned columns of text).
std::size_t width(std::string_view s) {
  std::size_t n = 0;
  for (unsigned char c : s)
    if ((c & 0xC0) != 0x80) ++n;
  return n;
}
}  // namespace

void print_table(std::ostream& out, const table& t) {
  const std::size_t ncols = t.columns.size();
  std::vector<std::vector<std::string>> cells(t.rows.size() + 1);
  std::vector<std::size_t> widths(ncols, 0);
  for (std::size_t c = 0; c < ncols; ++c) {
    cells[0].push_back(t.columns[c]);
    widths[c] = width(cells[0][c]);
  }
  for (std::size_t r = 0; r < t.rows.size(); ++r)
    for (std::size_t c = 0; c < ncols; ++c) {
      cells[r + 1].push_back(c < t.rows[r].size() ? cell_text(t.rows[r][c]) : "");
      widths[c] = std::max(widths[c], width(cells[r + 1][c]));
    }
  auto line = [&](const std::vector<std::string>& row) {
    for (std::size_t c = 0; c < ncols; ++c) {
      out << row[c];
      if (c + 1 < ncols) out << std::string(widths[c] - width(row[c]) + 2, ' ');
    }
    out << '\n';
  };
  line(cells[0]);
  std::vector<std::string> rule;
  for (auto w : widths) rule.emplace_back(w, '-');
  line(rule);
  for (std::size_t r = 1; r < cells.size(); ++r) line(cells[r]);
  out << "(" << t.rows.size() << (t.rows.size() == 1 ? " row)\n" : " rows)\n");
}

std::string table::to_json() const {
  tether::array out;
  for (const auto& row : rows) {
    tether::object o;
    for (std::size_t c = 0; c < columns.size(); ++c) o.emplace_back(columns[c], c < row.size() ? row[c] : nullptr);
    out.push_back(std::move(o));
  }
  return tether::value(std::move(out)).to_json();
}

void print_records(std::ostream& out, const tether::records& rows) {
  table t{{}, std::vector<std::vector<tether::value>>(rows.size())};
  for (std::size_t c = 0; c < rows.column_count(); ++c) t.columns.emplace_back(rows.column_name(c));
  for (std::size_t r = 0; r < rows.size(); ++r)
    for (std::size_t c = 0; c < rows.column_count(); ++c) t.rows[r].push_back(rows.get(r, c));
  print_table(out, t);
}

CLI::Validator whole_number(std::int64_t low, std::int64_t high) {
  return CLI::Validator(
      [low, high](std::string& text) -> std::string {
        std::int64_t n = 0;
        const char* end = text.data() + text.size();
        auto r = std::from_chars(text.data(), end, n);
        if (text.empty() || r.ec != std::errc{} || r.ptr != end || n < low || n > high)
          return fmt::format("expected a whole number from {} to {}, got {}", low, high, text);
        return {};
      },
      fmt::format("INT {}..{}", low, high));
}

}  // namespace tether::cli
