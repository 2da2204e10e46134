// Regression: a workspace file holding a number past a double's range ("7777E777777E77",
// found by tests/fuzz/fuzz_workspace) escaped as nlohmann's out_of_range and ended the
// process; it is a usage error naming the file, like any other file that is not JSON.
#include <gtest/gtest.h>
#include <tether/tether.hpp>

#include <filesystem>
#include <fstream>

namespace tether {
namespace {

TEST(regression, a_workspace_file_with_a_huge_number_is_refused) {
  const auto dir = std::filesystem::temp_directory_path() / "tether-regression-huge-number";
  std::filesystem::create_directories(dir);
  for (const char* text : {"7777E777777E77", R"({"products": [{"name": "shop", "port": 1E400}]})"}) {
    {
      std::ofstream out(dir / "tether.json");
      out << text;
    }
    try {
      auto ws = workspace::open(dir);
      ws.fetch_all();
      ADD_FAILURE() << "accepted: " << text;
    } catch (const error& e) {
      EXPECT_EQ(e.category(), error_category::usage) << e.what();
      const std::string m = e.what();
      EXPECT_NE(m.find("not valid JSON"), std::string::npos) << m;
      EXPECT_NE(m.find((dir / "tether.json").string()), std::string::npos) << m;
    }
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace tether
