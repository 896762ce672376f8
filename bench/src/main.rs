//! `cargo run --release -p atvsld-bench -- accident-statistics [ACCIDENTS]`
//! `cargo run --release -p atvsld-bench -- health-statistics [REPORTS] [CASES]`
//!
//! `cargo run --release -p atvsld-bench -- ratio [SECONDS] [PAIRS]`
//! `cargo run --release -p atvsld-bench -- burst [SECONDS] [ROUNDS]`
//! `cargo run --release -p atvsld-bench -- import-memory [ROWS] [IMPORTS]`
//!
//! (`health-statistics` is in [`health`], `ratio` — the API against its own database
//! work — and `burst` — the event backlog after 16 clients' declarations — in
//! [`ratio`]; `establishment-import` in [`import`], `import-memory` — the memory of
//! `atvsld up` as a child process after imports — in [`memory`].)
//!
//! Loads ACCIDENTS (default 1,000,000) generated accidents with their casualties into a
//! fresh database (SQLite in a temporary folder, or PostgreSQL when
//! `BENCH_DATABASE_URL` names a server where databases may be created), with the
//! statistics counters the service keeps — built by the service's own
//! `contributions` and `delta` functions — folded through the last day as the
//! service's background fold does (`fold_counters`), then starts the real incidents service and
//! times `GET /api/v1/accident-statistics` over HTTP. Prints p50/p95/max per query.
#![allow(clippy::print_stdout)] // a benchmark reports on stdout

mod health;
mod import;
mod memory;
mod ratio;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use atvsld::demo::accidents::{Accident, AccidentStream};
use atvsld::demo::establishments::{self, Communes, Establishment};
use atvsld::demo::rng::Rng;
use chrono::{Duration as Days, NaiveDate};
use diesel::Connection;
use incidents::db::models::{AccidentRow, CasualtyRow};
use incidents::domain::accident::{self as rules, DeadlineRules, Severity};
use incidents::domain::statistics::{self, Counters, StatKey};
use shared::auth::Role;
use shared::testing::{TestDatabase, TestKeys, settings};

/// The accident as the service stores it: the values the demo generator gives,
/// what the service derives from them, and a status that has run its course.
fn rows(a: &Accident, establishments: &[Establishment]) -> (AccidentRow, Vec<CasualtyRow>) {
    let id = uuid::Uuid::now_v7().to_string();
    let utc = |t: chrono::DateTime<chrono::FixedOffset>| t.naive_utc();
    let casualties: Vec<CasualtyRow> = a
        .casualties
        .iter()
        .enumerate()
        .map(|(i, c)| CasualtyRow {
            id: uuid::Uuid::now_v7().to_string(),
            accident_id: id.clone(),
            position: i64::try_from(i).unwrap_or(0),
            personal_id: c.person.personal_id.clone(),
            full_name: c.person.full_name.clone(),
            gender: if c.person.female { "female" } else { "male" }.into(),
            birth_date: None,
            birth_year: i64::from(c.person.birth_year),
            occupation_code: Some(c.occupation_code.to_owned()),
            contract_type: serde_json::to_value(c.contract_type)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default(),
            severity: c.severity.as_str().into(),
            injury_codes: c.injury_codes.join(","),
            days_off: i64::from(c.days_off),
            cost_medical: i64::from(c.cost_medical),
            cost_wages: i64::from(c.cost_wages),
            cost_compensation: i64::from(c.cost_compensation),
            id_type: "personal_id".into(),
            nationality: "VN".into(),
        })
        .collect();
    let employer = a.establishment.and_then(|i| establishments.get(i));
    let severities: Vec<Severity> = a.casualties.iter().map(|c| c.severity).collect();
    let class = rules::classify(
        a.sector(),
        &severities,
        a.needs_examination,
        &DeadlineRules::default(),
    );
    let row = AccidentRow {
        id,
        sector: a.sector().as_str().into(),
        establishment_id: None,
        establishment_tax_code: employer.map(|e| e.tax_code.clone()),
        vsic_section: employer.map(|e| e.sector.section.to_owned()),
        ownership_type: employer.map(|e| e.ownership_type.to_owned()),
        reporting_commune: None,
        commune_code: a.place_commune.clone(),
        place: a.place.clone(),
        occurred_at: utc(a.occurred_at),
        notified_at: utc(a.notified_at),
        description: a.description.clone(),
        injury_factor_code: a.injury_factor.map(str::to_owned),
        cause_codes: a.causes.join(","),
        commute_accident: a.commute,
        police_notified_at: a.police_notified_at.map(utc),
        needs_examination: a.needs_examination,
        case_severity: class.case_severity.as_str().into(),
        requires_immediate_declaration: class.requires_immediate_declaration,
        requires_police_notice: class.requires_police_notice,
        investigation_level: class.investigation_level.as_str().into(),
        investigation_days: class.investigation_days,
        extension_days: None,
        deadline_at: rules::deadline(a.notified_at.to_utc(), class.investigation_days, None)
            .naive_utc(),
        status: "closed".into(),
        external_ref: None,
        external_ref_owner: None,
        created_by: "bench".into(),
        version: 1,
        created_at: utc(a.notified_at),
        updated_at: utc(a.notified_at),
    };
    (row, casualties)
}

/// Establishments the benchmarks draw from: enough that every commune, section and
/// ownership type has many.
pub(crate) const ESTABLISHMENTS: usize = 20_000;

pub(crate) fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted.get(index).copied().unwrap_or_default()
}

/// A fresh database: on the PostgreSQL server of `BENCH_DATABASE_URL`, else SQLite in a
/// temporary folder.
pub(crate) fn bench_database() -> anyhow::Result<TestDatabase> {
    match std::env::var("BENCH_DATABASE_URL") {
        Ok(url) => {
            println!(
                "database: PostgreSQL ({})",
                url.split('@').next_back().unwrap_or("?")
            );
            TestDatabase::on_postgres(&url)
        }
        Err(_) => TestDatabase::new(),
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let which = args.next().unwrap_or_else(|| "accident-statistics".into());
    if which == "health-statistics" {
        let reports = args
            .next()
            .map(|a| a.parse())
            .transpose()?
            .unwrap_or(43_000);
        let cases = args
            .next()
            .map(|a| a.parse())
            .transpose()?
            .unwrap_or(200_000);
        return health::run(reports, cases).await;
    }
    if which == "ratio" {
        let seconds = args.next().map(|a| a.parse()).transpose()?.unwrap_or(10);
        let pairs = args.next().map(|a| a.parse()).transpose()?.unwrap_or(3);
        return ratio::run(seconds, pairs).await;
    }
    if which == "burst" {
        let seconds = args.next().map(|a| a.parse()).transpose()?.unwrap_or(20);
        let rounds = args.next().map(|a| a.parse()).transpose()?.unwrap_or(3);
        return ratio::burst(seconds, rounds).await;
    }
    if which == "establishment-import" {
        let rows = args
            .next()
            .map(|a| a.parse())
            .transpose()?
            .unwrap_or(100_000);
        let pairs = args.next().map(|a| a.parse()).transpose()?.unwrap_or(3);
        return import::run(rows, pairs).await;
    }
    if which == "import-memory" {
        let rows = args
            .next()
            .map(|a| a.parse())
            .transpose()?
            .unwrap_or(20_000);
        let imports = args.next().map(|a| a.parse()).transpose()?.unwrap_or(3);
        return memory::run(rows, imports).await;
    }
    anyhow::ensure!(
        which == "accident-statistics",
        "unknown benchmark {which:?}; try accident-statistics, health-statistics, establishment-import, import-memory, ratio or burst"
    );
    let count: u64 = args
        .next()
        .map(|a| a.parse())
        .transpose()?
        .unwrap_or(1_000_000);

    let db = bench_database()?;
    let keys = TestKeys::new()?;
    let (app_db, _) = incidents::SERVICE.connect_and_migrate(&settings(&db, &keys).database)?;

    // The demo's generator at scale: its establishments, its accident stream over
    // five years (before July 2025 in the communes of the time, as declared then).
    let communes = Communes::load();
    let seed = Rng::new(atvsld::demo::DEFAULT_SEED);
    let population =
        establishments::generate(&mut seed.fork("establishments"), &communes, ESTABLISHMENTS);
    let mut stream = AccidentStream::new(
        seed.fork("accidents"),
        &population,
        &communes,
        NaiveDate::from_ymd_opt(2021, 1, 1).unwrap_or_default(),
        NaiveDate::from_ymd_opt(2025, 12, 31).unwrap_or_default(),
        0.23,
        chrono::Utc::now(),
    );
    let mut rng = seed.fork("change days");
    let began = Instant::now();
    let mut deltas: BTreeMap<(NaiveDate, StatKey), Counters> = BTreeMap::new();
    let mut conn = app_db.get().map_err(|e| anyhow::anyhow!("{e}"))?;
    let batch = 10_000;
    let mut loaded = 0;
    while loaded < count {
        let n = batch.min(count - loaded);
        conn.transaction(|conn| {
            for _ in 0..n {
                let accident = stream.next().context("the accident stream is endless")?;
                let (row, casualties) = rows(&accident, &population);
                incidents::db::accidents::insert(conn, &row, &casualties)?;
                // Declared within three days of the accident: the day the counters changed.
                let changed_on =
                    row.occurred_at.date() + Days::days(i64::try_from(rng.below(4)).unwrap_or(0));
                for (key, c) in statistics::delta(
                    &[],
                    &incidents::service::statistics::contributions(&row, &casualties)?,
                ) {
                    let entry = deltas.entry((changed_on, key)).or_default();
                    *entry = entry.plus(c);
                }
            }
            Ok::<_, anyhow::Error>(())
        })?;
        loaded += n;
        if loaded % 100_000 == 0 || loaded == count {
            println!(
                "loaded {loaded} accidents ({:.0} s)",
                began.elapsed().as_secs_f64()
            );
        }
    }
    // The counters end exactly as the service's per-write upserts would leave them.
    let mut by_day: BTreeMap<NaiveDate, Vec<(StatKey, Counters)>> = BTreeMap::new();
    for ((day, key), c) in deltas {
        by_day.entry(day).or_default().push((key, c));
    }
    let rows: usize = by_day.values().map(Vec::len).sum();
    conn.transaction(|conn| {
        for (day, changes) in &by_day {
            incidents::db::statistics::apply(conn, *day, changes)?;
        }
        Ok::<_, diesel::result::Error>(())
    })?;
    // As the service's background fold leaves them: every day loaded is in the totals.
    let folded = match by_day.keys().next_back() {
        Some(last) => incidents::service::statistics::fold_counters(&mut conn, *last)
            .map_err(|e| anyhow::anyhow!("fold: {e:?}"))?,
        None => 0,
    };
    drop(conn);
    println!(
        "{count} accidents, {rows} counter rows and {folded} folded totals loaded in {:.0} s",
        began.elapsed().as_secs_f64()
    );

    let app =
        shared::server::Application::build(&incidents::SERVICE, &settings(&db, &keys)).await?;
    let base = format!("http://127.0.0.1:{}", app.port());
    tokio::spawn(app.run_until_stopped());
    let client = reqwest::Client::new();
    let token = keys.token(Role::LaborAuthority, None);
    let queries = [
        "period=2024",
        "period=2024&group_by=commune",
        "period=2024-H1&group_by=vsic_section",
        "period=2025&group_by=cause&sector=with_labour_relation",
        "period=2025&group_by=month",
        "period=2025&group_by=ownership_type&as_of=2025-07-01",
    ];
    println!(
        "{:<60} {:>9} {:>9} {:>9}",
        "GET /api/v1/accident-statistics?…", "p50 ms", "p95 ms", "max ms"
    );
    for query in queries {
        let url = format!("{base}/api/v1/accident-statistics?{query}");
        let mut times = Vec::new();
        for i in 0..105 {
            let t = Instant::now();
            let res = client.get(&url).bearer_auth(&token).send().await?;
            anyhow::ensure!(res.status().is_success(), "{query}: {}", res.status());
            let body: serde_json::Value = res.json().await?;
            if i >= 5 {
                times.push(t.elapsed());
            } else if i == 0 {
                anyhow::ensure!(
                    body.pointer("/total/figures/cases")
                        .and_then(serde_json::Value::as_i64)
                        .unwrap_or(0)
                        > 0
                        || query.contains("as_of"),
                    "no data for {query}"
                );
            }
        }
        times.sort();
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        println!(
            "{query:<60} {:>9.2} {:>9.2} {:>9.2}",
            ms(percentile(&times, 0.5)),
            ms(percentile(&times, 0.95)),
            ms(times.last().copied().unwrap_or_default())
        );
    }
    Ok(())
}
