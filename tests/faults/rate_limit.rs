//! A burst of 2,000 requests with one token, far beyond the configured limit, while
//! another caller works at a normal pace: the burst gets 429 `rate_limited` with
//! `Retry-After`, the other caller gets every answer. Then a stream of forged tokens
//! from one address is refused per address.

use std::time::{Duration, Instant};

use futures_util::StreamExt;
use serde_json::Value;
use shared::auth::Role;
use shared::config::RateLimitSettings;
use shared::server::Application;
use shared::testing::{TestDatabase, TestKeys, settings};

use crate::support::median_max;

const BURST: usize = 2000;
const CONCURRENCY: usize = 32;
const LIMIT: RateLimitSettings = RateLimitSettings {
    per_second: 50,
    burst: 50,
    anonymous_per_second: 5,
    anonymous_burst: 20,
    trust_forwarded_for: false,
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_beyond_the_rate_limit_gets_429_and_other_callers_do_not_notice() {
    shared::telemetry::init_test_tracing();
    let keys = TestKeys::new().unwrap();
    let db = TestDatabase::new().unwrap();
    let mut s = settings(&db, &keys);
    s.rate_limit = LIMIT;
    let app = Application::build(&incidents::SERVICE, &s).await.unwrap();
    let url = format!("http://127.0.0.1:{}/api/v1/establishments", app.port());
    tokio::spawn(app.run_until_stopped());
    let client = reqwest::Client::new();
    let greedy = keys.token(Role::Admin, None);
    let other = keys.token(Role::LaborAuthority, None);

    let started = Instant::now();
    let burst = futures_util::stream::iter(0..BURST)
        .map(|_| {
            let request = client.get(&url).bearer_auth(&greedy);
            async move {
                let res = request.send().await.unwrap();
                let status = res.status().as_u16();
                let retry_after = res
                    .headers()
                    .get("retry-after")
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.parse::<u64>().ok());
                let body: Value = res.json().await.unwrap_or_default();
                (
                    status,
                    retry_after,
                    body["code"].as_str().map(str::to_owned),
                )
            }
        })
        .buffer_unordered(CONCURRENCY)
        .collect::<Vec<_>>();
    let steady = async {
        let mut latencies = Vec::new();
        let mut statuses = Vec::new();
        for _ in 0..20 {
            let at = Instant::now();
            let res = client.get(&url).bearer_auth(&other).send().await.unwrap();
            latencies.push(at.elapsed());
            statuses.push(res.status().as_u16());
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        (latencies, statuses)
    };
    let (answers, (mut latencies, statuses)) = tokio::join!(burst, steady);
    let elapsed = started.elapsed();

    let ok = answers.iter().filter(|a| a.0 == 200).count();
    let limited: Vec<_> = answers.iter().filter(|a| a.0 == 429).collect();
    let well_formed = limited
        .iter()
        .filter(|a| a.1.is_some_and(|s| s >= 1) && a.2.as_deref() == Some("rate_limited"))
        .count();
    let (median, max) = median_max(&mut latencies);
    println!(
        "rate limit ({}/s, burst {}): {BURST} requests with one token in {elapsed:?}: {ok} × 200, \
         {} × 429 ({well_formed} with Retry-After and code rate_limited); \
         another caller meanwhile: {} of {} × 200, latency median {median:?}, max {max:?}",
        LIMIT.per_second,
        LIMIT.burst,
        limited.len(),
        statuses.iter().filter(|s| **s == 200).count(),
        statuses.len(),
    );
    assert_eq!(ok + limited.len(), BURST, "only 200 or 429");
    assert_eq!(well_formed, limited.len());
    // The burst allowance plus what the rate refills while the burst lasts.
    let allowed = LIMIT.burst as f64 + LIMIT.per_second as f64 * elapsed.as_secs_f64();
    assert!(
        ok as f64 <= allowed + 1.0,
        "{ok} let through, at most {allowed:.0} allowed"
    );
    assert!(limited.len() >= BURST / 2);
    assert!(statuses.iter().all(|s| *s == 200), "{statuses:?}");

    // Forged tokens count against their address, at the anonymous rate.
    let forged = format!("{}x", &greedy[..greedy.len() - 2]);
    let mut refused = [0usize; 2];
    for _ in 0..200 {
        let res = client.get(&url).bearer_auth(&forged).send().await.unwrap();
        match res.status().as_u16() {
            401 => refused[0] += 1,
            429 => refused[1] += 1,
            other => panic!("a forged token got {other}"),
        }
    }
    println!(
        "forged tokens from one address: {} × 401, then {} × 429",
        refused[0], refused[1]
    );
    assert!(refused[1] >= 150, "{refused:?}");
    // The caller with a good token from the same address is still served.
    let res = client.get(&url).bearer_auth(&other).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 200);
}
