// The studio in a real browser: Debian's chromium driven by playwright-core (from
// tools/node, pinned). Starts `tether studio` on a SQLite file seeded through the CLI,
// browses, sorts, pages, edits, adds and deletes rows, filters (and/or/nor/not), hides a
// column, moves with the keyboard, exports, reads the structure, runs queries (and their
// history), reads the migrations; on the Chinook sample's tables, draws the ER diagram and
// follows foreign keys both ways; checks the token and read-only mode. Screenshots of the
// main screens go to the folder given, for people to look at (docs/studio.md shows them).
//   node tests/studio/browser.cjs TETHER_CLI SCREENSHOT_DIR   (TETHER_NODE_MODULES: tools/node/node_modules)
"use strict";
const assert = require("node:assert/strict");
const { execFileSync } = require("node:child_process");
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");
const harness = require("./harness.cjs");

const [cli, shots] = process.argv.slice(2);
fs.mkdirSync(shots, { recursive: true });
const work = fs.mkdtempSync(path.join(os.tmpdir(), "tether-studio-browser-"));
const url = "sqlite://" + path.join(work, "shop.db");
const migrations = path.join(work, "migrations");

function tether(...args) {
  return execFileSync(cli, ["--url", url, "--migrations", migrations, ...args], { encoding: "utf8" });
}

const studio = (...flags) => harness.studio_on(cli, ["--url", url, "--migrations", migrations], ...flags);

// The Chinook sample's tables (tests/data/chinook, its rows left out) and a few rows: the
// ER diagram, and following foreign keys both ways.
async function relations(browser) {
  const chinook = "sqlite://" + path.join(work, "chinook.db");
  const sql = fs.readFileSync(path.join(__dirname, "..", "data", "chinook", "chinook_sqlite.sql"), "utf8")
    .replace(/\/\*[\s\S]*?\*\//g, "").replace(/^--.*$/gm, "");
  for (const statement of sql.split(";").map((x) => x.trim()).filter(Boolean))
    execFileSync(cli, ["--url", chinook, "raw", "--query", statement], { encoding: "utf8" });
  const run = (...args) => execFileSync(cli, ["--url", chinook, ...args], { encoding: "utf8" });
  run("insert", "Artist", "--data", JSON.stringify([{ ArtistId: 1, Name: "AC/DC" }, { ArtistId: 2, Name: "Accept" }]));
  run("insert", "Album", "--data", JSON.stringify([{ AlbumId: 1, Title: "For Those About To Rock", ArtistId: 1 },
    { AlbumId: 2, Title: "Balls to the Wall", ArtistId: 2 }, { AlbumId: 3, Title: "Restless and Wild", ArtistId: 2 }]));
  const s = await harness.studio_on(cli, ["--url", chinook]);
  try {
    const page = await harness.open_page(browser);
    const errors = page.errors;
    const settled = () => harness.settled(page);
    await page.goto(s.address);
    await page.waitForSelector("#table-list li");
    await page.click('.views button[data-view="diagram"]');
    await page.waitForSelector("#diagram svg .er-table");
    assert.equal(await page.locator("#diagram .er-table").count(), 11, "a box a table");
    assert.equal(await page.locator("#diagram .er-link").count(), 11, "a line a foreign key");
    assert.equal(await page.locator("#diagram-count").innerText(), "11 tables, 11 foreign keys");
    assert.match(await page.locator('#diagram .er-table[data-table="Track"]').textContent(), /FKAlbumId/);
    await page.screenshot({ path: path.join(shots, "diagram.png") });

    // A box opens its table; a foreign key's cell opens the row it refers to; the
    // referenced row lists the rows that refer to it, one click away.
    await page.click('#diagram .er-table[data-table="Album"]');
    await page.waitForFunction(() => document.getElementById("browse-title").textContent === "Album");
    await settled();
    assert.equal(await page.locator("#grid tbody tr").count(), 3);
    await page.click("#grid tbody tr:nth-child(2) button.fk");
    await page.waitForFunction(() => document.getElementById("browse-title").textContent === "Artist");
    await settled();
    assert.equal(await page.locator("#browse-count").innerText(), "1 row");
    assert.equal(await page.locator("#filter-json").innerText(), '{"ArtistId":2}');
    assert.match(await page.locator("#grid tbody tr").innerText(), /Accept/);
    await page.click('#grid tbody tr:nth-child(1) button.ref:has-text("Album")');
    await page.waitForFunction(() => document.getElementById("browse-title").textContent === "Album");
    await settled();
    assert.equal(await page.locator("#browse-count").innerText(), "2 rows");
    assert.equal(await page.locator("#filter-json").innerText(), '{"ArtistId":2}');
    await page.screenshot({ path: path.join(shots, "relations.png") });
    assert.deepEqual(errors, [], "no script error on the page");
  } finally {
    s.process.kill("SIGINT");
  }
}

async function main() {
  tether("schema", "create", "people", "--fields", JSON.stringify({
    id: { type: "bigint", primary_key: true, auto_increment: true },
    name: { type: "string", length: 40 },
    age: "integer",
    joined: "date",
  }));
  const rows = [];
  for (let i = 1; i <= 120; i++)
    rows.push({ name: i === 7 ? "" : "person " + i, age: i === 8 ? null : i % 50, joined: "2026-01-" + String((i % 28) + 1).padStart(2, "0") });
  tether("insert", "people", "--data", JSON.stringify(rows));
  tether("schema", "create", "orders", "--fields", JSON.stringify({
    id: { type: "bigint", primary_key: true, auto_increment: true }, person_id: "bigint", total: { type: "decimal", precision: 10, scale: 2 },
  }));

  // A migration file this database has not applied: made on another database.
  execFileSync(cli, ["--url", "sqlite://" + path.join(work, "other.db"), "--migrations", migrations, "schema", "create", "notes",
                     "--fields", JSON.stringify({ id: { type: "bigint", primary_key: true }, body: "text" })], { encoding: "utf8" });

  const s = await studio();
  const browser = await harness.launch();
  try {
    const page = await harness.open_page(browser);
    const errors = page.errors;
    await page.goto(s.address);
    assert.ok(!page.url().includes("token="), "the token leaves the address bar");
    await page.waitForSelector("#table-list li");
    const list = await page.locator("#table-list").innerText();
    assert.match(list, /people\s+120/);
    assert.match(list, /orders\s+0/);
    assert.doesNotMatch(list, /tether_migrations/);
    assert.equal(await page.locator("#mode").innerText(), "read-write");

    // Browse: the first page, NULL shown apart from an empty string.
    await page.click('#table-list li[data-table="people"]');
    await page.waitForFunction(() => document.querySelectorAll("#grid tbody tr").length === 50);
    assert.equal(await page.locator("#browse-count").innerText(), "120 rows");
    assert.equal(await page.locator("#grid tbody tr:nth-child(7) td:nth-child(3)").getAttribute("class"), "empty");
    assert.equal(await page.locator("#grid tbody tr:nth-child(8) td:nth-child(4)").innerText(), "NULL");
    await page.screenshot({ path: path.join(shots, "browse.png") });

    // Sort by age, twice: descending, 49 first.
    await page.click('#grid th:has-text("age")');
    await page.click('#grid th:has-text("age")');
    await page.waitForSelector("#grid th.sorted-desc");
    assert.equal(await page.locator("#grid tbody tr:first-child td:nth-child(4)").innerText(), "49");
    // Pages by key: page 2, and back.
    await page.click("#page-next");
    await page.waitForFunction(() => document.getElementById("page-label").textContent === "page 2");
    assert.equal(await page.locator("#grid tbody tr").count(), 50);
    await page.click("#page-prev");
    await page.waitForFunction(() => document.getElementById("page-label").textContent === "page 1");

    // Edit in place: Enter saves (seen in the database), Escape cancels, a bad number is
    // refused in words, NULL is one click.
    const one = (id) => JSON.parse(tether("find-one", "people", "--where", JSON.stringify({ id }), "--json"));
    await page.click('#table-list li[data-table="people"]');
    await page.waitForFunction(() => document.getElementById("page-label").textContent === "page 1" &&
                                     document.querySelector("#grid tbody tr td:nth-child(2)").textContent === "1");
    const cellAt = (row, col) => page.locator(`#grid tbody tr:nth-child(${row}) td:nth-child(${col})`);
    const settled = () => harness.settled(page);
    await settled();
    await harness.edit_cell(page, 1, 3, "Ada Lovelace");
    await page.waitForSelector('#message:has-text("tether update people")');
    assert.equal(one(1).name, "Ada Lovelace");
    await page.waitForFunction(() => document.querySelector("#grid tbody tr td:nth-child(3)").textContent === "Ada Lovelace");
    await settled();
    await harness.edit_cell(page, 1, 4, "abc");
    await page.waitForSelector('#message.error:has-text("takes a whole number")');
    await page.press("#grid td.editing input", "Escape");
    assert.equal(await cellAt(1, 4).innerText(), "1");
    assert.equal(one(1).age, 1);
    await settled();
    await cellAt(2, 3).dblclick();
    await page.click("#grid td.editing button");
    // The editor's own NULL button reads "NULL" too: wait for the cell shown as NULL.
    await page.waitForSelector("#grid tbody tr:nth-child(2) td.null:nth-child(3)");
    assert.equal(one(2).name, null);
    await settled();
    await harness.edit_cell(page, 3, 4, "9007199254740993");
    await page.waitForSelector('#message:has-text("9007199254740993")');
    assert.match(tether("find-one", "people", "--where", '{"id":3}', "--json"), /"age":9007199254740993/, "a 64-bit integer is written exactly");
    await page.waitForFunction(() => document.querySelector("#grid tbody tr:nth-child(3) td:nth-child(4)").textContent === "9007199254740993");
    await page.screenshot({ path: path.join(shots, "edit.png") });

    // Add a row from the form; delete two selected rows after a confirmation that counts them.
    await settled();
    await page.click("#add-row");
    await page.fill('#add-form input[name="name"]', "Grace");
    await page.fill('#add-form input[name="age"]', "45");
    await page.fill('#add-form input[name="joined"]', "2026-02-01");
    await page.screenshot({ path: path.join(shots, "add-row.png") });
    await page.click('#add-form button[type="submit"]');
    await page.waitForSelector('#message:has-text("1 row inserted")');
    assert.equal(tether("count", "people").trim(), "121");
    await settled();
    await page.check("#grid tbody tr:nth-child(4) input.pick");
    await page.check("#grid tbody tr:nth-child(5) input.pick");
    assert.equal(await page.locator("#delete-rows").innerText(), "Delete 2 rows");
    let asked = "";
    page.once("dialog", (d) => {
      asked = d.message();
      d.accept();
    });
    await page.click("#delete-rows");
    await page.waitForSelector('#message:has-text("2 rows deleted")');
    assert.match(asked, /Delete 2 rows from people/);
    assert.equal(tether("count", "people").trim(), "119");
    assert.equal(tether("count", "people", "--where", '{"id":{"$in":[4,5]}}').trim(), "0");

    // Export the table as CSV and JSON: downloads whose content is the table's rows.
    const download = (button) => harness.download(page, button, work);
    await settled();
    const csv = await download("#export-csv");
    assert.equal(csv.name, "people.csv");
    const lines = csv.text.trim().split("\r\n");
    assert.equal(lines[0], "id,name,age,joined");
    assert.equal(lines.length, 1 + 119);
    assert.equal(lines[1], "1,Ada Lovelace,1,2026-01-02");
    assert.equal(lines[2], "2,,2,2026-01-03", "NULL is an empty field");
    assert.equal(lines[5], '7,"",7,2026-01-08', "an empty string is quoted (rows 4 and 5 were deleted)");
    assert.equal(lines[3], "3,person 3,9007199254740993,2026-01-04", "64-bit integers exact");
    const json = await download("#export-json");
    assert.equal(json.name, "people.json");
    assert.equal(JSON.parse(json.text).length, 119);
    assert.match(json.text, /"age":9007199254740993/);

    // The filter builder: the operators of the field's type, the filter as the JSON the CLI
    // takes, the count and the export of the filtered rows.
    await page.click("#toggle-filter");
    await page.selectOption("#conditions .condition:nth-child(1) .field", "age");
    const ops = await page.locator("#conditions .condition:nth-child(1) .op option").evaluateAll((o) => o.map((x) => x.value));
    assert.ok(ops.includes("$between") && !ops.includes("$startsWith"), "a number's operators: " + ops);
    await page.selectOption("#conditions .condition:nth-child(1) .op", "$gte");
    await page.fill("#conditions .condition:nth-child(1) .operand", "40");
    await page.click("#apply-filter");
    await page.waitForFunction(() => document.getElementById("browse-count").textContent === "22 rows");
    assert.equal(await page.locator("#filter-json").innerText(), '{"age":{"$gte":40}}');
    await page.click("#add-condition");
    await harness.set_condition(page, 2, "name", "$startsWith", "person 4");
    await page.press("#conditions .condition:nth-child(2) .operand", "Enter");
    await page.waitForFunction(() => document.getElementById("browse-count").textContent === "10 rows");
    const where = await page.locator("#filter-json").innerText();
    assert.equal(where, '{"age":{"$gte":40},"name":{"$startsWith":"person 4"}}');
    assert.equal(tether("count", "people", "--where", where).trim(), "10", "the CLI takes the shown filter as it is");
    await page.screenshot({ path: path.join(shots, "filter.png") });
    await settled();
    const filtered = await download("#export-csv");
    assert.equal(filtered.text.trim().split("\r\n").length, 1 + 10, "the export is of the filtered rows");
    await page.fill("#conditions .condition:nth-child(1) .operand", "x");
    await page.click("#apply-filter");
    await page.waitForSelector('#message.error:has-text("takes a whole number")');
    await page.click("#clear-filter");
    await page.waitForFunction(() => document.getElementById("browse-count").textContent === "119 rows");

    // OR and NOT: "any" makes $or; a ticked "not" wraps its test in $not (which a NULL
    // age matches too, as docs/querying.md says). The page's count is the CLI's.
    const shown_count = async () => Number((await page.locator("#browse-count").innerText()).replace(/\D/g, ""));
    await page.click("#add-condition");
    await harness.set_condition(page, 1, "age", "$lt", "3");
    await page.click("#add-condition");
    await harness.set_condition(page, 2, "name", null, "person 45");
    await page.selectOption("#filter-match", "any");
    await page.click("#apply-filter");
    await settled();
    const any = await page.locator("#filter-json").innerText();
    assert.equal(any, '{"$or":[{"age":{"$lt":3}},{"name":{"$eq":"person 45"}}]}');
    assert.equal(await shown_count(), Number(tether("count", "people", "--where", any).trim()));
    assert.equal(await shown_count(), 9, "ages 0, 1 and 2 (eight people) or person 45");
    await page.click("#conditions .condition:nth-child(2) button");
    await page.check("#conditions .condition:nth-child(1) .not");
    await page.click("#apply-filter");
    await settled();
    const not = await page.locator("#filter-json").innerText();
    assert.equal(not, '{"age":{"$not":{"$lt":3}}}');
    assert.equal(await shown_count(), 111, "every row but the eight, the NULL age included");
    assert.equal(Number(tether("count", "people", "--where", not).trim()), 111);
    await page.selectOption("#filter-match", "none");
    await page.uncheck("#conditions .condition:nth-child(1) .not");
    await page.click("#apply-filter");
    await settled();
    assert.equal(await page.locator("#filter-json").innerText(), '{"$nor":[{"age":{"$lt":3}}]}');
    assert.equal(await shown_count(), 111);
    await page.click("#clear-filter");
    await settled();

    // Columns: hide one, and the grid and the export leave it out.
    await page.click("#toggle-columns");
    await page.uncheck('#columns-menu input[data-column="joined"]');
    assert.equal(await page.locator('#grid th:has-text("joined")').count(), 0);
    assert.equal(await page.locator("#toggle-columns").innerText(), "Columns (1 hidden)");
    const narrow = await download("#export-csv");
    assert.equal(narrow.text.split("\r\n")[0], "id,name,age", "the export has the columns shown");
    await page.check('#columns-menu input[data-column="joined"]');
    assert.equal(await page.locator('#grid th:has-text("joined")').count(), 1);
    await page.click("#toggle-columns");

    // The keyboard: arrows move the cell, Enter edits it, Escape gives the grid back,
    // PageDown turns the page.
    await cellAt(1, 3).click();
    await page.keyboard.press("ArrowDown");
    await page.keyboard.press("ArrowRight");
    assert.equal(await page.evaluate(() => document.activeElement.closest("tr").sectionRowIndex + ":" + document.activeElement.cellIndex), "1:3");
    await page.keyboard.press("Enter");
    assert.equal(await page.locator("#grid tbody tr:nth-child(2) td.editing input").count(), 1, "Enter opens the editor on the cell");
    await page.keyboard.press("Escape");
    assert.equal(await page.locator("#grid td.editing").count(), 0);
    assert.equal(await page.evaluate(() => document.activeElement.cellIndex), 3, "the cell keeps the keyboard");
    await page.keyboard.press("End");
    assert.equal(await page.evaluate(() => document.activeElement.cellIndex), 4);
    await page.keyboard.press("PageDown");
    await page.waitForFunction(() => document.getElementById("page-label").textContent === "page 2");
    await settled();
    await page.click("#page-prev");
    await settled();

    // Structure.
    await page.click('.views button[data-view="structure"]');
    const structure = await page.locator("#structure").innerText();
    assert.match(structure, /age\s+integer/);
    assert.match(structure, /name\s+string\(40\)/);
    await page.screenshot({ path: path.join(shots, "structure.png") });

    // The query console: Ctrl+Enter runs.
    await page.click('.views button[data-view="console"]');
    await page.fill("#query", "SELECT COUNT(*) AS n FROM people WHERE age >= ?");
    await page.fill("#query-params", "[40]");
    await page.press("#query", "Control+Enter");
    await page.waitForSelector("#query-result table tbody tr");
    // 20 seeded ages of 40 or more, the 64-bit one written above, and Grace (45).
    assert.equal(await page.locator("#query-result tbody td").first().innerText(), "22");
    const result = await download("#export-query-csv");
    assert.equal(result.name, "query.csv");
    assert.equal(result.text, "n\r\n22\r\n");
    const result_json = await download("#export-query-json");
    assert.equal(result_json.name, "query.json");
    assert.deepEqual(JSON.parse(result_json.text), [{ n: 22 }]);
    // The history, newest first, kept in the browser across a reload; a click brings a
    // query and its parameters back.
    await page.fill("#query", "SELECT name FROM people WHERE id = ?");
    await page.fill("#query-params", "[9007199254740993]");
    await page.press("#query", "Control+Enter");
    await page.waitForSelector('#query-result p:has-text("0 rows")');
    await page.fill("#query", "SELECT name FROM people ORDER BY id LIMIT 3");
    await page.fill("#query-params", "");
    await page.click("#run-query");
    await page.waitForSelector('#query-result p:has-text("3 rows")');
    await page.screenshot({ path: path.join(shots, "query.png") });
    await page.reload();
    await page.waitForSelector("#table-list li");
    await page.click('.views button[data-view="console"]');
    assert.equal(await page.locator("#query-history li").count(), 3);
    assert.match(await page.locator("#query-history li").first().innerText(), /ORDER BY id LIMIT 3/);
    await page.click("#query-history li:nth-child(3)");
    assert.equal(await page.inputValue("#query"), "SELECT COUNT(*) AS n FROM people WHERE age >= ?");
    assert.equal(await page.inputValue("#query-params"), "[40]");
    await page.click("#query-history li:nth-child(2)");
    assert.equal(await page.inputValue("#query-params"), "[9007199254740993]", "64-bit parameters kept as written");
    await page.click("#clear-history");
    assert.equal(await page.locator("#query-history li").innerText(), "the queries you run appear here");

    // The migrations: the two creates, applied.
    await page.click('.views button[data-view="migrations"]');
    await page.waitForSelector("#timeline > li.applied");
    assert.equal(await page.locator("#timeline > li.applied").count(), 2);
    assert.equal(await page.locator("#timeline > li.pending").count(), 1, "the file not applied here");
    assert.match(await page.locator("#timeline > li.pending").innerText(), /create_notes[\s\S]*not applied here/);
    await page.click("#timeline > li.pending summary");
    assert.match(await page.locator("#timeline > li.pending details").innerText(), /up\s+create_collection notes[\s\S]*down\s+drop_collection notes/);
    await page.screenshot({ path: path.join(shots, "migrations.png") });
    assert.deepEqual(errors, [], "no script error on the page");

    // Without the token, nothing: a fresh browser context has no cookie.
    const stranger = await browser.newContext();
    const other = await stranger.newPage();
    const refused = await other.goto(s.address.replace(/\?token=.*/, ""));
    assert.equal(refused.status(), 401);
    await stranger.close();
  } finally {
    s.process.kill("SIGINT");
  }

  await relations(browser);

  // Read-only: the page says so.
  const ro = await studio("--read-only");
  try {
    const page = await harness.open_page(browser);
    await page.goto(ro.address);
    await page.waitForSelector("#table-list li");
    assert.equal(await page.locator("#mode").innerText(), "read-only");
    assert.ok(await page.locator("#add-row").isHidden(), "no Add row when read-only");
    await page.click('#table-list li[data-table="people"]');
    await page.waitForSelector("#grid tbody tr");
    assert.equal(await page.locator("#grid input.pick").count(), 0);
    await page.locator("#grid tbody tr:nth-child(1) td:nth-child(2)").dblclick();
    assert.equal(await page.locator("#grid td.editing").count(), 0, "no editor when read-only");
  } finally {
    ro.process.kill("SIGINT");
    await browser.close();
  }
  fs.rmSync(work, { recursive: true, force: true });
  console.log("studio browser tests: passed; screenshots in " + shots);
}

main().catch((e) => {
  console.error("studio browser tests: FAILED: " + (e.stack || e.message));
  process.exit(1);
});
