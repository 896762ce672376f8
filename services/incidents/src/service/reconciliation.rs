//! The reconciliation (đối soát) of BHXH's benefit decisions with the suite's records:
//! the accident part from this service's database — decisions that match no casualty
//! (an accident never declared), fatal casualties with no decision after the waiting
//! period — and the occupational-disease part read from health-stats over HTTP with
//! the caller's token. A health-stats that is down, slow or refuses makes its part
//! `available: false` with the reason, never an error of the whole answer.

use std::collections::HashSet;
use std::time::Duration;

use chrono::NaiveDate;
use shared::auth::AuthUser;
use shared::bhxh::reconciliation::{
    FindingKind, Reconciliation, ReconciliationItem, ReconciliationPart,
};
use shared::bhxh::store::{self, DecisionFilter};
use shared::config::Upstreams;
use shared::db::Db;
use shared::error::{ApiError, Text};
use shared::http_client::{Unavailable, UnavailableReason, get_json, unavailable};

use crate::db::bhxh as repo;
use crate::domain::accident::Severity;

/// How to reach health-stats for its part.
pub struct DiseasePart<'a> {
    pub client: &'a reqwest::Client,
    pub upstreams: &'a Upstreams,
    /// The caller's own token: health-stats decides what it may read.
    pub bearer: Option<String>,
}

/// The reconciliation of `year` as of `today`: both parts, each marked available or
/// not. Reading it is audited (here, and in health-stats for its part).
pub async fn reconciliation(
    db: &Db,
    user: &AuthUser,
    disease: DiseasePart<'_>,
    year: i32,
    wait_days: i64,
    today: NaiveDate,
) -> Result<Reconciliation, ApiError> {
    crate::access::check("get_bhxh_reconciliation", user)?;
    let (accidents, diseases) = tokio::join!(
        accident_findings(db, user, year, wait_days, today),
        disease_findings(&disease, year, wait_days),
    );
    let mut items = accidents?;
    let mut parts = vec![ReconciliationPart {
        source: crate::SERVICE.name.to_owned(),
        available: true,
        unavailable: None,
    }];
    let health_stats = "health-stats".to_owned();
    match diseases {
        Ok(found) => {
            items.extend(found);
            parts.push(ReconciliationPart {
                source: health_stats,
                available: true,
                unavailable: None,
            });
        }
        Err(missing) => parts.push(ReconciliationPart {
            source: health_stats,
            available: false,
            unavailable: Some(missing),
        }),
    }
    // Decisions of both parts first, by date; then records without a decision.
    items.sort_by(|a, b| {
        let key = |i: &ReconciliationItem| (i.decision_date.is_none(), i.decision_date);
        key(a)
            .cmp(&key(b))
            .then_with(|| a.decision_id.cmp(&b.decision_id))
    });
    Ok(Reconciliation::new(
        year.to_string(),
        wait_days,
        today,
        items,
        parts,
    ))
}

async fn disease_findings(
    part: &DiseasePart<'_>,
    year: i32,
    wait_days: i64,
) -> Result<Vec<ReconciliationItem>, Unavailable> {
    let Some(base) = part.upstreams.health_stats.as_deref() else {
        return Err(unavailable(
            UnavailableReason::NotConfigured,
            "no health-stats URL configured",
        ));
    };
    let first = format!(
        "{}/api/v1/exchange/bhxh/reconciliation?period={year}&wait_days={wait_days}&limit={}",
        base.trim_end_matches('/'),
        shared::pagination::MAX_LIMIT
    );
    let deadline = tokio::time::Instant::now() + Duration::from_millis(part.upstreams.timeout_ms);
    // Every page of health-stats' part, within the one deadline: the findings of both
    // parts are sorted together before this answer is paged.
    let mut items = Vec::new();
    let mut url = first.clone();
    loop {
        let answer: Reconciliation =
            get_json(part.client, &url, part.bearer.as_deref(), deadline).await?;
        items.extend(answer.items);
        match answer.next_cursor {
            Some(cursor) => url = format!("{first}&cursor={cursor}"),
            None => return Ok(items),
        }
    }
}

/// Midnight of `day` in Viet Nam, in UTC as accident times are stored.
fn vietnam_midnight(day: NaiveDate) -> chrono::NaiveDateTime {
    shared::time::start_of_day_utc(day)
}

async fn accident_findings(
    db: &Db,
    user: &AuthUser,
    year: i32,
    wait_days: i64,
    today: NaiveDate,
) -> Result<Vec<ReconciliationItem>, ApiError> {
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
    let vietnam = shared::time::vietnam();
    db.run(move |conn| {
        shared::db::transaction(conn, |conn| {
            let filter = DecisionFilter {
                unmatched: Some(true),
                decided_from: Some(start),
                decided_before: Some(end),
                ..DecisionFilter::default()
            };
            let decisions = store::list_decisions(conn, &filter, None, i64::MAX)?;
            let fatal = repo::casualties_of_severity(
                conn,
                Severity::Fatal.as_str(),
                vietnam_midnight(start),
                vietnam_midnight(end),
            )?;
            let ids: Vec<String> = fatal.iter().map(|(c, _)| c.id.clone()).collect();
            let decided: HashSet<String> = store::subjects_with_decision(conn, &ids)?
                .into_iter()
                .collect();
            let waiting: Vec<_> = fatal
                .into_iter()
                .filter(|(c, _)| !decided.contains(&c.id))
                .map(|(c, a)| {
                    let day = a.occurred_at.and_utc().with_timezone(&vietnam).date_naive();
                    ((today - day).num_days(), day, c, a)
                })
                .filter(|(days, ..)| *days > wait_days)
                .collect();

            let decision_ids: Vec<&str> = decisions.iter().map(|d| d.id.as_str()).collect();
            let casualty_ids: Vec<&str> =
                waiting.iter().map(|(_, _, c, _)| c.id.as_str()).collect();
            shared::audit::record(conn, &user, "read", "benefit_decision", &decision_ids)?;
            shared::audit::record(conn, &user, "read", "casualty", &casualty_ids)?;

            let mut items: Vec<ReconciliationItem> = decisions
                .into_iter()
                .map(|d| ReconciliationItem {
                    decision_number: Some(d.decision_number.clone()),
                    decision_date: Some(d.decision_date),
                    case_reference: Some(d.case_reference.clone()),
                    decision_id: Some(d.id),
                    ..ReconciliationItem::new(
                        FindingKind::DecisionWithoutAccident,
                        crate::SERVICE.name,
                        Text::new(
                            format!(
                                "Quyết định {} ngày {} của BHXH không khớp với người bị nạn nào trong hồ sơ tai nạn lao động (mã hồ sơ {} không phải của người có số định danh này): có thể có vụ tai nạn chưa được khai báo.",
                                d.decision_number, d.decision_date, d.case_reference
                            ),
                            format!(
                                "BHXH decision {} of {} matches no casualty in the accident records (case reference {} is not this person's): an accident may not have been declared.",
                                d.decision_number, d.decision_date, d.case_reference
                            ),
                        ),
                        d.personal_id,
                    )
                })
                .collect();
            items.extend(waiting.into_iter().map(|(days, day, c, a)| ReconciliationItem {
                casualty_id: Some(c.id),
                accident_id: Some(a.id),
                accident_date: Some(day),
                days_since_accident: Some(days),
                ..ReconciliationItem::new(
                    FindingKind::FatalWithoutDecision,
                    crate::SERVICE.name,
                    Text::new(
                        format!(
                            "Người bị nạn chết trong vụ tai nạn ngày {day}, đã {days} ngày (quá {wait_days} ngày) mà chưa có quyết định hưởng chế độ nào của BHXH."
                        ),
                        format!(
                            "A worker died in the accident of {day}, {days} days ago (more than {wait_days}), and BHXH has sent no benefit decision."
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
