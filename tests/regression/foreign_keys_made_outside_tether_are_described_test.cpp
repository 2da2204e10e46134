// Pins: `describe` reports the foreign keys of a table that tether did not make. SQLite's
// introspection read foreign keys only from the CREATE text as tether writes it
// (CONSTRAINT "name" FOREIGN KEY …), so the Chinook sample's keys (FOREIGN KEY ([ArtistId])
// REFERENCES [Artist]) were missing from `describe`, `pull`, the studio's relations and
// its ER diagram. It now asks SQLite's own foreign key list.
#include "conformance.hpp"

namespace tether::conformance {
namespace {

class outside_keys : public fixture {};

TEST_F(outside_keys, foreign_keys_made_outside_tether_are_described) {
  TETHER_REQUIRE(foreign_keys, "foreign keys");
  TETHER_REQUIRE(raw_queries, "raw queries");
  const auto parent = unique_name("artist"), child = unique_name("album");
  db->raw({.query = "CREATE TABLE " + parent + " (id INTEGER NOT NULL, code INTEGER NOT NULL, name VARCHAR(40), "
                    "PRIMARY KEY (id), UNIQUE (id, code))"});
  db->raw({.query = "CREATE TABLE " + child + " (id INTEGER NOT NULL PRIMARY KEY, artist_id INTEGER, artist_code INTEGER, "
                    "FOREIGN KEY (artist_id) REFERENCES " + parent + " (id) ON DELETE CASCADE, "
                    "FOREIGN KEY (artist_id, artist_code) REFERENCES " + parent + " (id, code))"});
  const value d = tether::schema(*db).describe(child);
  std::vector<value> fks;
  for (const auto& c : d["constraints"].as_array())
    if (c["type"].as_string() == "foreign_key") fks.push_back(c);
  ASSERT_EQ(fks.size(), 2u) << d.to_json();
  std::sort(fks.begin(), fks.end(), [](const value& a, const value& b) { return a["columns"].size() < b["columns"].size(); });
  EXPECT_EQ(fks[0]["columns"].to_json(), R"(["artist_id"])");
  EXPECT_EQ(fks[0]["references"]["table"].as_string(), parent);
  EXPECT_EQ(fks[0]["references"]["columns"].to_json(), R"(["id"])");
  EXPECT_EQ(fks[0]["references"]["on_delete"].as_string(), "cascade") << d.to_json();
  EXPECT_EQ(fks[1]["columns"].to_json(), R"(["artist_id","artist_code"])");
  EXPECT_EQ(fks[1]["references"]["columns"].to_json(), R"(["id","code"])");
  EXPECT_FALSE(fks[0]["name"].as_string().empty());
  db->raw({.query = "DROP TABLE " + child});
  db->raw({.query = "DROP TABLE " + parent});
}

}  // namespace
}  // namespace tether::conformance
