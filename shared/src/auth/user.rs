//! The authenticated caller and its extractor.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpMessage, HttpRequest, web};
use serde::{Deserialize, Serialize};

use super::JwtVerifier;
use crate::error::ApiError;

/// The roles of the suite (docs/integration.md, "3. Roles and what each may do").
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Admin,
    /// Sở Nội vụ: the provincial labour authority.
    LaborAuthority,
    /// Sở Y tế: the provincial health authority.
    HealthAuthority,
    /// An assigned department or former district committee, scoped to its agency code.
    Agency,
    /// An employer, scoped to its tax code.
    Enterprise,
    /// A commune or ward people's committee, scoped to its commune code.
    Commune,
    /// BHXH (Vietnam Social Security): the exchange endpoints only.
    Insurer,
    /// Aggregates only, never personal data.
    Viewer,
}

impl Role {
    pub const ALL: [Role; 8] = [
        Role::Admin,
        Role::LaborAuthority,
        Role::HealthAuthority,
        Role::Agency,
        Role::Enterprise,
        Role::Commune,
        Role::Insurer,
        Role::Viewer,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::LaborAuthority => "labor_authority",
            Role::HealthAuthority => "health_authority",
            Role::Agency => "agency",
            Role::Enterprise => "enterprise",
            Role::Commune => "commune",
            Role::Insurer => "insurer",
            Role::Viewer => "viewer",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

/// The claims the suite reads from an access token.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Claims {
    pub sub: String,
    pub iss: String,
    pub aud: Audience,
    pub exp: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nbf: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iat: Option<i64>,
    /// Role names; names this suite does not know are ignored.
    #[serde(default)]
    pub roles: Vec<String>,
    /// The caller's organisation: an agency code, a tax code or a commune code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub org: Option<String>,
}

/// The `aud` claim: RFC 7519 allows one string or an array of them, and identity
/// providers such as Keycloak send the array. The verifier checks that ours is in it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Audience {
    One(String),
    Many(Vec<String>),
}

/// A caller whose token verified.
#[derive(Clone, Debug)]
pub struct AuthUser {
    pub subject: String,
    pub issuer: String,
    pub roles: Vec<Role>,
    pub org: Option<String>,
}

impl AuthUser {
    pub fn from_claims(claims: Claims) -> Self {
        let roles = claims.roles.iter().filter_map(|r| Role::parse(r)).collect();
        Self {
            subject: claims.sub,
            issuer: claims.iss,
            roles,
            org: claims.org,
        }
    }

    pub fn has(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }

    pub fn has_any(&self, roles: &[Role]) -> bool {
        roles.iter().any(|r| self.has(*r))
    }

    /// 403 unless the caller holds one of `roles`.
    pub fn require_any(&self, roles: &[Role]) -> Result<(), ApiError> {
        if self.has_any(roles) {
            Ok(())
        } else {
            Err(ApiError::Forbidden)
        }
    }

    /// A stable name of the caller for audit trails and idempotency scopes.
    pub fn principal(&self) -> String {
        format!("{}|{}", self.issuer, self.subject)
    }
}

impl FromRequest for AuthUser {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            match bearer(&req).await {
                None => Err(ApiError::Unauthorized),
                Some(Bearer::Valid(user)) => {
                    tracing::Span::current()
                        .record("user.sub", tracing::field::display(&user.subject));
                    Ok(user)
                }
                Some(Bearer::Rejected) => Err(ApiError::Unauthorized),
                Some(Bearer::UnknownKey) => Err(ApiError::UnknownSigningKey),
                Some(Bearer::KeysUnavailable(reason)) => Err(ApiError::Unavailable(format!(
                    "signing keys unavailable: {reason}"
                ))),
            }
        })
    }
}

/// What a request's bearer token turned out to be.
#[derive(Clone, Debug)]
pub enum Bearer {
    Valid(AuthUser),
    /// Malformed, forged, expired, or for another audience.
    Rejected,
    /// Signed by a key the JWKS does not hold: the likeliest mistake in development (a
    /// token of another data folder), and a key rotation gone wrong in production.
    UnknownKey,
    /// The keys could not be read, so the token could not be checked.
    KeysUnavailable(String),
}

/// Verifies the request's bearer token (`None`: it has none). The outcome is kept in
/// the request, so the rate limiter and the [`AuthUser`] extractor check it once.
pub async fn bearer(req: &HttpRequest) -> Option<Bearer> {
    let known = req.extensions().get::<Bearer>().cloned();
    if known.is_some() {
        return known;
    }
    let token = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(|t| t.trim().to_owned())?;
    let verifier = req.app_data::<web::Data<JwtVerifier>>().cloned();
    let outcome = match verifier {
        None => Bearer::KeysUnavailable("no JwtVerifier registered".into()),
        Some(verifier) => match verifier.verify(&token).await {
            Ok(claims) => Bearer::Valid(AuthUser::from_claims(claims)),
            Err(super::VerifyError::KeysUnavailable(reason)) => Bearer::KeysUnavailable(reason),
            Err(e) if e.is_unknown_key() => {
                tracing::info!(reason = %e, "bearer token signed by an unknown key");
                Bearer::UnknownKey
            }
            Err(e) => {
                // The reason helps operators; the token itself is never logged.
                tracing::info!(reason = %e, "bearer token rejected");
                Bearer::Rejected
            }
        },
    };
    req.extensions_mut().insert(outcome.clone());
    Some(outcome)
}
