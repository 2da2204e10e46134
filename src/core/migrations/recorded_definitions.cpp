// Table descriptions kept for a moment (recorded_definitions.hpp).
#include "core/migrations/recorded_definitions.hpp"

namespace tether::detail {

std::shared_ptr<recorded_definitions> recorded_definitions::of(const std::string& tables_of) {
  static std::mutex mutex;
  static std::map<std::string, std::weak_ptr<recorded_definitions>> caches;
  std::lock_guard lock(mutex);
  std::weak_ptr<recorded_definitions>& slot = caches[tables_of];
  std::shared_ptr<recorded_definitions> cache = slot.lock();
  if (!cache) slot = cache = std::make_shared<recorded_definitions>();
  return cache;
}

std::optional<recorded_definitions::entry> recorded_definitions::find(const std::string& table) const {
  std::lock_guard lock(mutex_);
  const auto it = kept_.find(table);
  if (it == kept_.end() || clock::now() - it->second.second > definition_ttl) return std::nullopt;
  return it->second.first;
}

std::uint64_t recorded_definitions::generation() const {
  std::lock_guard lock(mutex_);
  return generation_;
}

void recorded_definitions::keep(const std::string& table, entry e, std::uint64_t read_at) {
  std::lock_guard lock(mutex_);
  if (read_at != generation_) return;
  kept_.insert_or_assign(table, std::pair{std::move(e), clock::now()});
}

void recorded_definitions::forget(const std::string& table) {
  std::lock_guard lock(mutex_);
  kept_.erase(table);
  ++generation_;
}

}  // namespace tether::detail
