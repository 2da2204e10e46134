// Regression: DDL literals (a field's default and comment, enum values) and MySQL's
// GROUP_CONCAT separator were escaped by tether's own code, byte by byte; with a multi-byte
// connection charset (MySQL ?charset=gbk) or standard_conforming_strings off (PostgreSQL)
// a value ended its literal early and ran SQL of its own. Now values are bound where the
// engine can bind them, DDL literals come from the driver's own function for the live
// connection, and MySQL connects in utf8mb4 only.
//
// Every payload is tried in every value position (a default, a comment, enum values, a
// partial index's condition, a string_agg separator), in the ordinary session and in each
// session the engine's profile names where literals are quoted differently. None may run:
// no table named after it appears, and where the server keeps a statement log, the
// payload's marker appears in no logged statement outside its string literals and bound
// parameters. In the ordinary session each value also comes back exactly, or is refused
// with a usage error before anything is written.
#include <random>

#include "conformance.hpp"

namespace tether::conformance {
namespace {

// Each would create a table pwned_<token>_<n> if it escaped its literal.
std::vector<std::string> payloads(const std::string& token) {
  const std::vector<std::string> heads = {
      "x'",          "x\\'",        "\xe4\xb8\xad\\'",  // 中\'
      "\xbf\\'",     // a gbk lead byte before \' (not UTF-8: refused)
      "*/'",         "\"",          "\xe2\x80\x99",     // a right single quote
      "\xef\xbc\x87",  // a fullwidth apostrophe
      "`",           "$$'",         "\\\\'",            "\n'",
      "x'')",        "\\",          "'",                "''",
  };
  std::vector<std::string> out;
  for (std::size_t i = 0; i < heads.size(); ++i)
    out.push_back(heads[i] + "); CREATE TABLE pwned_" + token + "_" + std::to_string(i) + " (x int); -- x");
  out.emplace_back("'");
  out.emplace_back("\\");
  return out;
}

// Whether byte `c` starts a two-byte character in the session's character set (gbk and
// big5: 0x81-0xfe; sjis: 0x81-0x9f and 0xe0-0xfc), whose second byte may be 0x5c or 0x27.
bool lead_byte(std::string_view charset, unsigned char c) {
  if (charset == "gbk" || charset == "big5") return c >= 0x81 && c <= 0xfe;
  if (charset == "sjis") return (c >= 0x81 && c <= 0x9f) || (c >= 0xe0 && c <= 0xfc);
  return false;
}

// `sql` with its string literals taken out ('…' with '' doubled, backslash escapes where
// the session takes them, E'…' always), lexed as the server lexes the session's character
// set, so that what is left is what the server ran as SQL.
std::string outside_literals(std::string_view sql, const engine_profile::session& s) {
  const bool backslash_escapes = s.backslash_escapes;
  std::string out;
  for (std::size_t i = 0; i < sql.size(); ++i) {
    if (sql[i] != '\'') {
      out += sql[i];
      continue;
    }
    const bool e_string = i > 0 && (sql[i - 1] == 'E' || sql[i - 1] == 'e') &&
                          (i < 2 || !(std::isalnum(static_cast<unsigned char>(sql[i - 2])) || sql[i - 2] == '_'));
    const bool escapes = backslash_escapes || e_string;
    for (++i; i < sql.size(); ++i) {
      if (lead_byte(s.charset, static_cast<unsigned char>(sql[i]))) {
        ++i;  // the trail byte is part of the character, whatever it is
      } else if (escapes && sql[i] == '\\') {
        ++i;
      } else if (sql[i] == '\'') {
        if (i + 1 < sql.size() && sql[i + 1] == '\'') ++i;
        else break;
      }
    }
    out += "''";
  }
  return out;
}

std::string random_token() {
  static std::mt19937_64 rng{std::random_device{}()};
  static constexpr char letters[] = "abcdefghijklmnopqrstuvwxyz";
  std::string t;
  for (int i = 0; i < 8; ++i) t += letters[rng() % 26];
  return t;
}

class ddl_literals : public fixture {
 protected:
  void SetUp() override {
    fixture::SetUp();
    sessions_ = profile().literal_sessions;
    if (sessions_.empty()) sessions_.push_back({"ordinary", "", "", false});
  }

  // Runs `body(client, schema, exact)` in every session; then checks that nothing ran.
  template <class Body>
  void in_every_session(Body&& body, bool logs_a_marker = true) {
    for (std::size_t k = 0; k < sessions_.size(); ++k) {
      const auto& s = sessions_[k];
      SCOPED_TRACE("session: " + s.label);
      std::string url = url_;
      if (!s.url_options.empty()) url += (url.find('?') == std::string::npos ? "?" : "&") + s.url_options;
      tether::client c{url, {.pool_size = 1}};
      if (!s.setup.empty()) c.raw({.query = s.setup});
      if (profile().start_statement_log) profile().start_statement_log(c);
      migration_options opts{.table = unique_name("migrations")};
      tether::schema sc{c, opts};
      const std::string token = random_token();
      body(c, sc, payloads(token), k == 0);
      for (const auto& t : tether::schema{*db}.list())
        EXPECT_EQ(t.find("pwned"), std::string::npos) << "an injected table exists: " << t;
      if (profile().logged_statements) {
        auto logged = profile().logged_statements(*db, "pwned_" + token);
        if (logs_a_marker) {
          EXPECT_FALSE(logged.empty()) << "the server's statement log holds none of this session's statements";
        }
        for (const auto& sql : logged)
          EXPECT_EQ(outside_literals(sql, s).find("pwned_" + token), std::string::npos)
              << "a payload ran as SQL: " << sql;
      }
    }
  }

  // A call either works or is refused with an error; in the ordinary session a refusal is
  // a usage error (bad input, named before anything is written).
  template <class F>
  static bool taken_or_refused(F&& call, const std::string& payload, bool exact) {
    try {
      call();
      return true;
    } catch (const error& e) {
      if (exact) {
        EXPECT_EQ(e.category(), error_category::usage) << e.what() << " for " << value(payload).to_json();
      }
      return false;
    }
  }

  std::vector<engine_profile::session> sessions_;
};

TEST_F(ddl_literals, defaults_comments_and_enum_values_hold_any_text) {
  in_every_session([&](tether::client& c, tether::schema& sc, const std::vector<std::string>& corpus, bool exact) {
    for (const auto& p : corpus) {
      auto t = unique_name("lit");
      bool made = taken_or_refused(
          [&] {
            sc.create(t, {{"id", {{"type", "integer"}, {"primary_key", true}}},
                          {"d", {{"type", "string"}, {"length", 120}, {"default", p}, {"comment", p}}},
                          {"e", {{"type", "enum"}, {"enum_values", {p, "plain"}}}}});
          },
          p, exact);
      if (!made) {
        if (exact) {
          EXPECT_FALSE(sc.exists(t)) << value(p).to_json();
        }
        continue;
      }
      if (!exact) continue;  // another charset may store other characters; only safety is asked there
      c.insert({.table = t, .records = {{{"id", 1}, {"e", p}}}});
      auto row = c.find_one({.table = t, .where = {{"id", 1}}});
      ASSERT_TRUE(row);
      EXPECT_EQ(row->get<std::string>("d"), p) << "the default came back changed";
      EXPECT_EQ(row->get<std::string>("e"), p);
      const value described = sc.describe(t);
      for (const auto& col : described["columns"].as_array())
        if (col["name"].as_string() == "d" && col.find("comment")) {
          EXPECT_EQ(col["comment"].as_string(), p);  // where the engine keeps comments
        }
      EXPECT_THROW(c.insert({.table = t, .records = {{{"id", 2}, {"e", "not one of them"}}}}), error);
    }
  });
}

TEST_F(ddl_literals, a_partial_index_condition_holds_any_text) {
  try {
    auto t = unique_name("probe");
    tether::schema sc{*db, {.table = unique_name("migrations")}};
    sc.create(t, {{"id", {{"type", "integer"}, {"primary_key", true}}}, {"s", {{"type", "text"}}}});
    sc.create_index(t, {"id"}, {{"name", t + "_p"}, {"where", {{"s", "x"}}}});
  } catch (const error& e) {
    if (e.category() != error_category::unsupported) throw;
    GTEST_SKIP() << "partial indexes: " << e.what();
  }
  in_every_session([&](tether::client&, tether::schema& sc, const std::vector<std::string>& corpus, bool exact) {
    for (const auto& p : corpus) {
      auto t = unique_name("idx");
      sc.create(t, {{"id", {{"type", "integer"}, {"primary_key", true}}}, {"s", {{"type", "text"}}}});
      try {
        // $ne where the engine's partial indexes hold it (MongoDB's hold $eq, not $ne).
        const char* op = db->capabilities().in_partial_index(engine::compare::ne) ? "$ne" : "$eq";
        sc.create_index(t, {"id"}, {{"name", t + "_p"}, {"where", {{"s", {{op, p}}}}}});
        EXPECT_EQ(sc.describe(t)["indexes"].size(), 1u) << value(p).to_json();
      } catch (const error& e) {
        if (exact) {
          EXPECT_EQ(e.category(), error_category::usage) << e.what();
        }
      }
    }
  });
}

TEST_F(ddl_literals, a_string_agg_separator_is_a_value) {
  auto t = make_table({{"id", "pk"}, {"n", "text"}});
  db->insert({.table = t, .records = {{{"n", "a"}}, {{"n", "b"}}}});
  in_every_session([&](tether::client& c, tether::schema& sc, const std::vector<std::string>& corpus, bool exact) {
    // A statement that holds the marker in a literal, so that the log check has one to read.
    sc.create(unique_name("log"), {{"id", {{"type", "integer"}, {"primary_key", true}}},
                                   {"d", {{"type", "string"}, {"default", corpus[0]}}}});
    for (const auto& p : corpus) {
      std::vector<std::string> rows;
      bool ran = taken_or_refused(
          [&] {
            auto r = c.aggregate({.table = t, .operations = {{"s", {{"$stringAgg", {{"column", "n"}, {"separator", p}}}}}}});
            for (auto rec : r) rows.push_back(rec.get<std::string>("s"));
          },
          p, exact);
      if (!ran || !exact) continue;
      ASSERT_EQ(rows.size(), 1u) << value(p).to_json();
      EXPECT_TRUE(rows[0] == "a" + p + "b" || rows[0] == "b" + p + "a") << value(rows[0]).to_json();
    }
  });
}

TEST_F(ddl_literals, a_nul_byte_in_a_ddl_constant_is_refused_before_anything_is_written) {
  tether::schema sc{*db, {.table = unique_name("migrations")}};
  auto t = unique_name("nul");
  try {
    sc.create(t, {{"id", {{"type", "integer"}, {"primary_key", true}}},
                  {"d", {{"type", "text"}, {"default", std::string("a\0b", 3)}}}});
    FAIL() << "a NUL byte in a default was accepted";
  } catch (const error& e) {
    EXPECT_EQ(e.category(), error_category::usage);
    EXPECT_NE(std::string(e.what()).find("NUL"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(sc.exists(t));
}

}  // namespace
}  // namespace tether::conformance
