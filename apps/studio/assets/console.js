// tether studio's query console: the engine's own language with bound parameters, the
// result in the same grid, exports of the result, and a history kept in this browser
// (localStorage, per studio address: `--port N` keeps it from one run to the next).
"use strict";

const HISTORY_KEY = "tether-studio-history";
const HISTORY_SIZE = 50;

// The parameters box as a list (64-bit integers exact); throws with the reason.
function query_params() {
  const text = $("query-params").value.trim();
  if (!text) return [];
  let params;
  try {
    params = parse_exact(text);
  } catch (e) {
    throw new Error("Parameters: not valid JSON (" + e.message + ")");
  }
  if (!Array.isArray(params)) throw new Error('Parameters: a JSON list, such as [1, "a"]');
  return params;
}

async function run_query() {
  const text = $("query").value.trim();
  if (!text) return;
  try {
    const params = query_params();
    const r = await call("POST", "/api/raw", { query: text, params });
    remember(text, $("query-params").value.trim());
    const out = $("query-result");
    out.replaceChildren();
    const info = document.createElement("p");
    info.className = "muted";
    info.textContent = r.count + (r.count === 1 ? " row" : " rows");
    const wrap = document.createElement("div");
    wrap.className = "grid-wrap";
    const table = document.createElement("table");
    table.className = "grid";
    wrap.appendChild(table);
    out.append(info, wrap);
    render_grid(table, r.records, r.fields.map((f) => f.name));
  } catch (e) {
    show(e.message, true);
  }
}

function export_query(format) {
  const query = $("query").value.trim();
  if (!query) return;
  try {
    export_rows({ query, params: query_params(), format });
  } catch (e) {
    show(e.message, true);
  }
}

function history() {
  try {
    const h = JSON.parse(localStorage.getItem(HISTORY_KEY) || "[]");
    return Array.isArray(h) ? h.filter((x) => x && typeof x.query === "string") : [];
  } catch (e) {
    return [];  // a damaged entry is forgotten, never a broken page
  }
}

// The newest first; running a query again moves it to the top.
function remember(query, params) {
  const h = history().filter((x) => !(x.query === query && x.params === params));
  h.unshift({ query, params, at: new Date().toISOString() });
  try {
    localStorage.setItem(HISTORY_KEY, JSON.stringify(h.slice(0, HISTORY_SIZE)));
  } catch (e) {
    // storage full or refused: the query ran; only the history is not kept
  }
  render_history();
}

function render_history() {
  const list = $("query-history");
  list.replaceChildren();
  const h = history();
  for (const item of h) {
    const li = document.createElement("li");
    li.textContent = item.query.replace(/\s+/g, " ");
    li.title = item.query + (item.params ? "\nparameters: " + item.params : "") + "\n" + item.at;
    if (item.params) {
      const p = document.createElement("span");
      p.className = "muted";
      p.textContent = item.params;
      li.appendChild(p);
    }
    li.addEventListener("click", () => {
      $("query").value = item.query;
      $("query-params").value = item.params || "";
      $("query").focus();
    });
    list.appendChild(li);
  }
  if (!h.length) list.innerHTML = '<li class="muted">the queries you run appear here</li>';
}

function clear_history() {
  localStorage.removeItem(HISTORY_KEY);
  render_history();
}
