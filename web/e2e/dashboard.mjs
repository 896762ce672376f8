// The dashboard in headless Chromium against a running suite with the demo data set
// (started by web/run-test): a bad token gets the API's 401 explained, a role that may not
// read the plan its 403; with a good one,
// every KPI on the page equals /plans/{id}/kpis as the tasks service answers it directly,
// and the accident headline and bars, the agencies' and employers' filing and the BHXH
// reconciliation equal their own endpoints' figures (every page of the paged lists).
//   DASHBOARD  the dashboard port's base URL;  TASKS, INCIDENTS  the services' base URLs
//   TOKEN      an admin token;  FORBIDDEN_TOKEN  one whose role may not read the plan
//   CHROMIUM   the browser;  SCREENSHOTS  where pictures go
import { mkdirSync } from "node:fs";
import { chromium } from "playwright-core";

const env = (name) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
};
const [DASHBOARD, TASKS, INCIDENTS, TOKEN, FORBIDDEN_TOKEN, CHROMIUM, SCREENSHOTS] = [
  "DASHBOARD", "TASKS", "INCIDENTS", "TOKEN", "FORBIDDEN_TOKEN", "CHROMIUM", "SCREENSHOTS",
].map(env);
mkdirSync(SCREENSHOTS, { recursive: true });
// The last whole year: the demo data set's second year and the dashboard's default.
const year = new Date().getFullYear() - 1;
let checks = 0;

function check(ok, what) {
  if (!ok) throw new Error(`FAILED: ${what}`);
  checks += 1;
}

/** Every item of a paged list (`limit`/`cursor`), and its first page. */
async function allPages(base, path) {
  const first = await get(base, `${path}&limit=500`);
  const items = [...first.items];
  for (let cursor = first.next_cursor; cursor; ) {
    const page = await get(base, `${path}&limit=500&cursor=${encodeURIComponent(cursor)}`);
    items.push(...page.items);
    cursor = page.next_cursor;
  }
  return { first, items };
}

async function get(base, path) {
  const answer = await fetch(base + path, { headers: { Authorization: `Bearer ${TOKEN}` } });
  if (!answer.ok) throw new Error(`${path}: ${answer.status} ${await answer.text()}`);
  return answer.json();
}

/** A figure as the page shows it in Vietnamese ("1.234,56", "+4,5 %", "—") as a number. */
function shown(text) {
  const t = text.trim();
  if (t === "—") return null;
  const n = Number(t.replace(/[%\s\u00a0+]/g, "").replace(/\./g, "").replace(",", ".").replace("−", "-"));
  if (Number.isNaN(n)) throw new Error(`not a figure: ${JSON.stringify(text)}`);
  return n;
}

/** The page shows at most two decimals. */
function same(pageText, apiValue, what) {
  const value = shown(pageText);
  const expected = apiValue ?? null;
  const ok = expected === null ? value === null : value !== null && Math.abs(value - expected) <= 0.005 + 1e-9;
  check(ok, `${what}: the page shows ${JSON.stringify(pageText)}, the API says ${expected}`);
}

const browser = await chromium.launch({
  executablePath: CHROMIUM,
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 }, locale: "vi-VN" });
  const pageErrors = [];
  page.on("pageerror", (e) => pageErrors.push(String(e)));
  // Every request the page makes succeeds, but the 401 and 403 the two bad tokens are meant to get.
  page.on("response", (r) => r.status() >= 400 && ![401, 403].includes(r.status()) && pageErrors.push(`${r.status()} ${r.url()}`));
  page.on("requestfailed", (r) => pageErrors.push(`${r.failure()?.errorText} ${r.url()}`));

  const submit = async (token) => {
    await page.evaluate(() => delete document.body.dataset.loaded);
    await page.fill("#token", token);
    await page.click("#settings button[type=submit]");
    await page.waitForSelector("body[data-loaded]", { timeout: 30_000 });
  };

  await page.goto(`${DASHBOARD}/dashboard/`);
  check((await page.title()).includes("ATVSLĐ"), "the dashboard's page loads");
  check(Number(await page.inputValue("#year")) === year, `the year picked by default is ${year}`);

  // A token the services do not trust: the 401's problem details, explained.
  await submit("not-a-token");
  const message = await page.textContent("#message");
  check(message.includes("Mã truy cập không được chấp nhận"), `a 401 is explained (${message})`);
  check(!(await page.isVisible("#kpis")), "no KPIs are shown without a valid token");
  await page.screenshot({ path: `${SCREENSHOTS}/dashboard-401.png` });

  // A valid token whose role may not read the plan: the 403's problem details, explained.
  const forbidden = await fetch(`${TASKS}/api/v1/plans`, { headers: { Authorization: `Bearer ${FORBIDDEN_TOKEN}` } });
  check(forbidden.status === 403, "the forbidden token is refused the plans by the API");
  const problem = await forbidden.json();
  await submit(FORBIDDEN_TOKEN);
  const refusal = await page.textContent("#message");
  check(refusal.includes("không có quyền"), `a 403 is explained (${refusal})`);
  check(refusal.includes(problem.title) && refusal.includes(problem.detail), "with the API's title and detail");
  check(!(await page.isVisible("#kpis")), "no KPIs are shown to a role that may not read them");

  await submit(TOKEN);
  check(!(await page.isVisible("#message")), `no error with a good token (${await page.textContent("#message")})`);
  check(
    await page.evaluate(() => sessionStorage.getItem("atvsld.token")) === TOKEN,
    "the token is kept in sessionStorage",
  );

  // The KPIs, against the tasks service's own answer.
  const plans = await get(TASKS, "/api/v1/plans");
  const plan = plans.items.find((p) => p.number.startsWith("664/"));
  check(plan !== undefined, "plan 664 is loaded");
  const kpis = await get(TASKS, `/api/v1/plans/${plan.id}/kpis?year=${year}`);
  check(kpis.items.length === 3, "the plan has three KPIs");
  check(kpis.items.some((k) => k.current?.value != null), "the demo data gives KPI figures");
  check((await page.locator("#kpi-cards .card").count()) === kpis.items.length, "one card per KPI");
  for (const kpi of kpis.items) {
    const card = page.locator(`[data-testid="kpi-${kpi.target.code}"]`);
    const field = (name) => card.locator(`[data-field="${name}"]`).textContent();
    same(await field("current"), kpi.current?.value, `${kpi.target.code} in ${year}`);
    same(await field("previous"), kpi.previous?.value, `${kpi.target.code} in ${year - 1}`);
    same(await field("change"), kpi.change_percent, `${kpi.target.code} change`);
    check((await card.locator("h3").textContent()) === kpi.target.indicator, `${kpi.target.code} is named`);
  }

  // The accident headline, against the year's statistics without grouping.
  const stats = await get(INCIDENTS, `/api/v1/accident-statistics?period=${year}`);
  check(stats.total.figures.cases > 0, "the demo data has accidents in the year");
  const headline = (id) => page.locator(`[data-testid="${id}"] strong`).textContent();
  same(await headline("accident-cases"), stats.total.figures.cases, "accident cases");
  same(await headline("accident-casualties"), stats.total.figures.casualties, "casualties");
  same(await headline("accident-fatal"), stats.total.figures.fatal, "deaths");
  same(await headline("accident-fatal-rate"), stats.total.fatal_rate_per_100000, "fatal rate");

  // The causes and communes with most cases, against the statistics grouped by each.
  for (const [groupBy, id, limit] of [
    ["cause", "accident-causes", 8],
    ["commune", "accident-communes", 10],
    ["vsic_section", "accident-sectors", 10],
  ]) {
    const grouped = await get(INCIDENTS, `/api/v1/accident-statistics?period=${year}&group_by=${groupBy}`);
    const withCases = grouped.rows.filter((r) => (r.figures?.cases ?? 0) > 0);
    const bars = page.locator(`#${id} .hbar`);
    check((await bars.count()) === Math.min(limit, withCases.length), `${groupBy}: one bar per group, at most ${limit}`);
    const least = Math.min(...(await bars.locator(".count").allTextContents()).map(shown));
    for (const bar of await bars.all()) {
      const key = await bar.getAttribute("data-key");
      const row = withCases.find((r) => r.key === key);
      check(row !== undefined, `${groupBy}: a bar for a group the API has`);
      same(await bar.locator(".count").textContent(), row.figures.cases, `${groupBy} ${row.key}`);
      check((await bar.locator(".label").textContent()) === row.label, `${groupBy} ${row.key} is named`);
    }
    const shownKeys = await bars.evaluateAll((nodes) => nodes.map((n) => n.dataset.key));
    check(
      withCases.every((r) => shownKeys.includes(r.key) || r.figures.cases <= least),
      `${groupBy}: no group left out has more cases than one shown`,
    );
  }

  // Who has filed the year's plan report, against tasks' compliance.
  const compliance = await get(TASKS, `/api/v1/compliance?period=${year}&plan_id=${plan.id}`);
  same(await headline("compliance-expected"), compliance.summary.expected, "agencies expected to report");
  const unfiled = compliance.agencies.filter((a) => a.status === "missing" || a.status === "not_yet_due");
  check(
    (await page.locator("#not-filed li[data-status]").count()) === unfiled.length,
    `${unfiled.length} agencies listed as not having filed`,
  );
  check(
    (await page.locator("#filed li[data-status]").count()) === compliance.agencies.length - unfiled.length,
    "the others listed as having filed",
  );

  // Employers' accident reports: the summary over all of them, the overdue ones by name.
  const employers = await allPages(INCIDENTS, `/api/v1/accident-reports/compliance?period=${year}&kind=employer`);
  const es = employers.first.summary;
  check(es.expected > 0, "the demo data has employers expected to report");
  check(employers.items.length === es.expected, "every expected employer is on some page");
  for (const [id, value] of [["expected", es.expected], ["on-time", es.on_time], ["late", es.late],
    ["missing", es.missing], ["not-yet-due", es.not_yet_due], ["filed-percent", es.filed_percent]]) {
    same(await headline(`employers-${id}`), value, `employers ${id}`);
  }
  const overdue = employers.items.filter((i) => i.status === "missing");
  const listed = await page.locator("#employers-overdue li[data-reporter]").evaluateAll((nodes) => nodes.map((n) => n.dataset.reporter));
  check(listed.length === Math.min(12, overdue.length), `${listed.length} overdue employers named`);
  check(listed.every((r) => overdue.some((i) => i.reporter === r)), "each one named is overdue in the API");

  // The BHXH reconciliation: the findings of every page counted by kind.
  const reconciliation = await allPages(INCIDENTS, `/api/v1/exchange/bhxh/reconciliation?period=${year}`);
  check(reconciliation.items.length > 0, "the demo data has reconciliation findings");
  for (const kind of ["decision_without_accident", "fatal_without_decision", "decision_without_disease_case", "diagnosed_without_decision"]) {
    same(await headline(`finding-${kind}`), reconciliation.items.filter((i) => i.kind === kind).length, `findings ${kind}`);
  }
  check(
    (await page.locator("#reconciliation-items li[data-kind]").count()) === Math.min(10, reconciliation.items.length),
    "the first findings are explained",
  );
  const missingParts = reconciliation.first.parts.filter((p) => !p.available).length;
  check((await page.locator("#reconciliation-parts [data-source]").count()) === missingParts, "an unreadable part is said");

  await page.screenshot({ path: `${SCREENSHOTS}/dashboard.png`, fullPage: true });
  check(pageErrors.length === 0, `no errors in the page: ${pageErrors.join("; ")}`);
  console.log(`dashboard: ${checks} checks passed; screenshots in ${SCREENSHOTS}`);
} finally {
  await browser.close();
}
