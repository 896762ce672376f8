// The year's reconciliation of BHXH decisions with accident and occupational-disease records
// (incidents' `/exchange/bhxh/reconciliation`): the findings counted by kind, the first few
// explained, and any part (health-stats) that could not be read.
import type { Schemas } from "./api";
import { figure } from "./accidents";
import { date, el, num } from "./format";

const KIND: Record<Schemas["FindingKind"], string> = {
  decision_without_accident: "quyết định BHXH không khớp vụ tai nạn nào",
  fatal_without_decision: "vụ chết người chưa có quyết định BHXH",
  decision_without_disease_case: "quyết định BHXH không khớp ca bệnh nghề nghiệp nào",
  diagnosed_without_decision: "ca bệnh nghề nghiệp chưa có quyết định BHXH",
};
const SHOWN = 10;

export function renderReconciliation(first: Schemas["Reconciliation"], items: Schemas["ReconciliationItem"][]): void {
  const period = document.getElementById("reconciliation-period");
  if (period) period.textContent = `năm ${first.period}, chờ ${num(first.wait_days)} ngày, tính đến ${date(first.as_of)}`;
  const kinds = Object.keys(KIND) as Schemas["FindingKind"][];
  document
    .getElementById("reconciliation-summary")
    ?.replaceChildren(
      ...kinds.map((k) => figure(KIND[k], num(items.filter((i) => i.kind === k).length), `finding-${k}`)),
    );
  document.getElementById("reconciliation-parts")?.replaceChildren(
    ...first.parts
      .filter((p) => !p.available)
      .map((p) => el("p", { class: "warning", "data-source": p.source }, `Chưa đọc được phần của ${p.source}: ${p.unavailable?.detail ?? ""}`)),
  );
  document.getElementById("reconciliation-items")?.replaceChildren(
    ...(items.length ? [] : [el("li", { class: "empty" }, "Không có chênh lệch")]),
    ...items.slice(0, SHOWN).map((i) =>
      el(
        "li",
        { "data-kind": i.kind },
        el("span", { class: "name" }, i.explanation),
        el("span", { class: "status" }, date(i.decision_date ?? i.accident_date ?? i.diagnosed_on)),
      ),
    ),
    ...(items.length > SHOWN ? [el("li", { class: "empty" }, `… và ${num(items.length - SHOWN)} trường hợp khác`)] : []),
  );
}
