//! Forged, expired and misaddressed tokens are all 401 (RFC 8725).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use reqwest::Method;
use serde_json::{Value, json};
use shared::auth::JwtSigner;
use shared::testing::{TEST_AUDIENCE, TEST_ISSUER};

use crate::helpers::{TestApp, assert_problem, spawn_app};

fn claims(overrides: Value) -> Value {
    let now = chrono::Utc::now().timestamp();
    let mut claims = json!({
        "sub": "attacker", "iss": TEST_ISSUER, "aud": TEST_AUDIENCE,
        "exp": now + 600, "nbf": now - 10, "iat": now, "roles": ["admin"]
    });
    if let (Some(base), Some(extra)) = (claims.as_object_mut(), overrides.as_object()) {
        for (k, v) in extra {
            base.insert(k.clone(), v.clone());
        }
    }
    claims
}

async fn assert_rejected(app: &TestApp, token: &str, why: &str) {
    assert_rejected_as(app, token, why, "unauthorized").await;
}

async fn assert_rejected_as(app: &TestApp, token: &str, why: &str, code: &str) {
    let res = app
        .request(Method::GET, "/api/v1/establishments", Some(token), None)
        .await;
    assert_eq!(res.status().as_u16(), 401, "{why}");
    assert_eq!(res.headers()["www-authenticate"], "Bearer", "{why}");
    assert_problem(res, 401, code).await;
}

#[tokio::test]
async fn a_valid_token_is_accepted() {
    let app = spawn_app().await;
    let token = app.svc.keys.signer.sign(&claims(json!({}))).unwrap();
    let res = app
        .request(Method::GET, "/api/v1/establishments", Some(&token), None)
        .await;
    assert_eq!(res.status().as_u16(), 200);
}

/// Keycloak and other identity providers put `aud` in an array.
#[tokio::test]
async fn an_audience_array_that_holds_ours_is_accepted() {
    let app = spawn_app().await;
    for aud in [json!([TEST_AUDIENCE]), json!(["account", TEST_AUDIENCE])] {
        let token = app
            .svc
            .keys
            .signer
            .sign(&claims(json!({"aud": aud})))
            .unwrap();
        let res = app
            .request(Method::GET, "/api/v1/establishments", Some(&token), None)
            .await;
        assert_eq!(res.status().as_u16(), 200, "aud {aud}");
    }
}

#[tokio::test]
async fn missing_and_garbage_tokens_are_rejected() {
    let app = spawn_app().await;
    let res = app
        .request(Method::GET, "/api/v1/establishments", None, None)
        .await;
    assert_problem(res, 401, "unauthorized").await;
    assert_rejected(&app, "not.a.jwt", "garbage").await;
}

#[tokio::test]
async fn alg_none_is_rejected() {
    let app = spawn_app().await;
    let header = json!({"alg": "none", "typ": "JWT", "kid": app.svc.keys.signer.kid()});
    let token = format!(
        "{}.{}.",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(claims(json!({})).to_string())
    );
    assert_rejected(&app, &token, "alg none").await;
}

#[tokio::test]
async fn hs256_signed_with_the_public_key_is_rejected() {
    let app = spawn_app().await;
    let jwks = serde_json::to_value(app.svc.keys.signer.jwks()).unwrap();
    let public_x = jwks["keys"][0]["x"].as_str().unwrap().to_owned();
    let mut header = Header::new(Algorithm::HS256);
    header.kid = Some(app.svc.keys.signer.kid().to_owned());
    let key = EncodingKey::from_secret(public_x.as_bytes()).unwrap();
    let token = jsonwebtoken::encode(&header, &claims(json!({})), &key).unwrap();
    assert_rejected(&app, &token, "HS256 with the public key").await;
}

#[tokio::test]
async fn a_token_from_another_key_is_rejected() {
    let app = spawn_app().await;
    let (stranger, _) = JwtSigner::generate().unwrap();
    // Said apart: the likeliest cause is a token of another data folder or provider.
    assert_rejected_as(
        &app,
        &stranger.sign(&claims(json!({}))).unwrap(),
        "unknown kid",
        "unknown_signing_key",
    )
    .await;
    let mut header = Header::new(Algorithm::EdDSA);
    header.kid = Some(app.svc.keys.signer.kid().to_owned());
    assert_rejected(
        &app,
        &stranger
            .sign_with_header(header, &claims(json!({})))
            .unwrap(),
        "our kid, their key",
    )
    .await;
}

#[tokio::test]
async fn a_tampered_payload_is_rejected() {
    let app = spawn_app().await;
    let token = app
        .svc
        .keys
        .signer
        .sign(&claims(json!({"roles": ["viewer"]})))
        .unwrap();
    let mut parts: Vec<String> = token.split('.').map(str::to_owned).collect();
    parts[1] = URL_SAFE_NO_PAD.encode(claims(json!({"roles": ["admin"]})).to_string());
    assert_rejected(&app, &parts.join("."), "tampered").await;
}

#[tokio::test]
async fn expired_premature_and_misaddressed_tokens_are_rejected() {
    let app = spawn_app().await;
    let now = chrono::Utc::now().timestamp();
    let signer = &app.svc.keys.signer;
    for (why, overrides) in [
        ("expired", json!({"exp": now - 120})),
        ("not yet valid", json!({"nbf": now + 600})),
        ("wrong audience", json!({"aud": "another-api"})),
        (
            "an audience array without ours",
            json!({"aud": ["another-api", "account"]}),
        ),
        ("wrong issuer", json!({"iss": "https://evil.example"})),
    ] {
        assert_rejected(&app, &signer.sign(&claims(overrides)).unwrap(), why).await;
    }
    let mut no_sub = claims(json!({}));
    no_sub.as_object_mut().unwrap().remove("sub");
    assert_rejected(&app, &signer.sign(&no_sub).unwrap(), "no subject").await;
}

#[tokio::test]
async fn tokens_that_bring_their_own_key_are_rejected() {
    let app = spawn_app().await;
    let signer = &app.svc.keys.signer;
    let jwk = signer.jwks().keys.into_iter().next().unwrap();
    let mut with_jwk = Header::new(Algorithm::EdDSA);
    with_jwk.jwk = Some(jwk);
    assert_rejected(
        &app,
        &signer
            .sign_with_header(with_jwk, &claims(json!({})))
            .unwrap(),
        "jwk header",
    )
    .await;
    let mut with_jku = Header::new(Algorithm::EdDSA);
    with_jku.jku = Some("http://127.0.0.1:9/jwks.json".into());
    assert_rejected(
        &app,
        &signer
            .sign_with_header(with_jku, &claims(json!({})))
            .unwrap(),
        "jku header",
    )
    .await;
}

#[tokio::test]
async fn a_rotated_key_is_trusted_without_a_restart() {
    let app = spawn_app().await;
    let (next, _) = JwtSigner::generate().unwrap();
    let mut set = app.svc.keys.signer.jwks();
    set.keys.extend(next.jwks().keys);
    std::fs::write(&app.svc.keys.jwks_path, serde_json::to_vec(&set).unwrap()).unwrap();
    let token = next.sign(&claims(json!({}))).unwrap();
    let res = app
        .request(Method::GET, "/api/v1/establishments", Some(&token), None)
        .await;
    assert_eq!(res.status().as_u16(), 200);
}

#[tokio::test]
async fn keys_can_come_from_an_identity_provider_url() {
    // A stand-in identity provider serving the JWKS over HTTP.
    let keys = shared::testing::TestKeys::new().unwrap();
    let jwks = serde_json::to_string(&keys.signer.jwks()).unwrap();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let idp = format!(
        "http://127.0.0.1:{}/jwks.json",
        listener.local_addr().unwrap().port()
    );
    let server = actix_web::HttpServer::new(move || {
        let jwks = jwks.clone();
        actix_web::App::new().route(
            "/jwks.json",
            actix_web::web::get().to(move || {
                let jwks = jwks.clone();
                async move {
                    actix_web::HttpResponse::Ok()
                        .content_type("application/json")
                        .body(jwks)
                }
            }),
        )
    })
    .workers(1)
    .listen(listener)
    .unwrap()
    .run();
    tokio::spawn(server);

    let app = crate::helpers::spawn_app_with(|s| {
        s.auth.jwks_path = None;
        s.auth.jwks_url = Some(idp);
    })
    .await;
    let token = keys.signer.sign(&claims(json!({}))).unwrap();
    let res = app
        .request(Method::GET, "/api/v1/establishments", Some(&token), None)
        .await;
    assert_eq!(res.status().as_u16(), 200);
    // The file-based keys of the harness are not trusted by this instance.
    assert_rejected_as(
        &app,
        &app.admin(),
        "key not published by the identity provider",
        "unknown_signing_key",
    )
    .await;
}

/// A token that verified once is remembered (its signature is not checked again), but
/// never past its `exp`, and only as the identical text: the same claims under another
/// signature are checked afresh.
#[tokio::test]
async fn a_remembered_token_ends_with_its_expiry_and_only_its_exact_text_is_remembered() {
    let app = crate::helpers::spawn_app_with(|s| s.auth.leeway_secs = 0).await;
    let get = |token: String| {
        let app = &app;
        async move {
            app.request(Method::GET, "/api/v1/establishments", Some(&token), None)
                .await
                .status()
                .as_u16()
        }
    };
    let now = chrono::Utc::now().timestamp();
    let short = app
        .svc
        .keys
        .signer
        .sign(&claims(json!({"exp": now + 2})))
        .unwrap();
    assert_eq!(get(short.clone()).await, 200);
    assert_eq!(get(short.clone()).await, 200, "remembered");

    let (other, _) = JwtSigner::generate().unwrap();
    let mut parts: Vec<String> = short.split('.').map(str::to_owned).collect();
    parts[2] = other
        .sign(&claims(json!({"exp": now + 2})))
        .unwrap()
        .rsplit('.')
        .next()
        .unwrap()
        .to_owned();
    assert_rejected(&app, &parts.join("."), "same claims, foreign signature").await;

    tokio::time::sleep(std::time::Duration::from_millis(3100)).await;
    assert_rejected(&app, &short, "expired while remembered").await;
}
