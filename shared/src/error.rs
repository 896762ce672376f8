//! One error type for every endpoint, rendered as RFC 9457 `application/problem+json`.
//!
//! Every failure a caller can see is an [`ApiError`]. Its `type` and `code` are stable
//! machine identifiers; its `title`, `detail` and field messages are Vietnamese by
//! default and English when the request asked for `Accept-Language: en`. A 5xx body
//! never says what went wrong inside: the cause is logged once, with the request id
//! that the body carries, so an operator can find it.

use std::borrow::Cow;

use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use utoipa::ToSchema;

use crate::context::{self, Lang};

/// A sentence in both languages the suite speaks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Text {
    pub vi: Cow<'static, str>,
    pub en: Cow<'static, str>,
}

impl Text {
    pub fn new(vi: impl Into<Cow<'static, str>>, en: impl Into<Cow<'static, str>>) -> Self {
        Self {
            vi: vi.into(),
            en: en.into(),
        }
    }

    pub fn get(&self, lang: Lang) -> &str {
        match lang {
            Lang::Vi => &self.vi,
            Lang::En => &self.en,
        }
    }
}

/// Where in the request a problem lies: a JSON Pointer into the body, or a named
/// query parameter or header.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Location {
    Body(String),
    Parameter(String),
    Header(String),
}

/// One broken rule in a request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldError {
    pub location: Location,
    /// Stable machine code, e.g. `invalid_tax_code_checksum`.
    pub code: Cow<'static, str>,
    pub message: Text,
}

impl FieldError {
    /// A problem with the body member at `pointer` (a JSON Pointer such as `/tax_code`).
    pub fn body(
        pointer: impl Into<String>,
        code: impl Into<Cow<'static, str>>,
        message: Text,
    ) -> Self {
        Self {
            location: Location::Body(pointer.into()),
            code: code.into(),
            message,
        }
    }

    /// A problem with the query parameter `name`.
    pub fn parameter(
        name: impl Into<String>,
        code: impl Into<Cow<'static, str>>,
        message: Text,
    ) -> Self {
        Self {
            location: Location::Parameter(name.into()),
            code: code.into(),
            message,
        }
    }

    /// A problem with the request header `name`.
    pub fn header(
        name: impl Into<String>,
        code: impl Into<Cow<'static, str>>,
        message: Text,
    ) -> Self {
        Self {
            location: Location::Header(name.into()),
            code: code.into(),
            message,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The body, a parameter or a header cannot be parsed (400).
    #[error("bad request: {code}")]
    BadRequest {
        code: &'static str,
        detail: Text,
        errors: Vec<FieldError>,
    },
    /// The request parses but breaks one or more rules (422).
    #[error("validation failed")]
    Validation { errors: Vec<FieldError> },
    /// The request parses but cannot be carried out as asked (422), e.g. an
    /// `Idempotency-Key` reused with another body.
    #[error("unprocessable: {code}")]
    Unprocessable { code: &'static str, detail: Text },
    #[error("unauthorized")]
    Unauthorized,
    /// A well-formed token signed by a key the services do not trust (401), e.g. one
    /// made with `atvsld token` for another data folder than `up`'s.
    #[error("unauthorized: unknown signing key")]
    UnknownSigningKey,
    #[error("forbidden")]
    Forbidden,
    /// The role may use the operation, but not on this record (403), with a code that
    /// says why (`investigation_not_yours`), so a client can tell the caller what to do.
    #[error("forbidden: {code}")]
    ForbiddenRecord { code: &'static str, detail: Text },
    /// Not found, or not the caller's to see: the two are never told apart.
    #[error("{resource} not found")]
    NotFound { resource: &'static str },
    /// The path exists but not with this method (405); `allow` lists the methods it has.
    #[error("method not allowed")]
    MethodNotAllowed { allow: String },
    #[error("conflict: {code}")]
    Conflict { code: &'static str, detail: Text },
    /// `If-Match` names a version that is no longer current (412).
    #[error("precondition failed")]
    PreconditionFailed { current_version: i64 },
    /// An update came without `If-Match` (428).
    #[error("precondition required")]
    PreconditionRequired,
    #[error("payload too large")]
    PayloadTooLarge { limit: usize },
    #[error("unsupported media type")]
    UnsupportedMediaType,
    /// The body arrived slower than the server allows (408); the connection is closed.
    #[error("request body too slow")]
    BodyTimeout,
    /// The caller sent more requests than its rate limit (429).
    #[error("rate limited")]
    RateLimited { retry_after_secs: u64 },
    /// The request took longer than the handler timeout (503).
    #[error("request timed out")]
    HandlerTimeout,
    /// A service this one depends on failed or timed out (502/504).
    #[error("upstream {service} failed")]
    Upstream {
        service: &'static str,
        timeout: bool,
    },
    /// The database or another required resource is unreachable now (503).
    #[error("service unavailable: {0}")]
    Unavailable(String),
    /// The database did not do the work in time (503): a SQLite write waited out
    /// `busy_timeout`, or PostgreSQL cancelled a statement at `statement_timeout` or
    /// `lock_timeout`. Nothing was written; the request can be sent again.
    #[error("database busy")]
    DatabaseBusy,
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl ApiError {
    pub fn validation(errors: Vec<FieldError>) -> Self {
        Self::Validation { errors }
    }

    pub fn field(
        pointer: impl Into<String>,
        code: impl Into<Cow<'static, str>>,
        message: Text,
    ) -> Self {
        Self::Validation {
            errors: vec![FieldError::body(pointer, code, message)],
        }
    }

    pub fn bad_parameter(name: &str, code: &'static str, message: Text) -> Self {
        Self::BadRequest {
            code,
            detail: Text::new(
                "Tham số truy vấn không hợp lệ.",
                "A query parameter is invalid.",
            ),
            errors: vec![FieldError::parameter(name, code, message)],
        }
    }

    /// The stable slug used in `type` (`/problems/{slug}`).
    fn slug(&self) -> &'static str {
        match self {
            Self::BadRequest { .. } => "bad-request",
            Self::Validation { .. } => "validation",
            Self::Unprocessable { .. } => "unprocessable",
            Self::Unauthorized | Self::UnknownSigningKey => "unauthorized",
            Self::Forbidden | Self::ForbiddenRecord { .. } => "forbidden",
            Self::NotFound { .. } => "not-found",
            Self::MethodNotAllowed { .. } => "method-not-allowed",
            Self::Conflict { .. } => "conflict",
            Self::PreconditionFailed { .. } => "precondition-failed",
            Self::PreconditionRequired => "precondition-required",
            Self::PayloadTooLarge { .. } => "payload-too-large",
            Self::UnsupportedMediaType => "unsupported-media-type",
            Self::BodyTimeout => "body-timeout",
            Self::RateLimited { .. } => "rate-limited",
            Self::HandlerTimeout => "handler-timeout",
            Self::Upstream { .. } => "upstream",
            Self::Unavailable(_) => "unavailable",
            Self::DatabaseBusy => "database-busy",
            Self::Internal(_) => "internal",
        }
    }

    /// The stable machine code of the whole problem.
    pub fn code(&self) -> &'static str {
        match self {
            Self::BadRequest { code, .. }
            | Self::Unprocessable { code, .. }
            | Self::Conflict { code, .. } => code,
            Self::Validation { .. } => "validation_failed",
            Self::Unauthorized => "unauthorized",
            Self::UnknownSigningKey => "unknown_signing_key",
            Self::Forbidden => "forbidden",
            Self::ForbiddenRecord { code, .. } => code,
            Self::NotFound { .. } => "not_found",
            Self::MethodNotAllowed { .. } => "method_not_allowed",
            Self::PreconditionFailed { .. } => "version_mismatch",
            Self::PreconditionRequired => "if_match_required",
            Self::PayloadTooLarge { .. } => "payload_too_large",
            Self::UnsupportedMediaType => "unsupported_media_type",
            Self::BodyTimeout => "body_timeout",
            Self::RateLimited { .. } => "rate_limited",
            Self::HandlerTimeout => "handler_timeout",
            Self::Upstream { timeout: true, .. } => "upstream_timeout",
            Self::Upstream { timeout: false, .. } => "upstream_failed",
            Self::Unavailable(_) => "unavailable",
            Self::DatabaseBusy => "database_busy",
            Self::Internal(_) => "internal_error",
        }
    }

    fn title(&self) -> Text {
        match self {
            Self::BadRequest { .. } => Text::new("Yêu cầu không đọc được", "Malformed request"),
            Self::Validation { .. } => Text::new("Dữ liệu không hợp lệ", "Invalid data"),
            Self::Unprocessable { .. } => {
                Text::new("Không thể xử lý yêu cầu", "Request cannot be processed")
            }
            Self::Unauthorized | Self::UnknownSigningKey => {
                Text::new("Chưa xác thực", "Unauthenticated")
            }
            Self::Forbidden | Self::ForbiddenRecord { .. } => {
                Text::new("Không có quyền", "Forbidden")
            }
            Self::NotFound { .. } => Text::new("Không tìm thấy", "Not found"),
            Self::MethodNotAllowed { .. } => {
                Text::new("Phương thức không được hỗ trợ", "Method not allowed")
            }
            Self::Conflict { .. } => Text::new("Xung đột dữ liệu", "Conflict"),
            Self::PreconditionFailed { .. } => {
                Text::new("Phiên bản đã thay đổi", "Version changed")
            }
            Self::PreconditionRequired => Text::new("Thiếu If-Match", "If-Match required"),
            Self::PayloadTooLarge { .. } => {
                Text::new("Dữ liệu gửi lên quá lớn", "Payload too large")
            }
            Self::UnsupportedMediaType => {
                Text::new("Kiểu nội dung không được hỗ trợ", "Unsupported media type")
            }
            Self::BodyTimeout => Text::new("Gửi dữ liệu quá chậm", "Request body too slow"),
            Self::RateLimited { .. } => Text::new("Quá nhiều yêu cầu", "Too many requests"),
            Self::HandlerTimeout => Text::new("Xử lý quá thời gian", "Request timed out"),
            Self::Upstream { .. } => {
                Text::new("Dịch vụ liên quan gặp lỗi", "Upstream service failed")
            }
            Self::Unavailable(_) => {
                Text::new("Dịch vụ tạm thời không sẵn sàng", "Service unavailable")
            }
            Self::DatabaseBusy => Text::new("Cơ sở dữ liệu đang bận", "Database busy"),
            Self::Internal(_) => Text::new("Lỗi hệ thống", "Internal error"),
        }
    }

    fn detail(&self) -> Text {
        match self {
            Self::BadRequest { detail, .. }
            | Self::Unprocessable { detail, .. }
            | Self::Conflict { detail, .. }
            | Self::ForbiddenRecord { detail, .. } => detail.clone(),
            Self::Validation { .. } => Text::new(
                "Một hoặc nhiều trường không hợp lệ; xem danh sách lỗi.",
                "One or more fields are invalid; see the list of errors.",
            ),
            Self::Unauthorized => Text::new(
                "Cần mã truy cập (Bearer token) hợp lệ, còn hạn.",
                "A valid, unexpired bearer token is required.",
            ),
            Self::UnknownSigningKey => Text::new(
                "Mã truy cập được ký bằng khóa mà dịch vụ không tin cậy. Với `atvsld up`, hãy lấy mã bằng `atvsld token --data-dir <thư mục dữ liệu của up>`.",
                "The token is signed by a key these services do not trust. With `atvsld up`, get one with `atvsld token --data-dir <up's data folder>`.",
            ),
            Self::Forbidden => Text::new(
                "Vai trò của bạn không được phép thực hiện thao tác này.",
                "Your role may not perform this operation.",
            ),
            Self::NotFound { resource } => Text::new(
                format!("Không tìm thấy {}.", resource_vi(resource)),
                format!("No such {resource}."),
            ),
            Self::MethodNotAllowed { allow } => Text::new(
                format!("Địa chỉ này chỉ nhận các phương thức: {allow}."),
                format!("This address takes only: {allow}."),
            ),
            Self::PreconditionFailed { current_version } => Text::new(
                format!(
                    "Bản ghi đã được sửa bởi người khác (phiên bản hiện tại: {current_version}). Hãy tải lại rồi sửa lại."
                ),
                format!(
                    "The record was changed by someone else (current version: {current_version}). Reload it and try again."
                ),
            ),
            Self::PreconditionRequired => Text::new(
                "Cập nhật phải kèm tiêu đề If-Match chứa ETag của phiên bản đang sửa.",
                "Updates must send If-Match with the ETag of the version being changed.",
            ),
            Self::PayloadTooLarge { limit } => Text::new(
                format!("Nội dung gửi lên vượt quá giới hạn {limit} byte."),
                format!("The request body exceeds the limit of {limit} bytes."),
            ),
            Self::UnsupportedMediaType => Text::new(
                "Nội dung phải là JSON (Content-Type: application/json).",
                "The body must be JSON (Content-Type: application/json).",
            ),
            Self::BodyTimeout => Text::new(
                "Nội dung yêu cầu đến quá chậm nên kết nối bị đóng; hãy gửi lại.",
                "The request body arrived too slowly, so the connection was closed; send it again.",
            ),
            Self::RateLimited { retry_after_secs } => Text::new(
                format!("Bạn đã gửi quá nhiều yêu cầu; hãy thử lại sau {retry_after_secs} giây."),
                format!("Too many requests; retry after {retry_after_secs} seconds."),
            ),
            Self::HandlerTimeout => Text::new(
                "Yêu cầu không được xử lý kịp thời; vui lòng thử lại sau.",
                "The request could not be completed in time; please retry later.",
            ),
            Self::Upstream {
                service,
                timeout: true,
            } => Text::new(
                format!("Dịch vụ {service} không trả lời kịp thời."),
                format!("The {service} service did not answer in time."),
            ),
            Self::Upstream {
                service,
                timeout: false,
            } => Text::new(
                format!("Dịch vụ {service} gặp lỗi."),
                format!("The {service} service failed."),
            ),
            Self::Unavailable(_) => Text::new(
                "Dịch vụ tạm thời không sẵn sàng; vui lòng thử lại sau.",
                "The service is temporarily unavailable; please retry later.",
            ),
            Self::DatabaseBusy => Text::new(
                "Cơ sở dữ liệu đang bận; chưa có gì được ghi. Hãy gửi lại sau số giây trong Retry-After.",
                "The database is busy; nothing was written. Send the request again after the seconds in Retry-After.",
            ),
            Self::Internal(_) => Text::new(
                "Đã xảy ra lỗi hệ thống. Hãy báo mã yêu cầu (request_id) cho quản trị viên.",
                "An internal error occurred. Give the request_id to an administrator.",
            ),
        }
    }

    fn field_errors(&self) -> &[FieldError] {
        match self {
            Self::BadRequest { errors, .. } | Self::Validation { errors } => errors,
            _ => &[],
        }
    }

    /// The problem document for this error in the given language.
    pub fn problem(
        &self,
        lang: Lang,
        instance: Option<String>,
        request_id: Option<String>,
    ) -> ProblemDetails {
        let errors = self
            .field_errors()
            .iter()
            .map(|e| ProblemFieldError {
                pointer: match &e.location {
                    Location::Body(p) => Some(p.clone()),
                    _ => None,
                },
                parameter: match &e.location {
                    Location::Parameter(p) => Some(p.clone()),
                    _ => None,
                },
                header: match &e.location {
                    Location::Header(p) => Some(p.clone()),
                    _ => None,
                },
                code: e.code.to_string(),
                message: e.message.get(lang).to_owned(),
            })
            .collect::<Vec<_>>();
        ProblemDetails {
            r#type: format!("/problems/{}", self.slug()),
            title: self.title().get(lang).to_owned(),
            status: self.status_code().as_u16(),
            detail: self.detail().get(lang).to_owned(),
            code: self.code().to_owned(),
            instance,
            request_id,
            errors: (!errors.is_empty()).then_some(errors),
        }
    }
}

fn resource_vi(resource: &str) -> &str {
    match resource {
        "establishment" => "cơ sở",
        "code list" => "danh mục",
        "route" => "địa chỉ API này",
        _ => "bản ghi",
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::BadRequest { .. } => StatusCode::BAD_REQUEST,
            Self::Validation { .. } | Self::Unprocessable { .. } => {
                StatusCode::UNPROCESSABLE_ENTITY
            }
            Self::Unauthorized | Self::UnknownSigningKey => StatusCode::UNAUTHORIZED,
            Self::Forbidden | Self::ForbiddenRecord { .. } => StatusCode::FORBIDDEN,
            Self::NotFound { .. } => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            Self::Conflict { .. } => StatusCode::CONFLICT,
            Self::PreconditionFailed { .. } => StatusCode::PRECONDITION_FAILED,
            Self::PreconditionRequired => StatusCode::PRECONDITION_REQUIRED,
            Self::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::BodyTimeout => StatusCode::REQUEST_TIMEOUT,
            Self::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::HandlerTimeout => StatusCode::SERVICE_UNAVAILABLE,
            Self::Upstream { timeout: true, .. } => StatusCode::GATEWAY_TIMEOUT,
            Self::Upstream { timeout: false, .. } => StatusCode::BAD_GATEWAY,
            Self::Unavailable(_) | Self::DatabaseBusy => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let ctx = context::current();
        let status = self.status_code();
        if status.is_server_error() {
            // The only place a cause is written down; the body stays opaque.
            tracing::error!(error.cause_chain = ?self, error.code = self.code(), "request failed");
        }
        let problem = self.problem(ctx.lang, ctx.path.clone(), ctx.request_id.clone());
        let mut builder = HttpResponse::build(status);
        builder
            .content_type("application/problem+json")
            .insert_header((header::CONTENT_LANGUAGE, ctx.lang.as_str()));
        match self {
            Self::Unauthorized | Self::UnknownSigningKey => {
                builder.insert_header((header::WWW_AUTHENTICATE, "Bearer"));
            }
            Self::Unavailable(_) | Self::HandlerTimeout => {
                builder.insert_header((header::RETRY_AFTER, "5"));
            }
            Self::DatabaseBusy => {
                builder.insert_header((header::RETRY_AFTER, "2"));
            }
            Self::RateLimited { retry_after_secs } => {
                builder.insert_header((header::RETRY_AFTER, retry_after_secs.to_string()));
            }
            // The rest of a slow body is never read: the connection cannot carry
            // another request.
            Self::BodyTimeout => {
                builder.force_close();
            }
            Self::MethodNotAllowed { allow } => {
                builder.insert_header((header::ALLOW, allow.as_str()));
            }
            _ => {}
        }
        builder.json(problem)
    }
}

/// RFC 9457 problem details, as sent with every error.
#[derive(Debug, Serialize, serde::Deserialize, ToSchema)]
#[schema(example = json!({
    "type": "/problems/validation",
    "title": "Dữ liệu không hợp lệ",
    "status": 422,
    "detail": "Một hoặc nhiều trường không hợp lệ; xem danh sách lỗi.",
    "code": "validation_failed",
    "instance": "/api/v1/establishments",
    "request_id": "0193a5e2-7c1e-7b36-9c55-2f1d9f0a4e11",
    "errors": [{"pointer": "/tax_code", "code": "invalid_tax_code_checksum", "message": "Mã số thuế sai chữ số kiểm tra."}]
}))]
pub struct ProblemDetails {
    /// Stable problem type, e.g. `/problems/validation`.
    pub r#type: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// Stable machine code of the problem; never changes with the language.
    pub code: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instance: Option<String>,
    /// The id to quote to an operator; the same as the `X-Request-Id` response header.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub errors: Option<Vec<ProblemFieldError>>,
}

/// One broken rule: where (`pointer` into the body, or a `parameter` or `header`), a
/// stable `code`, and a message for people.
#[derive(Debug, Serialize, serde::Deserialize, ToSchema)]
pub struct ProblemFieldError {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pointer: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parameter: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub header: Option<String>,
    pub code: String,
    pub message: String,
}

impl From<diesel::result::Error> for ApiError {
    fn from(e: diesel::result::Error) -> Self {
        use diesel::result::{DatabaseErrorKind as Kind, Error};
        match e {
            Error::NotFound => Self::NotFound { resource: "record" },
            Error::DatabaseError(Kind::UniqueViolation, _) => Self::Conflict {
                code: "duplicate",
                detail: Text::new("Bản ghi này đã tồn tại.", "This record already exists."),
            },
            Error::DatabaseError(Kind::ForeignKeyViolation, _) => Self::Conflict {
                code: "reference_conflict",
                detail: Text::new(
                    "Bản ghi tham chiếu tới dữ liệu không tồn tại hoặc đang được dùng.",
                    "The record refers to missing data, or is still referred to.",
                ),
            },
            // PostgreSQL stores no NUL in text (SQLite does): input with one is refused,
            // not a server error.
            Error::DatabaseError(_, info) if info.message().contains("0x00") => Self::BadRequest {
                code: "nul_character",
                detail: Text::new(
                    "Dữ liệu gửi lên chứa ký tự NUL (0x00), không được chấp nhận.",
                    "The request contains a NUL character (0x00), which is not accepted.",
                ),
                errors: vec![],
            },
            Error::DatabaseError(Kind::ClosedConnection, _) => {
                Self::Unavailable("database connection closed".into())
            }
            Error::DatabaseError(_, info) if is_busy(info.message()) => {
                tracing::warn!(error = info.message(), "database busy");
                Self::DatabaseBusy
            }
            other => Self::Internal(anyhow::Error::new(other).context("database error")),
        }
    }
}

/// SQLite's `SQLITE_BUSY` / `SQLITE_LOCKED` after `busy_timeout`, and PostgreSQL's
/// cancellation at `statement_timeout` or `lock_timeout` (SQLSTATE 57014, 55P03),
/// which diesel reports only by their messages.
fn is_busy(message: &str) -> bool {
    [
        "database is locked",
        "database table is locked",
        "canceling statement due to statement timeout",
        "canceling statement due to lock timeout",
    ]
    .iter()
    .any(|m| message.contains(m))
}

impl From<r2d2::Error> for ApiError {
    fn from(e: r2d2::Error) -> Self {
        Self::Unavailable(format!("database pool: {e}"))
    }
}

impl From<actix_web::error::BlockingError> for ApiError {
    fn from(e: actix_web::error::BlockingError) -> Self {
        Self::Internal(anyhow::anyhow!("blocking task failed: {e}"))
    }
}

impl From<reqwest::Error> for ApiError {
    fn from(e: reqwest::Error) -> Self {
        tracing::warn!(error = %e, "upstream call failed");
        Self::Upstream {
            service: "upstream",
            timeout: e.is_timeout(),
        }
    }
}

/// The reason a record's correction must give: trimmed, present and at most 1,000
/// characters; else the field error at `/change_reason` (the statutory reports have
/// their own policy in `crate::filing`).
pub fn change_reason(reason: &str) -> Result<String, FieldError> {
    let reason = reason.trim();
    if reason.is_empty() || reason.chars().count() > 1000 {
        return Err(FieldError::body(
            "/change_reason",
            "change_reason_required",
            Text::new(
                "Cần nêu lý do thay đổi (tối đa 1000 ký tự).",
                "A change reason (at most 1000 characters) is required.",
            ),
        ));
    }
    Ok(reason.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_follow_the_api_rules() {
        let cases: Vec<(ApiError, u16)> = vec![
            (ApiError::validation(vec![]), 422),
            (ApiError::Unauthorized, 401),
            (ApiError::Forbidden, 403),
            (
                ApiError::NotFound {
                    resource: "establishment",
                },
                404,
            ),
            (ApiError::PreconditionFailed { current_version: 2 }, 412),
            (ApiError::PreconditionRequired, 428),
            (ApiError::PayloadTooLarge { limit: 1 }, 413),
            (ApiError::Unavailable("x".into()), 503),
            (ApiError::DatabaseBusy, 503),
            (
                ApiError::Upstream {
                    service: "tasks",
                    timeout: true,
                },
                504,
            ),
            (ApiError::Internal(anyhow::anyhow!("secret cause")), 500),
        ];
        for (error, status) in cases {
            assert_eq!(error.status_code().as_u16(), status, "{error:?}");
        }
    }

    #[test]
    fn internal_errors_never_show_their_cause() {
        let e = ApiError::Internal(anyhow::anyhow!("password=hunter2 at db.rs:10"));
        for lang in [Lang::Vi, Lang::En] {
            let body = serde_json::to_string(&e.problem(lang, None, Some("rid".into())))
                .unwrap_or_default();
            assert!(!body.contains("hunter2"), "{body}");
            assert!(!body.contains("db.rs"), "{body}");
            assert!(body.contains("\"request_id\":\"rid\""), "{body}");
        }
    }

    #[test]
    fn messages_change_with_language_but_codes_do_not() {
        let e = ApiError::field(
            "/tax_code",
            "invalid_tax_code_checksum",
            Text::new(
                "Mã số thuế sai chữ số kiểm tra.",
                "Wrong tax code check digit.",
            ),
        );
        let vi = e.problem(Lang::Vi, None, None);
        let en = e.problem(Lang::En, None, None);
        assert_eq!(vi.code, en.code);
        assert_eq!(vi.r#type, "/problems/validation");
        assert_ne!(vi.title, en.title);
        let vi_errors = vi.errors.unwrap_or_default();
        let en_errors = en.errors.unwrap_or_default();
        assert_eq!(
            vi_errors.first().map(|e| e.code.as_str()),
            Some("invalid_tax_code_checksum")
        );
        assert_eq!(
            vi_errors.first().and_then(|e| e.pointer.as_deref()),
            Some("/tax_code")
        );
        assert_eq!(
            en_errors.first().map(|e| e.message.as_str()),
            Some("Wrong tax code check digit.")
        );
    }

    #[test]
    fn a_missing_row_is_a_404() {
        let e: ApiError = diesel::result::Error::NotFound.into();
        assert_eq!(e.status_code().as_u16(), 404);
    }
}
