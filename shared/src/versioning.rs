//! Optimistic concurrency: records carry a `version`, sent as a strong `ETag`
//! (`"3"`); an update must send it back in `If-Match`.

use std::future::{Ready, ready};

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest};
use utoipa::openapi::path::{Parameter, ParameterBuilder, ParameterIn};
use utoipa::openapi::{ObjectBuilder, Required, Type};

use crate::error::{ApiError, Text};

pub fn etag(version: i64) -> String {
    format!("\"{version}\"")
}

/// The version named by `If-Match`; 428 when it is missing, 400 when unreadable.
fn if_match(req: &HttpRequest) -> Result<i64, ApiError> {
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

/// The `If-Match` version of an update, as an extractor; listed in a path's
/// `params(..)` it documents the header too. Handlers take it as their last
/// argument: extractors run in order, and a missing token (401) or a bad body (422)
/// should be reported before a missing `If-Match` (428).
#[derive(Clone, Copy, Debug)]
pub struct IfMatch(pub i64);

impl FromRequest for IfMatch {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(if_match(req).map(IfMatch))
    }
}

impl utoipa::IntoParams for IfMatch {
    fn into_params(_: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
        vec![
            ParameterBuilder::new()
                .name("If-Match")
                .parameter_in(ParameterIn::Header)
                .required(Required::True)
                .description(Some(
                    "ETag of the version being changed, as read from the record, e.g. \"3\"",
                ))
                .schema(Some(ObjectBuilder::new().schema_type(Type::String)))
                .build(),
        ]
    }
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
