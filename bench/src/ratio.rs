//! `ratio [SECONDS] [PAIRS]`: the incidents API against its own database work.
//!
//! For each workload (declaring an accident with two casualties, reading one accident,
//! reading one establishment) and each number of concurrent clients (1, 4, 16), it runs
//! PAIRS alternating pairs of SECONDS-long phases (default 3 × 10 s):
//!
//! - **api**: clients send the request over HTTP to the running service, with a token;
//! - **baseline**: as many tasks call the service's own use-case in-process, on a pool
//!   of the same size: the same SQL statements in the same transactions, without HTTP,
//!   token checks, request parsing or the actix worker hop.
//!
//! and prints the median throughput of each, their ratio, how throughput grows from 1 to
//! 16 clients, the share of CPU the API phases kept busy (at one client it shows how much
//! CPU time is left for more clients), and the load average the pairs ran under. On PostgreSQL
//! (`BENCH_DATABASE_URL`) this is the figure the README's performance table quotes.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context as _;
use serde_json::{Value, json};
use shared::auth::{AuthUser, Role};
use shared::db::Db;
use shared::testing::{TEST_ISSUER, TestKeys, settings, tax_code};

use crate::bench_database;

const SEEDED: u32 = 200;
const CLIENTS: [usize; 3] = [1, 4, 16];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Workload {
    Declare,
    AccidentRead,
    EstablishmentRead,
}

impl Workload {
    const ALL: [Workload; 3] = [
        Workload::Declare,
        Workload::AccidentRead,
        Workload::EstablishmentRead,
    ];

    fn name(self) -> &'static str {
        match self {
            Workload::Declare => "POST /accidents (2 casualties)",
            Workload::AccidentRead => "GET /accidents/{id}",
            Workload::EstablishmentRead => "GET /establishments/{id}",
        }
    }

    /// The target ratio of issue "Performance that scales".
    fn target(self) -> f64 {
        match self {
            Workload::Declare => 0.7,
            Workload::AccidentRead => 0.6,
            Workload::EstablishmentRead => 0.5,
        }
    }
}

/// What the phases work on: the service, its records, and a second pool for the
/// baseline.
struct Fixture {
    /// Dropped with the fixture (a PostgreSQL database is removed then).
    _databases: Vec<shared::testing::TestDatabase>,
    base: String,
    http: reqwest::Client,
    token: String,
    db: Db,
    admin: AuthUser,
    accidents: Vec<String>,
    establishments: Vec<String>,
    /// Numbers the declarations' personal IDs, so that each is a new person.
    next: AtomicU64,
}

fn declaration(n: u64) -> Value {
    let at = chrono::Utc::now() - chrono::Duration::days(1);
    let person = |k: u64| {
        json!({
            "personal_id": format!("004090{:06}", (n * 2 + k) % 1_000_000),
            "full_name": "Nông Văn A", "gender": "male", "birth_year": 1990,
            "contract_type": "indefinite", "severity": "minor", "days_off": 3,
            "costs": {"medical_thousand_vnd": 1000, "wages_thousand_vnd": 500, "compensation_thousand_vnd": 0}
        })
    };
    let employer = tax_code(u32::try_from(n % u64::from(SEEDED)).unwrap_or(0) + 1);
    json!({
        "sector": "with_labour_relation",
        "employer": {"tax_code": employer},
        "occurred_at": at.to_rfc3339(), "notified_at": at.to_rfc3339(),
        "place": {"commune_code": "01273", "address": "Khai trường mỏ, tổ 5"},
        "description": "Trượt ngã khi bốc xúc.", "cause_codes": ["1"],
        "casualties": [person(0), person(1)]
    })
}

/// The events secret of the suite [`Fixture::new`] starts with `events`.
const SECRET: &str = "bench-burst-secret";

impl Fixture {
    /// incidents alone; with `events`, the suite as `atvsld up` runs it: incidents
    /// dispatching its events, health-stats and tasks receiving them, wired by
    /// [`atvsld::wire_events`].
    async fn new(events: bool) -> anyhow::Result<Fixture> {
        let db = bench_database()?;
        let keys = TestKeys::new()?;
        let configured = |db: &shared::testing::TestDatabase| {
            let mut s = settings(db, &keys);
            if events {
                s.events.dispatch = true;
                s.events.allow_internal_urls = true;
                s.events.inbound_secrets = vec![SECRET.into()];
                // `BENCH_CLAIM_BATCH=1` claims one delivery at a time, as before batches.
                if let Some(n) = std::env::var("BENCH_CLAIM_BATCH")
                    .ok()
                    .and_then(|v| v.parse().ok())
                {
                    s.events.claim_batch = n;
                }
            }
            s
        };
        let settings = configured(&db);
        let app = shared::server::Application::build(&incidents::SERVICE, &settings).await?;
        let base = format!("http://127.0.0.1:{}", app.port());
        let mut databases = vec![db];
        if events {
            let [health_db, tasks_db] = [bench_database()?, bench_database()?];
            let health =
                shared::server::Application::build(&health_stats::SERVICE, &configured(&health_db))
                    .await?;
            let tasks =
                shared::server::Application::build(&tasks::SERVICE, &configured(&tasks_db)).await?;
            let options = atvsld::UpOptions {
                host: "127.0.0.1".into(),
                ports: [app.port(), health.port(), tasks.port()],
                data_dir: std::env::temp_dir(),
                database_url: None,
                log: Default::default(),
            };
            atvsld::wire_events(&app, &options, SECRET)?;
            for receiver in [health, tasks] {
                tokio::spawn(receiver.run_until_stopped());
            }
            databases.extend([health_db, tasks_db]);
        }
        tokio::spawn(app.run_until_stopped());
        let settings_db = settings.database.clone();
        let (pool, _) = tokio::task::spawn_blocking(move || {
            incidents::SERVICE.connect_and_migrate(&settings_db)
        })
        .await??;
        let mut fixture = Fixture {
            _databases: databases,
            base,
            http: reqwest::Client::builder()
                .pool_max_idle_per_host(64)
                .build()?,
            token: keys.token(Role::Admin, None),
            db: pool,
            admin: AuthUser {
                subject: "bench-admin".into(),
                issuer: TEST_ISSUER.into(),
                roles: vec![Role::Admin],
                org: None,
            },
            accidents: Vec::new(),
            establishments: Vec::new(),
            next: AtomicU64::new(0),
        };
        for n in 1..=SEEDED {
            let body = json!({
                "tax_code": tax_code(n), "name": format!("Công ty {n}"), "vsic_code": "07100",
                "ownership_type": "2", "commune_code": "01273", "address": "Số 1",
                "headcount": {"total": 120, "female": 30, "hazardous": 80}
            });
            let created = fixture.post("/api/v1/establishments", &body).await?;
            fixture.establishments.push(
                created
                    .get("id")
                    .and_then(Value::as_str)
                    .context("establishment id")?
                    .to_owned(),
            );
        }
        for _ in 0..SEEDED {
            let n = fixture.next.fetch_add(1, Ordering::Relaxed);
            let created = fixture.post("/api/v1/accidents", &declaration(n)).await?;
            fixture.accidents.push(
                created
                    .get("id")
                    .and_then(Value::as_str)
                    .context("accident id")?
                    .to_owned(),
            );
        }
        Ok(fixture)
    }

    async fn post(&self, path: &str, body: &Value) -> anyhow::Result<Value> {
        let res = self
            .http
            .post(format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .json(body)
            .send()
            .await?;
        anyhow::ensure!(res.status().is_success(), "{path}: {}", res.status());
        Ok(res.json().await?)
    }

    /// One request of `workload` over HTTP.
    async fn api(&self, workload: Workload, i: usize) -> anyhow::Result<()> {
        let pick = |ids: &[String]| ids.get(i % ids.len().max(1)).cloned().unwrap_or_default();
        let request = match workload {
            Workload::Declare => {
                let n = self.next.fetch_add(1, Ordering::Relaxed);
                self.http
                    .post(format!("{}/api/v1/accidents", self.base))
                    .json(&declaration(n))
            }
            Workload::AccidentRead => self.http.get(format!(
                "{}/api/v1/accidents/{}",
                self.base,
                pick(&self.accidents)
            )),
            Workload::EstablishmentRead => self.http.get(format!(
                "{}/api/v1/establishments/{}",
                self.base,
                pick(&self.establishments)
            )),
        };
        let res = request.bearer_auth(&self.token).send().await?;
        let status = res.status();
        res.bytes().await?;
        anyhow::ensure!(status.is_success(), "{}: {status}", workload.name());
        Ok(())
    }

    /// The same work through the service's use-case, in-process.
    async fn baseline(&self, workload: Workload, i: usize) -> anyhow::Result<()> {
        let pick = |ids: &[String]| ids.get(i % ids.len().max(1)).cloned().unwrap_or_default();
        match workload {
            Workload::Declare => {
                let n = self.next.fetch_add(1, Ordering::Relaxed);
                let body = declaration(n);
                let sha = shared::extract::hex_sha256(&serde_json::to_vec(&body)?);
                let declaration = serde_json::from_value(body)?;
                incidents::service::accidents::declare(
                    &self.db,
                    &self.admin,
                    declaration,
                    sha,
                    None,
                    false,
                    incidents::routes::accidents::render,
                )
                .await?;
            }
            Workload::AccidentRead => {
                incidents::service::accidents::get(&self.db, &self.admin, pick(&self.accidents))
                    .await?;
            }
            Workload::EstablishmentRead => {
                incidents::service::establishments::get(
                    &self.db,
                    &self.admin,
                    pick(&self.establishments),
                )
                .await?;
            }
        }
        Ok(())
    }
}

#[derive(Clone, Copy)]
enum Side {
    Api,
    Baseline,
}

/// The machine's CPU time so far, busy and in all, in clock ticks (the first line of
/// `/proc/stat`: user, nice, system, idle, iowait, irq, softirq, steal).
fn cpu_ticks() -> (u64, u64) {
    let stat = std::fs::read_to_string("/proc/stat").unwrap_or_default();
    let fields: Vec<u64> = stat
        .lines()
        .next()
        .unwrap_or_default()
        .split_whitespace()
        .skip(1)
        .take(8)
        .filter_map(|f| f.parse().ok())
        .collect();
    let all: u64 = fields.iter().sum();
    let idle = fields.get(3).copied().unwrap_or(0) + fields.get(4).copied().unwrap_or(0);
    (all - idle, all)
}

/// What a phase measured: operations per second, and the share of the machine's CPU
/// time (all cores) that was busy meanwhile. With one client that share tells how much
/// CPU time more clients can add: at 50 % busy, 2× the time, so more than 2× the
/// throughput only if each request then costs less (as batched commits make it).
struct Rate {
    per_second: f64,
    cpu_busy: f64,
}

/// Operations per second of `clients` concurrent loops of `side` for `seconds`.
async fn phase(
    fixture: &Arc<Fixture>,
    workload: Workload,
    side: Side,
    clients: usize,
    seconds: u64,
) -> anyhow::Result<Rate> {
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let began = Instant::now();
    let (busy_before, all_before) = cpu_ticks();
    let loops: Vec<_> = (0..clients)
        .map(|c| {
            let fixture = Arc::clone(fixture);
            tokio::spawn(async move {
                let mut done = 0_u64;
                let mut i = c * 7919;
                while Instant::now() < deadline {
                    match side {
                        Side::Api => fixture.api(workload, i).await?,
                        Side::Baseline => fixture.baseline(workload, i).await?,
                    }
                    done += 1;
                    i += 1;
                }
                Ok::<_, anyhow::Error>(done)
            })
        })
        .collect();
    let mut total = 0;
    for task in loops {
        total += task.await??;
    }
    let per_second = total as f64 / began.elapsed().as_secs_f64();
    let (busy_after, all_after) = cpu_ticks();
    let all = all_after.saturating_sub(all_before);
    let cpu_busy = if all == 0 {
        0.0
    } else {
        busy_after.saturating_sub(busy_before) as f64 / all as f64
    };
    Ok(Rate {
        per_second,
        cpu_busy,
    })
}

pub(crate) fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|s| s.split_whitespace().next().map(str::to_owned))
        .unwrap_or_else(|| "?".into())
}

pub(crate) fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values.get(values.len() / 2).copied().unwrap_or(0.0)
}

pub async fn run(seconds: u64, pairs: usize) -> anyhow::Result<()> {
    let fixture = Arc::new(Fixture::new(false).await?);
    println!(
        "{:<32} {:>7} {:>10} {:>10} {:>7} {:>7} {:>8} {:>9}",
        "workload", "clients", "api/s", "baseline/s", "ratio", "target", "api cpu", "load avg"
    );
    for workload in Workload::ALL {
        let (mut api_at, mut busy_at) = (Vec::new(), Vec::new());
        for clients in CLIENTS {
            let (mut api, mut baseline, mut loads) = (Vec::new(), Vec::new(), Vec::new());
            let mut busy = Vec::new();
            for pair in 0..pairs {
                // Alternate which side goes first, so neither always gets the warmer cache.
                let order = if pair % 2 == 0 {
                    [Side::Api, Side::Baseline]
                } else {
                    [Side::Baseline, Side::Api]
                };
                for side in order {
                    let rate = phase(&fixture, workload, side, clients, seconds).await?;
                    match side {
                        Side::Api => {
                            api.push(rate.per_second);
                            busy.push(rate.cpu_busy);
                        }
                        Side::Baseline => baseline.push(rate.per_second),
                    }
                }
                loads.push(load_average());
            }
            let (api, baseline, busy) = (median(api), median(baseline), median(busy));
            api_at.push(api);
            busy_at.push(busy);
            println!(
                "{:<32} {:>7} {:>10.0} {:>10.0} {:>7.2} {:>7.2} {:>7.0}% {:>9}",
                workload.name(),
                clients,
                api,
                baseline,
                if baseline > 0.0 { api / baseline } else { 0.0 },
                workload.target(),
                busy * 100.0,
                loads.join("/")
            );
        }
        if let (Some(one), Some(many), Some(busy)) =
            (api_at.first(), api_at.last(), busy_at.first())
        {
            println!(
                "{:<32} api throughput at 16 clients = {:.1} × at 1 (target ≥ 3); \
                 at 1 client the machine's CPU was already {:.0} % busy, so 16 have \
                 {:.1} × its CPU time to spend",
                workload.name(),
                if *one > 0.0 { many / one } else { 0.0 },
                busy * 100.0,
                if *busy > 0.0 { 1.0 / busy } else { 0.0 }
            );
        }
    }
    Ok(())
}

/// Deliveries not yet made (first try or retry), all subscriptions together.
async fn pending(db: &Db) -> anyhow::Result<i64> {
    let backlog = db.run(shared::events::backlog::per_subscription).await?;
    Ok(backlog.iter().map(|b| b.pending).sum())
}

/// Seconds from now until no delivery is pending.
async fn backlog_cleared(db: &Db) -> anyhow::Result<f64> {
    let began = Instant::now();
    loop {
        let left = pending(db).await?;
        if left == 0 {
            return Ok(began.elapsed().as_secs_f64());
        }
        anyhow::ensure!(
            began.elapsed() < Duration::from_secs(600),
            "{left} deliveries still pending after 10 minutes"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// `burst [SECONDS] [ROUNDS]`: the event backlog after a burst of declarations.
///
/// The suite runs as under `atvsld up` (incidents dispatching, its accident events to
/// tasks, its establishment events to health-stats). Each of ROUNDS (default 3) rounds
/// is the declaration phase of [`run`] at 16 clients for SECONDS (default 20); then
/// the deliveries table is polled every 20 ms until nothing is pending. Prints, per
/// round and as medians: declarations/s, deliveries pending when the burst ended, the
/// seconds until none was (target ≤ 2 s), and the load average.
pub async fn burst(seconds: u64, rounds: usize) -> anyhow::Result<()> {
    let fixture = Arc::new(Fixture::new(true).await?);
    // The fixture's own records (200 establishments, 200 accidents) go out first.
    let settled = backlog_cleared(&fixture.db).await?;
    println!(
        "fixture's events delivered in {settled:.1} s; {rounds} round(s) of {seconds} s at 16 clients"
    );
    println!(
        "{:>5} {:>14} {:>16} {:>13} {:>9}",
        "round", "declarations/s", "pending at end", "cleared in s", "load avg"
    );
    let (mut rates, mut left, mut cleared, mut loads) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for round in 1..=rounds.max(1) {
        let rate = phase(&fixture, Workload::Declare, Side::Api, 16, seconds)
            .await?
            .per_second;
        let at_end = pending(&fixture.db).await?;
        let took = backlog_cleared(&fixture.db).await?;
        let load = load_average();
        println!("{round:>5} {rate:>14.0} {at_end:>16} {took:>13.2} {load:>9}");
        rates.push(rate);
        left.push(at_end as f64);
        cleared.push(took);
        loads.push(load);
    }
    println!(
        "median {:>7.0} {:>16.0} {:>13.2} {:>9}   (target: cleared within 2 s)",
        median(rates),
        median(left),
        median(cleared),
        loads.join("/")
    );
    Ok(())
}
