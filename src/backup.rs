//! `atvsld backup` and `atvsld restore`: a copy of every service's database that can
//! be taken while the suite runs, and the way back from it.
//!
//! A backup is a new folder `atvsld-backup-<UTC time>` (mode 0700: it holds personal
//! and health data) with, per service:
//!
//! - `<service>.db`: SQLite, made with `VACUUM INTO`, which writes a consistent snapshot
//!   of a live database (one read transaction: every commit before it, none after) and
//!   never blocks the running service's writer. A plain `cp` of a WAL database is not
//!   a backup: the newest commits may still be in `-wal` only.
//! - `<service>.pgdump`: PostgreSQL, made with `pg_dump --format=custom`, which also
//!   reads one snapshot per database.
//!
//! For SQLite it also keeps the data folder's `keys/` (the development token key, its
//! JWKS and the events secret), and for all of it `manifest.json` with every file's
//! size and SHA-256, which `restore` checks first. The folder is written under a
//! `.partial` name and renamed when complete, so a folder with the final name is a
//! whole backup.
//!
//! `restore` never overwrites: SQLite files go into a data folder that does not hold
//! those databases yet, dumps into empty PostgreSQL databases (`pg_restore
//! --single-transaction --exit-on-error`, so a database that is not empty is left as
//! it was). The services then start on them as usual; migrations bring an older
//! backup forward.

use std::fmt;
use std::fs;
use std::io::{self, Read as _};
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context as _, bail};
use diesel::connection::SimpleConnection as _;
use diesel::{Connection as _, RunQueryDsl as _, sqlite::SqliteConnection};
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};

/// The `format` of the manifests this version writes and reads.
pub const FORMAT: &str = "atvsld-backup-v1";
const MANIFEST: &str = "manifest.json";
const KEYS: &str = "keys";

/// What a backup file is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FileKind {
    /// A SQLite database (a `VACUUM INTO` snapshot).
    Sqlite,
    /// A `pg_dump --format=custom` archive.
    PgDump,
    /// A file of the data folder's `keys/`.
    Key,
}

/// One file of a backup.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileEntry {
    /// Path inside the backup folder, `/`-separated.
    pub path: String,
    /// The service whose database it is; none for key files.
    pub service: Option<String>,
    pub kind: FileKind,
    pub bytes: u64,
    /// Hex SHA-256 of the file.
    pub sha256: String,
}

/// `manifest.json`: what a backup holds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    pub format: String,
    /// UTC, e.g. `2026-12-01T20:15:00.123456Z`.
    pub created_at: String,
    /// The `atvsld` version that wrote it.
    pub atvsld_version: String,
    pub files: Vec<FileEntry>,
}

impl Manifest {
    /// The database files, in service order.
    pub fn databases(&self) -> impl Iterator<Item = &FileEntry> {
        self.files.iter().filter(|f| f.kind != FileKind::Key)
    }

    /// Bytes of every file together.
    pub fn total_bytes(&self) -> u64 {
        self.files.iter().map(|f| f.bytes).sum()
    }
}

/// A service and its PostgreSQL URL. Never printed whole: the URL may hold a password.
#[derive(Clone)]
pub struct ServiceUrl {
    pub service: &'static str,
    pub url: String,
}

impl fmt::Debug for ServiceUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}=<database URL>", self.service)
    }
}

/// Reads `SERVICE=postgres://…` values: each service once, PostgreSQL URLs only.
pub fn parse_service_urls(values: &[String]) -> anyhow::Result<Vec<ServiceUrl>> {
    let mut parsed: Vec<ServiceUrl> = Vec::new();
    for value in values.iter().map(|v| v.trim()).filter(|v| !v.is_empty()) {
        let Some((name, url)) = value.split_once('=') else {
            bail!("expected SERVICE=postgres://…, e.g. incidents=postgres://user@host/incidents");
        };
        let service = crate::services()
            .into_iter()
            .map(|s| s.name)
            .find(|s| *s == name.trim())
            .with_context(|| {
                format!("unknown service {name:?}: use incidents, health-stats or tasks")
            })?;
        if !(url.starts_with("postgres://") || url.starts_with("postgresql://")) {
            bail!(
                "{service}: --database-url takes a postgres:// URL; SQLite files are backed up from --data-dir"
            );
        }
        if parsed.iter().any(|p| p.service == service) {
            bail!("{service} is named twice");
        }
        parsed.push(ServiceUrl {
            service,
            url: url.to_owned(),
        });
    }
    Ok(parsed)
}

/// Where the databases of a backup come from, or a restore goes.
#[derive(Clone, Debug)]
pub enum Databases {
    /// Every service's `<service>.db` in this data folder, and its `keys/`.
    DataDir(PathBuf),
    /// These services' PostgreSQL databases.
    Postgres(Vec<ServiceUrl>),
}

#[derive(Clone, Debug)]
pub struct BackupOptions {
    pub databases: Databases,
    /// The folder the backup folder is made in (created if needed).
    pub out_dir: PathBuf,
    /// The `pg_dump` program (found on `PATH` by default).
    pub pg_dump: PathBuf,
}

#[derive(Clone, Debug)]
pub struct RestoreOptions {
    /// A folder made by [`backup`].
    pub backup_dir: PathBuf,
    pub target: Databases,
    /// The `pg_restore` program (found on `PATH` by default).
    pub pg_restore: PathBuf,
}

/// Takes a backup; returns its folder and manifest. Blocking: run it off the async
/// workers.
pub fn backup(options: &BackupOptions) -> anyhow::Result<(PathBuf, Manifest)> {
    let now = chrono::Utc::now();
    let name = format!("atvsld-backup-{}", now.format("%Y%m%dT%H%M%SZ"));
    let final_dir = options.out_dir.join(&name);
    if final_dir.exists() {
        bail!(
            "{} already exists: one backup a second at most",
            final_dir.display()
        );
    }
    if let Databases::DataDir(data_dir) = &options.databases {
        check_data_dir(data_dir)?;
    }
    fs::create_dir_all(&options.out_dir)
        .with_context(|| format!("cannot create {}", options.out_dir.display()))?;
    let partial = options.out_dir.join(format!(".{name}.partial"));
    private_dir(&partial).with_context(|| format!("cannot create {}", partial.display()))?;
    match write_backup(options, &partial, shared::time::utc_micros(now)) {
        Ok(manifest) => {
            fs::rename(&partial, &final_dir)?;
            sync_dir(&options.out_dir);
            Ok((final_dir, manifest))
        }
        Err(e) => {
            // A half-made backup is no backup; its name says so if removal fails.
            let _ = fs::remove_dir_all(&partial);
            Err(e)
        }
    }
}

fn check_data_dir(data_dir: &Path) -> anyhow::Result<()> {
    let missing: Vec<String> = crate::services()
        .iter()
        .map(|s| format!("{}.db", s.name))
        .filter(|file| !data_dir.join(file).is_file())
        .collect();
    if !missing.is_empty() {
        bail!(
            "{} holds no {} (is it the data folder of `atvsld up`?)",
            data_dir.display(),
            missing.join(", ")
        );
    }
    Ok(())
}

fn write_backup(
    options: &BackupOptions,
    dir: &Path,
    created_at: String,
) -> anyhow::Result<Manifest> {
    let mut files = Vec::new();
    match &options.databases {
        Databases::DataDir(data_dir) => {
            for def in crate::services() {
                let file = format!("{}.db", def.name);
                snapshot_sqlite(&data_dir.join(&file), &dir.join(&file))
                    .with_context(|| format!("{}: snapshot failed", def.name))?;
                files.push(entry(dir, &file, Some(def.name), FileKind::Sqlite)?);
            }
            let keys = data_dir.join(KEYS);
            if keys.is_dir() {
                private_dir(&dir.join(KEYS))?;
                for key in sorted_files(&keys)? {
                    let path = format!("{KEYS}/{key}");
                    copy_private(&keys.join(&key), &dir.join(KEYS).join(&key))?;
                    files.push(entry(dir, &path, None, FileKind::Key)?);
                }
            }
        }
        Databases::Postgres(targets) => {
            if targets.is_empty() {
                bail!("no database named: give --database-url SERVICE=postgres://… for each");
            }
            for target in targets {
                let file = format!("{}.pgdump", target.service);
                pg_dump(&options.pg_dump, target, &dir.join(&file))?;
                files.push(entry(dir, &file, Some(target.service), FileKind::PgDump)?);
            }
        }
    }
    let manifest = Manifest {
        format: FORMAT.to_owned(),
        created_at,
        atvsld_version: env!("CARGO_PKG_VERSION").to_owned(),
        files,
    };
    let path = dir.join(MANIFEST);
    fs::write(
        &path,
        format!("{}\n", serde_json::to_string_pretty(&manifest)?),
    )?;
    make_private(&path)?;
    sync_file(&path)?;
    sync_dir(dir);
    Ok(manifest)
}

/// `VACUUM INTO` on a connection of our own: a read transaction, so the service's
/// writer goes on (WAL), and the copy holds exactly the commits before it began.
fn snapshot_sqlite(source: &Path, dest: &Path) -> anyhow::Result<()> {
    let source_text = source
        .to_str()
        .with_context(|| format!("{} is not a UTF-8 path", source.display()))?;
    let dest_text = dest
        .to_str()
        .with_context(|| format!("{} is not a UTF-8 path", dest.display()))?;
    let mut conn = SqliteConnection::establish(source_text)?;
    // Wait for a checkpoint or a schema change in progress instead of failing.
    conn.batch_execute("PRAGMA busy_timeout = 30000;")?;
    diesel::sql_query("VACUUM INTO ?")
        .bind::<diesel::sql_types::Text, _>(dest_text)
        .execute(&mut conn)?;
    drop(conn);
    make_private(dest)?;
    let mut copy = SqliteConnection::establish(dest_text)?;
    let verdict: Vec<Check> =
        diesel::sql_query("SELECT quick_check AS value FROM pragma_quick_check").load(&mut copy)?;
    if verdict.iter().map(|c| c.value.as_str()).ne(["ok"]) {
        bail!(
            "the snapshot failed its integrity check: {:?}",
            verdict.into_iter().map(|c| c.value).collect::<Vec<_>>()
        );
    }
    drop(copy);
    sync_file(dest)
}

#[derive(diesel::QueryableByName)]
struct Check {
    #[diesel(sql_type = diesel::sql_types::Text)]
    value: String,
}

/// Runs `pg_dump` for one database: custom format (compressed, restorable object by
/// object), never prompting for a password.
fn pg_dump(program: &Path, target: &ServiceUrl, dest: &Path) -> anyhow::Result<()> {
    let (url, password) = split_password(&target.url)?;
    let mut command = Command::new(program);
    command
        .arg("--format=custom")
        .arg("--no-password")
        .arg("--file")
        .arg(dest)
        .arg("--dbname")
        .arg(url);
    if let Some(password) = password {
        command.env("PGPASSWORD", password);
    }
    run_tool(command, program, "pg_dump", target.service)?;
    make_private(dest)?;
    sync_file(dest)
}

/// Runs a PostgreSQL client tool and turns its failure into an error that says what to do.
fn run_tool(mut command: Command, program: &Path, tool: &str, service: &str) -> anyhow::Result<()> {
    let output = command.output().map_err(|e| {
        if e.kind() == io::ErrorKind::NotFound {
            anyhow::anyhow!(
                "{tool} was not found ({}): install the PostgreSQL client tools, of the \
                 server's major version or newer (Debian/Ubuntu: postgresql-client)",
                program.display()
            )
        } else {
            anyhow::anyhow!("cannot run {}: {e}", program.display())
        }
    })?;
    if !output.status.success() {
        bail!(
            "{tool} failed for {service} ({}): {}",
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    Ok(())
}

/// The URL without its password, and the password for `PGPASSWORD`: on the command
/// line it would show in every process list.
fn split_password(url: &str) -> anyhow::Result<(String, Option<String>)> {
    let mut parsed = reqwest::Url::parse(url)
        .map_err(|e| anyhow::anyhow!("the database URL does not parse: {e}"))?;
    let Some(encoded) = parsed.password().map(str::to_owned) else {
        return Ok((url.to_owned(), None));
    };
    let password = percent_decode(&encoded).context("the password in the URL is not UTF-8")?;
    parsed
        .set_password(None)
        .map_err(|()| anyhow::anyhow!("the database URL has no host"))?;
    Ok((parsed.to_string(), Some(password)))
}

/// `%XX` sequences to bytes, as in a URL's user information.
fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (b, hex) {
            (b'%', Some(decoded)) => {
                out.push(decoded);
                i += 3;
            }
            _ => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}

/// Restores a backup; returns what was restored, one line each. Blocking.
pub fn restore(options: &RestoreOptions) -> anyhow::Result<Vec<String>> {
    let dir = &options.backup_dir;
    let manifest = read_manifest(dir)?;
    for file in &manifest.files {
        verify(dir, file)?;
    }
    match &options.target {
        Databases::DataDir(data_dir) => restore_sqlite(dir, &manifest, data_dir),
        Databases::Postgres(targets) => {
            if targets.is_empty() {
                bail!("no database named: give --database-url SERVICE=postgres://… for each");
            }
            let mut done = Vec::new();
            for target in targets {
                let file = manifest
                    .databases()
                    .find(|f| f.service.as_deref() == Some(target.service))
                    .with_context(|| {
                        format!("the backup holds no database of {}", target.service)
                    })?;
                if file.kind != FileKind::PgDump {
                    bail!("{} is a SQLite file: restore it with --data-dir", file.path);
                }
                pg_restore(&options.pg_restore, target, &dir.join(&file.path))?;
                done.push(format!("{} → {} (PostgreSQL)", file.path, target.service));
            }
            Ok(done)
        }
    }
}

/// Reads and checks `manifest.json`; every path must stay inside the backup folder.
pub fn read_manifest(dir: &Path) -> anyhow::Result<Manifest> {
    let path = dir.join(MANIFEST);
    let text = fs::read_to_string(&path)
        .with_context(|| format!("{} is not a backup: no readable {MANIFEST}", dir.display()))?;
    let manifest: Manifest =
        serde_json::from_str(&text).with_context(|| format!("{} is unreadable", path.display()))?;
    if manifest.format != FORMAT {
        bail!(
            "{} is format {:?}; this atvsld reads {FORMAT}",
            path.display(),
            manifest.format
        );
    }
    for file in &manifest.files {
        let safe = !file.path.is_empty()
            && file
                .path
                .split('/')
                .all(|part| !part.is_empty() && part != "." && part != "..")
            && !file.path.contains('\\');
        if !safe {
            bail!("{} names an unsafe path {:?}", path.display(), file.path);
        }
    }
    Ok(manifest)
}

fn verify(dir: &Path, file: &FileEntry) -> anyhow::Result<()> {
    let (bytes, sha256) = digest(&dir.join(&file.path))
        .with_context(|| format!("{} is missing from the backup", file.path))?;
    if bytes != file.bytes || sha256 != file.sha256 {
        bail!(
            "{} does not match the manifest (damaged or changed since the backup)",
            file.path
        );
    }
    Ok(())
}

fn restore_sqlite(dir: &Path, manifest: &Manifest, data_dir: &Path) -> anyhow::Result<Vec<String>> {
    if let Some(dump) = manifest.databases().find(|f| f.kind == FileKind::PgDump) {
        bail!(
            "{} is a PostgreSQL dump: restore it with --database-url {}=postgres://…",
            dump.path,
            dump.service.as_deref().unwrap_or("SERVICE")
        );
    }
    // Everything is checked before anything is written.
    let mut taken = Vec::new();
    for file in &manifest.files {
        let dest = data_dir.join(&file.path);
        let mut names = vec![dest.clone()];
        if file.kind == FileKind::Sqlite {
            names.push(suffixed(&dest, "-wal"));
            names.push(suffixed(&dest, "-shm"));
        }
        taken.extend(names.into_iter().filter(|p| p.exists()));
    }
    if !taken.is_empty() {
        bail!(
            "{} already holds {}: restore into a new folder (or move these aside first)",
            data_dir.display(),
            taken
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    fs::create_dir_all(data_dir)?;
    let mut done = Vec::new();
    for file in &manifest.files {
        let dest = data_dir.join(&file.path);
        if file.kind == FileKind::Key && !dest.parent().is_some_and(Path::is_dir) {
            private_dir(&data_dir.join(KEYS))?;
        }
        // Copied under another name and renamed: a crash leaves no half database
        // under the name a service would open.
        let part = suffixed(&dest, ".restoring");
        copy_private(&dir.join(&file.path), &part)?;
        fs::rename(&part, &dest)?;
        done.push(format!("{} → {}", file.path, dest.display()));
    }
    sync_dir(data_dir);
    Ok(done)
}

/// `pg_restore` into an empty database, as one transaction: any error leaves the
/// database as it was. Objects are owned by the connecting role (the service's own).
fn pg_restore(program: &Path, target: &ServiceUrl, dump: &Path) -> anyhow::Result<()> {
    let (url, password) = split_password(&target.url)?;
    let mut command = Command::new(program);
    command
        .arg("--no-owner")
        .arg("--no-privileges")
        .arg("--single-transaction")
        .arg("--exit-on-error")
        .arg("--no-password")
        .arg("--dbname")
        .arg(url)
        .arg(dump);
    if let Some(password) = password {
        command.env("PGPASSWORD", password);
    }
    run_tool(command, program, "pg_restore", target.service)
}

fn entry(
    dir: &Path,
    path: &str,
    service: Option<&str>,
    kind: FileKind,
) -> anyhow::Result<FileEntry> {
    let (bytes, sha256) = digest(&dir.join(path))?;
    Ok(FileEntry {
        path: path.to_owned(),
        service: service.map(str::to_owned),
        kind,
        bytes,
        sha256,
    })
}

/// Size and hex SHA-256 of a file, read in pieces (databases can be large).
fn digest(path: &Path) -> io::Result<(u64, String)> {
    let mut file = fs::File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; 1 << 16];
    let mut total = 0u64;
    loop {
        let n = file.read(&mut buffer)?;
        if n == 0 {
            break;
        }
        hasher.update(buffer.get(..n).unwrap_or_default());
        total += n as u64;
    }
    let hex = format!("{:x}", hasher.finalize());
    Ok((total, hex))
}

fn sorted_files(dir: &Path) -> io::Result<Vec<String>> {
    let mut names = Vec::new();
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        if entry.file_type()?.is_file()
            && let Some(name) = entry.file_name().to_str()
        {
            names.push(name.to_owned());
        }
    }
    names.sort();
    Ok(names)
}

fn suffixed(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

/// A folder only its owner may enter.
fn private_dir(path: &Path) -> io::Result<()> {
    let mut builder = fs::DirBuilder::new();
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(path)
}

/// Readable and writable by its owner only.
fn make_private(path: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        fs::set_permissions(path, fs::Permissions::from_mode(0o600))?;
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

/// Copies `from` to a new file `to` that only its owner can read, flushed to disk.
fn copy_private(from: &Path, to: &Path) -> io::Result<()> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut out = options.open(to)?;
    io::copy(&mut fs::File::open(from)?, &mut out)?;
    out.sync_all()
}

fn sync_file(path: &Path) -> anyhow::Result<()> {
    fs::File::open(path)?.sync_all()?;
    Ok(())
}

/// Makes a rename in `dir` durable. Best effort: not every platform opens folders.
fn sync_dir(dir: &Path) {
    if let Ok(handle) = fs::File::open(dir) {
        let _ = handle.sync_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn service_urls_are_named_once_and_postgres_only() {
        let parsed = parse_service_urls(&[
            "incidents=postgres://u:p@h/incidents?sslmode=require".into(),
            "tasks=postgresql://h/tasks".into(),
        ])
        .unwrap_or_default();
        assert_eq!(
            parsed.iter().map(|p| p.service).collect::<Vec<_>>(),
            ["incidents", "tasks"]
        );
        assert_eq!(
            parsed.first().map(|p| p.url.as_str()),
            Some("postgres://u:p@h/incidents?sslmode=require")
        );
        assert!(
            !format!("{parsed:?}").contains("u:p"),
            "no password printed"
        );
        for bad in [
            "incidents",
            "reports=postgres://h/r",
            "incidents=sqlite://x.db",
        ] {
            assert!(parse_service_urls(&[bad.into()]).is_err(), "{bad}");
        }
        assert!(
            parse_service_urls(&["tasks=postgres://h/a".into(), "tasks=postgres://h/b".into()])
                .is_err()
        );
    }

    #[test]
    fn the_password_leaves_the_url_for_the_environment() {
        let (url, password) =
            split_password("postgres://incidents:p%40ss%2Fw@db:5432/incidents?sslmode=require")
                .unwrap_or_default();
        assert_eq!(
            url,
            "postgres://incidents@db:5432/incidents?sslmode=require"
        );
        assert_eq!(password.as_deref(), Some("p@ss/w"));
        let (url, password) =
            split_password("postgres://postgres@127.0.0.1/postgres").unwrap_or_default();
        assert_eq!(url, "postgres://postgres@127.0.0.1/postgres");
        assert_eq!(password, None);
        assert_eq!(percent_decode("a%2"), Some("a%2".into()));
    }

    #[test]
    fn manifests_with_paths_outside_the_folder_are_refused() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let manifest = |path: &str| Manifest {
            format: FORMAT.into(),
            created_at: "2026-12-01T00:00:00.000000Z".into(),
            atvsld_version: "0".into(),
            files: vec![FileEntry {
                path: path.into(),
                service: None,
                kind: FileKind::Key,
                bytes: 0,
                sha256: String::new(),
            }],
        };
        for (path, ok) in [("keys/jwks.json", true), ("../x", false), ("/etc/x", false)] {
            let text = serde_json::to_string(&manifest(path)).unwrap_or_default();
            fs::write(dir.path().join(MANIFEST), text).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(read_manifest(dir.path()).is_ok(), ok, "{path}");
        }
    }
}
