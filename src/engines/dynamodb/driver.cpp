// The DynamoDB driver: its URL and its capabilities.
#include <fmt/format.h>

#include <algorithm>

#include <cstdlib>

#include "core/workspace/url.hpp"
#include "connection.hpp"
#include "tether/engines/dynamodb.hpp"
#include "tether/error.hpp"

namespace tether::detail::dynamodb {
namespace {

struct dynamo_url {
  std::string region;
  credentials creds;
  endpoint where;
};

[[noreturn]] void bad_url(std::string_view url, std::string_view why) {
  throw error(error_category::usage,
              fmt::format("invalid DynamoDB URL \"{}\": {}; expected dynamodb://REGION, "
                          "dynamodb://REGION/ACCESS_KEY_ID/SECRET_ACCESS_KEY, with ?endpoint=http://HOST:PORT for a "
                          "local server and ?table_prefix=PREFIX for an environment's tables",
                          mask_url(url), why),
              error_details{"dynamodb"});
}

// Parsing only: credentials from the environment are read at connect().
dynamo_url parse_url(std::string_view url, bool need_credentials) {
  constexpr std::string_view scheme = "dynamodb://";
  if (url.substr(0, scheme.size()) != scheme) bad_url(url, "it does not start with dynamodb://");
  std::string_view rest = url.substr(scheme.size()), query;
  if (auto q = rest.find('?'); q != std::string_view::npos) {
    query = rest.substr(q + 1);
    rest = rest.substr(0, q);
  }
  std::vector<std::string> parts;
  for (std::size_t at = 0; at <= rest.size();) {
    auto slash = rest.find('/', at);
    if (slash == std::string_view::npos) slash = rest.size();
    parts.push_back(uri_decode(rest.substr(at, slash - at)));
    at = slash + 1;
  }
  if (parts.empty() || parts[0].empty()) bad_url(url, "it names no region");
  if (parts.size() != 1 && parts.size() != 3) bad_url(url, "the path is neither empty nor ACCESS_KEY_ID/SECRET_ACCESS_KEY");
  for (char c : parts[0])
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-') bad_url(url, "the region is not a region name (eu-west-1)");
  dynamo_url u;
  u.region = parts[0];
  if (parts.size() == 3) {
    if (parts[1].empty() || parts[2].empty()) bad_url(url, "an empty access key id or secret");
    u.creds = {parts[1], parts[2], ""};
  }
  u.where.url = fmt::format("https://dynamodb.{}.amazonaws.com/", u.region);
  u.where.host = fmt::format("dynamodb.{}.amazonaws.com", u.region);
  for (std::size_t at = 0; at < query.size();) {
    auto amp = query.find('&', at);
    if (amp == std::string_view::npos) amp = query.size();
    std::string_view kv = query.substr(at, amp - at);
    at = amp + 1;
    auto eq = kv.find('=');
    std::string key(kv.substr(0, eq)), v = eq == std::string_view::npos ? "" : uri_decode(kv.substr(eq + 1));
    if (key == "endpoint") {
      auto colon = v.find("://");
      if (colon == std::string::npos || (v.substr(0, colon) != "http" && v.substr(0, colon) != "https"))
        bad_url(url, fmt::format("endpoint \"{}\" is not an http:// or https:// address", v));
      std::string host = v.substr(colon + 3);
      if (auto slash = host.find('/'); slash != std::string::npos) host = host.substr(0, slash);
      if (host.empty()) bad_url(url, "the endpoint names no host");
      u.where.url = v.back() == '/' ? v : v + "/";
      u.where.host = host;
    } else if (key == "table_prefix") {
      const bool ok = !v.empty() && v.size() <= 200 && std::all_of(v.begin(), v.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.';
      });
      if (!ok) bad_url(url, fmt::format("table_prefix \"{}\" is not 1 to 200 characters from a-z, A-Z, 0-9, _, - and .", v));
      u.where.table_prefix = v;
    } else {
      bad_url(url, fmt::format("unknown option \"{}\" (the options are endpoint and table_prefix)", key));
    }
  }
  if (need_credentials && u.creds.access_key.empty()) {
    const char* id = std::getenv("AWS_ACCESS_KEY_ID");
    const char* secret = std::getenv("AWS_SECRET_ACCESS_KEY");
    const char* token = std::getenv("AWS_SESSION_TOKEN");
    if (!id || !*id || !secret || !*secret)
      throw error(error_category::connection,
                  fmt::format("no credentials for {}: give them in the URL (dynamodb://REGION/ACCESS_KEY_ID/SECRET) or "
                              "set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY",
                              mask_url(url)),
                  error_details{"dynamodb"});
    u.creds = {id, secret, token ? token : ""};
  }
  return u;
}

class driver final : public engine::driver {
 public:
  std::string_view name() const noexcept override { return "dynamodb"; }
  std::vector<std::string> schemes() const override { return {"dynamodb"}; }
  const engine::capabilities& capabilities() const noexcept override {
    static const engine::capabilities caps = [] {
      engine::capabilities c;
      c.engine = "dynamodb";
      // Every operator is evaluated on the client by the reference evaluator, on the items
      // a GetItem, Query or Scan returns; what DynamoDB can evaluate is sent along as a
      // FilterExpression that drops items early (expressions.hpp).
      c.operators.fill(engine::support::client);
      c.aggregates = true;      // over a scan, on the client
      c.returning = true;       // the items as written, ALL_NEW, ALL_OLD
      c.upsert = true;          // by the key: a conditional PutItem, else UpdateItem
      c.field_comments = true;  // kept with the fields tether records
      c.transactions = true;    // TransactWriteItems at commit; reads do not see pending writes
      c.json_arrays = true;     // list_append; ADD/DELETE on sets; the rest on the client, conditional
      return c;
    }();
    return caps;
  }
  void validate_url(std::string_view url) const override { (void)parse_url(url, false); }
  std::unique_ptr<engine::connection> connect(std::string_view url) override {
    dynamo_url u = parse_url(url, true);
    auto client = std::make_unique<http>(u.where, signer(u.creds, u.region, "dynamodb"));
    auto c = std::make_unique<connection>(std::move(client));
    if (!c->alive()) {
      // alive() swallowed the reason: ask once more for the error itself.
      try {
        http probe(u.where, signer(u.creds, u.region, "dynamodb"));
        probe.call("ListTables", json{{"Limit", 1}});
      } catch (const error& e) {
        throw error(e.category(), fmt::format("cannot connect to DynamoDB at {}: {}", mask_url(url), e.what()), e.details());
      }
    }
    return c;
  }
};

}  // namespace
}  // namespace tether::detail::dynamodb

namespace tether::dynamodb {

std::shared_ptr<engine::driver> make_driver() { return std::make_shared<detail::dynamodb::driver>(); }

}  // namespace tether::dynamodb
