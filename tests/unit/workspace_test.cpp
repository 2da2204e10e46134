// The workspace registry: every call, every validation error, the file's behaviour.
#include <gtest/gtest.h>
#include <tether/tether.hpp>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/workspace/url.hpp"

namespace tether {
namespace {

namespace fs = std::filesystem;

class registry : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("tether-ws-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    ws_.emplace(workspace::init(dir_));
  }
  void TearDown() override { fs::remove_all(dir_); }

  static database orders() {
    return {"shop", "Orders", "orders", "postgresql", "order data",
            {{"dev", "postgresql://app:devpass@localhost:5432/orders", ""},
             {"prd", "${PRD_ORDERS_URL}", "production"}}};
  }
  std::string file_text() const {
    std::ifstream in(ws_->file());
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }
  std::string error_of(const std::function<void()>& f) {
    try {
      f();
    } catch (const error& e) {
      return e.what();
    }
    return "no error";
  }

  fs::path dir_;
  std::optional<workspace> ws_;
};

TEST_F(registry, create_fetch_update_fetch_all_remove) {
  ws_->create(orders());
  ws_->create({"shop", "Cache", "cache", "sqlite", "", {{"dev", "sqlite://cache.db", ""}}});
  ws_->create({"blog", "Posts", "posts", "mysql", "", {{"dev", "mysql://root@127.0.0.1/posts", ""}}});

  auto got = ws_->fetch("shop", "orders");
  EXPECT_EQ(got.name, "Orders");
  EXPECT_EQ(got.envs.size(), 2u);
  EXPECT_EQ(got.env("prd")->connection_url, "${PRD_ORDERS_URL}");

  auto updated = ws_->update("shop", "orders", {.name = "Orders DB", .description = "moved"});
  EXPECT_EQ(updated.name, "Orders DB");
  EXPECT_EQ(updated.type, "postgresql");  // unset fields are kept
  EXPECT_EQ(ws_->fetch("shop", "orders").description, "moved");

  EXPECT_EQ(ws_->fetch_all("shop").size(), 2u);
  EXPECT_EQ(ws_->fetch_all().size(), 3u);
  EXPECT_EQ(ws_->products(), (std::vector<std::string>{"shop", "blog"}));

  ws_->remove("shop", "cache");
  EXPECT_EQ(ws_->fetch_all("shop").size(), 1u);
  EXPECT_THROW(ws_->fetch("shop", "cache"), error);
}

TEST_F(registry, unknown_names_are_not_found_errors_listing_what_exists) {
  ws_->create(orders());
  try {
    ws_->fetch("shop", "ordres");
    FAIL();
  } catch (const error& e) {
    EXPECT_EQ(e.category(), error_category::not_found);
    EXPECT_STREQ(e.what(), "no database \"ordres\" in product \"shop\"; it has: orders");
  }
  EXPECT_THROW(ws_->update("shop", "nope", {}), error);
  EXPECT_THROW(ws_->remove("nope", "orders"), error);
  EXPECT_THROW(ws_->fetch_all("nope"), error);
}

TEST_F(registry, validation_names_the_field_and_the_expectation) {
  auto with = [](auto change) {
    database d = orders();
    change(d);
    return d;
  };
  auto create_error = [&](const database& d) { return error_of([&] { ws_->create(d); }); };
  EXPECT_EQ(create_error(with([](database& d) { d.product = ""; })), "a database needs a product");
  EXPECT_EQ(create_error(with([](database& d) { d.tag = ""; })), "a database in product \"shop\" needs a tag");
  EXPECT_NE(create_error(with([](database& d) { d.tag = "Orders!"; })).find("invalid tag \"Orders!\""), std::string::npos);
  EXPECT_NE(create_error(with([](database& d) { d.name = ""; })).find("needs a name"), std::string::npos);
  EXPECT_NE(create_error(with([](database& d) { d.type = "oracle"; })).find("has type \"oracle\"; expected one of"),
            std::string::npos);
  EXPECT_NE(create_error(with([](database& d) { d.envs.clear(); })).find("at least one env"), std::string::npos);
  EXPECT_NE(create_error(with([](database& d) { d.envs[1].slug = "dev"; })).find("env \"dev\" is listed twice"),
            std::string::npos);
  EXPECT_NE(create_error(with([](database& d) { d.envs[0].slug = "Dev Env"; })).find("invalid env slug"),
            std::string::npos);
  // The URL must follow the engine's rules, and a password never shows in the message.
  std::string m = create_error(with([](database& d) { d.envs[0].connection_url = "mysql://app:devpass@h/db"; }));
  EXPECT_NE(m.find("does not fit type postgresql; expected postgresql:// or postgres://"), std::string::npos) << m;
  EXPECT_EQ(m.find("devpass"), std::string::npos) << m;
  m = create_error(with([](database& d) { d.envs[0].connection_url = "postgresql://app:devpass@h:99999/db"; }));
  EXPECT_NE(m.find("port \"99999\""), std::string::npos) << m;
  EXPECT_EQ(m.find("devpass"), std::string::npos) << m;
  EXPECT_NE(create_error(with([](database& d) { d.envs[0].connection_url = "postgresql:///db"; })).find("no host"),
            std::string::npos);
  EXPECT_NE(error_of([] { validate_connection_url("sqlite", "sqlite://"); }).find("not a SQLite URL"), std::string::npos);
  EXPECT_NO_THROW(validate_connection_url("sqlite", "sqlite::memory:"));
  EXPECT_NO_THROW(validate_connection_url("mariadb", "mysql://a@h1:3306,h2:3307/db?charset=utf8mb4"));
  EXPECT_NO_THROW(validate_connection_url("mongodb", "mongodb+srv://u:p@cluster.example/db"));

  ws_->create(orders());
  EXPECT_EQ(create_error(orders()), "product \"shop\" already has a database tagged \"orders\"");
  EXPECT_NE(error_of([&] { ws_->update("shop", "orders", {.type = std::string("sqlite")}); }).find("does not fit type sqlite"),
            std::string::npos);
  EXPECT_EQ(ws_->fetch("shop", "orders").type, "postgresql");  // a refused update changes nothing
}

TEST_F(registry, the_file_tolerates_comments_and_rewrites_make_minimal_diffs) {
  {
    std::ofstream out(ws_->file());
    out << "// the team's databases\n{\n  /* products */\n  \"products\": [\n"
           "    {\"name\": \"shop\", \"databases\": [\n"
           "      {\"name\": \"Orders\", \"tag\": \"orders\", \"type\": \"sqlite\",\n"
           "       \"envs\": [{\"slug\": \"dev\", \"connection_url\": \"sqlite://o.db\"}]} // dev only\n"
           "    ]}\n  ]\n}\n";
  }
  EXPECT_EQ(ws_->fetch("shop", "orders").type, "sqlite");
  ws_->create({"shop", "A", "a", "sqlite", "", {{"dev", "sqlite://a.db", ""}}});
  std::string before = file_text();
  ws_->create({"shop", "B", "b", "sqlite", "", {{"dev", "sqlite://b.db", ""}}});
  std::string after = file_text();
  // The new entry is appended: the old text is kept up to past the previous last entry.
  std::size_t same = 0;
  while (same < before.size() && same < after.size() && before[same] == after[same]) ++same;
  EXPECT_GT(same, before.find("sqlite://a.db") + std::string("sqlite://a.db\"").size()) << after;
  EXPECT_LT(after.find("\"orders\""), after.find("\"a\""));
  EXPECT_LT(after.find("\"tag\": \"a\""), after.find("\"tag\": \"b\""));
  // Writing twice gives the same bytes: a stable order.
  ws_->update("shop", "b", {});
  EXPECT_EQ(file_text(), after);
}

TEST_F(registry, writes_are_atomic_and_leave_no_temporary_file) {
  ws_->create(orders());
  for (const auto& entry : fs::directory_iterator(dir_))
    EXPECT_EQ(entry.path().filename(), "tether.json") << "left behind: " << entry.path();
}

TEST_F(registry, an_environment_is_protected_by_its_marker_or_by_being_prd) {
  database db = orders();
  db.envs.push_back({.slug = "staging", .connection_url = "postgresql://app@staging/orders", .protect = true});
  db.envs[1].protect = false;  // prd, said not to be
  ws_->create(db);
  const database back = ws_->fetch("shop", "orders");
  EXPECT_FALSE(back.env("dev")->is_protected());
  EXPECT_FALSE(back.env("prd")->is_protected()) << "the marker wins over the slug";
  EXPECT_TRUE(back.env("staging")->is_protected());
  EXPECT_NE(file_text().find("\"protected\": true"), std::string::npos) << file_text();
  EXPECT_TRUE(environment{.slug = "prd"}.is_protected()) << "prd is protected when nothing says otherwise";
  {
    std::ofstream out(ws_->file());
    out << R"({"products": [{"name": "shop", "databases": [{"name": "O", "tag": "orders", "type": "sqlite",
            "envs": [{"slug": "dev", "connection_url": "sqlite://x.db", "protected": "yes"}]}]}]})";
  }
  const std::string m = error_of([&] { ws_->fetch_all(); });
  EXPECT_NE(m.find("env \"dev\": \"protected\" must be true or false"), std::string::npos) << m;
}

TEST_F(registry, a_broken_file_is_an_error_naming_it) {
  {
    std::ofstream out(ws_->file());
    out << "{\"products\": [ {\"name\": \"shop\", ";
  }
  std::string m = error_of([&] { ws_->fetch_all(); });
  EXPECT_NE(m.find("not valid JSON"), std::string::npos) << m;
  EXPECT_NE(m.find(ws_->file().string()), std::string::npos) << m;
}

TEST_F(registry, find_searches_upward_and_init_refuses_to_overwrite) {
  fs::create_directories(dir_ / "a" / "b");
  auto found = workspace::find(dir_ / "a" / "b");
  ASSERT_TRUE(found);
  EXPECT_EQ(found->file(), ws_->file());
  EXPECT_THROW(workspace::init(dir_), error);
  EXPECT_THROW(workspace::open(dir_ / "a"), error);
}

TEST(urls, env_references_are_resolved_and_a_missing_one_is_named) {
  ::setenv("TETHER_TEST_HOST", "db.internal", 1);
  EXPECT_EQ(detail::resolve_env("postgresql://app@${TETHER_TEST_HOST}:5432/x"), "postgresql://app@db.internal:5432/x");
  ::unsetenv("TETHER_TEST_MISSING");
  try {
    detail::resolve_env("${TETHER_TEST_MISSING}");
    FAIL();
  } catch (const error& e) {
    EXPECT_EQ(e.category(), error_category::usage);
    EXPECT_NE(std::string(e.what()).find("TETHER_TEST_MISSING is not set"), std::string::npos) << e.what();
  }
  EXPECT_THROW(detail::resolve_env("postgresql://${OOPS/x"), error);
}

TEST(urls, passwords_are_masked_wherever_a_url_is_shown) {
  EXPECT_EQ(detail::mask_url("postgresql://app:s3cr@t@db:5432/x"), "postgresql://app:****@db:5432/x");
  database d{"p", "N", "n", "postgresql", "", {{"dev", "postgresql://app:hunter2@h/db", ""}}};
  EXPECT_EQ(d.to_json().find("hunter2"), std::string::npos);
  EXPECT_NE(d.to_json().find("app:****@h"), std::string::npos);
}

TEST(urls, network_urls_parse_hosts_ports_and_options) {
  auto u = detail::parse_network_url("mysql://root:pw@h1:3306,h2,[::1]:3308/app?charset=utf8mb4&ssl_mode=required");
  EXPECT_EQ(u.scheme, "mysql");
  EXPECT_EQ(u.user, "root");
  EXPECT_EQ(u.password, "pw");
  EXPECT_EQ(u.database, "app");
  ASSERT_EQ(u.hosts.size(), 3u);
  EXPECT_EQ(u.hosts[1], (std::pair<std::string, int>{"h2", 0}));
  EXPECT_EQ(u.hosts[2], (std::pair<std::string, int>{"::1", 3308}));
  EXPECT_EQ(u.options.at("ssl_mode"), "required");
  EXPECT_THROW(detail::parse_network_url("mysql://h:0/db"), error);
  EXPECT_THROW(detail::parse_network_url("mysql://h/db?novalue"), error);
  EXPECT_THROW(detail::parse_network_url("mysql://:pw@h/db"), error);
  // A password may carry @ : / % when they are percent-encoded.
  auto e = detail::parse_network_url("mysql://app%40corp:p%40ss%3Aw%2Fd%25@h/my%20db");
  EXPECT_EQ(e.user, "app@corp");
  EXPECT_EQ(e.password, "p@ss:w/d%");
  EXPECT_EQ(e.database, "my db");
  EXPECT_EQ(detail::parse_network_url("mysql://u:100%@h/db").password, "100%");
}

}  // namespace
}  // namespace tether
