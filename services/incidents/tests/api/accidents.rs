use chrono::{DateTime, Duration, Utc};
use reqwest::Method;
use serde_json::{Value, json};
use shared::auth::Role;

use crate::helpers::{
    TestApp, assert_problem, captured_logs, casualty, declaration, establishment, first_error,
    json_of, spawn_app, tax_code,
};

async fn declare(app: &TestApp, token: &str, body: &Value) -> Value {
    let res = app.post("/api/v1/accidents", token, body).await;
    let status = res.status().as_u16();
    let json = json_of(res).await;
    assert_eq!(status, 201, "{json}");
    json
}

async fn send(
    app: &TestApp,
    method: Method,
    path: &str,
    version: i64,
    body: &Value,
) -> reqwest::Response {
    app.svc
        .client
        .request(method, app.svc.url(path))
        .bearer_auth(app.admin())
        .header("If-Match", format!("\"{version}\""))
        .json(body)
        .send()
        .await
        .unwrap()
}

fn instant(v: &Value) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(v.as_str().unwrap())
        .unwrap()
        .to_utc()
}

#[tokio::test]
async fn a_fatal_accident_with_a_serious_casualty_goes_to_the_province_within_30_days() {
    let app = spawn_app().await;
    app.create_establishment(&establishment(&tax_code(1))).await;
    let body = declaration(
        &tax_code(1),
        1,
        vec![
            casualty("004090012345", "fatal"),
            casualty("004091012346", "serious"),
        ],
    );
    let accident = declare(&app, &app.admin(), &body).await;
    assert_eq!(accident["case_severity"], "fatal");
    assert_eq!(accident["requires_immediate_declaration"], true);
    assert_eq!(accident["requires_police_notice"], true);
    assert_eq!(accident["investigation"]["level"], "provincial");
    assert_eq!(accident["investigation"]["base_days"], 30);
    assert_eq!(
        instant(&accident["investigation"]["deadline"]) - instant(&accident["notified_at"]),
        Duration::days(30)
    );
    assert_eq!(accident["investigation"]["overdue"], false);
    assert_eq!(accident["status"], "declared");
    assert_eq!(accident["vsic_section"], "B");
    assert_eq!(accident["casualties"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn raising_a_minor_casualty_to_fatal_recomputes_level_and_deadline() {
    let app = spawn_app().await;
    app.create_establishment(&establishment(&tax_code(2))).await;
    let accident = declare(
        &app,
        &app.admin(),
        &declaration(&tax_code(2), 1, vec![casualty("004090012345", "minor")]),
    )
    .await;
    assert_eq!(accident["investigation"]["level"], "employer");
    assert_eq!(accident["investigation"]["base_days"], 4);
    let id = accident["id"].as_str().unwrap();
    let casualty_id = accident["casualties"][0]["id"].as_str().unwrap();
    let path = format!("/api/v1/accidents/{id}/casualties/{casualty_id}/severity");

    let raise =
        json!({"severity": "fatal", "document_reference": "Kết luận giám định pháp y số 12/GĐPY"});
    let res = send(&app, Method::POST, &path, 1, &raise).await;
    assert_eq!(res.status().as_u16(), 200);
    let raised = json_of(res).await;
    assert_eq!(raised["case_severity"], "fatal");
    assert_eq!(raised["investigation"]["level"], "provincial");
    assert_eq!(raised["investigation"]["base_days"], 30);
    assert_eq!(
        instant(&raised["investigation"]["deadline"]) - instant(&raised["notified_at"]),
        Duration::days(30)
    );
    assert_eq!(raised["requires_police_notice"], true);
    assert_eq!(
        raised["casualties"][0]["severity_history"][0]["from"],
        "minor"
    );
    assert_eq!(raised["version"], 2);

    let lower = json!({"severity": "serious", "document_reference": "x"});
    assert_problem(
        send(&app, Method::POST, &path, 2, &lower).await,
        409,
        "severity_not_raised",
    )
    .await;
    assert_problem(
        send(&app, Method::POST, &path, 1, &raise).await,
        412,
        "version_mismatch",
    )
    .await;
}

#[tokio::test]
async fn status_moves_only_by_legal_steps() {
    let app = spawn_app().await;
    app.create_establishment(&establishment(&tax_code(3))).await;
    let accident = declare(
        &app,
        &app.admin(),
        &declaration(&tax_code(3), 1, vec![casualty("004090012345", "serious")]),
    )
    .await;
    let id = accident["id"].as_str().unwrap();
    let path = format!("/api/v1/accidents/{id}/status");
    let to = |status: &str| json!({"status": status, "change_reason": "kiểm thử"});
    assert_problem(
        send(&app, Method::POST, &path, 1, &to("closed")).await,
        409,
        "illegal_transition",
    )
    .await;
    let res = send(&app, Method::POST, &path, 1, &to("under_investigation")).await;
    assert_eq!(json_of(res).await["status"], "under_investigation");
    assert_problem(
        send(&app, Method::POST, &path, 2, &to("record_announced")).await,
        409,
        "record_not_announced",
    )
    .await;

    let record = json!({
        "team_level": "employer", "decision_number": "01/QĐ", "members": [],
        "is_occupational_accident": true, "record_announced_on": shared::time::today().to_string()
    });
    let res = send(
        &app,
        Method::PUT,
        &format!("/api/v1/accidents/{id}/investigation"),
        2,
        &record,
    )
    .await;
    assert_eq!(res.status().as_u16(), 200);
    let res = send(&app, Method::POST, &path, 3, &to("record_announced")).await;
    let announced = json_of(res).await;
    assert_eq!(announced["status"], "record_announced");
    // A list item's investigation clock is the detail's.
    let list = json_of(app.get("/api/v1/accidents", &app.admin()).await).await;
    let item = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["id"] == announced["id"])
        .unwrap()
        .clone();
    assert_eq!(item["investigation"], announced["investigation"], "{item}");
    assert_eq!(
        item["investigation"]["record_announced_on"],
        record["record_announced_on"]
    );
    assert_problem(
        send(&app, Method::POST, &path, 4, &to("under_investigation")).await,
        409,
        "illegal_transition",
    )
    .await;
}

#[tokio::test]
async fn a_deadline_passed_without_a_record_is_overdue_in_get_and_list() {
    let app = spawn_app().await;
    app.create_establishment(&establishment(&tax_code(4))).await;
    // Minor: 4 days; notified 10 days ago.
    let late = declare(
        &app,
        &app.admin(),
        &declaration(&tax_code(4), 10, vec![casualty("004090012345", "minor")]),
    )
    .await;
    let fresh = declare(
        &app,
        &app.admin(),
        &declaration(&tax_code(4), 1, vec![casualty("004091012346", "minor")]),
    )
    .await;
    assert_eq!(late["investigation"]["overdue"], true);
    let got = json_of(
        app.get(
            &format!("/api/v1/accidents/{}", late["id"].as_str().unwrap()),
            &app.admin(),
        )
        .await,
    )
    .await;
    assert_eq!(got["investigation"]["overdue"], true);
    let list = json_of(app.get("/api/v1/accidents", &app.admin()).await).await;
    let items = list["items"].as_array().unwrap();
    let overdue_of = |id: &Value| {
        items
            .iter()
            .find(|i| i["id"] == *id)
            .map(|i| i["investigation"]["overdue"].clone())
    };
    assert_eq!(overdue_of(&late["id"]), Some(json!(true)));
    assert_eq!(overdue_of(&fresh["id"]), Some(json!(false)));
    assert!(
        items
            .iter()
            .all(|i| i.get("casualties").is_some_and(Value::is_number)),
        "lists carry no personal data"
    );
}

#[tokio::test]
async fn an_extension_is_bounded_by_the_base_period() {
    let app = spawn_app().await;
    app.create_establishment(&establishment(&tax_code(5))).await;
    let accident = declare(
        &app,
        &app.admin(),
        &declaration(&tax_code(5), 1, vec![casualty("004090012345", "serious")]),
    )
    .await;
    let path = format!(
        "/api/v1/accidents/{}/investigation",
        accident["id"].as_str().unwrap()
    );
    let record = |days: i64| json!({"team_level": "employer", "extension_days": days});
    let problem = assert_problem(
        send(&app, Method::PUT, &path, 1, &record(8)).await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(
        first_error(&problem),
        ("/extension_days".to_owned(), "invalid_extension".to_owned())
    );
    let res = send(&app, Method::PUT, &path, 1, &record(7)).await;
    let saved = json_of(res).await;
    assert_eq!(
        instant(&saved["clock"]["deadline"]) - instant(&accident["notified_at"]),
        Duration::days(14)
    );
    let got = json_of(app.get(&path, &app.admin()).await).await;
    assert_eq!(got["record"]["extension_days"], 7);
}

#[tokio::test]
async fn declarations_are_validated_with_pointers() {
    let app = spawn_app().await;
    app.create_establishment(&establishment(&tax_code(6))).await;
    let mut body = declaration(&tax_code(6), 1, vec![casualty("12345", "minor")]);
    body["cause_codes"] = json!(["0"]);
    let res = app.post("/api/v1/accidents", &app.admin(), &body).await;
    let problem = assert_problem(res, 422, "validation_failed").await;
    let pointers: Vec<&str> = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["pointer"].as_str().unwrap())
        .collect();
    assert!(pointers.contains(&"/cause_codes/0"), "{pointers:?}");
    assert!(
        pointers.contains(&"/casualties/0/personal_id"),
        "{pointers:?}"
    );

    let mut unknown = declaration(&tax_code(7), 1, vec![casualty("004090012345", "minor")]);
    unknown["employer"] = json!({"tax_code": tax_code(7)});
    let problem = assert_problem(
        app.post("/api/v1/accidents", &app.admin(), &unknown).await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(
        first_error(&problem),
        ("/employer".to_owned(), "unknown_employer".to_owned())
    );

    let mut no_offset = declaration(&tax_code(6), 1, vec![casualty("004090012345", "minor")]);
    no_offset["occurred_at"] = json!("2026-03-02T08:30:00");
    let problem = assert_problem(
        app.post("/api/v1/accidents", &app.admin(), &no_offset)
            .await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(first_error(&problem).0, "/occurred_at");
}

#[tokio::test]
async fn an_enterprise_sees_only_its_own_accidents() {
    let app = spawn_app().await;
    app.create_establishment(&establishment(&tax_code(8))).await;
    app.create_establishment(&establishment(&tax_code(9))).await;
    let mine_token = app.token(Role::Enterprise, Some(&tax_code(8)));
    let mine = declare(
        &app,
        &mine_token,
        &declaration(&tax_code(8), 1, vec![casualty("004090012345", "minor")]),
    )
    .await;
    let theirs = declare(
        &app,
        &app.admin(),
        &declaration(&tax_code(9), 1, vec![casualty("004091012346", "minor")]),
    )
    .await;

    let res = app
        .get(
            &format!("/api/v1/accidents/{}", theirs["id"].as_str().unwrap()),
            &mine_token,
        )
        .await;
    let body = assert_problem(res, 404, "not_found").await;
    assert!(!body.to_string().contains("004091012346"));
    let list = json_of(app.get("/api/v1/accidents", &mine_token).await).await;
    let ids: Vec<&Value> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| &i["id"])
        .collect();
    assert_eq!(ids, [&mine["id"]]);
    // It cannot declare for another employer either.
    let res = app
        .post(
            "/api/v1/accidents",
            &mine_token,
            &declaration(&tax_code(9), 1, vec![casualty("004090012347", "minor")]),
        )
        .await;
    let problem = assert_problem(res, 422, "validation_failed").await;
    assert_eq!(first_error(&problem).1, "unknown_employer");
    for role in [Role::Viewer, Role::Insurer, Role::Agency] {
        let res = app
            .get(
                &format!("/api/v1/accidents/{}", mine["id"].as_str().unwrap()),
                &app.token(role, Some("X")),
            )
            .await;
        assert_problem(res, 403, "forbidden").await;
    }
}

#[tokio::test]
async fn a_commune_declares_no_contract_accidents_in_its_own_commune() {
    let app = spawn_app().await;
    let token = app.token(Role::Commune, Some("01273"));
    let mut body = declaration("", 1, vec![casualty("004090012345", "fatal")]);
    body["sector"] = json!("without_labour_contract");
    body.as_object_mut().unwrap().remove("employer");
    body["casualties"][0]["contract_type"] = json!("none");
    let accident = declare(&app, &token, &body).await;
    assert_eq!(accident["investigation"]["level"], "commune");
    assert_eq!(accident["requires_police_notice"], true);

    let other = app.token(Role::Commune, Some("01279"));
    assert_problem(
        app.post("/api/v1/accidents", &other, &body).await,
        403,
        "sector_not_yours",
    )
    .await;
    let res = app
        .get(
            &format!("/api/v1/accidents/{}", accident["id"].as_str().unwrap()),
            &other,
        )
        .await;
    assert_problem(res, 404, "not_found").await;
}

#[tokio::test]
async fn a_correction_keeps_the_old_version() {
    let app = spawn_app().await;
    app.create_establishment(&establishment(&tax_code(10)))
        .await;
    let accident = declare(
        &app,
        &app.admin(),
        &declaration(&tax_code(10), 2, vec![casualty("004090012345", "minor")]),
    )
    .await;
    let id = accident["id"].as_str().unwrap();
    let correction = json!({
        "occurred_at": accident["occurred_at"], "place": {"commune_code": "01273", "address": "Tổ 6"},
        "description": "Mô tả bổ sung", "cause_codes": ["2"], "change_reason": "Bổ sung lời khai"
    });
    let res = send(
        &app,
        Method::PUT,
        &format!("/api/v1/accidents/{id}"),
        1,
        &correction,
    )
    .await;
    let corrected = json_of(res).await;
    assert_eq!(corrected["place"]["address"], "Tổ 6");
    assert_eq!(
        corrected["notified_at"], accident["notified_at"],
        "the first notification stays"
    );
    let revisions = json_of(
        app.get(&format!("/api/v1/accidents/{id}/revisions"), &app.admin())
            .await,
    )
    .await;
    let items = revisions["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(
        items[1]["snapshot"]["accident"]["place"],
        "Khai trường mỏ, tổ 5"
    );
    assert!(
        !items[0]["snapshot"].to_string().contains("004090012345"),
        "no identities in revisions"
    );
}

#[tokio::test]
async fn a_dry_run_declares_nothing() {
    let app = spawn_app().await;
    app.create_establishment(&establishment(&tax_code(11)))
        .await;
    let body = declaration(&tax_code(11), 1, vec![casualty("004090012345", "minor")]);
    let res = app
        .post("/api/v1/accidents?dry_run=true", &app.admin(), &body)
        .await;
    assert_eq!(res.status().as_u16(), 200);
    assert_eq!(json_of(res).await["investigation"]["base_days"], 4);
    let list = json_of(app.get("/api/v1/accidents", &app.admin()).await).await;
    assert_eq!(list["items"].as_array().unwrap().len(), 0);
}

#[tokio::test]
async fn a_declaration_comes_with_a_receipt_that_verifies() {
    let app = spawn_app().await;
    app.create_establishment(&establishment(&tax_code(12)))
        .await;
    let accident = declare(
        &app,
        &app.admin(),
        &declaration(&tax_code(12), 1, vec![casualty("004090012345", "minor")]),
    )
    .await;
    let receipt = accident["receipt"].clone();
    assert_eq!(receipt["kind"], "accident_declaration");
    assert_eq!(receipt["subject_id"], accident["id"]);
    let enterprise = app.token(Role::Enterprise, Some(&tax_code(12)));
    let verified = json_of(
        app.post("/api/v1/receipts/verify", &enterprise, &receipt)
            .await,
    )
    .await;
    assert_eq!(verified["valid"], true, "{verified}");
    let mut forged = receipt.clone();
    forged["received_at"] = json!("2020-01-01T00:00:00.000000Z");
    let verified = json_of(
        app.post("/api/v1/receipts/verify", &enterprise, &forged)
            .await,
    )
    .await;
    assert_eq!(verified["valid"], false);
    // The receipt stays with the record.
    let got = json_of(
        app.get(
            &format!("/api/v1/accidents/{}", accident["id"].as_str().unwrap()),
            &app.admin(),
        )
        .await,
    )
    .await;
    assert_eq!(got["receipt"], receipt);
}

#[tokio::test]
async fn reading_casualties_is_audited_without_their_values() {
    let app = spawn_app().await;
    app.create_establishment(&establishment(&tax_code(13)))
        .await;
    let accident = declare(
        &app,
        &app.admin(),
        &declaration(&tax_code(13), 1, vec![casualty("004090012345", "minor")]),
    )
    .await;
    let reader = app.token(Role::LaborAuthority, Some("SNV"));
    app.get(
        &format!("/api/v1/accidents/{}", accident["id"].as_str().unwrap()),
        &reader,
    )
    .await;
    let casualty_id = accident["casualties"][0]["id"].as_str().unwrap();
    let events = json_of(
        app.get(
            &format!("/api/v1/audit-events?resource_id={casualty_id}"),
            &app.admin(),
        )
        .await,
    )
    .await;
    let items = events["items"].as_array().unwrap();
    let actions: Vec<&str> = items
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["read", "create"], "newest first");
    assert!(
        items[0]["actor"]
            .as_str()
            .unwrap()
            .contains("labor_authority")
    );
    let text = events.to_string();
    assert!(
        !text.contains("004090012345") && !text.contains("Nông Văn A"),
        "no values in the audit trail"
    );
}

#[tokio::test]
async fn status_changes_take_an_idempotency_key_and_a_dry_run() {
    let app = spawn_app().await;
    app.create_establishment(&establishment(&tax_code(14)))
        .await;
    let accident = declare(
        &app,
        &app.admin(),
        &declaration(&tax_code(14), 1, vec![casualty("004090012345", "minor")]),
    )
    .await;
    let path = format!(
        "/api/v1/accidents/{}/status",
        accident["id"].as_str().unwrap()
    );
    let body = json!({"status": "under_investigation", "change_reason": "Thành lập đoàn"});
    let post = |query: &str, key: &str| {
        app.svc
            .client
            .post(app.svc.url(&format!("{path}{query}")))
            .bearer_auth(app.admin())
            .header("If-Match", "\"1\"")
            .header("Idempotency-Key", key)
            .json(&body)
            .send()
    };
    let dry = post("?dry_run=true", "k-dry").await.unwrap();
    assert_eq!(dry.status().as_u16(), 200);
    assert_eq!(json_of(dry).await["status"], "under_investigation");
    let unchanged = json_of(
        app.get(
            &format!("/api/v1/accidents/{}", accident["id"].as_str().unwrap()),
            &app.admin(),
        )
        .await,
    )
    .await;
    assert_eq!(
        unchanged["status"], "declared",
        "the dry run changed nothing"
    );
    let first = post("", "k-1").await.unwrap();
    assert_eq!(first.headers()["etag"], "\"2\"");
    let replay = post("", "k-1").await.unwrap();
    assert_eq!(replay.headers()["idempotency-replayed"], "true");
    assert_eq!(
        json_of(replay).await["version"],
        2,
        "a retry does not fail with 412"
    );
}

/// A casualty identified by `identity` instead of a personal ID.
fn identified(identity: Value, severity: &str) -> Value {
    let mut c = casualty("004090012345", severity);
    let c_map = c.as_object_mut().unwrap();
    c_map.remove("personal_id");
    c_map.insert("identity".into(), identity);
    c
}

#[tokio::test]
async fn a_foreign_worker_with_a_passport_and_a_worker_with_an_old_id_card_are_declared() {
    let app = spawn_app().await;
    app.create_establishment(&establishment(&tax_code(31)))
        .await;
    let body = declaration(
        &tax_code(31),
        1,
        vec![
            identified(
                json!({"type": "passport", "number": "e 1234-5678", "nationality": "cn"}),
                "serious",
            ),
            identified(json!({"type": "id_card", "number": "085123456"}), "minor"),
            casualty("004090012345", "minor"),
        ],
    );
    let accident = declare(&app, &app.admin(), &body).await;
    let c = &accident["casualties"];
    assert_eq!(
        c[0]["identity"],
        json!({"type": "passport", "number": "E12345678", "nationality": "CN"})
    );
    assert_eq!(c[0]["personal_id"], Value::Null);
    assert_eq!(
        c[1]["identity"],
        json!({"type": "id_card", "number": "085123456", "nationality": "VN"})
    );
    assert_eq!(
        c[2]["identity"],
        json!({"type": "personal_id", "number": "004090012345", "nationality": "VN"})
    );
    assert_eq!(c[2]["personal_id"], "004090012345");

    // Stored with their type: a read and a correction (which re-checks every
    // casualty as stored) see the same documents.
    let id = accident["id"].as_str().unwrap();
    let read = json_of(
        app.get(&format!("/api/v1/accidents/{id}"), &app.admin())
            .await,
    )
    .await;
    assert_eq!(read["casualties"], accident["casualties"]);
    let correction = json!({
        "occurred_at": accident["occurred_at"], "place": {"commune_code": "01273", "address": "Tổ 6"},
        "description": "Mô tả bổ sung", "cause_codes": ["2"], "change_reason": "Bổ sung lời khai"
    });
    let res = send(
        &app,
        Method::PUT,
        &format!("/api/v1/accidents/{id}"),
        1,
        &correction,
    )
    .await;
    assert_eq!(res.status().as_u16(), 200);
    assert_eq!(
        json_of(res).await["casualties"][0]["identity"]["type"],
        "passport"
    );

    // The same passport twice in one case is the same person.
    let twice = declaration(
        &tax_code(31),
        1,
        vec![
            identified(
                json!({"type": "passport", "number": "E12345678", "nationality": "CN"}),
                "minor",
            ),
            identified(
                json!({"type": "passport", "number": "E1234-5678", "nationality": "CN"}),
                "minor",
            ),
        ],
    );
    let problem = assert_problem(
        app.post("/api/v1/accidents", &app.admin(), &twice).await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(
        first_error(&problem),
        (
            "/casualties/1/identity/number".into(),
            "duplicate_casualty".into()
        )
    );
}

#[tokio::test]
async fn a_malformed_identity_document_is_refused_with_a_pointer_to_it() {
    let app = spawn_app().await;
    app.create_establishment(&establishment(&tax_code(32)))
        .await;
    let cases = [
        (
            json!({"type": "passport", "number": "E12345678"}),
            "/casualties/0/identity/nationality",
            "nationality_required",
        ),
        (
            json!({"type": "passport", "number": "E12345678", "nationality": "CHN"}),
            "/casualties/0/identity/nationality",
            "invalid_nationality",
        ),
        (
            json!({"type": "passport", "number": "E1", "nationality": "CN"}),
            "/casualties/0/identity/number",
            "invalid_passport_number",
        ),
        (
            json!({"type": "id_card", "number": "08512345"}),
            "/casualties/0/identity/number",
            "invalid_id_card_number",
        ),
        (
            json!({"type": "id_card", "number": "085123456", "nationality": "LA"}),
            "/casualties/0/identity/nationality",
            "nationality_mismatch",
        ),
        (
            json!({"type": "personal_id", "number": "085123456"}),
            "/casualties/0/identity/number",
            "invalid_personal_id",
        ),
    ];
    for (identity, pointer, code) in cases {
        let body = declaration(
            &tax_code(32),
            1,
            vec![identified(identity.clone(), "minor")],
        );
        let res = app.post("/api/v1/accidents", &app.admin(), &body).await;
        let problem = assert_problem(res, 422, "validation_failed").await;
        assert_eq!(
            first_error(&problem),
            (pointer.into(), code.into()),
            "{identity}"
        );
    }
    let mut both = identified(json!({"type": "id_card", "number": "085123456"}), "minor");
    both["personal_id"] = json!("004090012345");
    let mut neither = casualty("004090012345", "minor");
    neither.as_object_mut().unwrap().remove("personal_id");
    for (c, code) in [(both, "identity_ambiguous"), (neither, "identity_required")] {
        let body = declaration(&tax_code(32), 1, vec![c]);
        let problem = assert_problem(
            app.post("/api/v1/accidents", &app.admin(), &body).await,
            422,
            "validation_failed",
        )
        .await;
        assert_eq!(
            first_error(&problem),
            ("/casualties/0/identity".into(), code.into())
        );
    }
    let unknown = declaration(
        &tax_code(32),
        1,
        vec![identified(
            json!({"type": "driving_licence", "number": "1"}),
            "minor",
        )],
    );
    let res = app.post("/api/v1/accidents", &app.admin(), &unknown).await;
    let problem = assert_problem(res, 422, "validation_failed").await;
    assert_eq!(
        first_error(&problem),
        (
            "/casualties/0/identity/type".into(),
            "invalid_enum_value".into()
        )
    );
    let list = json_of(app.get("/api/v1/accidents", &app.admin()).await).await;
    assert_eq!(list["items"], json!([]), "nothing was recorded");
}

#[tokio::test]
async fn an_unknown_stored_status_is_an_error_not_a_guess() {
    use diesel::RunQueryDsl;

    let app = spawn_app().await;
    app.create_establishment(&establishment(&tax_code(9))).await;
    let accident = declare(
        &app,
        &app.admin(),
        &declaration(&tax_code(9), 1, vec![casualty("004090012345", "minor")]),
    )
    .await;
    let id = accident["id"].as_str().unwrap();
    let set_status = |status: &str| {
        let mut conn = app.svc.app_db.get().unwrap();
        diesel::sql_query(format!(
            "UPDATE accidents SET status = '{status}' WHERE id = '{id}'"
        ))
        .execute(&mut *conn)
        .unwrap();
    };

    // A value written by hand or by another version: no read shows it as `declared`.
    set_status("bogus");
    let path = format!("/api/v1/accidents/{id}");
    assert_problem(app.get(&path, &app.admin()).await, 500, "internal_error").await;
    // The operator learns which column holds what: the log line of the 500 names the
    // table, the column and the value (the answer itself stays opaque).
    let logs = captured_logs();
    let line = logs
        .lines()
        .find(|l| l.contains("request failed") && l.contains("accidents.status"))
        .unwrap_or_else(|| panic!("no log line names accidents.status"));
    assert!(line.contains("bogus"), "{line}");
    assert_problem(
        app.get("/api/v1/accidents", &app.admin()).await,
        500,
        "internal_error",
    )
    .await;
    // Nor does a write move it on from a guessed status.
    let to = json!({"status": "under_investigation", "change_reason": "kiểm thử"});
    assert_problem(
        send(&app, Method::POST, &format!("{path}/status"), 1, &to).await,
        500,
        "internal_error",
    )
    .await;

    // The service is still up, and nothing was written.
    set_status("declared");
    let read = json_of(app.get(&path, &app.admin()).await).await;
    assert_eq!(read["status"], "declared", "{read}");
    assert_eq!(read["version"], 1, "{read}");
}
