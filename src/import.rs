//! `atvsld import FILE --to establishments`: posts a JSON, NDJSON or CSV file to a bulk
//! import endpoint and, when the batch runs as a job, follows it with a progress bar
//! on stderr until it ends; then prints the summary and the rejected rows.

use std::path::Path;
use std::time::Duration;

use anyhow::Context as _;
use serde_json::Value;

/// The endpoint of each `--to`.
fn endpoint(to: &str) -> anyhow::Result<&'static str> {
    match to {
        "establishments" => Ok("/api/v1/establishments/import"),
        other => anyhow::bail!("cannot import into {other:?}: use establishments"),
    }
}

/// The content type of a file, from its extension.
fn content_type(file: &Path) -> anyhow::Result<&'static str> {
    let ext = file
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .unwrap_or_default();
    match ext.as_str() {
        "csv" => Ok("text/csv; charset=utf-8"),
        "ndjson" | "jsonl" => Ok("application/x-ndjson"),
        "json" => Ok("application/json"),
        _ => anyhow::bail!(
            "{}: the extension must be .csv, .json, .ndjson or .jsonl",
            file.display()
        ),
    }
}

pub struct ImportOptions<'a> {
    pub file: &'a Path,
    pub to: &'a str,
    pub url: &'a str,
    pub token: &'a str,
    pub dry_run: bool,
}

async fn problem(response: reqwest::Response) -> anyhow::Error {
    let status = response.status();
    let body: Value = response.json().await.unwrap_or(Value::Null);
    let detail = body
        .get("detail")
        .and_then(Value::as_str)
        .unwrap_or("no detail");
    anyhow::anyhow!("the server answered {status}: {detail}")
}

/// Posts the file, follows the job if there is one, prints the outcome.
pub async fn run(options: ImportOptions<'_>) -> anyhow::Result<()> {
    let path = endpoint(options.to)?;
    let content_type = content_type(options.file)?;
    let body = tokio::fs::read(options.file)
        .await
        .with_context(|| format!("cannot read {}", options.file.display()))?;
    let base = options.url.trim_end_matches('/');
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(600))
        .build()?;
    let response = client
        .post(format!("{base}{path}?dry_run={}", options.dry_run))
        .bearer_auth(options.token)
        .header(reqwest::header::CONTENT_TYPE, content_type)
        .body(body)
        .send()
        .await
        .with_context(|| format!("cannot reach {base}"))?;
    let outcome: Value = match response.status().as_u16() {
        200 => response.json().await?,
        202 => {
            let location = response
                .headers()
                .get(reqwest::header::LOCATION)
                .and_then(|v| v.to_str().ok())
                .context("a 202 without Location")?
                .to_owned();
            follow(&client, &format!("{base}{location}"), options.token).await?
        }
        _ => return Err(problem(response).await),
    };
    print_outcome(&outcome, options.dry_run);
    if outcome.get("status").and_then(Value::as_str) == Some("failed") {
        let error = outcome.get("error").and_then(Value::as_str).unwrap_or("");
        anyhow::bail!("the import job failed: {error}");
    }
    Ok(())
}

/// Polls the job, drawing its progress, until it ends.
async fn follow(client: &reqwest::Client, url: &str, token: &str) -> anyhow::Result<Value> {
    let bar = indicatif::ProgressBar::new(0);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{spinner} [{elapsed_precise}] {bar:40} {pos}/{len} dòng ({per_sec}, còn {eta})",
        )?
        .progress_chars("=> "),
    );
    loop {
        let response = client.get(url).bearer_auth(token).send().await?;
        if !response.status().is_success() {
            bar.abandon();
            return Err(problem(response).await);
        }
        let job: Value = response.json().await?;
        let progress = |k: &str| {
            job.get("progress")
                .and_then(|p| p.get(k))
                .and_then(Value::as_u64)
                .unwrap_or(0)
        };
        bar.set_length(progress("total"));
        bar.set_position(progress("done"));
        match job.get("status").and_then(Value::as_str) {
            Some("succeeded" | "failed") => {
                bar.finish();
                return Ok(job);
            }
            _ => tokio::time::sleep(Duration::from_millis(500)).await,
        }
    }
}

fn print_outcome(outcome: &Value, dry_run: bool) {
    let n = |k: &str| {
        outcome
            .get("summary")
            .and_then(|s| s.get(k))
            .and_then(Value::as_u64)
            .unwrap_or(0)
    };
    let text = |v: &Value, k: &str| v.get(k).and_then(Value::as_str).unwrap_or("").to_owned();
    println!(
        "{}{} dòng: {} tạo mới, {} cập nhật, {} không đổi, {} bị từ chối",
        if dry_run { "[chạy thử] " } else { "" },
        n("total"),
        n("created"),
        n("updated"),
        n("unchanged"),
        n("rejected"),
    );
    let rows = outcome
        .get("items")
        .or_else(|| outcome.get("results"))
        .and_then(Value::as_array);
    let rejected = rows
        .into_iter()
        .flatten()
        .filter(|r| r.get("status").and_then(Value::as_str) == Some("rejected"));
    for row in rejected.take(50) {
        let problems = row.get("problems").and_then(Value::as_array);
        for p in problems.into_iter().flatten() {
            println!(
                "  {} {}: {}",
                text(p, "pointer"),
                text(p, "code"),
                text(p, "message")
            );
        }
    }
}
