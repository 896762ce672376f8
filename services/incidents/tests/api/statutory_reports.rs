//! The province's statutory reports: Phụ lục XIV and XV give the accident statistics'
//! own figures, and a grave accident gets its Phụ lục XIII quick report draft.

use chrono::{Datelike, Duration, Utc};
use reqwest::Method;
use serde_json::{Value, json};
use shared::auth::Role;

use crate::helpers::{
    TestApp, assert_problem, casualty, declaration, establishment, json_of, spawn_app, tax_code,
};

/// The year the seeded accidents fall in (Viet Nam time).
pub(crate) fn this_year() -> i32 {
    (Utc::now() - Duration::days(2))
        .with_timezone(&shared::time::vietnam())
        .year()
}

async fn ok(app: &TestApp, path: &str, token: &str) -> Value {
    let res = app.get(path, token).await;
    let status = res.status().as_u16();
    let body = json_of(res).await;
    assert_eq!(status, 200, "{path}: {body}");
    body
}

pub(crate) async fn declare(app: &TestApp, body: &Value) -> Value {
    let res = app.post("/api/v1/accidents", &app.admin(), body).await;
    let status = res.status().as_u16();
    let body = json_of(res).await;
    assert!(status == 201 || status == 200, "{body}");
    body
}

/// An accident of a worker without a labour contract, declared two days ago.
fn no_contract(commune: &str, severity: &str, personal_id: &str) -> Value {
    let mut c = casualty(personal_id, severity);
    c["contract_type"] = json!("none");
    let mut body = declaration(&tax_code(1), 2, vec![c]);
    body.as_object_mut().unwrap().remove("employer");
    body["sector"] = json!("without_labour_contract");
    body["place"]["commune_code"] = json!(commune);
    body
}

/// Two employers and four accidents in both sectors, this year.
pub(crate) async fn seed(app: &TestApp) {
    let mut one = establishment(&tax_code(1));
    one["headcount"] = json!({"total": 1000, "female": 100, "hazardous": 10});
    app.create_establishment(&one).await;
    let mut two = establishment(&tax_code(2));
    two["commune_code"] = json!("01279");
    two["ownership_type"] = json!("3");
    two["headcount"] = json!({"total": 3000, "female": 100, "hazardous": 10});
    app.create_establishment(&two).await;
    let mut woman = casualty("004191000002", "serious");
    woman["gender"] = json!("female");
    declare(
        app,
        &declaration(
            &tax_code(1),
            2,
            vec![casualty("004090000001", "fatal"), woman],
        ),
    )
    .await;
    let mut minor = declaration(&tax_code(2), 2, vec![casualty("004090000003", "minor")]);
    minor["place"]["commune_code"] = json!("01279");
    minor["cause_codes"] = json!(["4"]);
    declare(app, &minor).await;
    declare(app, &no_contract("01273", "fatal", "004090000004")).await;
    declare(app, &no_contract("01279", "serious", "004090000005")).await;
}

/// A statistics row as a form without rates shows it.
fn without_rates(mut row: Value) -> Value {
    for field in [
        "workers",
        "frequency_rate_per_1000",
        "fatal_rate_per_100000",
    ] {
        row[field] = Value::Null;
    }
    row
}

#[tokio::test]
async fn the_provincial_forms_give_the_statistics_figures_of_their_sector() {
    let app = spawn_app().await;
    seed(&app).await;
    let token = app.token(Role::LaborAuthority, Some("SNV"));
    let year = this_year();
    for (form, sector, with_rates) in [
        ("xiv", "with_labour_relation", true),
        ("xv", "without_labour_contract", false),
    ] {
        let report = ok(
            &app,
            &format!("/api/v1/statutory-reports/{form}?period={year}"),
            &token,
        )
        .await;
        let stats_path = format!("/api/v1/accident-statistics?period={year}&sector={sector}");
        let shown = |row: &Value| {
            if with_rates {
                row.clone()
            } else {
                without_rates(row.clone())
            }
        };
        let stats = ok(&app, &stats_path, &token).await;
        assert_eq!(report["sector"], sector);
        assert_eq!(report["total"], shown(&stats["total"]), "{form} total");
        let breakdowns = report["breakdowns"].as_array().unwrap();
        assert_eq!(breakdowns.len(), 5, "{form}");
        for b in breakdowns {
            let group_by = b["group_by"].as_str().unwrap();
            let stats = ok(&app, &format!("{stats_path}&group_by={group_by}"), &token).await;
            let expected: Vec<Value> = stats["rows"]
                .as_array()
                .unwrap()
                .iter()
                .map(shown)
                .collect();
            assert!(!expected.is_empty(), "{form} {group_by}");
            assert_eq!(b["rows"], json!(expected), "{form} by {group_by}");
        }
        assert_eq!(
            report["due_before"],
            format!("{}-01-25", year + 1),
            "{form}: before 25 January of the next year"
        );
        assert_eq!(report["issuing_body"], "Sở Nội vụ tỉnh Cao Bằng");
        assert!(!report["unverified"].as_array().unwrap().is_empty());
        if with_rates {
            assert_eq!(report["fatal_rate_trend"], stats["fatal_rate_trend"]);
        } else {
            assert!(report["fatal_rate_trend"].is_null());
        }
    }

    // The figures are the seeded ones, not merely equal to each other.
    let xiv = ok(
        &app,
        &format!("/api/v1/statutory-reports/xiv?period={year}"),
        &token,
    )
    .await;
    let t = &xiv["total"]["figures"];
    assert_eq!(
        [
            &t["cases"],
            &t["cases_fatal"],
            &t["cases_multi"],
            &t["casualties"],
            &t["fatal"],
            &t["serious"],
            &t["female"]
        ],
        [
            &json!(2),
            &json!(1),
            &json!(1),
            &json!(3),
            &json!(1),
            &json!(1),
            &json!(1)
        ]
    );
    assert_eq!(xiv["total"]["workers"], 4000);
    assert_eq!(xiv["total"]["fatal_rate_per_100000"], 25.0);
    let xv = ok(
        &app,
        &format!("/api/v1/statutory-reports/xv?period={year}"),
        &token,
    )
    .await;
    assert_eq!(xv["total"]["figures"]["cases"], 2);
    assert_eq!(xv["total"]["figures"]["fatal"], 1);
    assert!(xv["total"]["frequency_rate_per_1000"].is_null());

    let h1 = ok(
        &app,
        &format!("/api/v1/statutory-reports/xiv?period={year}-H1"),
        &token,
    )
    .await;
    assert_eq!(h1["due_before"], format!("{year}-07-15"));
    assert_problem(
        app.get(
            &format!("/api/v1/statutory-reports/xiv?period={year}-H2"),
            &token,
        )
        .await,
        400,
        "invalid_period",
    )
    .await;
}

#[tokio::test]
async fn only_the_authorities_read_the_provincial_forms() {
    let app = spawn_app().await;
    let path = format!("/api/v1/statutory-reports/xiv?period={}", this_year());
    for (role, org) in [
        (Role::Enterprise, Some(tax_code(1))),
        (Role::Commune, Some("01273".to_owned())),
        (Role::Viewer, None),
        (Role::Insurer, Some("BHXH".to_owned())),
    ] {
        assert_problem(
            app.get(&path, &app.token(role, org.as_deref())).await,
            403,
            "forbidden",
        )
        .await;
    }
    for (role, org) in [
        (Role::Admin, None),
        (Role::LaborAuthority, Some("SNV")),
        (Role::HealthAuthority, Some("SYT")),
    ] {
        ok(&app, &path, &app.token(role, org)).await;
    }
}

async fn quick_report(app: &TestApp, id: &str, token: &str) -> reqwest::Response {
    app.get(&format!("/api/v1/accidents/{id}/quick-report"), token)
        .await
}

async fn send(app: &TestApp, method: Method, path: &str, version: i64, body: &Value) -> Value {
    let res = app
        .svc
        .client
        .request(method, app.svc.url(path))
        .bearer_auth(app.admin())
        .header("If-Match", format!("\"{version}\""))
        .json(body)
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    let body = json_of(res).await;
    assert_eq!(status, 200, "{path}: {body}");
    body
}

#[tokio::test]
async fn a_fatal_declaration_gets_one_quick_report_draft_revised_by_corrections() {
    let app = spawn_app().await;
    app.create_establishment(&establishment(&tax_code(1))).await;
    app.create_establishment(&establishment(&tax_code(2))).await;
    let mut body = declaration(
        &tax_code(1),
        1,
        vec![
            casualty("004090012345", "fatal"),
            casualty("004091012346", "serious"),
        ],
    );
    body["external_ref"] = json!("HT-2026-001");
    let accident = declare(&app, &body).await;
    // The same declaration again is answered with the first: still one draft.
    assert_eq!(declare(&app, &body).await["id"], accident["id"]);
    let id = accident["id"].as_str().unwrap();

    let q = json_of(quick_report(&app, id, &app.admin()).await).await;
    assert_eq!(q["status"], "draft");
    assert_eq!(q["revision"], 1);
    assert_eq!(q["revisions"].as_array().unwrap().len(), 1);
    let r = &q["report"];
    assert_eq!(r["annex"], "Phụ lục XIII");
    assert_eq!(r["employer"]["tax_code"], tax_code(1));
    assert_eq!(r["employer"]["name"], "Công ty TNHH Khai khoáng Cao Bằng");
    assert_eq!(
        r["counts"],
        json!({"casualties": 2, "fatal": 1, "serious": 1, "female": 0})
    );
    assert_eq!(r["casualties"][0]["full_name"], "Nông Văn A");
    assert_eq!(r["casualties"][0]["severity"], "fatal");
    assert_eq!(r["accident"]["investigation_level"], "provincial");
    assert_eq!(
        r["accident"]["investigation_deadline"],
        accident["investigation"]["deadline"]
    );
    assert_eq!(r["accident"]["description"], accident["description"]);
    assert!(!r["unverified"].as_array().unwrap().is_empty());

    // Read as the accident is: its employer may, another employer may not.
    let own = app.token(Role::Enterprise, Some(&tax_code(1)));
    assert_eq!(quick_report(&app, id, &own).await.status().as_u16(), 200);
    let other = app.token(Role::Enterprise, Some(&tax_code(2)));
    assert_problem(quick_report(&app, id, &other).await, 404, "not_found").await;

    // A correction that changes what the report says adds a revision; the first stays.
    let correction = json!({
        "occurred_at": accident["occurred_at"], "place": {"commune_code": "01273", "address": "Tổ 6"},
        "description": "Sạt lở đất đá, hai người bị vùi lấp.", "cause_codes": ["1"],
        "police_notified_at": accident["police_notified_at"], "change_reason": "Bổ sung lời khai"
    });
    send(
        &app,
        Method::PUT,
        &format!("/api/v1/accidents/{id}"),
        1,
        &correction,
    )
    .await;
    let q = json_of(quick_report(&app, id, &app.admin()).await).await;
    assert_eq!(q["revision"], 2);
    assert_eq!(q["change_reason"], "Bổ sung lời khai");
    assert_eq!(
        q["report"]["accident"]["description"],
        "Sạt lở đất đá, hai người bị vùi lấp."
    );
    let first = json_of(
        app.get(
            &format!("/api/v1/accidents/{id}/quick-report?revision=1"),
            &app.admin(),
        )
        .await,
    )
    .await;
    assert_eq!(
        first["report"]["accident"]["description"],
        accident["description"]
    );

    // A change that leaves the report as it reads (the status) adds none.
    send(
        &app,
        Method::POST,
        &format!("/api/v1/accidents/{id}/status"),
        2,
        &json!({"status": "under_investigation", "change_reason": "Thành lập đoàn điều tra"}),
    )
    .await;
    let q = json_of(quick_report(&app, id, &app.admin()).await).await;
    assert_eq!(q["revision"], 2);
    assert_eq!(q["revisions"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn a_case_gets_its_quick_report_only_once_it_is_grave() {
    let app = spawn_app().await;
    app.create_establishment(&establishment(&tax_code(3))).await;
    let accident = declare(
        &app,
        &declaration(
            &tax_code(3),
            1,
            vec![
                casualty("004090012345", "serious"),
                casualty("004090012346", "minor"),
            ],
        ),
    )
    .await;
    let id = accident["id"].as_str().unwrap();
    assert_problem(quick_report(&app, id, &app.admin()).await, 404, "not_found").await;

    // A second seriously injured worker makes the case grave: the draft follows.
    let casualty_id = accident["casualties"][1]["id"].as_str().unwrap();
    send(
        &app,
        Method::POST,
        &format!("/api/v1/accidents/{id}/casualties/{casualty_id}/severity"),
        1,
        &json!({"severity": "serious", "document_reference": "Giấy ra viện số 7/BV"}),
    )
    .await;
    let q = json_of(quick_report(&app, id, &app.admin()).await).await;
    assert_eq!(q["revision"], 1);
    assert_eq!(q["accident_version"], 2);
    assert_eq!(
        q["report"]["counts"],
        json!({"casualties": 2, "fatal": 0, "serious": 2, "female": 0})
    );
    assert!(
        q["change_reason"]
            .as_str()
            .unwrap()
            .contains("Giấy ra viện số 7/BV")
    );
}
