// Private: connection URL helpers shared by the core and the engines.
#pragma once

#include <string>
#include <string_view>

namespace tether::detail {

// "postgresql://app:secret@host/db" → "postgresql://app:****@host/db".
std::string mask_url(std::string_view url);

}  // namespace tether::detail
