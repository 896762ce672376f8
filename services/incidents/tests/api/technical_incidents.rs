//! Serious technical incidents: declared with or without casualties, investigated,
//! counted in the statistics, and seen only by those who may.

use chrono::{DateTime, Datelike, Duration, Utc};
use reqwest::Method;
use serde_json::{Value, json};
use shared::auth::Role;

use crate::helpers::{
    TestApp, assert_problem, establishment, first_error, json_of, spawn_app, tax_code,
};

/// An explosion with nobody hurt, at the establishment with `tax`, two hours ago.
fn incident(tax: &str) -> Value {
    let at = Utc::now() - Duration::hours(2);
    json!({
        "kind": "explosion", "establishment_tax_code": tax,
        "occurred_at": at.to_rfc3339(), "notified_at": (at + Duration::minutes(20)).to_rfc3339(),
        "place": {"commune_code": "01273", "address": "Trạm khí nén, phân xưởng 2"},
        "description": "Nổ bình khí nén do van an toàn bị kẹt.",
        "damage_vnd": 350_000_000_i64
    })
}

/// The year the incidents fall in (Viet Nam time).
fn this_year() -> String {
    (Utc::now() - Duration::hours(2))
        .with_timezone(&shared::time::vietnam())
        .year()
        .to_string()
}

async fn send(
    app: &TestApp,
    token: &str,
    method: Method,
    path: &str,
    version: i64,
    body: &Value,
) -> reqwest::Response {
    app.svc
        .client
        .request(method, app.svc.url(path))
        .bearer_auth(token)
        .header("If-Match", format!("\"{version}\""))
        .json(body)
        .send()
        .await
        .unwrap()
}

fn instant(v: &Value) -> DateTime<Utc> {
    v.as_str().unwrap().parse().unwrap()
}

#[tokio::test]
async fn an_incident_without_casualties_is_declared_investigated_and_counted() {
    let app = spawn_app().await;
    app.create_establishment(&establishment(&tax_code(41)))
        .await;
    let employer = app.token(Role::Enterprise, Some(&tax_code(41)));
    let labor = app.token(Role::LaborAuthority, None);

    let res = app
        .post(
            "/api/v1/technical-incidents",
            &employer,
            &incident(&tax_code(41)),
        )
        .await;
    assert_eq!(res.status().as_u16(), 201);
    let location = res.headers()["location"].to_str().unwrap().to_owned();
    assert_eq!(res.headers()["etag"], "\"1\"");
    let declared = json_of(res).await;
    let id = declared["id"].as_str().unwrap().to_owned();
    assert_eq!(location, format!("/api/v1/technical-incidents/{id}"));
    assert_eq!(declared["anyone_hurt"], false);
    assert_eq!(declared["accident_ids"], json!([]));
    assert_eq!(declared["damage_vnd"], 350_000_000_i64);
    assert_eq!(declared["status"], "declared");
    assert_eq!(declared["vsic_section"], "B");
    assert_eq!(
        declared["receipt"]["kind"],
        "technical_incident_declaration"
    );
    // The period is configurable and says it was not checked against the law.
    let days = declared["investigation"]["base_days"].as_i64().unwrap();
    assert!(days > 0);
    assert_eq!(declared["investigation"]["base_days_verified"], false);
    assert_eq!(
        instant(&declared["investigation"]["deadline"]) - instant(&declared["notified_at"]),
        Duration::days(days)
    );
    assert_eq!(declared["investigation"]["overdue"], false);

    // Sở Nội vụ investigates: status, record, announcement, each on the version read.
    let path = format!("/api/v1/technical-incidents/{id}");
    let moved = send(
        &app,
        &labor,
        Method::POST,
        &format!("{path}/status"),
        1,
        &json!({"status": "under_investigation", "change_reason": "Thành lập đoàn điều tra"}),
    )
    .await;
    assert_eq!(moved.status().as_u16(), 200);
    let early = send(
        &app,
        &labor,
        Method::POST,
        &format!("{path}/status"),
        2,
        &json!({"status": "record_announced", "change_reason": "Công bố"}),
    )
    .await;
    assert_problem(early, 409, "record_not_announced").await;
    let today = Utc::now()
        .with_timezone(&shared::time::vietnam())
        .date_naive();
    let record = json!({
        "decision_number": "31/QĐ-SNV", "decision_date": today,
        "members": [{"name": "Hoàng Văn B", "role": "head"}],
        "causes": "Van an toàn không được kiểm định định kỳ.",
        "conclusions": "Thiết bị chịu áp lực quá hạn kiểm định.",
        "corrective_measures": [{"measure": "Kiểm định lại bình chịu áp lực", "due_date": today}],
        "record_announced_on": today
    });
    let res = send(
        &app,
        &labor,
        Method::PUT,
        &format!("{path}/investigation"),
        2,
        &record,
    )
    .await;
    assert_eq!(res.status().as_u16(), 200);
    let investigated = json_of(res).await;
    assert_eq!(investigated["version"], 3);
    assert_eq!(
        investigated["investigation_record"]["decision_number"],
        "31/QĐ-SNV"
    );
    assert_eq!(
        investigated["investigation"]["record_announced_on"],
        today.to_string()
    );
    let stale = send(
        &app,
        &labor,
        Method::POST,
        &format!("{path}/status"),
        2,
        &json!({"status": "record_announced", "change_reason": "Công bố"}),
    )
    .await;
    assert_problem(stale, 412, "version_mismatch").await;
    let res = send(
        &app,
        &labor,
        Method::POST,
        &format!("{path}/status"),
        3,
        &json!({"status": "record_announced", "change_reason": "Công bố biên bản"}),
    )
    .await;
    assert_eq!(res.status().as_u16(), 200);
    assert_eq!(json_of(res).await["status"], "record_announced");

    let revisions = json_of(app.get(&format!("{path}/revisions"), &employer).await).await;
    let versions: Vec<i64> = revisions["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["version"].as_i64().unwrap())
        .collect();
    assert_eq!(versions, [4, 3, 2, 1]);
    assert_eq!(revisions["items"][3]["snapshot"]["status"], "declared");

    // A fire in which a worker was hurt, linked to the worker's accident declaration.
    let at = Utc::now() - Duration::hours(3);
    let accident = json!({
        "sector": "with_labour_relation", "employer": {"tax_code": tax_code(41)},
        "occurred_at": at.to_rfc3339(), "notified_at": at.to_rfc3339(),
        "place": {"commune_code": "01273", "address": "Kho"}, "description": "Bỏng khi chữa cháy.", "cause_codes": ["1"],
        "casualties": [{"personal_id": "004090012345", "full_name": "Nông Văn A", "gender": "male", "birth_year": 1990,
                        "contract_type": "indefinite", "severity": "minor"}]
    });
    let res = app.post("/api/v1/accidents", &employer, &accident).await;
    assert_eq!(res.status().as_u16(), 201);
    let accident_id = json_of(res).await["id"].clone();
    let mut fire = incident(&tax_code(41));
    fire["kind"] = json!("fire");
    fire["damage_vnd"] = json!(50_000_000);
    fire["anyone_hurt"] = json!(true);
    fire["accident_ids"] = json!([accident_id]);
    let res = app
        .post("/api/v1/technical-incidents", &employer, &fire)
        .await;
    assert_eq!(res.status().as_u16(), 201);
    assert_eq!(json_of(res).await["accident_ids"], json!([accident_id]));

    // Counted apart from the accidents: two incidents, one with a casualty.
    let stats = json_of(
        app.get(
            &format!("/api/v1/accident-statistics?period={}", this_year()),
            &labor,
        )
        .await,
    )
    .await;
    let t = &stats["technical_incidents"];
    assert_eq!(t["declared"], 2, "{t}");
    assert_eq!(t["with_casualties"], 1);
    assert_eq!(t["without_casualties"], 1);
    assert_eq!(t["damage_vnd"], 400_000_000_i64);
    assert_eq!(t["investigated"], 1);
    let by_kind: Vec<(String, i64)> = t["by_kind"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|k| k["count"].as_i64().unwrap() > 0)
        .map(|k| {
            (
                k["kind"].as_str().unwrap().to_owned(),
                k["count"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        by_kind,
        [("fire".to_owned(), 1), ("explosion".to_owned(), 1)]
    );
    let fire = t["by_kind"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["kind"] == "fire")
        .unwrap();
    assert_eq!(
        (&fire["label"], &fire["label_en"]),
        (&json!("Cháy"), &json!("Fire"))
    );
    assert_eq!(stats["total"]["figures"]["cases"], 1, "the accident alone");
    let yesterday = today - Duration::days(1);
    let before = json_of(
        app.get(
            &format!(
                "/api/v1/accident-statistics?period={}&as_of={yesterday}",
                this_year()
            ),
            &labor,
        )
        .await,
    )
    .await;
    assert_eq!(
        before["technical_incidents"]["declared"], 0,
        "none declared by then"
    );
}

#[tokio::test]
async fn a_malformed_incident_is_refused_with_pointers() {
    let app = spawn_app().await;
    app.create_establishment(&establishment(&tax_code(42)))
        .await;
    let admin = app.admin();
    let bad = |edit: &dyn Fn(&mut Value)| {
        let mut body = incident(&tax_code(42));
        edit(&mut body);
        body
    };
    let cases: Vec<(Value, &str, &str)> = vec![
        (
            bad(&|b| b["kind"] = json!("meteor")),
            "/kind",
            "invalid_enum_value",
        ),
        (
            bad(&|b| b["establishment_tax_code"] = json!("0100047517")),
            "/establishment_tax_code",
            "invalid_tax_code_checksum",
        ),
        (
            bad(&|b| b["establishment_tax_code"] = json!(tax_code(43))),
            "/establishment_tax_code",
            "unknown_employer",
        ),
        (
            bad(&|b| b["notified_at"] = json!((Utc::now() - Duration::days(3)).to_rfc3339())),
            "/notified_at",
            "before_occurrence",
        ),
        (
            bad(&|b| b["occurred_at"] = json!((Utc::now() + Duration::days(3)).to_rfc3339())),
            "/occurred_at",
            "in_the_future",
        ),
        (
            bad(&|b| b["place"]["address"] = json!(" ")),
            "/place/address",
            "invalid_place",
        ),
        (
            bad(&|b| b["description"] = json!("")),
            "/description",
            "invalid_description",
        ),
        (
            bad(&|b| b["damage_vnd"] = json!(-1)),
            "/damage_vnd",
            // Below the schema's minimum: refused by the contract (`shared::limits`).
            "out_of_range",
        ),
        (
            bad(&|b| b["accident_ids"] = json!([uuid::Uuid::now_v7()])),
            "/accident_ids",
            "accidents_without_casualties",
        ),
        (
            bad(&|b| {
                b["anyone_hurt"] = json!(true);
                b["accident_ids"] = json!([uuid::Uuid::now_v7()]);
            }),
            "/accident_ids/0",
            "unknown_accident",
        ),
        (
            bad(&|b| b["casualties"] = json!([])),
            "/casualties",
            "unknown_field",
        ),
    ];
    for (body, pointer, code) in cases {
        let res = app.post("/api/v1/technical-incidents", &admin, &body).await;
        let problem = assert_problem(res, 422, "validation_failed").await;
        assert_eq!(
            first_error(&problem),
            (pointer.to_owned(), code.to_owned()),
            "{body}"
        );
    }
    let bad_commune = bad(&|b| b["place"]["commune_code"] = json!("99999"));
    let problem = assert_problem(
        app.post("/api/v1/technical-incidents", &admin, &bad_commune)
            .await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(first_error(&problem).0, "/place/commune_code");
    let list = json_of(app.get("/api/v1/technical-incidents", &admin).await).await;
    assert_eq!(list["items"], json!([]), "nothing was recorded");

    // A record announced before the incident happened.
    let declared = json_of(
        app.post(
            "/api/v1/technical-incidents",
            &admin,
            &incident(&tax_code(42)),
        )
        .await,
    )
    .await;
    let id = declared["id"].as_str().unwrap();
    let long_ago = (Utc::now() - Duration::days(30)).date_naive();
    let res = send(
        &app,
        &admin,
        Method::PUT,
        &format!("/api/v1/technical-incidents/{id}/investigation"),
        1,
        &json!({"conclusions": "x", "record_announced_on": long_ago}),
    )
    .await;
    let problem = assert_problem(res, 422, "validation_failed").await;
    assert_eq!(
        first_error(&problem),
        ("/record_announced_on".into(), "before_occurrence".into())
    );
    let res = send(
        &app,
        &admin,
        Method::PUT,
        &format!("/api/v1/technical-incidents/{id}/investigation"),
        1,
        &json!({"record_announced_on": shared::time::today()}),
    )
    .await;
    let problem = assert_problem(res, 422, "validation_failed").await;
    assert_eq!(
        first_error(&problem),
        ("/conclusions".into(), "conclusion_required".into())
    );
}

#[tokio::test]
async fn only_the_employer_its_commune_and_the_labour_authority_see_an_incident() {
    let app = spawn_app().await;
    app.create_establishment(&establishment(&tax_code(44)))
        .await;
    app.create_establishment(&establishment(&tax_code(45)))
        .await;
    let mine = app.token(Role::Enterprise, Some(&tax_code(44)));
    let other = app.token(Role::Enterprise, Some(&tax_code(45)));
    let res = app
        .post(
            "/api/v1/technical-incidents",
            &mine,
            &incident(&tax_code(44)),
        )
        .await;
    assert_eq!(res.status().as_u16(), 201);
    let id = json_of(res).await["id"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/technical-incidents/{id}");

    // Another organisation's employer: not found, not listed, and it cannot declare
    // for someone else's tax code.
    assert_problem(app.get(&path, &other).await, 404, "not_found").await;
    assert_problem(
        app.get(&format!("{path}/revisions"), &other).await,
        404,
        "not_found",
    )
    .await;
    let listed = json_of(app.get("/api/v1/technical-incidents", &other).await).await;
    assert_eq!(listed["items"], json!([]));
    let res = app
        .post(
            "/api/v1/technical-incidents",
            &other,
            &incident(&tax_code(44)),
        )
        .await;
    assert_problem(res, 403, "forbidden").await;
    let res = send(
        &app,
        &other,
        Method::POST,
        &format!("{path}/status"),
        1,
        &json!({"status": "under_investigation", "change_reason": "x"}),
    )
    .await;
    assert_problem(res, 404, "not_found").await;

    // Its own employer, the commune where it happened and Sở Nội vụ read it.
    for token in [
        mine,
        app.token(Role::Commune, Some("01273")),
        app.token(Role::LaborAuthority, None),
    ] {
        let res = app.get(&path, &token).await;
        assert_eq!(res.status().as_u16(), 200);
        let listed = json_of(app.get("/api/v1/technical-incidents", &token).await).await;
        assert_eq!(listed["items"].as_array().unwrap().len(), 1);
    }
    assert_problem(
        app.get(&path, &app.token(Role::Commune, Some("01279")))
            .await,
        404,
        "not_found",
    )
    .await;
    // A commune reads but does not declare; other roles have no access.
    let res = app
        .post(
            "/api/v1/technical-incidents",
            &app.token(Role::Commune, Some("01273")),
            &incident(&tax_code(44)),
        )
        .await;
    assert_problem(res, 403, "forbidden").await;
    for role in [
        Role::HealthAuthority,
        Role::Viewer,
        Role::Insurer,
        Role::Agency,
    ] {
        assert_problem(
            app.get(&path, &app.token(role, None)).await,
            403,
            "forbidden",
        )
        .await;
    }
}

#[tokio::test]
async fn a_correction_keeps_the_old_version_and_is_checked_like_a_declaration() {
    let app = spawn_app().await;
    app.create_establishment(&establishment(&tax_code(46)))
        .await;
    app.create_establishment(&establishment(&tax_code(47)))
        .await;
    let employer = app.token(Role::Enterprise, Some(&tax_code(46)));
    let declared = json_of(
        app.post(
            "/api/v1/technical-incidents",
            &employer,
            &incident(&tax_code(46)),
        )
        .await,
    )
    .await;
    let path = format!(
        "/api/v1/technical-incidents/{}",
        declared["id"].as_str().unwrap()
    );
    let mut correction = json!({
        "kind": "equipment", "occurred_at": declared["occurred_at"],
        "place": {"commune_code": "01273", "address": "Trạm khí nén"},
        "description": "Vỡ bình khí nén.", "damage_vnd": 420_000_000_i64,
        "change_reason": "Bổ sung thiệt hại nhà xưởng"
    });

    let mut bad = correction.clone();
    bad["damage_vnd"] = json!(-5);
    let problem = assert_problem(
        send(&app, &employer, Method::PUT, &path, 1, &bad).await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(
        first_error(&problem),
        ("/damage_vnd".into(), "out_of_range".into())
    );
    let other = app.token(Role::Enterprise, Some(&tax_code(47)));
    assert_problem(
        send(&app, &other, Method::PUT, &path, 1, &correction).await,
        404,
        "not_found",
    )
    .await;

    let res = send(&app, &employer, Method::PUT, &path, 1, &correction).await;
    assert_eq!(res.status().as_u16(), 200);
    assert_eq!(res.headers()["etag"], "\"2\"");
    let corrected = json_of(res).await;
    assert_eq!(
        (corrected["kind"].as_str(), corrected["damage_vnd"].as_i64()),
        (Some("equipment"), Some(420_000_000))
    );
    assert_eq!(
        corrected["notified_at"], declared["notified_at"],
        "the first notification stays"
    );
    assert_eq!(
        corrected["investigation"]["deadline"],
        declared["investigation"]["deadline"]
    );
    correction["damage_vnd"] = json!(1);
    assert_problem(
        send(&app, &employer, Method::PUT, &path, 1, &correction).await,
        412,
        "version_mismatch",
    )
    .await;

    let revisions = json_of(app.get(&format!("{path}/revisions"), &employer).await).await;
    let items = revisions["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(items[0]["change_reason"], "Bổ sung thiệt hại nhà xưởng");
    assert_eq!(items[1]["snapshot"]["damage_vnd"], 350_000_000_i64);
    assert_eq!(items[1]["snapshot"]["kind"], "explosion");
}
