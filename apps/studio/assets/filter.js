// tether studio's filter builder: conditions on the table's fields, each with the
// where-operators that fit the field's type (docs/querying.md), shown as the where-filter
// JSON that the library and the CLI take.
"use strict";

const NUMERIC = ["integer", "bigint", "smallint", "float", "double", "decimal"];
const TEXTUAL = ["string", "text", "enum", "uuid"];
const TEMPORAL = ["date", "time", "datetime", "timestamp"];

function operators_for(type) {
  const order = ["$gt", "$gte", "$lt", "$lte"];
  const nulls = ["$isNull", "$isNotNull", "$exists"];
  if (NUMERIC.includes(type)) return ["$eq", "$ne", ...order, "$in", "$nin", "$between", ...nulls];
  if (TEXTUAL.includes(type))
    return ["$eq", "$ne", "$contains", "$startsWith", "$endsWith", "$like", "$ilike", "$regex", ...order, "$in", "$nin", ...nulls];
  if (TEMPORAL.includes(type)) return ["$eq", "$ne", ...order, "$between", ...nulls];
  if (type === "boolean") return ["$eq", "$ne", ...nulls];
  return nulls;
}

// The operators whose operand is true or false.
const FLAGS = ["$isNull", "$isNotNull", "$exists"];

const OPERATOR_LABELS = {
  $eq: "=", $ne: "≠", $gt: ">", $gte: "≥", $lt: "<", $lte: "≤", $in: "in", $nin: "not in", $between: "between",
  $isNull: "is null", $isNotNull: "is not null", $exists: "exists", $contains: "contains", $startsWith: "starts with", $endsWith: "ends with", $like: "like",
  $ilike: "ilike", $regex: "regex",
};

// The operand a condition's text means; throws with the reason.
function operand(col, op, text) {
  if (FLAGS.includes(op)) {
    if (text !== "true" && text !== "false") throw new Error(col.name + " " + op + " takes true or false, got \"" + text + "\"");
    return text === "true";
  }
  if (op === "$in" || op === "$nin") return text.split(",").map((t) => typed_value(col, t.trim()));
  if (op === "$between") {
    const parts = text.split(",").map((t) => t.trim());
    if (parts.length !== 2) throw new Error(col.name + " between takes two values: low, high");
    return parts.map((t) => typed_value(col, t));
  }
  if (["$contains", "$startsWith", "$endsWith", "$like", "$ilike", "$regex"].includes(op)) return text;
  return typed_value(col, text);
}

// preset: {field, op, text} for a condition made by following a relation.
function add_condition(preset) {
  const row = document.createElement("div");
  row.className = "condition";
  const negate = document.createElement("label");
  negate.className = "negate";
  negate.title = "Match the rows where this condition is not true ($not)";
  const not = document.createElement("input");
  not.type = "checkbox";
  not.className = "not";
  negate.append(not, " not");
  const field = document.createElement("select");
  field.className = "field";
  for (const c of state.describe.columns) field.add(new Option(c.name + " (" + c.type + ")", c.name));
  const op = document.createElement("select");
  op.className = "op";
  const text = document.createElement("input");
  text.className = "operand";
  const remove = document.createElement("button");
  remove.textContent = "×";
  remove.title = "Remove this condition";
  const fill_ops = () => {
    const col = state.describe.columns.find((c) => c.name === field.value);
    op.replaceChildren(...operators_for(col.type).map((o) => new Option(OPERATOR_LABELS[o] + "  " + o, o)));
    hint();
  };
  const hint = () => {
    text.placeholder = FLAGS.includes(op.value) ? "true or false" : ["$in", "$nin"].includes(op.value) ? "a, b, c" : op.value === "$between" ? "low, high" : "value";
    if (FLAGS.includes(op.value) && !text.value) text.value = "true";
  };
  field.addEventListener("change", fill_ops);
  op.addEventListener("change", hint);
  remove.addEventListener("click", () => {
    row.remove();
    show_filter_json();
  });
  for (const el of [field, op, text, not]) el.addEventListener("input", show_filter_json);
  text.addEventListener("keydown", (e) => e.key === "Enter" && apply_filter());
  row.append(negate, field, op, text, remove);
  $("conditions").appendChild(row);
  if (preset) field.value = preset.field;
  fill_ops();
  if (preset) {
    op.value = preset.op;
    text.value = preset.text;
    hint();
  }
  text.focus();
}

// The where-filter the conditions make (docs/querying.md). "all": one member a field
// ({"age": {"$gte": 40, "$not": {"$eq": 44}}}), or $and where a field repeats an
// operator; "any": $or; "none": $nor. A ticked "not" wraps its test in the column's $not.
function build_where() {
  const parts = [];
  for (const row of $("conditions").children) {
    const col = state.describe.columns.find((c) => c.name === row.querySelector(".field").value);
    const op = row.querySelector(".op").value;
    const test = { [op]: operand(col, op, row.querySelector(".operand").value) };
    parts.push({ name: col.name, op: row.querySelector(".not").checked ? "$not" : op, test });
  }
  if (!parts.length) return null;
  const one = (p) => ({ [p.name]: p.op === "$not" ? { $not: p.test } : p.test });
  const match = $("filter-match").value;
  if (match === "any") return parts.length === 1 ? one(parts[0]) : { $or: parts.map(one) };
  if (match === "none") return { $nor: parts.map(one) };
  const where = {};
  for (const p of parts) {
    const slot = (where[p.name] = where[p.name] || {});
    if (p.op in slot) return { $and: parts.map(one) };
    Object.assign(slot, one(p)[p.name]);
  }
  return where;
}

function show_filter_json() {
  try {
    const w = build_where();
    $("filter-json").textContent = w ? json_text(w) : "{}";
    $("filter-json").classList.remove("invalid");
  } catch (e) {
    $("filter-json").textContent = e.message;
    $("filter-json").classList.add("invalid");
  }
}

function apply_filter() {
  try {
    state.where = build_where();
  } catch (e) {
    show(e.message, true);
    return;
  }
  state.pages = [""];
  state.page = 0;
  show_filter_json();
  load_page().catch((e) => show(e.message, true));
}

function clear_filter() {
  $("conditions").replaceChildren();
  state.where = null;
  show_filter_json();
  state.pages = [""];
  state.page = 0;
  load_page().catch((e) => show(e.message, true));
}

function toggle_filter_panel() {
  const panel = $("filter-panel");
  panel.classList.toggle("hidden");
  if (!panel.classList.contains("hidden") && !$("conditions").children.length) add_condition();
}

async function copy_filter() {
  try {
    await navigator.clipboard.writeText($("filter-json").textContent);
    show("copied the filter: use it as --where with the CLI, or as where in the library");
  } catch (e) {
    show("the browser did not allow copying: select the JSON and copy it", true);
  }
}
