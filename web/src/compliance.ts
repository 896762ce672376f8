// Who has and who has not filed the plan report for the period (tasks' `/compliance`).
import type { Schemas } from "./api";
import { figure } from "./accidents";
import { date, el, num } from "./format";

const STATUS: Record<Schemas["TasksFilingStatus"], string> = {
  on_time: "Đúng hạn",
  late: "Nộp muộn",
  returned: "Bị trả lại",
  missing: "Quá hạn, chưa nộp",
  not_yet_due: "Chưa đến hạn",
};

function agency(a: Schemas["AgencyCompliance"]): HTMLElement {
  const received = a.first_received_at ? ` · nhận ${date(a.first_received_at)}` : "";
  return el(
    "li",
    { "data-status": a.status },
    el("span", { class: "name" }, a.name),
    el("span", { class: `status ${a.status}` }, STATUS[a.status] + received),
  );
}

export function renderCompliance(report: Schemas["ComplianceReport"]): void {
  const s = report.summary;
  const period = document.getElementById("compliance-period");
  if (period) period.textContent = `kỳ ${report.period}, hạn ${date(report.due_on)}`;
  document
    .getElementById("compliance-summary")
    ?.replaceChildren(
      figure("cơ quan phải báo cáo", num(s.expected), "compliance-expected"),
      figure("đúng hạn", num(s.on_time), "compliance-on-time"),
      figure("nộp muộn", num(s.late), "compliance-late"),
      figure("bị trả lại", num(s.returned), "compliance-returned"),
      figure("chưa nộp", num(s.missing + s.not_yet_due), "compliance-not-filed"),
      figure("% đã nộp", s.filed_percent === null || s.filed_percent === undefined ? "—" : `${num(s.filed_percent)} %`, "compliance-filed-percent"),
    );
  const notFiled = report.agencies.filter((a) => a.status === "missing" || a.status === "not_yet_due");
  const filed = report.agencies.filter((a) => !notFiled.includes(a));
  const list = (items: Schemas["AgencyCompliance"][]) =>
    items.length ? items.map(agency) : [el("li", { class: "empty" }, "Không có")];
  document.getElementById("not-filed")?.replaceChildren(...list(notFiled));
  document.getElementById("filed")?.replaceChildren(...list(filed));
}
