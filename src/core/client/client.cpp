// client, transaction and savepoint: leasing, pinning and the shared call surface.
#include "tether/client.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <span>
#include <random>
#include <thread>

#include "core/query/plan_cache.hpp"
#include "core/query/aggregate_types.hpp"
#include "core/query/planner.hpp"
#include "core/client/paging.hpp"
#include "core/client/pool.hpp"
#include "core/client/runner.hpp"
#include "core/relations/declared.hpp"
#include "core/relations/include.hpp"

namespace tether {

// --- executor: options → plan → run → result -------------------------------------------

namespace {
void refuse_placeholders(const engine::plan& p) {
  if (!p.slots.empty())
    throw error(error_category::usage,
                fmt::format("tether::param(\"{}\") has no value here; placeholders are for prepared "
                            "queries: auto q = db.prepare({{…}}); q.run({{{{\"{}\", value}}}})",
                            p.slots[0].name, p.slots[0].name));
}
}  // namespace

namespace detail {

// A server may repeat a bound value in its message ("invalid input syntax for type
// integer: "s3cret""); values may be secrets, so each string value of the plans (and the
// JSON text of each array or object) that the message holds becomes its placeholder ($2),
// or <value> for a record's cell. Short values (under 3 bytes) stay: they reveal little and
// would blot out the words of the message.
error without_values(const error& e, std::span<const engine::plan* const> plans) {
  std::string what = e.what();
  std::vector<std::pair<std::string, std::string>> values;  // text → what stands for it
  for (const engine::plan* p : plans) {
    const bool rows = p->row_count > 0;
    const std::size_t n = rows ? p->rows_param + p->row_count * p->columns.size() : p->params.size();
    for (std::size_t i = 0; i < n; ++i) {
      const value* v = nullptr;
      try {
        v = p->param(i);
      } catch (const error&) {
        continue;  // a bad record: it was refused before anything was sent
      }
      if (!v) continue;
      std::string text = v->is_string() ? v->as_string() : v->is_scalar() ? std::string() : v->to_json();
      if (text.size() < 3) continue;
      values.emplace_back(std::move(text), rows && i >= p->rows_param ? "<value>" : fmt::format("${}", i + 1));
    }
  }
  std::sort(values.begin(), values.end(), [](const auto& a, const auto& b) { return a.first.size() > b.first.size(); });
  bool changed = false;
  for (const auto& [text, mark] : values)
    for (auto at = what.find(text); at != std::string::npos; at = what.find(text, at + mark.size())) {
      what.replace(at, text.size(), mark);
      changed = true;
    }
  if (!changed) return e;
  return error(e.category(), what, e.details());
}

}  // namespace detail

namespace {
// Runs f; an error it throws has the plans' values taken out of its message (see above).
template <class F>
auto values_hidden(bool shown, std::span<const engine::plan* const> plans, F&& f) {
  try {
    return f();
  } catch (const error& e) {
    if (shown) throw;
    throw detail::without_values(e, plans);
  }
}
template <class F>
auto values_hidden(bool shown, const engine::plan& p, F&& f) {
  const engine::plan* one = &p;
  return values_hidden(shown, std::span<const engine::plan* const>(&one, 1), std::forward<F>(f));
}
}  // namespace

namespace {

// Every call but a prepared one: a placeholder here has no value to take.
engine::execution execute(detail::runner& r, engine::plan&& p) {
  refuse_placeholders(p);
  engine::execution e;
  r.execute(p, e);
  return e;
}

// The table's column types, from the client's facts (one introspection per table), or
// nothing on an engine without introspection.
detail::table_facts::description table_types(detail::runner& r, const std::string& table) {
  std::unique_ptr<detail::lease> hold;
  return r.facts().get(table, [&]() -> std::optional<engine::table_description> {
    engine::introspection* i = r.pin(hold).introspection_part();
    if (!i) return std::nullopt;
    return i->describe(table);
  });
}

// The operand rules (docs/querying.md) by the table's column types, learnt once.
void check_types(detail::runner& r, const engine::plan& p) {
  const bool typed_aggregate = std::any_of(p.aggregates.begin(), p.aggregates.end(), [](const auto& a) {
    return a.fn == engine::aggregate_fn::sum || a.fn == engine::aggregate_fn::avg;
  });
  if (p.where.matches_all() && !typed_aggregate) return;  // nothing to check: no introspection
  if (auto t = table_types(r, p.table)) detail::check_types(p, *t);
}

// A new plan's order columns that the table declares NOT NULL, so that the engine may
// leave their null order out (an index then serves the order). On a missing table the
// engine's own error follows.
void mark_order(detail::runner& r, engine::plan& p) {
  if (p.order_by.empty()) return;
  detail::table_facts::description t;
  try {
    t = table_types(r, p.table);
  } catch (const error& e) {
    if (e.category() != error_category::not_found && e.category() != error_category::schema) throw;
  }
  if (t) detail::mark_not_null_order(p, *t);
}

// A find's or a count's rows, from a kept plan of its shape when there is one.
template <class Options>
void read_kept(detail::runner& r, const Options& o, engine::execution& out) {
  auto h = r.kept_plans().get(o, r.capabilities());
  refuse_placeholders(h.plan());
  if (engine::plan* p = h.fresh()) {  // a kept plan's shape, kinds included, was checked when it was made
    check_types(r, *p);
    mark_order(r, *p);
  }
  r.execute(h.plan(), out);
}

// An aggregate plan, told its inputs' types, with results of the documented kinds.
engine::execution execute_aggregate(detail::runner& r, engine::plan&& p) {
  if (!detail::needs_input_types(p)) {
    check_types(r, p);
    return execute(r, std::move(p));
  }
  auto t = table_types(r, p.table);
  if (t) detail::check_types(p, *t);
  if (t) detail::annotate_inputs(p, *t);
  const auto terms = p.aggregates;
  const auto groups = p.group_by.size();
  auto e = execute(r, std::move(p));
  detail::type_results(e.rows, terms, groups);
  return e;
}

}  // namespace

void detail::runner::forget_tables() {
  facts().forget();
  kept_plans().forget();
}

std::shared_ptr<const engine::table_description> detail::described(executor& db, const std::string& table) {
  try {
    return table_types(runner_of(db), table);
  } catch (const error& e) {
    if (e.category() == error_category::not_found || e.category() == error_category::schema) return nullptr;
    throw;
  }
}

const engine::capabilities& executor::capabilities() const noexcept { return runner_->capabilities(); }
std::string_view executor::engine_name() const noexcept { return runner_->engine_name(); }

find_result executor::find(const find_options& o) {
  if (!o.include.empty() && !o.select.empty()) {
    auto keys = detail::with_join_keys(*this, o.table, o.select, o.include);
    if (keys.size() != o.select.size()) {
      find_options wider = o;
      wider.select = std::move(keys);
      return find(wider);
    }
  }
  engine::execution e;
  std::string next;
  if (o.after) {
    const auto table = table_types(*runner_, o.table);
    const find_options page = detail::page_query(o, table.get());
    read_kept(*runner_, page, e);
    next = detail::finish_page(page, o, e.rows);
  } else {
    read_kept(*runner_, o, e);
  }
  if (!o.include.empty()) detail::read_includes(*this, o.table, o.include, e.rows);
  const auto n = static_cast<std::int64_t>(e.rows.size());
  return find_result{std::move(e.rows), n, std::move(next)};
}

std::vector<find_result> executor::find_batch(const std::vector<find_options>& queries) {
  std::vector<engine::plan> plans;
  plans.reserve(queries.size());
  for (const auto& q : queries) {
    detail::refuse_include(q, "find_batch");
    plans.push_back(detail::plan_find(q, capabilities()));
    check_types(*runner_, plans.back());
    if (!plans.back().slots.empty())
      throw error(error_category::usage, "tether::param placeholders are for prepared queries, not batches");
  }
  std::vector<const engine::plan*> pointers;
  for (const auto& p : plans) pointers.push_back(&p);
  std::vector<find_result> out;
  out.reserve(plans.size());
  for (auto& e : runner_->execute_batch(pointers)) {
    find_result r{std::move(e.rows), 0};
    r.count = static_cast<std::int64_t>(r.records.size());
    out.push_back(std::move(r));
  }
  return out;
}

std::optional<row> executor::find_one(find_options o) {
  o.limit = 1;
  auto r = find(o);
  if (r.records.empty()) return std::nullopt;
  return row(std::move(r.records));
}

insert_result executor::insert(const insert_options& o) {
  auto e = execute(*runner_, detail::plan_insert(o, capabilities()));
  return insert_result{std::move(e.rows), e.affected, std::move(e.inserted_ids)};
}

update_result executor::update(const update_options& o) {
  auto p = detail::plan_update(o, capabilities());
  check_types(*runner_, p);
  auto e = execute(*runner_, std::move(p));
  return update_result{e.affected, std::move(e.rows)};
}

remove_result executor::remove(const remove_options& o) {
  auto p = detail::plan_remove(o, capabilities());
  check_types(*runner_, p);
  auto e = execute(*runner_, std::move(p));
  return remove_result{e.affected, std::move(e.rows)};
}

upsert_result executor::upsert(const upsert_options& o) {
  auto e = execute(*runner_, detail::plan_upsert(o, capabilities()));
  return upsert_result{std::move(e.rows), e.affected, e.operation};
}

std::int64_t executor::count(const count_options& o) {
  engine::execution e;
  read_kept(*runner_, o, e);
  return e.rows.empty() ? 0 : e.rows[0].get<std::int64_t>(std::size_t{0});
}

namespace {
value column_aggregate(detail::runner& r, const column_options& o, engine::aggregate_fn fn) {
  auto e = execute_aggregate(r, detail::plan_column(o, fn, r.capabilities()));
  return e.rows.empty() ? value() : e.rows.get(0, 0);
}
}  // namespace

value executor::sum(const column_options& o) { return column_aggregate(*runner_, o, engine::aggregate_fn::sum); }
value executor::avg(const column_options& o) { return column_aggregate(*runner_, o, engine::aggregate_fn::avg); }
value executor::min(const column_options& o) { return column_aggregate(*runner_, o, engine::aggregate_fn::min); }
value executor::max(const column_options& o) { return column_aggregate(*runner_, o, engine::aggregate_fn::max); }

records executor::aggregate(const aggregate_options& o) {
  return execute_aggregate(*runner_, detail::plan_aggregate(o, capabilities())).rows;
}

raw_result executor::raw(const raw_options& o) {
  runner_->forget_tables();  // a raw statement may change a table's columns
  auto e = execute(*runner_, detail::plan_raw(o, capabilities()));
  return raw_result{std::move(e.rows), std::move(e.fields), e.affected};
}

// --- row_stream ----------------------------------------------------------------------------

struct row_stream::state {
  find_options options;  // the plan's params point into these
  engine::plan plan;
  std::unique_ptr<detail::lease> lease;  // empty inside a transaction
  engine::connection* conn = nullptr;
  std::unique_ptr<engine::cursor> cursor;
  ~state() {
    cursor.reset();  // before the lease goes back: the connection must be clean again
  }
};

row_stream::row_stream(std::unique_ptr<state> s, std::size_t chunk_size)
    : s_(std::move(s)), chunk_size_(chunk_size) {}
row_stream::row_stream(row_stream&&) noexcept = default;
row_stream::~row_stream() = default;

void row_stream::advance() {
  if (done_) return;
  if (started_ && ++pos_ < chunk_.size()) {
    ++rows_;
    return;
  }
  started_ = true;
  pos_ = 0;
  if (!s_->cursor) s_->cursor = s_->conn->open(s_->plan);
  if (!s_->cursor->fetch(chunk_, chunk_size_) || chunk_.empty()) {
    done_ = true;
    s_->cursor.reset();
    s_->lease.reset();  // the connection is free for others
    return;
  }
  ++rows_;
}

row_stream::iterator row_stream::begin() {
  if (!started_) advance();
  return done_ ? iterator() : iterator(this);
}

row_stream executor::stream(find_options o, std::size_t chunk_rows) {
  if (chunk_rows == 0) throw error(error_category::usage, "stream needs a chunk of at least one row");
  detail::refuse_include(o, "stream");
  auto s = std::make_unique<row_stream::state>();
  s->options = std::move(o);
  s->plan = detail::plan_find(s->options, capabilities());
  if (!s->plan.slots.empty())
    throw error(error_category::usage, "tether::param placeholders are for prepared queries, not streams");
  check_types(*runner_, s->plan);
  s->conn = &runner_->pin(s->lease);
  return row_stream(std::move(s), chunk_rows);
}

// --- savepoint ---------------------------------------------------------------------------

savepoint::savepoint(savepoint&& o) noexcept
    : conn_(o.conn_), name_(std::move(o.name_)), active_(o.active_) {
  o.active_ = false;
}

savepoint::~savepoint() {
  if (!active_) return;
  try {
    rollback();
  } catch (...) {
    // A destructor must not throw; the enclosing transaction's rollback still undoes it.
  }
}

void savepoint::release() {
  if (!active_) throw error(error_category::usage, fmt::format("savepoint {} is no longer active", name_));
  active_ = false;
  conn_->release_savepoint(name_);
}

void savepoint::rollback() {
  if (!active_) throw error(error_category::usage, fmt::format("savepoint {} is no longer active", name_));
  active_ = false;
  conn_->rollback_to_savepoint(name_);
  conn_->release_savepoint(name_);
}

// --- transaction -------------------------------------------------------------------------

namespace {
void require_active(bool active) {
  if (!active)
    throw error(error_category::usage, "this transaction was committed or rolled back; begin a new one");
}
}  // namespace

// A transaction's calls go to its one connection.
struct transaction::state final : detail::runner {
  state(detail::lease l, detail::runner& client_runner)
      : lease(std::move(l)), client(client_runner), part((*lease)->transactions_part()) {
    values_in_errors = client.values_in_errors;
  }
  std::optional<detail::lease> lease;  // returned to the pool as soon as the transaction ends
  detail::runner& client;
  engine::transactions* part;  // the connection's transactions part
  bool active = true;
  int next_savepoint = 0;

  void execute(const engine::plan& p, engine::execution& out) override {
    require_active(active);
    values_hidden(values_in_errors, p, [&] { (*lease)->execute(p, out); });
  }
  std::vector<engine::execution> execute_batch(const std::vector<const engine::plan*>& plans) override {
    require_active(active);
    return values_hidden(values_in_errors, plans, [&] { return (*lease)->execute_batch(plans); });
  }
  engine::connection& pin(std::unique_ptr<detail::lease>&) override {
    require_active(active);
    return **lease;
  }
  const engine::capabilities& capabilities() const noexcept override { return client.capabilities(); }
  std::string_view engine_name() const noexcept override { return client.engine_name(); }
  detail::plan_cache& kept_plans() noexcept override { return client.kept_plans(); }
  detail::table_facts& facts() noexcept override { return client.facts(); }
  detail::declared_relations& relations() noexcept override { return client.relations(); }
};

transaction::transaction(std::unique_ptr<state> s) : executor(s.get()), s_(std::move(s)) {}
transaction::transaction(transaction&& o) noexcept = default;

transaction::~transaction() {
  if (s_ && s_->active) {
    try {
      rollback();
    } catch (...) {
      if (s_->lease) s_->lease->mark_broken();  // unknown state: never reuse this connection
      s_->lease.reset();
    }
  }
}

bool transaction::is_active() const noexcept { return s_ && s_->active; }

// Ends the transaction either way and gives the connection back to the pool. A failed
// commit is rolled back; a connection whose state is unknown is thrown away.
void transaction::finish(bool commit) {
  if (!is_active())
    throw error(error_category::usage, fmt::format("{} on a transaction that is no longer active",
                                                   commit ? "commit" : "rollback"));
  s_->active = false;
  auto& lease = *s_->lease;
  auto clean_up = [&] {  // the transaction failed to end as asked: leave the connection clean or drop it
    try {
      if (commit) s_->part->rollback();
      else lease.mark_broken();
    } catch (...) {
      lease.mark_broken();
    }
    s_->lease.reset();
  };
  try {
    if (commit) s_->part->commit();
    else s_->part->rollback();
  } catch (const error& e) {
    // Lost while the COMMIT was in flight: whether it committed is unknown, and a retry
    // could apply it twice. Errors that prove it did not commit keep their category.
    if (commit && e.category() == error_category::connection) {
      lease.mark_broken();
      s_->lease.reset();
      throw error(error_category::in_doubt,
                  fmt::format("the connection was lost during COMMIT, so the transaction may or may not have "
                              "committed; check the data before running it again ({})",
                              e.what()),
                  e.details());
    }
    clean_up();
    throw;
  } catch (...) {
    clean_up();
    throw;
  }
  s_->lease.reset();
}

void transaction::commit() { finish(true); }
void transaction::rollback() { finish(false); }

tether::savepoint transaction::savepoint() {
  if (!is_active()) throw error(error_category::usage, "savepoint on a transaction that is no longer active");
  engine::savepoints& part = engine::need((*s_->lease)->savepoints_part(), engine_name(), "savepoints");
  std::string name = fmt::format("tether_sp_{}", ++s_->next_savepoint);
  part.savepoint(name);
  return tether::savepoint(&part, std::move(name));
}

void detail::retry_pause(int attempt, const retry_options& r) {
  thread_local std::minstd_rand jitter(std::random_device{}());
  std::uniform_real_distribution<double> factor(0.5, 1.5);
  auto delay = r.initial_delay * (1 << std::min(attempt - 1, 20));
  delay = std::min<std::chrono::milliseconds>(delay, r.max_delay);
  std::this_thread::sleep_for(std::chrono::duration_cast<std::chrono::milliseconds>(delay * factor(jitter)));
}

// --- client ------------------------------------------------------------------------------

namespace {
std::size_t default_pool_size() {
  unsigned cores = std::thread::hardware_concurrency();
  return 2 * (cores ? cores : 1) + 1;
}
}  // namespace

namespace {
// One call on a leased connection; a connection that failed as a connection is thrown away.
template <class F>
auto on_lease(detail::pool& pool, F&& f) {
  detail::lease l = pool.acquire();
  try {
    return f(*l);
  } catch (const error& e) {
    if (e.poisons_connection()) l.mark_broken();
    throw;
  }
}
}  // namespace

// A client's calls each lease a connection from its pool.
struct client::state final : detail::runner {
  std::shared_ptr<engine::driver> driver;
  std::unique_ptr<detail::pool> pool;
  detail::plan_cache finds;
  detail::table_facts table_facts;
  std::unique_ptr<detail::declared_relations> declared;

  void execute(const engine::plan& p, engine::execution& out) override {
    values_hidden(values_in_errors, p, [&] { on_lease(*pool, [&](engine::connection& c) { c.execute(p, out); }); });
  }
  std::vector<engine::execution> execute_batch(const std::vector<const engine::plan*>& plans) override {
    return values_hidden(values_in_errors, plans,
                         [&] { return on_lease(*pool, [&](engine::connection& c) { return c.execute_batch(plans); }); });
  }
  engine::connection& pin(std::unique_ptr<detail::lease>& hold) override {
    hold = std::make_unique<detail::lease>(pool->acquire());
    return **hold;
  }
  const engine::capabilities& capabilities() const noexcept override { return driver->capabilities(); }
  std::string_view engine_name() const noexcept override { return driver->name(); }
  detail::plan_cache& kept_plans() noexcept override { return finds; }
  detail::table_facts& facts() noexcept override { return table_facts; }
  detail::declared_relations& relations() noexcept override { return *declared; }
};

client::client(std::shared_ptr<engine::driver> driver, std::string_view url, client_options o)
    : client(std::make_unique<state>(), std::move(driver), url, std::move(o)) {}

client::client(std::unique_ptr<state> s, std::shared_ptr<engine::driver> driver, std::string_view url,
               client_options o)
    : executor(s.get()), s_(std::move(s)) {
  s_->driver = std::move(driver);
  s_->values_in_errors = o.values_in_errors;
  s_->declared = o.schema ? std::make_unique<detail::declared_relations>(*o.schema)
                          : std::make_unique<detail::declared_relations>(o.schema_path);
  s_->driver->validate_url(url);
  std::size_t size = o.pool_size ? o.pool_size : default_pool_size();
  size = std::min(size, s_->driver->max_pool_size(url));
  s_->pool = std::make_unique<detail::pool>(
      s_->driver, std::string(url),
      detail::pool_settings{size, o.acquire_timeout, o.max_lifetime, o.health_check_after});
  wait_for_database(o);  // connect now: a bad database fails here, not on first use
}

// The start-up wait: exponential back-off with jitter, on connection errors only.
void client::wait_for_database(const client_options& o) {
  std::minstd_rand jitter(std::random_device{}());
  std::uniform_real_distribution<double> factor(0.5, 1.5);
  auto delay = o.retry_delay;
  const auto started = std::chrono::steady_clock::now();
  for (int attempt = 1;; ++attempt) {
    try {
      (void)s_->pool->acquire();
      return;
    } catch (const error& e) {
      if (e.category() != error_category::connection || attempt > o.max_retries) {
        if (attempt == 1) throw;
        auto waited = std::chrono::duration_cast<std::chrono::milliseconds>(
            std::chrono::steady_clock::now() - started);
        throw error(e.category(),
                    fmt::format("could not connect after {} attempts over {} ms; the last error: {}",
                                attempt, waited.count(), e.what()),
                    e.details());
      }
    }
    auto sleep = std::chrono::duration_cast<std::chrono::milliseconds>(delay * factor(jitter));
    std::this_thread::sleep_for(std::min<std::chrono::milliseconds>(sleep, std::chrono::seconds(10)));
    delay = std::min<std::chrono::milliseconds>(delay * 2, std::chrono::seconds(10));
  }
}

client::client(client&&) noexcept = default;
client& client::operator=(client&&) noexcept = default;
client::~client() = default;

tether::transaction client::begin(transaction_options o) {
  const auto& caps = capabilities();
  if (o.isolation && std::find(caps.isolation_levels.begin(), caps.isolation_levels.end(),
                               *o.isolation) == caps.isolation_levels.end())
    throw error(error_category::unsupported,
                fmt::format("{} cannot honour the requested isolation level", engine_name()), error_details{caps.engine});
  if (o.read_only && !caps.read_only_transactions)
    throw error(error_category::unsupported, fmt::format("{} cannot run a read-only transaction", engine_name()),
                error_details{caps.engine});
  detail::lease l = s_->pool->acquire();
  engine::transactions& part = engine::need(l->transactions_part(), engine_name(), "transactions");
  auto st = std::make_unique<tether::transaction::state>(std::move(l), *s_);
  part.begin(o);
  return tether::transaction(std::move(st));
}

std::optional<std::string> client::server_version() { return s_->pool->acquire()->server_version(); }
void client::close() { s_->pool->close_idle(); }
engine::statement_stats client::statement_stats() const { return s_->pool->idle_statement_stats(); }
tether::pool_stats client::pool_stats() const { return s_->pool->stats(); }

}  // namespace tether
