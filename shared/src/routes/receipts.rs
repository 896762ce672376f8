//! `/api/v1/receipts`: checking filing receipts, online or offline.

use actix_web::{HttpResponse, get, post, web};

use crate::auth::AuthUser;
use crate::db::Db;
use crate::error::ApiError;
use crate::extract::Json;
use crate::receipts::{self, Receipt, ReceiptKeys, ReceiptVerification};

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(verify_receipt).service(list_receipt_keys);
}

/// Verify a filing receipt
///
/// Kiểm tra biên nhận. Send a receipt exactly as it was returned. It is valid only if
/// this service issued a receipt with that `reference`, the signature verifies with
/// the service's key named by `key_id`, and every field equals the stored receipt;
/// `received_at` in the answer is then the authoritative time of filing. Any
/// authenticated caller may ask.
#[utoipa::path(
    tag = "receipts",
    request_body = Receipt,
    responses((status = 200, description = "The verdict; an altered or unknown receipt is also 200, with `valid: false` and the `reason`", body = ReceiptVerification))
)]
#[post("/receipts/verify")]
pub async fn verify_receipt(
    _user: AuthUser,
    db: web::Data<Db>,
    body: Json<Receipt>,
) -> Result<HttpResponse, ApiError> {
    let receipt = body.body;
    let verdict = db.run(move |conn| receipts::verify(conn, &receipt)).await?;
    Ok(HttpResponse::Ok().json(verdict))
}

/// Receipt signing keys
///
/// Khóa công khai ký biên nhận, as a JWKS (Ed25519, `kty: OKP`), to check receipts
/// offline: the `signature` (base64url) is the Ed25519 signature, by the key whose
/// `kid` is the receipt's `key_id`, of these lines joined by `\n`:
/// `atvsld-receipt-v1`, `reference=…`, `kind=…`, `subject_id=…`,
/// `received_at=…` (UTC, six fractional digits, e.g. `2026-11-28T03:04:05.123456Z`),
/// `sha256=…`, `key_id=…`. Keys are never removed, so old receipts stay checkable.
#[utoipa::path(
    tag = "receipts",
    responses((status = 200, description = "The public keys, oldest first", body = ReceiptKeys))
)]
#[get("/receipts/keys")]
pub async fn list_receipt_keys(
    _user: AuthUser,
    db: web::Data<Db>,
) -> Result<HttpResponse, ApiError> {
    let keys = db.run(receipts::public_keys).await?;
    Ok(HttpResponse::Ok().json(keys))
}
