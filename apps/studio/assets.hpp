// The page's files, compiled into the binary by cmake/embed_assets.cmake (assets.cpp is
// generated in the build folder from apps/studio/assets/).
#pragma once

#include <span>
#include <string_view>

namespace tether::studio {

struct asset {
  std::string_view path;  // "index.html", "studio.js", …
  std::string_view body;
};
std::span<const asset> assets();

}  // namespace tether::studio
