// tether studio's writes: typed cell editors, the add-row form, deleting selected rows.
// Each write is one API call, and the page shows it as the CLI command that does the same.
"use strict";

// A number written as the user typed it (64-bit integers and decimals stay exact: a
// JavaScript number would round them).
class Exact {
  constructor(text) { this.text = text; }
}

// JSON text parsed with every integer beyond 2^53 kept exact, as an Exact (the reviver
// sees the number's own text: JSON.parse source text access).
function parse_exact(text) {
  return JSON.parse(text, (key, v, context) =>
    typeof v === "number" && Number.isInteger(v) && !Number.isSafeInteger(v) && context && context.source ? new Exact(context.source) : v);
}

// JSON text with Exact numbers as written.
function json_text(v) {
  if (v instanceof Exact) return v.text;
  if (Array.isArray(v)) return "[" + v.map(json_text).join(",") + "]";
  if (v !== null && typeof v === "object")
    return "{" + Object.entries(v).map(([k, x]) => JSON.stringify(k) + ":" + json_text(x)).join(",") + "}";
  return JSON.stringify(v);
}

async function write(path, body) {
  return tracked(write_now(path, body));
}

async function write_now(path, body) {
  const res = await fetch(path, { method: "POST", credentials: "same-origin", headers: { "Content-Type": "application/json" }, body: json_text(body) });
  const data = parse_exact(await res.text());
  if (!res.ok) throw new Error(data.error ? data.error.message : res.statusText);
  return data;
}

// The CLI command that makes the same call, for the message after a write.
function as_command(verb, table, flags) {
  const q = (v) => "'" + json_text(v).replace(/'/g, "'\\''") + "'";
  return "tether " + verb + " " + table + Object.entries(flags).map(([f, v]) => " --" + f + " " + q(v)).join("");
}

const INTEGER = /^-?\d+$/;
const DECIMAL = /^-?\d+(\.\d+)?$/;

// The value a cell editor's text means for a field of `col`'s type; throws with the reason.
function typed_value(col, text) {
  const t = col.type;
  if (["integer", "bigint", "smallint"].includes(t)) {
    if (!INTEGER.test(text)) throw new Error(col.name + " takes a whole number, got \"" + text + "\"");
    return new Exact(text);
  }
  if (t === "float" || t === "double") {
    const n = Number(text);
    if (text.trim() === "" || !Number.isFinite(n)) throw new Error(col.name + " takes a number, got \"" + text + "\"");
    return new Exact(String(n).includes(".") || String(n).includes("e") ? String(n) : String(n) + ".0");
  }
  if (t === "decimal") {
    if (!DECIMAL.test(text)) throw new Error(col.name + " takes a decimal such as 12.50, got \"" + text + "\"");
    return { $decimal: text };
  }
  if (t === "boolean") {
    if (text !== "true" && text !== "false") throw new Error(col.name + " takes true or false");
    return text === "true";
  }
  if (t === "json" || t === "array") {
    try {
      return JSON.parse(text);
    } catch (e) {
      throw new Error(col.name + " takes JSON: " + e.message);
    }
  }
  if (t === "date") return { $date: text };
  if (t === "time") return { $time: text };
  if (t === "datetime" || t === "timestamp") return { $timestamp: text };
  if (t === "uuid") return { $uuid: text };
  if (t === "binary" || t === "blob") return { $bytes: text };
  return text;  // string, text, enum
}

// The text an editor starts from.
function editor_text(v) {
  if (v instanceof Exact) return v.text;
  const tag = tagged(v);
  if (tag) return String(v[tag]);
  if (v === null || v === undefined) return "";
  if (typeof v === "object") return JSON.stringify(v);
  return String(v);
}

function key_where(row) {
  const where = {};
  for (const k of state.describe.primary_key) where[k] = key_value(k, row[k]);
  return where;
}

// A key's value as the where takes it: integers as exact text, typed values as they came.
function key_value(name, v) {
  const col = state.describe.columns.find((c) => c.name === name);
  if (v instanceof Exact) return v;
  if (col && ["integer", "bigint", "smallint"].includes(col.type) && typeof v === "number") return new Exact(String(v));
  return v;
}

// Double-click: edit in place. Enter saves, Escape cancels; "NULL" sets null.
function edit_cell(td, row, col) {
  if (!state.describe.primary_key.length) {
    show("This table has no primary key: a row cannot be named to change it.", true);
    return;
  }
  if (td.querySelector(".editor")) return;
  const before = td.cloneNode(true);
  td.replaceChildren();
  td.className = "editing";
  const box = document.createElement("span");
  box.className = "editor";
  const input = document.createElement(col.type === "json" || col.type === "array" ? "textarea" : "input");
  input.value = editor_text(row[col.name]);
  input.setAttribute("aria-label", col.name);
  const nul = document.createElement("button");
  nul.textContent = "NULL";
  nul.title = "Set to NULL";
  nul.disabled = !col.nullable;
  box.append(input, nul);
  td.appendChild(box);
  input.focus();
  input.select();
  const cancel = () => {
    td.replaceWith(before);
    rebind(before, row, col);
    before.focus();
  };
  const save = async (v) => {
    const where = key_where(row);
    const data = { [col.name]: v };
    try {
      const r = await write("/api/update", { table: state.table, data, where });
      show(as_command("update", state.table, { data, where }) + "\n" + r.count + (r.count === 1 ? " row" : " rows") + " changed");
      await load_page();
      focus_cell(state.cursor.row, state.cursor.col, true);
    } catch (e) {
      show(e.message, true);
      input.focus();
    }
  };
  input.addEventListener("keydown", (e) => {
    if (e.key === "Escape") {
      e.preventDefault();
      cancel();
    } else if (e.key === "Enter" && !(input.tagName === "TEXTAREA" && e.shiftKey)) {
      e.preventDefault();
      let v;
      try {
        v = typed_value(col, input.value);
      } catch (err) {
        show(err.message, true);
        return;
      }
      save(v);
    }
  });
  nul.addEventListener("click", () => save(null));
}

function rebind(td, row, col) {
  td.addEventListener("dblclick", () => edit_cell(td, row, col));
}

// Add a row: a form from the table's fields (an auto-increment key is left to the database).
function add_row_form() {
  const form = $("add-form");
  form.replaceChildren();
  for (const c of state.describe.columns) {
    if (c.auto_increment) continue;
    const label = document.createElement("label");
    label.textContent = c.name + " ";
    const type = document.createElement("span");
    type.className = "type";
    type.textContent = c.type + (c.nullable ? "" : ", required");
    const input = document.createElement("input");
    input.name = c.name;
    input.placeholder = c.default === null || c.default === undefined ? (c.nullable ? "NULL" : "") : "default: " + editor_text(c.default);
    label.append(type, input);
    form.appendChild(label);
  }
  const ok = document.createElement("button");
  ok.type = "submit";
  ok.className = "primary";
  ok.textContent = "Insert";
  const no = document.createElement("button");
  no.type = "button";
  no.textContent = "Cancel";
  no.addEventListener("click", () => $("add-dialog").close());
  form.append(ok, no);
  $("add-dialog").showModal();
}

async function submit_row(e) {
  e.preventDefault();
  const record = {};
  try {
    for (const input of $("add-form").querySelectorAll("input")) {
      if (input.value === "") continue;  // left to its default, or NULL
      const col = state.describe.columns.find((c) => c.name === input.name);
      record[col.name] = typed_value(col, input.value);
    }
    const r = await write("/api/insert", { table: state.table, records: [record] });
    $("add-dialog").close();
    show(as_command("insert", state.table, { data: record }) + "\n" + r.count + " row inserted");
    await load_page();
    await load_tables();
  } catch (err) {
    show(err.message, true);
  }
}

function selected_rows() {
  return [...document.querySelectorAll("#grid tbody input.pick:checked")].map((b) => state.rows[Number(b.dataset.row)]);
}

function update_selection() {
  const n = selected_rows().length;
  $("delete-rows").disabled = n === 0;
  $("delete-rows").textContent = n ? "Delete " + n + (n === 1 ? " row" : " rows") : "Delete";
}

async function delete_selected() {
  const rows = selected_rows();
  if (!rows.length) return;
  const key = state.describe.primary_key;
  if (key.length !== 1) {
    show("Deleting needs a one-field primary key.", true);
    return;
  }
  const n = rows.length;
  if (!window.confirm("Delete " + n + (n === 1 ? " row" : " rows") + " from " + state.table + "? This cannot be undone.")) return;
  const where = { [key[0]]: { $in: rows.map((r) => key_value(key[0], r[key[0]])) } };
  try {
    const r = await write("/api/remove", { table: state.table, where });
    show(as_command("delete", state.table, { where }) + "\n" + r.count + (r.count === 1 ? " row" : " rows") + " deleted");
    await load_page();
    await load_tables();
  } catch (e) {
    show(e.message, true);
  }
}

// Export: the server streams the file; the page hands it to the browser as a download.
async function export_rows(body) {
  try {
    const res = await tracked(fetch("/api/export", { method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json" }, body: json_text(body) }));
    if (!res.ok) {
      const data = parse_exact(await res.text());
      throw new Error(data.error ? data.error.message : res.statusText);
    }
    const blob = await res.blob();
    const name = (res.headers.get("Content-Disposition") || "").match(/filename="([^"]+)"/);
    const a = document.createElement("a");
    a.href = URL.createObjectURL(blob);
    a.download = name ? name[1] : "export";
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(a.href), 10000);
    show("exported " + a.download);
  } catch (e) {
    show(e.message, true);
  }
}
