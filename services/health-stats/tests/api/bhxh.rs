//! The BHXH exchange: the feed of diagnosed disease cases and benefit decisions.

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};

use serde_json::{Value, json};
use shared::auth::Role;

use crate::disease_cases::{case, record};
use crate::helpers::{TestApp, json_of, spawn_app};

const FEED: &str = "/api/v1/exchange/bhxh/disease-cases";
const DECISIONS: &str = "/api/v1/exchange/bhxh/benefit-decisions";

fn insurer(app: &TestApp) -> String {
    app.token(Role::Insurer, Some("BHXH-CB"))
}

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
        "decision_number": number, "decision_date": "2026-07-01",
        "personal_id": personal_id, "case_reference": case_reference,
        "capacity_loss_percent": 35, "benefit_type": "monthly",
        "amount_vnd": 1_170_000, "status": "issued"
    })
}

#[tokio::test]
async fn the_feed_read_page_by_page_while_cases_are_recorded_has_each_case_once() {
    let app = spawn_app().await;
    let done = AtomicBool::new(false);
    let writer = async {
        let mut ids = HashSet::new();
        for i in 0..15u32 {
            let body = case(&format!("0040900{i:05}"), "BNN-18", 1, "2026-05-02");
            let recorded = record(&app, &body).await;
            ids.insert(recorded["id"].as_str().unwrap().to_owned());
            tokio::task::yield_now().await;
        }
        done.store(true, Ordering::SeqCst);
        ids
    };
    let reader = async {
        let mut seen = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let finished = done.load(Ordering::SeqCst);
            let (items, next, has_more) = page(&app, cursor.as_deref(), 2).await;
            for item in &items {
                assert_eq!(item["reason"], "diagnosed");
                assert_eq!(item["disease_code"], "BNN-18");
                seen.push(item["case_id"].as_str().unwrap().to_owned());
            }
            cursor = Some(next);
            if finished && !has_more {
                break;
            }
            tokio::task::yield_now().await;
        }
        seen
    };
    let (expected, seen) = tokio::join!(writer, reader);
    let unique: HashSet<String> = seen.iter().cloned().collect();
    assert_eq!(seen.len(), unique.len(), "a change was returned twice");
    assert_eq!(unique, expected);
}

#[tokio::test]
async fn an_assessment_is_a_change_of_the_feed() {
    let app = spawn_app().await;
    let recorded = record(&app, &case("004090012345", "BNN-18", 1, "2026-05-02")).await;
    let id = recorded["id"].as_str().unwrap();
    let (_, cursor, _) = page(&app, None, 50).await;
    let res = app
        .svc
        .client
        .put(
            app.svc
                .url(&format!("/api/v1/occupational-disease-cases/{id}")),
        )
        .bearer_auth(app.admin())
        .header("If-Match", "\"1\"")
        .json(&json!({"status": "assessed", "capacity_loss_percent": 35,
                      "assessed_on": "2026-06-20", "change_reason": "Biên bản giám định 45/GĐYK"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 200);
    let (items, _, has_more) = page(&app, Some(&cursor), 50).await;
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["reason"], "assessed");
    assert_eq!(items[0]["capacity_loss_percent"], 35);
    assert!(!has_more);
}

#[tokio::test]
async fn only_the_insurer_uses_the_exchange() {
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
        let reader = matches!(role, Role::Admin | Role::HealthAuthority);
        assert_eq!(
            app.get(DECISIONS, &token).await.status().as_u16(),
            if reader { 200 } else { 403 },
            "{role:?}"
        );
    }
    let token = insurer(&app);
    assert_eq!(
        app.get("/api/v1/occupational-disease-cases", &token)
            .await
            .status()
            .as_u16(),
        403
    );
    assert_eq!(app.get(DECISIONS, &token).await.status().as_u16(), 403);
}

#[tokio::test]
async fn posting_the_same_decisions_twice_changes_nothing_and_bad_ones_are_pointed_at() {
    let app = spawn_app().await;
    let recorded = record(&app, &case("004090012345", "BNN-18", 1, "2026-05-02")).await;
    let id = recorded["id"].as_str().unwrap();
    let mut bad = decision("3/QĐ-BHXH", "004090012345", id);
    bad["amount_vnd"] = json!(-5);
    let batch = json!([
        decision("1/QĐ-BHXH", "004090012345", id),
        decision("2/QĐ-BHXH", "004190054321", "khong-co-ho-so"),
        bad,
    ]);
    let first = json_of(app.post(DECISIONS, &insurer(&app), &batch).await).await;
    assert_eq!(first["summary"]["created"], 2, "{first}");
    assert_eq!(first["summary"]["rejected"], 1);
    assert_eq!(first["summary"]["unmatched"], 1);
    assert_eq!(first["items"][0]["matched"], true);
    assert_eq!(first["items"][2]["problems"][0]["pointer"], "/2/amount_vnd");
    // Below the schema's minimum: the contract's code (`shared::limits`).
    assert_eq!(first["items"][2]["problems"][0]["code"], "out_of_range");

    let second = json_of(app.post(DECISIONS, &insurer(&app), &batch).await).await;
    assert_eq!(second["summary"]["unchanged"], 2, "{second}");
    assert_eq!(second["summary"]["created"], 0);
    assert_eq!(second["summary"]["updated"], 0);

    let health = app.token(Role::HealthAuthority, Some("SYT"));
    let linked = json_of(app.get(&format!("{DECISIONS}?case_id={id}"), &health).await).await;
    assert_eq!(linked["items"].as_array().unwrap().len(), 1);
    assert_eq!(linked["items"][0]["decision_number"], "1/QĐ-BHXH");
    let all = json_of(app.get(DECISIONS, &health).await).await;
    assert_eq!(all["items"].as_array().unwrap().len(), 2);
}

const SHARED_SHAPE: &str = "2026-12-03-120000_bhxh_subjects";

fn step(app: &TestApp, up: bool) {
    let mut conn = app.svc.app_db.get().unwrap();
    shared::db::step_migration(&mut conn, &health_stats::db::MIGRATIONS, SHARED_SHAPE, up).unwrap();
}

async fn decisions(app: &TestApp) -> Value {
    json_of(app.get(DECISIONS, &app.admin()).await).await["items"].clone()
}

#[tokio::test]
async fn feed_changes_and_decisions_of_the_old_tables_read_back_unchanged_after_the_migration() {
    use diesel::RunQueryDsl;
    let app = spawn_app().await;
    let first = record(&app, &case("004090000001", "BNN-18", 1, "2026-05-02")).await;
    let second = record(&app, &case("004090000002", "BNN-18", 1, "2026-05-03")).await;
    let (first, second) = (
        first["id"].as_str().unwrap(),
        second["id"].as_str().unwrap(),
    );
    let batch = json!([
        decision("1/QĐ-BHXH", "004090000001", first),
        decision("2/QĐ-BHXH", "004090000009", "no-such-case"),
    ]);
    assert_eq!(
        app.post(DECISIONS, &insurer(&app), &batch).await.status(),
        200
    );
    let (feed, cursor, _) = page(&app, None, 500).await;
    assert_eq!(feed.len(), 2);
    let listed = decisions(&app).await;
    assert_eq!(listed.as_array().map(Vec::len), Some(2));

    // The database as the release before the shared shape left it, with one more change
    // and one more decision written to `bhxh_disease_feed` and `case_id` as it wrote them.
    step(&app, false);
    {
        let mut conn = app.svc.app_db.get().unwrap();
        for sql in [
            "UPDATE bhxh_feed_head SET seq = seq + 1 WHERE id = 1".to_owned(),
            format!(
                "INSERT INTO bhxh_disease_feed (seq, case_id, reason, changed_at) \
                 SELECT seq, '{second}', 'assessed', '2026-06-02 08:00:00' \
                 FROM bhxh_feed_head WHERE id = 1"
            ),
            format!(
                "INSERT INTO bhxh_benefit_decisions (id, decision_number, decision_date, \
                 personal_id, case_reference, case_id, capacity_loss_percent, benefit_type, \
                 amount_vnd, status, received_by, version, created_at, updated_at) VALUES \
                 ('00000000-0000-7000-8000-000000000001', '0/QĐ-BHXH', '2026-06-01', \
                 '004090000002', '{second}', '{second}', 12, 'one_time', 5000000, 'paid', \
                 'insurer', 1, '2026-06-02 08:00:00', '2026-06-02 08:00:00')"
            ),
        ] {
            diesel::sql_query(sql).execute(&mut *conn).unwrap();
        }
    }
    step(&app, true);

    // What was read before reads the same; the old release's rows are there too, and
    // the cursor taken before the migration resumes right after what it had seen.
    let (again, _, _) = page(&app, None, 500).await;
    assert_eq!(again.get(..2), Some(&feed[..]));
    let (after, _, has_more) = page(&app, Some(&cursor), 500).await;
    assert_eq!(after.len(), 1, "{after:?}");
    assert_eq!(after[0]["case_id"], second);
    assert_eq!(after[0]["reason"], "assessed");
    assert_eq!(after[0]["changed_at"], "2026-06-02T08:00:00Z");
    assert!(!has_more);
    let relisted = decisions(&app).await;
    let relisted = relisted.as_array().unwrap();
    assert_eq!(relisted.len(), 3);
    assert_eq!(relisted.get(..2), listed.as_array().unwrap().get(..2));
    let old = &relisted[2];
    assert_eq!(old["decision_number"], "0/QĐ-BHXH");
    assert_eq!(old["case_id"], second);
    assert_eq!(old["matched"], true);
    assert_eq!(old["capacity_loss_percent"], 12);
    assert_eq!(old["received_at"], "2026-06-02T08:00:00Z");
}
