//! One engine for versioned statutory filings (accident, health-exam, monitoring and
//! plan reports): a filer sends the whole report again to correct it, and every
//! filing becomes a new version with its revision and a filing receipt.
//!
//! [`file`] runs, in the caller's transaction: find the report already filed for the
//! same key → apply the reason policy → store the new version (412 if another filing
//! got there first) → write the revision → issue the receipt. The service builds the
//! row from what it validated; the row type says how it is stored ([`Filing`], in
//! the service's `db` module). The answer is a [`Filed`] outcome, not an HTTP status:
//! the routes choose the status ([`status`]).

use chrono::NaiveDateTime;
use diesel::QueryResult;
use serde::Serialize;

use crate::db::DbConnection;
use crate::error::{ApiError, Text};
use crate::receipts::{self, Receipt};

/// What a filing did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Filed {
    /// The first filing for its key.
    Created,
    /// A new version of a report already filed.
    Updated,
    /// A bulk import's row that repeats the stored report: nothing written.
    Unchanged,
}

/// The HTTP status of a filing's answer: 201 for a new report, 200 otherwise.
pub fn status(filed: Filed) -> actix_web::http::StatusCode {
    match filed {
        Filed::Created => actix_web::http::StatusCode::CREATED,
        Filed::Updated | Filed::Unchanged => actix_web::http::StatusCode::OK,
    }
}

/// A stored report row that is filed in versions.
pub trait Filing: Serialize + Clone + Sized {
    /// What identifies one report: a second filing for the same key is a correction.
    type Key: ?Sized;
    /// The receipt kind (`accident_report`, …).
    const RECEIPT_KIND: &'static str;

    fn id(&self) -> &str;
    fn version(&self) -> i64;
    fn first_received_at(&self) -> NaiveDateTime;
    fn find_for(conn: &mut DbConnection, key: &Self::Key) -> QueryResult<Option<Self>>;
    fn insert(&self, conn: &mut DbConnection) -> QueryResult<()>;
    /// Replaces the stored row if it is still at `expected`; false when someone was first.
    fn update_if_version(&self, conn: &mut DbConnection, expected: i64) -> QueryResult<bool>;
    /// Records this version; `previous` is the version it replaces.
    fn insert_revision(
        &self,
        conn: &mut DbConnection,
        previous: Option<&Self>,
        reason: &str,
    ) -> QueryResult<()>;

    /// Whether correcting `existing` needs a `change_reason` (every filing but a plan
    /// report still awaiting review, or returned to be filed again).
    fn needs_reason(_existing: &Self) -> bool {
        true
    }
    /// The revision's reason when the filer gave none.
    fn default_reason(_previous: Option<&Self>) -> &'static str {
        "Nộp lần đầu (first filing)"
    }
    /// Whether `new` says nothing `stored` does not (a bulk import leaves it then).
    fn same_content(_stored: &Self, _new: &Self) -> bool {
        false
    }
}

/// What a new version takes over from the report it corrects.
pub struct Next<'a, R> {
    pub id: String,
    pub version: i64,
    /// When the report was first filed: timeliness is judged by it, so a correction
    /// does not make a report late.
    pub first_received_at: NaiveDateTime,
    pub now: NaiveDateTime,
    pub previous: Option<&'a R>,
}

/// How a report already filed for the key is treated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Correction<'a> {
    /// The API: a corrected version needs its `change_reason` ([`Filing::needs_reason`]).
    NeedsReason,
    /// A bulk import: the row corrects the report under this reason unless it gives
    /// one, or leaves it if nothing differs.
    Bulk(&'a str),
}

/// One filing as asked.
pub struct Request<'a> {
    pub principal: &'a str,
    pub body_sha256: &'a str,
    pub change_reason: Option<&'a str>,
    pub correction: Correction<'a>,
    /// False for a dry run, which signs nothing.
    pub receipt: bool,
}

/// A filing's result: the stored version, the one it replaced, its receipt.
pub struct Stored<R> {
    pub row: R,
    pub previous: Option<R>,
    pub receipt: Option<Receipt>,
    pub filed: Filed,
}

/// The one answer to a correction without a reason, whatever the filing.
pub fn reason_required() -> ApiError {
    ApiError::field(
        "/change_reason",
        "change_reason_required",
        Text::new(
            "Báo cáo này đã được nộp; bản sửa đổi phải nêu lý do (change_reason).",
            "This report was already filed; a corrected version needs a change_reason.",
        ),
    )
}

/// The revision snapshot of a row.
pub fn snapshot(row: &impl Serialize) -> QueryResult<String> {
    serde_json::to_string(row).map_err(|e| diesel::result::Error::SerializationError(e.into()))
}

/// The reason a bulk import's filing records, as [`file`] picks it under
/// [`Correction::Bulk`]: the row's own `change_reason`, else `bulk` for a correction,
/// else the first filing's ([`Filing::default_reason`]).
pub fn bulk_reason<'a, R: Filing>(
    previous: Option<&R>,
    change_reason: Option<&'a str>,
    bulk: &'a str,
) -> &'a str {
    match (
        change_reason.map(str::trim).filter(|r| !r.is_empty()),
        previous,
    ) {
        (Some(given), _) => given,
        (None, Some(_)) => bulk,
        (None, None) => R::default_reason(None),
    }
}

/// Files a report (or a new version of it) in the caller's transaction; `build`
/// makes the row from what it takes over.
pub fn file<R: Filing>(
    conn: &mut DbConnection,
    key: &R::Key,
    request: &Request<'_>,
    build: impl FnOnce(Next<'_, R>) -> R,
) -> Result<Stored<R>, ApiError> {
    let now = crate::db::now();
    let existing = R::find_for(conn, key)?;
    let given = request
        .change_reason
        .map(str::trim)
        .filter(|r| !r.is_empty());
    let row = build(Next {
        id: existing
            .as_ref()
            .map_or_else(|| uuid::Uuid::now_v7().to_string(), |e| e.id().to_owned()),
        version: existing.as_ref().map_or(1, |e| e.version() + 1),
        first_received_at: existing.as_ref().map_or(now, |e| e.first_received_at()),
        now,
        previous: existing.as_ref(),
    });
    let reason = match (&existing, request.correction, given) {
        (Some(old), Correction::Bulk(_), _) if R::same_content(old, &row) => {
            let receipt = receipts::for_subject(conn, R::RECEIPT_KIND, old.id())?.pop();
            return Ok(Stored {
                row: old.clone(),
                previous: None,
                receipt,
                filed: Filed::Unchanged,
            });
        }
        (_, _, Some(reason)) => reason,
        (Some(old), Correction::NeedsReason, None) if R::needs_reason(old) => {
            return Err(reason_required());
        }
        (Some(_), Correction::Bulk(reason), None) => reason,
        (previous, _, None) => R::default_reason(previous.as_ref()),
    };
    match &existing {
        Some(old) => {
            if !row.update_if_version(conn, old.version())? {
                return Err(ApiError::PreconditionFailed {
                    current_version: old.version() + 1,
                });
            }
        }
        None => row.insert(conn)?,
    }
    row.insert_revision(conn, existing.as_ref(), reason)?;
    let receipt = if request.receipt {
        Some(receipts::issue(
            conn,
            R::RECEIPT_KIND,
            row.id(),
            request.body_sha256,
            request.principal,
            now,
        )?)
    } else {
        None
    };
    let filed = if existing.is_some() {
        Filed::Updated
    } else {
        Filed::Created
    };
    Ok(Stored {
        row,
        previous: existing,
        receipt,
        filed,
    })
}

/// The storage half of a [`Filing`] impl for a report row with `id`, `version`,
/// `first_received_at`, `received_at` and `submitted_by` columns whose revisions
/// table stores `(report_id, version, received_at, submitted_by, change_reason,
/// snapshot)`: write it inside the `impl Filing` block, which keeps only its key,
/// `find_for` and any policy of its own.
///
/// ```ignore
/// impl Filing for HealthReportRow {
///     type Key = (String, String);
///     const RECEIPT_KIND: &'static str = "health_exam_report";
///     shared::filing_storage!(health_exam_reports, health_exam_report_revisions, HealthReportRevisionRow);
///     fn find_for(…) -> … { … }
/// }
/// ```
#[macro_export]
macro_rules! filing_storage {
    ($table:ident, $revisions:ident, $revision_row:ident) => {
        fn id(&self) -> &str {
            &self.id
        }

        fn version(&self) -> i64 {
            self.version
        }

        fn first_received_at(&self) -> ::chrono::NaiveDateTime {
            self.first_received_at
        }

        fn insert(&self, conn: &mut $crate::db::DbConnection) -> ::diesel::QueryResult<()> {
            ::diesel::RunQueryDsl::execute(::diesel::insert_into($table::table).values(self), conn)
                .map(|_| ())
        }

        fn update_if_version(
            &self,
            conn: &mut $crate::db::DbConnection,
            expected: i64,
        ) -> ::diesel::QueryResult<bool> {
            use ::diesel::{ExpressionMethods as _, QueryDsl as _};
            let n = ::diesel::RunQueryDsl::execute(
                ::diesel::update(
                    $table::table
                        .filter($table::id.eq(&self.id))
                        .filter($table::version.eq(expected)),
                )
                .set(self),
                conn,
            )?;
            Ok(n == 1)
        }

        fn insert_revision(
            &self,
            conn: &mut $crate::db::DbConnection,
            _previous: Option<&Self>,
            reason: &str,
        ) -> ::diesel::QueryResult<()> {
            ::diesel::RunQueryDsl::execute(
                ::diesel::insert_into($revisions::table).values($revision_row {
                    report_id: self.id.clone(),
                    version: self.version,
                    received_at: self.received_at,
                    submitted_by: self.submitted_by.clone(),
                    change_reason: reason.to_owned(),
                    snapshot: $crate::filing::snapshot(self)?,
                }),
                conn,
            )
            .map(|_| ())
        }
    };
}
