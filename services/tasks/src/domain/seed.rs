//! The plan seed file (`seed/plan-664.json`): agencies, and plans with their
//! targets and tasks, written from the plan text. Also the closed lists its values
//! come from (agency kinds, assignment roles, recurrences).

use std::collections::HashSet;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use shared::error::{FieldError, Text};
use utoipa::ToSchema;

use super::kpi::Direction;
use super::succession;

/// Plan 664/KH-UBND as shipped with the service.
pub const PLAN_664: &str = include_str!("../../seed/plan-664.json");

/// What an agency is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AgencyKind {
    /// Sở, ban, ngành tỉnh.
    Department,
    /// A provincial board such as Ban Quản lý Khu kinh tế.
    ProvincialBoard,
    /// Công an tỉnh, Bộ Chỉ huy Quân sự tỉnh.
    ArmedForce,
    Press,
    /// Bảo hiểm xã hội.
    Insurer,
    /// Hiệp hội Doanh nghiệp, Liên minh Hợp tác xã.
    Association,
    /// Mass organisations the plan only asks (đề nghị).
    MassOrganisation,
    /// UBND cấp huyện (abolished on 1 July 2025).
    DistrictCommittee,
    /// UBND cấp xã.
    CommuneCommittee,
    /// Enterprises, cooperatives and establishments as a group.
    EnterpriseGroup,
}

impl AgencyKind {
    pub fn as_str(self) -> &'static str {
        match self {
            AgencyKind::Department => "department",
            AgencyKind::ProvincialBoard => "provincial_board",
            AgencyKind::ArmedForce => "armed_force",
            AgencyKind::Press => "press",
            AgencyKind::Insurer => "insurer",
            AgencyKind::Association => "association",
            AgencyKind::MassOrganisation => "mass_organisation",
            AgencyKind::DistrictCommittee => "district_committee",
            AgencyKind::CommuneCommittee => "commune_committee",
            AgencyKind::EnterpriseGroup => "enterprise_group",
        }
    }

    pub fn parse(text: &str) -> Option<AgencyKind> {
        serde_json::from_value(serde_json::Value::String(text.to_owned())).ok()
    }
}

/// An agency's part in a task.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AssignmentRole {
    /// Chủ trì.
    Lead,
    /// Phối hợp.
    Coordinate,
    /// Đề nghị: the plan asks a mass organisation, it does not order it.
    Requested,
}

impl AssignmentRole {
    pub fn as_str(self) -> &'static str {
        match self {
            AssignmentRole::Lead => "lead",
            AssignmentRole::Coordinate => "coordinate",
            AssignmentRole::Requested => "requested",
        }
    }

    pub fn parse(text: &str) -> Option<AssignmentRole> {
        serde_json::from_value(serde_json::Value::String(text.to_owned())).ok()
    }
}

/// How a task recurs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Recurrence {
    /// The six-month report before 15 June and the annual report before 15 December.
    SemiannualAndAnnualReport,
    /// Sở Nội vụ's yearly compilation for UBND tỉnh and Bộ Nội vụ.
    AnnualCompilation,
}

impl Recurrence {
    pub fn as_str(self) -> &'static str {
        match self {
            Recurrence::SemiannualAndAnnualReport => "semiannual_and_annual_report",
            Recurrence::AnnualCompilation => "annual_compilation",
        }
    }

    pub fn parse(text: &str) -> Option<Recurrence> {
        serde_json::from_value(serde_json::Value::String(text.to_owned())).ok()
    }
}

/// A plan file: agencies, and plans with their targets and tasks
/// (`seed/plan-664.json` is one; `seed/ke-hoach-2026-example.json` a small example).
#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "source": "Ví dụ: kế hoạch năm của Sở Nội vụ",
    "agencies": [],
    "plans": [{
        "number": "VD-01/KH-SNV",
        "title": "Kế hoạch kiểm tra an toàn, vệ sinh lao động năm 2026 (ví dụ)",
        "issuer": "Sở Nội vụ tỉnh Cao Bằng",
        "signer": "Giám đốc Sở Nội vụ (ví dụ)",
        "issued_on": "2026-01-15",
        "effective_on": "2026-01-15",
        "legal_bases": [],
        "solution_groups": [],
        "funding": "Dự toán năm 2026 của Sở Nội vụ.",
        "targets": [],
        "tasks": [{
            "item": null,
            "section": "1",
            "text": "Kiểm tra việc thực hiện pháp luật về an toàn, vệ sinh lao động tại 10 doanh nghiệp.",
            "assignments": [{"agency": "SNV", "role": "lead"}],
            "recurrence": null,
            "due_on": "2026-11-30"
        }]
    }]
}))]
pub struct SeedFile {
    /// Where the plan's text comes from (a note, not a reference).
    #[schema(max_length = 2000)]
    pub source: String,
    pub agencies: Vec<SeedAgency>,
    pub plans: Vec<SeedPlan>,
}

#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SeedAgency {
    pub code: String,
    pub name: String,
    pub kind: AgencyKind,
    pub reports: bool,
    pub valid_from: NaiveDate,
    pub valid_to: Option<NaiveDate>,
    /// The agency (or group, `UBND-XA`) that took over, as the plan's readers know it.
    pub successor: Option<String>,
    /// A district committee's GSO district code (`040`): its successors are the
    /// committees of the communes its old communes became part of.
    #[serde(default)]
    pub district_code: Option<String>,
    /// The agencies that take over its tasks when it closes, when there are several
    /// (filled from the commune lists by [`plan_664`], not read from the file).
    #[serde(skip)]
    pub successors: Vec<String>,
}

impl SeedAgency {
    /// Whether the agency exists on `day`.
    pub fn in_force_on(&self, day: NaiveDate) -> bool {
        self.valid_from <= day && self.valid_to.is_none_or(|to| day <= to)
    }

    /// Who takes over its tasks when it closes.
    pub fn heirs(&self) -> Vec<String> {
        if self.successors.is_empty() {
            self.successor.iter().cloned().collect()
        } else {
            self.successors.clone()
        }
    }
}

/// A legal basis of a plan.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LegalBasis {
    #[schema(example = "209/NQ-CP")]
    pub reference: String,
    pub issued_on: NaiveDate,
    pub issuer: String,
    pub title: String,
}

/// A group of solutions (nhóm giải pháp).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SolutionGroup {
    pub number: u32,
    pub title: String,
    pub measures: Vec<String>,
}

#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SeedPlan {
    pub number: String,
    pub title: String,
    pub issuer: String,
    pub signer: String,
    pub issued_on: NaiveDate,
    pub effective_on: NaiveDate,
    pub legal_bases: Vec<LegalBasis>,
    pub solution_groups: Vec<SolutionGroup>,
    pub funding: String,
    pub targets: Vec<SeedTarget>,
    pub tasks: Vec<SeedTask>,
}

#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SeedTarget {
    pub code: String,
    pub indicator: String,
    pub unit: String,
    pub direction: Direction,
    pub yearly_change_percent: i64,
    pub baseline_year: i32,
    pub source: String,
}

#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SeedTask {
    pub item: Option<i32>,
    pub section: String,
    pub text: String,
    pub assignments: Vec<SeedAssignment>,
    pub recurrence: Option<Recurrence>,
    pub due_on: Option<NaiveDate>,
}

#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SeedAssignment {
    pub agency: String,
    pub role: AssignmentRole,
}

/// Reads the shipped plan 664, with the 56 commune committees in force since
/// 1 July 2025 (from the commune list) and, for each district committee, the
/// commune committees that took over from it.
pub fn plan_664() -> anyhow::Result<SeedFile> {
    let mut file: SeedFile = serde_json::from_str(PLAN_664)?;
    for a in &mut file.agencies {
        if let Some(d) = &a.district_code {
            a.successors = succession::district_successors(d);
        }
    }
    let known: Vec<String> = file.agencies.iter().map(|a| a.code.clone()).collect();
    file.agencies.extend(
        succession::commune_committees()
            .into_iter()
            .filter(|c| !known.contains(&c.code))
            .map(|c| SeedAgency {
                code: c.code,
                name: c.name,
                kind: AgencyKind::CommuneCommittee,
                reports: true,
                valid_from: c.valid_from,
                valid_to: None,
                successor: None,
                district_code: None,
                successors: Vec::new(),
            }),
    );
    Ok(file)
}

impl SeedFile {
    /// What keeps the file from loading beside the stored plans, with JSON pointers
    /// into it: a plan without number or title, a target code twice in a plan, a task
    /// given to an agency neither in the file nor stored (`known`), or to one agency
    /// twice.
    pub fn problems(&self, known: &HashSet<String>) -> Vec<FieldError> {
        let mut errors = Vec::new();
        let problem = |pointer: String, code: &'static str, vi: &str, en: &str| {
            FieldError::body(pointer, code, Text::new(vi.to_owned(), en.to_owned()))
        };
        let in_file: HashSet<&str> = self.agencies.iter().map(|a| a.code.as_str()).collect();
        for (i, a) in self.agencies.iter().enumerate() {
            if let Some(s) = &a.successor
                && !in_file.contains(s.as_str())
                && !known.contains(s)
            {
                errors.push(problem(
                    format!("/agencies/{i}/successor"),
                    "unknown_agency",
                    "Không có cơ quan kế nhiệm này.",
                    "No such successor agency.",
                ));
            }
        }
        if self.plans.is_empty() {
            errors.push(problem(
                "/plans".into(),
                "plan_required",
                "Tệp không có kế hoạch nào.",
                "The file holds no plan.",
            ));
        }
        for (p, plan) in self.plans.iter().enumerate() {
            if plan.number.trim().is_empty() {
                errors.push(problem(
                    format!("/plans/{p}/number"),
                    "required",
                    "Cần nêu số, ký hiệu của kế hoạch.",
                    "The plan's number is required.",
                ));
            }
            if plan.title.trim().is_empty() {
                errors.push(problem(
                    format!("/plans/{p}/title"),
                    "required",
                    "Cần nêu tên kế hoạch.",
                    "The plan's title is required.",
                ));
            }
            if self.plans.iter().take(p).any(|o| o.number == plan.number) {
                errors.push(problem(
                    format!("/plans/{p}/number"),
                    "duplicate_plan",
                    "Kế hoạch này có hai lần trong tệp.",
                    "This plan is in the file twice.",
                ));
            }
            for (i, t) in plan.targets.iter().enumerate() {
                if plan.targets.iter().take(i).any(|o| o.code == t.code) {
                    errors.push(problem(
                        format!("/plans/{p}/targets/{i}/code"),
                        "duplicate_target",
                        "Mã chỉ tiêu này đã có trong kế hoạch.",
                        "This target code is in the plan already.",
                    ));
                }
            }
            for (i, task) in plan.tasks.iter().enumerate() {
                if task.text.trim().is_empty() {
                    errors.push(problem(
                        format!("/plans/{p}/tasks/{i}/text"),
                        "required",
                        "Cần nêu nội dung nhiệm vụ.",
                        "The task text is required.",
                    ));
                }
                for (j, a) in task.assignments.iter().enumerate() {
                    let pointer = format!("/plans/{p}/tasks/{i}/assignments/{j}/agency");
                    if !in_file.contains(a.agency.as_str()) && !known.contains(&a.agency) {
                        errors.push(problem(
                            pointer,
                            "unknown_agency",
                            "Không có cơ quan này.",
                            "No such agency.",
                        ));
                    } else if task
                        .assignments
                        .iter()
                        .take(j)
                        .any(|o| o.agency == a.agency)
                    {
                        errors.push(problem(
                            pointer,
                            "duplicate_assignment",
                            "Cơ quan này đã được giao nhiệm vụ.",
                            "This agency is already assigned.",
                        ));
                    }
                }
            }
        }
        errors
    }

    /// Who answers for which of the first plan's tasks on `day` (a due date): every
    /// agency in existence then with the tasks assigned to it, and the open tasks of
    /// the agencies closed before `day` that it took over (the rule of
    /// `succession::passed_on`, one step). Agencies with no task are left out.
    pub fn responsibilities_on(&self, day: NaiveDate) -> Vec<(&SeedAgency, Vec<&SeedTask>)> {
        let Some(plan) = self.plans.first() else {
            return Vec::new();
        };
        let direct = |code: &str| -> Vec<&SeedTask> {
            plan.tasks
                .iter()
                .filter(|t| t.assignments.iter().any(|a| a.agency == code))
                .collect()
        };
        self.agencies
            .iter()
            .filter(|a| a.in_force_on(day))
            .map(|a| {
                let mut tasks = direct(&a.code);
                for closed in self.agencies.iter().filter(|c| {
                    c.valid_to.is_some_and(|to| to < day) && c.heirs().contains(&a.code)
                }) {
                    let last_day = closed.valid_to.unwrap_or(day);
                    for t in direct(&closed.code) {
                        let open = t.due_on.is_none_or(|due| due > last_day);
                        if open && !tasks.iter().any(|held| std::ptr::eq(*held, t)) {
                            tasks.push(t);
                        }
                    }
                }
                (a, tasks)
            })
            .filter(|(_, tasks)| !tasks.is_empty())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    #[test]
    fn the_seed_holds_the_plan_its_targets_and_all_20_assignee_items() {
        let seed = plan_664().unwrap_or_else(|e| panic!("{e}"));
        let plan = seed.plans.first().unwrap_or_else(|| panic!("no plan"));
        assert_eq!(plan.number, "664/KH-UBND");
        assert_eq!(plan.solution_groups.len(), 5);
        assert_eq!(plan.targets.len(), 3);
        let items: BTreeSet<i32> = plan.tasks.iter().filter_map(|t| t.item).collect();
        assert_eq!(items, (1..=20).collect());
        let codes: BTreeSet<&str> = seed.agencies.iter().map(|a| a.code.as_str()).collect();
        for task in &plan.tasks {
            assert!(!task.assignments.is_empty(), "{}", task.text);
            for a in &task.assignments {
                assert!(codes.contains(a.agency.as_str()), "{}", a.agency);
            }
        }
        // Items 18–20 are requests to mass organisations.
        for task in plan.tasks.iter().filter(|t| t.item.unwrap_or(0) >= 18) {
            assert!(
                task.assignments
                    .iter()
                    .all(|a| a.role == AssignmentRole::Requested)
            );
        }
    }

    #[test]
    fn the_district_committees_are_closed_with_a_successor() {
        let seed = plan_664().unwrap_or_else(|e| panic!("{e}"));
        let districts: Vec<_> = seed
            .agencies
            .iter()
            .filter(|a| a.kind == AgencyKind::DistrictCommittee)
            .collect();
        assert_eq!(districts.len(), 10);
        for d in districts {
            assert_eq!(d.valid_to, NaiveDate::from_ymd_opt(2025, 6, 30));
            assert_eq!(d.successor.as_deref(), Some("UBND-XA"));
            assert!(!d.successors.is_empty(), "{}", d.code);
            assert!(d.successors.iter().all(|s| s.starts_with("UBND-XA-")));
        }
    }

    #[test]
    fn the_commune_committees_report_and_the_group_no_longer_does() {
        let seed = plan_664().unwrap_or_else(|e| panic!("{e}"));
        let communes: Vec<_> = seed
            .agencies
            .iter()
            .filter(|a| a.code.starts_with("UBND-XA-"))
            .collect();
        assert_eq!(communes.len(), 56);
        assert!(communes.iter().all(|c| c.reports
            && c.kind == AgencyKind::CommuneCommittee
            && c.valid_from == NaiveDate::from_ymd_opt(2025, 7, 1).unwrap_or_default()));
        let group = seed.agencies.iter().find(|a| a.code == "UBND-XA");
        assert!(group.is_some_and(|g| !g.reports));
    }

    #[test]
    fn item_14_is_held_by_the_districts_in_june_and_the_communes_in_december() {
        let seed = plan_664().unwrap_or_else(|e| panic!("{e}"));
        let holders_of_14 = |day: NaiveDate| -> BTreeSet<String> {
            seed.responsibilities_on(day)
                .into_iter()
                .filter(|(_, tasks)| tasks.iter().any(|t| t.item == Some(14)))
                .map(|(a, _)| a.code.clone())
                .collect()
        };
        let june = holders_of_14(NaiveDate::from_ymd_opt(2025, 6, 15).unwrap_or_default());
        assert_eq!(june.len(), 10);
        assert!(june.iter().all(|c| !c.starts_with("UBND-XA")));
        let december = holders_of_14(NaiveDate::from_ymd_opt(2025, 12, 15).unwrap_or_default());
        assert_eq!(december.len(), 56);
        assert!(december.iter().all(|c| c.starts_with("UBND-XA-")));
    }
}
