//! `cargo run --release -p atvsld-bench -- accident-statistics [ACCIDENTS]`
//! `cargo run --release -p atvsld-bench -- health-statistics [REPORTS] [CASES]`
//!
//! (`health-statistics` is in [`health`].)
//!
//! Loads ACCIDENTS (default 1,000,000) generated accidents with their casualties into a
//! fresh database (SQLite in a temporary folder, or PostgreSQL when
//! `BENCH_DATABASE_URL` names a server where databases may be created), with the
//! statistics counters the service keeps — built by the service's own
//! `contributions` and `delta` functions — then starts the real incidents service and
//! times `GET /api/v1/accident-statistics` over HTTP. Prints p50/p95/max per query.
#![allow(clippy::print_stdout)] // a benchmark reports on stdout

mod health;
mod import;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use chrono::{Duration as Days, NaiveDate, NaiveDateTime};
use diesel::Connection;
use incidents::db::models::{AccidentRow, CasualtyRow};
use incidents::domain::statistics::{self, Counters, StatKey};
use shared::auth::Role;
use shared::testing::{TestDatabase, TestKeys, settings};

/// xorshift64*: reproducible data without a dependency.
pub(crate) struct Rng(pub(crate) u64);

impl Rng {
    pub(crate) fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    pub(crate) fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    pub(crate) fn pick<'a>(&mut self, items: &'a [&'a str]) -> &'a str {
        let i = usize::try_from(self.below(items.len() as u64)).unwrap_or(0);
        items.get(i).copied().unwrap_or_default()
    }
}

pub(crate) const SECTIONS: [&str; 21] = [
    "A", "B", "C", "D", "E", "F", "G", "H", "I", "J", "K", "L", "M", "N", "O", "P", "Q", "R", "S",
    "T", "U",
];
pub(crate) const OWNERSHIP: [&str; 8] = ["1", "2", "3", "4", "5", "6", "7", "9"];
const SEVERITY: [&str; 6] = ["minor", "minor", "minor", "minor", "serious", "fatal"];
const FACTORS: [&str; 10] = ["01", "02", "03", "04", "05", "06", "07", "08", "09", "10"];

fn accident(
    rng: &mut Rng,
    communes: &[&str],
    start: NaiveDateTime,
    span_minutes: u64,
) -> (AccidentRow, Vec<CasualtyRow>) {
    let occurred = start + Days::minutes(i64::try_from(rng.below(span_minutes)).unwrap_or(0));
    let id = uuid::Uuid::now_v7().to_string();
    let victims = 1 + usize::from(rng.below(10) == 0) + usize::from(rng.below(30) == 0);
    let casualties: Vec<CasualtyRow> = (0..victims)
        .map(|i| CasualtyRow {
            id: uuid::Uuid::now_v7().to_string(),
            accident_id: id.clone(),
            position: i64::try_from(i).unwrap_or(0),
            personal_id: format!("004090{:06}", rng.below(1_000_000)),
            full_name: "Bench".into(),
            gender: if rng.below(5) == 0 { "female" } else { "male" }.into(),
            birth_date: None,
            birth_year: 1970 + i64::try_from(rng.below(35)).unwrap_or(0),
            occupation_code: None,
            contract_type: "indefinite".into(),
            severity: rng.pick(&SEVERITY).into(),
            injury_codes: String::new(),
            days_off: i64::try_from(rng.below(60)).unwrap_or(0),
            cost_medical: i64::try_from(rng.below(50_000)).unwrap_or(0),
            cost_wages: i64::try_from(rng.below(20_000)).unwrap_or(0),
            cost_compensation: 0,
        })
        .collect();
    let no_contract = rng.below(8) == 0;
    let row = AccidentRow {
        id,
        sector: if no_contract {
            "without_labour_contract"
        } else {
            "with_labour_relation"
        }
        .into(),
        establishment_id: None,
        establishment_tax_code: None,
        vsic_section: (!no_contract).then(|| rng.pick(&SECTIONS).to_owned()),
        ownership_type: (!no_contract).then(|| rng.pick(&OWNERSHIP).to_owned()),
        reporting_commune: None,
        commune_code: rng.pick(communes).to_owned(),
        place: "bench".into(),
        occurred_at: occurred,
        notified_at: occurred,
        description: "bench".into(),
        injury_factor_code: Some(rng.pick(&FACTORS).to_owned()),
        cause_codes: format!("{}", 1 + rng.below(9)),
        commute_accident: false,
        police_notified_at: None,
        needs_examination: false,
        case_severity: "minor".into(),
        requires_immediate_declaration: false,
        requires_police_notice: false,
        investigation_level: "employer".into(),
        investigation_days: 4,
        extension_days: None,
        deadline_at: occurred,
        status: "closed".into(),
        external_ref: None,
        external_ref_owner: None,
        created_by: "bench".into(),
        version: 1,
        created_at: occurred,
        updated_at: occurred,
    };
    (row, casualties)
}

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
    if which == "establishment-import" {
        let rows = args
            .next()
            .map(|a| a.parse())
            .transpose()?
            .unwrap_or(100_000);
        return import::run(rows).await;
    }
    anyhow::ensure!(
        which == "accident-statistics",
        "unknown benchmark {which:?}; try accident-statistics, health-statistics or establishment-import"
    );
    let count: u64 = args
        .next()
        .map(|a| a.parse())
        .transpose()?
        .unwrap_or(1_000_000);

    let db = bench_database()?;
    let keys = TestKeys::new()?;
    let (app_db, _) = incidents::SERVICE.connect_and_migrate(&settings(&db, &keys).database)?;

    let communes: Vec<&str> = shared::refdata::admin_units_in_force(shared::time::today())
        .map(|u| u.code.as_str())
        .collect();
    let start = NaiveDate::from_ymd_opt(2021, 1, 1)
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .unwrap_or_default();
    let span_minutes = 5 * 365 * 24 * 60;
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let began = Instant::now();
    let mut deltas: BTreeMap<(NaiveDate, StatKey), Counters> = BTreeMap::new();
    let mut conn = app_db.get().map_err(|e| anyhow::anyhow!("{e}"))?;
    let batch = 10_000;
    let mut loaded = 0;
    while loaded < count {
        let n = batch.min(count - loaded);
        conn.transaction(|conn| {
            for _ in 0..n {
                let (row, casualties) = accident(&mut rng, &communes, start, span_minutes);
                incidents::db::accidents::insert(conn, &row, &casualties)?;
                // Declared within three days of the accident: the day the counters changed.
                let changed_on =
                    row.occurred_at.date() + Days::days(i64::try_from(rng.below(4)).unwrap_or(0));
                for (key, c) in
                    statistics::delta(&[], &statistics::contributions(&row, &casualties))
                {
                    let entry = deltas.entry((changed_on, key)).or_default();
                    *entry = entry.plus(c);
                }
            }
            Ok::<_, diesel::result::Error>(())
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
    drop(conn);
    println!(
        "{count} accidents and {rows} counter rows loaded in {:.0} s",
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
