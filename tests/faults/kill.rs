//! `kill -9` of `atvsld up` (the real binary, as a child process): during concurrent
//! writes no acknowledged write is lost and nothing is half-written; with deliveries
//! pending, every event is delivered after the restart; an import killed mid-job goes
//! on after the restart from its first chunk not committed, every row applied once.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use diesel::prelude::*;
use serde_json::Value;
use shared::auth::Role;
use shared::config::DatabaseSettings;
use shared::db::Db;

use crate::database::{accident, establishment};
use crate::support::{Receiver, delivery_log, subscribe, within};

/// A data folder, and on PostgreSQL three databases of their own.
struct Place {
    dir: tempfile::TempDir,
    /// The `--database-url` template, on PostgreSQL.
    template: Option<String>,
    admin: Option<String>,
    prefix: String,
}

impl Place {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let prefix = format!("atvsld_kill_{}", uuid::Uuid::new_v4().simple());
        let admin = std::env::var("TEST_DATABASE_URL")
            .ok()
            .filter(|u| !u.is_empty());
        let template = admin.as_ref().map(|admin| {
            let mut conn = diesel::PgConnection::establish(admin).unwrap();
            for service in ["incidents", "health_stats", "tasks"] {
                diesel::sql_query(format!("CREATE DATABASE {prefix}_{service}"))
                    .execute(&mut conn)
                    .unwrap();
            }
            let (server, _) = admin.rsplit_once('/').unwrap();
            format!("{server}/{prefix}_{{service}}")
        });
        Self {
            dir,
            template,
            admin,
            prefix,
        }
    }

    fn backend(&self) -> &'static str {
        if self.template.is_some() {
            "PostgreSQL"
        } else {
            "SQLite"
        }
    }

    /// incidents' database, opened beside the running suite.
    fn incidents(&self) -> Db {
        let url = match &self.template {
            Some(t) => t.replace("{service}", "incidents"),
            None => format!(
                "sqlite://{}",
                self.dir.path().join("incidents.db").display()
            ),
        };
        Db::connect(&DatabaseSettings::new(url)).unwrap()
    }

    /// Registers establishment `n` at incidents (`base`); its tax code.
    async fn register(&self, client: &reqwest::Client, base: &str, n: u32) -> String {
        let res = client
            .post(format!("{base}/api/v1/establishments"))
            .bearer_auth(self.token(Role::LaborAuthority, Some("SNV")))
            .json(&establishment(n))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status().as_u16(), 201);
        shared::testing::tax_code(n)
    }

    fn token(&self, role: Role, org: Option<&str>) -> String {
        atvsld::dev_keys(self.dir.path())
            .unwrap()
            .signer
            .token(
                atvsld::DEV_ISSUER,
                atvsld::DEV_AUDIENCE,
                "faults",
                &[role],
                org,
                Duration::from_secs(3600),
            )
            .unwrap()
    }
}

impl Drop for Place {
    fn drop(&mut self) {
        if let Some(admin) = &self.admin
            && let Ok(mut conn) = diesel::PgConnection::establish(admin)
        {
            for service in ["incidents", "health_stats", "tasks"] {
                let _ = diesel::sql_query(format!(
                    "DROP DATABASE IF EXISTS {}_{service} WITH (FORCE)",
                    self.prefix
                ))
                .execute(&mut conn);
            }
        }
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// `atvsld up` on `place` and `ports`, once every service is ready.
async fn up(place: &Place, ports: [u16; 3]) -> Child {
    let mut command = Command::new(env!("CARGO_BIN_EXE_atvsld"));
    command
        .arg("up")
        .arg("--data-dir")
        .arg(place.dir.path())
        .args(["--incidents-port", &ports[0].to_string()])
        .args(["--health-stats-port", &ports[1].to_string()])
        .args(["--tasks-port", &ports[2].to_string()])
        .args(["--dashboard-port", "0"])
        .env("RUST_LOG", "error")
        // Sixteen writers with one token: this scenario is about kill -9, not the
        // per-caller rate (tests/faults/rate_limit.rs is).
        .env("APP__RATE_LIMIT__PER_SECOND", "100000")
        .env("APP__RATE_LIMIT__BURST", "100000")
        // A killed job is taken up again once its lease has run out since its last
        // chunk; two seconds rather than two minutes keeps the import scenario short.
        .env("APP__SERVER__JOB_LEASE_SECS", "2")
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    if let Some(template) = &place.template {
        command.args(["--database-url", template]);
    }
    let child = command.spawn().unwrap();
    let client = reqwest::Client::new();
    for port in ports {
        within(
            "the suite to be ready",
            Duration::from_secs(60),
            async || {
                client
                    .get(format!("http://127.0.0.1:{port}/readyz"))
                    .send()
                    .await
                    .is_ok_and(|r| r.status().is_success())
            },
        )
        .await;
    }
    child
}

/// A new place with `atvsld up` running on free ports: the place, the ports (to start
/// it again on), the process and incidents' base URL.
async fn started() -> (Place, [u16; 3], Child, String) {
    let place = Place::new();
    let ports = [free_port(), free_port(), free_port()];
    let suite = up(&place, ports).await;
    let base = format!("http://127.0.0.1:{}", ports[0]);
    (place, ports, suite, base)
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

fn count(db: &Db, sql: &str) -> i64 {
    let mut conn = db.get().unwrap();
    diesel::sql_query(sql)
        .get_result::<Count>(&mut *conn)
        .unwrap()
        .n
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_during_concurrent_writes_loses_no_acknowledged_write() {
    const CLIENTS: usize = 16;
    let (place, ports, mut suite, base) = started().await;
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap();
    let tax = place.register(&client, &base, 7).await;
    let token = place.token(Role::Enterprise, Some(&tax));

    // Sixteen clients declare accidents until the connection drops; each keeps the
    // ids the suite acknowledged with 201.
    let writers: Vec<_> = (0..CLIENTS)
        .map(|_| {
            let (client, url, token, body) = (
                client.clone(),
                format!("{base}/api/v1/accidents"),
                token.clone(),
                accident(&tax, None),
            );
            tokio::spawn(async move {
                let mut acknowledged = Vec::new();
                while let Ok(res) = client
                    .post(&url)
                    .bearer_auth(&token)
                    .json(&body)
                    .send()
                    .await
                {
                    assert_eq!(res.status().as_u16(), 201);
                    let Ok(body) = res.json::<Value>().await else {
                        break;
                    };
                    acknowledged.push(body["id"].as_str().unwrap().to_owned());
                }
                acknowledged
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_secs(3)).await;
    suite.kill().unwrap();
    suite.wait().unwrap();
    let mut acknowledged = Vec::new();
    for w in writers {
        acknowledged.extend(w.await.unwrap());
    }

    let mut suite = up(&place, ports).await;
    let mut lost = 0;
    for id in &acknowledged {
        let res = client
            .get(format!("{base}/api/v1/accidents/{id}"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        if res.status().as_u16() != 200 {
            lost += 1;
        }
    }
    let db = place.incidents();
    let accidents = count(&db, "SELECT count(*) AS n FROM accidents");
    let half_written = count(
        &db,
        "SELECT count(*) AS n FROM accidents a \
         WHERE NOT EXISTS (SELECT 1 FROM casualties c WHERE c.accident_id = a.id) \
         OR NOT EXISTS (SELECT 1 FROM receipts r WHERE r.subject_id = a.id)",
    );
    let counted = count(
        &db,
        "SELECT CAST(COALESCE(SUM(cases), 0) AS BIGINT) AS n FROM accident_stat_deltas \
         WHERE dim_kind = 'commune'",
    );
    let casualties = count(&db, "SELECT count(*) AS n FROM casualties");
    let counted_casualties = count(
        &db,
        "SELECT CAST(COALESCE(SUM(casualties), 0) AS BIGINT) AS n FROM accident_stat_deltas \
         WHERE dim_kind = 'commune'",
    );
    suite.kill().unwrap();
    suite.wait().unwrap();
    println!(
        "faults/kill -9 during writes ({}): {CLIENTS} clients, {} writes acknowledged before \
         the kill, {lost} lost; {accidents} accidents stored, {half_written} without their \
         casualties or receipt; statistics count {counted} accidents and \
         {counted_casualties} casualties for {accidents} and {casualties} stored",
        place.backend(),
        acknowledged.len()
    );
    assert!(!acknowledged.is_empty());
    assert_eq!(lost, 0);
    assert_eq!(half_written, 0);
    assert_eq!(counted, accidents);
    assert_eq!(counted_casualties, casualties);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_with_deliveries_pending_delivers_every_event_after_the_restart() {
    const EVENTS: usize = 20;
    let (place, ports, mut suite, base) = started().await;
    let client = reqwest::Client::new();
    let admin = place.token(Role::Admin, None);
    let receiver = Receiver::start(0, Duration::ZERO);
    let receiver_port = receiver.port();
    let subscription = subscribe(
        &client,
        &base,
        &admin,
        &receiver.url,
        &["accident.declared"],
    )
    .await;
    receiver.stop().await;

    let tax = place.register(&client, &base, 8).await;
    let token = place.token(Role::Enterprise, Some(&tax));
    for _ in 0..EVENTS {
        let res = client
            .post(format!("{base}/api/v1/accidents"))
            .bearer_auth(&token)
            .json(&accident(&tax, None))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status().as_u16(), 201);
    }
    let db = place.incidents();
    let pending = delivery_log(&db, &subscription)
        .iter()
        .filter(|(_, status, _)| status != "delivered")
        .count();
    suite.kill().unwrap();
    suite.wait().unwrap();

    let receiver = Receiver::start(receiver_port, Duration::ZERO);
    let back = Instant::now();
    let mut suite = up(&place, ports).await;
    within(
        "every delivery delivered",
        Duration::from_secs(90),
        async || {
            let log = delivery_log(&db, &subscription);
            log.len() == EVENTS && log.iter().all(|(_, status, _)| status == "delivered")
        },
    )
    .await;
    let caught_up = back.elapsed();
    suite.kill().unwrap();
    suite.wait().unwrap();
    let received = receiver.received();
    let events: Vec<String> = delivery_log(&db, &subscription)
        .into_iter()
        .map(|(event, _, _)| event)
        .collect();
    let lost = events.iter().filter(|e| !received.contains_key(*e)).count();
    println!(
        "faults/kill -9 with deliveries pending ({}): {EVENTS} events, {pending} not yet \
         delivered at the kill; after the restart {} of {EVENTS} received, {lost} lost, all \
         within {caught_up:.1?}",
        place.backend(),
        events.len() - lost
    );
    assert!(pending > 0, "deliveries were pending at the kill");
    assert_eq!(lost, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_during_an_import_goes_on_after_the_restart_each_row_once() {
    const ROWS: u32 = 8000;
    let chunks = i64::try_from(
        usize::try_from(ROWS)
            .unwrap()
            .div_ceil(shared::jobs::runner::CHUNK),
    )
    .unwrap();
    let (place, ports, mut suite, base) = started().await;
    let client = reqwest::Client::new();
    let admin = place.token(Role::Admin, None);
    let rows: Vec<Value> = (1..=ROWS).map(|n| establishment(100_000 + n)).collect();
    let res = client
        .post(format!("{base}/api/v1/establishments/import"))
        .bearer_auth(&admin)
        .json(&rows)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 202);
    let job = format!("{base}{}", res.headers()["location"].to_str().unwrap());
    let progress = async |client: &reqwest::Client| -> Value {
        client
            .get(&job)
            .bearer_auth(&admin)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    };
    // Killed once the job has committed a chunk, while rows are still to do.
    within(
        "a chunk of the job to commit",
        Duration::from_secs(60),
        async || progress(&client).await["progress"]["done"].as_u64() > Some(0),
    )
    .await;
    suite.kill().unwrap();
    suite.wait().unwrap();
    let db = place.incidents();
    let done_at_kill = count(&db, "SELECT done AS n FROM jobs");
    let stored_at_kill = count(&db, "SELECT count(*) AS n FROM establishments");

    let back = Instant::now();
    let mut suite = up(&place, ports).await;
    let mut ended = Value::Null;
    within("the job to end", Duration::from_secs(120), async || {
        ended = progress(&client).await;
        ended["status"] != "queued" && ended["status"] != "running"
    })
    .await;
    let finished = back.elapsed();
    suite.kill().unwrap();
    suite.wait().unwrap();
    let establishments = count(&db, "SELECT count(*) AS n FROM establishments");
    let revisions = count(&db, "SELECT count(*) AS n FROM establishment_revisions");
    let events = count(
        &db,
        "SELECT count(*) AS n FROM outbox_events WHERE event_type = 'establishments.imported'",
    );
    let results = count(&db, "SELECT count(*) AS n FROM job_chunks");
    println!(
        "faults/kill -9 during an import ({}): {ROWS} rows in {chunks} chunks, killed with \
         {done_at_kill} done ({stored_at_kill} stored); after the restart the job {} in \
         {finished:.1?}: {} created, {establishments} establishments, {revisions} revisions, \
         {events} chunk events, {results} chunk results",
        place.backend(),
        ended["status"],
        ended["summary"]["created"]
    );
    assert!(
        done_at_kill < i64::from(ROWS),
        "the job ended before the kill; the scenario needs a larger file"
    );
    // What the killed process committed is exactly its recorded chunks.
    assert_eq!(stored_at_kill, done_at_kill);
    assert_eq!(ended["status"], "succeeded", "{ended}");
    assert_eq!(ended["summary"]["created"], ROWS);
    assert_eq!(ended["summary"]["rejected"], 0);
    assert_eq!(establishments, i64::from(ROWS));
    assert_eq!(revisions, i64::from(ROWS));
    assert_eq!(events, chunks);
    assert_eq!(results, chunks);
}
