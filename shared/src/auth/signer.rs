//! Signing tokens: development tokens from `atvsld token`, service tokens, and tests.
//!
//! Keys are Ed25519 (EdDSA). [`DevKeys`] keeps a key pair in a folder (the private
//! key readable by its owner only) next to the JWKS document the services trust.

use std::path::{Path, PathBuf};

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{Ed25519KeyPair, KeyPair};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::jwk::{Jwk, JwkSet};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::{Audience, Claims, Role};

pub struct JwtSigner {
    kid: String,
    key: EncodingKey,
    jwk: Jwk,
}

impl JwtSigner {
    /// A new random key pair.
    pub fn generate() -> anyhow::Result<(Self, Vec<u8>)> {
        let pkcs8 = Ed25519KeyPair::generate_pkcs8(&SystemRandom::new())
            .map_err(|_| anyhow::anyhow!("could not generate an Ed25519 key"))?;
        let der = pkcs8.as_ref().to_vec();
        Ok((Self::from_pkcs8(&der)?, der))
    }

    /// A signer from a PKCS#8 (DER) Ed25519 private key.
    pub fn from_pkcs8(der: &[u8]) -> anyhow::Result<Self> {
        let pair = Ed25519KeyPair::from_pkcs8(der)
            .map_err(|_| anyhow::anyhow!("not a PKCS#8 Ed25519 key"))?;
        // A digest prints as lowercase hex (`{:x}`); the key id is its first 16 digits.
        let kid = format!("{:x}", Sha256::digest(pair.public_key().as_ref()))
            .chars()
            .take(16)
            .collect::<String>();
        let key = EncodingKey::from_ed_der(der);
        // Written out by hand: jsonwebtoken's `Jwk::from_encoding_key` reads only
        // 48-byte PKCS#8 v1 keys, and aws-lc makes v2 keys (with the public key).
        let jwk: Jwk = serde_json::from_value(serde_json::json!({
            "kty": "OKP",
            "crv": "Ed25519",
            "x": URL_SAFE_NO_PAD.encode(pair.public_key().as_ref()),
            "kid": kid,
            "alg": "EdDSA",
            "use": "sig",
        }))?;
        Ok(Self { kid, key, jwk })
    }

    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// The public half, as the JWKS document a verifier reads.
    pub fn jwks(&self) -> JwkSet {
        JwkSet {
            keys: vec![self.jwk.clone()],
        }
    }

    /// Signs any claims (tests use this to make expired or misaddressed tokens).
    pub fn sign<T: Serialize>(&self, claims: &T) -> anyhow::Result<String> {
        let mut header = Header::new(Algorithm::EdDSA);
        header.typ = Some("JWT".into());
        self.sign_with_header(header, claims)
    }

    /// Signs with a header of the caller's making (tests forge `jku`/`jwk` headers with it);
    /// the key id is ours unless the header names another.
    pub fn sign_with_header<T: Serialize>(
        &self,
        mut header: Header,
        claims: &T,
    ) -> anyhow::Result<String> {
        header.alg = Algorithm::EdDSA;
        header.kid.get_or_insert_with(|| self.kid.clone());
        Ok(jsonwebtoken::encode(&header, claims, &self.key)?)
    }

    /// An access token for `subject` with `roles` and organisation `org`, valid `ttl`.
    pub fn token(
        &self,
        issuer: &str,
        audience: &str,
        subject: &str,
        roles: &[Role],
        org: Option<&str>,
        ttl: std::time::Duration,
    ) -> anyhow::Result<String> {
        let now = chrono::Utc::now().timestamp();
        let ttl = i64::try_from(ttl.as_secs()).unwrap_or(i64::MAX / 2);
        self.sign(&Claims {
            sub: subject.to_owned(),
            iss: issuer.to_owned(),
            aud: Audience::One(audience.to_owned()),
            exp: now.saturating_add(ttl),
            nbf: Some(now),
            iat: Some(now),
            roles: roles.iter().map(|r| r.as_str().to_owned()).collect(),
            org: org.map(str::to_owned),
        })
    }
}

/// A development key pair kept in a folder: `signing-key.der` (private, mode 0600)
/// and `jwks.json` (public).
pub struct DevKeys {
    pub signer: JwtSigner,
    pub jwks_path: PathBuf,
}

impl DevKeys {
    /// Loads the key pair of `dir`, which must hold one: a command that only signs
    /// must not make a key the services have never seen.
    pub fn load(dir: &Path) -> anyhow::Result<Self> {
        let key_path = dir.join("signing-key.der");
        let der = std::fs::read(&key_path)
            .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", key_path.display()))?;
        Ok(Self {
            signer: JwtSigner::from_pkcs8(&der)?,
            jwks_path: dir.join("jwks.json"),
        })
    }

    /// Loads the key pair from `dir`, creating it on first use.
    pub fn load_or_create(dir: &Path) -> anyhow::Result<Self> {
        std::fs::create_dir_all(dir)?;
        let key_path = dir.join("signing-key.der");
        let jwks_path = dir.join("jwks.json");
        let signer = if key_path.exists() {
            JwtSigner::from_pkcs8(&std::fs::read(&key_path)?)?
        } else {
            let (signer, der) = JwtSigner::generate()?;
            write_private(&key_path, &der)?;
            signer
        };
        std::fs::write(&jwks_path, serde_json::to_vec_pretty(&signer.jwks())?)?;
        Ok(Self { signer, jwks_path })
    }
}

#[cfg(unix)]
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(bytes)
}

#[cfg(not(unix))]
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    std::fs::write(path, bytes)
}
