//! The versions of an agency, task or target, as `GET .../revisions` answers them.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use shared::error::ApiError;
use shared::pagination::{PageQuery, page_whole};
use utoipa::ToSchema;

use crate::db::models::RecordRevisionRow;

/// One version of a record, as it was.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct RecordRevision {
    pub version: i64,
    /// When this version was made (for a first version, when the record was).
    pub changed_at: DateTime<Utc>,
    /// Who made it; `null` for a first version whose author was not recorded (seeded
    /// or registered before versions were kept).
    pub changed_by: Option<String>,
    /// `created` or `updated`.
    pub action: String,
    /// Why it was changed (lý do thay đổi); `null` for a first version.
    pub change_reason: Option<String>,
    /// The record as it was at this version.
    #[schema(value_type = Object)]
    pub snapshot: serde_json::Value,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct RecordRevisionList {
    /// Newest first.
    pub items: Vec<RecordRevision>,
    pub next_cursor: Option<String>,
    /// The versions over all pages, when `?total=true` asked for it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total: Option<i64>,
}

/// One page of `rows` (newest first), keyed by version.
pub fn page(
    rows: Vec<RecordRevisionRow>,
    params: &PageQuery,
) -> Result<RecordRevisionList, ApiError> {
    let (rows, next_cursor, total) =
        page_whole(rows, params, |r| r.version.to_string())?.into_parts();
    let items = rows
        .into_iter()
        .map(|r| {
            Ok(RecordRevision {
                version: r.version,
                changed_at: r.changed_at.and_utc(),
                changed_by: r.changed_by,
                action: r.action,
                change_reason: r.change_reason,
                snapshot: serde_json::from_str(&r.snapshot).map_err(anyhow::Error::from)?,
            })
        })
        .collect::<Result<Vec<_>, ApiError>>()?;
    Ok(RecordRevisionList {
        items,
        next_cursor,
        total,
    })
}
