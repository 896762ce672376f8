//! Filing receipts through the running service: a receipt issued in the service's own
//! database verifies over HTTP and offline, and every altered field is caught.

use chrono::{DateTime, Utc};
use reqwest::Method;
use serde_json::{Value, json};
use shared::auth::Role;

use crate::helpers::{TestApp, assert_problem, json_of, spawn_app};

/// Issues a receipt the way a submission will: on a connection of the running service.
fn issue(app: &TestApp, subject_id: &str) -> Value {
    // Dropped on return: on SQLite the service has this one connection.
    let mut conn = app.svc.app_db.get().unwrap();
    let receipt = shared::receipts::issue(
        &mut conn,
        "accident_declaration",
        subject_id,
        &"ab".repeat(32),
        "atvsld-test|filer",
        shared::db::now(),
    )
    .unwrap();
    serde_json::to_value(receipt).unwrap()
}

async fn verify(app: &TestApp, receipt: &Value) -> Value {
    let res = app
        .post(
            "/api/v1/receipts/verify",
            &app.token(Role::Viewer, None),
            receipt,
        )
        .await;
    assert_eq!(res.status().as_u16(), 200);
    json_of(res).await
}

fn received_at(receipt: &Value) -> DateTime<Utc> {
    serde_json::from_value(receipt["received_at"].clone()).unwrap()
}

#[tokio::test]
async fn an_issued_receipt_verifies_for_any_caller() {
    let app = spawn_app().await;
    let receipt = issue(&app, "0193a5e2-7c1e-7b36-9c55-2f1d9f0a4e11");
    let reference = receipt["reference"].as_str().unwrap();
    assert!(reference.starts_with("ATVSLD-"), "{reference}");
    assert_eq!(reference.len(), "ATVSLD-20261128-7K3M9Q2XHD".len());

    let verdict = verify(&app, &receipt).await;
    assert_eq!(
        verdict,
        json!({"valid": true, "reason": null, "received_at": receipt["received_at"]})
    );

    // The same instant written with Viet Nam's offset is the same receipt.
    let mut local = receipt.clone();
    local["received_at"] = json!(
        received_at(&receipt)
            .with_timezone(&shared::time::vietnam())
            .to_rfc3339()
    );
    assert_eq!(verify(&app, &local).await["valid"], true);
}

#[tokio::test]
async fn every_altered_field_is_caught_with_its_reason() {
    let app = spawn_app().await;
    let receipt = issue(&app, "0193a5e2-7c1e-7b36-9c55-2f1d9f0a4e11");
    let other = issue(&app, "0193a5e2-7c1e-7b36-9c55-2f1d9f0a4e12");
    let later = received_at(&receipt) + chrono::Duration::seconds(1);
    let mut flipped = receipt["signature"].as_str().unwrap().to_owned();
    let last = if flipped.pop() == Some('A') { 'B' } else { 'A' };
    flipped.push(last);

    let cases = [
        ("sha256", json!("cd".repeat(32)), "bad_signature"),
        ("received_at", json!(later), "bad_signature"),
        ("subject_id", json!("someone-else"), "bad_signature"),
        ("kind", json!("periodic_report"), "bad_signature"),
        ("signature", json!(flipped), "bad_signature"),
        ("signature", other["signature"].clone(), "bad_signature"),
        ("key_id", json!("0000000000000000"), "bad_signature"),
        (
            "reference",
            json!("ATVSLD-20261128-0000000000"),
            "unknown_reference",
        ),
        ("reference", other["reference"].clone(), "bad_signature"),
    ];
    for (field, value, reason) in cases {
        let mut tampered = receipt.clone();
        tampered[field] = value;
        let verdict = verify(&app, &tampered).await;
        assert_eq!(
            verdict,
            json!({"valid": false, "reason": reason, "received_at": null}),
            "{field}"
        );
    }
    assert_eq!(verify(&app, &receipt).await["valid"], true);
}

#[tokio::test]
async fn a_stored_receipt_changed_behind_the_service_is_a_mismatch() {
    use diesel::RunQueryDsl;
    let app = spawn_app().await;
    let receipt = issue(&app, "0193a5e2-7c1e-7b36-9c55-2f1d9f0a4e11");
    {
        let mut conn = app.svc.app_db.get().unwrap();
        diesel::sql_query(format!(
            "UPDATE receipts SET subject_id = 'someone-else' WHERE reference = '{}'",
            receipt["reference"].as_str().unwrap()
        ))
        .execute(&mut *conn)
        .unwrap();
    }
    let verdict = verify(&app, &receipt).await;
    assert_eq!(verdict["valid"], false);
    assert_eq!(verdict["reason"], "mismatch");
}

#[tokio::test]
async fn the_published_keys_verify_a_receipt_offline() {
    let app = spawn_app().await;
    let res = app
        .get("/api/v1/receipts/keys", &app.token(Role::Insurer, None))
        .await;
    assert_eq!(res.status().as_u16(), 200);
    assert_eq!(
        json_of(res).await,
        json!({"keys": []}),
        "no key before the first receipt"
    );

    let receipt = issue(&app, "0193a5e2-7c1e-7b36-9c55-2f1d9f0a4e11");
    let keys = json_of(
        app.get("/api/v1/receipts/keys", &app.token(Role::Insurer, None))
            .await,
    )
    .await;
    assert!(!keys.to_string().contains("private"), "{keys}");
    let set: jsonwebtoken::jwk::JwkSet = serde_json::from_value(keys).unwrap();
    let jwk = set
        .find(receipt["key_id"].as_str().unwrap())
        .expect("the signing key is published");
    let key = jsonwebtoken::DecodingKey::from_jwk(jwk).unwrap();

    // The canonical string as the documentation states it, rebuilt by hand.
    let message = format!(
        "atvsld-receipt-v1\nreference={}\nkind={}\nsubject_id={}\nreceived_at={}\nsha256={}\nkey_id={}",
        receipt["reference"].as_str().unwrap(),
        receipt["kind"].as_str().unwrap(),
        receipt["subject_id"].as_str().unwrap(),
        received_at(&receipt).format("%Y-%m-%dT%H:%M:%S%.6fZ"),
        receipt["sha256"].as_str().unwrap(),
        receipt["key_id"].as_str().unwrap(),
    );
    let signature = receipt["signature"].as_str().unwrap();
    let ok = |message: &str| {
        jsonwebtoken::crypto::verify(
            signature,
            message.as_bytes(),
            &key,
            jsonwebtoken::Algorithm::EdDSA,
        )
        .unwrap()
    };
    assert!(ok(&message));
    assert!(!ok(
        &message.replace("kind=accident_declaration", "kind=other")
    ));
}

#[tokio::test]
async fn a_receipt_that_is_not_one_is_a_problem() {
    let app = spawn_app().await;
    let receipt = issue(&app, "0193a5e2-7c1e-7b36-9c55-2f1d9f0a4e11");

    let mut extra = receipt.clone();
    extra["note"] = json!("x");
    let res = app
        .post("/api/v1/receipts/verify", &app.admin(), &extra)
        .await;
    assert_problem(res, 422, "validation_failed").await;

    let mut naive = receipt.clone();
    naive["received_at"] = json!("2026-11-28T03:04:05");
    let res = app
        .post("/api/v1/receipts/verify", &app.admin(), &naive)
        .await;
    assert_problem(res, 422, "validation_failed").await;

    let res = app
        .request(
            Method::POST,
            "/api/v1/receipts/verify",
            None,
            Some(&receipt),
        )
        .await;
    assert_problem(res, 401, "unauthorized").await;
}
