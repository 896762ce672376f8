// The year's accident headline and its cases month by month (`/accident-statistics`).
import type { Schemas } from "./api";
import { el, num } from "./format";

export function figure(label: string, value: string, testid: string): HTMLElement {
  return el("div", { class: "figure", "data-testid": testid }, el("strong", {}, value), el("span", {}, label));
}

export function renderAccidents(stats: Schemas["AccidentStatistics"]): void {
  const total = stats.total.figures;
  const period = document.getElementById("accident-period");
  if (period) period.textContent = stats.complete ? `năm ${stats.period}` : `năm ${stats.period} (chưa đủ năm)`;
  document
    .getElementById("accident-figures")
    ?.replaceChildren(
      figure("vụ tai nạn", num(total?.cases), "accident-cases"),
      figure("người bị nạn", num(total?.casualties), "accident-casualties"),
      figure("người chết", num(total?.fatal), "accident-fatal"),
      figure("người bị thương nặng", num(total?.serious), "accident-serious"),
      figure("người chết / 100.000 lao động", num(stats.total.fatal_rate_per_100000), "accident-fatal-rate"),
      figure("sự cố kỹ thuật nghiêm trọng", num(stats.technical_incidents.declared), "technical-incidents"),
    );
  const top = Math.max(1, ...stats.rows.map((r) => r.figures?.cases ?? 0));
  document.getElementById("accident-months")?.replaceChildren(
    ...stats.rows.map((row) => {
      const cases = row.figures?.cases ?? null;
      return el(
        "div",
        { class: "month", title: `${row.label}: ${num(cases)} vụ` },
        el("span", { class: "count" }, num(cases)),
        el("span", { class: "column", style: `height:${((cases ?? 0) / top) * 100}%` }),
        el("span", { class: "label" }, row.key.slice(5)),
      );
    }),
  );
}

/** The groups with the most cases, largest first, as horizontal bars. */
export function renderBreakdown(id: string, stats: Schemas["AccidentStatistics"], limit: number): void {
  const rows = stats.rows
    .filter((r) => (r.figures?.cases ?? 0) > 0)
    .sort((a, b) => (b.figures?.cases ?? 0) - (a.figures?.cases ?? 0))
    .slice(0, limit);
  const top = Math.max(1, ...rows.map((r) => r.figures?.cases ?? 0));
  document.getElementById(id)?.replaceChildren(
    ...rows.map((row) =>
      el(
        "div",
        { class: "hbar", "data-key": row.key },
        el("span", { class: "label", title: row.label }, row.label),
        el("span", { class: "track" }, el("span", { class: "fill", style: `width:${((row.figures?.cases ?? 0) / top) * 100}%` })),
        el("span", { class: "count" }, num(row.figures?.cases)),
      ),
    ),
  );
}
