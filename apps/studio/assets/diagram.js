// tether studio's ER diagram: every table as a box of its fields, and each foreign key as
// a line from its field to the field it refers to, drawn as SVG from introspection
// (GET /api/schema). Referenced tables stand left of the tables that refer to them.
"use strict";

const SVG = "http://www.w3.org/2000/svg";
const BOX = { width: 230, head: 28, row: 19, gap: 30, column_gap: 110, max_rows: 14, margin: 24 };

function svg(tag, attrs, parent) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs || {})) el.setAttribute(k, String(v));
  if (parent) parent.appendChild(el);
  return el;
}

function clip(text, n) {
  return text.length > n ? text.slice(0, n - 1) + "…" : text;
}

// Each table's column: 0 for a table that refers to no other, else one past the
// furthest table it refers to (a cycle is cut where it closes).
function levels(tables) {
  const level = new Map(), visiting = new Set();
  const of = (t) => {
    if (level.has(t.name)) return level.get(t.name);
    if (visiting.has(t.name)) return 0;
    visiting.add(t.name);
    let l = 0;
    for (const fk of foreign_keys(t)) {
      const target = table_named(fk.references.table);
      if (target !== t.name) l = Math.max(l, of(schema_tables.get(target)) + 1);
    }
    visiting.delete(t.name);
    level.set(t.name, l);
    return l;
  };
  for (const t of tables) of(t);
  return level;
}

// Where each box stands: columns by level, each column ordered by where its tables'
// referenced tables stand (so lines cross less), then by name.
function layout(tables) {
  const level = levels(tables);
  const columns = [];
  for (const t of tables) (columns[level.get(t.name)] = columns[level.get(t.name)] || []).push(t);
  const place = new Map();
  columns.forEach((col, i) => {
    const weight = (t) => {
      const ys = foreign_keys(t).map((fk) => place.get(table_named(fk.references.table))).filter(Boolean).map((p) => p.y);
      return ys.length ? ys.reduce((a, b) => a + b, 0) / ys.length : 0;
    };
    col.sort((a, b) => weight(a) - weight(b) || (a.name < b.name ? -1 : 1));
    let y = BOX.margin;
    for (const t of col) {
      const shown = Math.min(t.columns.length, BOX.max_rows);
      const h = BOX.head + BOX.row * (shown + (t.columns.length > shown ? 1 : 0)) + 6;
      place.set(t.name, { x: BOX.margin + i * (BOX.width + BOX.column_gap), y, h, shown });
      y += h + BOX.gap;
    }
  });
  return place;
}

// The y of a field's row in its box (its header's, when the field is not shown).
function field_y(t, p, name) {
  const i = t.columns.findIndex((c) => c.name === name);
  return p.y + (i >= 0 && i < p.shown ? BOX.head + BOX.row * i + BOX.row / 2 + 2 : BOX.head / 2);
}

function draw_box(root, t, p) {
  const g = svg("g", { class: "er-table", "data-table": t.name, transform: `translate(${p.x},${p.y})` }, root);
  svg("rect", { class: "er-box", width: BOX.width, height: p.h, rx: 6 }, g);
  svg("path", { class: "er-head", d: `M0,6 a6,6 0 0 1 6,-6 h${BOX.width - 12} a6,6 0 0 1 6,6 v${BOX.head - 6} h-${BOX.width} z` }, g);
  const title = svg("text", { class: "er-title", x: 10, y: 19 }, g);
  title.textContent = clip(t.name, 26);
  const fk_columns = new Set(foreign_keys(t).flatMap((fk) => fk.columns));
  t.columns.slice(0, p.shown).forEach((c, i) => {
    const y = BOX.head + BOX.row * i + 15;
    const key = c.primary_key ? "PK" : fk_columns.has(c.name) ? "FK" : "";
    if (key) svg("text", { class: "er-key " + key.toLowerCase(), x: 8, y }, g).textContent = key;
    svg("text", { class: "er-field" + (c.nullable ? "" : " required"), x: 30, y }, g).textContent = clip(c.name, 18);
    svg("text", { class: "er-type", x: BOX.width - 8, y, "text-anchor": "end" }, g).textContent = clip(c.type, 10);
  });
  if (t.columns.length > p.shown)
    svg("text", { class: "er-type", x: 30, y: BOX.head + BOX.row * p.shown + 15 }, g).textContent =
      "… " + (t.columns.length - p.shown) + " more";
  g.addEventListener("click", () => follow(t.name));
  g.addEventListener("mouseenter", () => highlight(root, t.name, true));
  g.addEventListener("mouseleave", () => highlight(root, t.name, false));
}

function highlight(root, name, on) {
  for (const line of root.querySelectorAll(".er-link"))
    if (line.dataset.from === name || line.dataset.to === name) line.classList.toggle("lit", on);
}

// A foreign key's line: from the referring field (left edge of its box) to the referred
// field (right edge of the other box); a table referring to itself loops on its right.
function draw_link(root, t, fk, place) {
  const target = table_named(fk.references.table);
  const a = place.get(t.name), b = place.get(target);
  const y1 = field_y(t, a, fk.columns[0]), y2 = field_y(schema_tables.get(target), b, fk.references.columns[0]);
  let d;
  if (target === t.name || a.x === b.x) {
    const x = a.x + BOX.width, bulge = 40;
    d = `M${x},${y1} C${x + bulge},${y1} ${x + bulge},${y2} ${x},${y2}`;
  } else {
    const x1 = a.x, x2 = b.x + BOX.width, mid = (x2 - x1) / 2;
    d = `M${x1},${y1} C${x1 + mid},${y1} ${x2 - mid},${y2} ${x2},${y2}`;
  }
  const path = svg("path", { class: "er-link", d, "marker-end": "url(#er-one)", "marker-start": "url(#er-many)" }, root);
  path.dataset.from = t.name;
  path.dataset.to = target;
  svg("title", {}, path).textContent = t.name + "." + fk.columns.join(",") + " → " + target + "." + fk.references.columns.join(",");
}

async function draw_diagram() {
  const tables = await load_schema();
  const out = $("diagram");
  out.replaceChildren();
  if (!tables.length) {
    out.textContent = "no tables yet";
    return;
  }
  const place = layout(tables);
  let width = 0, height = 0;
  for (const p of place.values()) {
    width = Math.max(width, p.x + BOX.width + BOX.margin + 50);
    height = Math.max(height, p.y + p.h + BOX.margin);
  }
  const root = svg("svg", { width, height, viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": "ER diagram" }, out);
  const defs = svg("defs", {}, root);
  const one = svg("marker", { id: "er-one", viewBox: "0 0 10 10", refX: 9, refY: 5, markerWidth: 8, markerHeight: 8, orient: "auto" }, defs);
  svg("path", { d: "M0,0 L10,5 L0,10 z", class: "er-arrow" }, one);
  const many = svg("marker", { id: "er-many", viewBox: "0 0 10 10", refX: 1, refY: 5, markerWidth: 6, markerHeight: 6 }, defs);
  svg("circle", { cx: 5, cy: 5, r: 4, class: "er-arrow" }, many);
  const links = svg("g", {}, root);
  for (const t of tables) for (const fk of foreign_keys(t)) draw_link(links, t, fk, place);
  for (const t of tables) draw_box(root, t, place.get(t.name));
  $("diagram-count").textContent =
    tables.length + (tables.length === 1 ? " table, " : " tables, ") + links.childElementCount + " foreign keys";
}
