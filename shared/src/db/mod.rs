//! The database: one diesel code path over PostgreSQL (production) and SQLite (the
//! embedded default), chosen by the URL scheme.
//!
//! Repository functions take `&mut DbConnection`; services run them through
//! [`Db::run`], which checks a connection out of the pool on a blocking thread, so
//! no actix worker ever waits on the database.

mod connection;
pub mod fold;
mod migrate;
mod pool_stats;
pub mod stored;

use std::sync::Arc;
use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection;
use diesel::connection::{AnsiTransactionManager, TransactionManager};
use diesel::prelude::*;

pub use connection::{Backend, ConnectionManager, DbConnection};
pub use migrate::{Migrations, check_same_migration_names, run_migrations, step_migration};
pub use pool_stats::{PoolCollector, PoolStats};
pub use stored::parse_stored;

use crate::config::DatabaseSettings;
use crate::error::ApiError;

/// Runs the same statement text on whichever backend `conn` is, for what the
/// `MultiConnection` enum cannot express (`ON CONFLICT`, batch inserts, `as_returning`).
#[macro_export]
macro_rules! per_backend {
    ($conn:expr, $c:ident => $body:expr) => {
        match $conn {
            $crate::db::DbConnection::Postgres($c) => $body,
            $crate::db::DbConnection::Sqlite($c) => $body,
        }
    };
}

pub type Pool = r2d2::Pool<ConnectionManager>;

/// Rows each statistics counter is split into per group and day (the `slot` column of
/// the `*_stat_deltas` tables; the migrations named `stat_slots` made them).
pub const COUNTER_SLOTS: u32 = 8;

/// The counter slot the current transaction adds to: the same for everything one
/// request writes, so that two transactions in one slot lock its rows in the same
/// (key) order, and spread over requests, so that concurrent writes of one day rarely
/// meet on a row.
pub fn counter_slot() -> i16 {
    i16::try_from(crate::context::spread(COUNTER_SLOTS)).unwrap_or(0)
}

/// Runs `look_up` with PostgreSQL planning each of its statements for the values it
/// is given. diesel prepares a statement once per connection, and after five runs
/// PostgreSQL may keep a generic plan chosen while a table was small: an import's
/// look-up of 500 tax codes then scans the whole table it is filling (50–190 ms a
/// chunk at 20,000 rows instead of an index look-up). Only the look-up is planned
/// afresh: a whole transaction so set would also re-plan the foreign-key check of
/// every row it inserts. Call it inside a transaction; SQLite has nothing to set.
pub fn planned_for_values<T>(
    conn: &mut DbConnection,
    look_up: impl FnOnce(&mut DbConnection) -> QueryResult<T>,
) -> QueryResult<T> {
    if !matches!(conn, DbConnection::Postgres(_)) {
        return look_up(conn);
    }
    diesel::sql_query("SET LOCAL plan_cache_mode = force_custom_plan").execute(conn)?;
    // A failed look-up has aborted the transaction, which takes the setting with it:
    // its own error is returned, not the refusal of a reset.
    let found = look_up(conn)?;
    diesel::sql_query("SET LOCAL plan_cache_mode = DEFAULT").execute(conn)?;
    Ok(found)
}

/// The backend type of [`DbConnection`], for boxed queries.
pub type DbBackend = <DbConnection as diesel::Connection>::Backend;

/// The pool of one service.
#[derive(Clone)]
pub struct Db {
    pool: Pool,
    backend: Backend,
    stats: Arc<PoolStats>,
    /// SQLite's `busy_timeout`; none on PostgreSQL.
    busy_timeout: Option<Duration>,
}

/// A wait for the pool shorter than this leaves SQLite's busy timeout as it is.
const BUSY_SLACK: Duration = Duration::from_millis(50);

impl Db {
    /// Connects once directly (so the real error reaches the caller and the log),
    /// then builds the pool.
    pub fn connect(settings: &DatabaseSettings) -> anyhow::Result<Db> {
        let manager = ConnectionManager::from_settings(settings)?;
        let backend = manager.backend();
        drop(
            r2d2::ManageConnection::connect(&manager)
                .map_err(|e| anyhow::anyhow!("cannot open the database: {e}"))?,
        );
        let max_size = settings.max_connections.unwrap_or(match backend {
            Backend::Postgres => 10,
            Backend::Sqlite => 1,
        });
        let stats = Arc::new(PoolStats::new()?);
        let pool = r2d2::Pool::builder()
            .max_size(max_size.max(1))
            .min_idle(Some(1))
            .connection_timeout(Duration::from_secs(settings.connect_timeout_secs.max(1)))
            .event_handler(Box::new(pool_stats::Recorder(stats.clone())))
            .build(manager)?;
        Ok(Db {
            pool,
            backend,
            stats,
            busy_timeout: (backend == Backend::Sqlite)
                .then(|| Duration::from_millis(settings.busy_timeout_ms)),
        })
    }

    /// Whether the pool can hand out a connection within `wait`, and that connection
    /// answers; else why not (for `/readyz`).
    pub async fn ready(&self, wait: Duration) -> Result<(), String> {
        let pool = self.pool.clone();
        actix_web::web::block(move || {
            let state = pool.state();
            let mut conn = pool.get_timeout(wait).map_err(|_| {
                format!(
                    "database pool: no connection free within {} ms ({} of {} in use)",
                    wait.as_millis(),
                    state.connections.saturating_sub(state.idle_connections),
                    pool.max_size()
                )
            })?;
            diesel::sql_query("SELECT 1")
                .execute(&mut *conn)
                .map(|_| ())
                .map_err(|_| "database: the connection does not answer".to_owned())
        })
        .await
        .map_err(|e| format!("blocking task failed: {e}"))?
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The most connections the pool opens.
    pub fn max_size(&self) -> u32 {
        self.pool.max_size()
    }

    /// A connection for synchronous work outside a request (start-up, CLI, tests).
    pub fn get(&self) -> Result<r2d2::PooledConnection<ConnectionManager>, ApiError> {
        Ok(self.pool.get()?)
    }

    /// Runs `f` with a pooled connection on actix's blocking pool, inside the caller's
    /// tracing span and request context (so that, say, an audit entry written there
    /// knows its request id). One call is one unit of work: wrap it in `conn.transaction`.
    pub async fn run<T, E, F>(&self, f: F) -> Result<T, ApiError>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: Into<ApiError> + Send + 'static,
    {
        let pool = self.pool.clone();
        let stats = self.stats.clone();
        let span = tracing::Span::current();
        let ctx = crate::context::current();
        let busy_timeout = self.busy_timeout;
        actix_web::web::block(move || {
            let _entered = span.enter();
            crate::context::sync_scope(ctx, || {
                let asked = Instant::now();
                stats.before_checkout(&pool);
                let mut conn = pool.get()?;
                let Some(full) = busy_timeout.filter(|_| asked.elapsed() > BUSY_SLACK) else {
                    return f(&mut conn).map_err(Into::into);
                };
                // SQLite: the time spent waiting for the pool counts against the
                // busy timeout, so that no request waits much longer than it in all.
                let left = full.saturating_sub(asked.elapsed());
                conn.batch_execute(&format!("PRAGMA busy_timeout = {}", left.as_millis()))?;
                let result = f(&mut conn).map_err(Into::into);
                conn.batch_execute(&format!("PRAGMA busy_timeout = {}", full.as_millis()))?;
                result
            })
        })
        .await?
    }

    /// `SELECT 1`, for readiness checks.
    pub async fn ping(&self) -> Result<(), ApiError> {
        self.run(|conn| diesel::sql_query("SELECT 1").execute(conn).map(|_| ()))
            .await
    }
}

/// `conn.transaction(f)`, except that on SQLite the outermost transaction begins
/// with `BEGIN IMMEDIATE`. A deferred SQLite transaction that reads and then writes
/// must upgrade its lock, and SQLite refuses that upgrade at once (`SQLITE_BUSY`, no
/// `busy_timeout` wait) while another process writes; an immediate one takes the
/// write lock first, waiting up to `busy_timeout` for it. Use it for every unit of
/// work, as every one may write (an audit entry, an outbox event).
pub fn transaction<T, E, F>(conn: &mut DbConnection, f: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConnection) -> Result<T, E>,
    E: From<diesel::result::Error>,
{
    type Manager = <DbConnection as diesel::Connection>::TransactionManager;
    let DbConnection::Sqlite(sqlite) = conn else {
        return conn.transaction(f);
    };
    if AnsiTransactionManager::transaction_manager_status_mut(sqlite)
        .transaction_depth()?
        .is_some()
    {
        return conn.transaction(f);
    }
    AnsiTransactionManager::begin_transaction_sql(sqlite, "BEGIN IMMEDIATE")?;
    match f(conn) {
        Ok(value) => {
            Manager::commit_transaction(conn)?;
            Ok(value)
        }
        // As diesel's own `transaction`: the caller's error is the interesting one.
        Err(error) => match Manager::rollback_transaction(conn) {
            Ok(()) | Err(diesel::result::Error::BrokenTransactionManager) => Err(error),
            Err(rollback) => Err(rollback.into()),
        },
    }
}

/// SQL text written with `?` placeholders, as `conn`'s backend wants it (`$1`, `$2`…
/// on PostgreSQL). For `sql_query` text, which diesel passes through unchanged.
pub fn placeholders(conn: &DbConnection, sql: &str) -> String {
    match conn {
        DbConnection::Sqlite(_) => sql.to_owned(),
        DbConnection::Postgres(_) => {
            let mut n = 0;
            sql.chars()
                .map(|ch| {
                    if ch == '?' {
                        n += 1;
                        format!("${n}")
                    } else {
                        ch.to_string()
                    }
                })
                .collect()
        }
    }
}

/// Current time in UTC, truncated to microseconds so that PostgreSQL (microseconds)
/// and SQLite (text, any precision) store and compare the same value.
pub fn now() -> chrono::NaiveDateTime {
    use chrono::{SubsecRound, Utc};
    Utc::now().naive_utc().trunc_subsecs(6)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::TestDatabase;

    fn connect(db: &TestDatabase) -> DbConnection {
        use r2d2::ManageConnection;
        let manager = ConnectionManager::new(&db.url).unwrap_or_else(|e| panic!("{e}"));
        manager.connect().unwrap_or_else(|e| panic!("{e}"))
    }

    #[derive(QueryableByName)]
    struct Mode {
        #[diesel(sql_type = diesel::sql_types::Text)]
        plan_cache_mode: String,
    }

    fn mode(conn: &mut DbConnection) -> String {
        diesel::sql_query("SHOW plan_cache_mode")
            .get_result::<Mode>(conn)
            .map(|m| m.plan_cache_mode)
            .unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn a_look_up_is_planned_for_its_values_and_the_rest_is_not() {
        let test_db = TestDatabase::new().unwrap_or_else(|e| panic!("{e}"));
        let mut conn = connect(&test_db);
        let postgres = matches!(conn, DbConnection::Postgres(_));
        let modes = transaction(&mut conn, |c| {
            let inside = planned_for_values(c, |c| Ok(postgres.then(|| mode(c))))?;
            let after = postgres.then(|| mode(c));
            Ok::<_, diesel::result::Error>((inside, after))
        })
        .unwrap_or_else(|e| panic!("{e}"));
        if postgres {
            assert_eq!(
                modes,
                (Some("force_custom_plan".into()), Some("auto".into()))
            );
        }
    }

    #[test]
    fn a_failed_look_up_returns_its_own_error() {
        let test_db = TestDatabase::new().unwrap_or_else(|e| panic!("{e}"));
        let mut conn = connect(&test_db);
        let failed = transaction(&mut conn, |c| {
            planned_for_values(c, |c| {
                diesel::sql_query("SELECT * FROM no_such_table").execute(c)
            })
        });
        let message = failed.err().map(|e| e.to_string()).unwrap_or_default();
        assert!(message.contains("no_such_table"), "{message}");
    }
}
