//! `atvsld backup` and `atvsld restore`: records are written, a backup is taken while
//! the suite runs and writes go on, it is restored into a fresh place, and services
//! started there read the records back. SQLite (the data folder of `atvsld up`)
//! always; PostgreSQL when `TEST_DATABASE_URL` is set and `pg_dump`/`pg_restore` are
//! on PATH (otherwise that test says why it skipped).

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use atvsld::backup::{self, BackupOptions, Databases, FileKind, RestoreOptions, ServiceUrl};
use serde_json::{Value, json};
use shared::auth::Role;
use shared::config::Settings;
use shared::server::ServiceDef;
use shared::testing::{TestDatabase, TestKeys, settings, tax_code};

use super::post_ok as post;

/// How a test signs tokens the services it started trust.
type Tokens = Arc<dyn Fn(Role, Option<&str>) -> String + Send + Sync>;

/// A running suite: base URLs of incidents, health-stats and tasks.
struct Suite {
    bases: Vec<String>,
    handles: Vec<actix_web::dev::ServerHandle>,
}

impl Suite {
    async fn start(planned: Vec<(&'static ServiceDef, Settings)>) -> Suite {
        shared::telemetry::init_test_tracing();
        let apps = atvsld::start(planned).await.unwrap();
        let mut bases = Vec::new();
        let mut handles = Vec::new();
        for app in apps {
            bases.push(format!("http://127.0.0.1:{}", app.port()));
            handles.push(app.handle());
            tokio::spawn(app.run_until_stopped());
        }
        Suite { bases, handles }
    }

    fn url(&self, service: usize, path: &str) -> String {
        format!("{}{path}", self.bases[service])
    }

    async fn stop(self) {
        for handle in self.handles {
            handle.stop(true).await;
        }
    }
}

const INCIDENTS: usize = 0;
const HEALTH: usize = 1;
const TASKS: usize = 2;
const TAX_CODE: &str = "0100047516";

async fn get(client: &reqwest::Client, url: &str, token: &str) -> Value {
    let res = client.get(url).bearer_auth(token).send().await.unwrap();
    let status = res.status().as_u16();
    let json: Value = res.json().await.unwrap();
    assert_eq!(status, 200, "{url}: {json}");
    json
}

fn establishment(tax_code: &str, name: &str) -> Value {
    json!({"tax_code": tax_code, "name": name, "vsic_code": "07100", "ownership_type": "2",
           "commune_code": "01273", "headcount": {"total": 120, "female": 30, "hazardous": 80}})
}

/// What a test writes before the backup and reads back after the restore.
struct Written {
    establishment: Value,
    accident: Value,
    disease_case: Value,
}

async fn write_records(suite: &Suite, tokens: &Tokens) -> Written {
    let client = reqwest::Client::new();
    let labor = tokens(Role::LaborAuthority, Some("SNV"));
    let establishment = post(
        &client,
        &suite.url(INCIDENTS, "/api/v1/establishments"),
        &labor,
        &establishment(TAX_CODE, "Công ty TNHH Khai khoáng Cao Bằng"),
    )
    .await;
    let at = (chrono::Utc::now() - chrono::Duration::hours(2)).to_rfc3339();
    let accident = post(
        &client,
        &suite.url(INCIDENTS, "/api/v1/accidents"),
        &tokens(Role::Enterprise, Some(TAX_CODE)),
        &json!({
            "sector": "with_labour_relation", "employer": {"tax_code": TAX_CODE},
            "occurred_at": at, "notified_at": at,
            "place": {"commune_code": "01273", "address": "Khai trường mỏ, tổ 5"},
            "description": "Sạt lở đất đá tại khai trường.", "cause_codes": ["1"],
            "casualties": [{"personal_id": "004090012345", "full_name": "Nông Văn A", "gender": "male",
                            "birth_year": 1990, "contract_type": "indefinite", "severity": "serious"}]
        }),
    )
    .await;
    let disease_case = post(
        &client,
        &suite.url(HEALTH, "/api/v1/occupational-disease-cases"),
        &tokens(Role::HealthAuthority, Some("SYT")),
        &json!({
            "personal_id": "004090054321", "full_name": "Hoàng Văn C", "gender": "male", "birth_date": "1990-04-12",
            "establishment": {"tax_code": TAX_CODE, "name": "Công ty TNHH Khai khoáng Cao Bằng",
                              "commune_code": "01273", "vsic_code": "07100", "ownership_type": "2"},
            "disease_code": "BNN-18", "exposure_factor": "Tiếng ồn khu nghiền đá",
            "diagnosed_on": "2026-05-02", "diagnosis_facility": "Trung tâm Kiểm soát bệnh tật tỉnh Cao Bằng"
        }),
    )
    .await;
    post(
        &client,
        &suite.url(TASKS, "/api/v1/agencies"),
        &labor,
        &json!({"code": "SGDDT", "name": "Sở Giáo dục và Đào tạo", "kind": "department", "valid_from": "2025-03-01"}),
    )
    .await;
    Written {
        establishment,
        accident,
        disease_case,
    }
}

/// Registers establishments one after another until told to stop; returns how many
/// were created.
fn keep_writing(
    suite: &Suite,
    tokens: &Tokens,
    stop: Arc<AtomicBool>,
) -> (Arc<AtomicUsize>, tokio::task::JoinHandle<()>) {
    let count = Arc::new(AtomicUsize::new(0));
    let url = suite.url(INCIDENTS, "/api/v1/establishments");
    let token = tokens(Role::LaborAuthority, Some("SNV"));
    let written = count.clone();
    let task = tokio::spawn(async move {
        let client = reqwest::Client::new();
        let mut n = 1;
        while !stop.load(Ordering::SeqCst) {
            let body = establishment(&tax_code(n), &format!("Hợp tác xã số {n}"));
            post(&client, &url, &token, &body).await;
            written.fetch_add(1, Ordering::SeqCst);
            n += 1;
        }
    });
    (count, task)
}

/// Every establishment of the registry, page by page.
async fn establishment_count(suite: &Suite, tokens: &Tokens) -> usize {
    let client = reqwest::Client::new();
    let token = tokens(Role::LaborAuthority, Some("SNV"));
    let mut count = 0;
    let mut cursor: Option<String> = None;
    loop {
        let mut url = suite.url(INCIDENTS, "/api/v1/establishments?limit=500");
        if let Some(c) = &cursor {
            url.push_str(&format!("&cursor={c}"));
        }
        let page = get(&client, &url, &token).await;
        count += page["items"].as_array().unwrap().len();
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => return count,
        }
    }
}

/// Takes the backup while establishments keep being registered; returns the backup
/// folder, its manifest and the number of establishments before and after it.
async fn backup_during_writes(
    suite: &Suite,
    tokens: &Tokens,
    options: BackupOptions,
) -> (std::path::PathBuf, backup::Manifest, usize, usize) {
    let stop = Arc::new(AtomicBool::new(false));
    let (written, writer) = keep_writing(suite, tokens, stop.clone());
    while written.load(Ordering::SeqCst) < 5 {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let before = written.load(Ordering::SeqCst);
    let (dir, manifest) = tokio::task::spawn_blocking(move || backup::backup(&options))
        .await
        .unwrap()
        .unwrap();
    let after_backup = written.load(Ordering::SeqCst);
    tokio::time::sleep(Duration::from_millis(100)).await;
    stop.store(true, Ordering::SeqCst);
    writer.await.unwrap();
    eprintln!(
        "backup {}: {} bytes; {} establishment(s) registered while it ran",
        dir.display(),
        manifest.total_bytes(),
        after_backup - before
    );
    // The first establishment of write_records, then the writer's.
    (dir, manifest, 1 + before, 1 + after_backup + 1)
}

/// Reads back what `write_records` wrote, through services started on the restore.
async fn read_back(suite: &Suite, tokens: &Tokens, written: &Written) {
    let client = reqwest::Client::new();
    let labor = tokens(Role::LaborAuthority, Some("SNV"));
    let id = written.establishment["id"].as_str().unwrap();
    let establishment = get(
        &client,
        &suite.url(INCIDENTS, &format!("/api/v1/establishments/{id}")),
        &labor,
    )
    .await;
    assert_eq!(establishment, written.establishment);

    let id = written.accident["id"].as_str().unwrap();
    let accident = get(
        &client,
        &suite.url(INCIDENTS, &format!("/api/v1/accidents/{id}")),
        &tokens(Role::Enterprise, Some(TAX_CODE)),
    )
    .await;
    assert_eq!(accident["casualties"], written.accident["casualties"]);
    assert_eq!(accident["receipt"], written.accident["receipt"]);
    // The receipt signing key is in the database: receipts still verify.
    let verdict = post(
        &client,
        &suite.url(INCIDENTS, "/api/v1/receipts/verify"),
        &tokens(Role::Viewer, None),
        &written.accident["receipt"],
    )
    .await;
    assert_eq!(verdict["valid"], true, "{verdict}");

    let id = written.disease_case["id"].as_str().unwrap();
    let case = get(
        &client,
        &suite.url(HEALTH, &format!("/api/v1/occupational-disease-cases/{id}")),
        &tokens(Role::HealthAuthority, Some("SYT")),
    )
    .await;
    assert_eq!(case["disease_code"], "BNN-18");
    assert_eq!(case["personal_id"], "004090054321");

    let agency = get(&client, &suite.url(TASKS, "/api/v1/agencies/SGDDT"), &labor).await;
    assert_eq!(agency["name"], "Sở Giáo dục và Đào tạo");
}

/// The suite as `atvsld up` runs it on `data_dir`, on free ports.
fn local(data_dir: &Path) -> (Vec<(&'static ServiceDef, Settings)>, Tokens) {
    let keys = atvsld::dev_keys(data_dir).unwrap();
    let secret = atvsld::events_secret(data_dir).unwrap();
    let options = atvsld::UpOptions {
        host: "127.0.0.1".into(),
        ports: [0, 0, 0],
        data_dir: data_dir.to_path_buf(),
        database_url: None,
        log: Default::default(),
    };
    let planned = atvsld::services()
        .into_iter()
        .map(|def| {
            let mut s = atvsld::local_settings(def, &options, 0, &keys.jwks_path, &secret);
            s.server.workers = 1;
            (def, s)
        })
        .collect();
    let signer = keys.signer;
    let tokens: Tokens = Arc::new(move |role, org| {
        signer
            .token(
                atvsld::DEV_ISSUER,
                atvsld::DEV_AUDIENCE,
                "backup-test",
                &[role],
                org,
                Duration::from_secs(600),
            )
            .unwrap()
    });
    (planned, tokens)
}

#[cfg(unix)]
fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sqlite_backup_taken_while_the_suite_writes_restores_into_a_fresh_data_folder() {
    let root = tempfile::tempdir().unwrap();
    let data_dir = root.path().join("data");
    let (planned, tokens) = local(&data_dir);
    let suite = Suite::start(planned).await;
    let written = write_records(&suite, &tokens).await;

    let options = BackupOptions {
        databases: Databases::DataDir(data_dir.clone()),
        out_dir: root.path().join("backups"),
        pg_dump: "pg_dump".into(),
    };
    let (dir, manifest, at_least, at_most) = backup_during_writes(&suite, &tokens, options).await;
    assert!(
        dir.file_name()
            .unwrap()
            .to_str()
            .unwrap()
            .starts_with("atvsld-backup-"),
        "{}",
        dir.display()
    );
    let paths: Vec<&str> = manifest.files.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "incidents.db",
            "health-stats.db",
            "tasks.db",
            "keys/events-secret",
            "keys/jwks.json",
            "keys/signing-key.der"
        ]
    );
    #[cfg(unix)]
    {
        assert_eq!(mode(&dir), 0o700);
        assert_eq!(mode(&dir.join("keys")), 0o700);
        for file in &manifest.files {
            assert_eq!(mode(&dir.join(&file.path)), 0o600, "{}", file.path);
        }
    }
    suite.stop().await;

    // A snapshot is one transaction: every establishment in it has its event in it.
    {
        use diesel::{Connection, RunQueryDsl};
        #[derive(diesel::QueryableByName)]
        struct Counts {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            establishments: i64,
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            events: i64,
        }
        let path = dir.join("incidents.db");
        let mut conn = diesel::SqliteConnection::establish(path.to_str().unwrap()).unwrap();
        let counts: Counts = diesel::sql_query(
            "SELECT (SELECT count(*) FROM establishments) AS establishments, \
             (SELECT count(*) FROM outbox_events WHERE event_type = 'establishment.upserted') AS events",
        )
        .get_result(&mut conn)
        .unwrap();
        assert_eq!(counts.establishments, counts.events);
    }

    let restored_dir = root.path().join("restored");
    let restore = RestoreOptions {
        backup_dir: dir.clone(),
        target: Databases::DataDir(restored_dir.clone()),
        pg_restore: "pg_restore".into(),
    };
    let done = backup::restore(&restore).unwrap();
    assert_eq!(done.len(), 6, "{done:?}");
    for key in ["events-secret", "jwks.json", "signing-key.der"] {
        assert_eq!(
            std::fs::read(restored_dir.join("keys").join(key)).unwrap(),
            std::fs::read(data_dir.join("keys").join(key)).unwrap(),
            "{key}"
        );
    }
    // Never over a folder that holds the databases already.
    let again = backup::restore(&restore).unwrap_err().to_string();
    assert!(again.contains("already holds"), "{again}");

    // Tokens signed with the restored key are trusted by services started there.
    let (planned, tokens) = local(&restored_dir);
    let restored = Suite::start(planned).await;
    read_back(&restored, &tokens, &written).await;
    let count = establishment_count(&restored, &tokens).await;
    assert!(
        (at_least..=at_most).contains(&count),
        "{count} establishments, expected {at_least}..={at_most}"
    );
    restored.stop().await;

    // A damaged file is caught before anything is restored.
    let tasks_db = dir.join("tasks.db");
    let mut bytes = std::fs::read(&tasks_db).unwrap();
    bytes.push(0);
    std::fs::write(&tasks_db, bytes).unwrap();
    let damaged = backup::restore(&RestoreOptions {
        target: Databases::DataDir(root.path().join("third")),
        ..restore
    })
    .unwrap_err()
    .to_string();
    assert!(damaged.contains("tasks.db does not match"), "{damaged}");
    assert!(!root.path().join("third").join("incidents.db").exists());
}

#[test]
fn a_postgres_backup_without_pg_dump_says_what_to_install() {
    let dir = tempfile::tempdir().unwrap();
    let error = backup::backup(&BackupOptions {
        databases: Databases::Postgres(vec![ServiceUrl {
            service: "incidents",
            url: "postgres://incidents:secret@127.0.0.1:1/incidents".into(),
        }]),
        out_dir: dir.path().to_path_buf(),
        pg_dump: dir.path().join("no-such-pg_dump"),
    })
    .unwrap_err()
    .to_string();
    assert!(error.contains("pg_dump was not found"), "{error}");
    assert!(error.contains("PostgreSQL client tools"), "{error}");
    assert!(!error.contains("secret"), "{error}");
    // Nothing is left behind, not even the partial folder.
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}

/// Whether `tool` runs; the reason it does not, otherwise.
fn runs(tool: &str) -> Result<(), String> {
    match std::process::Command::new(tool).arg("--version").output() {
        Ok(out) if out.status.success() => Ok(()),
        Ok(out) => Err(format!("{tool} --version failed: {}", out.status)),
        Err(e) => Err(format!("{tool} is not on PATH ({e})")),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_postgres_backup_taken_while_the_suite_writes_restores_into_empty_databases() {
    let admin = match std::env::var("TEST_DATABASE_URL") {
        Ok(url) if !url.is_empty() => url,
        _ => {
            eprintln!(
                "skipped: TEST_DATABASE_URL is not set (the PostgreSQL backup needs a server)"
            );
            return;
        }
    };
    if let Err(reason) = runs("pg_dump").and_then(|()| runs("pg_restore")) {
        eprintln!("skipped: {reason}");
        return;
    }
    let keys = Arc::new(TestKeys::new().unwrap());
    let signer = keys.clone();
    let tokens: Tokens = Arc::new(move |role, org| signer.token(role, org));
    let databases: Vec<TestDatabase> = (0..3)
        .map(|_| TestDatabase::on_postgres(&admin).unwrap())
        .collect();
    let planned = atvsld::services()
        .into_iter()
        .zip(&databases)
        .map(|(def, db)| (def, settings(db, &keys)))
        .collect();
    let suite = Suite::start(planned).await;
    let written = write_records(&suite, &tokens).await;

    let urls = |dbs: &[TestDatabase]| -> Vec<ServiceUrl> {
        atvsld::services()
            .iter()
            .zip(dbs)
            .map(|(def, db)| ServiceUrl {
                service: def.name,
                url: db.url.clone(),
            })
            .collect()
    };
    let root = tempfile::tempdir().unwrap();
    let options = BackupOptions {
        databases: Databases::Postgres(urls(&databases)),
        out_dir: root.path().to_path_buf(),
        pg_dump: "pg_dump".into(),
    };
    let (dir, manifest, at_least, at_most) = backup_during_writes(&suite, &tokens, options).await;
    assert!(manifest.files.iter().all(|f| f.kind == FileKind::PgDump));
    assert_eq!(manifest.files.len(), 3);
    suite.stop().await;

    let fresh: Vec<TestDatabase> = (0..3)
        .map(|_| TestDatabase::on_postgres(&admin).unwrap())
        .collect();
    let restore = RestoreOptions {
        backup_dir: dir,
        target: Databases::Postgres(urls(&fresh)),
        pg_restore: "pg_restore".into(),
    };
    tokio::task::spawn_blocking({
        let restore = restore.clone();
        move || backup::restore(&restore)
    })
    .await
    .unwrap()
    .unwrap();
    // Into a database that is no longer empty, nothing is restored.
    let again = tokio::task::spawn_blocking(move || backup::restore(&restore))
        .await
        .unwrap()
        .unwrap_err()
        .to_string();
    assert!(again.contains("pg_restore failed"), "{again}");

    let planned = atvsld::services()
        .into_iter()
        .zip(&fresh)
        .map(|(def, db)| (def, settings(db, &keys)))
        .collect();
    let restored = Suite::start(planned).await;
    read_back(&restored, &tokens, &written).await;
    let count = establishment_count(&restored, &tokens).await;
    assert!(
        (at_least..=at_most).contains(&count),
        "{count} establishments, expected {at_least}..={at_most}"
    );
    restored.stop().await;
}
