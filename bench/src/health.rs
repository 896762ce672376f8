//! `health-statistics`: REPORTS occupational-health reports over two years (about 235
//! workers examined for occupational disease each, so the default 43,000 reports hold
//! about 10 million examined-worker counts) and CASES occupational-disease cases,
//! loaded with the counters the service keeps — built by its own contribution
//! functions — then `GET /api/v1/health-statistics` timed over HTTP.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use diesel::Connection;
use health_stats::db::establishments::EstablishmentRow;
use health_stats::db::models::{DiseaseCaseRow, HealthReportRow};
use health_stats::domain::health_report::{DiseaseCount, Headcount, HealthFigures};
use health_stats::domain::health_statistics::{self as stats, Counters, Dims, StatKey};
use shared::auth::Role;
use shared::testing::{TestKeys, settings};

use crate::{OWNERSHIP, Rng, SECTIONS, percentile};

pub async fn run(reports: u64, cases: u64) -> anyhow::Result<()> {
    let db = crate::bench_database()?;
    let keys = TestKeys::new()?;
    let (app_db, _) = health_stats::SERVICE.connect_and_migrate(&settings(&db, &keys).database)?;
    let communes: Vec<&str> = shared::refdata::admin_units_in_force(shared::time::today())
        .map(|u| u.code.as_str())
        .collect();
    let diseases: Vec<&str> = shared::refdata::occupational_diseases()
        .iter()
        .map(|d| d.code.as_str())
        .collect();
    let mut rng = Rng(0x2545_F491_4F6C_DD1D);
    let began = Instant::now();
    let mut counters: BTreeMap<(NaiveDate, StatKey), Counters> = BTreeMap::new();
    let mut add = |day: NaiveDate, parts: Vec<(StatKey, Counters)>| {
        for (key, c) in parts {
            let entry = counters.entry((day, key)).or_default();
            *entry = entry.plus(c);
        }
    };
    let mut conn = app_db.get().map_err(|e| anyhow::anyhow!("{e}"))?;
    let now = shared::db::now();
    let establishments = reports / 2;
    let mut examined_total: u64 = 0;
    let mut loaded = 0;
    while loaded < reports {
        let n = 5_000.min(reports - loaded);
        conn.transaction(|conn| {
            for i in loaded..loaded + n {
                let n_est = i % establishments.max(1);
                let year = 2024 + i64::try_from(i / establishments.max(1)).unwrap_or(0).min(1);
                let tax_code = format!("T{n_est:09}");
                let commune = communes
                    .get(usize::try_from(n_est).unwrap_or(0) % communes.len().max(1))
                    .copied()
                    .unwrap_or_default();
                let section = rng.pick(&SECTIONS).to_owned();
                let ownership = rng.pick(&OWNERSHIP).to_owned();
                if year == 2024 {
                    health_stats::db::establishments::upsert(
                        conn,
                        &EstablishmentRow {
                            tax_code: tax_code.clone(),
                            name: "Bench".into(),
                            commune_code: Some(commune.to_owned()),
                            vsic_section: Some(section.clone()),
                            ownership_type: Some(ownership.clone()),
                            updated_at: now,
                        },
                    )?;
                }
                let workers = 200 + u32::try_from(rng.below(200)).unwrap_or(0);
                let examined = 150
                    + u32::try_from(rng.below(200))
                        .unwrap_or(0)
                        .min(workers - 150);
                examined_total += u64::from(examined);
                let figures = HealthFigures {
                    workers: Headcount {
                        total: workers,
                        female: workers / 4,
                    },
                    hazardous_workers: Headcount {
                        total: examined,
                        female: 0,
                    },
                    periodic_exams: workers,
                    exposed_workers: examined,
                    bnn_examined: examined,
                    bnn_by_disease: vec![DiseaseCount {
                        disease_code: rng.pick(&diseases).to_owned(),
                        suspected: 2,
                        confirmed: 1,
                    }],
                    ..HealthFigures::default()
                };
                let row = HealthReportRow {
                    id: uuid::Uuid::now_v7().to_string(),
                    period: year.to_string(),
                    tax_code,
                    commune_code: Some(commune.to_owned()),
                    vsic_section: Some(section),
                    ownership_type: Some(ownership),
                    nil_report: false,
                    figures: serde_json::to_string(&figures).ok(),
                    due_on: None,
                    first_received_at: now,
                    received_at: now,
                    on_time: true,
                    submitted_by: "bench".into(),
                    version: 1,
                };
                health_stats::db::health_reports::insert(conn, &row)?;
                let dims = Dims {
                    commune: row.commune_code.as_deref(),
                    vsic_section: row.vsic_section.as_deref(),
                    ownership_type: row.ownership_type.as_deref(),
                };
                let day = NaiveDate::from_ymd_opt(
                    i32::try_from(year).unwrap_or(2024) + 1,
                    1,
                    1 + u32::try_from(rng.below(9)).unwrap_or(0),
                )
                .unwrap_or_default();
                add(
                    day,
                    stats::report_contributions(&row.period, &dims, Some(&figures)),
                );
            }
            Ok::<_, diesel::result::Error>(())
        })?;
        loaded += n;
    }
    println!(
        "{reports} reports holding {examined_total} examined-worker counts loaded ({:.0} s)",
        began.elapsed().as_secs_f64()
    );
    let mut loaded = 0;
    while loaded < cases {
        let n = 10_000.min(cases - loaded);
        conn.transaction(|conn| {
            for i in loaded..loaded + n {
                let n_est = rng.below(establishments.max(1));
                let diagnosed_on =
                    NaiveDate::from_ymd_opt(2024 + i32::from(rng.below(2) == 1), 1, 1)
                        .unwrap_or_default()
                        + chrono::Duration::days(i64::try_from(rng.below(365)).unwrap_or(0));
                let commune = communes
                    .get(usize::try_from(n_est).unwrap_or(0) % communes.len().max(1))
                    .copied()
                    .unwrap_or_default();
                let row = DiseaseCaseRow {
                    id: uuid::Uuid::now_v7().to_string(),
                    personal_id: format!("{i:012}"),
                    full_name: "Bench".into(),
                    gender: "male".into(),
                    birth_date: None,
                    tax_code: format!("T{n_est:09}"),
                    commune_code: Some(commune.to_owned()),
                    vsic_section: Some(rng.pick(&SECTIONS).to_owned()),
                    ownership_type: Some(rng.pick(&OWNERSHIP).to_owned()),
                    disease_code: rng.pick(&diseases).to_owned(),
                    exposure_factor: None,
                    diagnosed_on,
                    diagnosis_facility: "Bench".into(),
                    capacity_loss_percent: None,
                    assessed_on: None,
                    status: "diagnosed".into(),
                    created_by: "bench".into(),
                    version: 1,
                    created_at: now,
                    updated_at: now,
                };
                health_stats::db::disease_cases::insert(conn, &row)?;
                let dims = Dims {
                    commune: row.commune_code.as_deref(),
                    vsic_section: row.vsic_section.as_deref(),
                    ownership_type: row.ownership_type.as_deref(),
                };
                add(
                    diagnosed_on + chrono::Duration::days(i64::try_from(rng.below(5)).unwrap_or(0)),
                    stats::case_contributions(diagnosed_on, &row.disease_code, &dims),
                );
            }
            Ok::<_, diesel::result::Error>(())
        })?;
        loaded += n;
    }
    let mut by_day: BTreeMap<NaiveDate, Vec<(StatKey, Counters)>> = BTreeMap::new();
    for ((day, key), c) in counters {
        by_day.entry(day).or_default().push((key, c));
    }
    let rows: usize = by_day.values().map(Vec::len).sum();
    conn.transaction(|conn| {
        for (day, changes) in &by_day {
            health_stats::db::health_statistics::apply(conn, *day, changes)?;
        }
        Ok::<_, diesel::result::Error>(())
    })?;
    drop(conn);
    println!(
        "{cases} cases and {rows} counter rows loaded in {:.0} s",
        began.elapsed().as_secs_f64()
    );

    let app =
        shared::server::Application::build(&health_stats::SERVICE, &settings(&db, &keys)).await?;
    let base = format!("http://127.0.0.1:{}", app.port());
    tokio::spawn(app.run_until_stopped());
    let client = reqwest::Client::new();
    let token = keys.token(Role::HealthAuthority, None);
    println!(
        "{:<50} {:>9} {:>9} {:>9}",
        "GET /api/v1/health-statistics?…", "p50 ms", "p95 ms", "max ms"
    );
    for query in [
        "period=2025",
        "period=2025&group_by=commune",
        "period=2025&group_by=disease",
        "period=2025&group_by=vsic_section&as_of=2025-12-31",
    ] {
        let url = format!("{base}/api/v1/health-statistics?{query}");
        let mut times = Vec::new();
        for i in 0..105 {
            let t = Instant::now();
            let res = client.get(&url).bearer_auth(&token).send().await?;
            anyhow::ensure!(res.status().is_success(), "{query}: {}", res.status());
            let body: serde_json::Value = res.json().await?;
            if i >= 5 {
                times.push(t.elapsed());
            } else if i == 0 && !query.contains("as_of") {
                let examined = body
                    .pointer("/total/workers_examined_for_bnn")
                    .and_then(serde_json::Value::as_i64)
                    .unwrap_or(0);
                anyhow::ensure!(examined > 0, "no data for {query}");
            }
        }
        times.sort();
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        println!(
            "{query:<50} {:>9.2} {:>9.2} {:>9.2}",
            ms(percentile(&times, 0.5)),
            ms(percentile(&times, 0.95)),
            ms(times.last().copied().unwrap_or_default())
        );
    }
    Ok(())
}
