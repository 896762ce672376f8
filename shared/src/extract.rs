//! Request extractors whose failures are problems, never actix's plain-text errors.
//!
//! [`Json`] is the body extractor of every write: it insists on JSON, enforces the
//! body limit, normalises every string to NFC (so "Cao Bằng" typed in any form is
//! stored and found the same way), refuses a NUL character and any input beyond the
//! limits the body's schema states ([`crate::limits`]), rejects unknown fields with a
//! JSON Pointer to them, and keeps a SHA-256 of the canonical body for idempotency and
//! receipts.

use std::future::Future;
use std::pin::Pin;

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::middleware::Next;
use actix_web::{FromRequest, HttpRequest, web};
use futures_util::StreamExt;
use serde::de::DeserializeOwned;
use serde_json::Value;
use sha2::{Digest, Sha256};
use unicode_normalization::UnicodeNormalization;
use utoipa::ToSchema;

use crate::error::{ApiError, FieldError, Text};
use crate::limits::{Contract, nul_characters, nul_message};

/// Largest JSON body a service accepts; registered as app data by the server.
#[derive(Clone, Copy, Debug)]
pub struct BodyLimit(pub usize);

/// A validated JSON body.
pub struct Json<T> {
    pub body: T,
    /// Hex SHA-256 of the canonical body (NFC strings, keys sorted, no whitespace).
    pub sha256: String,
}

impl<T: DeserializeOwned + ToSchema + 'static> FromRequest for Json<T> {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let limit = req
            .app_data::<web::Data<BodyLimit>>()
            .map_or(1024 * 1024, |l| l.0);
        let is_json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .map(|m| {
                let m = m.trim().to_ascii_lowercase();
                m == "application/json" || (m.starts_with("application/") && m.ends_with("+json"))
            })
            .unwrap_or(false);
        let declared_len = req
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<usize>().ok());
        let mut payload = payload.take();
        Box::pin(async move {
            if !is_json {
                return Err(ApiError::UnsupportedMediaType);
            }
            if declared_len.is_some_and(|n| n > limit) {
                return Err(ApiError::PayloadTooLarge { limit });
            }
            let mut bytes = web::BytesMut::new();
            while let Some(chunk) = payload.next().await {
                let chunk = chunk.map_err(body_error)?;
                if bytes.len() + chunk.len() > limit {
                    return Err(ApiError::PayloadTooLarge { limit });
                }
                bytes.extend_from_slice(&chunk);
            }
            parse(&bytes)
        })
    }
}

/// A JSON value taken as it is, for a batch whose items are each parsed (and their
/// limits checked) on their own, so that one bad item does not refuse the rest.
#[derive(serde::Deserialize, ToSchema)]
#[serde(transparent)]
#[schema(value_type = Object)]
pub struct Unchecked(pub Value);

/// A body that could not be read: too slow ([`crate::deadline`] cut it), or broken off.
pub fn body_error(e: actix_web::error::PayloadError) -> ApiError {
    if crate::deadline::is_body_timeout(&e) {
        return ApiError::BodyTimeout;
    }
    ApiError::BadRequest {
        code: "unreadable_body",
        detail: Text::new(
            "Không đọc được nội dung yêu cầu.",
            format!("The body could not be read: {e}"),
        ),
        errors: vec![],
    }
}

/// Parses and validates a JSON body, and digests it for idempotent replays.
pub fn parse<T: DeserializeOwned + ToSchema + 'static>(bytes: &[u8]) -> Result<Json<T>, ApiError> {
    let value: Value = serde_json::from_slice(bytes).map_err(|e| ApiError::BadRequest {
        code: "malformed_json",
        detail: Text::new(
            format!(
                "Nội dung không phải JSON hợp lệ (dòng {}, cột {}).",
                e.line(),
                e.column()
            ),
            format!(
                "The body is not valid JSON (line {}, column {}).",
                e.line(),
                e.column()
            ),
        ),
        errors: vec![],
    })?;
    let value = checked::<T>(value)?;
    let sha256 = hex_sha256(&serde_json::to_vec(&value).map_err(anyhow::Error::from)?);
    Ok(Json {
        body: deserialize(value)?,
        sha256,
    })
}

/// The rules of [`parse`] for a value already parsed, e.g. one item of a bulk file,
/// which needs no digest.
pub fn from_value<T: DeserializeOwned + ToSchema + 'static>(value: Value) -> Result<T, ApiError> {
    deserialize(checked::<T>(value)?)
}

/// `value` NFC-normalised, if it breaks none of `T`'s contract and holds no NUL.
fn checked<T: ToSchema + 'static>(value: Value) -> Result<Value, ApiError> {
    let value = normalize(value);
    let mut errors = nul_characters(&value);
    if errors.is_empty() {
        errors = Contract::of::<T>().check(&value);
    }
    if errors.is_empty() {
        Ok(value)
    } else {
        Err(ApiError::validation(errors))
    }
}

fn deserialize<T: DeserializeOwned>(value: Value) -> Result<T, ApiError> {
    serde_path_to_error::deserialize(value).map_err(|e| ApiError::validation(vec![field_error(&e)]))
}

/// SHA-256 of `bytes` in lowercase hex (a digest formats itself with `{:x}`).
pub fn hex_sha256(bytes: &[u8]) -> String {
    format!("{:x}", Sha256::digest(bytes))
}

/// NFC-normalises every string and key.
fn normalize(value: Value) -> Value {
    match value {
        Value::String(s) => Value::String(nfc(s)),
        Value::Array(items) => Value::Array(items.into_iter().map(normalize).collect()),
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(k, v)| (nfc(k), normalize(v)))
                .collect(),
        ),
        other => other,
    }
}

/// `text` in NFC; most text already is, and is then returned as it came.
fn nfc(text: String) -> String {
    match unicode_normalization::is_nfc_quick(text.chars()) {
        unicode_normalization::IsNormalized::Yes => text,
        _ => text.nfc().collect(),
    }
}

fn pointer_of(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    path.iter()
        .filter_map(|segment| match segment {
            Segment::Seq { index } => Some(index.to_string()),
            Segment::Map { key } => Some(escape_pointer(key)),
            Segment::Enum { variant } => Some(escape_pointer(variant)),
            Segment::Unknown => None,
        })
        .fold(String::new(), |acc, part| format!("{acc}/{part}"))
}

fn escape_pointer(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

/// The name between the first pair of backticks in a serde message.
fn quoted_name(message: &str) -> Option<&str> {
    let start = message.find('`')? + 1;
    let len = message.get(start..)?.find('`')?;
    message.get(start..start + len)
}

fn field_error(e: &serde_path_to_error::Error<serde_json::Error>) -> FieldError {
    let message = e.inner().to_string();
    let pointer = pointer_of(e.path());
    let with_name = |name: &str| {
        let tail = format!("/{}", escape_pointer(name));
        if pointer.ends_with(&tail) {
            pointer.clone()
        } else {
            format!("{pointer}{tail}")
        }
    };
    if message.starts_with("unknown field") {
        let name = quoted_name(&message).unwrap_or_default();
        FieldError::body(
            with_name(name),
            "unknown_field",
            Text::new(
                format!("Trường «{name}» không có trong mẫu dữ liệu."),
                format!("Unknown field `{name}`."),
            ),
        )
    } else if message.starts_with("missing field") {
        let name = quoted_name(&message).unwrap_or_default();
        FieldError::body(
            with_name(name),
            "missing_field",
            Text::new(
                format!("Thiếu trường bắt buộc «{name}»."),
                format!("Missing required field `{name}`."),
            ),
        )
    } else if message.starts_with("unknown variant") {
        FieldError::body(
            pointer,
            "invalid_enum_value",
            Text::new(
                "Giá trị không thuộc danh sách cho phép.",
                strip_position(&message),
            ),
        )
    } else {
        FieldError::body(
            pointer,
            "invalid_type",
            Text::new(
                "Giá trị sai kiểu hoặc sai định dạng.",
                strip_position(&message),
            ),
        )
    }
}

/// serde's " at line 1 column 5" suffix means nothing once the body was re-read as a tree.
fn strip_position(message: &str) -> String {
    message
        .split(" at line ")
        .next()
        .unwrap_or(message)
        .to_owned()
}

/// A query string read into `T`, whose failure names the parameter: actix's
/// `web::Query` reports serde's text alone, which for `?status=bogus` names the value
/// and not the parameter. Derefs to `T`, like `web::Query`.
pub struct Query<T>(pub T);

impl<T> Query<T> {
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> std::ops::Deref for Query<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: DeserializeOwned> FromRequest for Query<T> {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let pairs = form_urlencoded::parse(req.query_string().as_bytes());
        let parsed = serde_path_to_error::deserialize(serde_urlencoded::Deserializer::new(pairs));
        std::future::ready(parsed.map(Query).map_err(|e| {
            let message = strip_position(&e.inner().to_string());
            let path = e.path().to_string();
            // An unknown or missing parameter is named inside serde's message.
            let name = if path == "." {
                quoted_name(&message).unwrap_or_default().to_owned()
            } else {
                path
            };
            query_problem(&name, &message)
        }))
    }
}

fn query_problem(name: &str, message: &str) -> ApiError {
    let (vi, en) = if name.is_empty() {
        (
            format!("Tham số truy vấn không hợp lệ: {message}"),
            format!("Invalid query parameters: {message}"),
        )
    } else {
        (
            format!("Tham số truy vấn `{name}` không hợp lệ: {message}"),
            format!("Query parameter `{name}` is invalid: {message}"),
        )
    };
    ApiError::BadRequest {
        code: "invalid_query",
        detail: Text::new(vi, en.clone()),
        errors: if name.is_empty() {
            vec![]
        } else {
            vec![FieldError::parameter(
                name.to_owned(),
                "invalid_query",
                Text::new("Tham số không hợp lệ hoặc không được hỗ trợ.", en),
            )]
        },
    }
}

/// Middleware: a NUL character in a query parameter is refused as in a body (422
/// naming the parameter) before any handler reads the query, on both backends alike.
pub async fn refuse_nul_in_query(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    let named = web::Query::<Vec<(String, String)>>::from_query(req.query_string())
        .ok()
        .and_then(|q| {
            q.into_inner()
                .into_iter()
                .find(|(name, value)| name.contains('\0') || value.contains('\0'))
        });
    match named {
        Some((name, _)) => {
            let error = ApiError::validation(vec![FieldError::parameter(
                name,
                "nul_character",
                nul_message(),
            )]);
            Ok(req.error_response(error).map_into_right_body())
        }
        None => next
            .call(req)
            .await
            .map(ServiceResponse::map_into_left_body),
    }
}

/// A path segment that does not parse (say, an id that is not a UUID) names no
/// record, so it is a 404 like any other unknown id.
pub fn path_config() -> web::PathConfig {
    web::PathConfig::default()
        .error_handler(|_err, _req| ApiError::NotFound { resource: "record" }.into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize, ToSchema)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Item {
        name: String,
        count: u32,
    }

    #[derive(Debug, serde::Deserialize, ToSchema)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Outer {
        items: Vec<Item>,
    }

    fn pointer_and_code(e: ApiError) -> (String, String) {
        match e {
            ApiError::Validation { errors } => {
                let first = errors.into_iter().next();
                (
                    first
                        .as_ref()
                        .map(|f| format!("{:?}", f.location))
                        .unwrap_or_default(),
                    first.map(|f| f.code.into_owned()).unwrap_or_default(),
                )
            }
            other => (format!("{other:?}"), String::new()),
        }
    }

    #[test]
    fn unknown_fields_are_pointed_at() {
        let e = parse::<Outer>(br#"{"items":[{"name":"a","count":1,"colour":"red"}]}"#).err();
        let (pointer, code) = pointer_and_code(e.unwrap_or(ApiError::Forbidden));
        assert_eq!(code, "unknown_field");
        assert!(pointer.contains("/items/0/colour"), "{pointer}");
    }

    #[test]
    fn missing_and_mistyped_fields_are_pointed_at() {
        let e = parse::<Outer>(br#"{"items":[{"name":"a"}]}"#).err();
        let (pointer, code) = pointer_and_code(e.unwrap_or(ApiError::Forbidden));
        assert_eq!(code, "missing_field");
        assert!(pointer.contains("/items/0/count"), "{pointer}");

        let e = parse::<Outer>(br#"{"items":[{"name":"a","count":"x"}]}"#).err();
        let (pointer, code) = pointer_and_code(e.unwrap_or(ApiError::Forbidden));
        assert_eq!(code, "invalid_type");
        assert!(pointer.contains("/items/0/count"), "{pointer}");
    }

    #[test]
    fn malformed_json_is_a_bad_request() {
        assert!(matches!(
            parse::<Outer>(b"{\"items\": ["),
            Err(ApiError::BadRequest {
                code: "malformed_json",
                ..
            })
        ));
    }

    #[test]
    fn strings_are_nfc_normalised_and_digest_is_stable() {
        let nfd = "{\"items\":[{\"name\":\"Cao Ba\u{0306}\u{0300}ng\",\"count\":1}]}";
        let nfc = "{ \"items\": [ { \"count\": 1, \"name\": \"Cao Bằng\" } ] }";
        let a = parse::<Outer>(nfd.as_bytes()).ok();
        let b = parse::<Outer>(nfc.as_bytes()).ok();
        let (Some(a), Some(b)) = (a, b) else {
            panic!("both parse")
        };
        assert_eq!(
            a.body.items.first().map(|i| i.name.clone()),
            Some("Cao Bằng".to_owned())
        );
        assert_eq!(a.sha256, b.sha256);
    }

    #[test]
    fn a_parsed_value_meets_the_same_rules() {
        let value =
            serde_json::json!({"items": [{"name": "Cao Ba\u{0306}\u{0300}ng", "count": 1}]});
        let outer = from_value::<Outer>(value).ok();
        assert_eq!(
            outer.and_then(|o| o.items.first().map(|i| i.name.clone())),
            Some("Cao Bằng".to_owned())
        );
        let unknown = serde_json::json!({"items": [{"name": "a", "count": 1, "colour": "red"}]});
        let (pointer, code) = pointer_and_code(
            from_value::<Outer>(unknown)
                .err()
                .unwrap_or(ApiError::Forbidden),
        );
        assert_eq!(code, "unknown_field");
        assert!(pointer.contains("/items/0/colour"), "{pointer}");
    }
}
