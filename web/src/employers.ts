// Employers' periodic accident reports for the year (incidents' `/accident-reports/compliance`):
// the counts over all of them, and who is overdue.
import type { Schemas } from "./api";
import { figure } from "./accidents";
import { date, el, num } from "./format";

/** Overdue employers listed by name; the rest are counted. */
const SHOWN = 12;

export function renderEmployers(report: Schemas["ReportCompliance"], items: Schemas["ComplianceItem"][]): void {
  const s = report.summary;
  const period = document.getElementById("employers-period");
  if (period) period.textContent = `kỳ ${report.period}, hạn ${date(report.due_on)}`;
  document
    .getElementById("employers-summary")
    ?.replaceChildren(
      figure("doanh nghiệp phải báo cáo", num(s.expected), "employers-expected"),
      figure("đúng hạn", num(s.on_time), "employers-on-time"),
      figure("nộp muộn", num(s.late), "employers-late"),
      figure("quá hạn, chưa nộp", num(s.missing), "employers-missing"),
      figure("chưa đến hạn", num(s.not_yet_due), "employers-not-yet-due"),
      figure("% đã nộp", s.filed_percent === null || s.filed_percent === undefined ? "—" : `${num(s.filed_percent)} %`, "employers-filed-percent"),
    );
  const overdue = items.filter((i) => i.status === "missing");
  const rest = overdue.length - SHOWN;
  document.getElementById("employers-overdue")?.replaceChildren(
    ...(overdue.length ? [] : [el("li", { class: "empty" }, "Không có")]),
    ...overdue.slice(0, SHOWN).map((i) =>
      el("li", { "data-reporter": i.reporter }, el("span", { class: "name" }, i.name), el("span", { class: "status missing" }, "Quá hạn")),
    ),
    ...(rest > 0 ? [el("li", { class: "empty" }, `… và ${num(rest)} doanh nghiệp khác`)] : []),
  );
}
