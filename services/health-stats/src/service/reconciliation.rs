//! The occupational-disease part of the BHXH reconciliation: disease decisions that
//! match no diagnosed case, and diagnosed cases with no decision after the waiting
//! period. incidents reads it over HTTP with the caller's token and lists it beside
//! the accident part (see `shared::bhxh::reconciliation`).

use std::collections::HashSet;

use chrono::NaiveDate;
use shared::auth::AuthUser;
use shared::bhxh::reconciliation::{FindingKind, ReconciliationItem};
use shared::bhxh::store::{self, DecisionFilter};
use shared::db::Db;
use shared::error::{ApiError, Text};

use crate::db::bhxh as repo;

/// The findings of `year` as of `today`; reading them is audited.
pub async fn reconciliation(
    db: &Db,
    user: &AuthUser,
    year: i32,
    wait_days: i64,
    today: NaiveDate,
) -> Result<Vec<ReconciliationItem>, ApiError> {
    // The labour inspectors read it through incidents' reconciliation too.
    super::access::check("get_bhxh_disease_reconciliation", user)?;
    let (Some(start), Some(end)) = (
        NaiveDate::from_ymd_opt(year, 1, 1),
        NaiveDate::from_ymd_opt(year + 1, 1, 1),
    ) else {
        return Err(ApiError::bad_parameter(
            "period",
            "invalid_period",
            Text::new("Năm không hợp lệ.", "Invalid year."),
        ));
    };
    let user = user.clone();
    db.run(move |conn| {
        shared::db::transaction(conn, |conn| {
            let filter = DecisionFilter {
                unmatched: Some(true),
                decided_from: Some(start),
                decided_before: Some(end),
                ..DecisionFilter::default()
            };
            let mut decisions = store::list_decisions(conn, &filter, None, i64::MAX)?;
            decisions.sort_by(|a, b| a.decision_date.cmp(&b.decision_date).then(a.id.cmp(&b.id)));
            let cases = repo::cases_diagnosed_between(conn, start, end)?;
            let ids: Vec<String> = cases.iter().map(|c| c.id.clone()).collect();
            let decided: HashSet<String> =
                store::subjects_with_decision(conn, &ids)?.into_iter().collect();
            let waiting: Vec<_> = cases
                .into_iter()
                .filter(|c| !decided.contains(&c.id))
                .map(|c| ((today - c.diagnosed_on).num_days(), c))
                .filter(|(days, _)| *days > wait_days)
                .collect();

            let decision_ids: Vec<&str> = decisions.iter().map(|d| d.id.as_str()).collect();
            let case_ids: Vec<&str> = waiting.iter().map(|(_, c)| c.id.as_str()).collect();
            shared::audit::record(conn, &user, "read", "benefit_decision", &decision_ids)?;
            shared::audit::record(conn, &user, "read", "disease_case", &case_ids)?;

            let mut items: Vec<ReconciliationItem> = decisions
                .into_iter()
                .map(|d| ReconciliationItem {
                    decision_number: Some(d.decision_number.clone()),
                    decision_date: Some(d.decision_date),
                    case_reference: Some(d.case_reference.clone()),
                    decision_id: Some(d.id),
                    ..ReconciliationItem::new(
                        FindingKind::DecisionWithoutDiseaseCase,
                        crate::SERVICE.name,
                        Text::new(
                            format!(
                                "Quyết định {} ngày {} của BHXH không khớp với ca bệnh nghề nghiệp nào đã chẩn đoán (mã hồ sơ {} không phải của người có số định danh này): có thể có ca bệnh chưa được báo cáo.",
                                d.decision_number, d.decision_date, d.case_reference
                            ),
                            format!(
                                "BHXH decision {} of {} matches no diagnosed occupational-disease case (case reference {} is not this person's): a case may not have been reported.",
                                d.decision_number, d.decision_date, d.case_reference
                            ),
                        ),
                        d.personal_id,
                    )
                })
                .collect();
            items.extend(waiting.into_iter().map(|(days, c)| ReconciliationItem {
                disease_case_id: Some(c.id),
                disease_code: Some(c.disease_code.clone()),
                diagnosed_on: Some(c.diagnosed_on),
                days_since_diagnosis: Some(days),
                ..ReconciliationItem::new(
                    FindingKind::DiagnosedWithoutDecision,
                    crate::SERVICE.name,
                    Text::new(
                        format!(
                            "Người lao động được chẩn đoán bệnh nghề nghiệp {} ngày {}, đã {days} ngày (quá {wait_days} ngày) mà chưa có quyết định hưởng chế độ nào của BHXH: có thể chưa lập hồ sơ đề nghị.",
                            c.disease_code, c.diagnosed_on
                        ),
                        format!(
                            "The worker was diagnosed with occupational disease {} on {}, {days} days ago (more than {wait_days}), and BHXH has sent no benefit decision: the claim may never have been made.",
                            c.disease_code, c.diagnosed_on
                        ),
                    ),
                    c.personal_id,
                )
            }));
            Ok::<_, ApiError>(items)
        })
    })
    .await
}
