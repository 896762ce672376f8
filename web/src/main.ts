// The dashboard: a token and a year in, the plan's KPIs, the year's accidents, who has
// filed the plan report and the employers' accident reports, and the BHXH reconciliation out. Every figure comes from the public API with that token.
import "./style.css";
import { renderAccidents, renderBreakdown } from "./accidents";
import { allPages, api, ApiError, ok, type Schemas, token } from "./api";
import { renderCompliance } from "./compliance";
import { renderEmployers } from "./employers";
import { renderKpis } from "./kpis";
import { renderReconciliation } from "./reconciliation";

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const form = $<HTMLFormElement>("settings");
const yearSelect = $<HTMLSelectElement>("year");
const tokenInput = $<HTMLInputElement>("token");
const message = $<HTMLDivElement>("message");
// In the order `load` asks for them.
const SECTIONS = ["kpis", "accidents", "compliance", "employers", "reconciliation"];

// The years the plan runs over so far; the last whole year by default (the current
// one is partial and its KPIs are not judged).
const thisYear = new Date().getFullYear();
for (let y = thisYear; y >= thisYear - 4; y--) yearSelect.add(new Option(String(y), String(y), false, y === thisYear - 1));

function explain(error: unknown): string {
  if (error instanceof ApiError) {
    const what =
      error.status === 401
        ? "Mã truy cập không được chấp nhận (thiếu, sai hoặc đã hết hạn)."
        : error.status === 403
          ? "Mã truy cập này không có quyền xem mục này."
          : `Máy chủ trả lời lỗi ${error.status}.`;
    return `${what} ${error.title}: ${error.detail}`;
  }
  return `Không gọi được API: ${String(error)}`;
}

function show(errors: string[]): void {
  message.hidden = errors.length === 0;
  message.replaceChildren(...errors.map((e) => Object.assign(document.createElement("p"), { textContent: e })));
}

async function load(): Promise<void> {
  if (!token.get()) {
    show(["Hãy dán mã truy cập rồi bấm Xem."]);
    return;
  }
  const year = Number(yearSelect.value);
  document.body.classList.add("loading");
  for (const id of SECTIONS) $(id).hidden = true;
  let plans: Schemas["PlanList"];
  try {
    plans = await ok(api.GET("/tasks/api/v1/plans"));
  } catch (error) {
    return finish(year, [explain(error)]);
  }
  const plan = plans.items.find((p) => p.number.startsWith("664/")) ?? plans.items[0];
  if (!plan) return finish(year, ["Chưa có kế hoạch nào trong hệ thống (atvsld seed plan-664)."]);
  $("plan-number").textContent = plan.number;
  const period = String(year);
  const parts = [
    ok(api.GET("/tasks/api/v1/plans/{id}/kpis", { params: { path: { id: plan.id }, query: { year } } })).then(renderKpis),
    Promise.all([
      ok(api.GET("/incidents/api/v1/accident-statistics", { params: { query: { period, group_by: "month" } } })),
      ok(api.GET("/incidents/api/v1/accident-statistics", { params: { query: { period, group_by: "cause" } } })),
      ok(api.GET("/incidents/api/v1/accident-statistics", { params: { query: { period, group_by: "commune" } } })),
      ok(api.GET("/incidents/api/v1/accident-statistics", { params: { query: { period, group_by: "vsic_section" } } })),
    ]).then(([months, causes, communes, sectors]) => {
      renderAccidents(months);
      renderBreakdown("accident-causes", causes, 8);
      renderBreakdown("accident-communes", communes, 10);
      renderBreakdown("accident-sectors", sectors, 10);
    }),
    ok(api.GET("/tasks/api/v1/compliance", { params: { query: { period, plan_id: plan.id } } })).then(renderCompliance),
    allPages((cursor) =>
      ok(api.GET("/incidents/api/v1/accident-reports/compliance", { params: { query: { period, kind: "employer", limit: 500, cursor } } })),
    ).then(({ first, items }) => renderEmployers(first, items)),
    allPages((cursor) =>
      ok(api.GET("/incidents/api/v1/exchange/bhxh/reconciliation", { params: { query: { period, limit: 500, cursor } } })),
    ).then(({ first, items }) => renderReconciliation(first, items)),
  ];
  const results = await Promise.allSettled(parts);
  results.forEach((r, i) => ($(SECTIONS[i] ?? "").hidden = r.status === "rejected"));
  $("hint").hidden = true;
  finish(
    year,
    results.flatMap((r) => (r.status === "rejected" ? [explain(r.reason)] : [])),
  );
}

/** Shows what went wrong, and marks the page as done for this year (the browser test waits on it). */
function finish(year: number, errors: string[]): void {
  show(errors);
  document.body.classList.remove("loading");
  document.body.dataset.loaded = String(year);
}

form.addEventListener("submit", (event) => {
  event.preventDefault();
  if (tokenInput.value.trim()) token.set(tokenInput.value);
  tokenInput.value = "";
  tokenInput.placeholder = token.get() ? "Đã có mã (dán mã khác để thay)" : "Dán mã (token) vào đây";
  void load();
});
$("forget").addEventListener("click", () => {
  token.clear();
  window.location.reload();
});
if (token.get()) {
  tokenInput.placeholder = "Đã có mã (dán mã khác để thay)";
  void load();
}
