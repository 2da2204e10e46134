// Applying, recording and undoing migrations, and the schema calls built on them. Every
// step runs on one leased connection: take the migration lock, (on engines whose DDL is
// transactional) begin, run each operation's DDL, record, commit, release.
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <functional>

#include "core/query/planner.hpp"
#include "core/query/aggregate_types.hpp"
#include "core/client/pool.hpp"
#include "core/client/runner.hpp"
#include "core/migrations/schema_model.hpp"
#include "core/migrations/schema_ops.hpp"
#include "tether/client.hpp"
#include "tether/error.hpp"
#include "tether/schema.hpp"

namespace tether {

using engine::schema_op;
using engine::schema_op_kind;

namespace {

schema_op migrations_table(const std::string& table) {
  schema_op op{schema_op_kind::create_collection, table};
  op.if_not_exists = true;
  auto field = [](std::string name, field_type t, int length = 0) {
    engine::field_def f{std::move(name), t};
    f.length = length;
    return f;
  };
  op.fields = {field("tag", field_type::string, 191), field("name", field_type::string, 255),
               field("checksum", field_type::string, 64), field("applied_at", field_type::timestamp),
               field("execution_ms", field_type::bigint), field("status", field_type::string, 16),
               field("steps_done", field_type::integer), field("migration", field_type::text)};
  op.fields[0].primary_key = true;
  op.fields[0].nullable = false;
  return op;
}

// The parts of a connection that migrations need: refused with `unsupported`, naming the
// engine, when the engine does not offer them.
struct parts {
  engine::connection& c;
  const engine::capabilities& caps;
  engine::schema_applier& schema;
  engine::introspection& look;
  parts(engine::connection& conn, const engine::capabilities& capabilities)
      : c(conn),
        caps(capabilities),
        schema(engine::need(conn.schema_part(), caps.engine, "schema changes")),
        look(engine::need(conn.introspection_part(), caps.engine, "introspection")) {}
  // Transactions around a migration where the engine's schema changes take part in them.
  engine::transactions* atomic() const noexcept { return schema.transactional() ? c.transactions_part() : nullptr; }
};

// The migration lock for the duration of a scope.
struct lock {
  engine::migration_lock& l;
  lock(const parts& p, std::string_view engine, std::chrono::milliseconds timeout)
      : l(engine::need(p.c.lock_part(), engine, "the migration lock")) {
    l.lock_migrations(timeout);
  }
  ~lock() {
    try {
      l.unlock_migrations();
    } catch (...) {
      // The session ends with the connection, and the lock with it.
    }
  }
};

std::string op_label(const value& op) {
  const value* kind = op.find("op");
  const value* t = op.find("table");
  return fmt::format("{} {}", kind && kind->is_string() ? kind->as_string() : "?",
                     t && t->is_string() ? t->as_string() : "");
}

// A migration's row in the migrations table. Where DDL is not transactional the row is a
// journal: before each step it is written with the steps done so far and the down of every
// step begun (down_steps: how many of `down`'s operations each begun step added, oldest
// first), so an interruption leaves the inverse of the step it was running.
struct recorded {
  std::string status, checksum;
  std::int64_t steps_done = 0;
  migration m;
  std::vector<std::size_t> down_steps{};

  bool partial() const { return status != "applied"; }
  // The step that was begun and not recorded as done, if its inverse was journaled.
  bool pending() const { return partial() && down_steps.size() > static_cast<std::size_t>(steps_done); }
};

recorded read_record(const record& r) {
  const value saved = value::from_json(r.get<std::string>("migration"));
  recorded out{r.get<std::string>("status"), r.get<std::string>("checksum"), r.get<std::int64_t>("steps_done"),
               migration::from_value(saved)};
  if (const value* k = saved.find("down_steps"); k && k->is_array())
    for (const auto& n : k->as_array()) out.down_steps.push_back(static_cast<std::size_t>(n.as_int()));
  return out;
}

std::optional<recorded> find_record(engine::connection& c, const engine::capabilities& caps, const std::string& table,
                                   const std::string& tag) {
  auto rows = c.execute(detail::plan_find({.table = table, .where = {{"tag", tag}}}, caps)).rows;
  if (rows.empty()) return std::nullopt;
  return read_record(rows.front());
}

// Where a partial migration stands: how many of its steps took effect (the recorded ones,
// and the begun one when introspection finds it done), and the sentence that says so.
struct standing {
  std::size_t effective = 0;
  bool pending_done = false;  // the begun step took effect
  std::string said;
};

standing stand(engine::introspection& c, const recorded& r) {
  standing s{static_cast<std::size_t>(r.steps_done), false, {}};
  const std::size_t total = r.m.up.size();
  if (s.effective >= total) {
    s.said = fmt::format("migration \"{}\" ran all {} steps but was not recorded as applied", r.m.tag, total);
    return s;
  }
  std::string why;
  const auto& next = r.m.up.at(s.effective);
  const auto effect = detail::effect_of(detail::parse_op(next), c, why);
  if (effect == detail::step_effect::unknown)
    throw error(error_category::usage,
                fmt::format("migration \"{}\" stopped at step {} of {} ({}), and {}; check it by hand, then undo what it "
                            "did and remove its row from the migrations table, or finish the step and the rest by hand",
                            r.m.tag, s.effective + 1, total, op_label(next), why));
  s.pending_done = effect == detail::step_effect::done;
  s.said = fmt::format("migration \"{}\" stopped at step {} of {} ({}: {})", r.m.tag, s.effective + 1, total,
                       op_label(next), why);
  if (s.pending_done) ++s.effective;
  return s;
}

// The down of a partial migration's steps that took effect: the journaled down without
// the begun step's operations when that step did not take effect.
std::vector<value> effective_down(const recorded& r, const standing& s) {
  std::vector<value> down = r.m.down;
  if (r.pending() && !s.pending_done) {
    const std::size_t drop = std::min(r.down_steps.back(), down.size());
    down.erase(down.begin(), down.begin() + static_cast<std::ptrdiff_t>(drop));
  }
  return down;
}

// To the millisecond: every engine keeps that much (MongoDB's dates no more).
value now_value() {
  return timestamp{std::chrono::duration_cast<std::chrono::milliseconds>(
                       std::chrono::system_clock::now().time_since_epoch()).count() * 1000, 0};
}


// How a run of steps goes: on which connection, for real or as a dry run (whose tables
// come from the model, as the earlier steps would leave them), collecting the statements,
// the inverses (newest first) and the notes, and calling `before` ahead of each top-level
// step with its index and how many inverse operations it added (the journal's hook).
struct run_state {
  const parts& c;
  bool dry_run;
  detail::schema_model* model;
  std::vector<std::string>& statements;
  std::vector<value>* inverses;
  std::vector<std::string>& notes;
  std::function<void(std::size_t step, std::size_t inverse_ops)> before{};
  std::size_t* at = nullptr;  // set to each top-level step's index as it starts
  // Per top-level step: how many statements it rendered and how many down operations it added.
  std::vector<std::size_t>* step_statements = nullptr;
  std::vector<std::size_t>* step_down = nullptr;
};

std::optional<engine::table_description> describe(run_state& s, const std::string& table) {
  return s.model ? s.model->describe(table, s.c.look) : s.c.look.describe(table);
}

void run_ops(run_state& s, const std::vector<value>& ops, std::size_t first = 0, bool top = true);

// A dropped column takes its indexes with it on every engine: they are dropped first, as
// steps of their own, so that down can recreate them (engines differ on their own: SQLite
// refuses, MySQL narrows a multi-column index).
// Returns whether it dropped any (the table is then not as `before` says).
bool drop_indexes_of(run_state& s, const schema_op& op, const engine::table_description& before) {
  std::vector<value> drops;
  for (const auto& i : before.indexes)
    if (std::find(i.fields.begin(), i.fields.end(), op.name) != i.fields.end())
      drops.push_back(value(object{{"op", "drop_index"}, {"table", op.table}, {"name", i.name}}));
  if (!drops.empty()) run_ops(s, drops, 0, false);
  return !drops.empty();
}

void run_ops(run_state& s, const std::vector<value>& ops, std::size_t first, bool top) {
  if (top)  // every step the engine cannot take is refused before the first one runs
    for (std::size_t i = first; i < ops.size(); ++i) detail::require_features(detail::parse_op(ops[i]), s.c.caps);
  for (std::size_t i = first; i < ops.size(); ++i) {
    if (top && s.at) *s.at = i;
    schema_op op = detail::parse_op(ops[i]);
    const std::size_t inverses_before = s.inverses ? s.inverses->size() : 0;
    const std::size_t statements_before = s.statements.size();
    std::optional<engine::table_description> before;
    if (op.kind != schema_op_kind::raw && op.kind != schema_op_kind::create_collection) before = describe(s, op.table);
    if (op.kind == schema_op_kind::drop_field && before && drop_indexes_of(s, op, *before)) before = describe(s, op.table);
    if (!before && op.kind != schema_op_kind::raw && op.kind != schema_op_kind::create_collection &&
        !(op.kind == schema_op_kind::drop_collection && op.if_exists))
      throw error(error_category::schema, fmt::format("unknown table \"{}\" (step {}: {})", op.table, i + 1, op_label(ops[i])));
    const engine::table_description* b = before ? &*before : nullptr;
    if (s.inverses) {
      std::vector<std::string> found;
      auto inv = detail::inverse(op, b, found);
      for (auto it = inv.rbegin(); it != inv.rend(); ++it) s.inverses->insert(s.inverses->begin(), detail::op_to_value(*it));
      for (auto& n : found)  // a replayed migration already carries its notes
        if (std::find(s.notes.begin(), s.notes.end(), n) == s.notes.end()) s.notes.push_back(std::move(n));
    }
    if (top && s.before) s.before(i, (s.inverses ? s.inverses->size() : 0) - inverses_before);
    engine::schema_step step = s.c.schema.apply(op, b, s.dry_run);
    for (auto& d : step.description) s.statements.push_back(std::move(d));
    if (s.model) s.model->apply(op, s.c.look);
    if (top && s.step_statements) s.step_statements->push_back(s.statements.size() - statements_before);
    if (top && s.step_down) s.step_down->push_back((s.inverses ? s.inverses->size() : 0) - inverses_before);
  }
}

}  // namespace

value schema_result::to_value() const {
  array s;
  for (const auto& x : statements) s.emplace_back(x);
  object o{{"migration", migration.to_value()}, {"statements", value(std::move(s))}, {"applied", applied}};
  if (!resumed.empty()) o.emplace_back("resumed", resumed);
  o.emplace_back("file", file.empty() ? value() : value(file));
  return value(std::move(o));
}

value migration_status::to_value() const {
  array p, d, q;
  for (const auto& x : pending_migrations) p.emplace_back(x);
  for (const auto& x : drift) d.emplace_back(x);
  for (const auto& x : partial) q.emplace_back(x);
  return value(object{{"total", total},
                      {"completed", completed},
                      {"pending", pending},
                      {"last_applied", last_applied ? value(*last_applied) : value()},
                      {"pending_migrations", value(std::move(p))},
                      {"drift", value(std::move(d))},
                      {"partial", value(std::move(q))}});
}

migrator::migrator(client& db, migration_options options) : db_(db), options_(std::move(options)) {
  detail::validate_identifier(options_.table, "migrations table");
}

schema_result migrator::apply(migration m, apply_options o) { return apply(std::move(m), o, nullptr); }

schema_result migrator::apply(migration m, apply_options o, detail::schema_model* model) {
  const std::string& table = options_.table;
  validate(m);
  if (m.checksum.empty()) m.checksum = checksum(m);
  detail::runner& run = detail::runner_of(db_);
  run.forget_tables();  // the tables' column types may change
  std::unique_ptr<detail::lease> hold;
  engine::connection& c = run.pin(hold);
  const parts on(c, run.capabilities());
  const auto& caps = run.capabilities();
  schema_result result;
  std::vector<value> down;
  if (o.dry_run) {
    std::optional<detail::schema_model> own;
    if (!model) model = &own.emplace();
    run_state dry{on, true, model, result.statements, &down, m.notes};
    dry.step_statements = &result.step_statements;
    dry.step_down = &result.step_down;
    run_ops(dry, m.up);
    m.down = std::move(down);
    result.migration = std::move(m);
    return result;
  }
  lock held(on, run.engine_name(), o.lock_timeout);
  // On SQLite the migration's own write transaction is the lock: a writer already in the
  // file makes these wait up to lock_timeout, and the error says which lock it was.
  auto under_lock = [&](auto&& fn) {
    try {
      fn();
    } catch (const error& e) {
      if (e.category() != error_category::timeout) throw;
      throw error(error_category::timeout,
                  fmt::format("another migrator or writer holds the migration lock ({}'s write lock); waited {} ms: {}",
                              run.engine_name(), o.lock_timeout.count(), e.what()),
                  error_details{.engine = e.engine(), .code = e.code(), .sqlstate = e.sqlstate()});
    }
  };
  const auto started = std::chrono::steady_clock::now();
  engine::transactions* const atomic = on.atomic();
  bool journaled = false;  // the row exists: later records update it
  std::vector<std::size_t> down_steps;
  auto record = [&](std::string_view status, std::int64_t steps) {
    migration saved = m;
    saved.down = down;
    value json = saved.to_value();
    array counts;
    for (auto k : down_steps) counts.emplace_back(static_cast<std::int64_t>(k));
    json.as_object().emplace_back("down_steps", value(std::move(counts)));
    value row = {{"tag", m.tag},
                 {"name", m.name},
                 {"checksum", m.checksum},
                 {"applied_at", now_value()},
                 {"execution_ms", std::chrono::duration_cast<std::chrono::milliseconds>(
                                      std::chrono::steady_clock::now() - started).count()},
                 {"status", std::string(status)},
                 {"steps_done", steps},
                 {"migration", json.to_json()}};
    if (journaled) {
      value data = row;
      data.as_object().erase(data.as_object().begin());
      c.execute(detail::plan_update({.table = table, .data = data, .where = {{"tag", m.tag}}}, caps));
    } else {
      c.execute(detail::plan_insert({.table = table, .records = {row}, .return_ids = false}, caps));
      journaled = true;
    }
  };
  std::size_t done = 0;
  // Whether it is applied is read under the lock (on SQLite, inside the transaction that
  // is the lock), so that two migrators never both find it pending.
  // The engine's settings for the changes, restored whatever happens.
  struct changes {
    engine::schema_applier& s;
    bool on;
    changes(engine::schema_applier& a, bool active) : s(a), on(active) {
      if (on) s.begin_changes();
    }
    ~changes() {
      if (on) s.end_changes();
    }
  } settings(on.schema, atomic != nullptr);
  if (atomic) under_lock([&] { atomic->begin({}); });
  try {
    under_lock([&] { on.schema.apply(migrations_table(table), nullptr, false); });
    if (auto r = find_record(c, caps, table, m.tag)) {
      if (!r->partial()) throw error(error_category::usage, fmt::format("migration \"{}\" is already applied", m.tag));
      if (r->checksum != m.checksum)
        throw error(error_category::usage,
                    fmt::format("migration \"{}\" stopped part-way and its definition has changed since (the checksum "
                                "differs); restore the file it was applied from, or undo it with `tether migrate down`",
                                m.tag));
      // Stopped part-way (killed, or a step failed): go on from the first step that did
      // not take effect, with the journal's down for the steps that did.
      const standing st = stand(on.look, *r);
      down = effective_down(*r, st);
      down_steps = r->down_steps;
      if (r->pending() && !st.pending_done) down_steps.pop_back();
      for (const auto& n : r->m.notes)
        if (std::find(m.notes.begin(), m.notes.end(), n) == m.notes.end()) m.notes.push_back(n);
      done = st.effective;
      journaled = true;
      result.resumed = st.effective < m.up.size()
                           ? fmt::format("{}; resumed at step {}", st.said.substr(st.said.find("stopped")), st.effective + 1)
                           : st.said.substr(st.said.find("stopped"));
    }
  } catch (...) {
    if (atomic) atomic->rollback();
    throw;
  }
  try {
    if (o.record_only) {
      if (journaled) throw error(error_category::usage, fmt::format("migration \"{}\" stopped part-way; it cannot be a baseline", m.tag));
      down = m.down;
      done = m.up.size();
    } else if (!atomic && !journaled) {
      record("running", 0);
    }
    run_state real{on, false, nullptr, result.statements, &down, m.notes};
    real.at = &done;
    if (!atomic)
      real.before = [&](std::size_t step, std::size_t inverse_ops) {
        down_steps.resize(step);
        down_steps.push_back(inverse_ops);
        record("running", static_cast<std::int64_t>(step));  // the journal: step begun, its down known
      };
    if (!o.record_only) run_ops(real, m.up, done);
    done = m.up.size();
    record("applied", static_cast<std::int64_t>(m.up.size()));
    if (atomic) {
      on.schema.verify_changes();
      atomic->commit();
    }
  } catch (const error& e) {
    std::string what;
    if (atomic) {
      try {
        atomic->rollback();
      } catch (...) {
        hold->mark_broken();
      }
      what = "nothing was applied";
    } else {
      try {
        if (!down_steps.empty()) record("failed", static_cast<std::int64_t>(done));
        else if (journaled) c.execute(detail::plan_remove({.table = table, .where = {{"tag", m.tag}}}, caps));
      } catch (...) {
        // The journal keeps the last step begun.
      }
      what = done ? fmt::format("steps 1 to {} were applied and are recorded; `tether migrate` goes on from step {}, "
                                "`tether migrate down` undoes them",
                                done, done + 1)
                  : "nothing was applied";
    }
    throw error(e.category(),
                fmt::format("migration \"{}\" failed at step {} of {} ({}): {}; {}", m.tag, done + 1, m.up.size(),
                            op_label(m.up.at(std::min(done, m.up.size() - 1))), e.what(), what),
                e.details());
  }
  m.down = std::move(down);
  result.migration = std::move(m);
  result.applied = true;
  return result;
}

std::vector<applied_migration> migrator::history() {
  const std::string& table = options_.table;
  detail::runner& run = detail::runner_of(db_);
  const auto& caps = run.capabilities();
  std::unique_ptr<detail::lease> hold;
  engine::connection& c = run.pin(hold);
  const parts on(c, run.capabilities());
  // Read only: the table is made by the first migration, under the lock.
  if (!on.look.describe(table)) return {};
  auto rows = c.execute(detail::plan_find({.table = table, .order_by = {{"applied_at"}, {"tag"}}}, caps)).rows;
  std::vector<applied_migration> out;
  for (auto r : rows)
    out.push_back({r.get<std::string>("tag"), r.get<std::string>("name"), r.get<std::string>("checksum"),
                   r.get<timestamp>("applied_at").to_string(), r.get<std::int64_t>("execution_ms"),
                   r.get<std::string>("status"), r.get<std::int64_t>("steps_done")});
  return out;
}

migration_status migrator::status(const std::vector<migration>& defined) {
  const std::string& table = options_.table;
  auto applied = history();
  migration_status s;
  s.total = defined.size();
  detail::runner& run = detail::runner_of(db_);
  std::unique_ptr<detail::lease> hold;
  std::optional<parts> on;
  for (const auto& m : defined) {
    auto it = std::find_if(applied.begin(), applied.end(), [&](const applied_migration& a) { return a.tag == m.tag; });
    if (it == applied.end()) {
      s.pending_migrations.push_back(m.tag);
      continue;
    }
    if (it->status != "applied") continue;  // partial: below
    ++s.completed;
    // Recomputed from the operations: the checksum a file carries is only its own claim.
    if (it->checksum != checksum(m)) s.drift.push_back(m.tag);
  }
  // Partial migrations, defined or not: said with what the database shows, and pending.
  for (const auto& a : applied) {
    if (a.status == "applied") continue;
    if (!on) on.emplace(run.pin(hold), run.capabilities());
    auto r = find_record(on->c, run.capabilities(), table, a.tag);
    if (!r) continue;
    try {
      s.partial.push_back(stand(on->look, *r).said);
    } catch (const error& e) {
      s.partial.push_back(e.what());
    }
    if (std::any_of(defined.begin(), defined.end(), [&](const migration& m) { return m.tag == a.tag; }))
      s.pending_migrations.push_back(a.tag);
  }
  std::sort(s.pending_migrations.begin(), s.pending_migrations.end());
  s.pending = s.pending_migrations.size();
  for (auto it = applied.rbegin(); it != applied.rend(); ++it)
    if (it->status == "applied") {
      s.last_applied = it->tag;
      break;
    }
  return s;
}

std::vector<schema_result> migrator::up(const std::vector<migration>& defined, apply_options o) {
  auto s = status(defined);
  if (!s.drift.empty())
    throw error(error_category::usage,
                fmt::format("drift: applied migration \"{}\" differs from its definition (the recorded checksum does "
                            "not match); it is never re-applied. Restore the file or write a new migration",
                            s.drift.front()));
  std::vector<migration> pending;
  for (const auto& m : defined)
    if (std::find(s.pending_migrations.begin(), s.pending_migrations.end(), m.tag) != s.pending_migrations.end())
      pending.push_back(m);
  std::sort(pending.begin(), pending.end(), [](const migration& a, const migration& b) { return a.tag < b.tag; });
  std::vector<schema_result> out;
  // A dry run sees each migration's tables as the earlier pending ones would leave them.
  std::optional<detail::schema_model> model;
  if (o.dry_run) model.emplace();
  for (auto& m : pending) {
    try {
      out.push_back(apply(m, o, model ? &*model : nullptr));
    } catch (const error& e) {
      // Another migrator applied it while this one waited for the lock: not an error.
      if (std::string_view(e.what()).find("is already applied") == std::string_view::npos) throw;
    }
  }
  return out;
}

std::vector<schema_result> migrator::down(int steps, apply_options o) {
  const std::string& table = options_.table;
  if (steps < 1) throw error(error_category::usage, fmt::format("down needs at least 1 step, got {}", steps));
  detail::runner& run = detail::runner_of(db_);
  const auto& caps = run.capabilities();
  std::vector<schema_result> out;
  run.forget_tables();
  std::unique_ptr<detail::lease> hold;
  engine::connection& c = run.pin(hold);
  const parts on(c, run.capabilities());
  std::optional<lock> held;
  if (!o.dry_run) held.emplace(on, run.engine_name(), o.lock_timeout);
  on.schema.apply(migrations_table(table), nullptr, false);
  auto rows = c.execute(detail::plan_find({.table = table, .order_by = {{"applied_at", direction::desc}, {"tag", direction::desc}},
                                           .limit = steps}, caps)).rows;
  for (auto row : rows) {
    recorded r = read_record(row);
    migration m = r.m;
    schema_result result;
    if (r.partial()) {  // exactly the steps that took effect
      const standing st = stand(on.look, r);
      m.down = effective_down(r, st);
      result.resumed = st.said;
    }
    std::vector<std::string> notes;
    engine::transactions* const atomic = o.dry_run ? nullptr : on.atomic();
    try {
      if (atomic) {
        on.schema.begin_changes();
        atomic->begin({});
      }
      run_state undo{on, o.dry_run, nullptr, result.statements, nullptr, notes};
      std::optional<detail::schema_model> model;
      if (o.dry_run) undo.model = &model.emplace();
      run_ops(undo, m.down);
      if (!o.dry_run) c.execute(detail::plan_remove({.table = table, .where = {{"tag", m.tag}}}, caps));
      if (atomic) {
        on.schema.verify_changes();
        atomic->commit();
        on.schema.end_changes();
      }
    } catch (const error& e) {
      if (atomic) {
        try {
          atomic->rollback();
        } catch (...) {
          hold->mark_broken();
        }
        on.schema.end_changes();
      }
      throw error(e.category(), fmt::format("undoing migration \"{}\" failed: {}", m.tag, e.what()),
                  e.details());
    }
    result.migration = std::move(m);
    result.applied = !o.dry_run;
    out.push_back(std::move(result));
  }
  return out;
}

// --- schema --------------------------------------------------------------------------

schema::schema(client& db, migration_options options) : db_(db), options_(std::move(options)) {}

schema_result schema::run(migration_builder& b, const apply_options& o) {
  tether::migration m = b.build();
  // Tags sort in the order the calls were made, also for several calls in one second:
  // a tag no later than the newest applied one moves to the second after it.
  migrator runner(db_, options_);
  auto applied = runner.history();  // a dry run shows the tag the real call will take
  auto newest = std::max_element(applied.begin(), applied.end(),
                                 [](const applied_migration& a, const applied_migration& b) { return a.tag < b.tag; });
  if (newest != applied.end()) {
    m.tag = detail::tag_after(m.tag, newest->tag);
    m.checksum = checksum(m);
  }
  schema_result r = runner.apply(std::move(m), o);
  if (r.applied && !options_.folder.empty()) r.file = save_migration(options_.folder, r.migration);
  return r;
}

#define TETHER_SCHEMA_CALL(label, build)                       \
  migration_builder b(generate_tag(label));                    \
  b.build;                                                     \
  return run(b, o)

schema_result schema::create(std::string t, value fields, value options, apply_options o) {
  TETHER_SCHEMA_CALL("create_" + t, create_collection(t, std::move(fields), std::move(options)));
}
schema_result schema::drop(std::string t, value options, apply_options o) {
  TETHER_SCHEMA_CALL("drop_" + t, drop_collection(t, std::move(options)));
}
schema_result schema::rename(std::string t, std::string new_name, apply_options o) {
  TETHER_SCHEMA_CALL("rename_" + t, rename_collection(t, new_name));
}
schema_result schema::add_field(std::string t, std::string name, value def, apply_options o) {
  TETHER_SCHEMA_CALL("add_" + t + "_" + name, add_field(t, name, std::move(def)));
}
schema_result schema::drop_field(std::string t, std::string name, apply_options o) {
  TETHER_SCHEMA_CALL("drop_" + t + "_" + name, drop_field(t, name));
}
schema_result schema::rename_field(std::string t, std::string name, std::string new_name, apply_options o) {
  TETHER_SCHEMA_CALL("rename_" + t + "_" + name, rename_field(t, name, new_name));
}
schema_result schema::modify_field(std::string t, std::string name, value def, apply_options o) {
  TETHER_SCHEMA_CALL("modify_" + t + "_" + name, modify_field(t, name, std::move(def)));
}
schema_result schema::create_index(std::string t, std::vector<std::string> fields, value options, apply_options o) {
  TETHER_SCHEMA_CALL("index_" + t, create_index(t, std::move(fields), std::move(options)));
}
schema_result schema::drop_index(std::string t, std::string name, apply_options o) {
  TETHER_SCHEMA_CALL("drop_index_" + name, drop_index(t, name));
}
schema_result schema::add_constraint(std::string t, value def, apply_options o) {
  TETHER_SCHEMA_CALL("constraint_" + t, add_constraint(t, std::move(def)));
}
schema_result schema::drop_constraint(std::string t, std::string name, apply_options o) {
  TETHER_SCHEMA_CALL("drop_constraint_" + name, drop_constraint(t, name));
}
#undef TETHER_SCHEMA_CALL

namespace {
// The introspection part of a connection of `db`, held by `hold`.
engine::introspection& look(client& db, std::unique_ptr<detail::lease>& hold) {
  detail::runner& run = detail::runner_of(db);
  return engine::need(run.pin(hold).introspection_part(), run.engine_name(), "introspection");
}
}  // namespace

std::vector<std::string> schema::list() {
  std::unique_ptr<detail::lease> hold;
  auto tables = look(db_, hold).list_tables();
  std::erase(tables, options_.table);
  return tables;
}

bool schema::exists(std::string_view t) {
  std::unique_ptr<detail::lease> hold;
  return look(db_, hold).describe(t).has_value();
}

value schema::describe(std::string_view t) {
  detail::validate_identifier(t, "table");
  std::unique_ptr<detail::lease> hold;
  auto d = look(db_, hold).describe(t);
  if (!d) throw error(error_category::not_found, fmt::format("unknown table \"{}\"", t));
  return detail::describe_to_value(*d);
}

value schema::indexes(std::string_view t) { return describe(t)["indexes"]; }

}  // namespace tether
