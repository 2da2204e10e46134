// libFuzzer target: workspace files (tether.json) as a user might hand-edit them. Any file
// opens and lists, or is refused with tether::error naming what is wrong.
#include <tether/tether.hpp>
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <fstream>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::filesystem::path dir = [] {
    auto d = std::filesystem::temp_directory_path() / ("tether-fuzz-ws-" + std::to_string(::getpid()));
    std::filesystem::create_directories(d);
    return d;
  }();
  const auto file = dir / "tether.json";
  {
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  }
  try {
    auto ws = tether::workspace::open(dir);
    for (const auto& p : ws.products()) (void)ws.fetch_all(p);
    for (const auto& db : ws.fetch_all()) {
      (void)db.to_json();
      try {
        tether::validate_database(db);
      } catch (const tether::error&) {
      }
    }
  } catch (const tether::error&) {
  }
  return 0;
}
