// Private helpers for writing JSON text and base64, shared by values and records.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace tether::detail {

void append_json_string(std::string& out, std::string_view s);
void append_json_double(std::string& out, double d);
void append_base64(std::string& out, const std::uint8_t* data, std::size_t size);
// Throws tether::error (usage) naming the text when it is not base64.
std::vector<std::uint8_t> decode_base64(std::string_view text);

}  // namespace tether::detail
