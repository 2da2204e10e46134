// What the studio's browser tests share: starting `tether studio`, Debian's chromium through
// playwright-core (pinned in tools/node), a page that records script errors, downloads.
"use strict";
const { spawn } = require("node:child_process");
const fs = require("node:fs");
const path = require("node:path");
const { chromium } = require(path.join(process.env.TETHER_NODE_MODULES, "playwright-core"));

// Starts `tether studio` with `on` (the flags before "studio": the database) and `flags`;
// resolves with the process and the address it printed.
function studio_on(cli, on, ...flags) {
  return new Promise((resolve, reject) => {
    const p = spawn(cli, [...on, "studio", "--no-open", ...flags], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    p.stdout.on("data", (d) => {
      out += d;
      const m = out.match(/^tether studio: (http:\/\/\S+)\n/);
      if (m) resolve({ process: p, address: m[1] });
    });
    p.on("exit", (code) => reject(new Error("tether studio exited with " + code + ": " + out)));
  });
}

function launch() {
  return chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-dev-shm-usage"],
  });
}

// A 1280×800 page whose script errors are kept in page.errors.
async function open_page(browser) {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  page.errors = [];
  page.on("pageerror", (e) => {
    page.errors.push(e.message);
    console.error("page error: " + e.message);
  });
  return page;
}

// Waits until the page has no call in flight.
const settled = (page) => page.waitForSelector('body[data-busy="0"]');

// Clicks `button` and saves the download into `dir`: {name, text}.
async function download(page, button, dir) {
  const [d] = await Promise.all([page.waitForEvent("download"), page.click(button)]);
  const file = path.join(dir, d.suggestedFilename());
  await d.saveAs(file);
  return { name: d.suggestedFilename(), text: fs.readFileSync(file, "utf8") };
}

// Fills the filter panel's condition `n` (1-based): its field, operator (left as the
// field's first when not given) and operand text.
async function set_condition(page, n, field, op, text) {
  const row = `#conditions .condition:nth-child(${n})`;
  await page.selectOption(row + " .field", field);
  if (op) await page.selectOption(row + " .op", op);
  await page.fill(row + " .operand", text);
}

// Double-clicks the data grid's cell (row, col; 1-based), types `text` and presses Enter.
async function edit_cell(page, row, col, text) {
  await page.locator(`#grid tbody tr:nth-child(${row}) td:nth-child(${col})`).dblclick();
  await page.fill("#grid td.editing input", text);
  await page.press("#grid td.editing input", "Enter");
}

module.exports = { studio_on, launch, open_page, settled, download, set_condition, edit_cell };
