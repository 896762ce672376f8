//! `atvsld-bench establishment-import [ROWS]`: a ROWS-row (default 100,000) CSV of
//! the demo generator's establishments, with Vietnamese headers and one row that
//! breaks a rule, through the
//! real incidents service's bulk endpoint as a job — first as a dry run, which must
//! write nothing, then for real — following the job's progress until it ends.
//! SQLite in a temporary folder, or PostgreSQL with `BENCH_DATABASE_URL`.

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use serde_json::Value;
use shared::auth::Role;
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
    let communes = Communes::load();
    let mut rng = Rng::new(atvsld::demo::DEFAULT_SEED).fork("import-bench");
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

/// Posts the file and follows the job; the finished job and the seconds it took.
async fn import(
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
            _ => tokio::time::sleep(Duration::from_millis(500)).await,
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

pub async fn run(rows: u32) -> anyhow::Result<()> {
    let db: TestDatabase = bench_database()?;
    let keys = TestKeys::new()?;
    let app =
        shared::server::Application::build(&incidents::SERVICE, &settings(&db, &keys)).await?;
    let base = format!("http://127.0.0.1:{}", app.port());
    tokio::spawn(app.run_until_stopped());
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(600))
        .build()?;
    let token = keys.token(Role::Admin, None);
    let body = csv(rows);
    println!("{rows} rows, {:.1} MB of CSV", body.len() as f64 / 1e6);

    println!("dry run:");
    let (job, dry_seconds) = import(&client, &base, &token, &body, true).await?;
    let written = count(&client, &base, &token).await?;
    anyhow::ensure!(written == 0, "the dry run wrote {written} establishments");
    println!(
        "dry run: {dry_seconds:.1} s, {} would be created, {} rejected, nothing written",
        summary(&job, "created"),
        summary(&job, "rejected")
    );

    println!("import:");
    let (job, seconds) = import(&client, &base, &token, &body, false).await?;
    // Every tax code of the file is new (the generator never repeats one).
    let created = summary(&job, "created");
    anyhow::ensure!(
        created == u64::from(rows) - 1 && summary(&job, "rejected") == 1,
        "unexpected summary: {}",
        job.pointer("/summary").cloned().unwrap_or_default()
    );
    println!(
        "import: {seconds:.1} s ({:.0} rows/s), {created} created, 1 rejected",
        f64::from(rows) / seconds
    );
    Ok(())
}
