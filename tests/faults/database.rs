//! The database in trouble: a write lock held by another process (SQLite), a table
//! locked behind statistics calls (PostgreSQL), and a receipt key rotated by the
//! operator while clients write. No client sees a 500; what cannot be done in time
//! answers 503 with `Retry-After`, and the pool never stays stuck.

use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use serde_json::{Value, json};
use shared::auth::Role;
use shared::testing::{TestService, tax_code};

use crate::support::median_max;

/// The defaults of `APP__DATABASE__BUSY_TIMEOUT_MS` and `APP__DATABASE__LOCK_TIMEOUT_MS`.
const BUSY_TIMEOUT: Duration = Duration::from_millis(5_000);
const LOCK_TIMEOUT: Duration = Duration::from_millis(2_000);
/// What a loaded test machine may add to a timeout before the answer is seen.
const SLACK: Duration = Duration::from_millis(2_000);

pub fn establishment(n: u32) -> Value {
    json!({"tax_code": tax_code(n), "name": format!("Công ty TNHH Khai khoáng số {n}"),
           "vsic_code": "07100", "ownership_type": "2", "commune_code": "01273",
           "headcount": {"total": 120, "female": 30, "hazardous": 80}})
}

pub fn accident(tax: &str, external_ref: Option<&str>) -> Value {
    let at = (chrono::Utc::now() - chrono::Duration::hours(2)).to_rfc3339();
    json!({
        "sector": "with_labour_relation", "employer": {"tax_code": tax},
        "occurred_at": at, "notified_at": at, "external_ref": external_ref,
        "place": {"commune_code": "01273", "address": "Khai trường mỏ, tổ 5"},
        "description": "Sạt lở đất đá tại khai trường.", "cause_codes": ["1"],
        "casualties": [{"personal_id": "004090012345", "full_name": "Nông Văn A", "gender": "male",
                        "birth_year": 1990, "contract_type": "indefinite", "severity": "serious"}]
    })
}

/// Registers establishment `n` at `svc`; its tax code.
pub async fn register(svc: &TestService, n: u32) -> String {
    let res = svc
        .client
        .post(svc.url("/api/v1/establishments"))
        .bearer_auth(svc.token(Role::LaborAuthority, Some("SNV")))
        .json(&establishment(n))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 201);
    tax_code(n)
}

/// Status, `Retry-After`, problem code and time taken of one request.
struct Answer {
    status: u16,
    retry_after: Option<String>,
    code: String,
    took: Duration,
}

async fn answer(request: reqwest::RequestBuilder) -> Answer {
    let started = Instant::now();
    let res = request.send().await.unwrap();
    let status = res.status().as_u16();
    let retry_after = res
        .headers()
        .get("retry-after")
        .map(|v| v.to_str().unwrap().to_owned());
    let body: Value = res.json().await.unwrap_or_default();
    Answer {
        status,
        retry_after,
        code: body["code"].as_str().unwrap_or_default().to_owned(),
        took: started.elapsed(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_held_sqlite_write_lock_gives_503_with_retry_after_within_the_busy_timeout() {
    let svc = TestService::spawn(&incidents::SERVICE).await.unwrap();
    if svc.db.is_postgres() {
        println!(
            "faults/held SQLite lock: skipped on PostgreSQL (there is no SQLite file to lock)"
        );
        return;
    }
    const WRITES: u32 = 20;
    let labor = svc.token(Role::LaborAuthority, Some("SNV"));
    let post = |n: u32| {
        svc.client
            .post(svc.url("/api/v1/establishments"))
            .bearer_auth(&labor)
            .json(&establishment(n))
    };
    // Another process's transaction holds the write lock of the service's file.
    let path = svc.db.url.trim_start_matches("sqlite://").to_owned();
    let mut holder = diesel::SqliteConnection::establish(&path).unwrap();
    holder.batch_execute("BEGIN IMMEDIATE").unwrap();

    let held = futures_util::future::join_all((100..100 + WRITES).map(|n| answer(post(n)))).await;
    let mut took: Vec<Duration> = held.iter().map(|a| a.took).collect();
    let (median, max) = median_max(&mut took);
    let busy = held.iter().filter(|a| a.code == "database_busy").count();
    let pool = held.iter().filter(|a| a.code == "unavailable").count();
    holder.batch_execute("COMMIT").unwrap();

    let after = futures_util::future::join_all((200..205).map(|n| answer(post(n)))).await;
    println!(
        "faults/held SQLite lock: {WRITES} concurrent POSTs while another process held \
         BEGIN IMMEDIATE: {} × 503 ({busy} database_busy after the busy wait, {pool} \
         unavailable after the pool wait), 0 × 500, all with Retry-After; answered in \
         median {median:.1?}, max {max:.1?} (busy timeout {BUSY_TIMEOUT:?}); after the \
         release {} of 5 writes succeeded",
        held.iter().filter(|a| a.status == 503).count(),
        after.iter().filter(|a| a.status == 201).count()
    );
    for a in &held {
        assert_eq!(a.status, 503, "{}", a.code);
        assert!(
            a.code == "database_busy" || a.code == "unavailable",
            "{}",
            a.code
        );
        assert!(a.retry_after.is_some(), "Retry-After on every 503");
    }
    assert!(
        max <= BUSY_TIMEOUT + SLACK,
        "answered within the busy timeout: {max:?}"
    );
    assert!(
        after.iter().all(|a| a.status == 201),
        "writes resume after the release"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_locked_table_behind_statistics_calls_leaves_the_rest_of_the_service_answering() {
    let svc = TestService::spawn(&incidents::SERVICE).await.unwrap();
    if !svc.db.is_postgres() {
        println!(
            "faults/locked table: skipped on SQLite (no table locks; a held write lock is \
             the held-SQLite-lock scenario)"
        );
        return;
    }
    const CALLS: usize = 10;
    let admin = svc.token(Role::Admin, None);
    let mut holder = diesel::PgConnection::establish(&svc.db.url).unwrap();
    holder
        .batch_execute("BEGIN; LOCK TABLE accident_stat_deltas IN ACCESS EXCLUSIVE MODE")
        .unwrap();

    // Ten statistics calls as tasks' KPI view makes them: it gives up after 3 s.
    let kpi_client = reqwest::Client::builder()
        .timeout(Duration::from_secs(3))
        .build()
        .unwrap();
    let started = Instant::now();
    let calls: Vec<_> = (0..CALLS)
        .map(|_| {
            let request = kpi_client
                .get(svc.url("/api/v1/accident-statistics?sector=with_labour_relation&period=2026"))
                .bearer_auth(&admin);
            tokio::spawn(async move { request.send().await.map(|r| r.status().as_u16()) })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(300)).await;

    // Meanwhile an unrelated list and the readiness probe, every 200 ms.
    let mut unrelated = Vec::new();
    let mut ready = Vec::new();
    while started.elapsed() < LOCK_TIMEOUT * 2 {
        let (list, probe) = tokio::join!(
            answer(
                svc.client
                    .get(svc.url("/api/v1/establishments"))
                    .bearer_auth(&admin)
            ),
            answer(svc.client.get(svc.url("/readyz")))
        );
        unrelated.push(list);
        ready.push(probe.status);
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let mut kpi = Vec::new();
    for call in calls {
        kpi.push(call.await.unwrap());
    }
    // Nothing of the service still waits for the lock.
    #[derive(QueryableByName)]
    struct Waiting {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let mut observer = diesel::PgConnection::establish(&svc.db.url).unwrap();
    let waiting = diesel::sql_query(
        "SELECT count(*) AS n FROM pg_stat_activity \
         WHERE datname = current_database() AND wait_event_type = 'Lock'",
    )
    .get_result::<Waiting>(&mut observer)
    .unwrap()
    .n;
    holder.batch_execute("ROLLBACK").unwrap();
    let after = answer(svc.client.get(svc.url("/readyz"))).await;

    let mut took: Vec<Duration> = unrelated.iter().map(|a| a.took).collect();
    let (median, max) = median_max(&mut took);
    let kpi_busy = kpi.iter().filter(|r| matches!(r, Ok(503))).count();
    let kpi_gave_up = kpi.iter().filter(|r| r.is_err()).count();
    println!(
        "faults/locked table (PostgreSQL): {CALLS} statistics calls behind a held ACCESS \
         EXCLUSIVE lock: {kpi_busy} answered 503 database_busy at the lock timeout \
         ({LOCK_TIMEOUT:?}), {kpi_gave_up} given up by the caller; {} unrelated GET \
         /establishments meanwhile: {} × 200, median {median:.1?}, max {max:.1?}; /readyz \
         503 in {} of {} probes while the pool was taken, {} after; queries still waiting \
         for the lock after {:.1?}: {waiting}",
        unrelated.len(),
        unrelated.iter().filter(|a| a.status == 200).count(),
        ready.iter().filter(|s| **s == 503).count(),
        ready.len(),
        after.status,
        started.elapsed()
    );
    assert!(
        unrelated.iter().all(|a| a.status == 200),
        "unrelated requests answer"
    );
    assert!(max <= LOCK_TIMEOUT + SLACK, "and promptly: {max:?}");
    assert_eq!(
        waiting, 0,
        "the abandoned queries ended at the lock timeout"
    );
    assert!(kpi.iter().all(|r| matches!(r, Ok(503) | Err(_))), "{kpi:?}");
    assert_eq!(after.status, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rotating_the_receipt_key_under_write_load_causes_no_client_visible_error() {
    const CLIENTS: usize = 8;
    const ROTATIONS: usize = 5;
    let svc = TestService::spawn(&incidents::SERVICE).await.unwrap();
    let tax = register(&svc, 1).await;
    let enterprise = svc.token(Role::Enterprise, Some(&tax));
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let writers: Vec<_> = (0..CLIENTS)
        .map(|_| {
            let (client, url, token, body, stop) = (
                svc.client.clone(),
                svc.url("/api/v1/accidents"),
                enterprise.clone(),
                accident(&tax, None),
                stop.clone(),
            );
            tokio::spawn(async move {
                let mut statuses = Vec::new();
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    let res = client
                        .post(&url)
                        .bearer_auth(&token)
                        .json(&body)
                        .send()
                        .await
                        .unwrap();
                    statuses.push(res.status().as_u16());
                }
                statuses
            })
        })
        .collect();
    let mut kids = Vec::new();
    for _ in 0..ROTATIONS {
        tokio::time::sleep(Duration::from_millis(300)).await;
        let url = svc.db.url.clone();
        let rotated = tokio::task::spawn_blocking(move || {
            atvsld::rotate_receipt_keys(vec![(&incidents::SERVICE, url)])
        })
        .await
        .unwrap()
        .unwrap();
        kids.extend(rotated.into_iter().map(|(_, kid)| kid));
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let mut statuses = Vec::new();
    for w in writers {
        statuses.extend(w.await.unwrap());
    }
    let created = statuses.iter().filter(|s| **s == 201).count();
    // Every rotated key signed receipts after its rotation.
    let mut conn = svc.app_db.get().unwrap();
    let signers: i64 = diesel::sql_query("SELECT count(DISTINCT kid) AS n FROM receipts")
        .get_result::<Count>(&mut *conn)
        .unwrap()
        .n;
    println!(
        "faults/rotate-receipt-key ({}): {ROTATIONS} rotations while {CLIENTS} clients \
         declared accidents: {} requests, {created} × 201, {} errors; receipts signed by \
         {signers} keys",
        if svc.db.is_postgres() {
            "PostgreSQL"
        } else {
            "SQLite"
        },
        statuses.len(),
        statuses.len() - created
    );
    assert_eq!(kids.len(), ROTATIONS);
    assert_eq!(
        created,
        statuses.len(),
        "no client-visible error: {statuses:?}"
    );
    assert!(signers >= 2, "the new keys sign");
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}
