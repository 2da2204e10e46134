// The declarative workflow: pull, plan, push, generate and check, over the diff
// (schema_diff), the migrator's dry runs (the statements and the downs) and the data guard.
#include "tether/schema_workflow.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <functional>
#include <map>
#include <set>

#include "core/client/pool.hpp"
#include "core/client/runner.hpp"
#include "core/migrations/data_guard.hpp"
#include "core/migrations/declared_schema.hpp"
#include "core/migrations/schema_diff.hpp"
#include "core/migrations/schema_model.hpp"
#include "core/migrations/schema_ops.hpp"
#include "core/query/planner.hpp"
#include "tether/client.hpp"
#include "tether/error.hpp"

namespace tether {

using engine::schema_op;
using engine::schema_op_kind;
using engine::table_description;

namespace {

std::string_view risk_name(data_risk r) {
  return r == data_risk::data_loss ? "data_loss" : r == data_risk::blocked ? "blocked" : "none";
}

array strings(const std::vector<std::string>& v) {
  array a;
  for (const auto& s : v) a.emplace_back(s);
  return a;
}

// No tables: what a model replayed from migration files starts from.
struct nothing final : engine::introspection {
  std::optional<table_description> describe(std::string_view) override { return std::nullopt; }
  std::vector<std::string> list_tables() override { return {}; }
};

// The database's tables, without the record of migrations.
std::vector<table_description> live_tables(client& db, const std::string& migrations_table) {
  std::unique_ptr<detail::lease> hold;
  detail::runner& run = detail::runner_of(db);
  auto& look = engine::need(run.pin(hold).introspection_part(), run.engine_name(), "introspection");
  std::vector<table_description> out;
  for (const auto& name : look.list_tables()) {
    if (name == migrations_table) continue;
    if (auto t = look.describe(name)) out.push_back(std::move(*t));
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  return out;
}

std::vector<migration> in_tag_order(std::vector<migration> ms) {
  std::sort(ms.begin(), ms.end(), [](const migration& a, const migration& b) { return a.tag < b.tag; });
  return ms;
}

// The schema that migration files make, replayed on an empty model. Raw steps change
// nothing the model can know: each is noted.
detail::schema_model replay(const std::vector<migration>& ms, std::vector<std::string>* notes) {
  detail::schema_model model(true);
  nothing none;
  for (const auto& m : in_tag_order(ms))
    for (const auto& op : m.up) {
      auto parsed = detail::parse_op(op);
      if (parsed.kind == schema_op_kind::raw && notes)
        notes->push_back(fmt::format("migration {} has a raw step: what it does is not part of the schema compared", m.tag));
      model.apply(parsed, none);
    }
  return model;
}

std::vector<table_description> without(std::vector<table_description> tables, const std::string& name) {
  std::erase_if(tables, [&](const table_description& t) { return t.name == name; });
  return tables;
}

std::string newest_tag(const std::vector<std::string>& tags) {
  return tags.empty() ? std::string() : *std::max_element(tags.begin(), tags.end());
}

std::vector<value> as_values(const std::vector<schema_op>& ops) {
  std::vector<value> out;
  for (const auto& op : ops) out.push_back(detail::op_to_value(op));
  return out;
}

// One disagreement said from the file's side: what the file has that `other` lacks, or
// the reverse. `other` is "the database" or "the migration files".
std::string difference(const schema_op& op, std::string_view other, const std::vector<table_description>& current) {
  const bool plural = other.ends_with("files");
  const std::string has = fmt::format("{} {}", other, plural ? "have" : "has");
  const std::string lacks = fmt::format("{} {}", other, plural ? "do not" : "does not");
  const std::string at = op.table + "." + op.name;
  switch (op.kind) {
    case schema_op_kind::create_collection: return fmt::format("table {}: the file has it, {}", op.table, lacks);
    case schema_op_kind::drop_collection: return fmt::format("table {}: {} it, the file does not", op.table, has);
    case schema_op_kind::rename_collection:
      return fmt::format("table {}: the file renames it to {}; {} it as {}", op.table, op.new_name, has, op.table);
    case schema_op_kind::add_field: return fmt::format("{}: the file has it, {}", at, lacks);
    case schema_op_kind::drop_field: return fmt::format("{}: {} it, the file does not", at, has);
    case schema_op_kind::rename_field:
      return fmt::format("{}: the file renames it to {}; {} it as {}", at, op.new_name, has, op.name);
    case schema_op_kind::modify_field: {
      const std::string want = detail::field_to_value(op.fields.at(0)).to_json();
      for (const auto& t : current)
        if (const auto* f = engine::find_named(t.columns, op.name); f && t.name == op.table)
          return fmt::format("{}: the file says {}, {} {}", at, want, has, detail::field_to_value(*f).to_json());
      return fmt::format("{}: the file says {}, which {} say", at, want, lacks);
    }
    case schema_op_kind::create_index: return fmt::format("index {} on {}: the file has it, {}", op.name, op.table, lacks);
    case schema_op_kind::drop_index: return fmt::format("index {} on {}: {} it, the file does not", op.name, op.table, has);
    case schema_op_kind::add_constraint:
      return fmt::format("constraint {} on {}: the file has it, {}", op.name, op.table, lacks);
    case schema_op_kind::drop_constraint:
      return fmt::format("constraint {} on {}: {} it, the file does not", op.name, op.table, has);
    case schema_op_kind::raw: break;
  }
  return {};
}

}  // namespace

// --- values ------------------------------------------------------------------------------

value plan_step::to_value() const {
  object o{{"op", op}, {"down", value(array(down.begin(), down.end()))}, {"statements", value(strings(statements))}};
  if (data) {
    object d{{"risk", std::string(risk_name(data->risk))}, {"rows", data->rows}, {"message", data->message}};
    if (!data->backfill.empty()) d.emplace_back("backfill", value::from_json(data->backfill));
    o.emplace_back("data", value(std::move(d)));
  } else {
    o.emplace_back("data", nullptr);
  }
  return value(std::move(o));
}

bool schema_plan::loses_data() const noexcept {
  return std::any_of(steps.begin(), steps.end(), [](const plan_step& s) { return s.data && s.data->risk == data_risk::data_loss; });
}
bool schema_plan::blocked() const noexcept {
  return std::any_of(steps.begin(), steps.end(), [](const plan_step& s) { return s.data && s.data->risk == data_risk::blocked; });
}

std::vector<std::string> schema_plan::refusals(bool accept_data_loss) const {
  std::vector<std::string> out;
  for (const auto& s : steps) {
    if (!s.data) continue;
    if (s.data->risk == data_risk::blocked) out.push_back("blocked: " + s.data->message);
    else if (s.data->risk == data_risk::data_loss && !accept_data_loss)
      out.push_back("would lose data: " + s.data->message + " (accept with --accept-data-loss)");
  }
  return out;
}

value schema_plan::to_value() const {
  array s;
  for (const auto& step : steps) s.push_back(step.to_value());
  return value(object{{"steps", value(std::move(s))}, {"notes", value(strings(notes))}});
}

value push_result::to_value() const {
  return value(object{{"plan", plan.to_value()},
                      {"refused", value(strings(refused))},
                      {"applied", applied ? applied->to_value() : value()}});
}

value generate_result::to_value() const {
  return value(object{{"migration", migration ? migration->to_value() : value()},
                      {"plan", plan.to_value()},
                      {"file", file.empty() ? value() : value(file)}});
}

value check_report::to_value() const {
  array a;
  for (const auto& f : findings) a.push_back(value(object{{"kind", f.kind}, {"message", f.message}}));
  return value(object{{"ok", ok()}, {"findings", value(std::move(a))}});
}

// --- the workflow ------------------------------------------------------------------------

schema_workflow::schema_workflow(client& db, migration_options options) : db_(db), options_(std::move(options)) {
  detail::validate_identifier(options_.table, "migrations table");
}

namespace {

// The steps of `ms` as dry runs over `model`, each with its statements and its down, and
// (with `guard`) measured against the data as the earlier steps leave the tables.
schema_plan build_plan(client& db, const std::vector<migration>& ms, detail::schema_model& model,
                       detail::data_guard* guard,
                       const std::function<schema_result(const migration&, detail::schema_model&)>& dry_run) {
  schema_plan plan;
  // The tables before each step, read first: the counts below need the pool's connection.
  std::vector<std::optional<table_description>> befores;
  if (guard) {
    detail::schema_model walk;
    std::unique_ptr<detail::lease> hold;
    detail::runner& run = detail::runner_of(db);
    auto& look = engine::need(run.pin(hold).introspection_part(), run.engine_name(), "introspection");
    for (const auto& m : ms)
      for (const auto& v : m.up) {
        auto op = detail::parse_op(v);
        befores.push_back(op.kind == schema_op_kind::raw ? std::nullopt : walk.describe(op.table, look));
        walk.apply(op, look);
      }
  }
  std::size_t k = 0;
  for (const auto& m : ms) {
    schema_result r = dry_run(m, model);
    const auto& up = r.migration.up;
    const auto& down = r.migration.down;
    std::size_t first_statement = 0;
    for (std::size_t i = 0; i < up.size(); ++i, ++k) {
      plan_step step;
      step.op = up[i];
      const std::size_t n = i < r.step_statements.size() ? r.step_statements[i] : 0;
      step.statements.assign(r.statements.begin() + static_cast<std::ptrdiff_t>(first_statement),
                             r.statements.begin() + static_cast<std::ptrdiff_t>(first_statement + n));
      first_statement += n;
      // down holds the newest step's inverse first: this step's block ends where the
      // blocks of the steps after it begin.
      std::size_t later = 0;
      for (std::size_t j = i + 1; j < r.step_down.size(); ++j) later += r.step_down[j];
      const std::size_t mine = i < r.step_down.size() ? r.step_down[i] : 0;
      const auto from = std::min(later, down.size()), to = std::min(later + mine, down.size());
      step.down.assign(down.begin() + static_cast<std::ptrdiff_t>(from), down.begin() + static_cast<std::ptrdiff_t>(to));
      if (guard) {
        auto op = detail::parse_op(up[i]);
        const auto& before = befores.at(k);
        step.data = guard->measure(op, before ? &*before : nullptr);
        guard->after(op);
      }
      plan.steps.push_back(std::move(step));
    }
    for (const auto& n : r.migration.notes) plan.notes.push_back(n);
  }
  if (guard)
    for (const auto& n : guard->notes) plan.notes.push_back(n);
  return plan;
}

}  // namespace

schema_file schema_workflow::pull() {
  return schema_file::from_value(detail::to_document(detail::from_tables(live_tables(db_, options_.table))));
}

schema_plan schema_workflow::plan(const schema_file& file) {
  const auto desired = detail::declared(file.to_value());
  const auto ops = detail::diff(live_tables(db_, options_.table), desired, db_.capabilities());
  if (ops.empty()) return {};
  migrator mg(db_, options_);
  migration m;
  m.tag = generate_tag("push");
  m.name = "push";
  m.up = as_values(ops);
  detail::schema_model model;
  detail::data_guard guard(db_);
  return build_plan(db_, {m}, model, &guard, [&](const migration& x, detail::schema_model& md) {
    return mg.apply(x, {.dry_run = true}, &md);
  });
}

push_result schema_workflow::push(const schema_file& file, push_options o) {
  push_result out;
  out.plan = plan(file);
  if (out.plan.empty()) return out;
  for (const auto& s : out.plan.steps) {
    if (!s.data) continue;
    if (s.data->risk == data_risk::blocked && !(o.backfill && !s.data->backfill.empty()))
      out.refused.push_back("blocked: " + s.data->message);
    else if (s.data->risk == data_risk::data_loss && !o.accept_data_loss)
      out.refused.push_back("would lose data: " + s.data->message + " (accept with --accept-data-loss)");
  }
  if (!out.refused.empty() || o.dry_run) return out;
  // The NULLs a newly required field's default fills, before the step that requires it.
  for (const auto& s : out.plan.steps)
    if (s.data && s.data->risk == data_risk::blocked && !s.data->backfill.empty()) {
      db_.update({.table = s.data->table,
                  .data = {{s.data->field, value::from_json(s.data->backfill)}},
                  .where = {{s.data->field, nullptr}}});
    }
  migrator mg(db_, options_);
  migration m;
  std::vector<std::string> applied;
  for (const auto& h : mg.history()) applied.push_back(h.tag);
  m.tag = detail::tag_after(generate_tag(o.name), newest_tag(applied));
  m.name = o.name;
  for (const auto& s : out.plan.steps) m.up.push_back(s.op);
  out.applied = mg.apply(std::move(m), {.lock_timeout = o.lock_timeout});
  return out;
}

generate_result schema_workflow::generate(const schema_file& file, const std::vector<migration>& existing, std::string name,
                                          const std::string& folder) {
  generate_result out;
  const auto desired = detail::declared(file.to_value());
  std::vector<std::string> notes;
  detail::schema_model model = replay(existing, &notes);
  const auto ops = detail::diff(without(model.tables(), options_.table), desired, db_.capabilities());
  out.plan.notes = notes;
  if (ops.empty()) return out;
  std::vector<std::string> tags;
  for (const auto& m : existing) tags.push_back(m.tag);
  migration m;
  m.tag = detail::tag_after(generate_tag(name), newest_tag(tags));
  m.name = name;
  m.description = "generated by tether generate from the schema file";
  m.up = as_values(ops);
  migrator mg(db_, options_);
  detail::schema_model rendering = model;
  schema_result dry;
  auto plan = build_plan(db_, {m}, rendering, nullptr, [&](const migration& x, detail::schema_model& md) {
    dry = mg.apply(x, {.dry_run = true}, &md);
    return dry;
  });
  for (auto& n : notes) plan.notes.insert(plan.notes.begin(), n);
  m.down = dry.migration.down;
  m.notes = dry.migration.notes;
  m.checksum = checksum(m);
  validate(m);
  out.plan = std::move(plan);
  if (!folder.empty()) out.file = save_migration(folder, m);
  out.migration = std::move(m);
  return out;
}

generate_result schema_workflow::baseline(const schema_file& file, const std::vector<migration>& existing, std::string name,
                                          const std::string& folder) {
  if (!existing.empty())
    throw error(error_category::usage, fmt::format("there are {} migration files already: a baseline starts a history; use "
                                                   "generate for the next migration", existing.size()));
  migrator mg(db_, options_);
  if (!mg.history().empty())
    throw error(error_category::usage, "this database has recorded migrations: a baseline is for one that has none");
  if (auto p = plan(file); !p.empty())
    throw error(error_category::usage, fmt::format("the database differs from the schema file ({} steps apart): a baseline "
                                                   "records what the database already has; pull the file again",
                                                   p.steps.size()));
  generate_result out = generate(file, {}, std::move(name));
  if (!out.migration) return out;  // no tables: nothing to record
  out.migration->description = "the baseline: the schema this database had when tether began to manage it";
  mg.apply(*out.migration, {.record_only = true});
  if (!folder.empty()) out.file = save_migration(folder, *out.migration);
  return out;
}

schema_plan schema_workflow::plan_pending(const std::vector<migration>& defined) {
  migrator mg(db_, options_);
  const auto status = mg.status(defined);
  // A migration that stopped part-way goes on from its first step that did not take
  // effect: the migrator tells which, so it is left out here, and said so.
  std::set<std::string> partial;
  for (const auto& h : mg.history())
    if (h.status != "applied") partial.insert(h.tag);
  std::vector<migration> pending;
  std::vector<std::string> notes;
  for (const auto& m : in_tag_order(defined)) {
    if (std::find(status.pending_migrations.begin(), status.pending_migrations.end(), m.tag) == status.pending_migrations.end())
      continue;
    if (partial.count(m.tag)) notes.push_back(fmt::format("migration {} stopped part-way: its remaining steps were not measured", m.tag));
    else pending.push_back(m);
  }
  detail::schema_model model;
  detail::data_guard guard(db_);
  auto plan = build_plan(db_, pending, model, &guard, [&](const migration& x, detail::schema_model& md) {
    return mg.apply(x, {.dry_run = true}, &md);
  });
  plan.notes.insert(plan.notes.begin(), notes.begin(), notes.end());
  return plan;
}

check_report schema_workflow::check(const schema_file& file, const std::vector<migration>& defined) {
  check_report out;
  auto add = [&](std::string kind, std::string message) { out.findings.push_back({std::move(kind), std::move(message)}); };
  const auto desired = detail::declared(file.to_value());
  const auto& caps = db_.capabilities();

  // The migration files among themselves and against what the database recorded.
  std::map<std::string, int> seen;
  for (const auto& m : defined)
    if (++seen[m.tag] == 2) add("tag_collision", fmt::format("two migration files have the tag {}", m.tag));
  migrator mg(db_, options_);
  const auto status = mg.status(defined);
  for (const auto& d : status.drift)
    add("edited_migration", fmt::format("migration {} was edited after it was applied (its checksum differs from the "
                                        "one recorded); restore it and put the change in a new migration", d));
  for (const auto& p : status.partial) add("partial", p);
  if (status.last_applied)
    for (const auto& p : status.pending_migrations)
      if (p < *status.last_applied)
        add("tag_collision", fmt::format("migration {} is not applied but sorts before {}, which is: two branches made "
                                         "migrations side by side; regenerate it so that it comes last", p, *status.last_applied));
  for (const auto& p : status.pending_migrations)
    if (!status.last_applied || p >= *status.last_applied)
      add("pending", fmt::format("migration {} is not applied to this database (tether migrate)", p));

  // The file against the migration files, and against the database.
  std::vector<std::string> notes;
  const auto made = without(replay(defined, &notes).tables(), options_.table);
  for (const auto& op : detail::diff(made, desired, caps))
    add("file_vs_migrations", difference(op, "the migration files", made) + " (tether generate)");
  const auto live = live_tables(db_, options_.table);
  for (const auto& op : detail::diff(live, desired, caps)) add("file_vs_database", difference(op, "the database", live));
  return out;
}

}  // namespace tether
