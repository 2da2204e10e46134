// The DynamoDB engine's request signer against AWS's published Signature Version 4
// vectors: the SigV4 test suite (credentials AKIDEXAMPLE, 2015-08-30T12:36:00Z, us-east-1,
// service "service") and the S3 documentation's "GET Object" example. dynalite accepts
// any signature, so these vectors are what shows the signer is right.
#include <gtest/gtest.h>

#include "engines/dynamodb/sigv4.hpp"

namespace tether::detail::dynamodb {
namespace {

const credentials suite{"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", ""};
constexpr const char* suite_date = "20150830T123600Z";
constexpr const char* empty_hash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

std::string header(const http_request& r, std::string_view name) {
  for (const auto& [n, v] : r.headers)
    if (n == name) return v;
  return "(absent)";
}

std::string authorization(http_request r, const credentials& c, const char* region, const char* service,
                          const char* date) {
  signer s(c, region, service);
  s.sign(r, date);
  return header(r, "Authorization");
}

TEST(sigv4, get_vanilla) {
  http_request r{.method = "GET", .host = "example.amazonaws.com", .path = "/"};
  EXPECT_EQ(authorization(r, suite, "us-east-1", "service", suite_date),
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
            "SignedHeaders=host;x-amz-date, "
            "Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
}

TEST(sigv4, get_vanilla_canonical_request_and_its_hash) {
  http_request r{.method = "GET", .host = "example.amazonaws.com", .path = "/",
                 .headers = {{"Host", "example.amazonaws.com"}, {"X-Amz-Date", suite_date}}};
  const std::string creq = canonical_request(r, empty_hash);
  EXPECT_EQ(creq, std::string("GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\n"
                              "host;x-amz-date\n") + empty_hash);
  // The string to sign of the suite's get-vanilla.sts carries this hash.
  EXPECT_EQ(sha256_hex(creq), "bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63");
}

TEST(sigv4, get_vanilla_query_order_key_case) {
  http_request r{.method = "GET", .host = "example.amazonaws.com", .path = "/", .query = "Param2=value2&Param1=value1"};
  EXPECT_EQ(authorization(r, suite, "us-east-1", "service", suite_date),
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
            "SignedHeaders=host;x-amz-date, "
            "Signature=b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500");
}

TEST(sigv4, post_vanilla) {
  http_request r{.method = "POST", .host = "example.amazonaws.com", .path = "/"};
  EXPECT_EQ(authorization(r, suite, "us-east-1", "service", suite_date),
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
            "SignedHeaders=host;x-amz-date, "
            "Signature=5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b");
}

TEST(sigv4, s3_get_object_with_a_range_and_a_payload_hash) {
  const credentials s3{"AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", ""};
  http_request r{.method = "GET", .host = "examplebucket.s3.amazonaws.com", .path = "/test.txt",
                 .headers = {{"Range", "bytes=0-9"}, {"x-amz-content-sha256", empty_hash}}};
  EXPECT_EQ(authorization(r, s3, "us-east-1", "s3", "20130524T000000Z"),
            "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, "
            "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, "
            "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
}

TEST(sigv4, header_values_are_trimmed_and_names_folded_before_signing) {
  http_request a{.method = "POST", .host = "example.amazonaws.com", .headers = {{"X-Amz-Target", "  DynamoDB_20120810.GetItem  "}}};
  http_request b{.method = "POST", .host = "example.amazonaws.com", .headers = {{"x-amz-target", "DynamoDB_20120810.GetItem"}}};
  EXPECT_EQ(canonical_request(a, empty_hash), canonical_request(b, empty_hash));
  http_request spaced{.method = "POST", .host = "h", .headers = {{"My-Header", "a   b  c"}}};
  EXPECT_NE(canonical_request(spaced, empty_hash).find("my-header:a b c\n"), std::string::npos);
}

TEST(sigv4, a_session_token_is_sent_and_signed) {
  credentials temp = suite;
  temp.session_token = "token-of-the-session";
  http_request r{.method = "POST", .host = "dynamodb.us-east-1.amazonaws.com", .body = "{}"};
  signer s(temp, "us-east-1", "dynamodb");
  s.sign(r, suite_date);
  EXPECT_EQ(header(r, "x-amz-security-token"), "token-of-the-session");
  EXPECT_NE(header(r, "Authorization").find("SignedHeaders=host;x-amz-date;x-amz-security-token,"), std::string::npos)
      << header(r, "Authorization");
  EXPECT_EQ(header(r, "Authorization").find("token-of-the-session"), std::string::npos);
  EXPECT_EQ(header(r, "Authorization").find(temp.secret_key), std::string::npos);
}

TEST(sigv4, the_body_is_signed_and_the_day_key_is_recomputed_on_a_new_day) {
  signer s(suite, "us-east-1", "dynamodb");
  auto sign = [&](std::string body, const char* date) {
    http_request r{.method = "POST", .host = "h", .body = std::move(body)};
    s.sign(r, date);
    return header(r, "Authorization");
  };
  const std::string one = sign("{\"TableName\":\"a\"}", suite_date);
  EXPECT_NE(one, sign("{\"TableName\":\"b\"}", suite_date)) << "a changed body kept its signature";
  const std::string next_day = sign("{\"TableName\":\"a\"}", "20150831T123600Z");
  EXPECT_NE(next_day.find("/20150831/us-east-1/dynamodb/"), std::string::npos) << next_day;
  signer fresh(suite, "us-east-1", "dynamodb");
  http_request r{.method = "POST", .host = "h", .body = "{\"TableName\":\"a\"}"};
  fresh.sign(r, "20150831T123600Z");
  EXPECT_EQ(header(r, "Authorization"), next_day) << "the cached key of the previous day was used";
}

TEST(sigv4, amz_date_is_utc) {
  EXPECT_EQ(amz_date(std::chrono::system_clock::from_time_t(1440938160)), suite_date);
  EXPECT_EQ(amz_date(std::chrono::system_clock::from_time_t(0)), "19700101T000000Z");
}

}  // namespace
}  // namespace tether::detail::dynamodb
