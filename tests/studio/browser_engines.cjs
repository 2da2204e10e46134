// The studio's main flow in a real browser on every engine this run has: SQLite always,
// and PostgreSQL, MariaDB and DynamoDB where scripts/run-tests started them
// (TETHER_PG_URL, TETHER_MYSQL_URL, TETHER_DYNAMODB_URL). Browse, sort, page, filter, edit
// (seen through the CLI), add, delete, export, follow a foreign key both ways, the ER
// diagram, and the query console: each gated on the engine's capabilities, never its name.
//   node tests/studio/browser_engines.cjs TETHER_CLI SCREENSHOT_DIR
"use strict";
const assert = require("node:assert/strict");
const { execFileSync } = require("node:child_process");
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");
const harness = require("./harness.cjs");

const [cli, shots] = process.argv.slice(2);
fs.mkdirSync(shots, { recursive: true });
const work = fs.mkdtempSync(path.join(os.tmpdir(), "tether-studio-engines-"));
const suffix = String(process.pid);

// The URL with its database (the path) replaced.
const with_database = (url, db) => url.replace(/^([a-z]+:\/\/[^/]+\/)[^?]*/, "$1" + db);

// Each engine's database: {label, url, drop()}, or the reason it is not here.
function databases() {
  const out = [{ label: "sqlite", url: "sqlite://" + path.join(work, "shop.db"), drop() {} }];
  for (const [label, variable] of [["postgresql", "TETHER_PG_URL"], ["mysql", "TETHER_MYSQL_URL"]]) {
    const admin = process.env[variable];
    if (!admin) {
      console.log("studio browser engines: " + label + " skipped: " + variable + " is not set (scripts/run-tests starts one)");
      continue;
    }
    const name = "studio_browser_" + suffix;
    const run = (q) => execFileSync(cli, ["--url", admin, "raw", "--query", q], { encoding: "utf8" });
    run("DROP DATABASE IF EXISTS " + name);
    run("CREATE DATABASE " + name);
    out.push({ label, url: with_database(admin, name), drop: () => run("DROP DATABASE IF EXISTS " + name) });
  }
  const dynamo = process.env.TETHER_DYNAMODB_URL;
  if (dynamo) out.push({ label: "dynamodb", url: dynamo, drop() {} });
  else console.log("studio browser engines: dynamodb skipped: TETHER_DYNAMODB_URL is not set (scripts/run-tests starts dynalite)");
  return out;
}

async function flow(browser, db) {
  const tether = (...args) => execFileSync(cli, ["--url", db.url, ...args], { encoding: "utf8" });
  const artists = "artists_" + suffix, albums = "albums_" + suffix;
  tether("schema", "create", artists, "--fields", JSON.stringify({
    id: { type: "bigint", primary_key: true, auto_increment: true }, name: { type: "string", length: 40 } }));
  tether("schema", "create", albums, "--fields", JSON.stringify({
    id: { type: "bigint", primary_key: true, auto_increment: true }, title: { type: "string", length: 40 },
    artist_id: "bigint", price: { type: "decimal", precision: 6, scale: 2 } }));
  tether("insert", artists, "--data", JSON.stringify([{ name: "Ada" }, { name: "Bo" }, { name: "Cy" }]));
  const rows = [];
  for (let i = 1; i <= 60; i++)
    rows.push({ title: "album " + String(i).padStart(2, "0"), artist_id: (i % 3) + 1, price: i === 5 ? null : { $decimal: i + ".50" } });
  tether("insert", albums, "--data", JSON.stringify(rows));
  const count = (table, where) => Number(tether("count", table, ...(where ? ["--where", where] : [])).trim());

  const s = await harness.studio_on(cli, ["--url", db.url]);
  const page = await harness.open_page(browser);
  const settled = () => harness.settled(page);
  const cellAt = (row, col) => page.locator(`#grid tbody tr:nth-child(${row}) td:nth-child(${col})`);
  try {
    await page.goto(s.address);
    await page.waitForSelector("#table-list li");
    const info = await page.evaluate(() => fetch("/api/info").then((r) => r.json()));
    assert.equal(info.engine, db.label);
    if (info.capabilities.foreign_keys) {
      tether("schema", "add-constraint", albums, "--def",
             JSON.stringify({ type: "foreign_key", columns: ["artist_id"], references: { table: artists, columns: ["id"] } }));
      await page.reload();
      await page.waitForSelector("#table-list li");
    }
    assert.match(await page.locator(`#table-list li[data-table="${albums}"]`).innerText(), /60/);

    // Browse, in key order: 50 rows, then page 2 with 10; NULL shown as NULL.
    await page.click(`#table-list li[data-table="${albums}"]`);
    await page.waitForFunction(() => document.querySelectorAll("#grid tbody tr").length === 50);
    await settled();
    assert.equal(await cellAt(1, 3).innerText(), "album 01");
    assert.equal(await cellAt(5, 5).innerText(), "NULL");
    await page.screenshot({ path: path.join(shots, "engine-" + db.label + ".png") });
    await page.click("#page-next");
    await page.waitForFunction(() => document.getElementById("page-label").textContent === "page 2");
    await settled();
    assert.equal(await page.locator("#grid tbody tr").count(), 10);
    await page.click("#page-prev");
    await settled();

    // Sort by title, descending.
    await page.click('#grid th:has-text("title")');
    await settled();
    await page.click('#grid th:has-text("title")');
    await page.waitForSelector("#grid th.sorted-desc");
    await settled();
    assert.equal(await cellAt(1, 3).innerText(), "album 60");

    // Filter: the page's count is the CLI's for the JSON it shows.
    await page.click("#toggle-filter");
    await harness.set_condition(page, 1, "price", "$gte", "30.5");
    await page.click("#apply-filter");
    await settled();
    const where = await page.locator("#filter-json").innerText();
    assert.equal(where, '{"price":{"$gte":{"$decimal":"30.5"}}}');
    assert.equal(await page.locator("#browse-count").innerText(), count(albums, where) + " rows");
    assert.equal(count(albums, where), 31);
    await page.click("#clear-filter");
    await settled();

    // Edit in place (seen through the CLI), a decimal kept exact.
    await page.click(`#table-list li[data-table="${albums}"]`);
    await page.waitForFunction(() => document.querySelector("#grid tbody tr td:nth-child(3)").textContent === "album 01");
    await settled();
    await harness.edit_cell(page, 1, 3, "first album");
    await page.waitForSelector('#message:has-text("1 row changed")');
    await settled();
    await harness.edit_cell(page, 1, 5, "12.25");
    await page.waitForSelector('#message:has-text("12.25")');
    await settled();
    const first = tether("find-one", albums, "--where", '{"title":"first album"}', "--json");
    assert.match(first, /"price":(\{"\$decimal":")?12\.25/, "the decimal as typed: " + first);

    // Add a row from the form; delete two.
    await page.click("#add-row");
    await page.fill('#add-form input[name="title"]', "new album");
    await page.fill('#add-form input[name="artist_id"]', "2");
    await page.fill('#add-form input[name="price"]', "9.99");
    await page.click('#add-form button[type="submit"]');
    await page.waitForSelector('#message:has-text("1 row inserted")');
    assert.equal(count(albums, '{"title":"new album"}'), 1);
    await settled();
    await page.check("#grid tbody tr:nth-child(2) input.pick");
    await page.check("#grid tbody tr:nth-child(3) input.pick");
    page.once("dialog", (d) => d.accept());
    await page.click("#delete-rows");
    await page.waitForSelector('#message:has-text("2 rows deleted")');
    assert.equal(count(albums), 59);
    await settled();

    // Export: every row.
    const csv = await harness.download(page, "#export-csv", work);
    assert.equal(csv.text.trim().split("\r\n").length, 1 + 59);
    assert.equal(csv.text.split("\r\n")[0], "id,title,artist_id,price");

    // Relations, where the engine has foreign keys: album → its artist → the artist's albums.
    if (info.capabilities.foreign_keys) {
      await page.click("#grid tbody tr:nth-child(1) button.fk");
      await page.waitForFunction((t) => document.getElementById("browse-title").textContent === t, artists);
      await settled();
      assert.equal(await page.locator("#browse-count").innerText(), "1 row");
      assert.equal(await page.locator("#filter-json").innerText(), '{"id":2}', "album 01's artist is 2");
      await page.click(`#grid tbody tr:nth-child(1) button.ref:has-text("${albums}")`);
      await page.waitForFunction((t) => document.getElementById("browse-title").textContent === t, albums);
      await settled();
      assert.equal(await page.locator("#browse-count").innerText(), count(albums, '{"artist_id":2}') + " rows");
    } else {
      assert.equal(await page.locator("#grid button.fk").count(), 0, "no links without foreign keys");
    }

    // The ER diagram has both tables (and the key's line where there is one).
    await page.click('.views button[data-view="diagram"]');
    await page.waitForSelector(`#diagram .er-table[data-table="${albums}"]`);
    assert.equal(await page.locator(`#diagram .er-table[data-table="${artists}"]`).count(), 1);
    assert.equal(await page.locator(`#diagram .er-link[data-from="${albums}"]`).count(), info.capabilities.foreign_keys ? 1 : 0);

    // The query console, where the engine has a query language of its own.
    const console_button = page.locator('.views button[data-view="console"]');
    if (info.capabilities.raw_queries) {
      await console_button.click();
      await page.fill("#query", "SELECT COUNT(*) AS n FROM " + albums);
      await page.press("#query", "Control+Enter");
      await page.waitForSelector("#query-result tbody tr");
      assert.equal(await page.locator("#query-result tbody td").first().innerText(), "59");
    } else {
      assert.ok(await console_button.isHidden(), "no query console on an engine without raw queries");
    }
    assert.deepEqual(page.errors, [], "no script error on the page");
  } finally {
    s.process.kill("SIGINT");
    await page.close();
    for (const t of [albums, artists]) {
      try {
        tether("schema", "drop", t);
      } catch (e) {
        console.error("could not drop " + t + ": " + e.message);
      }
    }
  }
}

async function main() {
  const browser = await harness.launch();
  const dbs = databases();
  try {
    for (const db of dbs) {
      await flow(browser, db);
      console.log("studio browser engines: " + db.label + " passed");
    }
  } finally {
    await browser.close();
    for (const db of dbs) db.drop();
    fs.rmSync(work, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error("studio browser engines: FAILED: " + (e.stack || e.message));
  process.exit(1);
});
