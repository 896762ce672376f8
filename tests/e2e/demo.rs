//! The demo data set (issue 7, part 6): a small one loaded through the API into a
//! fresh suite gives statistics, compliance and KPIs that match what the generator
//! made; a second load is refused.

use serde_json::Value;
use shared::auth::Role;
use shared::testing::{TestDatabase, TestKeys};

use atvsld::demo::reports::{Reporter, Review};
use atvsld::demo::{DataSet, Options};
use incidents::domain::accident::Severity;

async fn get(client: &reqwest::Client, url: &str, token: &str) -> Value {
    let res = client.get(url).bearer_auth(token).send().await.unwrap();
    assert!(res.status().is_success(), "{url}: {}", res.status());
    res.json().await.unwrap()
}

fn n(v: &Value, pointer: &str) -> i64 {
    v.pointer(pointer)
        .and_then(|x| x.as_i64().or_else(|| x.as_f64().map(|f| f as i64)))
        .unwrap_or_else(|| panic!("{pointer} missing in {v}"))
}

#[tokio::test]
async fn a_small_demo_loads_and_its_figures_match_the_generator() {
    let keys = TestKeys::new().unwrap();
    let databases: Vec<TestDatabase> = (0..3).map(|_| TestDatabase::new().unwrap()).collect();
    let (ports, _handles) = super::start_suite_with_kpi_sources(&keys, &databases, 5000).await;
    let url = |i: usize| format!("http://127.0.0.1:{}", ports[i]);
    let targets = atvsld::demo::load::Targets {
        incidents: url(0),
        health_stats: url(1),
        tasks: url(2),
    };
    let today = shared::time::today();
    let data = DataSet::generate(Options {
        seed: 20,
        size: 60,
        today,
    });
    let admin = keys.token(Role::Admin, None);
    let loaded = atvsld::demo::load::load(&targets, &admin, &data, false)
        .await
        .unwrap();
    assert!(loaded.requests >= data.accidents.len());

    let client = reqwest::Client::new();
    let last = data.years[1];
    let of_last: Vec<_> = data
        .accidents
        .iter()
        .filter(|a| chrono::Datelike::year(&a.day()) == last)
        .collect();
    let deaths = |labour_only: bool| -> i64 {
        of_last
            .iter()
            .filter(|a| !labour_only || a.establishment.is_some())
            .map(|a| a.count(Severity::Fatal) as i64)
            .sum()
    };
    assert!(deaths(true) > 0, "the seed should give a death in {last}");

    // Accident statistics: the cases and deaths the generator made, at their final
    // severities (after the raises the load sent).
    let stats = get(
        &client,
        &format!(
            "{}/api/v1/accident-statistics?period={last}",
            targets.incidents
        ),
        &admin,
    )
    .await;
    assert_eq!(n(&stats, "/total/figures/cases"), of_last.len() as i64);
    assert_eq!(
        n(&stats, "/total/figures/casualties"),
        of_last
            .iter()
            .map(|a| a.casualties.len() as i64)
            .sum::<i64>()
    );
    assert_eq!(n(&stats, "/total/figures/fatal"), deaths(false));
    assert_eq!(stats["method"]["denominator_source"], "periodic_reports");

    // Employer compliance: every report was filed after its due date, so the filed
    // ones are late and the others missing.
    let annual = |r: &&atvsld::demo::reports::AccidentReport| {
        matches!(r.reporter, Reporter::Employer(_)) && r.period.to_string() == last.to_string()
    };
    let filed = data
        .accident_reports
        .iter()
        .filter(annual)
        .filter(|r| r.filed)
        .count() as i64;
    let compliance = get(
        &client,
        &format!(
            "{}/api/v1/accident-reports/compliance?period={last}&kind=employer",
            targets.incidents
        ),
        &admin,
    )
    .await;
    assert_eq!(
        n(&compliance, "/summary/expected"),
        data.establishments.len() as i64
    );
    assert_eq!(n(&compliance, "/summary/late"), filed);
    assert_eq!(n(&compliance, "/summary/on_time"), 0);
    assert_eq!(
        n(&compliance, "/summary/missing"),
        data.establishments.len() as i64 - filed
    );
    let reported_workers: i64 = data
        .accident_reports
        .iter()
        .filter(annual)
        .filter(|r| r.filed)
        .filter_map(|r| r.workers.map(|(total, _)| i64::from(total)))
        .sum();

    // Health statistics: the examined workers of the filed annual reports, the cases
    // diagnosed in the year.
    let examined: i64 = data
        .health_reports
        .iter()
        .filter(|r| r.filed && r.period.to_string() == last.to_string())
        .map(|r| i64::from(r.figures.bnn_examined))
        .sum();
    let health = get(
        &client,
        &format!(
            "{}/api/v1/health-statistics?period={last}",
            targets.health_stats
        ),
        &admin,
    )
    .await;
    assert_eq!(n(&health, "/total/workers_examined_for_bnn"), examined);
    assert_eq!(
        n(&health, "/total/figures/disease_cases"),
        data.disease_cases
            .iter()
            .filter(|c| chrono::Datelike::year(&c.diagnosed_on) == last)
            .count() as i64
    );

    // The plan's KPIs, fetched by tasks from the other two services.
    let plans = get(&client, &format!("{}/api/v1/plans", targets.tasks), &admin).await;
    let plan_id = plans["items"][0]["id"].as_str().unwrap().to_owned();
    let kpis = get(
        &client,
        &format!("{}/api/v1/plans/{plan_id}/kpis?year={last}", targets.tasks),
        &admin,
    )
    .await;
    let kpi = |code: &str| -> Value {
        kpis["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|k| k["target"]["code"] == code)
            .cloned()
            .unwrap_or_else(|| panic!("no {code} in {kpis}"))
    };
    for code in [
        "fatal_accident_rate",
        "bnn_exam_workers",
        "monitored_establishments",
    ] {
        assert_eq!(kpi(code)["available"], true, "{}", kpi(code));
    }
    let fatal = kpi("fatal_accident_rate");
    assert_eq!(n(&fatal, "/current/numerator"), deaths(true));
    assert_eq!(n(&fatal, "/current/denominator"), reported_workers);
    assert_eq!(n(&kpi("bnn_exam_workers"), "/current/value"), examined);
    let monitored = data
        .monitoring
        .iter()
        .filter(|m| m.year == last && m.has_harmful_factors)
        .count() as i64;
    assert_eq!(
        n(&kpi("monitored_establishments"), "/current/value"),
        monitored
    );

    // One computation per published figure (issue 11): each KPI is the trend its
    // service publishes, to the last digit, and last year's figure is that year's own.
    let stats_of = |path: &str, period: i32| {
        let url = format!("{path}{period}");
        let client = &client;
        let admin = &admin;
        async move { get(client, &url, admin).await }
    };
    let accident_path = format!("{}/api/v1/accident-statistics?period=", targets.incidents);
    let health_path = format!("{}/api/v1/health-statistics?period=", targets.health_stats);
    let monitoring_path = format!(
        "{}/api/v1/monitoring-statistics?period=",
        targets.health_stats
    );
    for (code, path, trend, value) in [
        (
            "fatal_accident_rate",
            &accident_path,
            "fatal_rate_trend",
            "/total/fatal_rate_per_100000",
        ),
        (
            "bnn_exam_workers",
            &health_path,
            "bnn_exam_trend",
            "/total/workers_examined_for_bnn",
        ),
        (
            "monitored_establishments",
            &monitoring_path,
            "monitored_trend",
            "/total/establishments_monitored",
        ),
    ] {
        let published = stats_of(path, last).await;
        let year_before = stats_of(path, last - 1).await;
        let k = kpi(code);
        let t = &published[trend];
        assert_eq!(
            &k["trend"], t,
            "{code}: the KPI's trend is the published one"
        );
        assert_eq!(t["indicator"], code);
        for field in ["previous", "current", "change_percent", "on_track"] {
            assert!(!t[field].is_null(), "{code}: {field} in {t}");
        }
        assert_eq!(k["change_percent"], t["change_percent"], "{code}");
        assert_eq!(k["on_track"], t["on_track"], "{code}");
        assert_eq!(
            k["current"]["value"].as_f64(),
            published.pointer(value).and_then(Value::as_f64),
            "{code}"
        );
        assert_eq!(
            k["current"]["value"].as_f64(),
            t["current"].as_f64(),
            "{code}"
        );
        // The previous value is what the year before publishes on its own.
        let own = year_before.pointer(value).and_then(Value::as_f64);
        assert_eq!(t["previous"].as_f64(), own, "{code}: {t} vs {year_before}");
        assert_eq!(k["previous"]["value"].as_f64(), own, "{code}");
        // Last year is over: judged, and said to be complete.
        assert_eq!(published["complete"], true, "{code}");
        assert_eq!(published["complete_through"], format!("{last}-12-31"));
        assert_eq!(t["complete"], true);
        let expected = if t["on_track"] == true {
            "on_track"
        } else {
            "off_track"
        };
        assert_eq!(t["assessment"], expected, "{code}");
    }
    assert_eq!(kpis["complete"], true);

    // This year has no data yet and is not over: partial, and never judged.
    let this_year = chrono::Datelike::year(&today);
    let running = get(
        &client,
        &format!(
            "{}/api/v1/plans/{plan_id}/kpis?year={this_year}",
            targets.tasks
        ),
        &admin,
    )
    .await;
    assert_eq!(running["complete"], false, "{running}");
    for k in running["items"].as_array().unwrap() {
        assert!(k["on_track"].is_null(), "{k}");
        assert_eq!(k["trend"]["complete"], false, "{k}");
        assert_eq!(k["trend"]["assessment"], "period_in_progress", "{k}");
    }
    for (path, trend) in [
        (&accident_path, "fatal_rate_trend"),
        (&health_path, "bnn_exam_trend"),
        (&monitoring_path, "monitored_trend"),
    ] {
        let s = stats_of(path, this_year).await;
        assert_eq!(s["complete"], false, "{path}");
        assert!(s[trend]["on_track"].is_null(), "{path}: {}", s[trend]);
    }

    // Every code is served with its label: the code lists of the three services, and
    // every row of every grouping of every statistics answer.
    for base in [&targets.incidents, &targets.health_stats, &targets.tasks] {
        let names = get(&client, &format!("{base}/api/v1/code-lists"), &admin).await;
        let names = names["names"].as_array().unwrap().clone();
        assert!(!names.is_empty(), "{base}");
        for name in names {
            let list = get(
                &client,
                &format!("{base}/api/v1/code-lists/{}", name.as_str().unwrap()),
                &admin,
            )
            .await;
            let items = list["items"].as_array().unwrap();
            assert!(!items.is_empty(), "{base} {name}");
            assert!(
                items
                    .iter()
                    .all(|i| i["name"].as_str().is_some_and(|n| !n.is_empty())),
                "{base} {name}"
            );
        }
    }
    let groupings = [
        (
            &accident_path,
            &[
                "commune",
                "vsic_section",
                "ownership_type",
                "cause",
                "injury_factor",
                "month",
            ][..],
        ),
        (
            &health_path,
            &["commune", "vsic_section", "ownership_type", "disease"][..],
        ),
        (
            &monitoring_path,
            &["commune", "vsic_section", "ownership_type", "factor"][..],
        ),
    ];
    for (path, group_bys) in groupings {
        for group_by in group_bys {
            let s = get(
                &client,
                &format!("{path}{last}&group_by={group_by}"),
                &admin,
            )
            .await;
            let rows = s["rows"].as_array().unwrap();
            assert!(!rows.is_empty(), "{path} {group_by}");
            for r in rows.iter().chain([&s["total"]]) {
                for field in ["label", "label_en"] {
                    assert!(
                        r[field].as_str().is_some_and(|l| !l.is_empty()),
                        "{path} {group_by}: {field} of {r}"
                    );
                }
            }
        }
    }

    // Plan reports: the review outcomes the generator chose, per period.
    for period in data
        .plan_reports
        .iter()
        .map(|r| r.period)
        .collect::<std::collections::BTreeSet<_>>()
    {
        let of = |r: &&atvsld::demo::reports::PlanReport| r.period == period;
        let due_passed = data.plan_reports.iter().find(of).unwrap().due_on <= today;
        let returned = data
            .plan_reports
            .iter()
            .filter(of)
            .filter(|r| {
                r.filed
                    && matches!(
                        r.review,
                        Review::Return {
                            resubmitted: false,
                            ..
                        }
                    )
            })
            .count() as i64;
        let filed = data
            .plan_reports
            .iter()
            .filter(of)
            .filter(|r| r.filed)
            .count() as i64;
        let expected = data.plan_reports.iter().filter(of).count() as i64;
        let summary = get(
            &client,
            &format!("{}/api/v1/compliance?period={period}", targets.tasks),
            &admin,
        )
        .await["summary"]
            .clone();
        assert_eq!(n(&summary, "/expected"), expected, "{period}: {summary}");
        assert_eq!(n(&summary, "/returned"), returned, "{period}: {summary}");
        let (timely, late) = if due_passed {
            (0, filed - returned)
        } else {
            (filed - returned, 0)
        };
        assert_eq!(n(&summary, "/on_time"), timely, "{period}: {summary}");
        assert_eq!(n(&summary, "/late"), late, "{period}: {summary}");
        let unfiled = expected - filed;
        let key = if due_passed {
            "/missing"
        } else {
            "/not_yet_due"
        };
        assert_eq!(n(&summary, key), unfiled, "{period}: {summary}");
    }

    // The suite is no longer empty: a second load is refused, nothing is mixed in.
    let again = atvsld::demo::load::load(&targets, &admin, &data, false).await;
    let error = again.expect_err("a second load is refused");
    assert!(
        error
            .downcast_ref::<atvsld::demo::load::NotEmpty>()
            .is_some(),
        "{error:#}"
    );
}

/// Issue 15's acceptance: Phụ lục XIV and XV of last year (2025 when run in 2026)
/// from the demo data set give, figure by figure, the accident statistics of the same
/// period and sector — the total, the same period a year before and every breakdown
/// — for the year and its first half; and the two sectors together hold every
/// accident the generator made in the year.
#[tokio::test]
async fn phu_luc_xiv_and_xv_of_the_demo_equal_its_accident_statistics() {
    let keys = TestKeys::new().unwrap();
    let databases: Vec<TestDatabase> = (0..3).map(|_| TestDatabase::new().unwrap()).collect();
    let (ports, _handles) = super::start_suite_with_kpi_sources(&keys, &databases, 5000).await;
    let url = |i: usize| format!("http://127.0.0.1:{}", ports[i]);
    let targets = atvsld::demo::load::Targets {
        incidents: url(0),
        health_stats: url(1),
        tasks: url(2),
    };
    let data = DataSet::generate(Options {
        seed: 20,
        size: 60,
        today: shared::time::today(),
    });
    let admin = keys.token(Role::Admin, None);
    atvsld::demo::load::load(&targets, &admin, &data, false)
        .await
        .unwrap();
    let client = reqwest::Client::new();
    let last = data.years[1];
    let base = &targets.incidents;

    // A form without rates shows the statistics' row without them.
    let without_rates = |mut row: Value| {
        for field in [
            "workers",
            "frequency_rate_per_1000",
            "fatal_rate_per_100000",
        ] {
            row[field] = Value::Null;
        }
        row
    };
    let mut cases = 0;
    for period in [last.to_string(), format!("{last}-H1")] {
        for (form, sector, rates) in [
            ("xiv", "with_labour_relation", true),
            ("xv", "without_labour_contract", false),
        ] {
            let shown = |row: &Value| {
                if rates {
                    row.clone()
                } else {
                    without_rates(row.clone())
                }
            };
            let report = get(
                &client,
                &format!("{base}/api/v1/statutory-reports/{form}?period={period}"),
                &admin,
            )
            .await;
            let stats_path =
                format!("{base}/api/v1/accident-statistics?period={period}&sector={sector}");
            let stats = get(&client, &stats_path, &admin).await;
            assert_eq!(report["total"], shown(&stats["total"]), "{form} {period}");
            let previous = period.replacen(&last.to_string(), &(last - 1).to_string(), 1);
            let before = get(
                &client,
                &format!("{base}/api/v1/accident-statistics?period={previous}&sector={sector}"),
                &admin,
            )
            .await;
            assert_eq!(
                report["previous_year_total"],
                shown(&before["total"]),
                "{form} {previous}"
            );
            let breakdowns = report["breakdowns"].as_array().unwrap();
            assert_eq!(breakdowns.len(), 5);
            for b in breakdowns {
                let group_by = b["group_by"].as_str().unwrap();
                let grouped = get(
                    &client,
                    &format!("{stats_path}&group_by={group_by}"),
                    &admin,
                )
                .await;
                let expected: Vec<Value> = grouped["rows"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(shown)
                    .collect();
                assert_eq!(
                    b["rows"],
                    Value::from(expected),
                    "{form} {period} by {group_by}"
                );
            }
            if period == last.to_string() {
                assert!(n(&report, "/total/figures/cases") > 0, "{form} {period}");
                cases += n(&report, "/total/figures/cases");
            }
        }
    }
    let made = data
        .accidents
        .iter()
        .filter(|a| chrono::Datelike::year(&a.day()) == last)
        .count() as i64;
    assert_eq!(
        cases, made,
        "XIV and XV together hold every accident of {last}"
    );
}
