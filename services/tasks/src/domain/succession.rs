//! Who answers for a task when its agency closes. Plan 664 (March 2025) assigns
//! item 14 to the district committees (UBND cấp huyện), which closed on 30 June 2025
//! when the district level was abolished; from 1 July 2025 the commune committees
//! (UBND cấp xã) of Cao Bằng's 56 communes and wards carry those tasks and their
//! report duties (docs/operations.md, "Succession of assignees").
//!
//! The rule is data: an assignment has a validity window, and a closed agency's
//! open tasks are passed on as new assignment rows starting the day after its last
//! day. Which communes took over from which district comes from the commune lists in
//! `shared/refdata` (an old commune's successors, grouped by its district).

use std::collections::BTreeSet;

use chrono::NaiveDate;
use shared::refdata::{UnitKind, admin_units, admin_units_in_force};

use crate::db::models::{AgencyRow, AssignmentRow};

/// Codes of the commune committees: `UBND-XA-<GSO code of the commune>`.
pub const COMMUNE_COMMITTEE_PREFIX: &str = "UBND-XA-";

/// The code for all communes and wards together, as plan 664 names them ("UBND các
/// xã, phường"). Kept readable; each commune committee now reports on its own.
pub const ALL_COMMUNES: &str = "UBND-XA";

/// The first day of the two-tier local government (province and commune).
pub fn reform_day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2025, 7, 1).unwrap_or(NaiveDate::MIN)
}

/// The agency code of the committee of commune `commune_code`.
pub fn commune_committee_code(commune_code: &str) -> String {
    format!("{COMMUNE_COMMITTEE_PREFIX}{commune_code}")
}

/// A commune committee as the seed adds it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CommuneCommittee {
    pub code: String,
    pub name: String,
    pub valid_from: NaiveDate,
}

/// The committees of the communes and wards in force since the reform, from the
/// commune list (`shared/refdata/cao-bang-communes-2025-07-01.csv`).
pub fn commune_committees() -> Vec<CommuneCommittee> {
    admin_units_in_force(reform_day())
        .map(|u| {
            // "Xã Bảo Lâm" → "Ủy ban nhân dân xã Bảo Lâm".
            let unit = match u.kind {
                UnitKind::Ward => "phường",
                UnitKind::Commune => "xã",
                UnitKind::Township => "thị trấn",
                UnitKind::SpecialZone => "đặc khu",
            };
            let place = u
                .name
                .split_once(' ')
                .map_or(u.name.as_str(), |(_, rest)| rest);
            CommuneCommittee {
                code: commune_committee_code(&u.code),
                name: format!("Ủy ban nhân dân {unit} {place}"),
                valid_from: u.valid_from.unwrap_or_else(reform_day),
            }
        })
        .collect()
}

/// The commune committees that took over from the committee of district
/// `district_code` (GSO code, `040` for Thành phố Cao Bằng): those of the new
/// communes that any of the district's old communes became part of. A new commune
/// made from two districts' communes succeeds both.
pub fn district_successors(district_code: &str) -> Vec<String> {
    admin_units()
        .iter()
        .filter(|u| u.district_code.as_deref() == Some(district_code) && u.valid_to.is_some())
        .flat_map(|u| u.successors.iter().map(|s| commune_committee_code(&s.code)))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect()
}

/// The assignments that `closed` (an agency with a last day) passes on to
/// `successors`: each of its tasks still open after that day (no due date, or due
/// later) goes to every successor that does not hold it yet, with the same role,
/// from the day after (or from the day the successor came into being, if later).
/// `held` are `closed`'s assignments with their task's due date; `holds` says
/// whether an agency already holds a task.
pub fn passed_on(
    closed: &AgencyRow,
    held: &[(AssignmentRow, Option<NaiveDate>)],
    successors: &[&AgencyRow],
    holds: &dyn Fn(&str, &str) -> bool,
) -> Vec<AssignmentRow> {
    let Some(last_day) = closed.valid_to else {
        return Vec::new();
    };
    let Some(next_day) = last_day.succ_opt() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (a, task_due) in held {
        let open = task_due.is_none_or(|due| due > last_day);
        let still_held = a.valid_to.is_none_or(|to| to >= last_day);
        if a.agency_code != closed.code || !open || !still_held {
            continue;
        }
        for s in successors {
            if s.code == closed.code || holds(&a.task_id, &s.code) {
                continue;
            }
            out.push(AssignmentRow {
                task_id: a.task_id.clone(),
                agency_code: s.code.clone(),
                role: a.role.clone(),
                valid_from: Some(next_day.max(s.valid_from)),
                valid_to: None,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap_or(NaiveDate::MIN)
    }

    fn agency(code: &str, from: NaiveDate, to: Option<NaiveDate>) -> AgencyRow {
        AgencyRow {
            code: code.into(),
            name: code.into(),
            kind: "district_committee".into(),
            reports: true,
            valid_from: from,
            valid_to: to,
            successor_code: None,
            created_at: chrono::NaiveDateTime::MIN,
            version: 1,
        }
    }

    fn assignment(task: &str, agency: &str) -> AssignmentRow {
        AssignmentRow {
            task_id: task.into(),
            agency_code: agency.into(),
            role: "lead".into(),
            valid_from: None,
            valid_to: None,
        }
    }

    #[test]
    fn the_56_commune_committees_come_from_the_commune_list() {
        let all = commune_committees();
        assert_eq!(all.len(), 56);
        let first = all
            .iter()
            .find(|c| c.code == "UBND-XA-01273")
            .unwrap_or_else(|| panic!("no 01273"));
        assert_eq!(first.name, "Ủy ban nhân dân phường Thục Phán");
        assert_eq!(first.valid_from, day(2025, 7, 1));
        assert!(all.iter().any(|c| c.name == "Ủy ban nhân dân xã Bảo Lâm"));
    }

    #[test]
    fn every_commune_succeeds_at_least_one_district() {
        let districts = [
            "040", "042", "043", "045", "047", "048", "049", "051", "052", "053",
        ];
        let mut all = BTreeSet::new();
        for d in districts {
            let heirs = district_successors(d);
            assert!(!heirs.is_empty(), "{d}");
            all.extend(heirs);
        }
        assert_eq!(all.len(), 56);
        // Phường Thục Phán took in communes of Thành phố Cao Bằng and of Hòa An.
        assert!(district_successors("040").contains(&"UBND-XA-01273".to_owned()));
        assert!(district_successors("051").contains(&"UBND-XA-01273".to_owned()));
        assert!(district_successors("999").is_empty());
    }

    #[test]
    fn open_tasks_pass_on_from_the_day_after_closed_ones_do_not() {
        let district = agency("UBND-HOAAN", day(2020, 1, 1), Some(day(2025, 6, 30)));
        let commune = agency("UBND-XA-01273", day(2025, 7, 1), None);
        let other = agency("UBND-XA-01288", day(2025, 7, 1), None);
        let held = [
            (assignment("recurring", "UBND-HOAAN"), None),
            (
                assignment("due-in-may", "UBND-HOAAN"),
                Some(day(2025, 5, 31)),
            ),
            (
                assignment("due-in-august", "UBND-HOAAN"),
                Some(day(2025, 8, 31)),
            ),
            (assignment("someone-elses", "SYT"), None),
        ];
        let holds = |task: &str, agency: &str| task == "recurring" && agency == "UBND-XA-01288";
        let passed = passed_on(&district, &held, &[&commune, &other], &holds);
        let got: Vec<(&str, &str)> = passed
            .iter()
            .map(|a| (a.task_id.as_str(), a.agency_code.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                ("recurring", "UBND-XA-01273"),
                ("due-in-august", "UBND-XA-01273"),
                ("due-in-august", "UBND-XA-01288"),
            ]
        );
        assert!(passed.iter().all(|a| a.valid_from == Some(day(2025, 7, 1))));
        assert!(passed.iter().all(|a| a.role == "lead"));
        // An agency still in existence passes nothing on.
        let open = agency("SYT", day(2025, 3, 1), None);
        assert!(passed_on(&open, &held, &[&commune], &|_, _| false).is_empty());
    }

    #[test]
    fn an_assignment_is_in_force_within_its_window_and_its_agencys() {
        let commune = agency("UBND-XA-01273", day(2025, 7, 1), None);
        let mut a = assignment("t", "UBND-XA-01273");
        a.valid_from = Some(day(2025, 7, 1));
        assert!(!a.in_force_on(&commune, day(2025, 6, 15)));
        assert!(a.in_force_on(&commune, day(2025, 12, 15)));
        let district = agency("UBND-HOAAN", day(2020, 1, 1), Some(day(2025, 6, 30)));
        let d = assignment("t", "UBND-HOAAN");
        assert!(d.in_force_on(&district, day(2025, 6, 15)));
        assert!(!d.in_force_on(&district, day(2025, 12, 15)));
        assert!(
            !d.in_force_on(&commune, day(2025, 12, 15)),
            "another agency"
        );
    }
}
