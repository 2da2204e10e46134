// JSON for result objects, exactly as the CLI prints them, and order_term parsing.
#include <fmt/format.h>

#include "core/values/json_text.hpp"
#include "tether/error.hpp"
#include "tether/options.hpp"

namespace tether {
namespace {
void append_values(std::string& out, const std::vector<value>& values) {
  out += '[';
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i) out += ',';
    values[i].append_json(out);
  }
  out += ']';
}
}  // namespace

std::string find_result::to_json() const {
  std::string out = R"({"records":)";
  records.append_json(out);
  fmt::format_to(std::back_inserter(out), R"(,"count":{})", count);
  if (!next.empty()) {
    out += R"(,"next":)";
    value(next).append_json(out);
  }
  out += '}';
  return out;
}

std::string insert_result::to_json() const {
  std::string out = R"({"records":)";
  records.append_json(out);
  fmt::format_to(std::back_inserter(out), R"(,"count":{},"inserted_ids":)", count);
  append_values(out, inserted_ids);
  out += '}';
  return out;
}

std::string update_result::to_json() const {
  std::string out = fmt::format(R"({{"count":{})", count);
  if (!records.empty() || records.column_count() > 0) {
    out += R"(,"records":)";
    records.append_json(out);
  }
  out += '}';
  return out;
}

std::string remove_result::to_json() const {
  std::string out = fmt::format(R"({{"count":{})", count);
  if (records.column_count() > 0) {
    out += R"(,"records":)";
    records.append_json(out);
  }
  out += '}';
  return out;
}

std::string upsert_result::to_json() const {
  std::string out = R"({"records":)";
  records.append_json(out);
  fmt::format_to(std::back_inserter(out), R"(,"count":{},"operation":"{}"}})", count,
                 operation == upsert_operation::inserted ? "inserted" : "updated");
  return out;
}

std::string raw_result::to_json() const {
  std::string out = R"({"records":)";
  records.append_json(out);
  out += R"(,"fields":[)";
  for (std::size_t i = 0; i < fields.size(); ++i) {
    if (i) out += ',';
    out += R"({"name":)";
    detail::append_json_string(out, fields[i].name);
    out += R"(,"type":)";
    detail::append_json_string(out, fields[i].type);
    out += '}';
  }
  fmt::format_to(std::back_inserter(out), R"(],"count":{}}})", count);
  return out;
}

order_term order_term::parse(std::string_view text) {
  auto colon = text.find(':');
  order_term t{std::string(text.substr(0, colon)), direction::asc};
  if (colon != std::string_view::npos) {
    auto dir = text.substr(colon + 1);
    if (dir == "asc" || dir == "ASC") t.dir = direction::asc;
    else if (dir == "desc" || dir == "DESC") t.dir = direction::desc;
    else
      throw error(error_category::usage,
                  fmt::format("invalid order \"{}\"; expected column, column:asc or column:desc", text));
  }
  if (t.column.empty())
    throw error(error_category::usage,
                fmt::format("invalid order \"{}\"; expected column, column:asc or column:desc", text));
  return t;
}

}  // namespace tether
