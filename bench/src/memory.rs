//! `atvsld-bench import-memory [ROWS] [IMPORTS]`: the memory `atvsld up` keeps after
//! bulk imports (target ≤ 100 MB resident after three imports of 20,000
//! establishments).
//!
//! Starts the real `atvsld up` — the `atvsld` binary beside this one, so build it in
//! the same profile first — as a child process on a temporary data folder (SQLite), or
//! on three fresh databases of the PostgreSQL server of `BENCH_DATABASE_URL`. Posts
//! IMPORTS (default 3) CSV files of ROWS (default 20,000) establishments of the demo
//! generator, each file with establishments of its own, to
//! `POST /establishments/import` with an admin token of the data folder's development
//! keys, and follows each job until it ends. Prints the child's resident memory
//! (`VmRSS`) and its anonymous part (`RssAnon`, heap and stacks) from
//! `/proc/PID/status` before the first import, after each and 5 s after the last,
//! beside the target, with the load average. The files and the HTTP client live in
//! this process, so they are not counted, unlike in `establishment-import`, where the
//! suite runs inside the benchmark.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use diesel::{Connection as _, RunQueryDsl as _};
use shared::auth::Role;

/// The target of `atvsld up`'s resident memory after three imports, in MB.
const TARGET_MB: f64 = 100.0;

/// `VmRSS` and `RssAnon` of process `pid`, in MB (10⁶ bytes).
fn memory(pid: u32) -> Option<(f64, f64)> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let mb = |key: &str| {
        let line = status.lines().find(|l| l.starts_with(key))?;
        let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
        Some(kib * 1024.0 / 1e6)
    };
    Some((mb("VmRSS:")?, mb("RssAnon:")?))
}

/// One line of the report: the child's memory at `when`, against the target.
fn report(pid: u32, when: &str) -> Option<(f64, f64)> {
    let figures = memory(pid);
    match figures {
        Some((rss, anon)) => println!(
            "{when:<28} RSS {rss:>6.1} MB  anonymous {anon:>6.1} MB  {}  load {}",
            if rss <= TARGET_MB {
                "within the 100 MB target"
            } else {
                "above the 100 MB target"
            },
            crate::ratio::load_average()
        ),
        None => println!("{when:<28} (no /proc/{pid}/status)"),
    }
    figures
}

/// Three databases of their own on the PostgreSQL server of `admin`, dropped at the end.
struct Databases {
    admin: String,
    prefix: String,
}

const SERVICES: [&str; 3] = ["incidents", "health_stats", "tasks"];

impl Databases {
    fn create(admin: &str) -> anyhow::Result<Self> {
        let prefix = format!("atvsld_bench_memory_{}", uuid::Uuid::new_v4().simple());
        let mut conn = diesel::PgConnection::establish(admin)?;
        for service in SERVICES {
            diesel::sql_query(format!("CREATE DATABASE {prefix}_{service}")).execute(&mut conn)?;
        }
        Ok(Self {
            admin: admin.to_owned(),
            prefix,
        })
    }

    /// `up`'s `--database-url`: `{service}` stands for each service's name.
    fn template(&self) -> String {
        shared::testing::with_database(&self.admin, &format!("{}_{{service}}", self.prefix))
    }
}

impl Drop for Databases {
    fn drop(&mut self) {
        if let Ok(mut conn) = diesel::PgConnection::establish(&self.admin) {
            for service in SERVICES {
                let _ = diesel::sql_query(format!(
                    "DROP DATABASE IF EXISTS {}_{service} WITH (FORCE)",
                    self.prefix
                ))
                .execute(&mut conn);
            }
        }
    }
}

/// The running `atvsld up`, stopped when dropped.
struct Suite(Child);

impl Drop for Suite {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> anyhow::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

/// The `atvsld` binary of the same build as this benchmark.
fn atvsld_binary() -> anyhow::Result<PathBuf> {
    let path = std::env::current_exe()?.with_file_name("atvsld");
    anyhow::ensure!(
        path.is_file(),
        "{} not found: build it in the same profile first (`cargo build --release --bin atvsld`)",
        path.display()
    );
    Ok(path)
}

pub async fn run(rows: u32, imports: usize) -> anyhow::Result<()> {
    let binary = atvsld_binary()?;
    let dir = tempfile::tempdir()?;
    let databases = match std::env::var("BENCH_DATABASE_URL") {
        Ok(url) if !url.is_empty() => {
            println!(
                "database: PostgreSQL ({})",
                url.split('@').next_back().unwrap_or("?")
            );
            Some(Databases::create(&url)?)
        }
        _ => {
            println!("database: SQLite files in the data folder");
            None
        }
    };
    let ports = [free_port()?, free_port()?, free_port()?];
    let mut command = Command::new(&binary);
    command
        .arg("up")
        .arg("--data-dir")
        .arg(dir.path())
        .args(["--incidents-port", &ports[0].to_string()])
        .args(["--health-stats-port", &ports[1].to_string()])
        .args(["--tasks-port", &ports[2].to_string()])
        .args(["--dashboard-port", "0"])
        .env("RUST_LOG", "error")
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    if let Some(databases) = &databases {
        command.args(["--database-url", &databases.template()]);
    }
    let suite = Suite(command.spawn()?);
    let pid = suite.0.id();
    println!("atvsld up: {} (pid {pid})", binary.display());

    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(600))
        .build()?;
    let began = Instant::now();
    for port in ports {
        loop {
            let ready = client
                .get(format!("http://127.0.0.1:{port}/readyz"))
                .send()
                .await
                .is_ok_and(|r| r.status().is_success());
            if ready {
                break;
            }
            anyhow::ensure!(
                began.elapsed() < Duration::from_secs(120),
                "atvsld up was not ready on port {port} after 2 minutes"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
    // `up` made the data folder's development keys before it was ready.
    let token = atvsld::dev_keys(dir.path())?.signer.token(
        atvsld::DEV_ISSUER,
        atvsld::DEV_AUDIENCE,
        "bench",
        &[Role::Admin],
        None,
        Duration::from_secs(24 * 3600),
    )?;
    let base = format!("http://127.0.0.1:{}", ports[0]);
    // Settled after start-up (migrations, first polls), as an idle suite is.
    tokio::time::sleep(Duration::from_secs(2)).await;
    report(pid, "before the first import");

    for n in 1..=imports.max(1) {
        // Each file its own establishments, so every import creates its rows.
        let body = crate::import::csv_of(rows, &format!("import-memory-{n}"));
        println!(
            "import {n}: {rows} rows, {:.1} MB of CSV",
            body.len() as f64 / 1e6
        );
        let (job, seconds) = crate::import::import(&client, &base, &token, &body, false).await?;
        drop(body);
        println!(
            "import {n}: {:.1} s, {:.0} rows/s; summary {}",
            seconds,
            f64::from(rows) / seconds,
            job.get("summary").cloned().unwrap_or_default()
        );
        report(pid, &format!("after import {n}"));
    }
    tokio::time::sleep(Duration::from_secs(5)).await;
    let last = report(pid, "5 s after the last import");
    if let Some((rss, _)) = last {
        println!(
            "target: ≤ {TARGET_MB:.0} MB resident after the imports: {}",
            if rss <= TARGET_MB { "met" } else { "not met" }
        );
    }
    drop(suite);
    drop(databases);
    Ok(())
}
