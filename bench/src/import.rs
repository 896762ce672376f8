//! `atvsld-bench establishment-import [ROWS] [PAIRS]`: a ROWS-row (default 100,000)
//! CSV of the demo generator's establishments, with Vietnamese headers and one row
//! that breaks a rule, through the real incidents service's bulk endpoint as a job —
//! first as a dry run, which must write nothing, then for real — following the job's
//! progress until it ends. incidents announces the establishments to a real
//! health-stats, as `atvsld up` wires them.
//!
//! On PostgreSQL (`BENCH_DATABASE_URL`) each of PAIRS (default 3) pairs also times the
//! baseline: `COPY` of the very rows the import wrote (establishments, revisions,
//! outbox events, deliveries) into the emptied tables, in one transaction; the two
//! alternate, and the medians, their ratio, how long the event backlog took to clear
//! after each import and the load average are printed. SQLite in a temporary folder
//! otherwise (no baseline).
//!
//! The process's resident memory (`VmRSS`) is printed before the first import and after
//! each: the suite runs in this process, so it is the memory the services keep after a
//! job (plus the bench's own copy of the file and of the rows it copies back).

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use diesel::{Connection as _, RunQueryDsl as _};
use serde_json::Value;
use shared::auth::Role;
use shared::server::Application;
use shared::testing::{TestDatabase, TestKeys, settings};

use atvsld::demo::establishments::{self, Communes};
use atvsld::demo::rng::Rng;

use crate::bench_database;

/// A CSV field, quoted: names and addresses hold commas.
fn field(text: &str) -> String {
    format!("\"{}\"", text.replace('"', "\"\""))
}

/// The file: a header in Vietnamese and ROWS establishments of the demo's generator;
/// row 7 gets a tax code whose check digit is wrong.
fn csv(rows: u32) -> String {
    csv_of(rows, "import-bench")
}

/// The same with the generator forked by `label`: another label, other establishments.
pub(crate) fn csv_of(rows: u32, label: &str) -> String {
    let communes = Communes::load();
    let mut rng = Rng::new(atvsld::demo::DEFAULT_SEED).fork(label);
    let population = establishments::generate(&mut rng, &communes, rows as usize);
    let mut text = String::from(
        "Mã số thuế,Tên cơ sở,Mã ngành VSIC,Loại hình,Mã xã,Địa chỉ,Tổng số lao động,Lao động nữ,\"Lao động nặng nhọc, độc hại\"\n",
    );
    for (n, e) in population.iter().enumerate() {
        let tax_code = if n == 6 { "0100000000" } else { &e.tax_code };
        let _ = writeln!(
            text,
            "{tax_code},{},{},{},{},{},{},{},{}",
            field(&e.name),
            e.vsic_code,
            e.ownership_type,
            e.commune_code,
            field(&e.address),
            e.workers,
            e.female,
            e.hazardous,
        );
    }
    text
}

/// This process's resident set (`VmRSS` of `/proc/self/status`) and how much of it is
/// heap and stacks (`RssAnon`) rather than mapped files, e.g. "152 MB (anonymous 120 MB)".
fn resident_memory() -> String {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let mb = |key: &str| {
        let line = status.lines().find(|l| l.starts_with(key))?;
        let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
        Some(kib * 1024.0 / 1e6)
    };
    match (mb("VmRSS:"), mb("RssAnon:")) {
        (Some(rss), Some(anon)) => format!("{rss:.0} MB (anonymous {anon:.0} MB)"),
        _ => "?".into(),
    }
}

/// Posts the file and follows the job; the finished job and the seconds it took.
pub(crate) async fn import(
    client: &reqwest::Client,
    base: &str,
    token: &str,
    body: &str,
    dry_run: bool,
) -> anyhow::Result<(Value, f64)> {
    let began = Instant::now();
    let res = client
        .post(format!(
            "{base}/api/v1/establishments/import?dry_run={dry_run}"
        ))
        .bearer_auth(token)
        .header("content-type", "text/csv; charset=utf-8")
        .body(body.to_owned())
        .send()
        .await?;
    anyhow::ensure!(
        res.status().as_u16() == 202,
        "expected a job (202), got {}",
        res.status()
    );
    let location = res
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| anyhow::anyhow!("a 202 without Location"))?
        .to_owned();
    let mut last_done = u64::MAX;
    loop {
        let job: Value = client
            .get(format!("{base}{location}"))
            .bearer_auth(token)
            .send()
            .await?
            .json()
            .await?;
        let done = job
            .pointer("/progress/done")
            .and_then(Value::as_u64)
            .unwrap_or(0);
        if done != last_done {
            println!(
                "  {:>6.1} s  {done} of {} rows",
                began.elapsed().as_secs_f64(),
                job.pointer("/progress/total")
                    .and_then(Value::as_u64)
                    .unwrap_or(0)
            );
            last_done = done;
        }
        match job.get("status").and_then(Value::as_str) {
            Some("succeeded") => return Ok((job, began.elapsed().as_secs_f64())),
            Some("failed") => anyhow::bail!("the job failed: {job}"),
            // Polled often, so the measured time ends close to the job's end.
            _ => tokio::time::sleep(Duration::from_millis(50)).await,
        }
    }
}

async fn count(client: &reqwest::Client, base: &str, token: &str) -> anyhow::Result<usize> {
    let page: Value = client
        .get(format!("{base}/api/v1/establishments?limit=500"))
        .bearer_auth(token)
        .send()
        .await?
        .json()
        .await?;
    Ok(page
        .get("items")
        .and_then(Value::as_array)
        .map_or(0, Vec::len))
}

fn summary(job: &Value, key: &str) -> u64 {
    job.pointer(&format!("/summary/{key}"))
        .and_then(Value::as_u64)
        .unwrap_or(0)
}

const SECRET: &str = "bench-import-secret";

/// incidents with the health-stats it announces establishments to, as `atvsld up`
/// wires them; the job runner and the dispatcher run as in production.
struct Suite {
    _databases: [TestDatabase; 2],
    incidents_url: String,
    base: String,
}

async fn suite(keys: &TestKeys) -> anyhow::Result<Suite> {
    let [incidents_db, health_db] = [bench_database()?, bench_database()?];
    let configured = |db: &TestDatabase| {
        let mut s = settings(db, keys);
        s.events.dispatch = true;
        s.events.allow_internal_urls = true;
        s.events.inbound_secrets = vec![SECRET.into()];
        s
    };
    let incidents = Application::build(&incidents::SERVICE, &configured(&incidents_db)).await?;
    let health = Application::build(&health_stats::SERVICE, &configured(&health_db)).await?;
    let options = atvsld::UpOptions {
        host: "127.0.0.1".into(),
        ports: [incidents.port(), health.port(), 1],
        data_dir: std::env::temp_dir(),
        database_url: None,
        log: Default::default(),
    };
    atvsld::wire_events(&incidents, &options, SECRET)?;
    let base = format!("http://127.0.0.1:{}", incidents.port());
    for app in [incidents, health] {
        tokio::spawn(app.run_until_stopped());
    }
    Ok(Suite {
        incidents_url: incidents_db.url.clone(),
        _databases: [incidents_db, health_db],
        base,
    })
}

/// The tables an import writes, in the order their keys need.
const WRITTEN: [&str; 4] = [
    "establishments",
    "establishment_revisions",
    "outbox_events",
    "deliveries",
];

/// What the import left in the tables it writes, in `COPY` text format, table by table.
struct Written(Vec<Vec<u8>>);

impl Written {
    fn rows(&self) -> usize {
        self.0
            .iter()
            .map(|t| t.iter().filter(|b| **b == b'\n').count())
            .sum()
    }
}

/// (A connection per table: diesel leaves a connection busy after a `COPY TO`.)
fn copy_out(url: &str) -> anyhow::Result<Written> {
    use incidents::db::schema::{establishment_revisions, establishments};
    use shared::events::schema::{deliveries, outbox_events};
    fn read(mut from: impl std::io::BufRead) -> anyhow::Result<Vec<u8>> {
        let mut bytes = Vec::new();
        from.read_to_end(&mut bytes)?;
        Ok(bytes)
    }
    let establishments = read(
        diesel::copy_to(establishments::table)
            .load_raw(&mut diesel::PgConnection::establish(url)?)?,
    )?;
    let revisions = read(
        diesel::copy_to(establishment_revisions::table)
            .load_raw(&mut diesel::PgConnection::establish(url)?)?,
    )?;
    let events = read(
        diesel::copy_to(outbox_events::table)
            .load_raw(&mut diesel::PgConnection::establish(url)?)?,
    )?;
    let deliveries = read(
        diesel::copy_to(deliveries::table).load_raw(&mut diesel::PgConnection::establish(url)?)?,
    )?;
    Ok(Written(vec![establishments, revisions, events, deliveries]))
}

/// Empties the tables the import writes, and the jobs, for the next phase.
fn reset(conn: &mut diesel::PgConnection) -> anyhow::Result<()> {
    diesel::sql_query(format!(
        "TRUNCATE {}, job_chunks, job_items, jobs CASCADE",
        WRITTEN.join(", ")
    ))
    .execute(conn)?;
    Ok(())
}

/// The baseline: `COPY` of `written` into the emptied tables, in one transaction;
/// the seconds it took.
fn copy_in(conn: &mut diesel::PgConnection, written: &Written) -> anyhow::Result<f64> {
    use diesel::prelude::ExecuteCopyFromDsl as _;
    use incidents::db::schema::{establishment_revisions, establishments};
    use shared::events::schema::{deliveries, outbox_events};
    fn write(
        bytes: &[u8],
    ) -> impl Fn(&mut dyn std::io::Write) -> Result<(), diesel::result::Error> + '_ {
        move |w| {
            w.write_all(bytes)
                .map_err(|e| diesel::result::Error::SerializationError(Box::new(e)))
        }
    }
    let [e, r, o, d] = &written.0[..] else {
        anyhow::bail!("four tables expected");
    };
    reset(conn)?;
    let began = Instant::now();
    conn.transaction(|c| {
        diesel::copy_from(establishments::table)
            .from_raw_data(establishments::table, write(e))
            .execute(c)?;
        diesel::copy_from(establishment_revisions::table)
            .from_raw_data(establishment_revisions::table, write(r))
            .execute(c)?;
        diesel::copy_from(outbox_events::table)
            .from_raw_data(outbox_events::table, write(o))
            .execute(c)?;
        diesel::copy_from(deliveries::table)
            .from_raw_data(deliveries::table, write(d))
            .execute(c)?;
        Ok::<_, diesel::result::Error>(())
    })?;
    Ok(began.elapsed().as_secs_f64())
}

/// Seconds from now until no delivery is pending (the events reached health-stats).
async fn backlog_cleared(url: &str) -> anyhow::Result<f64> {
    let began = Instant::now();
    let mut conn = diesel::PgConnection::establish(url)?;
    loop {
        #[derive(diesel::QueryableByName)]
        struct Pending {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        let pending: Pending =
            diesel::sql_query("SELECT count(*) AS n FROM deliveries WHERE status = 'pending'")
                .get_result(&mut conn)?;
        if pending.n == 0 {
            return Ok(began.elapsed().as_secs_f64());
        }
        anyhow::ensure!(
            began.elapsed() < Duration::from_secs(600),
            "{} deliveries still pending after 10 minutes",
            pending.n
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

pub async fn run(rows: u32, pairs: usize) -> anyhow::Result<()> {
    let keys = TestKeys::new()?;
    let suite = suite(&keys).await?;
    let base = suite.base.clone();
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(600))
        .build()?;
    let token = keys.token(Role::Admin, None);
    let body = csv(rows);
    println!("{rows} rows, {:.1} MB of CSV", body.len() as f64 / 1e6);
    println!(
        "resident memory before the first import: {}",
        resident_memory()
    );

    println!("dry run:");
    let (job, dry_seconds) = import(&client, &base, &token, &body, true).await?;
    let written = count(&client, &base, &token).await?;
    anyhow::ensure!(written == 0, "the dry run wrote {written} establishments");
    println!(
        "dry run: {dry_seconds:.1} s, {} would be created, {} rejected, nothing written",
        summary(&job, "created"),
        summary(&job, "rejected")
    );

    let postgres = suite.incidents_url.starts_with("postgres");
    let mut pg = if postgres {
        Some(diesel::PgConnection::establish(&suite.incidents_url)?)
    } else {
        println!("(SQLite: the COPY baseline needs PostgreSQL, BENCH_DATABASE_URL)");
        None
    };
    let (mut api, mut copy, mut backlog, mut loads) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut last: Option<Written> = None;
    for pair in 0..pairs.max(1) {
        // Alternate which side goes first; the baseline copies the rows the last
        // import wrote, so the first pair starts with the import.
        let copy_first = pair % 2 == 1 && last.is_some();
        if copy_first && let (Some(conn), Some(written)) = (pg.as_mut(), last.as_ref()) {
            copy.push(f64::from(rows) / copy_in(conn, written)?);
        }
        if let Some(conn) = pg.as_mut() {
            reset(conn)?;
        }
        let (job, seconds) = import(&client, &base, &token, &body, false).await?;
        // Every tax code of the file is new (the generator never repeats one).
        let created = summary(&job, "created");
        anyhow::ensure!(
            created == u64::from(rows) - 1 && summary(&job, "rejected") == 1,
            "unexpected summary: {}",
            job.pointer("/summary").cloned().unwrap_or_default()
        );
        api.push(f64::from(rows) / seconds);
        if postgres {
            backlog.push(backlog_cleared(&suite.incidents_url).await?);
        }
        if let Some(conn) = pg.as_mut() {
            let written = copy_out(&suite.incidents_url)?;
            if !copy_first {
                copy.push(f64::from(rows) / copy_in(conn, &written)?);
            }
            last = Some(written);
        }
        loads.push(crate::ratio::load_average());
        println!(
            "pair {}: import {:.0} rows/s{}{}, resident memory {}, load {}",
            pair + 1,
            api.last().copied().unwrap_or(0.0),
            copy.last()
                .map(|c| format!(", COPY {c:.0} rows/s"))
                .unwrap_or_default(),
            backlog
                .last()
                .map(|b| format!(", event backlog cleared {b:.1} s after the job"))
                .unwrap_or_default(),
            resident_memory(),
            loads.last().cloned().unwrap_or_default()
        );
    }
    // What the process keeps once the imports are over: the allocator returns freed
    // pages after a second idle (src/allocator.rs), so read again a little later.
    tokio::time::sleep(Duration::from_secs(5)).await;
    println!(
        "resident memory 5 s after the last import: {}",
        resident_memory()
    );
    let (api, copy) = (crate::ratio::median(api), crate::ratio::median(copy));
    println!(
        "import: median {api:.0} rows/s over {} run(s), load average {}",
        pairs.max(1),
        loads.join("/")
    );
    if let Some(written) = &last {
        println!(
            "COPY of the same {} rows into {}: median {copy:.0} file rows/s; ratio {:.2} (target ≥ 0.3); \
             event backlog cleared in {:.1} s (median, target ≤ 10 s)",
            written.rows(),
            WRITTEN.join(", "),
            if copy > 0.0 { api / copy } else { 0.0 },
            crate::ratio::median(backlog)
        );
    }
    Ok(())
}
