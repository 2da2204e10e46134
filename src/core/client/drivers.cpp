// The registry of drivers by URL scheme.
#include <fmt/format.h>

#include <map>
#include <mutex>

#include "tether/engine/engine.hpp"
#include "core/workspace/url.hpp"
#include "core/results/records_builder.hpp"

namespace tether::engine {
namespace {
std::mutex registry_mutex;
std::map<std::string, std::shared_ptr<driver>, std::less<>>& registry() {
  static std::map<std::string, std::shared_ptr<driver>, std::less<>> drivers;
  return drivers;
}
}  // namespace

namespace {
// Serves a fully buffered result in chunks.
class buffered_cursor final : public cursor {
 public:
  explicit buffered_cursor(records all) : all_(std::move(all)) {}
  bool fetch(records& out, std::size_t max_rows) override {
    if (next_ >= all_.size()) return false;
    std::vector<std::string> names;
    for (std::size_t c = 0; c < all_.column_count(); ++c) names.emplace_back(all_.column_name(c));
    out = records(std::move(names));
    for (std::size_t n = 0; n < max_rows && next_ < all_.size(); ++n, ++next_) {
      for (std::size_t c = 0; c < all_.column_count(); ++c) detail::records_builder(out).add(all_.get(next_, c));
      detail::records_builder(out).end_row();
    }
    return true;
  }

 private:
  records all_;
  std::size_t next_ = 0;
};
}  // namespace

std::unique_ptr<cursor> connection::open(const plan& p) {
  execution e;
  execute(p, e);
  return std::make_unique<buffered_cursor>(std::move(e.rows));
}

std::vector<execution> connection::execute_batch(const std::vector<const plan*>& plans) {
  std::vector<execution> out(plans.size());
  for (std::size_t i = 0; i < plans.size(); ++i) execute(*plans[i], out[i]);
  return out;
}

void refuse_part(std::string_view engine, std::string_view feature) {
  throw error(error_category::unsupported,
              fmt::format("{} is not supported by the {} engine", feature, engine.empty() ? "this" : engine),
              error_details{std::string(engine)});
}

void register_driver(std::shared_ptr<driver> d) {
  std::lock_guard lock(registry_mutex);
  for (const auto& scheme : d->schemes()) registry()[scheme] = d;
}

std::shared_ptr<driver> find_driver(std::string_view url) {
  auto colon = url.find(':');
  if (url.empty() || colon == std::string_view::npos || colon == 0)
    throw error(error_category::usage,
                fmt::format("malformed connection URL \"{}\"; expected scheme:… such as "
                            "sqlite:///path/app.db",
                            detail::mask_url(url)));
  auto scheme = url.substr(0, colon);
  std::lock_guard lock(registry_mutex);
  auto it = registry().find(scheme);
  if (it == registry().end()) {
    std::string known;
    for (const auto& [name, _] : registry()) known += (known.empty() ? "" : ", ") + name;
    throw error(error_category::usage,
                fmt::format("no engine for URL scheme \"{}\" in \"{}\"; this build knows: {}",
                            scheme, detail::mask_url(url), known.empty() ? "none" : known));
  }
  return it->second;
}

}  // namespace tether::engine
