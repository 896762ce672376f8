//! The connection enum and an r2d2 manager that picks the backend from the URL.
//!
//! diesel's derived `establish` tries each backend in turn and throws both errors
//! away ("Invalid connection url for multiconnection"); ours dispatches on the
//! scheme so a refused connection or a bad password says so, and it sets the
//! per-connection SQLite pragmas that make SQLite safe for us.

use diesel::connection::SimpleConnection;
use diesel::pg::PgConnection;
use diesel::prelude::*;
use diesel::r2d2::R2D2Connection;
use diesel::sqlite::SqliteConnection;
use secrecy::ExposeSecret;

use crate::config::DatabaseSettings;

#[derive(diesel::MultiConnection)]
pub enum DbConnection {
    Postgres(PgConnection),
    Sqlite(SqliteConnection),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Postgres,
    Sqlite,
}

impl Backend {
    /// The backend named by `url`, and the string to hand to it.
    pub fn from_url(url: &str) -> anyhow::Result<(Backend, String)> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok((Backend::Postgres, url.to_owned()))
        } else if let Some(path) = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
        {
            if path.is_empty() {
                anyhow::bail!("the SQLite URL names no file");
            }
            Ok((Backend::Sqlite, path.to_owned()))
        } else {
            // Never fall back to a SQLite file named like a mistyped URL.
            anyhow::bail!("unsupported database URL scheme: use postgres://… or sqlite://path")
        }
    }
}

/// Foreign keys are off by default per SQLite connection; WAL lets readers run
/// beside the writer; `synchronous=FULL` makes a 2xx mean the commit is on disk.
const SQLITE_PRAGMAS: &str =
    "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;";

#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error(transparent)]
    Connection(#[from] diesel::ConnectionError),
    #[error(transparent)]
    Query(#[from] diesel::result::Error),
}

pub struct ConnectionManager {
    backend: Backend,
    target: String,
    /// Run on every new connection: the timeouts of [`DatabaseSettings`].
    setup: String,
}

impl ConnectionManager {
    /// A manager with the default timeouts.
    pub fn new(url: &str) -> anyhow::Result<Self> {
        Self::from_settings(&DatabaseSettings::new(url.to_owned()))
    }

    pub fn from_settings(settings: &DatabaseSettings) -> anyhow::Result<Self> {
        let (backend, target) = Backend::from_url(settings.url.expose_secret())?;
        let setup = match backend {
            // Session settings: they hold for every statement of the pooled connection.
            Backend::Postgres => format!(
                "SET statement_timeout = {}; SET lock_timeout = {};",
                settings.statement_timeout_ms, settings.lock_timeout_ms
            ),
            Backend::Sqlite => format!(
                "PRAGMA busy_timeout = {}; {SQLITE_PRAGMAS}",
                settings.busy_timeout_ms
            ),
        };
        Ok(Self {
            backend,
            target,
            setup,
        })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }
}

impl r2d2::ManageConnection for ConnectionManager {
    type Connection = DbConnection;
    type Error = ConnectError;

    fn connect(&self) -> Result<DbConnection, ConnectError> {
        Ok(match self.backend {
            Backend::Postgres => {
                let mut conn = PgConnection::establish(&self.target)?;
                conn.batch_execute(&self.setup)?;
                DbConnection::Postgres(conn)
            }
            Backend::Sqlite => {
                let mut conn = SqliteConnection::establish(&self.target)?;
                conn.batch_execute(&self.setup)?;
                DbConnection::Sqlite(conn)
            }
        })
    }

    fn is_valid(&self, conn: &mut DbConnection) -> Result<(), ConnectError> {
        conn.ping().map(|_| ()).map_err(ConnectError::Query)
    }

    fn has_broken(&self, conn: &mut DbConnection) -> bool {
        std::thread::panicking() || conn.is_broken()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_scheme_picks_the_backend() {
        assert!(matches!(
            Backend::from_url("postgres://u@h/db"),
            Ok((Backend::Postgres, _))
        ));
        assert!(matches!(
            Backend::from_url("postgresql://u@h/db"),
            Ok((Backend::Postgres, _))
        ));
        assert_eq!(
            Backend::from_url("sqlite://./data/x.db").ok(),
            Some((Backend::Sqlite, "./data/x.db".into()))
        );
        assert_eq!(
            Backend::from_url("sqlite:///tmp/x.db").ok(),
            Some((Backend::Sqlite, "/tmp/x.db".into()))
        );
    }

    #[derive(diesel::QueryableByName)]
    struct Pragma {
        #[diesel(sql_type = diesel::sql_types::Text)]
        value: String,
    }

    fn pragma(conn: &mut DbConnection, name: &str, column: &str) -> String {
        diesel::sql_query(format!(
            "SELECT CAST({column} AS TEXT) AS value FROM pragma_{name}"
        ))
        .get_result::<Pragma>(conn)
        .map(|p| p.value)
        .unwrap_or_else(|e| panic!("{name}: {e}"))
    }

    #[test]
    fn sqlite_connections_are_durable_and_enforce_foreign_keys() {
        use r2d2::ManageConnection;
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let url = format!("sqlite://{}", dir.path().join("t.db").display());
        let manager = ConnectionManager::new(&url).unwrap_or_else(|e| panic!("{e}"));
        let mut conn = manager.connect().unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(pragma(&mut conn, "journal_mode", "journal_mode"), "wal");
        assert_eq!(pragma(&mut conn, "foreign_keys", "foreign_keys"), "1");
        assert_eq!(pragma(&mut conn, "synchronous", "synchronous"), "2", "FULL");
        assert_eq!(pragma(&mut conn, "busy_timeout", "timeout"), "5000");
    }

    #[test]
    fn a_refused_postgres_connection_says_why() {
        use r2d2::ManageConnection;
        let manager = ConnectionManager::new("postgres://nobody@127.0.0.1:1/none")
            .unwrap_or_else(|e| panic!("{e}"));
        let message = manager
            .connect()
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(
            message.contains("Connection refused") || message.contains("connection to server"),
            "{message}"
        );
        assert!(!message.contains("multiconnection"), "{message}");
    }

    #[test]
    fn unknown_schemes_are_refused() {
        assert!(Backend::from_url("mysql://h/db").is_err());
        assert!(Backend::from_url("./data/x.db").is_err());
        assert!(Backend::from_url("sqlite://").is_err());
    }
}
