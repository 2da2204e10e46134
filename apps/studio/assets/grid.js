// tether studio's grid: cells shown by their type, the columns shown or hidden, the
// relation links of the data grid, and moving through it with the keyboard.
"use strict";

// The lossless encoding's typed values (docs/values.md): {"$date": "2024-02-29"} and the like.
const TAGS = ["$double", "$decimal", "$bytes", "$date", "$time", "$timestamp", "$uuid"];
function tagged(v) {
  if (v === null || typeof v !== "object" || Array.isArray(v)) return null;
  const keys = Object.keys(v);
  return keys.length === 1 && TAGS.includes(keys[0]) ? keys[0] : null;
}

function cell(td, v) {
  if (v instanceof Exact) {
    td.textContent = v.text;
    td.className = "number";
    return;
  }
  const tag = tagged(v);
  if (tag) {
    td.textContent = tag === "$bytes" ? "bytes: " + v[tag] : String(v[tag]);
    td.title = tag.slice(1);
    if (tag === "$decimal" || tag === "$double") td.className = "number";
    return;
  }
  if (v === null || v === undefined) {
    td.textContent = "NULL";
    td.className = "null";
  } else if (v === "") {
    td.className = "empty";
  } else if (typeof v === "object") {
    td.textContent = JSON.stringify(v);
  } else {
    td.textContent = String(v);
    if (typeof v === "number") td.className = "number";
  }
}

// The columns hidden in each table's grid (by "Columns"), for this page's life.
const hidden_columns = new Map();

function visible_columns() {
  const hidden = hidden_columns.get(state.table) || new Set();
  return state.describe.columns.map((c) => c.name).filter((n) => !hidden.has(n));
}

// "Columns": a checkbox a column; unticking one hides it from the grid and the export.
function toggle_columns_menu() {
  const menu = $("columns-menu");
  if (!menu.classList.contains("hidden")) {
    menu.classList.add("hidden");
    return;
  }
  const hidden = hidden_columns.get(state.table) || new Set();
  menu.replaceChildren();
  for (const c of state.describe.columns) {
    const label = document.createElement("label");
    const box = document.createElement("input");
    box.type = "checkbox";
    box.checked = !hidden.has(c.name);
    box.dataset.column = c.name;
    box.addEventListener("change", () => {
      if (box.checked) hidden.delete(c.name);
      else hidden.add(c.name);
      hidden_columns.set(state.table, hidden);
      render_grid($("grid"), state.rows, visible_columns());
      $("toggle-columns").textContent = hidden.size ? "Columns (" + hidden.size + " hidden)" : "Columns";
    });
    label.append(box, " " + c.name);
    menu.appendChild(label);
  }
  menu.classList.remove("hidden");
}

function reset_columns_button() {
  const hidden = hidden_columns.get(state.table);
  $("toggle-columns").textContent = hidden && hidden.size ? "Columns (" + hidden.size + " hidden)" : "Columns";
  $("columns-menu").classList.add("hidden");
}

function render_grid(table, records, columns) {
  table.replaceChildren();
  const head = table.createTHead().insertRow();
  const names = columns || (records.length ? Object.keys(records[0]) : []);
  const main = table.id === "grid";
  const editable = main && !state.read_only;
  const links = main ? relation_links(state.table) : { outgoing: new Map(), incoming: [] };
  if (editable) {
    const th = document.createElement("th");
    th.className = "pick";
    head.appendChild(th);
  }
  for (const name of names) {
    const th = document.createElement("th");
    th.textContent = name;
    const col = state.describe && main ? state.describe.columns.find((c) => c.name === name) : null;
    if (col) {
      const t = document.createElement("span");
      t.className = "type";
      t.textContent = col.type;
      th.appendChild(t);
      const sorted = state.order.find((o) => o.startsWith(name + ":"));
      if (sorted) th.className = sorted.endsWith(":asc") ? "sorted-asc" : "sorted-desc";
      th.addEventListener("click", () => sort_by(name));
    }
    head.appendChild(th);
  }
  if (links.incoming.length) {
    const th = document.createElement("th");
    th.className = "referenced-by";
    th.textContent = "referenced by";
    head.appendChild(th);
  }
  const body = table.createTBody();
  records.forEach((r, i) => {
    const tr = body.insertRow();
    if (editable) {
      const box = document.createElement("input");
      box.type = "checkbox";
      box.className = "pick";
      box.dataset.row = String(i);
      box.setAttribute("aria-label", "select row " + (i + 1));
      box.addEventListener("change", update_selection);
      const td = tr.insertCell();
      td.className = "pick";
      td.appendChild(box);
    }
    for (const name of names) {
      const td = tr.insertCell();
      cell(td, r[name]);
      const fk = links.outgoing.get(name);
      if (fk) link_to_referenced(td, r, fk);
      const col = editable ? state.describe.columns.find((c) => c.name === name) : null;
      if (col) rebind(td, r, col);
    }
    if (links.incoming.length) link_to_referencing(tr.insertCell(), r, links.incoming);
  });
  if (!main) return;
  state.rows = records;
  for (const td of table.querySelectorAll("td")) td.tabIndex = -1;
  focus_cell(state.cursor.row, state.cursor.col, false);
}

// Keyboard: arrows move the cell, Home/End go to the row's ends, PageUp/PageDown turn the
// page, Enter or F2 edits the cell, Space ticks the row.
function grid_keys(e) {
  const td = e.target.closest("td");
  if (!td || td.classList.contains("editing") || e.target.closest(".editor")) return;
  const rows = $("grid").tBodies[0].rows;
  let r = td.parentElement.sectionRowIndex, c = td.cellIndex;
  const last = rows[r].cells.length - 1;
  switch (e.key) {
    case "ArrowUp": r -= 1; break;
    case "ArrowDown": r += 1; break;
    case "ArrowLeft": c -= 1; break;
    case "ArrowRight": c += 1; break;
    case "Home": c = 0; break;
    case "End": c = last; break;
    case "PageDown": if (!$("page-next").disabled) $("page-next").click(); break;
    case "PageUp": if (!$("page-prev").disabled) $("page-prev").click(); break;
    case "Enter":
    case "F2":
      e.preventDefault();
      td.dispatchEvent(new MouseEvent("dblclick", { bubbles: true }));  // the editor takes the focus
      return;
    case " ": {
      const box = rows[r].querySelector("input.pick");
      if (!box || e.target === box) return;
      box.checked = !box.checked;
      box.dispatchEvent(new Event("change"));
      break;
    }
    default: return;
  }
  e.preventDefault();
  if (e.key !== "PageDown" && e.key !== "PageUp") focus_cell(r, c, true);
}

// The cell at (row, col), clamped to the grid, takes the keyboard (and the focus, if asked).
function focus_cell(row, col, take) {
  const rows = $("grid").tBodies[0] ? $("grid").tBodies[0].rows : [];
  if (!rows.length) return;
  row = Math.max(0, Math.min(row, rows.length - 1));
  col = Math.max(0, Math.min(col, rows[row].cells.length - 1));
  for (const td of $("grid").querySelectorAll("td[tabindex='0']")) td.tabIndex = -1;
  const td = rows[row].cells[col];
  td.tabIndex = 0;
  state.cursor = { row, col };
  if (take) td.focus();
}

function grid_focus(e) {
  const td = e.target.closest("td");
  if (td && td.closest("tbody")) {
    state.cursor = { row: td.parentElement.sectionRowIndex, col: td.cellIndex };
    for (const other of $("grid").querySelectorAll("td[tabindex='0']")) if (other !== td) other.tabIndex = -1;
    td.tabIndex = 0;
  }
}
