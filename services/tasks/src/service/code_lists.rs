//! The code lists of the tasks service: its agencies (from the database, with their
//! validity and successor), agency kinds, assignment roles and the plan's indicators,
//! each code with its Vietnamese and English name. Read by the plan's readers, like
//! the agencies and plans themselves.

use chrono::NaiveDate;
use shared::auth::AuthUser;
use shared::code_lists::{CodeList, CodeListItem, CodeListSummary, summary};
use shared::db::Db;
use shared::error::ApiError;
use shared::figures::Indicator;

use crate::db::agencies;
use crate::domain::seed::{AgencyKind, AssignmentRole};

/// The lists of this service and the fields that take their codes.
pub fn lists(user: &AuthUser) -> Result<Vec<CodeListSummary>, ApiError> {
    super::access::check("list_code_lists", user)?;
    Ok(vec![
        summary(
            "agencies",
            "Cơ quan, đơn vị được giao nhiệm vụ",
            "Agencies assigned by the plan",
            &[
                "/assignments/{i}/agency (tasks)",
                "/agency (plan reports)",
                "?agency",
            ],
            true,
        ),
        summary(
            "agency-kinds",
            "Loại cơ quan, đơn vị",
            "Kinds of agency",
            &["/kind (agencies)", "?kind"],
            true,
        ),
        summary(
            "assignment-roles",
            "Vai trò trong nhiệm vụ",
            "Roles in a task",
            &["/assignments/{i}/role (tasks)"],
            true,
        ),
        summary(
            "indicators",
            "Chỉ tiêu của Kế hoạch 664/KH-UBND",
            "Indicators of plan 664/KH-UBND",
            &["/target/code (KPIs)"],
            true,
        ),
    ])
}

const KINDS: [(AgencyKind, &str, &str); 10] = [
    (
        AgencyKind::Department,
        "Sở, ban, ngành cấp tỉnh",
        "Provincial department",
    ),
    (
        AgencyKind::ProvincialBoard,
        "Ban quản lý cấp tỉnh",
        "Provincial board",
    ),
    (
        AgencyKind::ArmedForce,
        "Công an, quân sự",
        "Police or military command",
    ),
    (AgencyKind::Press, "Cơ quan báo chí", "Press"),
    (AgencyKind::Insurer, "Bảo hiểm xã hội", "Social insurance"),
    (
        AgencyKind::Association,
        "Hiệp hội, liên minh",
        "Association",
    ),
    (
        AgencyKind::MassOrganisation,
        "Tổ chức chính trị - xã hội",
        "Mass organisation",
    ),
    (
        AgencyKind::DistrictCommittee,
        "Ủy ban nhân dân cấp huyện (đến 30/6/2025)",
        "District people's committee (until 30 June 2025)",
    ),
    (
        AgencyKind::CommuneCommittee,
        "Ủy ban nhân dân cấp xã",
        "Commune people's committee",
    ),
    (
        AgencyKind::EnterpriseGroup,
        "Doanh nghiệp, hợp tác xã, cơ sở",
        "Enterprises, cooperatives and establishments",
    ),
];

const ROLES: [(AssignmentRole, &str, &str); 3] = [
    (AssignmentRole::Lead, "Chủ trì", "Lead"),
    (AssignmentRole::Coordinate, "Phối hợp", "Coordinate"),
    (AssignmentRole::Requested, "Đề nghị", "Requested"),
];

fn item(code: &str, vi: &str, en: &str) -> CodeListItem {
    CodeListItem {
        code: code.to_owned(),
        name: vi.to_owned(),
        name_en: Some(en.to_owned()),
        ..CodeListItem::default()
    }
}

/// The list `name`; `valid_on` keeps the agencies that existed that day.
pub async fn list(
    db: &Db,
    user: &AuthUser,
    name: String,
    valid_on: Option<NaiveDate>,
) -> Result<CodeList, ApiError> {
    super::access::check("get_code_list", user)?;
    let source = "Kế hoạch 664/KH-UBND (services/tasks/seed/plan-664.json)";
    let fixed = |name: &str, items: Vec<CodeListItem>| CodeList {
        name: name.to_owned(),
        source: source.to_owned(),
        verified: true,
        items,
    };
    Ok(match name.as_str() {
        "agencies" => {
            let rows = db.run(agencies::all).await?;
            fixed(
                "agencies",
                rows.into_iter()
                    .filter(|a| valid_on.is_none_or(|d| a.in_force_on(d)))
                    .map(|a| CodeListItem {
                        code: a.code,
                        name: a.name,
                        kind: Some(a.kind),
                        valid_from: Some(a.valid_from),
                        valid_to: a.valid_to,
                        successor_codes: a.successor_code.into_iter().collect(),
                        ..CodeListItem::default()
                    })
                    .collect(),
            )
        }
        "agency-kinds" => fixed(
            "agency-kinds",
            KINDS
                .iter()
                .map(|(k, vi, en)| item(k.as_str(), vi, en))
                .collect(),
        ),
        "assignment-roles" => fixed(
            "assignment-roles",
            ROLES
                .iter()
                .map(|(r, vi, en)| item(r.as_str(), vi, en))
                .collect(),
        ),
        "indicators" => fixed(
            "indicators",
            Indicator::ALL
                .into_iter()
                .map(|i| {
                    let (vi, en) = i.names();
                    item(i.code(), vi, en)
                })
                .collect(),
        ),
        _ => {
            return Err(ApiError::NotFound {
                resource: "code list",
            });
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_agency_kind_has_names() {
        for (kind, vi, en) in KINDS {
            assert_eq!(AgencyKind::parse(kind.as_str()), Some(kind));
            assert!(!vi.is_empty() && !en.is_empty());
        }
    }
}
