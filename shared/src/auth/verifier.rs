//! Token verification against a JWKS (RFC 8725 rules).
//!
//! - Only asymmetric algorithms are accepted (EdDSA, RS256), and a key is used only
//!   with the algorithm family it was published for: `alg: none` and HS256 tokens
//!   signed with a public key fail.
//! - `jku`, `jwk`, `x5u` and `x5c` headers are refused, not followed: keys come only
//!   from the configured JWKS.
//! - `iss`, `aud` (a string, or an array that holds our audience), `exp`, `nbf` and
//!   `sub` are checked.
//! - Keys are re-read every `refresh_secs`, and once (at most every 30 s) when a token
//!   names an unknown `kid`, so a rotated key is picked up without a restart. If the
//!   JWKS cannot be read, the last keys are kept for at most one hour; after that
//!   every request fails closed.
//! - A token that verified is remembered, by the SHA-256 of its text, until it expires:
//!   a client sends the same token with every request, and checking its signature each
//!   time was most of the CPU a simple read cost. Only the identical text hits; a hit
//!   still needs its key in the current key set (a key removed from the JWKS ends its
//!   tokens at once) and an unexpired `exp`.

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use jsonwebtoken::jwk::{AlgorithmParameters, JwkSet, KeyAlgorithm};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use sha2::Digest as _;
use tokio::sync::{Mutex, RwLock};

use super::Claims;
use crate::config::AuthSettings;

const ALLOWED: [Algorithm; 2] = [Algorithm::EdDSA, Algorithm::RS256];
const UNKNOWN_KID_REFRESH_INTERVAL: Duration = Duration::from_secs(30);
const MAX_STALENESS: Duration = Duration::from_secs(3600);
/// Verified tokens remembered at most; past it, expired ones are dropped, then all.
const VERIFIED_CAPACITY: usize = 10_000;

#[derive(Clone, Debug)]
pub enum JwksSource {
    File(PathBuf),
    Url(String),
}

#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    #[error("malformed token: {0}")]
    Malformed(String),
    #[error("algorithm {0:?} is not accepted")]
    Algorithm(Algorithm),
    #[error("token header carries a key reference ({0}); keys come only from the configured JWKS")]
    EmbeddedKey(&'static str),
    #[error("token has no kid")]
    NoKid,
    #[error("unknown kid")]
    UnknownKid,
    #[error("key and token algorithms differ")]
    KeyAlgorithmMismatch,
    #[error("invalid token: {0}")]
    Invalid(jsonwebtoken::errors::Error),
    #[error("signing keys unavailable: {0}")]
    KeysUnavailable(String),
}

impl VerifyError {
    /// The token names a key the JWKS lacks (a key's id is its thumbprint): most often a
    /// development token of another data folder. A bad signature under one of our
    /// kids is a forgery, and is told nothing more.
    pub fn is_unknown_key(&self) -> bool {
        matches!(self, Self::UnknownKid)
    }
}

struct KeyCache {
    keys: HashMap<String, (DecodingKey, Algorithm)>,
    /// When the keys were last read successfully.
    loaded_at: Option<Instant>,
    /// When a read was last tried, successful or not.
    tried_at: Option<Instant>,
    /// When an unknown `kid` last caused a read.
    forced_at: Option<Instant>,
}

pub struct JwtVerifier {
    source: JwksSource,
    issuer: String,
    audience: String,
    leeway: u64,
    refresh: Duration,
    http: reqwest::Client,
    cache: RwLock<KeyCache>,
    reload: Mutex<()>,
    verified: std::sync::Mutex<HashMap<[u8; 32], Verified>>,
}

/// A token that verified: its claims and the key that signed it.
struct Verified {
    claims: Claims,
    kid: String,
}

impl JwtVerifier {
    pub fn new(settings: &AuthSettings) -> anyhow::Result<Self> {
        let source = match (&settings.jwks_path, &settings.jwks_url) {
            (Some(path), None) => JwksSource::File(path.clone()),
            (None, Some(url)) => JwksSource::Url(url.clone()),
            _ => anyhow::bail!("set exactly one of auth.jwks_path and auth.jwks_url"),
        };
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(5))
            .build()?;
        Ok(Self {
            source,
            issuer: settings.issuer.clone(),
            audience: settings.audience.clone(),
            leeway: settings.leeway_secs,
            refresh: Duration::from_secs(settings.refresh_secs.max(1)),
            http,
            cache: RwLock::new(KeyCache {
                keys: HashMap::new(),
                loaded_at: None,
                tried_at: None,
                forced_at: None,
            }),
            reload: Mutex::new(()),
            verified: std::sync::Mutex::new(HashMap::new()),
        })
    }

    /// Reads the keys now; start-up calls this so a bad JWKS stops the service early.
    pub async fn load(&self) -> Result<usize, VerifyError> {
        self.reload(true).await
    }

    pub async fn verify(&self, token: &str) -> Result<Claims, VerifyError> {
        let digest: [u8; 32] = sha2::Sha256::digest(token.as_bytes()).into();
        let remembered = self.remembered(&digest);
        if let Some(Verified { claims, kid }) = remembered {
            let expired = claims.exp.saturating_add(self.leeway_secs()) < now_secs();
            if !expired && self.lookup(&kid).await?.is_some() {
                return Ok(claims);
            }
            self.forget(&digest);
        }
        let (claims, kid) = self.verify_signed(token).await?;
        self.remember(digest, &claims, kid);
        Ok(claims)
    }

    fn leeway_secs(&self) -> i64 {
        i64::try_from(self.leeway).unwrap_or(i64::MAX)
    }

    fn remembered(&self, digest: &[u8; 32]) -> Option<Verified> {
        let verified = self.verified.lock().ok()?;
        verified.get(digest).map(|v| Verified {
            claims: v.claims.clone(),
            kid: v.kid.clone(),
        })
    }

    fn forget(&self, digest: &[u8; 32]) {
        if let Ok(mut verified) = self.verified.lock() {
            verified.remove(digest);
        }
    }

    fn remember(&self, digest: [u8; 32], claims: &Claims, kid: String) {
        let Ok(mut verified) = self.verified.lock() else {
            return;
        };
        if verified.len() >= VERIFIED_CAPACITY {
            let now = now_secs();
            let leeway = self.leeway_secs();
            verified.retain(|_, v| v.claims.exp.saturating_add(leeway) >= now);
            if verified.len() >= VERIFIED_CAPACITY {
                verified.clear();
            }
        }
        let claims = claims.clone();
        verified.insert(digest, Verified { claims, kid });
    }

    /// The signature and claims checks; the claims and the key's id.
    async fn verify_signed(&self, token: &str) -> Result<(Claims, String), VerifyError> {
        let header = jsonwebtoken::decode_header(token)
            .map_err(|e| VerifyError::Malformed(e.to_string()))?;
        if !ALLOWED.contains(&header.alg) {
            return Err(VerifyError::Algorithm(header.alg));
        }
        if header.jku.is_some() {
            return Err(VerifyError::EmbeddedKey("jku"));
        }
        if header.jwk.is_some() {
            return Err(VerifyError::EmbeddedKey("jwk"));
        }
        if header.x5u.is_some() || header.x5c.is_some() {
            return Err(VerifyError::EmbeddedKey("x5u/x5c"));
        }
        let kid = header.kid.ok_or(VerifyError::NoKid)?;

        let key = match self.lookup(&kid).await? {
            Some(key) => key,
            None => {
                self.reload(false).await?;
                self.lookup(&kid).await?.ok_or(VerifyError::UnknownKid)?
            }
        };
        let (decoding_key, key_alg) = key;
        if key_alg != header.alg {
            return Err(VerifyError::KeyAlgorithmMismatch);
        }
        let mut validation = Validation::new(key_alg);
        validation.leeway = self.leeway;
        validation.validate_nbf = true;
        validation.set_issuer(&[&self.issuer]);
        validation.set_audience(&[&self.audience]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        let data = jsonwebtoken::decode::<Claims>(token, &decoding_key, &validation)
            .map_err(VerifyError::Invalid)?;
        Ok((data.claims, kid))
    }

    async fn lookup(&self, kid: &str) -> Result<Option<(DecodingKey, Algorithm)>, VerifyError> {
        let stale = {
            let cache = self.cache.read().await;
            cache.loaded_at.is_none_or(|t| t.elapsed() >= self.refresh)
        };
        if stale {
            self.reload(true).await?;
        }
        let cache = self.cache.read().await;
        Ok(cache.keys.get(kid).cloned())
    }

    /// Re-reads the JWKS. `scheduled` reloads happen when the keys are older than the
    /// refresh interval; unscheduled ones (unknown kid) at most every 30 s, so a storm
    /// of made-up kids cannot hammer the identity provider.
    async fn reload(&self, scheduled: bool) -> Result<usize, VerifyError> {
        let _guard = self.reload.lock().await;
        {
            let cache = self.cache.read().await;
            let fresh = cache.loaded_at.is_some_and(|t| t.elapsed() < self.refresh);
            let recently = |at: Option<Instant>| {
                at.is_some_and(|t| t.elapsed() < UNKNOWN_KID_REFRESH_INTERVAL)
            };
            let skip = if scheduled {
                fresh || recently(cache.tried_at)
            } else {
                recently(cache.forced_at)
            };
            if skip {
                return usable(&cache);
            }
        }
        let fetched = self.fetch().await;
        let mut cache = self.cache.write().await;
        cache.tried_at = Some(Instant::now());
        if !scheduled {
            cache.forced_at = cache.tried_at;
        }
        match fetched {
            Ok(keys) => {
                cache.keys = keys;
                cache.loaded_at = Some(Instant::now());
                Ok(cache.keys.len())
            }
            Err(reason) => {
                tracing::warn!(%reason, "could not read the JWKS");
                usable(&cache).map_err(|_| VerifyError::KeysUnavailable(reason))
            }
        }
    }

    async fn fetch(&self) -> Result<HashMap<String, (DecodingKey, Algorithm)>, String> {
        let text = match &self.source {
            JwksSource::File(path) => tokio::fs::read_to_string(path)
                .await
                .map_err(|e| format!("reading {}: {e}", path.display()))?,
            JwksSource::Url(url) => {
                let response = self.http.get(url).send().await.map_err(|e| e.to_string())?;
                let response = response.error_for_status().map_err(|e| e.to_string())?;
                response.text().await.map_err(|e| e.to_string())?
            }
        };
        let set: JwkSet =
            serde_json::from_str(&text).map_err(|e| format!("not a JWKS document: {e}"))?;
        Ok(keys_of(&set))
    }
}

/// The cached keys, unless they are too old to trust (fail closed).
fn usable(cache: &KeyCache) -> Result<usize, VerifyError> {
    if cache.loaded_at.is_some_and(|t| t.elapsed() < MAX_STALENESS) {
        Ok(cache.keys.len())
    } else {
        Err(VerifyError::KeysUnavailable(
            "no keys read within the last hour".into(),
        ))
    }
}

/// The usable signing keys of a JWKS: those with a `kid`, an accepted algorithm and
/// key type. Symmetric (`oct`) keys are never used.
fn keys_of(set: &JwkSet) -> HashMap<String, (DecodingKey, Algorithm)> {
    set.keys
        .iter()
        .filter_map(|jwk| {
            let kid = jwk.common.key_id.clone()?;
            let alg = match (&jwk.algorithm, jwk.common.key_algorithm) {
                (AlgorithmParameters::OctetKeyPair(_), None | Some(KeyAlgorithm::EdDSA)) => {
                    Algorithm::EdDSA
                }
                (AlgorithmParameters::RSA(_), None | Some(KeyAlgorithm::RS256)) => Algorithm::RS256,
                _ => return None,
            };
            let key = DecodingKey::from_jwk(jwk).ok()?;
            Some((kid, (key, alg)))
        })
        .collect()
}

/// Seconds since the Unix epoch, as `exp` counts them.
fn now_secs() -> i64 {
    chrono::Utc::now().timestamp()
}
