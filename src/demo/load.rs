//! Loading a [`DataSet`] into a running suite through its own API, as an
//! administrator: every rule (severities, deadlines, counters, receipts,
//! timeliness by the server's clock) is applied exactly as for real users. Loads
//! only into empty databases, so demo data is never mixed into real data.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context as _;
use futures_util::{StreamExt as _, TryStreamExt as _};
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use reqwest::Method;
use serde_json::{Value, json};

use super::DataSet;
use super::reports::Review;

/// Base URLs of the three services.
#[derive(Clone, Debug)]
pub struct Targets {
    pub incidents: String,
    pub health_stats: String,
    pub tasks: String,
}

/// The suite already holds records: the demo is not loaded.
#[derive(Debug)]
pub struct NotEmpty(pub Vec<String>);

impl std::fmt::Display for NotEmpty {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "the databases already hold {}; the demo data set loads only into empty databases (use a new --data-dir)",
            self.0.join(", ")
        )
    }
}

impl std::error::Error for NotEmpty {}

/// What a load did.
#[derive(Clone, Copy, Debug)]
pub struct Loaded {
    pub requests: usize,
    pub elapsed: Duration,
}

/// Requests in flight per service: SQLite writes one at a time, so more would only
/// queue; a few hide the round trips.
const IN_FLIGHT: usize = 4;
/// Rows per bulk import request: below the services' default `bulk_sync_rows`, so
/// each answers at once instead of starting a job, and short enough that the one
/// SQLite writer is not held so long that the events the services deliver to each
/// other meanwhile time out waiting for it.
const IMPORT_CHUNK: usize = 200;

struct Api {
    client: reqwest::Client,
    token: String,
    requests: AtomicUsize,
}

/// How often a request refused with 429 is sent again, after its `Retry-After`.
const RATE_LIMIT_RETRIES: usize = 30;

/// An answer: its ETag and its body.
struct Answer {
    etag: Option<String>,
    body: Value,
}

impl Api {
    async fn call(
        &self,
        method: Method,
        url: &str,
        body: Option<&Value>,
        if_match: Option<&str>,
    ) -> anyhow::Result<Answer> {
        let mut request = self
            .client
            .request(method.clone(), url)
            .bearer_auth(&self.token);
        if let Some(body) = body {
            request = request.json(body);
        }
        if let Some(etag) = if_match {
            request = request.header(reqwest::header::IF_MATCH, etag);
        }
        self.requests.fetch_add(1, Ordering::Relaxed);
        let mut response = request
            .try_clone()
            .context("a demo request can be sent again")?
            .send()
            .await
            .with_context(|| format!("{method} {url}: no answer"))?;
        // Over the rate limit: nothing was done; wait as told and send it again.
        for _ in 0..RATE_LIMIT_RETRIES {
            if response.status() != reqwest::StatusCode::TOO_MANY_REQUESTS {
                break;
            }
            let wait = response
                .headers()
                .get(reqwest::header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.parse::<u64>().ok())
                .unwrap_or(1)
                .clamp(1, 60);
            tokio::time::sleep(std::time::Duration::from_secs(wait)).await;
            response = request
                .try_clone()
                .context("a demo request can be sent again")?
                .send()
                .await
                .with_context(|| format!("{method} {url}: no answer"))?;
        }
        let status = response.status();
        let etag = response
            .headers()
            .get(reqwest::header::ETAG)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let body: Value = response.json().await.unwrap_or(Value::Null);
        if !status.is_success() {
            anyhow::bail!(
                "{method} {url} answered {status}: {} {}",
                body.get("detail").and_then(Value::as_str).unwrap_or(""),
                body.get("errors").map(Value::to_string).unwrap_or_default()
            );
        }
        Ok(Answer { etag, body })
    }

    async fn post(&self, url: &str, body: &Value) -> anyhow::Result<Answer> {
        self.call(Method::POST, url, Some(body), None).await
    }

    async fn get(&self, url: &str) -> anyhow::Result<Value> {
        Ok(self.call(Method::GET, url, None, None).await?.body)
    }

    /// A bulk import in chunks, each answered at once; any rejected row fails the load.
    async fn import(&self, url: &str, rows: &[Value], bar: &ProgressBar) -> anyhow::Result<()> {
        for chunk in rows.chunks(IMPORT_CHUNK) {
            let answer = self.post(url, &Value::Array(chunk.to_vec())).await?;
            let rejected = answer
                .body
                .pointer("/summary/rejected")
                .and_then(Value::as_u64)
                .context("an import answer without a summary")?;
            if rejected > 0 {
                let first = answer
                    .body
                    .get("items")
                    .and_then(Value::as_array)
                    .and_then(|items| {
                        items
                            .iter()
                            .find(|i| i.get("status").and_then(Value::as_str) == Some("rejected"))
                    });
                anyhow::bail!(
                    "{url}: {rejected} row(s) rejected, e.g. {}",
                    first.map(Value::to_string).unwrap_or_default()
                );
            }
            bar.inc(u64::try_from(chunk.len()).unwrap_or(0));
        }
        Ok(())
    }
}

fn id_of(answer: &Answer) -> anyhow::Result<String> {
    answer
        .body
        .get("id")
        .and_then(Value::as_str)
        .map(str::to_owned)
        .context("an answer without an id")
}

/// Whether the suite holds any record the demo would write.
async fn check_empty(api: &Api, targets: &Targets) -> anyhow::Result<()> {
    let lists = [
        (&targets.incidents, "establishments", "establishments"),
        (&targets.incidents, "accidents", "accidents"),
        (&targets.incidents, "accident-reports", "accident reports"),
        (
            &targets.health_stats,
            "health-exam-reports",
            "health-exam reports",
        ),
        (
            &targets.health_stats,
            "occupational-disease-cases",
            "occupational-disease cases",
        ),
        (
            &targets.health_stats,
            "monitoring-reports",
            "monitoring reports",
        ),
        (&targets.tasks, "plan-reports", "plan reports"),
    ];
    let mut found = vec![];
    for (base, path, what) in lists {
        let list = api.get(&format!("{base}/api/v1/{path}?limit=1")).await?;
        if list
            .get("items")
            .and_then(Value::as_array)
            .is_some_and(|i| !i.is_empty())
        {
            found.push(what.to_owned());
        }
    }
    if found.is_empty() {
        Ok(())
    } else {
        Err(NotEmpty(found).into())
    }
}

fn bar(progress: &MultiProgress, length: usize, what: &str) -> ProgressBar {
    let bar = progress.add(ProgressBar::new(u64::try_from(length).unwrap_or(0)));
    if let Ok(style) =
        ProgressStyle::with_template("  {prefix:<13} {bar:30} {pos:>5}/{len:<5} {msg}")
    {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.set_prefix(what.to_owned());
    bar
}

/// Loads `data` as the holder of `token` (an administrator); with `show_progress`,
/// one progress bar per service on the terminal.
pub async fn load(
    targets: &Targets,
    token: &str,
    data: &DataSet,
    show_progress: bool,
) -> anyhow::Result<Loaded> {
    let started = Instant::now();
    let api = Api {
        client: reqwest::Client::builder()
            .timeout(Duration::from_secs(120))
            .build()?,
        token: token.to_owned(),
        requests: AtomicUsize::new(0),
    };
    check_empty(&api, targets).await?;
    let progress = MultiProgress::with_draw_target(if show_progress {
        ProgressDrawTarget::stderr()
    } else {
        ProgressDrawTarget::hidden()
    });
    let incidents_work = data.establishments.len()
        + data.accidents.len()
        + data.accident_reports.iter().filter(|r| r.filed).count();
    let health_work = data.health_reports.iter().filter(|r| r.filed).count()
        + data.disease_cases.len()
        + data.monitoring.len();
    let tasks_work = data.plan_reports.iter().filter(|r| r.filed).count();
    let bars = [
        bar(&progress, incidents_work, "incidents"),
        bar(&progress, health_work, "health-stats"),
        bar(&progress, tasks_work, "tasks"),
    ];
    let [incidents_bar, health_bar, tasks_bar] = &bars;
    tokio::try_join!(
        load_incidents(&api, &targets.incidents, data, incidents_bar),
        load_health(&api, &targets.health_stats, data, health_bar),
        load_tasks(&api, &targets.tasks, data, tasks_bar),
    )?;
    for bar in &bars {
        bar.finish_with_message("done");
    }
    Ok(Loaded {
        requests: api.requests.load(Ordering::Relaxed),
        elapsed: started.elapsed(),
    })
}

/// Sends each item's requests with `send`, `IN_FLIGHT` items at a time, and ticks the
/// bar as each item is done; the first error stops the load.
async fn each<T>(
    items: impl IntoIterator<Item = T>,
    bar: &ProgressBar,
    send: impl AsyncFn(T) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    futures_util::stream::iter(items)
        .map(|item| async {
            send(item).await?;
            bar.inc(1);
            Ok::<_, anyhow::Error>(())
        })
        .buffer_unordered(IN_FLIGHT)
        .try_collect::<Vec<()>>()
        .await?;
    Ok(())
}

async fn load_incidents(
    api: &Api,
    base: &str,
    data: &DataSet,
    bar: &ProgressBar,
) -> anyhow::Result<()> {
    bar.set_message("establishments");
    let rows: Vec<Value> = data
        .establishments
        .iter()
        .map(DataSet::establishment_body)
        .collect();
    api.import(&format!("{base}/api/v1/establishments/import"), &rows, bar)
        .await?;

    bar.set_message("accidents");
    each(
        data.accidents.iter().zip(&data.lifecycles),
        bar,
        async |(accident, life)| {
            let declaration = serde_json::to_value(accident.declaration(&data.establishments))?;
            let declared = api
                .post(&format!("{base}/api/v1/accidents"), &declaration)
                .await?;
            let id = id_of(&declared)?;
            let url = format!("{base}/api/v1/accidents/{id}");
            let casualty_ids: Vec<String> = declared
                .body
                .get("casualties")
                .and_then(Value::as_array)
                .map(|list| {
                    list.iter()
                        .filter_map(|c| c.get("id").and_then(Value::as_str).map(str::to_owned))
                        .collect()
                })
                .unwrap_or_default();
            let status = |step: &super::accidents::Step| {
                let body = json!({"status": step.status, "change_reason": step.reason});
                (Method::POST, format!("{url}/status"), body)
            };
            let mut steps = Vec::new();
            for (position, severity, document) in &life.raises {
                let casualty = casualty_ids
                    .get(*position)
                    .context("a casualty the service did not return")?;
                let body = json!({"severity": severity, "document_reference": document});
                steps.push((
                    Method::POST,
                    format!("{url}/casualties/{casualty}/severity"),
                    body,
                ));
            }
            steps.extend(life.investigating.iter().map(status));
            if let Some(record) = &life.record {
                let body = serde_json::to_value(record)?;
                steps.push((Method::PUT, format!("{url}/investigation"), body));
            }
            steps.extend(life.after_record.iter().map(status));
            // Each step names the version it changes: the ETag the step before returned.
            let mut etag = declared.etag;
            for (method, step_url, body) in steps {
                etag = api
                    .call(method, &step_url, Some(&body), etag.as_deref())
                    .await?
                    .etag;
            }
            Ok(())
        },
    )
    .await?;

    bar.set_message("accident reports");
    let url = format!("{base}/api/v1/accident-reports");
    each(
        data.accident_reports.iter().filter(|r| r.filed),
        bar,
        async |report| {
            let tax_code = data.tax_code_of(&report.reporter);
            api.post(&url, &report.body(tax_code)).await?;
            if let Some(correction) = report.correction_body(tax_code) {
                api.post(&url, &correction).await?;
            }
            Ok(())
        },
    )
    .await?;
    bar.set_message("done");
    Ok(())
}

async fn load_health(
    api: &Api,
    base: &str,
    data: &DataSet,
    bar: &ProgressBar,
) -> anyhow::Result<()> {
    bar.set_message("health-exam reports");
    let rows: Vec<Value> = data
        .health_reports
        .iter()
        .filter(|r| r.filed)
        .filter_map(|r| {
            data.establishment(r.establishment)
                .map(|e| super::health::report_body(e, &r.period.to_string(), &r.figures))
        })
        .collect();
    api.import(
        &format!("{base}/api/v1/health-exam-reports/import"),
        &rows,
        bar,
    )
    .await?;

    bar.set_message("disease cases");
    let url = format!("{base}/api/v1/occupational-disease-cases");
    each(&data.disease_cases, bar, async |case| {
        let e = data
            .establishment(case.establishment)
            .context("a case without its establishment")?;
        api.post(&url, &serde_json::to_value(case.body(e))?).await?;
        Ok(())
    })
    .await?;

    bar.set_message("monitoring reports");
    let url = format!("{base}/api/v1/monitoring-reports");
    each(&data.monitoring, bar, async |m| {
        api.post(&url, &m.body).await?;
        Ok(())
    })
    .await?;
    bar.set_message("done");
    Ok(())
}

async fn load_tasks(
    api: &Api,
    base: &str,
    data: &DataSet,
    bar: &ProgressBar,
) -> anyhow::Result<()> {
    bar.set_message("plan reports");
    let plans = api.get(&format!("{base}/api/v1/plans")).await?;
    let plan_id = plans
        .pointer("/items/0/id")
        .and_then(Value::as_str)
        .context("the tasks service holds no plan (plan 664 is seeded at start)")?
        .to_owned();
    let tasks = api
        .get(&format!("{base}/api/v1/tasks?plan_id={plan_id}&limit=500"))
        .await?;
    let tasks: Vec<(String, String, String)> = tasks
        .get("items")
        .and_then(Value::as_array)
        .map(|items| {
            items
                .iter()
                .filter_map(|t| {
                    Some((
                        t.get("section")?.as_str()?.to_owned(),
                        t.get("text")?.as_str()?.to_owned(),
                        t.get("id")?.as_str()?.to_owned(),
                    ))
                })
                .collect()
        })
        .unwrap_or_default();
    let task_id = |n: &super::reports::Narrative| {
        tasks
            .iter()
            .find(|(section, text, _)| *section == n.section && *text == n.task_text)
            .map(|(_, _, id)| id.clone())
            .unwrap_or_default()
    };
    let url = format!("{base}/api/v1/plan-reports");
    let plan_id = plan_id.as_str();
    let task_id = &task_id;
    each(
        data.plan_reports.iter().filter(|r| r.filed),
        bar,
        async |report| {
            let filed = api
                .post(&url, &report.body(plan_id, task_id, false))
                .await?;
            let review_url = format!("{url}/{}/review", id_of(&filed)?);
            // Sở Nội vụ's decision on the version whose ETag is `etag`.
            let review = async |decision: &str, comment: Option<&str>, etag: Option<&str>| {
                let body = json!({"decision": decision, "comment": comment});
                api.call(Method::POST, &review_url, Some(&body), etag).await
            };
            match &report.review {
                Review::Pending => {}
                Review::Accept => {
                    review("accept", None, filed.etag.as_deref()).await?;
                }
                Review::Return {
                    comment,
                    resubmitted,
                    accepted_after,
                } => {
                    review("return", Some(comment), filed.etag.as_deref()).await?;
                    if *resubmitted {
                        let again = api.post(&url, &report.body(plan_id, task_id, true)).await?;
                        if *accepted_after {
                            review("accept", None, again.etag.as_deref()).await?;
                        }
                    }
                }
            }
            Ok(())
        },
    )
    .await?;
    bar.set_message("done");
    Ok(())
}
