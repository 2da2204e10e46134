// Regression (the killed MariaDB migration): telling whether an interrupted step took
// effect is done by introspection, for every kind of step. Here each kind is asked about
// before it runs (not done) and after (done), on every engine.
#include <iostream>

#include "conformance.hpp"
#include "core/migrations/schema_model.hpp"
#include "core/migrations/schema_ops.hpp"

namespace tether::conformance {
namespace {

class step_effects : public fixture {};

TEST_F(step_effects, every_kind_of_step_is_told_before_and_after) {
  tether::schema sc{*db, {.table = unique_name("migrations")}};
  const std::string t = unique_name("eff"), renamed = unique_name("eff_renamed");
  auto connect = [&] { return engine::find_driver(url_)->connect(url_); };  // what the migrator reads through
  struct step {
    value op;
    std::function<void()> apply;
    bool offered = true;  // whether this engine (and server) takes the step
  };
  const auto& caps = db->capabilities();
  const bool indexes = index_refusal().empty();
  const std::vector<step> steps = {
      {value{{"op", "create_collection"}, {"table", t},
             {"fields", {{"id", {{"type", "integer"}, {"primary_key", true}}}, {"a", "integer"}, {"b", "string"}}}},
       [&] { sc.create(t, {{"id", {{"type", "integer"}, {"primary_key", true}}}, {"a", "integer"}, {"b", "string"}}); }},
      {value{{"op", "add_field"}, {"table", t}, {"field", {{"name", "c"}, {"type", "text"}}}},
       [&] { sc.add_field(t, "c", "text"); }},
      {value{{"op", "modify_field"}, {"table", t}, {"field", {{"name", "a"}, {"type", "bigint"}}}},
       [&] { sc.modify_field(t, "a", "bigint"); }},
      {value{{"op", "create_index"}, {"table", t}, {"index", {{"name", t + "_a"}, {"fields", {"a"}}}}},
       [&] { sc.create_index(t, {"a"}, {{"name", t + "_a"}}); }, indexes},
      {value{{"op", "add_constraint"}, {"table", t},
             {"constraint", {{"name", t + "_b"}, {"type", "unique"}, {"columns", {"b"}}}}},
       [&] { sc.add_constraint(t, {{"name", t + "_b"}, {"type", "unique"}, {"columns", {"b"}}}); }, caps.unique_fields},
      {value{{"op", "rename_field"}, {"table", t}, {"name", "c"}, {"new_name", "d"}},
       [&] { sc.rename_field(t, "c", "d"); }},
      {value{{"op", "drop_constraint"}, {"table", t}, {"name", t + "_b"}}, [&] { sc.drop_constraint(t, t + "_b"); },
       caps.unique_fields},
      {value{{"op", "drop_index"}, {"table", t}, {"name", t + "_a"}}, [&] { sc.drop_index(t, t + "_a"); }, indexes},
      {value{{"op", "drop_field"}, {"table", t}, {"name", "d"}}, [&] { sc.drop_field(t, "d"); }},
      {value{{"op", "rename_collection"}, {"table", t}, {"new_name", renamed}}, [&] { sc.rename(t, renamed); },
       caps.table_renames},
      {value{{"op", "drop_collection"}, {"table", caps.table_renames ? renamed : t}},
       [&] { sc.drop(caps.table_renames ? renamed : t); }},
  };
  for (const auto& s : steps) {
    if (!s.offered) {
      std::cout << "[ NOTE     ] " << caps.engine << " (or its server) does not take " << s.op["op"].as_string() << "\n";
      continue;
    }
    const engine::schema_op op = detail::parse_op(s.op);
    auto ask = [&] {
      auto conn = connect();
      std::string why;
      auto e = detail::effect_of(op, *conn->introspection_part(), why);
      return std::make_pair(e, why);
    };
    auto [before, why_before] = ask();
    EXPECT_EQ(before, detail::step_effect::not_done) << s.op.to_json() << ": " << why_before;
    s.apply();
    auto [after, why_after] = ask();
    EXPECT_EQ(after, detail::step_effect::done) << s.op.to_json() << ": " << why_after;
  }
  std::string why;
  auto conn = connect();
  EXPECT_EQ(detail::effect_of(detail::parse_op(value{{"op", "raw"}, {"sql", "SELECT 1"}}), *conn->introspection_part(), why),
            detail::step_effect::unknown);
}

}  // namespace
}  // namespace tether::conformance
