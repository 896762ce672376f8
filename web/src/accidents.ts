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
