// Regression: mask_url showed a password with an unencoded / or ?, whole or its tail
// ("postgresql://u:p/ss@host" came out as it was), and showed ?password= values; the
// fuzzer (tests/fuzz/fuzz_url) then found a user name holding "@" whose password the
// parser read but the mask did not cover. Masking and parsing now agree, and no message
// of the parser or any engine's URL check holds the password it read.
#include <gtest/gtest.h>
#include <tether/tether.hpp>

#include "core/workspace/url.hpp"

namespace tether {
namespace {

TEST(regression, url_masking_hides_every_password) {
  const std::pair<const char*, const char*> masked[] = {
      {"postgresql://app:s3cret@host/db", "postgresql://app:****@host/db"},
      {"postgresql://app:p/ss@host/db", "postgresql://app:****@host/db"},
      {"postgresql://app:a@b@host/db?x=1", "postgresql://app:****@host/db?x=1"},
      {"postgresql://u:p?ss@host/db", "postgresql://u:****@host/db"},
      {"postgresql://u:p#ss@host/db", "postgresql://u:****@host/db"},
      {"postgresql://host/db?password=X&sslmode=require", "postgresql://host/db?password=****&sslmode=require"},
      {"mysql://u@h/db?pwd=zz&sslpassword=yy", "mysql://u@h/db?pwd=****&sslpassword=****"},
      {"postgresql://127.0.0.1:1/db?password=Qx@Wm", "postgresql://127.0.0.1:****"},
      {"mysql://u@x:pw@host/db", "mysql://u@x:****@host/db"},
      {"postgresql:/u:pw@host/db", "postgresql:****@host/db"},  // no well-formed scheme://
      {"postgresql//u:pw@host/db", "postgresql//u:****@host/db"},
  };
  for (const auto& [url, expected] : masked) EXPECT_EQ(detail::mask_url(url), expected) << url;

  // The fuzzer's input: a user name holding "@", and a password after it.
  const std::string found = "postgresqsql://\x93\xc5\x8f\x9a" "40ss@[::2)]:33060@%ql://u:pa/d?password=asswod=assword=s";
  EXPECT_EQ(detail::mask_url(found).find(":2)]:33060"), std::string::npos) << detail::mask_url(found);
  // And one whose text before "://" is no scheme, and repeats the password.
  const std::string second = "stap\xd1:s3Aret@resqpasswords3Ardb1@gresql://ap\xd1:s3Aret@resqpasswords3Ardb1@x";
  EXPECT_EQ(detail::mask_url(second).find("s3Aret"), std::string::npos) << detail::mask_url(second);
  EXPECT_THROW((void)detail::parse_network_url(second), error);

  for (const char* url : {"postgresql://u:Qx7kPa/Wm3zRb@host/db", "mysql://u:Qx7kPa?Wm3zRb@host/db",
                          "postgresql://u@x:Qx7kPaWm3zRb@host/db", "mysql://u:Qx7kPa#Wm3zRb@h:99999/db",
                          "postgresql://u:Qx7kPaWm3zRb@h/db?nope=1", "mysql://u:Qx7kPaWm3zRb@h/db?charset=gbk"}) {
    for (const char* type : {"postgresql", "mysql"}) {
      try {
        validate_connection_url(type, url);
      } catch (const error& e) {
        const std::string what = e.what();
        EXPECT_EQ(what.find("Qx7kPa"), std::string::npos) << what;
        EXPECT_EQ(what.find("Wm3zRb"), std::string::npos) << what;
      }
    }
    try {
      (void)detail::parse_network_url(url);
    } catch (const error& e) {
      EXPECT_EQ(std::string(e.what()).find("Wm3zRb"), std::string::npos) << e.what();
    }
  }
}

}  // namespace
}  // namespace tether
