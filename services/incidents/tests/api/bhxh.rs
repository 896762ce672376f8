//! The BHXH exchange: the feed of confirmed casualties, benefit decisions, reconciliation.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};

use chrono::{Datelike, Utc};
use reqwest::Method;
use serde_json::{Value, json};
use shared::auth::Role;

use crate::helpers::{TestApp, casualty, declaration, establishment, json_of, spawn_app, tax_code};

const FEED: &str = "/api/v1/exchange/bhxh/accident-cases";
const DECISIONS: &str = "/api/v1/exchange/bhxh/benefit-decisions";

fn insurer(app: &TestApp) -> String {
    app.token(Role::Insurer, Some("BHXH-CB"))
}

/// Declares an accident as admin; returns its id and its casualties' ids.
async fn declare(app: &TestApp, body: &Value) -> (String, Vec<String>) {
    let res = app.post("/api/v1/accidents", &app.admin(), body).await;
    assert_eq!(res.status().as_u16(), 201);
    let json = json_of(res).await;
    let ids = json["casualties"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_owned())
        .collect();
    (json["id"].as_str().unwrap().to_owned(), ids)
}

/// Saves the investigation of a freshly declared accident (version 1) with its conclusion.
async fn conclude(app: &TestApp, id: &str, occupational: bool) {
    let record = json!({
        "team_level": "employer", "decision_number": "01/QĐ", "members": [],
        "is_occupational_accident": occupational
    });
    let res = app
        .svc
        .client
        .request(
            Method::PUT,
            app.svc
                .url(&format!("/api/v1/accidents/{id}/investigation")),
        )
        .bearer_auth(app.admin())
        .header("If-Match", "\"1\"")
        .json(&record)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 200);
}

/// One page of the feed: its items and the cursor to resume from.
async fn page(app: &TestApp, cursor: Option<&str>, limit: u32) -> (Vec<Value>, String, bool) {
    let path = match cursor {
        Some(c) => format!("{FEED}?limit={limit}&cursor={c}"),
        None => format!("{FEED}?limit={limit}"),
    };
    let res = app.get(&path, &insurer(app)).await;
    assert_eq!(res.status().as_u16(), 200);
    let body = json_of(res).await;
    (
        body["items"].as_array().unwrap().clone(),
        body["next_cursor"].as_str().unwrap().to_owned(),
        body["has_more"].as_bool().unwrap(),
    )
}

fn decision(number: &str, personal_id: &str, case_reference: &str) -> Value {
    json!({
        "decision_number": number, "decision_date": shared::time::today().to_string(),
        "personal_id": personal_id, "case_reference": case_reference,
        "capacity_loss_percent": 21, "benefit_type": "one_time",
        "amount_vnd": 30_420_000, "status": "issued"
    })
}

#[tokio::test]
async fn the_feed_read_page_by_page_while_writes_continue_has_every_confirmed_casualty_once() {
    let app = spawn_app().await;
    app.create_establishment(&establishment(&tax_code(1))).await;
    let mut accidents = Vec::new();
    for i in 0..12u32 {
        let casualties = vec![
            casualty(&format!("0040900{:05}", i * 2), "minor"),
            casualty(&format!("0040900{:05}", i * 2 + 1), "minor"),
        ];
        accidents.push(declare(&app, &declaration(&tax_code(1), 1, casualties)).await);
    }
    // One accident the investigation finds not occupational: never in the feed.
    let (rejected_id, rejected_casualties) = declare(
        &app,
        &declaration(&tax_code(1), 1, vec![casualty("004090099999", "minor")]),
    )
    .await;

    let done = AtomicBool::new(false);
    let writer = async {
        // Four confirmations at a time, so that appending transactions overlap.
        for (i, chunk) in accidents.chunks(4).enumerate() {
            futures_util::future::join_all(chunk.iter().map(|(id, _)| conclude(&app, id, true)))
                .await;
            if i == 1 {
                conclude(&app, &rejected_id, false).await;
            }
            tokio::task::yield_now().await;
        }
        done.store(true, Ordering::SeqCst);
    };
    let reader = async {
        let mut seen: Vec<String> = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            // Whether the writer had finished before this page was asked for.
            let finished = done.load(Ordering::SeqCst);
            let (items, next, has_more) = page(&app, cursor.as_deref(), 3).await;
            for item in &items {
                assert_eq!(item["reason"], "confirmed");
                assert_eq!(item["bhxh_unit_code"], "TA0001A");
                assert_eq!(item["employer_tax_code"], tax_code(1));
                seen.push(item["casualty_id"].as_str().unwrap().to_owned());
            }
            cursor = Some(next);
            if finished && !has_more {
                break;
            }
            tokio::task::yield_now().await;
        }
        seen
    };
    let ((), seen) = tokio::join!(writer, reader);

    let expected: HashSet<String> = accidents
        .iter()
        .flat_map(|(_, casualties)| casualties.clone())
        .collect();
    let unique: HashSet<String> = seen.iter().cloned().collect();
    assert_eq!(seen.len(), unique.len(), "a change was returned twice");
    assert_eq!(unique, expected, "every confirmed casualty, nothing else");
    assert!(!unique.contains(&rejected_casualties[0]));

    // Resuming from the last cursor finds nothing new; from the start, the same set.
    let (again, _, _) = page(&app, None, 500).await;
    assert_eq!(again.len(), expected.len());
}

#[tokio::test]
async fn feed_changes_follow_severity_raises_and_withdrawn_conclusions() {
    let app = spawn_app().await;
    app.create_establishment(&establishment(&tax_code(2))).await;
    let (id, casualties) = declare(
        &app,
        &declaration(&tax_code(2), 1, vec![casualty("004090012345", "minor")]),
    )
    .await;
    conclude(&app, &id, true).await;
    let (first, cursor, _) = page(&app, None, 50).await;
    assert_eq!(first.len(), 1);
    assert_eq!(first[0]["personal_id"], "004090012345");
    assert_eq!(first[0]["confirmed"], true);
    assert!(
        first[0].get("cost_medical_thousand_vnd").is_none(),
        "data is minimised"
    );

    let res = app
        .svc
        .client
        .post(app.svc.url(&format!(
            "/api/v1/accidents/{id}/casualties/{}/severity",
            casualties[0]
        )))
        .bearer_auth(app.admin())
        .header("If-Match", "\"2\"")
        .json(&json!({"severity": "serious", "document_reference": "Giấy ra viện 12/BV"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 200);
    let (raised, cursor, has_more) = page(&app, Some(&cursor), 50).await;
    assert_eq!(raised.len(), 1);
    assert_eq!(raised[0]["reason"], "severity_raised");
    assert_eq!(raised[0]["severity"], "serious");
    assert!(!has_more);

    let res = app
        .svc
        .client
        .put(
            app.svc
                .url(&format!("/api/v1/accidents/{id}/investigation")),
        )
        .bearer_auth(app.admin())
        .header("If-Match", "\"3\"")
        .json(&json!({"team_level": "employer", "members": [], "is_occupational_accident": false}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 200);
    let (withdrawn, _, _) = page(&app, Some(&cursor), 50).await;
    assert_eq!(withdrawn.len(), 1);
    assert_eq!(withdrawn[0]["reason"], "withdrawn");
    assert_eq!(withdrawn[0]["confirmed"], false);

    // Every read is audited as an export of the casualty.
    let res = app
        .get(
            &format!(
                "/api/v1/audit-events?resource_type=casualty&resource_id={}",
                casualties[0]
            ),
            &app.admin(),
        )
        .await;
    let events = json_of(res).await;
    let exports = events["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "export")
        .count();
    assert_eq!(exports, 3, "{events}");

    let res = app
        .get(&format!("{FEED}?cursor=bm9wZQ"), &insurer(&app))
        .await;
    assert_eq!(res.status().as_u16(), 400);
}

#[tokio::test]
async fn only_the_insurer_uses_the_exchange_and_the_insurer_sees_nothing_else() {
    let app = spawn_app().await;
    let batch = json!([decision("1/QĐ-BHXH", "004090012345", "x")]);
    for role in Role::ALL.into_iter().filter(|r| *r != Role::Insurer) {
        let token = app.token(role, Some("04"));
        assert_eq!(
            app.get(FEED, &token).await.status().as_u16(),
            403,
            "{role:?}"
        );
        assert_eq!(
            app.post(DECISIONS, &token, &batch).await.status().as_u16(),
            403,
            "{role:?}"
        );
        let list = app.get(DECISIONS, &token).await.status().as_u16();
        let reconciliation = app
            .get("/api/v1/exchange/bhxh/reconciliation?period=2026", &token)
            .await
            .status()
            .as_u16();
        let reader = matches!(role, Role::Admin | Role::LaborAuthority);
        assert_eq!(list, if reader { 200 } else { 403 }, "{role:?}");
        assert_eq!(reconciliation, if reader { 200 } else { 403 }, "{role:?}");
    }
    let token = insurer(&app);
    assert_eq!(app.get(FEED, &token).await.status().as_u16(), 200);
    assert_eq!(
        app.get("/api/v1/accidents", &token).await.status().as_u16(),
        403
    );
    assert_eq!(app.get(DECISIONS, &token).await.status().as_u16(), 403);
    assert_eq!(
        app.get("/api/v1/establishments", &token)
            .await
            .status()
            .as_u16(),
        403
    );
}

#[tokio::test]
async fn posting_the_same_decisions_twice_changes_nothing_the_second_time() {
    let app = spawn_app().await;
    app.create_establishment(&establishment(&tax_code(3))).await;
    let (id, casualties) = declare(
        &app,
        &declaration(&tax_code(3), 1, vec![casualty("004090012345", "serious")]),
    )
    .await;
    conclude(&app, &id, true).await;
    let batch = json!([
        decision("152/QĐ-BHXH", "004090012345", &casualties[0]),
        // A person with no accident record: stored, unmatched.
        decision(
            "153/QĐ-BHXH",
            "004190054321",
            "0193a5e2-7c1e-7b36-9c55-2f1d9f0a4e11"
        ),
    ]);

    let dry = app
        .post(&format!("{DECISIONS}?dry_run=true"), &insurer(&app), &batch)
        .await;
    assert_eq!(dry.status().as_u16(), 200);
    assert_eq!(json_of(dry).await["summary"]["created"], 2);

    let first = json_of(app.post(DECISIONS, &insurer(&app), &batch).await).await;
    assert_eq!(first["summary"]["created"], 2, "{first}");
    assert_eq!(first["summary"]["unmatched"], 1);
    assert_eq!(first["items"][0]["status"], "created");
    assert_eq!(first["items"][0]["matched"], true);
    assert_eq!(first["items"][1]["matched"], false);

    let second = json_of(app.post(DECISIONS, &insurer(&app), &batch).await).await;
    let results: Vec<&Value> = second["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| &i["status"])
        .collect();
    assert_eq!(results, [&json!("unchanged"), &json!("unchanged")]);
    assert_eq!(second["summary"]["unchanged"], 2);
    assert_eq!(second["summary"]["created"], 0);
    assert_eq!(second["items"][0]["id"], first["items"][0]["id"]);

    // A changed status updates the decision of that number.
    let mut paid = batch[0].clone();
    paid["status"] = json!("paid");
    let third = json_of(app.post(DECISIONS, &insurer(&app), &json!([paid])).await).await;
    assert_eq!(third["items"][0]["status"], "updated");

    // The labour authority sees the decisions, linked to the casualty or unmatched.
    let labor = app.token(Role::LaborAuthority, Some("SNV"));
    let list = json_of(app.get(DECISIONS, &labor).await).await;
    assert_eq!(list["items"].as_array().unwrap().len(), 2);
    let linked = json_of(
        app.get(
            &format!("{DECISIONS}?casualty_id={}", casualties[0]),
            &labor,
        )
        .await,
    )
    .await;
    assert_eq!(linked["items"][0]["decision_number"], "152/QĐ-BHXH");
    assert_eq!(linked["items"][0]["status"], "paid");
    assert_eq!(linked["items"][0]["version"], 2);
    let unmatched = json_of(
        app.get(&format!("{DECISIONS}?unmatched=true"), &labor)
            .await,
    )
    .await;
    assert_eq!(unmatched["items"][0]["decision_number"], "153/QĐ-BHXH");
}

#[tokio::test]
async fn bad_decisions_are_rejected_one_by_one_with_pointers() {
    let app = spawn_app().await;
    let mut unknown_field = decision("3/QĐ-BHXH", "004090012345", "x");
    unknown_field["note"] = json!("?");
    let mut monthly_at_20 = decision("4/QĐ-BHXH", "004090012345", "x");
    monthly_at_20["benefit_type"] = json!("monthly");
    monthly_at_20["capacity_loss_percent"] = json!(20);
    let batch = json!([
        decision("1/QĐ-BHXH", "004090012345", "x"),
        decision("2/QĐ-BHXH", "12345", "x"),
        unknown_field,
        monthly_at_20,
        decision("1/QĐ-BHXH", "004090012345", "y"),
        "not a decision",
    ]);
    let res = app.post(DECISIONS, &insurer(&app), &batch).await;
    assert_eq!(res.status().as_u16(), 200);
    let body = json_of(res).await;
    let results: Vec<&str> = body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["status"].as_str().unwrap())
        .collect();
    assert_eq!(
        results,
        [
            "created", "rejected", "rejected", "rejected", "rejected", "rejected"
        ]
    );
    let first_problem = |i: usize| {
        let e = &body["items"][i]["problems"][0];
        (
            e["pointer"].as_str().unwrap_or_default().to_owned(),
            e["code"].as_str().unwrap_or_default().to_owned(),
        )
    };
    assert_eq!(
        first_problem(1),
        ("/1/personal_id".into(), "invalid_personal_id".into())
    );
    assert_eq!(first_problem(2).0, "/2/note");
    assert_eq!(
        first_problem(3),
        ("/3/benefit_type".into(), "benefit_type_mismatch".into())
    );
    assert_eq!(
        first_problem(4),
        ("/4/decision_number".into(), "duplicate_in_batch".into())
    );
    assert_eq!(first_problem(5).0, "/5");
    assert_eq!(body["summary"]["rejected"], 5);
    assert_eq!(body["summary"]["created"], 1);

    let res = app.post(DECISIONS, &insurer(&app), &json!([])).await;
    assert_eq!(res.status().as_u16(), 422);
}

#[tokio::test]
async fn reconciliation_lists_a_made_up_decision_and_a_fatal_casualty_without_one() {
    let app = spawn_app().await;
    app.create_establishment(&establishment(&tax_code(4))).await;
    let (_, fatal) = declare(
        &app,
        &declaration(&tax_code(4), 3, vec![casualty("004090012345", "fatal")]),
    )
    .await;
    let (_, covered) = declare(
        &app,
        &declaration(&tax_code(4), 3, vec![casualty("004090012346", "fatal")]),
    )
    .await;
    let mut survivor = decision("9/QĐ-BHXH", "004090012346", &covered[0]);
    survivor["benefit_type"] = json!("survivor");
    survivor["capacity_loss_percent"] = json!(null);
    let made_up = decision("10/QĐ-BHXH", "004190054321", "khong-co-ho-so");
    let res = app
        .post(DECISIONS, &insurer(&app), &json!([survivor, made_up]))
        .await;
    assert_eq!(res.status().as_u16(), 200);

    // The year the accidents (three days ago) happened in, in Viet Nam.
    let year = (Utc::now() - chrono::Duration::days(3))
        .with_timezone(&shared::time::vietnam())
        .year();
    let labor = app.token(Role::LaborAuthority, Some("SNV"));
    let res = app
        .get(
            &format!("/api/v1/exchange/bhxh/reconciliation?period={year}&wait_days=1"),
            &labor,
        )
        .await;
    assert_eq!(res.status().as_u16(), 200);
    let body = json_of(res).await;
    // This service alone: its part is there, health-stats' is missing and says why.
    assert_eq!(
        body["parts"],
        json!([
            {"source": "incidents", "available": true, "unavailable": null},
            {"source": "health-stats", "available": false,
             "unavailable": {"reason": "not_configured", "detail": "no health-stats URL configured"}}
        ])
    );
    let items = body["items"].as_array().unwrap();
    let by_kind: HashMap<&str, Vec<&Value>> = items.iter().fold(HashMap::new(), |mut m, i| {
        m.entry(i["kind"].as_str().unwrap()).or_default().push(i);
        m
    });
    let unmatched = &by_kind["decision_without_accident"];
    assert_eq!(unmatched.len(), 1, "{body}");
    assert_eq!(unmatched[0]["decision_number"], "10/QĐ-BHXH");
    assert_eq!(unmatched[0]["personal_id"], "004190054321");
    assert!(
        unmatched[0]["explanation"]
            .as_str()
            .unwrap()
            .contains("10/QĐ-BHXH")
    );
    let fatal_rows = &by_kind["fatal_without_decision"];
    assert_eq!(fatal_rows.len(), 1, "{body}");
    assert_eq!(fatal_rows[0]["casualty_id"], fatal[0].as_str());
    assert!(
        fatal_rows[0]["explanation"]
            .as_str()
            .unwrap()
            .contains("BHXH")
    );

    // Within the waiting period the fatal casualty is not yet listed.
    let res = app
        .get(
            &format!("/api/v1/exchange/bhxh/reconciliation?period={year}&wait_days=30"),
            &labor,
        )
        .await;
    let body = json_of(res).await;
    assert!(
        body["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|i| i["kind"] != "fatal_without_decision")
    );
    let res = app
        .get("/api/v1/exchange/bhxh/reconciliation?period=H1", &labor)
        .await;
    assert_eq!(res.status().as_u16(), 400);
}

#[tokio::test]
async fn a_foreign_worker_and_an_id_card_holder_reach_the_feed_with_their_documents() {
    let app = spawn_app().await;
    app.create_establishment(&establishment(&tax_code(61)))
        .await;
    let with_identity = |identity: Value| {
        let mut c = casualty("004090012345", "serious");
        let c_map = c.as_object_mut().unwrap();
        c_map.remove("personal_id");
        c_map.insert("identity".into(), identity);
        c
    };
    let casualties = vec![
        with_identity(json!({"type": "passport", "number": "M7654321", "nationality": "KR"})),
        with_identity(json!({"type": "id_card", "number": "085123456"})),
        casualty("004090012346", "minor"),
    ];
    let (id, ids) = declare(&app, &declaration(&tax_code(61), 1, casualties)).await;
    conclude(&app, &id, true).await;
    let (items, _, _) = page(&app, None, 50).await;
    let by_casualty: HashMap<&str, &Value> = items
        .iter()
        .map(|i| (i["casualty_id"].as_str().unwrap(), i))
        .collect();
    assert_eq!(by_casualty.len(), 3, "{items:?}");
    let foreign = by_casualty[ids[0].as_str()];
    assert_eq!(foreign["personal_id"], "M7654321");
    assert_eq!(
        foreign["identity"],
        json!({"type": "passport", "number": "M7654321", "nationality": "KR"})
    );
    assert_eq!(by_casualty[ids[1].as_str()]["identity"]["type"], "id_card");
    assert_eq!(
        by_casualty[ids[2].as_str()]["identity"],
        json!({"type": "personal_id", "number": "004090012346", "nationality": "VN"})
    );
}

const SHARED_SHAPE: &str = "2026-12-03-120000_bhxh_subjects";

/// Runs `sql` statements on the service's database, outside any request.
fn execute(app: &TestApp, statements: &[String]) {
    use diesel::RunQueryDsl;
    let mut conn = app.svc.app_db.get().unwrap();
    for sql in statements {
        diesel::sql_query(sql).execute(&mut *conn).unwrap();
    }
}

async fn decisions(app: &TestApp) -> Value {
    json_of(app.get(DECISIONS, &app.admin()).await).await["items"].clone()
}

fn step(app: &TestApp, up: bool) {
    let mut conn = app.svc.app_db.get().unwrap();
    shared::db::step_migration(&mut conn, &incidents::db::MIGRATIONS, SHARED_SHAPE, up).unwrap();
}

#[tokio::test]
async fn feed_changes_and_decisions_of_the_old_tables_read_back_unchanged_after_the_migration() {
    let app = spawn_app().await;
    app.create_establishment(&establishment(&tax_code(1))).await;
    let (accident, casualties) = declare(
        &app,
        &declaration(
            &tax_code(1),
            2,
            vec![
                casualty("004090000001", "serious"),
                casualty("004090000002", "minor"),
            ],
        ),
    )
    .await;
    conclude(&app, &accident, true).await;
    let batch = json!([
        decision("1/QĐ-BHXH", "004090000001", &casualties[0]),
        decision("2/QĐ-BHXH", "004090000009", "no-such-casualty"),
    ]);
    assert_eq!(
        app.post(DECISIONS, &insurer(&app), &batch).await.status(),
        200
    );
    let (feed, cursor, _) = page(&app, None, 500).await;
    assert_eq!(feed.len(), 2);
    let listed = decisions(&app).await;
    assert_eq!(listed.as_array().map(Vec::len), Some(2));

    // The database as the release before the shared shape left it: the rows back in
    // `bhxh_accident_feed` and `casualty_id`, and one more change and one more decision
    // written there the way that release wrote them.
    step(&app, false);
    execute(
        &app,
        &[
            "UPDATE bhxh_feed_head SET seq = seq + 1 WHERE id = 1".to_owned(),
            format!(
                "INSERT INTO bhxh_accident_feed (seq, casualty_id, accident_id, reason, changed_at) \
                 SELECT seq, '{}', '{accident}', 'severity_raised', '2026-03-02 08:00:00' \
                 FROM bhxh_feed_head WHERE id = 1",
                casualties[1]
            ),
            format!(
                "INSERT INTO bhxh_benefit_decisions (id, decision_number, decision_date, \
                 personal_id, case_reference, casualty_id, capacity_loss_percent, benefit_type, \
                 amount_vnd, status, received_by, version, created_at, updated_at) VALUES \
                 ('00000000-0000-7000-8000-000000000001', '0/QĐ-BHXH', '2026-03-01', \
                 '004090000002', '{0}', '{0}', NULL, 'survivor', 5000000, 'paid', 'insurer', 1, \
                 '2026-03-02 08:00:00', '2026-03-02 08:00:00')",
                casualties[1]
            ),
        ],
    );
    step(&app, true);

    // What was read before reads the same; the old release's rows are there too, and
    // the cursor taken before the migration resumes right after what it had seen.
    let (again, _, _) = page(&app, None, 500).await;
    assert_eq!(again.get(..2), Some(&feed[..]));
    let (after, _, has_more) = page(&app, Some(&cursor), 500).await;
    assert_eq!(after.len(), 1, "{after:?}");
    assert_eq!(after[0]["casualty_id"], casualties[1].as_str());
    assert_eq!(after[0]["accident_id"], accident.as_str());
    assert_eq!(after[0]["reason"], "severity_raised");
    assert_eq!(after[0]["changed_at"], "2026-03-02T08:00:00Z");
    assert!(!has_more);
    let relisted = decisions(&app).await;
    let relisted = relisted.as_array().unwrap();
    assert_eq!(relisted.len(), 3);
    assert_eq!(relisted.get(..2), listed.as_array().unwrap().get(..2));
    let old = &relisted[2];
    assert_eq!(old["decision_number"], "0/QĐ-BHXH");
    assert_eq!(old["casualty_id"], casualties[1].as_str());
    assert_eq!(old["matched"], true);
    assert_eq!(old["benefit_type"], "survivor");
    assert_eq!(old["received_at"], "2026-03-02T08:00:00Z");
}
