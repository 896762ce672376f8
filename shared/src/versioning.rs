//! Optimistic concurrency: records carry a `version`, sent as a strong `ETag`
//! (`"3"`); an update must send it back in `If-Match`.

use actix_web::HttpRequest;
use actix_web::http::header;

use crate::error::{ApiError, Text};

pub fn etag(version: i64) -> String {
    format!("\"{version}\"")
}

/// The version named by `If-Match`; 428 when it is missing, 400 when unreadable.
pub fn if_match(req: &HttpRequest) -> Result<i64, ApiError> {
    let raw = req
        .headers()
        .get(header::IF_MATCH)
        .ok_or(ApiError::PreconditionRequired)?;
    raw.to_str()
        .ok()
        .map(|v| v.trim().trim_start_matches("W/").trim_matches('"'))
        .and_then(|v| v.parse::<i64>().ok())
        .ok_or_else(|| ApiError::BadRequest {
            code: "invalid_if_match",
            detail: Text::new(
                "If-Match phải là ETag nhận được khi đọc bản ghi, ví dụ \"3\".",
                "If-Match must be the ETag received when the record was read, e.g. \"3\".",
            ),
            errors: vec![],
        })
}

/// 412 unless `expected` is the current version.
pub fn check_version(expected: i64, current: i64) -> Result<(), ApiError> {
    if expected == current {
        Ok(())
    } else {
        Err(ApiError::PreconditionFailed {
            current_version: current,
        })
    }
}
