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
        n(&compliance, "/expected"),
        data.establishments.len() as i64
    );
    assert_eq!(n(&compliance, "/late"), filed);
    assert_eq!(n(&compliance, "/on_time"), 0);
    assert_eq!(
        n(&compliance, "/missing"),
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
