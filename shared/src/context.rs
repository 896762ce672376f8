//! Per-request context: the request id and the caller's language.
//!
//! The [`middleware`] adopts a well-formed incoming `X-Request-Id` (or makes one),
//! echoes it on every response, and keeps the context in a task-local for the
//! duration of the request so that [`crate::error::ApiError`] can render problems in
//! the caller's language with the right id, without every handler passing it along.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{Error, HttpMessage};

pub const REQUEST_ID_HEADER: HeaderName = HeaderName::from_static("x-request-id");

/// The languages error messages are written in.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Lang {
    #[default]
    Vi,
    En,
}

impl Lang {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Vi => "vi",
            Self::En => "en",
        }
    }

    /// Vietnamese unless the caller prefers English: the first of `vi`/`en` named in
    /// `Accept-Language` (by quality, then order) wins.
    pub fn from_accept_language(value: Option<&str>) -> Self {
        let Some(value) = value else { return Self::Vi };
        let mut best: Option<(f32, Lang)> = None;
        for part in value.split(',') {
            let mut pieces = part.trim().split(';');
            let tag = pieces
                .next()
                .unwrap_or_default()
                .trim()
                .to_ascii_lowercase();
            let q = pieces
                .find_map(|p| p.trim().strip_prefix("q="))
                .and_then(|q| q.parse::<f32>().ok())
                .unwrap_or(1.0);
            let lang = if tag == "en" || tag.starts_with("en-") {
                Lang::En
            } else if tag == "vi" || tag.starts_with("vi-") {
                Lang::Vi
            } else {
                continue;
            };
            if best.is_none_or(|(bq, _)| q > bq) {
                best = Some((q, lang));
            }
        }
        best.map(|(_, l)| l).unwrap_or_default()
    }
}

/// The request id, also stored in the request extensions for the tracing root span.
#[derive(Clone, Debug)]
pub struct RequestId(pub String);

#[derive(Clone, Debug, Default)]
pub struct RequestContext {
    pub request_id: Option<String>,
    pub lang: Lang,
    pub path: Option<String>,
}

tokio::task_local! {
    static CONTEXT: RequestContext;
}

/// The context of the request being served, or a default outside of one.
pub fn current() -> RequestContext {
    CONTEXT.try_with(Clone::clone).unwrap_or_default()
}

/// A text of an answer (a statistics method, an explanation) in the caller's language:
/// Vietnamese unless `Accept-Language` asks for English, as problems are.
#[must_use]
pub fn said(vi: &str, en: &str) -> String {
    match current().lang {
        Lang::Vi => vi,
        Lang::En => en,
    }
    .to_owned()
}

/// A number in `0..n`, the same for everything the current request does (outside a
/// request, for everything the current thread does: a transaction runs on one thread),
/// and spread evenly over requests. Rows that every write would otherwise update (the
/// audit trail's head, the statistics counters of a day) are split by it, so that
/// concurrent requests rarely wait on one row while one transaction keeps to one part.
pub fn spread(n: u32) -> u32 {
    spread_for(current().request_id.as_deref(), n)
}

/// [`spread`] for a given request id (`None`: the current thread).
pub fn spread_for(request_id: Option<&str>, n: u32) -> u32 {
    use std::hash::{Hash, Hasher};
    // Fixed keys: the same request id always lands in the same part.
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    match request_id {
        Some(id) => id.hash(&mut hasher),
        None => std::thread::current().id().hash(&mut hasher),
    }
    u32::try_from(hasher.finish() % u64::from(n.max(1))).unwrap_or(0)
}

/// Runs `f` with `ctx` as the current context, on whichever thread: [`crate::db::Db::run`]
/// takes the request's context along to the blocking thread its work runs on.
pub fn sync_scope<R>(ctx: RequestContext, f: impl FnOnce() -> R) -> R {
    CONTEXT.sync_scope(ctx, f)
}

/// Runs `f` with `ctx` as the current context, as [`middleware`] does for a request.
#[cfg(test)]
pub(crate) async fn scope<F: std::future::Future>(ctx: RequestContext, f: F) -> F::Output {
    CONTEXT.scope(ctx, f).await
}

/// An incoming id is adopted only if it is short and plain, so that a caller cannot
/// inject line breaks or megabytes into our logs through it.
fn acceptable_request_id(value: &str) -> bool {
    !value.is_empty()
        && value.len() <= 64
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':'))
}

pub fn request_id_of(req: &ServiceRequest) -> String {
    req.headers()
        .get(&REQUEST_ID_HEADER)
        .and_then(|v| v.to_str().ok())
        .filter(|v| acceptable_request_id(v))
        .map(str::to_owned)
        .unwrap_or_else(|| uuid::Uuid::now_v7().to_string())
}

/// Outermost middleware of every service.
pub async fn middleware(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let request_id = request_id_of(&req);
    let lang = Lang::from_accept_language(
        req.headers()
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok()),
    );
    req.extensions_mut().insert(RequestId(request_id.clone()));
    let ctx = RequestContext {
        request_id: Some(request_id.clone()),
        lang,
        path: Some(req.path().to_owned()),
    };
    // Routing needs the request un-cloned, so errors of inner middleware pass through
    // as they are; every error of ours is an ApiError, rendered inside the scope.
    let mut res = CONTEXT.scope(ctx, next.call(req)).await?;
    if let Ok(value) = HeaderValue::from_str(&request_id) {
        res.headers_mut().insert(REQUEST_ID_HEADER, value);
    }
    Ok(res)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vietnamese_is_the_default_language() {
        assert_eq!(Lang::from_accept_language(None), Lang::Vi);
        assert_eq!(Lang::from_accept_language(Some("fr")), Lang::Vi);
        assert_eq!(Lang::from_accept_language(Some("vi-VN,vi;q=0.9")), Lang::Vi);
    }

    #[test]
    fn english_when_preferred() {
        assert_eq!(Lang::from_accept_language(Some("en")), Lang::En);
        assert_eq!(Lang::from_accept_language(Some("en-GB,vi;q=0.5")), Lang::En);
        assert_eq!(
            Lang::from_accept_language(Some("vi;q=0.4, en;q=0.8")),
            Lang::En
        );
        assert_eq!(Lang::from_accept_language(Some("fr, en;q=0.1")), Lang::En);
    }

    #[test]
    fn request_ids_must_be_plain_and_short() {
        assert!(acceptable_request_id(
            "0193a5e2-7c1e-7b36-9c55-2f1d9f0a4e11"
        ));
        assert!(!acceptable_request_id("a\r\nforged: header"));
        assert!(!acceptable_request_id(&"x".repeat(65)));
        assert!(!acceptable_request_id(""));
    }
}
