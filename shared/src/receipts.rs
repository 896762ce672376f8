//! Filing receipts (docs/integration.md, "6. Filing receipts"): a statutory submission's proof of what arrived
//! and when.
//!
//! A submission calls [`issue`] inside the transaction that stores it, and embeds the
//! [`Receipt`] in its answer as `receipt`. The receipt is stored and signed with the
//! service's Ed25519 receipt key, which is made on first use and kept in the database,
//! so receipts verify after a restart and on every replica; [`rotate_key`] adds a new
//! one, and older keys stay to verify what they signed. Anyone holding a receipt
//! can check it at `POST /api/v1/receipts/verify` ([`verify`]), or offline with the
//! public keys of `GET /api/v1/receipts/keys` ([`public_keys`]).
//!
//! The signature is Ed25519 over the UTF-8 bytes of this canonical string, its lines
//! joined by `\n` with no trailing newline, encoded base64url without padding:
//!
//! ```text
//! atvsld-receipt-v1
//! reference=ATVSLD-20261128-7K3M9Q2XHD
//! kind=accident_declaration
//! subject_id=0193a5e2-7c1e-7b36-9c55-2f1d9f0a4e11
//! received_at=2026-11-28T03:04:05.123456Z
//! sha256=<64 lower-case hex digits>
//! key_id=<kid of the signing key>
//! ```
//!
//! `received_at` is UTC with exactly six fractional digits ([`crate::time::utc_micros`]).
//! No field may contain a control character, so the lines cannot be forged by a value.
//! A reference is `ATVSLD-`, the date of receipt in Viet Nam (`YYYYMMDD`), `-` and ten
//! random Crockford base32 characters (50 bits; no I, L, O or U, so it can be read out
//! over the phone).

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{ED25519, Ed25519KeyPair, KeyPair, UnparsedPublicKey};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use chrono::{DateTime, NaiveDateTime, SubsecRound, Timelike, Utc};
use diesel::prelude::*;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::db::{self, DbConnection};
use crate::error::ApiError;
use crate::extract::hex_sha256;
use crate::time::utc_micros;

diesel::table! {
    receipt_keys (kid) {
        kid -> Text,
        private_key_pkcs8 -> Text,
        public_key -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    receipts (reference) {
        reference -> Text,
        kind -> Text,
        subject_id -> Text,
        received_at -> Timestamp,
        sha256 -> Text,
        signature -> Text,
        kid -> Text,
        issued_by -> Text,
    }
}

/// A stored receipt as the caller got it (`issued_by` stays inside).
#[derive(Queryable, Selectable)]
#[diesel(table_name = receipts)]
struct ReceiptRow {
    reference: String,
    kind: String,
    subject_id: String,
    received_at: NaiveDateTime,
    sha256: String,
    signature: String,
    kid: String,
}

impl From<ReceiptRow> for Receipt {
    fn from(row: ReceiptRow) -> Self {
        Receipt {
            reference: row.reference,
            kind: row.kind,
            subject_id: row.subject_id,
            received_at: row.received_at.and_utc(),
            sha256: row.sha256,
            signature: row.signature,
            key_id: row.kid,
        }
    }
}

const CANONICAL_VERSION: &str = "atvsld-receipt-v1";
const CROCKFORD: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// A filing receipt (biên nhận nộp hồ sơ), as returned with a statutory submission.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "reference": "ATVSLD-20261128-7K3M9Q2XHD",
    "kind": "accident_declaration",
    "subject_id": "0193a5e2-7c1e-7b36-9c55-2f1d9f0a4e11",
    "received_at": "2026-11-28T03:04:05.123456Z",
    "sha256": "9f2c4b1e0a7d3c5b8e6f1a2d4c7b9e0f3a5d8c1b6e4f7a2d9c0b3e5f8a1d4c7b",
    "signature": "u0c3v7dY0sKZ2wzJ9m0Qx8b6Nn3hT1kR5yP4aL2eF7gH9jK0lM1nO2pQ3rS4tU5vW6xY7zA8bC9dE0fG1hI2jA",
    "key_id": "3f1a9c2e7b5d4e60"
}))]
pub struct Receipt {
    /// Filing reference (số tiếp nhận), to quote in any follow-up.
    pub reference: String,
    /// What was filed, e.g. `accident_declaration`.
    pub kind: String,
    /// Id of the filed record.
    pub subject_id: String,
    /// Server time of receipt (thời điểm tiếp nhận); timeliness is judged by it, never by a date the filer typed.
    pub received_at: DateTime<Utc>,
    /// Hex SHA-256 of the canonical request body (strings in NFC, keys sorted, no whitespace).
    pub sha256: String,
    /// Ed25519 signature of the canonical receipt string, base64url without padding.
    pub signature: String,
    /// `kid` of the signing key in `GET /api/v1/receipts/keys`.
    pub key_id: String,
}

/// Why a receipt is not valid.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum InvalidReason {
    /// The signature does not verify with any key of this service: the receipt was
    /// altered or not issued here.
    BadSignature,
    /// This service issued no receipt with that reference.
    UnknownReference,
    /// The signature verifies, but the receipt stored under that reference differs.
    Mismatch,
}

/// The verdict on a receipt.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ReceiptVerification {
    pub valid: bool,
    /// Why the receipt is not valid; `null` when it is.
    pub reason: Option<InvalidReason>,
    /// The server time of receipt as stored, when the receipt is valid.
    pub received_at: Option<DateTime<Utc>>,
}

impl ReceiptVerification {
    fn invalid(reason: InvalidReason) -> Self {
        Self {
            valid: false,
            reason: Some(reason),
            received_at: None,
        }
    }
}

/// A public receipt key as a JWK (RFC 8037: `OKP`, `Ed25519`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ReceiptKey {
    #[schema(example = "OKP")]
    pub kty: String,
    #[schema(example = "Ed25519")]
    pub crv: String,
    #[schema(example = "EdDSA")]
    pub alg: String,
    #[serde(rename = "use")]
    #[schema(example = "sig")]
    pub key_use: String,
    /// The `key_id` receipts signed with this key carry.
    pub kid: String,
    /// The public key, base64url without padding.
    pub x: String,
    pub created_at: DateTime<Utc>,
}

/// The receipt keys of a service, oldest first; none before the first receipt.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ReceiptKeys {
    pub keys: Vec<ReceiptKey>,
}

/// The service's signing key. Deliberately not `Debug`: it holds the private key.
struct SigningKey {
    kid: String,
    pair: Ed25519KeyPair,
}

impl SigningKey {
    fn from_pkcs8(kid: String, pkcs8: &SecretString) -> Result<Self, ApiError> {
        // The decoding errors are dropped: they quote bytes of the key.
        let der = STANDARD
            .decode(pkcs8.expose_secret())
            .map_err(|_| anyhow::anyhow!("receipt key {kid} is not base64"))?;
        let pair = Ed25519KeyPair::from_pkcs8(&der)
            .map_err(|_| anyhow::anyhow!("receipt key {kid} is not a PKCS#8 Ed25519 key"))?;
        Ok(Self { kid, pair })
    }

    fn sign(&self, message: &str) -> String {
        URL_SAFE_NO_PAD.encode(self.pair.sign(message.as_bytes()).as_ref())
    }
}

/// The key id of a public key: the first 16 hex digits of its SHA-256, as for tokens.
fn key_id(public_key: &[u8]) -> String {
    hex_sha256(public_key).chars().take(16).collect()
}

/// The newest receipt key, made and stored if there is none yet.
fn signing_key(conn: &mut DbConnection) -> Result<SigningKey, ApiError> {
    use receipt_keys::dsl as k;
    let newest = k::receipt_keys
        .order((k::created_at.desc(), k::kid.desc()))
        .select((k::kid, k::private_key_pkcs8))
        .first::<(String, String)>(conn)
        .optional()?;
    if let Some((kid, pkcs8)) = newest {
        return SigningKey::from_pkcs8(kid, &SecretString::from(pkcs8));
    }
    // Two first submissions racing on PostgreSQL may each make a key; both are kept
    // and both verify, so there is nothing to prevent.
    create_key(conn)
}

/// Makes and stores a new receipt key; being the newest, it signs from now on.
fn create_key(conn: &mut DbConnection) -> Result<SigningKey, ApiError> {
    use receipt_keys::dsl as k;
    let pkcs8 = Ed25519KeyPair::generate_pkcs8(&SystemRandom::new())
        .map_err(|_| anyhow::anyhow!("could not generate a receipt key"))?;
    let pair = Ed25519KeyPair::from_pkcs8(pkcs8.as_ref())
        .map_err(|_| anyhow::anyhow!("a generated receipt key did not load"))?;
    let public = pair.public_key().as_ref();
    let kid = key_id(public);
    diesel::insert_into(k::receipt_keys)
        .values((
            k::kid.eq(&kid),
            k::private_key_pkcs8.eq(STANDARD.encode(pkcs8.as_ref())),
            k::public_key.eq(URL_SAFE_NO_PAD.encode(public)),
            k::created_at.eq(db::now()),
        ))
        .execute(conn)?;
    tracing::info!(receipt.kid = %kid, "receipt signing key created");
    Ok(SigningKey { kid, pair })
}

/// Rotates the receipt key (`atvsld rotate-receipt-key`): a new key signs every
/// receipt from now on, on every replica, and the older ones stay in
/// [`public_keys`] so the receipts they signed still verify. Returns the new `kid`.
pub fn rotate_key(conn: &mut DbConnection) -> Result<String, ApiError> {
    Ok(create_key(conn)?.kid)
}

/// The string a receipt's signature covers (see the module documentation).
pub fn canonical(receipt: &Receipt) -> String {
    [
        CANONICAL_VERSION.to_owned(),
        format!("reference={}", receipt.reference),
        format!("kind={}", receipt.kind),
        format!("subject_id={}", receipt.subject_id),
        format!("received_at={}", utc_micros(receipt.received_at)),
        format!("sha256={}", receipt.sha256),
        format!("key_id={}", receipt.key_id),
    ]
    .join("\n")
}

/// Whether `signature` (base64url) is `public_key`'s (base64url) signature of `message`.
fn signature_valid(public_key: &str, message: &str, signature: &str) -> bool {
    let (Ok(public_key), Ok(signature)) = (
        URL_SAFE_NO_PAD.decode(public_key),
        URL_SAFE_NO_PAD.decode(signature),
    ) else {
        return false;
    };
    UnparsedPublicKey::new(&ED25519, public_key)
        .verify(message.as_bytes(), &signature)
        .is_ok()
}

/// `ATVSLD-YYYYMMDD-` and ten random Crockford base32 characters.
fn new_reference(received_at: DateTime<Utc>) -> String {
    // The low 64 bits of a v4 UUID hold 62 random bits; the low 50 are used.
    let random = uuid::Uuid::new_v4().as_u128();
    let tail: String = (0..10)
        .rev()
        .map(|i| {
            let index = usize::try_from((random >> (i * 5)) & 0x1f).unwrap_or_default();
            CROCKFORD.get(index).map_or('0', |b| char::from(*b))
        })
        .collect();
    let date = received_at
        .with_timezone(&crate::time::vietnam())
        .format("%Y%m%d");
    format!("ATVSLD-{date}-{tail}")
}

/// A receipt field from the calling service: present, short and on one line.
fn check_field(name: &str, value: &str) -> Result<(), ApiError> {
    if value.is_empty() || value.len() > 200 || value.chars().any(char::is_control) {
        return Err(ApiError::Internal(anyhow::anyhow!(
            "receipt {name} must be 1 to 200 bytes without control characters"
        )));
    }
    Ok(())
}

fn check_digest(body_sha256: &str) -> Result<(), ApiError> {
    let is_digest = body_sha256.len() == 64
        && body_sha256
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    if !is_digest {
        return Err(ApiError::Internal(anyhow::anyhow!(
            "receipt sha256 must be 64 lower-case hex digits"
        )));
    }
    Ok(())
}

/// Issues, stores and returns the receipt for a submission. Call it inside the
/// transaction that stores the submission, so that the receipt exists exactly when
/// the submission does; `received_at` is the server time the request arrived
/// (`shared::db::now()`), kept to the microsecond.
pub fn issue(
    conn: &mut DbConnection,
    kind: &str,
    subject_id: &str,
    body_sha256: &str,
    issued_by: &str,
    received_at: NaiveDateTime,
) -> Result<Receipt, ApiError> {
    let filing = [(subject_id.to_owned(), body_sha256.to_owned())];
    issue_many(conn, kind, &filing, issued_by, received_at)?
        .pop()
        .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("no receipt issued")))
}

/// Rows per multi-row `INSERT` of receipts: 8 columns × 1,000 stays under SQLite's
/// 32,766 bound variables.
const ROWS_PER_INSERT: usize = 1000;

/// [`issue`] for many filings received together (a chunk of a bulk import): one
/// receipt per `(subject_id, body_sha256)`, in that order, all with the same
/// `received_at`, signed with one key and stored in multi-row statements.
pub fn issue_many(
    conn: &mut DbConnection,
    kind: &str,
    filings: &[(String, String)],
    issued_by: &str,
    received_at: NaiveDateTime,
) -> Result<Vec<Receipt>, ApiError> {
    if filings.is_empty() {
        return Ok(Vec::new());
    }
    check_field("kind", kind)?;
    for (subject_id, body_sha256) in filings {
        check_field("subject_id", subject_id)?;
        check_digest(body_sha256)?;
    }
    let received_at = received_at.trunc_subsecs(6);
    crate::db::transaction(conn, |conn| {
        let key = signing_key(conn)?;
        let receipts: Vec<Receipt> = filings
            .iter()
            .map(|(subject_id, body_sha256)| {
                let mut receipt = Receipt {
                    reference: new_reference(received_at.and_utc()),
                    kind: kind.to_owned(),
                    subject_id: subject_id.clone(),
                    received_at: received_at.and_utc(),
                    sha256: body_sha256.clone(),
                    signature: String::new(),
                    key_id: key.kid.clone(),
                };
                receipt.signature = key.sign(&canonical(&receipt));
                receipt
            })
            .collect();
        use receipts::dsl as r;
        for part in receipts.chunks(ROWS_PER_INSERT) {
            let rows: Vec<_> = part
                .iter()
                .map(|receipt| {
                    (
                        r::reference.eq(&receipt.reference),
                        r::kind.eq(&receipt.kind),
                        r::subject_id.eq(&receipt.subject_id),
                        r::received_at.eq(received_at),
                        r::sha256.eq(&receipt.sha256),
                        r::signature.eq(&receipt.signature),
                        r::kid.eq(&receipt.key_id),
                        r::issued_by.eq(issued_by),
                    )
                })
                .collect();
            crate::per_backend!(conn, c => diesel::insert_into(r::receipts)
                .values(&rows)
                .execute(c))?;
        }
        Ok(receipts)
    })
}

/// The receipts issued for one record, oldest first (a record filed again, say a
/// corrected report, has several).
pub fn for_subject(
    conn: &mut DbConnection,
    kind: &str,
    subject_id: &str,
) -> Result<Vec<Receipt>, ApiError> {
    use receipts::dsl as r;
    let rows = r::receipts
        .filter(r::kind.eq(kind))
        .filter(r::subject_id.eq(subject_id))
        .order((r::received_at.asc(), r::reference.asc()))
        .select(ReceiptRow::as_select())
        .load(conn)?;
    Ok(rows.into_iter().map(Receipt::from).collect())
}

/// Checks a receipt: valid only if this service stored a receipt under its reference,
/// the signature verifies with the service's key named by `key_id`, and every field
/// equals the stored one.
pub fn verify(conn: &mut DbConnection, receipt: &Receipt) -> Result<ReceiptVerification, ApiError> {
    use receipts::dsl as r;
    let stored = r::receipts
        .find(&receipt.reference)
        .select(ReceiptRow::as_select())
        .first(conn)
        .optional()?
        .map(Receipt::from);
    let Some(stored) = stored else {
        return Ok(ReceiptVerification::invalid(
            InvalidReason::UnknownReference,
        ));
    };
    let public_key = receipt_keys::table
        .find(&receipt.key_id)
        .select(receipt_keys::public_key)
        .first::<String>(conn)
        .optional()?;
    // The signed text has microseconds; a finer time is not the time that was signed.
    let whole_micros = receipt.received_at.nanosecond().is_multiple_of(1_000);
    let signed = whole_micros
        && public_key
            .is_some_and(|key| signature_valid(&key, &canonical(receipt), &receipt.signature));
    if !signed {
        return Ok(ReceiptVerification::invalid(InvalidReason::BadSignature));
    }
    if stored != *receipt {
        tracing::warn!(receipt.reference = %receipt.reference, "a correctly signed receipt differs from the stored one");
        return Ok(ReceiptVerification::invalid(InvalidReason::Mismatch));
    }
    Ok(ReceiptVerification {
        valid: true,
        reason: None,
        received_at: Some(stored.received_at),
    })
}

/// Every receipt key's public half, oldest first.
pub fn public_keys(conn: &mut DbConnection) -> Result<ReceiptKeys, ApiError> {
    use receipt_keys::dsl as k;
    let rows = k::receipt_keys
        .order((k::created_at.asc(), k::kid.asc()))
        .select((k::kid, k::public_key, k::created_at))
        .load::<(String, String, NaiveDateTime)>(conn)?;
    Ok(ReceiptKeys {
        keys: rows
            .into_iter()
            .map(|(kid, x, created_at)| ReceiptKey {
                kty: "OKP".into(),
                crv: "Ed25519".into(),
                alg: "EdDSA".into(),
                key_use: "sig".into(),
                kid,
                x,
                created_at: created_at.and_utc(),
            })
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::testing::TestDatabase;

    fn receipt(key: &SigningKey) -> Receipt {
        let mut r = Receipt {
            reference: "ATVSLD-20261128-7K3M9Q2XHD".into(),
            kind: "accident_declaration".into(),
            subject_id: "0193a5e2-7c1e-7b36-9c55-2f1d9f0a4e11".into(),
            received_at: Utc
                .with_ymd_and_hms(2026, 11, 28, 3, 4, 5)
                .single()
                .unwrap_or_default()
                + chrono::Duration::microseconds(123_456),
            sha256: "ab".repeat(32),
            signature: String::new(),
            key_id: key.kid.clone(),
        };
        r.signature = key.sign(&canonical(&r));
        r
    }

    fn generated() -> SigningKey {
        let pkcs8 =
            Ed25519KeyPair::generate_pkcs8(&SystemRandom::new()).unwrap_or_else(|e| panic!("{e}"));
        let encoded = SecretString::from(STANDARD.encode(pkcs8.as_ref()));
        let kid = "k1".to_owned();
        SigningKey::from_pkcs8(kid, &encoded).unwrap_or_else(|e| panic!("{e}"))
    }

    fn public(key: &SigningKey) -> String {
        URL_SAFE_NO_PAD.encode(key.pair.public_key().as_ref())
    }

    #[test]
    fn the_canonical_string_is_as_documented() {
        let key = generated();
        let r = receipt(&key);
        assert_eq!(
            canonical(&r),
            format!(
                "atvsld-receipt-v1\nreference=ATVSLD-20261128-7K3M9Q2XHD\nkind=accident_declaration\n\
                 subject_id=0193a5e2-7c1e-7b36-9c55-2f1d9f0a4e11\nreceived_at=2026-11-28T03:04:05.123456Z\n\
                 sha256={}\nkey_id=k1",
                "ab".repeat(32)
            )
        );
    }

    #[test]
    fn a_signature_verifies_and_any_altered_field_fails() {
        let key = generated();
        let r = receipt(&key);
        assert!(signature_valid(&public(&key), &canonical(&r), &r.signature));

        type Alteration = (&'static str, fn(&mut Receipt));
        let altered: [Alteration; 6] = [
            ("reference", |r| r.reference.push('X')),
            ("kind", |r| r.kind = "periodic_report".into()),
            ("subject_id", |r| r.subject_id.push('0')),
            ("received_at", |r| {
                r.received_at -= chrono::Duration::microseconds(1);
            }),
            ("sha256", |r| r.sha256 = "cd".repeat(32)),
            ("key_id", |r| r.key_id = "k2".into()),
        ];
        for (field, alter) in altered {
            let mut tampered = r.clone();
            alter(&mut tampered);
            assert!(
                !signature_valid(&public(&key), &canonical(&tampered), &tampered.signature),
                "{field}"
            );
        }
        let other = generated();
        assert!(!signature_valid(
            &public(&other),
            &canonical(&r),
            &r.signature
        ));
        assert!(!signature_valid(
            &public(&key),
            &canonical(&r),
            "not base64!"
        ));
    }

    #[test]
    fn references_are_dated_in_viet_nam_and_quotable() {
        let late_utc = Utc
            .with_ymd_and_hms(2026, 11, 27, 20, 0, 0)
            .single()
            .unwrap_or_default();
        let reference = new_reference(late_utc);
        let (prefix, tail) = reference.split_at(16);
        assert_eq!(prefix, "ATVSLD-20261128-", "03:00 on the 28th in Viet Nam");
        assert_eq!(tail.len(), 10);
        assert!(tail.bytes().all(|b| CROCKFORD.contains(&b)), "{tail}");
        assert_ne!(new_reference(late_utc), reference);
    }

    fn connect(db: &TestDatabase) -> DbConnection {
        use r2d2::ManageConnection;
        let manager = db::ConnectionManager::new(&db.url).unwrap_or_else(|e| panic!("{e}"));
        let mut conn = manager.connect().unwrap_or_else(|e| panic!("{e}"));
        db::run_migrations(&mut conn, &[&crate::MIGRATIONS]).unwrap_or_else(|e| panic!("{e}"));
        conn
    }

    #[test]
    fn an_issued_receipt_verifies_until_it_is_changed() {
        let test_db = TestDatabase::new().unwrap_or_else(|e| panic!("{e}"));
        let mut conn = connect(&test_db);
        let sha = "0f".repeat(32);
        let issue_one = |conn: &mut DbConnection| {
            issue(
                conn,
                "accident_declaration",
                "subject-1",
                &sha,
                "iss|sub",
                db::now(),
            )
            .unwrap_or_else(|e| panic!("{e}"))
        };
        let first = issue_one(&mut conn);
        let second = issue_one(&mut conn);
        assert_ne!(first.reference, second.reference);
        assert_eq!(first.key_id, second.key_id, "one key, made on first use");
        assert_eq!(public_keys(&mut conn).map(|k| k.keys.len()).ok(), Some(1));
        let verdict = verify(&mut conn, &first).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(verdict.reason, None);
        assert_eq!(verdict.received_at, Some(first.received_at));

        let mut forged = first.clone();
        forged.sha256 = "1f".repeat(32);
        let verdict = verify(&mut conn, &forged).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(verdict.reason, Some(InvalidReason::BadSignature));

        let swapped = Receipt {
            reference: second.reference.clone(),
            ..first.clone()
        };
        let verdict = verify(&mut conn, &swapped).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(verdict.reason, Some(InvalidReason::BadSignature));

        assert_eq!(
            for_subject(&mut conn, "accident_declaration", "subject-1").ok(),
            Some(vec![first, second])
        );
    }

    #[test]
    fn bad_input_from_a_service_is_refused() {
        let test_db = TestDatabase::new().unwrap_or_else(|e| panic!("{e}"));
        let mut conn = connect(&test_db);
        let sha = "0f".repeat(32);
        assert!(issue(&mut conn, "kind\nkey_id=x", "s", &sha, "p", db::now()).is_err());
        assert!(issue(&mut conn, "", "s", &sha, "p", db::now()).is_err());
        assert!(issue(&mut conn, "k", "s", "ABCD", "p", db::now()).is_err());
    }
}
