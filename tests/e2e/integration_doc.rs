//! `docs/integration.md` runs: its ```sh blocks are executed, in order, against a
//! suite started here (real ports, fresh databases: SQLite, or PostgreSQL with
//! `TEST_DATABASE_URL`), so an example that stops working fails this test, which names
//! the block.
//!
//! The rule, also stated at the top of the document: the blocks run one after another
//! in one `bash` with `set -euo pipefail`, in a scratch folder, so a block may use the
//! variables and files of the blocks before it. Blocks whose info string has
//! `file=NAME` (```python file=webhook_receiver.py) are written to that folder first,
//! so that the shell blocks run them. The environment holds what a reader sets up
//! first: the services' base URLs, `ATVSLD_DATA_DIR` (where `atvsld token` finds the
//! key the services trust), `atvsld` on `PATH`, free ports for the webhook receivers
//! and an origin the services allow.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use shared::testing::{TestDatabase, TestKeys, settings};

const DOC: &str = "docs/integration.md";
const FRONTEND_ORIGIN: &str = "http://localhost:5173";
/// Longest the whole document may take.
const TIMEOUT: Duration = Duration::from_secs(240);

/// A fenced code block of the document.
#[derive(Debug)]
struct Block {
    /// Line of the opening fence, from 1.
    line: usize,
    lang: String,
    file: Option<String>,
    text: String,
}

fn blocks(markdown: &str) -> Vec<Block> {
    let mut blocks = Vec::new();
    let mut open: Option<Block> = None;
    for (i, line) in markdown.lines().enumerate() {
        match open.take() {
            None => {
                if let Some(info) = line.strip_prefix("```") {
                    let mut words = info.split_whitespace();
                    let lang = words.next().unwrap_or_default().to_owned();
                    let file = words
                        .find_map(|w| w.strip_prefix("file="))
                        .map(str::to_owned);
                    open = Some(Block {
                        line: i + 1,
                        lang,
                        file,
                        text: String::new(),
                    });
                }
            }
            Some(mut block) => {
                if line.starts_with("```") {
                    blocks.push(block);
                } else {
                    block.text.push_str(line);
                    block.text.push('\n');
                    open = Some(block);
                }
            }
        }
    }
    assert!(open.is_none(), "{DOC}: a code block is not closed");
    blocks
}

/// A port nobody listens on now.
pub(crate) fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The last `n` lines of `text`.
fn tail(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_shell_example_of_the_integration_guide_works() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let markdown = std::fs::read_to_string(root.join(DOC)).unwrap();
    let all = blocks(&markdown);
    let shell: Vec<&Block> = all.iter().filter(|b| b.lang == "sh").collect();
    assert!(shell.len() >= 10, "{DOC}: only {} sh blocks", shell.len());
    for tool in ["curl", "jq", "openssl", "python3", "node"] {
        let found = Command::new(tool).arg("--version").output().is_ok();
        assert!(found, "{DOC}'s examples need {tool} on PATH");
    }

    // The suite, trusting the development key of a data folder, as `atvsld up` does.
    shared::telemetry::init_test_tracing();
    let work = tempfile::tempdir().unwrap();
    let data_dir = work.path().join("data");
    let dev_keys = atvsld::dev_keys(&data_dir).unwrap();
    let test_keys = TestKeys::new().unwrap();
    let databases: Vec<TestDatabase> = (0..3).map(|_| TestDatabase::new().unwrap()).collect();
    let planned = atvsld::services()
        .into_iter()
        .zip(&databases)
        .map(|(def, db)| {
            let mut s = settings(db, &test_keys);
            s.auth.jwks_path = Some(dev_keys.jwks_path.clone());
            s.auth.issuer = atvsld::DEV_ISSUER.into();
            s.auth.audience = atvsld::DEV_AUDIENCE.into();
            s.cors.allowed_origins = vec![FRONTEND_ORIGIN.into()];
            // The webhook examples subscribe receivers on this machine.
            s.events.dispatch = true;
            s.events.allow_internal_urls = true;
            s.events.poll_ms = 50;
            s.events.retry_base_ms = 100;
            (def, s)
        })
        .collect();
    let apps = atvsld::start(planned).await.unwrap();
    let bases: Vec<String> = apps
        .iter()
        .map(|a| format!("http://127.0.0.1:{}", a.port()))
        .collect();
    for app in apps {
        tokio::spawn(app.run_until_stopped());
    }

    // The document's files, then one script: a progress mark before each block.
    let scratch = work.path().join("scratch");
    std::fs::create_dir(&scratch).unwrap();
    for block in all.iter().filter(|b| b.file.is_some()) {
        let name = block.file.as_deref().unwrap();
        assert!(
            !name.contains('/'),
            "{DOC}:{}: file= takes a bare name",
            block.line
        );
        std::fs::write(scratch.join(name), &block.text).unwrap();
    }
    let progress = work.path().join("progress");
    let mut script = String::from("set -euo pipefail\n");
    for (n, block) in shell.iter().enumerate() {
        script.push_str(&format!("printf '%s\\n' {n} > \"$ATVSLD_DOC_PROGRESS\"\n"));
        script.push_str(&block.text);
    }
    script.push_str("printf '%s\\n' done > \"$ATVSLD_DOC_PROGRESS\"\n");
    let script_path = work.path().join("integration.sh");
    std::fs::write(&script_path, script).unwrap();

    let atvsld_dir = Path::new(env!("CARGO_BIN_EXE_atvsld"))
        .parent()
        .unwrap()
        .to_path_buf();
    let path = format!(
        "{}:{}",
        atvsld_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let stdout_path = work.path().join("stdout");
    let stderr_path = work.path().join("stderr");
    let mut command = Command::new("bash");
    command
        .arg(&script_path)
        .current_dir(&scratch)
        .env("PATH", path)
        .env("INCIDENTS", &bases[0])
        .env("HEALTH_STATS", &bases[1])
        .env("TASKS", &bases[2])
        .env("ATVSLD_DATA_DIR", &data_dir)
        .env("WEBHOOK_PORT", free_port().to_string())
        .env("WEBHOOK_PORT_NODE", free_port().to_string())
        .env("FRONTEND_ORIGIN", FRONTEND_ORIGIN)
        .env("ATVSLD_DOC_PROGRESS", &progress)
        .env_remove("RUST_BACKTRACE")
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&stdout_path).unwrap())
        .stderr(std::fs::File::create(&stderr_path).unwrap());
    // Its own process group, so that receivers a block leaves running are stopped too.
    std::os::unix::process::CommandExt::process_group(&mut command, 0);
    let started = Instant::now();
    let outcome = tokio::task::spawn_blocking(move || {
        let mut child = command.spawn().unwrap();
        let group = child.id();
        let status = loop {
            if let Some(status) = child.try_wait().unwrap() {
                break Some(status);
            }
            if started.elapsed() > TIMEOUT {
                break None;
            }
            std::thread::sleep(Duration::from_millis(50));
        };
        let _ = Command::new("kill")
            .args(["-KILL", "--", &format!("-{group}")])
            .stderr(Stdio::null())
            .status();
        let _ = child.wait();
        status
    })
    .await
    .unwrap();
    let elapsed = started.elapsed();

    let reached = std::fs::read_to_string(&progress).unwrap_or_default();
    let reached = reached.trim();
    let stdout = std::fs::read_to_string(&stdout_path).unwrap_or_default();
    let stderr = std::fs::read_to_string(&stderr_path).unwrap_or_default();
    let ok = outcome.is_some_and(|s| s.success()) && reached == "done";
    if !ok {
        let block = reached.parse::<usize>().ok().and_then(|n| shell.get(n));
        let what = match outcome {
            None => format!("timed out after {}s", TIMEOUT.as_secs()),
            Some(status) => format!("failed ({status})"),
        };
        match block {
            Some(block) => panic!(
                "{DOC}: the sh block at line {} {what}:\n{}\n--- stdout (last lines) ---\n{}\n--- stderr (last lines) ---\n{}",
                block.line,
                block.text,
                tail(&stdout, 40),
                tail(&stderr, 40)
            ),
            None => panic!(
                "{DOC}: the examples {what} after the last block ({reached:?}):\n--- stderr ---\n{}",
                tail(&stderr, 40)
            ),
        }
    }
    eprintln!(
        "{DOC}: {} sh blocks passed in {:.1}s",
        shell.len(),
        elapsed.as_secs_f64()
    );
}

#[test]
fn the_documented_signature_is_what_the_services_send() {
    // The example delivery of docs/integration.md, "Checking a signature by hand".
    const SECRET: &str = "whsec_example";
    const BODY: &str = r#"{"id":"01939d1e-5a70-7c6e-8b1e-0c7d4e2f9a10","type":"establishment.upserted","occurred_at":"2026-12-01T08:00:00Z","source":"incidents","subject":"01939d1e-5a6f-7a3b-9c2d-1e4f6a8b0c12","data":{"tax_code":"0100047516","version":1}}"#;
    let markdown =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(DOC)).unwrap();
    let header = shared::events::sign(SECRET, BODY.as_bytes());
    assert!(
        markdown.contains(BODY),
        "{DOC} no longer shows the example body"
    );
    assert!(
        markdown.contains(&header),
        "{DOC} should show the signature {header}"
    );
    // And the body is an envelope as the services write it.
    let envelope: shared::events::Envelope = serde_json::from_str(BODY).unwrap();
    assert_eq!(serde_json::to_string(&envelope).unwrap(), BODY);
}
