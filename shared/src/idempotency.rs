//! Idempotent and dry-run writes (docs/integration.md, "5. Writes: idempotency, dry runs,
//! versions"; Stripe's promise).
//!
//! [`execute`] runs a write in one transaction together with its idempotency record:
//! - the same caller, operation, key and body replay the first response
//!   (`Idempotency-Replayed: true`);
//! - the same key with another body is refused (422 `idempotency_key_reused`);
//! - a concurrent duplicate waits for the first (PostgreSQL blocks on the key's
//!   primary key) and then replays it, so there is never a second record;
//! - `dry_run` does the whole write, builds the answer, and rolls it all back.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderName};
use actix_web::{HttpRequest, HttpResponse};
use diesel::prelude::*;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::db::{self, DbConnection};
use crate::error::{ApiError, FieldError, Text};

diesel::table! {
    idempotency_keys (scope, idempotency_key) {
        scope -> Text,
        idempotency_key -> Text,
        request_sha256 -> Text,
        response_status -> Integer,
        response_body -> Text,
        response_location -> Nullable<Text>,
        response_etag -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

pub const IDEMPOTENCY_KEY: HeaderName = HeaderName::from_static("idempotency-key");
pub const IDEMPOTENCY_REPLAYED: HeaderName = HeaderName::from_static("idempotency-replayed");
/// Keys are kept for twice the promised 24 hours before they are purged.
const RETENTION_HOURS: i64 = 48;

/// `?dry_run=true`: validate and answer, write nothing.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct WriteParams {
    /// Validate the request fully and return the answer it would get, without writing anything.
    #[serde(default)]
    pub dry_run: bool,
}

/// A response as stored for replay.
#[derive(Clone, Debug)]
pub struct StoredResponse {
    pub status: StatusCode,
    pub body: serde_json::Value,
    pub location: Option<String>,
    pub etag: Option<String>,
}

impl StoredResponse {
    pub fn new(status: StatusCode, body: &impl serde::Serialize) -> Result<Self, ApiError> {
        Ok(Self {
            status,
            body: serde_json::to_value(body).map_err(anyhow::Error::from)?,
            location: None,
            etag: None,
        })
    }

    pub fn with_location(mut self, location: String) -> Self {
        self.location = Some(location);
        self
    }

    pub fn with_etag(mut self, etag: String) -> Self {
        self.etag = Some(etag);
        self
    }
}

pub enum Outcome {
    Done(StoredResponse),
    Replayed(StoredResponse),
    DryRun(StoredResponse),
}

impl Outcome {
    pub fn into_response(self) -> HttpResponse {
        let (stored, replayed, dry_run) = match self {
            Outcome::Done(s) => (s, false, false),
            Outcome::Replayed(s) => (s, true, false),
            Outcome::DryRun(s) => (s, false, true),
        };
        // A dry run created nothing, so it is never 201 and points nowhere.
        let status = if dry_run {
            StatusCode::OK
        } else {
            stored.status
        };
        let mut builder = HttpResponse::build(status);
        if let (Some(location), false) = (&stored.location, dry_run) {
            builder.insert_header((header::LOCATION, location.clone()));
        }
        if let (Some(etag), false) = (&stored.etag, dry_run) {
            builder.insert_header((header::ETAG, etag.clone()));
        }
        if replayed {
            builder.insert_header((IDEMPOTENCY_REPLAYED, "true"));
        }
        if dry_run {
            builder.insert_header(("dry-run", "true"));
        }
        builder.json(stored.body)
    }
}

/// The idempotency part of a request: who asks for what, under which key, with which body.
#[derive(Clone, Debug)]
pub struct IdempotentRequest {
    pub scope: String,
    pub key: String,
    pub body_sha256: String,
}

impl IdempotentRequest {
    /// Reads `Idempotency-Key` (a bare token, or an RFC 8941 string in quotes). `None`
    /// when the header is absent; the scope joins the caller and the operation so two
    /// callers' keys never meet.
    pub fn from_request(
        req: &HttpRequest,
        principal: &str,
        body_sha256: &str,
    ) -> Result<Option<Self>, ApiError> {
        let Some(raw) = req.headers().get(IDEMPOTENCY_KEY) else {
            return Ok(None);
        };
        let key = raw
            .to_str()
            .ok()
            .map(|v| v.trim().trim_matches('"').to_owned())
            .unwrap_or_default();
        let plain = key.bytes().all(|b| b.is_ascii_graphic());
        if key.is_empty() || key.len() > 255 || !plain {
            return Err(ApiError::BadRequest {
                code: "invalid_idempotency_key",
                detail: Text::new(
                    "Idempotency-Key phải dài từ 1 đến 255 ký tự ASCII in được (nên dùng UUID).",
                    "Idempotency-Key must be 1 to 255 printable ASCII characters (a UUID is best).",
                ),
                errors: vec![FieldError::header(
                    "Idempotency-Key",
                    "invalid_idempotency_key",
                    Text::new("Khóa không hợp lệ.", "Invalid key."),
                )],
            });
        }
        let scope = format!(
            "{principal} {} {}",
            req.method(),
            req.match_pattern().unwrap_or_else(|| req.path().to_owned())
        );
        Ok(Some(Self {
            scope,
            key,
            body_sha256: body_sha256.to_owned(),
        }))
    }
}

enum TxError {
    Api(ApiError),
    /// Another request inserted the same key between our look-up and insert.
    Race,
    /// Roll back a dry run, keeping its answer.
    DryRun(StoredResponse),
}

impl From<diesel::result::Error> for TxError {
    fn from(e: diesel::result::Error) -> Self {
        TxError::Api(e.into())
    }
}

impl From<ApiError> for TxError {
    fn from(e: ApiError) -> Self {
        TxError::Api(e)
    }
}

/// [`execute`] for a write that owns what it changes, and so can run only once (as
/// [`execute`] promises).
pub fn execute_once<F>(
    conn: &mut DbConnection,
    request: Option<&IdempotentRequest>,
    dry_run: bool,
    write: F,
) -> Result<Outcome, ApiError>
where
    F: FnOnce(&mut DbConnection) -> Result<StoredResponse, ApiError>,
{
    let mut write = Some(write);
    execute(conn, request, dry_run, |conn| {
        let write = write
            .take()
            .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("a write ran twice")))?;
        write(conn)
    })
}

/// Runs `write` in a transaction, honouring the idempotency key and `dry_run`.
/// `write` runs at most once: a retry after a race happens before it is called.
pub fn execute<F>(
    conn: &mut DbConnection,
    request: Option<&IdempotentRequest>,
    dry_run: bool,
    mut write: F,
) -> Result<Outcome, ApiError>
where
    F: FnMut(&mut DbConnection) -> Result<StoredResponse, ApiError>,
{
    if dry_run {
        return match crate::db::transaction(conn, |c| Err::<(), _>(TxError::DryRun(write(c)?))) {
            Err(TxError::DryRun(stored)) => Ok(Outcome::DryRun(stored)),
            Err(TxError::Api(e)) => Err(e),
            Ok(()) | Err(TxError::Race) => Err(ApiError::Internal(anyhow::anyhow!(
                "dry run did not roll back"
            ))),
        };
    }
    let Some(request) = request else {
        return crate::db::transaction(conn, |c| write(c).map(Outcome::Done));
    };
    // One retry is enough: after a race, the other request's key is committed and
    // the look-up finds it.
    for _ in 0..2 {
        match crate::db::transaction(conn, |c| attempt(c, request, &mut write)) {
            Ok(outcome) => return Ok(outcome),
            Err(TxError::Race) => continue,
            Err(TxError::Api(e)) => return Err(e),
            Err(TxError::DryRun(_)) => break,
        }
    }
    Err(ApiError::Conflict {
        code: "idempotency_key_in_use",
        detail: Text::new(
            "Một yêu cầu khác với cùng Idempotency-Key đang được xử lý; hãy thử lại sau.",
            "Another request with the same Idempotency-Key is in progress; retry later.",
        ),
    })
}

fn attempt<F>(
    conn: &mut DbConnection,
    request: &IdempotentRequest,
    write: &mut F,
) -> Result<Outcome, TxError>
where
    F: FnMut(&mut DbConnection) -> Result<StoredResponse, ApiError>,
{
    use idempotency_keys::dsl as k;
    let existing = k::idempotency_keys
        .filter(k::scope.eq(&request.scope))
        .filter(k::idempotency_key.eq(&request.key))
        .select((
            k::request_sha256,
            k::response_status,
            k::response_body,
            k::response_location,
            k::response_etag,
        ))
        .first::<(String, i32, String, Option<String>, Option<String>)>(conn)
        .optional()?;
    if let Some((sha, status, body, location, etag)) = existing {
        if sha != request.body_sha256 {
            return Err(TxError::Api(ApiError::Unprocessable {
                code: "idempotency_key_reused",
                detail: Text::new(
                    "Idempotency-Key này đã được dùng cho một nội dung khác.",
                    "This Idempotency-Key was already used with a different body.",
                ),
            }));
        }
        let status = u16::try_from(status)
            .ok()
            .and_then(|s| StatusCode::from_u16(s).ok())
            .unwrap_or(StatusCode::OK);
        let body =
            serde_json::from_str(&body).map_err(|e| TxError::Api(ApiError::Internal(e.into())))?;
        return Ok(Outcome::Replayed(StoredResponse {
            status,
            body,
            location,
            etag,
        }));
    }

    let now = db::now();
    diesel::delete(
        k::idempotency_keys
            .filter(k::created_at.lt(now - chrono::Duration::hours(RETENTION_HOURS))),
    )
    .execute(conn)?;
    // Claim the key before writing, so a concurrent duplicate waits on it.
    let claimed = diesel::insert_into(k::idempotency_keys)
        .values((
            k::scope.eq(&request.scope),
            k::idempotency_key.eq(&request.key),
            k::request_sha256.eq(&request.body_sha256),
            k::response_status.eq(0),
            k::response_body.eq(""),
            k::created_at.eq(now),
        ))
        .execute(conn);
    match claimed {
        Ok(_) => {}
        Err(diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::UniqueViolation,
            _,
        )) => {
            return Err(TxError::Race);
        }
        Err(e) => return Err(e.into()),
    }
    let stored = write(conn)?;
    let body = serde_json::to_string(&stored.body)
        .map_err(|e| TxError::Api(ApiError::Internal(e.into())))?;
    diesel::update(
        k::idempotency_keys
            .filter(k::scope.eq(&request.scope))
            .filter(k::idempotency_key.eq(&request.key)),
    )
    .set((
        k::response_status.eq(i32::from(stored.status.as_u16())),
        k::response_body.eq(body),
        k::response_location.eq(&stored.location),
        k::response_etag.eq(&stored.etag),
    ))
    .execute(conn)?;
    Ok(Outcome::Done(stored))
}
