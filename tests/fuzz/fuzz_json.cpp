// libFuzzer target: the JSON value parser (value::from_json) and writer. Any input either
// parses or throws tether::error; a parsed value writes JSON that parses back to itself.
#include <tether/tether.hpp>

#include <cstdint>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  tether::value v;
  try {
    v = tether::value::from_json(text);
  } catch (const tether::error&) {
    return 0;
  }
  const std::string out = v.to_json();
  tether::value again = tether::value::from_json(out);  // must not throw: we wrote it
  // NaN is the one value not equal to itself; every other round trip is exact.
  if (!(again == v) && out.find("NaN") == std::string::npos) std::abort();
  (void)v.depth();
  return 0;
}
