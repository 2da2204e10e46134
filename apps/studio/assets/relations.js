// tether studio's relations, from the foreign keys that introspection finds: a foreign
// key's cell links to the row it refers to, and a row links to the rows that refer to it.
// Following a link opens the other table filtered to those rows (the filter shown, as ever).
"use strict";

// name → the table's structure (schema describe), for every table: GET /api/schema.
let schema_tables = new Map();

async function load_schema() {
  const { tables } = await call("GET", "/api/schema");
  schema_tables = new Map(tables.map((t) => [t.name, t]));
  return tables;
}

// A table's name as listed, for a name a foreign key spells in another case.
function table_named(name) {
  if (schema_tables.has(name)) return name;
  for (const n of schema_tables.keys()) if (n.toLowerCase() === name.toLowerCase()) return n;
  return null;
}

function foreign_keys(d) {
  return (d.constraints || []).filter((c) => c.type === "foreign_key" && c.references && table_named(c.references.table));
}

// outgoing: the first column of each of the table's foreign keys → that key;
// incoming: the foreign keys of every table that point at this one.
function relation_links(table) {
  const outgoing = new Map(), incoming = [];
  const own = schema_tables.get(table);
  if (own) for (const fk of foreign_keys(own)) if (!outgoing.has(fk.columns[0])) outgoing.set(fk.columns[0], fk);
  for (const t of schema_tables.values())
    for (const fk of foreign_keys(t))
      if (table_named(fk.references.table) === table) incoming.push({ table: t.name, fk });
  return { outgoing, incoming };
}

// The where-filter naming the rows at the other end: {other_column: this row's value}.
function relation_where(row, from, to) {
  const where = {};
  for (let i = 0; i < from.length; ++i) {
    const v = row[from[i]];
    if (v === null || v === undefined) return null;
    where[to[i]] = v instanceof Exact ? v : typeof v === "number" && Number.isInteger(v) ? new Exact(String(v)) : v;
  }
  return where;
}

function follow(table, where) {
  switch_view("browse");
  open_table(table, where).catch((e) => show(e.message, true));
}

function link_to_referenced(td, row, fk) {
  const where = relation_where(row, fk.columns, fk.references.columns);
  if (!where) return;
  const target = table_named(fk.references.table);
  const a = document.createElement("button");
  a.className = "fk";
  a.textContent = "→";
  a.title = "open the " + target + " row this refers to";
  a.setAttribute("aria-label", a.title);
  a.addEventListener("click", (e) => {
    e.stopPropagation();
    follow(target, where);
  });
  td.appendChild(a);
}

function link_to_referencing(td, row, incoming) {
  td.className = "referenced-by";
  const twice = new Set(), seen = new Set();
  for (const { table } of incoming) (seen.has(table) ? twice : seen).add(table);
  for (const { table, fk } of incoming) {
    const where = relation_where(row, fk.references.columns, fk.columns);
    if (!where) continue;
    const a = document.createElement("button");
    a.className = "ref";
    a.textContent = twice.has(table) ? table + "." + fk.columns.join(",") : table;
    a.title = "the " + table + " rows whose " + fk.columns.join(", ") + " refers to this row";
    a.addEventListener("click", (e) => {
      e.stopPropagation();
      follow(table, where);
    });
    td.appendChild(a);
  }
}
