//! The `atvsld` binary as a newcomer runs it (issue 16): the README's quick start, the
//! token command `up` prints, the refusal of a data folder without keys, the 401 of a
//! token signed by another folder's key, `import`'s exit status, line numbers and
//! language, and a browser's CORS preflight under `up --cors-origin`.

use std::io::{BufRead as _, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::integration_doc::free_port;

const BIN: &str = env!("CARGO_BIN_EXE_atvsld");
const PORTAL: &str = "https://portal.caobang.gov.vn";

/// `atvsld up` in a child process, stopped when dropped; the banner read so far.
struct Up {
    child: Child,
    banner: Vec<String>,
}

impl Drop for Up {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Up {
    /// Starts `up` with `args` in `cwd` on three free ports and waits for its banner.
    fn start(cwd: &Path, args: &[&str]) -> (Up, [u16; 3]) {
        let ports = [free_port(), free_port(), free_port()];
        let mut child = Command::new(BIN)
            .arg("up")
            .args(args)
            .current_dir(cwd)
            .env("ATVSLD_INCIDENTS_PORT", ports[0].to_string())
            .env("ATVSLD_HEALTH_STATS_PORT", ports[1].to_string())
            .env("ATVSLD_TASKS_PORT", ports[2].to_string())
            // Any free port: the banner says which.
            .env("ATVSLD_DASHBOARD_PORT", "0")
            .env("RUST_LOG", "warn")
            .env_remove("ATVSLD_DATA_DIR")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let mut up = Up {
            child,
            banner: Vec::new(),
        };
        let deadline = Instant::now() + Duration::from_secs(60);
        while !up.banner.iter().any(|l| l.starts_with("Get a token with:")) {
            let left = deadline.saturating_duration_since(Instant::now());
            match rx.recv_timeout(left) {
                Ok(line) => up.banner.push(line),
                Err(_) => panic!("no banner from `atvsld up`: {:?}", up.banner),
            }
        }
        (up, ports)
    }

    /// The token command the banner suggests.
    fn token_command(&self) -> String {
        let line = self
            .banner
            .iter()
            .find(|l| l.starts_with("Get a token with:"))
            .unwrap();
        let command = line.trim_start_matches("Get a token with:");
        command.split("   (").next().unwrap().trim().to_owned()
    }
}

/// Runs `atvsld` with `args` in `cwd`, with `lang` as the locale.
fn atvsld(cwd: &Path, args: &[&str], lang: &str) -> Output {
    Command::new(BIN)
        .args(args)
        .current_dir(cwd)
        .env("LANG", lang)
        .env_remove("LC_ALL")
        .env_remove("LC_MESSAGES")
        .env_remove("ATVSLD_DATA_DIR")
        .env_remove("ATVSLD_URL")
        .env_remove("ATVSLD_TOKEN")
        .env_remove("RUST_BACKTRACE")
        .output()
        .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Every file and folder under `dir`.
fn tree(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(tree(&path));
        }
        out.push(path);
    }
    out.sort();
    out
}

#[test]
fn the_readme_quick_start_answers_200_in_its_first_30_lines() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let head: Vec<&str> = readme.lines().take(30).collect();
    let mut blocks: Vec<String> = Vec::new();
    let mut current: Option<String> = None;
    for line in &head {
        match (&mut current, line.trim()) {
            (None, "```sh") => current = Some(String::new()),
            (Some(block), "```") => {
                blocks.push(std::mem::take(block));
                current = None;
            }
            (Some(block), _) => {
                block.push_str(line);
                block.push('\n');
            }
            (None, _) => {}
        }
    }
    let [run, call, test] = blocks.as_slice() else {
        panic!(
            "README's first 30 lines should hold three sh blocks (run, token + curl, test): {blocks:?}"
        );
    };
    assert_eq!(run.trim(), "cargo run --release -- up");
    assert_eq!(test.trim(), "cargo test --workspace");

    // A fresh folder stands for the fresh clone; `cargo run --release --` is the binary
    // the tests built, and the services listen on free ports instead of 8081–8083.
    let clone = tempfile::tempdir().unwrap();
    let (_up, ports) = Up::start(clone.path(), &[]);
    let script = call
        .replace("cargo run --release --", BIN)
        .replace("127.0.0.1:8081", &format!("127.0.0.1:{}", ports[0]))
        .replace("127.0.0.1:8082", &format!("127.0.0.1:{}", ports[1]))
        .replace("127.0.0.1:8083", &format!("127.0.0.1:{}", ports[2]));
    assert!(script.contains("curl"), "{call}");
    let output = Command::new("bash")
        .args(["-euo", "pipefail", "-c", &script])
        .current_dir(clone.path())
        .env_remove("ATVSLD_DATA_DIR")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "the README's call failed:\n{script}\n{}{}",
        text(&output.stdout),
        text(&output.stderr)
    );
    let answer: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert!(answer["items"].is_array(), "{answer}");
}

#[test]
fn token_and_import_refuse_a_data_folder_without_keys_and_create_nothing() {
    let cwd = tempfile::tempdir().unwrap();
    std::fs::write(cwd.path().join("rows.csv"), "Mã số thuế\n4800123456\n").unwrap();
    let before = tree(cwd.path());
    for args in [
        vec!["token", "--role", "admin", "--data-dir", "typo"],
        vec!["token", "--role", "admin"],
        vec![
            "import",
            "rows.csv",
            "--to",
            "establishments",
            "--data-dir",
            "typo",
        ],
    ] {
        let out = atvsld(cwd.path(), &args, "en_US.UTF-8");
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {stderr}");
        let folder = if args.contains(&"typo") {
            "typo"
        } else {
            "data"
        };
        assert!(
            stderr.contains(&format!("the data folder {folder} holds no suite keys")),
            "{args:?}: {stderr}"
        );
        assert!(out.stdout.is_empty(), "{args:?}");
    }
    assert_eq!(tree(cwd.path()), before, "nothing may be created");
}

#[tokio::test]
async fn up_names_its_data_folder_in_the_token_command_and_its_flags_work() {
    let cwd = tempfile::tempdir().unwrap();
    let (up, ports) = Up::start(
        cwd.path(),
        &["--data-dir", "suite data", "--cors-origin", PORTAL],
    );
    let suggested = up.token_command();
    assert_eq!(
        suggested,
        "atvsld token --role admin --data-dir 'suite data'"
    );
    let out = Command::new("bash")
        .args(["-c", &suggested.replacen("atvsld", BIN, 1)])
        .current_dir(cwd.path())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let token = text(&out.stdout).trim().to_owned();
    let incidents = format!("http://127.0.0.1:{}", ports[0]);
    let health = format!("http://127.0.0.1:{}", ports[1]);
    let client = reqwest::Client::new();
    let res = client
        .get(format!("{incidents}/api/v1/establishments"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 200);

    // The banner names the dashboard's address; from a folder with no build in it, the
    // build embedded in the binary is served, and the API answers there under the
    // gateway's prefixes.
    let dashboard = up
        .banner
        .iter()
        .find_map(|l| l.trim_start().strip_prefix("dashboard"))
        .and_then(|l| l.split_whitespace().next())
        .unwrap_or_else(|| panic!("no dashboard line: {:?}", up.banner))
        .to_owned();
    assert!(dashboard.ends_with("/dashboard/"), "{dashboard}");
    let res = client.get(&dashboard).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 200);
    let page = res.text().await.unwrap();
    assert!(page.contains("<title>ATVSLĐ Cao Bằng"), "{page}");
    let gateway = dashboard.trim_end_matches("/dashboard/");
    let res = client
        .get(format!("{gateway}/incidents/api/v1/establishments"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 200);

    // A token of another data folder: 401 that says the key is unknown.
    let other = tempfile::tempdir().unwrap();
    let stranger = atvsld::dev_keys(other.path())
        .unwrap()
        .signer
        .token(
            atvsld::DEV_ISSUER,
            atvsld::DEV_AUDIENCE,
            "dev-admin",
            &[shared::auth::Role::Admin],
            None,
            Duration::from_secs(600),
        )
        .unwrap();
    let res = client
        .get(format!("{incidents}/api/v1/establishments"))
        .bearer_auth(&stranger)
        .header("accept-language", "en")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 401);
    let problem: Value = res.json().await.unwrap();
    assert_eq!(problem["code"], "unknown_signing_key", "{problem}");
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("atvsld token --data-dir"),
        "{problem}"
    );
    // A malformed token stays a plain 401.
    let res = client
        .get(format!("{incidents}/api/v1/establishments"))
        .bearer_auth("not.a.token")
        .send()
        .await
        .unwrap();
    let problem: Value = res.json().await.unwrap();
    assert_eq!(problem["code"], "unauthorized", "{problem}");

    cors_under_up(&client, &incidents, &token).await;
    import_from_the_command_line(cwd.path(), &incidents, &health).await;
}

/// A browser's preflight from the allowed origin succeeds with the headers a frontend
/// sends; one from another origin is refused as a problem document; a response exposes
/// the headers a frontend reads.
async fn cors_under_up(client: &reqwest::Client, incidents: &str, token: &str) {
    let preflight = |origin: &'static str| {
        client
            .request(
                reqwest::Method::OPTIONS,
                format!("{incidents}/api/v1/establishments/1/revisions"),
            )
            .header("origin", origin)
            .header("access-control-request-method", "PATCH")
            .header(
                "access-control-request-headers",
                "authorization, content-type, idempotency-key, if-match",
            )
            .send()
    };
    let res = preflight(PORTAL).await.unwrap();
    assert_eq!(res.status().as_u16(), 200);
    let header = |res: &reqwest::Response, name: &str| {
        res.headers()
            .get(name)
            .map(|v| v.to_str().unwrap().to_ascii_lowercase())
            .unwrap_or_default()
    };
    assert_eq!(header(&res, "access-control-allow-origin"), PORTAL);
    assert!(header(&res, "access-control-allow-methods").contains("patch"));
    for sent in [
        "authorization",
        "content-type",
        "idempotency-key",
        "if-match",
    ] {
        assert!(
            header(&res, "access-control-allow-headers").contains(sent),
            "{sent}"
        );
    }

    let res = preflight("https://evil.example").await.unwrap();
    assert_eq!(res.status().as_u16(), 400);
    assert_eq!(header(&res, "content-type"), "application/problem+json");
    assert_eq!(header(&res, "access-control-allow-origin"), "");
    let problem: Value = res.json().await.unwrap();
    assert_eq!(problem["code"], "cors_refused", "{problem}");
    assert_eq!(problem["errors"][0]["header"], "Origin", "{problem}");
    assert_eq!(problem["errors"][0]["code"], "origin_not_allowed");

    let res = client
        .get(format!("{incidents}/api/v1/establishments"))
        .bearer_auth(token)
        .header("origin", PORTAL)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 200);
    let exposed = header(&res, "access-control-expose-headers");
    for name in ["content-disposition", "etag", "location", "retry-after"] {
        assert!(exposed.contains(name), "{name} not in {exposed}");
    }
}

/// `atvsld import`: a rejected row makes it exit 1 and is cited by its CSV line, in the
/// locale's language; health-exam reports import too.
async fn import_from_the_command_line(cwd: &Path, incidents: &str, health: &str) {
    let good = |n: u32| {
        format!(
            "{},Công ty số {n},4100,2,01273,45,6,30\n",
            shared::testing::tax_code(n)
        )
    };
    let csv = format!(
        "Mã số thuế,Tên cơ sở,Mã ngành,Loại hình,Mã xã,Tổng số lao động,Lao động nữ,\"Lao động nặng nhọc, độc hại\"\n{}4800123457,Bad check digit,4100,2,01273,45,6,30\n{}",
        good(1),
        good(2)
    );
    std::fs::write(cwd.join("establishments.csv"), csv).unwrap();
    let args = [
        "import",
        "establishments.csv",
        "--to",
        "establishments",
        "--url",
        incidents,
        "--data-dir",
        "suite data",
    ];
    let out = atvsld(cwd, &args, "en_US.UTF-8");
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert_eq!(out.status.code(), Some(1), "{stdout}{stderr}");
    assert!(
        stdout.starts_with("3 rows: 2 created, 0 updated, 0 unchanged, 1 rejected ("),
        "{stdout}"
    );
    assert!(stdout.contains(" rows/s)\n"), "{stdout}");
    assert!(stdout.contains("\n  line 3: tax_code "), "{stdout}");
    assert!(!stdout.contains("/1/"), "{stdout}");
    assert!(stderr.contains("1 row(s) rejected"), "{stderr}");

    let out = atvsld(cwd, &args, "vi_VN.UTF-8");
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.starts_with("3 dòng: 0 tạo mới, 0 cập nhật, 2 không đổi, 1 bị từ chối ("),
        "{stdout}"
    );
    assert!(stdout.contains("\n  dòng 3: tax_code "), "{stdout}");

    std::fs::write(
        cwd.join("reports.csv"),
        format!(
            "Kỳ báo cáo,Mã số thuế,Tên cơ sở,Mã xã,Mã ngành,Loại hình,Tổng số lao động,Lao động nữ,Số người khám sức khỏe định kỳ,Số người tiếp xúc yếu tố có hại,Số người khám phát hiện bệnh nghề nghiệp\n2025,{},Công ty số 1,01273,4100,2,45,6,44,30,30\n",
            shared::testing::tax_code(1)
        ),
    )
    .unwrap();
    let out = atvsld(
        cwd,
        &[
            "import",
            "reports.csv",
            "--to",
            "health-exam-reports",
            "--url",
            health,
            "--data-dir",
            "suite data",
        ],
        "en_US.UTF-8",
    );
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}{}", text(&out.stderr));
    assert!(
        stdout.starts_with("1 rows: 1 created, 0 updated, 0 unchanged, 0 rejected ("),
        "{stdout}"
    );
}
