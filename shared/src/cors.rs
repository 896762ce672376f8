//! Cross-origin calls from browsers: only from the configured origins (none by
//! default), with the headers a frontend sends and reads, and refusals as problem
//! documents rather than actix-cors' plain text.

use actix_cors::{Cors, CorsError};
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{Error, ResponseError as _};

use crate::config::CorsSettings;
use crate::error::{ApiError, FieldError, Text};

/// The CORS middleware of a service.
pub fn cors(settings: &CorsSettings) -> Cors {
    settings
        .allowed_origins
        .iter()
        .fold(Cors::default(), |cors, origin| cors.allowed_origin(origin))
        .allowed_methods(["GET", "POST", "PUT", "PATCH", "DELETE"])
        .allowed_headers([
            "authorization",
            "content-type",
            "accept-language",
            "idempotency-key",
            "if-match",
            "x-request-id",
        ])
        // What a frontend reads: the version to send back, a new record's address, when
        // to retry, a workbook's file name, the request id to quote, a replay.
        .expose_headers([
            "etag",
            "location",
            "retry-after",
            "content-disposition",
            "x-request-id",
            "idempotency-replayed",
        ])
        .max_age(3600)
}

/// Wraps [`cors`]: a refused cross-origin request answers 400 problem+json naming the
/// header at fault, with a stable code.
pub async fn refusals(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let res = next.call(req).await?;
    let refusal = res
        .response()
        .error()
        .and_then(|e| e.as_error::<CorsError>())
        .map(refusal);
    Ok(match refusal {
        Some(error) => res.into_response(error.error_response()),
        None => res.map_into_boxed_body(),
    })
}

fn refusal(error: &CorsError) -> ApiError {
    let (header, code, message) = match error {
        CorsError::OriginNotAllowed | CorsError::MissingOrigin => (
            "Origin",
            "origin_not_allowed",
            Text::new(
                "Nguồn (origin) này không được phép gọi API từ trình duyệt; quản trị viên thêm nó vào cors.allowed_origins.",
                "This origin may not call the API from a browser; an operator adds it to cors.allowed_origins.",
            ),
        ),
        CorsError::MissingRequestMethod
        | CorsError::BadRequestMethod
        | CorsError::MethodNotAllowed => (
            "Access-Control-Request-Method",
            "method_not_allowed_cross_origin",
            Text::new(
                "Phương thức này không được phép từ trình duyệt.",
                "This method may not be used from a browser.",
            ),
        ),
        _ => (
            "Access-Control-Request-Headers",
            "header_not_allowed_cross_origin",
            Text::new(
                "Có tiêu đề không được phép gửi từ trình duyệt.",
                "A header may not be sent from a browser.",
            ),
        ),
    };
    ApiError::BadRequest {
        code: "cors_refused",
        detail: Text::new(
            "Yêu cầu gọi chéo nguồn (CORS) bị từ chối.",
            "The cross-origin (CORS) request is refused.",
        ),
        errors: vec![FieldError::header(header, code, message)],
    }
}
