//! `atvsld import FILE --to establishments|health-exam-reports`: posts a JSON, NDJSON or
//! CSV file to a bulk import endpoint and, when the batch runs as a job, follows it with
//! a progress bar on stderr until it ends; then prints the summary and the rejected rows
//! (by their line in a CSV or NDJSON file), and exits with 1 if any row was rejected.
//! It speaks English when the locale asks for it (`LC_ALL`, `LC_MESSAGES` or `LANG`
//! starting with `en`), Vietnamese otherwise.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::Context as _;
use serde_json::Value;

#[derive(clap::Args)]
pub struct Args {
    /// The file to import: .csv, .json (an array) or .ndjson/.jsonl (an object a line).
    file: PathBuf,
    /// What the rows are.
    #[arg(long, value_enum)]
    to: Target,
    /// The service that takes them [default: http://127.0.0.1:8081 for establishments,
    /// http://127.0.0.1:8082 for health-exam-reports, the ports of `atvsld up`].
    #[arg(long, env = "ATVSLD_URL")]
    url: Option<String>,
    /// Bearer token; by default a development admin token signed with the data folder's keys.
    #[arg(long, env = "ATVSLD_TOKEN", hide_env_values = true)]
    token: Option<String>,
    /// Check every row and write nothing.
    #[arg(long)]
    dry_run: bool,
    #[command(flatten)]
    data_dir: super::DataDir,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum Target {
    /// The registry of employers (incidents).
    Establishments,
    /// Yearly health-exam reports of establishments (health-stats).
    HealthExamReports,
}

impl Target {
    fn endpoint(self) -> &'static str {
        match self {
            Self::Establishments => "/api/v1/establishments/import",
            Self::HealthExamReports => "/api/v1/health-exam-reports/import",
        }
    }

    fn default_url(self) -> &'static str {
        match self {
            Self::Establishments => "http://127.0.0.1:8081",
            Self::HealthExamReports => "http://127.0.0.1:8082",
        }
    }
}

/// The language of the command's own words, from the locale.
#[derive(Clone, Copy, PartialEq)]
enum Lang {
    Vi,
    En,
}

impl Lang {
    /// The first of `LC_ALL`, `LC_MESSAGES`, `LANG` that is set decides, as POSIX has it.
    fn from_env() -> Self {
        let locale = ["LC_ALL", "LC_MESSAGES", "LANG"]
            .into_iter()
            .filter_map(|k| std::env::var(k).ok())
            .find(|v| !v.is_empty())
            .unwrap_or_default();
        if locale.starts_with("en") {
            Self::En
        } else {
            Self::Vi
        }
    }

    fn pick<'a>(self, vi: &'a str, en: &'a str) -> &'a str {
        match self {
            Self::Vi => vi,
            Self::En => en,
        }
    }

    /// A whole number with the language's thousands separator: 3,575 or 3.575.
    fn count(self, n: u64) -> String {
        let digits = n.to_string();
        let separator = self.pick(".", ",");
        let mut out = String::with_capacity(digits.len() + digits.len() / 3);
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                out.push_str(separator);
            }
            out.push(c);
        }
        out
    }

    /// Rows per second, rounded: "3,575 rows/s".
    fn rate(self, per_sec: f64) -> String {
        // Rounded and clamped to what a u64 holds; a rate is never negative.
        let n = per_sec.round().clamp(0.0, 1e15) as u64;
        format!("{} {}", self.count(n), self.pick("dòng/s", "rows/s"))
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

/// Where each item of the body starts, as the server counts items: the line of each
/// CSV record (after the header; a quoted cell may span lines) or of each non-blank
/// NDJSON line. `None` for a JSON array, whose items are cited by their index.
fn item_lines(content_type: &str, body: &[u8]) -> Option<Vec<u64>> {
    if content_type.starts_with("text/csv") {
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(true)
            .flexible(true)
            .from_reader(body);
        let mut record = csv::ByteRecord::new();
        let mut lines = Vec::new();
        while reader.read_byte_record(&mut record).unwrap_or(false) {
            // From the byte offset: the reader's own line count skips the line breaks
            // inside quoted cells. A record's offset is where the reader resumed, before
            // any blank lines it then skipped.
            let resumed = record.position().map_or(0, csv::Position::byte);
            let resumed = usize::try_from(resumed).unwrap_or(0);
            let blank = body
                .get(resumed..)
                .unwrap_or(&[])
                .iter()
                .take_while(|b| matches!(b, b'\n' | b'\r'))
                .count();
            let before = body.get(..resumed + blank).unwrap_or(&[]);
            lines.push(before.iter().filter(|b| **b == b'\n').count() as u64 + 1);
        }
        Some(lines)
    } else if content_type == "application/x-ndjson" {
        Some(
            body.split(|b| *b == b'\n')
                .zip(1_u64..)
                .filter(|(line, _)| !line.trim_ascii().is_empty())
                .map(|(_, n)| n)
                .collect(),
        )
    } else {
        None
    }
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
pub async fn run(args: Args) -> anyhow::Result<()> {
    let lang = Lang::from_env();
    let content_type = content_type(&args.file)?;
    let token = match args.token {
        Some(token) => token,
        None => atvsld::existing_dev_keys(&args.data_dir.path)?
            .signer
            .token(
                atvsld::DEV_ISSUER,
                atvsld::DEV_AUDIENCE,
                "dev-import",
                &[shared::auth::Role::Admin],
                None,
                atvsld::parse_ttl("1h")?,
            )?,
    };
    let body = tokio::fs::read(&args.file)
        .await
        .with_context(|| format!("cannot read {}", args.file.display()))?;
    let lines = item_lines(content_type, &body);
    let url = args.url.as_deref().unwrap_or(args.to.default_url());
    let base = url.trim_end_matches('/');
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(600))
        .build()?;
    let started = Instant::now();
    let response = client
        .post(format!(
            "{base}{}?dry_run={}",
            args.to.endpoint(),
            args.dry_run
        ))
        .bearer_auth(&token)
        .header(reqwest::header::CONTENT_TYPE, content_type)
        .header(reqwest::header::ACCEPT_LANGUAGE, lang.pick("vi", "en"))
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
            follow(&client, &format!("{base}{location}"), &token, lang).await?
        }
        _ => return Err(problem(response).await),
    };
    let rejected = print_outcome(&outcome, args.dry_run, lang, started.elapsed());
    print_rejected(&outcome, lines.as_deref(), lang);
    if outcome.get("status").and_then(Value::as_str) == Some("failed") {
        let error = outcome.get("error").and_then(Value::as_str).unwrap_or("");
        anyhow::bail!("the import job failed: {error}");
    }
    if rejected > 0 {
        anyhow::bail!(
            "{} {}",
            lang.count(rejected),
            lang.pick("dòng bị từ chối", "row(s) rejected")
        );
    }
    Ok(())
}

/// Polls the job, drawing its progress, until it ends; the bar is cleared then, so
/// the summary that follows has its own line.
async fn follow(
    client: &reqwest::Client,
    url: &str,
    token: &str,
    lang: Lang,
) -> anyhow::Result<Value> {
    let bar = indicatif::ProgressBar::new(0);
    let template = lang.pick(
        "{spinner} [{elapsed_precise}] {bar:40} {pos}/{len} dòng ({rate}, còn {eta})",
        "{spinner} [{elapsed_precise}] {bar:40} {pos}/{len} rows ({rate}, {eta} left)",
    );
    bar.set_style(
        indicatif::ProgressStyle::with_template(template)?
            .with_key(
                "rate",
                move |state: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
                    let _ = w.write_str(&lang.rate(state.per_sec()));
                },
            )
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
                bar.finish_and_clear();
                return Ok(job);
            }
            _ => tokio::time::sleep(Duration::from_millis(500)).await,
        }
    }
}

/// Prints the summary line; returns how many rows were rejected.
fn print_outcome(outcome: &Value, dry_run: bool, lang: Lang, took: Duration) -> u64 {
    let n = |k: &str| {
        outcome
            .get("summary")
            .and_then(|s| s.get(k))
            .and_then(Value::as_u64)
            .unwrap_or(0)
    };
    let c = |k: &str| lang.count(n(k));
    let seconds = took.as_secs_f64().max(0.001);
    let rate = lang.rate(n("total") as f64 / seconds);
    let dry = if dry_run {
        lang.pick("[chạy thử] ", "[dry run] ")
    } else {
        ""
    };
    let [rows, created, updated, unchanged, rejected] = match lang {
        Lang::Vi => ["dòng", "tạo mới", "cập nhật", "không đổi", "bị từ chối"],
        Lang::En => ["rows", "created", "updated", "unchanged", "rejected"],
    };
    println!(
        "{dry}{} {rows}: {} {created}, {} {updated}, {} {unchanged}, {} {rejected} ({seconds:.1} s, {rate})",
        c("total"),
        c("created"),
        c("updated"),
        c("unchanged"),
        c("rejected"),
    );
    n("rejected")
}

/// The rejected rows (the first 50), each problem on its own line, cited by the
/// row's line in the file (CSV, NDJSON) or its index (JSON array).
fn print_rejected(outcome: &Value, lines: Option<&[u64]>, lang: Lang) {
    let text = |v: &Value, k: &str| v.get(k).and_then(Value::as_str).unwrap_or("").to_owned();
    let rows = outcome
        .get("items")
        .or_else(|| outcome.get("results"))
        .and_then(Value::as_array);
    let rejected = rows
        .into_iter()
        .flatten()
        .filter(|r| r.get("status").and_then(Value::as_str) == Some("rejected"));
    for row in rejected.take(50) {
        let index = row.get("index").and_then(Value::as_u64).unwrap_or(0);
        let line = lines.and_then(|l| usize::try_from(index).ok().and_then(|i| l.get(i)));
        let (place, prefix) = match line {
            Some(line) => (
                format!("{} {line}", lang.pick("dòng", "line")),
                format!("/{index}"),
            ),
            None => (
                format!("{} {index}", lang.pick("mục", "item")),
                String::new(),
            ),
        };
        let problems = row.get("problems").and_then(Value::as_array);
        for p in problems.into_iter().flatten() {
            // Within a line, the field alone: the item's index would only mislead.
            let pointer = text(p, "pointer");
            let field = match pointer.strip_prefix(&prefix) {
                Some(rest) if !prefix.is_empty() => rest.trim_start_matches('/').to_owned(),
                _ => pointer,
            };
            println!(
                "  {place}: {field} {}: {}",
                text(p, "code"),
                text(p, "message")
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{Lang, item_lines};

    #[test]
    fn counts_and_rates_read_as_people_write_them() {
        assert_eq!(Lang::En.count(3_575), "3,575");
        assert_eq!(Lang::Vi.count(1_234_567), "1.234.567");
        assert_eq!(Lang::En.count(999), "999");
        assert_eq!(Lang::En.rate(3_575.169_4), "3,575 rows/s");
        assert_eq!(Lang::Vi.rate(12.6), "13 dòng/s");
    }

    #[test]
    fn csv_rows_are_cited_by_their_line_even_across_a_quoted_line_break() {
        let csv = b"a,b\n1,\"two\nlines\"\n\n3,4\n";
        assert_eq!(item_lines("text/csv; charset=utf-8", csv), Some(vec![2, 5]));
        let ndjson = b"{}\n\n{}\n";
        assert_eq!(item_lines("application/x-ndjson", ndjson), Some(vec![1, 3]));
        assert_eq!(item_lines("application/json", b"[]"), None);
    }
}
