//! The BHXH exchange of incidents (docs/domain.md, "BHXH benefit rules"): the change feed of confirmed
//! occupational-accident casualties for the `insurer`, the benefit decisions BHXH
//! sends back (both run by `shared::bhxh::exchange`), and the claim dossier; their
//! reconciliation is in [`super::reconciliation`].
//!
//! Every change that makes a casualty enter, change in or leave the feed is recorded
//! in the transaction of that change ([`record_change`]).

use std::collections::HashMap;

use diesel::prelude::*;
use shared::access::Access;
use shared::auth::AuthUser;
use shared::bhxh::exchange::{self, Subject};
use shared::bhxh::store as feed_store;
use shared::db::{Db, DbConnection};
use shared::error::ApiError;

use crate::db::bhxh as repo;
use crate::db::models::{AccidentRow, CasualtyRow, EstablishmentRow, InvestigationRow};
use crate::domain::bhxh::FeedReason;
use crate::domain::investigation::InvestigationRecord;

/// Whether the investigation concluded the accident is occupational (có phải TNLĐ).
pub fn is_confirmed(investigation: Option<&InvestigationRow>) -> bool {
    investigation
        .and_then(|i| serde_json::from_str::<InvestigationRecord>(&i.record).ok())
        .is_some_and(|r| r.is_occupational_accident == Some(true))
}

/// What the BHXH exchange of incidents is about: casualties.
pub struct Casualties;

/// A casualty as its feed entry shows it.
#[derive(Clone, Debug)]
pub struct CasualtyRecord {
    pub casualty: CasualtyRow,
    pub accident: AccidentRow,
    pub establishment: Option<EstablishmentRow>,
    /// Whether the casualty is in the feed now (its case is still confirmed).
    pub confirmed: bool,
}

impl Subject for Casualties {
    const KIND: &'static str = "casualty";
    type Record = CasualtyRecord;

    fn records(
        conn: &mut DbConnection,
        ids: &[String],
    ) -> Result<HashMap<String, CasualtyRecord>, ApiError> {
        let casualties = repo::casualties_by_id(conn, ids)?;
        let accident_ids: Vec<String> = casualties.iter().map(|c| c.accident_id.clone()).collect();
        let accidents: HashMap<String, AccidentRow> = repo::accidents_by_id(conn, &accident_ids)?
            .into_iter()
            .map(|a| (a.id.clone(), a))
            .collect();
        let establishment_ids: Vec<String> = accidents
            .values()
            .filter_map(|a| a.establishment_id.clone())
            .collect();
        let establishments: HashMap<String, EstablishmentRow> =
            repo::establishments_by_id(conn, &establishment_ids)?
                .into_iter()
                .map(|e| (e.id.clone(), e))
                .collect();
        let investigations: HashMap<String, InvestigationRow> =
            crate::db::accidents::investigations_of(conn, &accident_ids)?
                .into_iter()
                .map(|i| (i.accident_id.clone(), i))
                .collect();
        let mut records = HashMap::with_capacity(casualties.len());
        for casualty in casualties {
            let Some(accident) = accidents.get(&casualty.accident_id) else {
                continue;
            };
            let record = CasualtyRecord {
                establishment: accident
                    .establishment_id
                    .as_ref()
                    .and_then(|id| establishments.get(id))
                    .cloned(),
                confirmed: is_confirmed(investigations.get(&accident.id)),
                accident: accident.clone(),
                casualty,
            };
            records.insert(record.casualty.id.clone(), record);
        }
        Ok(records)
    }

    fn of_person(
        conn: &mut DbConnection,
        reference: &str,
        personal_id: &str,
    ) -> QueryResult<Option<String>> {
        let casualties = repo::casualties_by_id(conn, &[reference.to_owned()])?;
        Ok(casualties
            .into_iter()
            .find(|c| c.personal_id == personal_id)
            .map(|c| c.id))
    }

    fn check(operation: &str, user: &AuthUser) -> Result<Access, ApiError> {
        crate::access::check(operation, user)
    }
}

/// Appends one feed change per casualty, in the caller's transaction.
pub fn record_change(
    conn: &mut DbConnection,
    casualties: &[&CasualtyRow],
    reason: FeedReason,
) -> Result<(), ApiError> {
    let ids: Vec<String> = casualties.iter().map(|c| c.id.clone()).collect();
    exchange::record_change::<Casualties>(conn, &ids, reason.as_str())
}

/// The feed changes an investigation save makes: its casualties enter the feed when
/// the conclusion becomes "occupational accident", and leave it when it stops being so.
pub fn investigation_saved(
    conn: &mut DbConnection,
    casualties: &[CasualtyRow],
    was_confirmed: bool,
    is_confirmed: bool,
) -> Result<(), ApiError> {
    let reason = match (was_confirmed, is_confirmed) {
        (false, true) => FeedReason::Confirmed,
        (true, false) => FeedReason::Withdrawn,
        _ => return Ok(()),
    };
    let all: Vec<&CasualtyRow> = casualties.iter().collect();
    record_change(conn, &all, reason)
}

/// What BHXH needs to decide a claim on one casualty (hồ sơ giải quyết chế độ TNLĐ),
/// and nothing more: the investigation's conclusion and reference, and the loss of
/// working capacity if a decision on it came back.
#[derive(Clone, Debug)]
pub struct Dossier {
    pub casualty_id: String,
    pub accident_id: String,
    pub severity: String,
    pub investigation: InvestigationRecord,
    /// From the latest benefit decision that states it (incidents records no medical
    /// assessment of its own).
    pub capacity_loss_percent: Option<i64>,
}

/// The claim dossier of `casualty_id`. The insurer reads only casualties in its feed
/// (the investigation concluded: occupational accident); anything else is 404 to it,
/// exactly as a casualty that does not exist. The read is audited.
pub async fn dossier(db: &Db, user: &AuthUser, casualty_id: String) -> Result<Dossier, ApiError> {
    let access = crate::access::check("get_bhxh_accident_case_dossier", user)?;
    let user = user.clone();
    db.run(move |conn| {
        shared::db::transaction(conn, |conn| {
            let not_found = || ApiError::NotFound {
                resource: "casualty",
            };
            let casualty = repo::casualties_by_id(conn, std::slice::from_ref(&casualty_id))?
                .into_iter()
                .next()
                .ok_or_else(not_found)?;
            let investigation = crate::db::accidents::investigation(conn, &casualty.accident_id)?;
            let in_feed = is_confirmed(investigation.as_ref());
            if access.condition == shared::access::Condition::InBhxhFeed && !in_feed {
                return Err(not_found());
            }
            let record = investigation
                .and_then(|i| serde_json::from_str::<InvestigationRecord>(&i.record).ok())
                .ok_or_else(not_found)?;
            let capacity_loss_percent = feed_store::decisions_of_subject(conn, &casualty.id)?
                .into_iter()
                .find_map(|d| d.capacity_loss_percent);
            shared::audit::record(conn, &user, "read", "casualty", &[casualty.id.as_str()])?;
            Ok::<_, ApiError>(Dossier {
                casualty_id: casualty.id,
                accident_id: casualty.accident_id,
                severity: casualty.severity,
                investigation: record,
                capacity_loss_percent,
            })
        })
    })
    .await
}
