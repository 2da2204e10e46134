// tether studio's page: every action is one call to the studio's JSON API, which makes one
// library call. No framework and no network beyond the studio itself.
"use strict";

// seq: the newest page asked for; an older answer that arrives later is dropped.
const state = { table: null, describe: null, order: [], pages: [""], page: 0, next: "", limit: 50, seq: 0, rows: [], read_only: false, where: null, cursor: { row: 0, col: 0 } };
const $ = (id) => document.getElementById(id);

// How many calls are in flight, on <body data-busy>: the browser tests wait for 0.
let in_flight = 0;
async function tracked(promise) {
  document.body.dataset.busy = String(++in_flight);
  try {
    return await promise;
  } finally {
    document.body.dataset.busy = String(--in_flight);
  }
}

async function call(method, path, body) {
  return tracked(call_now(method, path, body));
}

async function call_now(method, path, body) {
  const init = { method, headers: {}, credentials: "same-origin" };
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = json_text(body);  // Exact numbers as written
  }
  const res = await fetch(path, init);
  const data = parse_exact(await res.text());
  if (!res.ok) throw new Error(data.error ? data.error.message : res.statusText);
  return data;
}

function show(message, isError) {
  const m = $("message");
  m.textContent = message;
  m.className = "message" + (isError ? " error" : "");
  clearTimeout(show.timer);
  show.timer = setTimeout(() => m.classList.add("hidden"), isError ? 9000 : 4000);
}

async function load_tables() {
  const { tables } = await call("GET", "/api/tables");
  const list = $("table-list");
  list.replaceChildren();
  for (const t of tables) {
    const li = document.createElement("li");
    li.dataset.table = t.name;
    const name = document.createElement("span");
    name.textContent = t.name;
    const rows = document.createElement("span");
    rows.className = "rows";
    rows.textContent = t.rows.toLocaleString();
    li.append(name, rows);
    li.addEventListener("click", () => open_table(t.name));
    list.appendChild(li);
  }
}

// where: a filter to open with ({column: value}, from following a relation), shown as
// conditions in the filter panel.
async function open_table(name, where) {
  const describe = await call("GET", "/api/tables/" + encodeURIComponent(name));
  state.table = name;
  state.describe = describe;
  state.order = [];
  state.where = where || null;
  state.cursor = { row: 0, col: 0 };
  $("conditions").replaceChildren();
  $("filter-match").value = "all";
  $("filter-panel").classList.toggle("hidden", !where);
  for (const [field, v] of Object.entries(where || {})) add_condition({ field, op: "$eq", text: editor_text(v) });
  $("filter-json").textContent = where ? json_text(where) : "{}";
  state.pages = [""];
  state.page = 0;
  for (const li of $("table-list").children) li.classList.toggle("active", li.dataset.table === name);
  reset_columns_button();
  render_structure();
  await load_page();
}

async function load_page() {
  const seq = ++state.seq;
  const where = state.where || {};
  const body = { table: state.table, where, order_by: state.order, limit: state.limit, after: state.pages[state.page] };
  const r = await call("POST", "/api/find", body);
  const { count } = await call("POST", "/api/count", { table: state.table, where });
  if (seq !== state.seq) return;
  $("browse-title").textContent = state.table;
  $("browse-count").textContent = count.toLocaleString() + (count === 1 ? " row" : " rows");
  render_grid($("grid"), r.records, visible_columns());
  state.next = r.next || "";
  update_selection();
  $("page-prev").disabled = state.page === 0;
  $("page-next").disabled = !state.next;
  $("page-label").textContent = "page " + (state.page + 1);
}

function sort_by(name) {
  const now = state.order.find((o) => o.startsWith(name + ":"));
  state.order = [now === name + ":asc" ? name + ":desc" : name + ":asc"];
  state.pages = [""];
  state.page = 0;
  load_page().catch((e) => show(e.message, true));
}

function render_structure() {
  const d = state.describe;
  $("structure-title").textContent = d.name;
  const out = $("structure");
  out.replaceChildren();
  const fields = document.createElement("table");
  fields.className = "structure-table";
  fields.innerHTML = "<thead><tr><th>Field</th><th>Type</th><th>Null</th><th>Default</th><th>Key</th></tr></thead>";
  const body = fields.createTBody();
  for (const c of d.columns) {
    const tr = body.insertRow();
    tr.insertCell().textContent = c.name;
    tr.insertCell().textContent = c.type + (c.length ? "(" + c.length + ")" : "") + (c.precision ? "(" + c.precision + "," + (c.scale || 0) + ")" : "");
    tr.insertCell().textContent = c.nullable ? "yes" : "no";
    tr.insertCell().textContent = c.default === null ? "" : JSON.stringify(c.default);
    const key = tr.insertCell();
    const badge = (text) => {
      const b = document.createElement("span");
      b.className = "badge";
      b.textContent = text;
      key.appendChild(b);
    };
    if (c.primary_key) badge("primary");
    if (c.unique) badge("unique");
    if (c.auto_increment) badge("auto");
    for (const fk of d.constraints.filter((k) => k.type === "foreign_key" && k.columns.includes(c.name)))
      badge("→ " + fk.references.table + "." + fk.references.columns[fk.columns.indexOf(c.name)]);
  }
  out.appendChild(fields);
  for (const [title, items] of [["Indexes", d.indexes], ["Constraints", d.constraints]]) {
    const h = document.createElement("h2");
    h.textContent = title;
    out.appendChild(h);
    const p = document.createElement("div");
    p.className = "muted";
    p.textContent = items.length ? "" : "none";
    for (const i of items) {
      const line = document.createElement("div");
      line.textContent = i.name + ": " + describe_item(i);
      p.appendChild(line);
    }
    out.appendChild(p);
  }
}

// An index or a constraint in words: "unique (a, b)", "foreign key (artist_id) → artist (id), on delete cascade".
function describe_item(i) {
  const cols = (list) => "(" + list.join(", ") + ")";
  if (i.fields) return (i.unique ? "unique index " : "index ") + cols(i.fields) + (i.where ? " where " + JSON.stringify(i.where) : "");
  if (i.type === "foreign_key") {
    const r = i.references;
    return "foreign key " + cols(i.columns) + " → " + r.table + " " + cols(r.columns) +
      (r.on_delete ? ", on delete " + r.on_delete : "") + (r.on_update ? ", on update " + r.on_update : "");
  }
  if (i.type === "unique") return "unique " + cols(i.columns);
  if (i.type === "check") return "check " + (i.check ? JSON.stringify(i.check) : i.native_check || "");
  return JSON.stringify(i);
}

// One step of a migration as a line: "add_field people.age", "create_index people idx".
function step_label(op) {
  const field = op.field && op.field.name ? "." + op.field.name : "";
  const name = op.name ? " " + op.name : op.index ? " " + op.index.name : op.constraint ? " " + (op.constraint.name || "") : "";
  const to = op.new_name ? " → " + op.new_name : "";
  return op.op + " " + (op.table || "") + field + name + to;
}

// The timeline: what the database recorded and, where the migration files are known, the
// files it has not applied; each with its steps and its down.
async function load_migrations() {
  const r = await call("GET", "/api/migrations");
  const list = $("timeline");
  list.replaceChildren();
  const files = new Map((r.files || []).map((f) => [f.tag, f]));
  const drift = new Set(r.status ? r.status.drift : []);
  const entries = r.history.map((h) => ({ ...h, file: files.get(h.tag) }));
  const recorded = new Set(r.history.map((h) => h.tag));
  for (const f of r.files || []) if (!recorded.has(f.tag)) entries.push({ tag: f.tag, name: f.name, status: "pending", file: f });
  entries.sort((a, b) => (a.tag < b.tag ? -1 : a.tag > b.tag ? 1 : 0));
  for (const m of entries) {
    const li = document.createElement("li");
    const status = drift.has(m.tag) ? "drift" : m.status;
    li.className = status;
    const head = document.createElement("div");
    head.className = "migration-head";
    const tag = document.createElement("b");
    tag.textContent = m.tag;
    const badge = document.createElement("span");
    badge.className = "badge status-" + status;
    badge.textContent = status === "drift" ? "edited since applied" : status;
    const when = document.createElement("span");
    when.className = "muted";
    when.textContent = m.applied_at ? "applied " + m.applied_at + (m.execution_ms !== undefined ? " in " + m.execution_ms + " ms" : "") : "not applied here";
    head.append(tag, badge, when);
    li.appendChild(head);
    if (m.file) {
      const details = document.createElement("details");
      const summary = document.createElement("summary");
      summary.textContent = m.file.up.length + (m.file.up.length === 1 ? " step" : " steps") + ", " + m.file.down.length + " to undo";
      details.appendChild(summary);
      for (const [title, ops] of [["up", m.file.up], ["down", m.file.down]]) {
        const h = document.createElement("div");
        h.className = "muted";
        h.textContent = title;
        const ol = document.createElement("ol");
        for (const op of ops) {
          const item = document.createElement("li");
          item.textContent = step_label(op);
          ol.appendChild(item);
        }
        details.append(h, ol);
      }
      li.appendChild(details);
    }
    list.appendChild(li);
  }
  if (!entries.length) list.innerHTML = '<li class="pending">no migrations recorded in this database</li>';
}

function switch_view(name) {
  for (const b of document.querySelectorAll(".views button")) b.classList.toggle("active", b.dataset.view === name);
  for (const v of document.querySelectorAll(".view")) v.classList.toggle("hidden", v.id !== "view-" + name);
  if (name === "migrations") load_migrations().catch((e) => show(e.message, true));
  if (name === "diagram") draw_diagram().catch((e) => show(e.message, true));
}

async function start() {
  const info = await call("GET", "/api/info");
  $("database").textContent = info.label + " · " + info.engine;
  $("mode").textContent = info.read_only ? "read-only" : "read-write";
  $("mode").classList.toggle("read-only", info.read_only);
  state.read_only = info.read_only;
  // An engine without a query language of its own (DynamoDB) has no query console.
  document.querySelector('.views button[data-view="console"]').classList.toggle("hidden", !info.capabilities.raw_queries);
  for (const b of [$("add-row"), $("delete-rows")]) b.classList.toggle("hidden", info.read_only);
  $("add-row").addEventListener("click", () => state.describe && add_row_form());
  $("add-form").addEventListener("submit", submit_row);
  $("delete-rows").addEventListener("click", delete_selected);
  for (const format of ["csv", "json"])
    $("export-" + format).addEventListener("click", () =>
      state.table && export_rows({ table: state.table, select: visible_columns(), where: state.where || {}, order_by: state.order, format }));
  $("toggle-columns").addEventListener("click", () => state.describe && toggle_columns_menu());
  $("grid").addEventListener("keydown", grid_keys);
  $("grid").addEventListener("focusin", grid_focus);
  $("filter-match").addEventListener("change", show_filter_json);
  $("toggle-filter").addEventListener("click", () => state.describe && toggle_filter_panel());
  $("add-condition").addEventListener("click", () => add_condition());
  $("apply-filter").addEventListener("click", apply_filter);
  $("clear-filter").addEventListener("click", clear_filter);
  $("copy-filter").addEventListener("click", copy_filter);
  for (const format of ["csv", "json"]) $("export-query-" + format).addEventListener("click", () => export_query(format));
  $("clear-history").addEventListener("click", clear_history);
  for (const b of document.querySelectorAll(".views button")) b.addEventListener("click", () => switch_view(b.dataset.view));
  $("page-next").addEventListener("click", () => {
    state.pages[state.page + 1] = state.next;
    state.page += 1;
    load_page().catch((e) => show(e.message, true));
  });
  $("page-prev").addEventListener("click", () => {
    state.page -= 1;
    load_page().catch((e) => show(e.message, true));
  });
  $("run-query").addEventListener("click", run_query);
  $("query").addEventListener("keydown", (e) => {
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) run_query();
  });
  render_history();
  $("table-filter").addEventListener("input", (e) => {
    const q = e.target.value.toLowerCase();
    for (const li of $("table-list").children) li.classList.toggle("hidden", !li.dataset.table.toLowerCase().includes(q));
  });
  await Promise.all([load_tables(), load_schema()]);
}

start().catch((e) => show(e.message, true));
