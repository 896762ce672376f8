//! The BHXH exchange of health-stats (docs/domain.md, "BHXH benefit rules"): the change feed of diagnosed
//! occupational-disease cases for the `insurer` and the benefit decisions BHXH sends
//! back, both run by `shared::bhxh::exchange`; this module says what they are about.
//!
//! Every change that makes a case enter or change in the feed is recorded in the
//! transaction of that change ([`record_change`]).

use std::collections::HashMap;

use diesel::QueryResult;
use shared::access::Access;
use shared::auth::AuthUser;
use shared::bhxh::exchange::{self, Subject};
use shared::db::DbConnection;
use shared::error::ApiError;

use crate::db::bhxh as repo;
use crate::db::models::DiseaseCaseRow;
use crate::domain::bhxh::FeedReason;

/// What the BHXH exchange of health-stats is about: occupational-disease cases.
pub struct DiseaseCases;

impl Subject for DiseaseCases {
    const KIND: &'static str = "occupational_disease_case";
    type Record = DiseaseCaseRow;

    fn records(
        conn: &mut DbConnection,
        ids: &[String],
    ) -> Result<HashMap<String, DiseaseCaseRow>, ApiError> {
        Ok(repo::cases_by_id(conn, ids)?
            .into_iter()
            .map(|c| (c.id.clone(), c))
            .collect())
    }

    fn of_person(
        conn: &mut DbConnection,
        reference: &str,
        personal_id: &str,
    ) -> QueryResult<Option<String>> {
        let cases = repo::cases_by_id(conn, &[reference.to_owned()])?;
        Ok(cases
            .into_iter()
            .find(|c| c.personal_id == personal_id)
            .map(|c| c.id))
    }

    fn check(operation: &str, user: &AuthUser) -> Result<Access, ApiError> {
        super::access::check(operation, user)
    }
}

/// Appends one feed change for the case, in the caller's transaction.
pub fn record_change(
    conn: &mut DbConnection,
    case_id: &str,
    reason: FeedReason,
) -> Result<(), ApiError> {
    exchange::record_change::<DiseaseCases>(conn, &[case_id.to_owned()], reason.as_str())
}
