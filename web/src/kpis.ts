// The plan's KPIs (`/plans/{id}/kpis`): each target's figure this year and the year before,
// the change against the target, and what can be said of it.
import type { Schemas } from "./api";
import { el, num, signedPercent } from "./format";

const ASSESSMENT: Record<Schemas["Assessment"], [string, string]> = {
  on_track: ["Đạt chỉ tiêu", "good"],
  off_track: ["Chưa đạt chỉ tiêu", "bad"],
  period_in_progress: ["Năm chưa kết thúc, chưa đánh giá", "neutral"],
  no_base: ["Không có số liệu năm trước để so sánh", "neutral"],
  no_current_value: ["Chưa có số liệu năm nay", "neutral"],
};

// The plan's units are codes (services/tasks/seed/plan-664.json); an unknown one is shown as it is.
const UNIT: Record<string, string> = {
  per_100000_workers: "người chết trên 100.000 lao động",
  workers: "người lao động",
  establishments: "cơ sở",
};

function goal(target: Schemas["TargetResponse"]): string {
  const way = target.direction === "decrease" ? "giảm" : "tăng";
  return `Chỉ tiêu: ${way} ít nhất ${num(target.yearly_change_percent)} %/năm`;
}

/** Two bars, last year and this year, scaled to the larger. */
function trendBars(kpi: Schemas["Kpi"]): HTMLElement {
  const previous = kpi.previous?.value ?? null;
  const current = kpi.current?.value ?? null;
  const top = Math.max(previous ?? 0, current ?? 0) || 1;
  const bar = (year: number, value: number | null, cls: string) =>
    el(
      "div",
      { class: "trend-row" },
      el("span", { class: "trend-year" }, String(year)),
      el("span", { class: `trend-bar ${cls}`, style: `width:${((value ?? 0) / top) * 100}%` }),
      el("span", { class: "trend-value" }, num(value)),
    );
  return el("div", { class: "trend" }, bar(kpi.year - 1, previous, "previous"), bar(kpi.year, current, "current"));
}

function card(kpi: Schemas["Kpi"]): HTMLElement {
  const [label, tone] = kpi.trend ? ASSESSMENT[kpi.trend.assessment] : ["Không có số liệu", "neutral"];
  const body = el(
    "article",
    { class: "card", "data-testid": `kpi-${kpi.target.code}` },
    el("h3", {}, kpi.target.indicator),
    el("p", { class: "unit" }, `Đơn vị: ${UNIT[kpi.target.unit] ?? kpi.target.unit}`),
    el(
      "p",
      { class: "big" },
      el("span", { "data-field": "current" }, num(kpi.current?.value)),
      el("small", {}, ` năm ${kpi.year}`),
    ),
    el(
      "p",
      {},
      `Năm ${kpi.year - 1}: `,
      el("strong", { "data-field": "previous" }, num(kpi.previous?.value)),
      " · Thay đổi: ",
      el("strong", { "data-field": "change" }, signedPercent(kpi.change_percent)),
    ),
    trendBars(kpi),
    el("p", { class: "goal" }, goal(kpi.target)),
    el("p", { class: `badge ${tone}`, "data-field": "assessment" }, label),
  );
  if (kpi.unavailable) body.append(el("p", { class: "warning" }, kpi.unavailable.detail));
  return body;
}

export function renderKpis(report: Schemas["KpiReport"]): void {
  const note = document.getElementById("kpi-note");
  if (note) {
    note.textContent = report.complete
      ? `năm ${report.year} so với năm ${report.year - 1}`
      : `năm ${report.year} (số liệu đến ngày ${report.complete_through ?? "—"}, chưa đủ năm)`;
  }
  document.getElementById("kpi-cards")?.replaceChildren(...report.items.map(card));
}
