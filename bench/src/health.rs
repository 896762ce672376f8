//! `health-statistics`: REPORTS occupational-health reports over two years (2024 and
//! 2025, one per establishment and year, their figures from the demo generator) and
//! CASES occupational-disease cases, loaded with the counters the service keeps —
//! built by its own contribution functions — folded through the last day as the
//! service's background fold does (`fold_counters`), then `GET /api/v1/health-statistics`
//! timed over HTTP.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use diesel::Connection;
use health_stats::db::establishments::EstablishmentRow;
use health_stats::db::models::{DiseaseCaseRow, HealthReportRow};
use health_stats::domain::health_statistics::{self as stats, Counters, Dims, StatKey};
use shared::auth::Role;
use shared::testing::{TestKeys, settings};

use atvsld::demo::establishments::{self, Communes};
use atvsld::demo::health as generator;
use atvsld::demo::rng::Rng;

use crate::percentile;

pub async fn run(reports: u64, cases: u64) -> anyhow::Result<()> {
    let db = crate::bench_database()?;
    let keys = TestKeys::new()?;
    let (app_db, _) = health_stats::SERVICE.connect_and_migrate(&settings(&db, &keys).database)?;
    let seed = Rng::new(atvsld::demo::DEFAULT_SEED);
    let population = establishments::generate(
        &mut seed.fork("establishments"),
        &Communes::load(),
        usize::try_from(reports / 2).unwrap_or(0).max(1),
    );
    let mut rng = seed.fork("health");
    let today = shared::time::today();
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
    let establishments = population.len() as u64;
    let mut examined_total: u64 = 0;
    let mut loaded = 0;
    while loaded < reports {
        let n = 5_000.min(reports - loaded);
        conn.transaction(|conn| {
            for i in loaded..loaded + n {
                let n_est = i % establishments.max(1);
                let year = 2024 + i64::try_from(i / establishments.max(1)).unwrap_or(0).min(1);
                let Some(e) = population.get(usize::try_from(n_est).unwrap_or(0)) else {
                    continue;
                };
                if year == 2024 {
                    health_stats::db::establishments::upsert(
                        conn,
                        &EstablishmentRow {
                            tax_code: e.tax_code.clone(),
                            name: e.name.clone(),
                            commune_code: Some(e.commune_code.clone()),
                            vsic_section: Some(e.sector.section.to_owned()),
                            ownership_type: Some(e.ownership_type.to_owned()),
                            updated_at: now,
                        },
                    )?;
                }
                let coverage = rng.between(0.45, 0.9);
                let figures = generator::annual_figures(&mut rng, e, coverage);
                examined_total += u64::from(figures.bnn_examined);
                let row = HealthReportRow {
                    id: uuid::Uuid::now_v7().to_string(),
                    period: year.to_string(),
                    tax_code: e.tax_code.clone(),
                    commune_code: Some(e.commune_code.clone()),
                    vsic_section: Some(e.sector.section.to_owned()),
                    ownership_type: Some(e.ownership_type.to_owned()),
                    nil_report: false,
                    figures: serde_json::to_string(&figures).ok(),
                    due_on: None,
                    first_received_at: now,
                    received_at: now,
                    on_time: true,
                    submitted_by: "bench".into(),
                    version: 1,
                };
                shared::filing::Filing::insert(&row, conn)?;
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
    let mut people = std::collections::HashSet::new();
    while loaded < cases {
        let n = 10_000.min(cases - loaded);
        conn.transaction(|conn| {
            for _ in loaded..loaded + n {
                let index = usize::try_from(rng.below(establishments.max(1))).unwrap_or(0);
                let Some(e) = population.get(index) else {
                    continue;
                };
                // Sectors without a typical disease still have noise-induced deafness.
                let code = rng.pick(e.sector.diseases).copied().unwrap_or("BNN-18");
                let year = 2024 + i32::from(rng.below(2) == 1);
                let case = loop {
                    // One case per person and disease (a constraint of the table).
                    let case = generator::disease_case(&mut rng, index, code, year, today);
                    if people.insert((case.person.personal_id.clone(), code)) {
                        break case;
                    }
                };
                let row = DiseaseCaseRow {
                    id: uuid::Uuid::now_v7().to_string(),
                    personal_id: case.person.personal_id.clone(),
                    full_name: case.person.full_name.clone(),
                    gender: if case.person.female { "female" } else { "male" }.into(),
                    birth_date: Some(case.birth_date),
                    tax_code: e.tax_code.clone(),
                    commune_code: Some(e.commune_code.clone()),
                    vsic_section: Some(e.sector.section.to_owned()),
                    ownership_type: Some(e.ownership_type.to_owned()),
                    disease_code: code.to_owned(),
                    exposure_factor: Some(case.exposure_factor.to_owned()),
                    diagnosed_on: case.diagnosed_on,
                    diagnosis_facility: case.facility.to_owned(),
                    capacity_loss_percent: case.capacity_loss_percent.map(i64::from),
                    assessed_on: case.assessed_on,
                    status: if case.assessed_on.is_some() {
                        "assessed"
                    } else {
                        "diagnosed"
                    }
                    .into(),
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
                    case.diagnosed_on
                        + chrono::Duration::days(i64::try_from(rng.below(5)).unwrap_or(0)),
                    stats::case_contributions(case.diagnosed_on, &row.disease_code, &dims),
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
    // As the service's background fold leaves them: every day loaded is in the totals.
    let folded = match by_day.keys().next_back() {
        Some(last) => health_stats::service::counters::fold_counters(&mut conn, *last)
            .map_err(|e| anyhow::anyhow!("fold: {e:?}"))?,
        None => 0,
    };
    drop(conn);
    println!(
        "{cases} cases, {rows} counter rows and {folded} folded totals loaded in {:.0} s",
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
