//! Building and running one service: the same middleware, extractor configuration,
//! operations endpoints and docs for all three.

use std::net::TcpListener;
use std::sync::OnceLock;
use std::time::Duration;

use actix_web::dev::Server;
use actix_web::middleware::from_fn;
use actix_web::{App, HttpServer, web};
use tracing_actix_web::TracingLogger;
use utoipa::OpenApi as _;
use utoipa::openapi::OpenApi;
use utoipa_actix_web::AppExt;
use utoipa_actix_web::service_config::ServiceConfig;
use utoipa_swagger_ui::SwaggerUi;

use crate::auth::JwtVerifier;
use crate::config::Settings;
use crate::db::{self, Db, Migrations};
use crate::deadline::{self, Deadlines};
use crate::extract::{self, BodyLimit};
use crate::telemetry::RequestSpan;
use crate::throttle::{self, Throttle};
use crate::{context, health};

/// What makes a service a service.
pub struct ServiceDef {
    /// Short name: the gateway prefix, the metrics label, the database name.
    pub name: &'static str,
    pub title: &'static str,
    pub description: &'static str,
    /// The service's `#[derive(OpenApi)]` document (tags, info).
    pub api_doc: fn() -> OpenApi,
    /// Registers the service's routes under `/api/v1`; the shared ones
    /// ([`crate::routes`]) are added beside them.
    pub configure: fn(&mut ServiceConfig),
    pub migrations: &'static Migrations,
    /// Runs once the database is migrated, before the service listens: seeds data,
    /// spawns background jobs.
    pub on_start: Option<fn(&Db) -> anyhow::Result<()>>,
    /// Applies the events this service receives at `/internal/v1/events`.
    pub on_event: Option<crate::routes::internal::EventHandler>,
    /// Applies a chunk of a bulk import; set, it makes the server run queued jobs.
    pub import: Option<crate::jobs::ImportFn>,
    /// Folds the service's statistics deltas into their totals through a day; set, it
    /// makes the server fold at start and then every `statistics.fold_every_secs`.
    pub fold_statistics: Option<crate::db::fold::FoldFn>,
    /// The answers recorded by `atvsld openapi --record-examples`
    /// (`openapi/examples/<name>.json`), shown as the document's response examples.
    pub examples: &'static str,
}

impl ServiceDef {
    /// The complete OpenAPI document, as served at `/openapi.json` and committed in `openapi/`.
    pub fn openapi(&self) -> OpenApi {
        crate::openapi::add_examples(self.openapi_without_examples(), self.examples)
    }

    /// The document without the recorded examples: what the recorder walks, and what
    /// freshly recorded examples are added to before the service is built again.
    pub fn openapi_without_examples(&self) -> OpenApi {
        let (_, api) = App::new()
            .into_utoipa_app()
            .openapi((self.api_doc)().merge_from(crate::routes::SharedDoc::openapi()))
            .service(
                utoipa_actix_web::scope("/api/v1")
                    .configure(self.configure)
                    .configure(crate::routes::configure),
            )
            .service(
                utoipa_actix_web::scope("/internal/v1")
                    .configure(crate::routes::internal::configure),
            )
            .split_for_parts();
        crate::openapi::finish(api, self.title, self.description)
    }

    /// Connects to the database and applies the shared and the service's migrations.
    pub fn connect_and_migrate(
        &self,
        settings: &crate::config::DatabaseSettings,
    ) -> anyhow::Result<(Db, Vec<String>)> {
        let db = Db::connect(settings)?;
        let mut conn = db.get().map_err(|e| anyhow::anyhow!("{e}"))?;
        let applied = db::run_migrations(&mut conn, &[&crate::MIGRATIONS, self.migrations])?;
        Ok((db, applied))
    }
}

/// A bound, not yet running service.
pub struct Application {
    port: u16,
    server: Server,
    db: Db,
}

impl Application {
    /// Migrates the database, reads the signing keys and binds the listener (port 0
    /// picks a free one). Returns once the port is bound, so callers can read it.
    pub async fn build<S>(
        def: &'static ServiceDef,
        settings: &Settings<S>,
    ) -> anyhow::Result<Application> {
        let db_settings = settings.database.clone();
        let (db, applied) =
            tokio::task::spawn_blocking(move || def.connect_and_migrate(&db_settings)).await??;
        if !applied.is_empty() {
            tracing::info!(service = def.name, migrations = ?applied, "migrations applied");
        }

        if let Some(on_start) = def.on_start {
            on_start(&db)?;
        }

        let verifier = web::Data::new(JwtVerifier::new(&settings.auth)?);
        if let Err(e) = verifier.load().await {
            anyhow::bail!("cannot read the signing keys (auth.jwks_path / auth.jwks_url): {e}");
        }

        let listener = TcpListener::bind((settings.server.host.as_str(), settings.server.port))
            .map_err(|e| {
                anyhow::anyhow!(
                    "cannot listen on {}:{}: {e}",
                    settings.server.host,
                    settings.server.port
                )
            })?;
        let port = listener.local_addr()?.port();

        let (scrape, metrics) = crate::metrics::Metrics::new(def.name, &db)?;
        let scrape = web::Data::new(scrape);
        let spec = def.openapi();
        let route_table = web::Data::new(crate::routes::unmatched::RouteTable::from_spec(&spec));
        let body_limit = web::Data::new(BodyLimit(settings.server.body_limit_bytes));
        let deadlines = web::Data::new(Deadlines::of(&settings.server));
        let throttle = Throttle::new(&settings.rate_limit);
        throttle.spawn_cleanup();
        let throttle = web::Data::new(throttle);
        let db_data = web::Data::new(db.clone());
        let upstreams = web::Data::new(settings.upstreams.clone());
        let http = web::Data::new(crate::http_client::client(
            std::time::Duration::from_millis(settings.upstreams.timeout_ms),
        )?);
        let cors_settings = settings.cors.clone();
        let events = web::Data::new(settings.events.clone());
        let documents = web::Data::new(settings.documents.clone());
        let receiver = web::Data::new(crate::routes::internal::Receiver {
            handler: def.on_event,
            secrets: settings.events.inbound_secrets.clone(),
        });
        if settings.events.dispatch {
            crate::events::dispatcher::spawn(db.clone(), settings.events.clone())?;
        }
        let job_wake = web::Data::new(crate::jobs::runner::Wake::default());
        if let Some(import) = def.import {
            crate::jobs::runner::spawn(
                db.clone(),
                import,
                job_wake.clone().into_inner(),
                Duration::from_secs(settings.server.job_lease_secs.max(1)),
            );
        }
        if let Some(fold) = def.fold_statistics
            && settings.statistics.fold_every_secs > 0
        {
            let every = Duration::from_secs(settings.statistics.fold_every_secs);
            crate::db::fold::spawn(db.clone(), fold, every);
        }
        let bulk_limits = web::Data::new(crate::jobs::bulk::BulkLimits {
            body_limit_bytes: settings.server.bulk_body_limit_bytes,
            sync_rows: settings.server.bulk_sync_rows,
        });

        let workers = settings.server.workers.max(1);
        let connections = settings
            .server
            .max_connections
            .unwrap_or_else(connection_share);
        tracing::info!(
            service = def.name,
            max_connections = connections,
            "listening"
        );
        let server = HttpServer::new(move || {
            App::new()
                .into_utoipa_app()
                .app_data(db_data.clone())
                .app_data(upstreams.clone())
                .app_data(http.clone())
                .app_data(verifier.clone())
                .app_data(body_limit.clone())
                .app_data(deadlines.clone())
                .app_data(throttle.clone())
                .app_data(bulk_limits.clone())
                .app_data(job_wake.clone())
                .app_data(extract::path_config())
                .app_data(events.clone())
                .app_data(documents.clone())
                .app_data(receiver.clone())
                .service(
                    utoipa_actix_web::scope("/api/v1")
                        .configure(def.configure)
                        .configure(crate::routes::configure),
                )
                .service(
                    utoipa_actix_web::scope("/internal/v1")
                        .configure(crate::routes::internal::configure),
                )
                .into_app()
                .route("/healthz", web::get().to(health::healthz))
                .route("/readyz", web::get().to(health::readyz))
                .app_data(scrape.clone())
                .route("/metrics", web::get().to(crate::metrics::scrape))
                .route(
                    "/docs",
                    web::get().to(|| async {
                        actix_web::HttpResponse::PermanentRedirect()
                            .insert_header(("location", "/docs/"))
                            .finish()
                    }),
                )
                .service(SwaggerUi::new("/docs/{_:.*}").url("/openapi.json", spec.clone()))
                .app_data(route_table.clone())
                .default_service(web::to(crate::routes::unmatched::unmatched))
                .wrap(from_fn(extract::refuse_nul_in_query))
                .wrap(from_fn(deadline::middleware))
                .wrap(from_fn(throttle::middleware))
                .wrap(crate::cors::cors(&cors_settings))
                .wrap(from_fn(crate::cors::refusals))
                .wrap(metrics.clone())
                .wrap(TracingLogger::<RequestSpan>::new())
                .wrap(from_fn(context::middleware))
        })
        .workers(workers)
        .max_connections(connections.div_ceil(workers))
        .backlog(settings.server.backlog)
        .client_request_timeout(Duration::from_millis(settings.server.header_timeout_ms))
        .keep_alive(Duration::from_millis(settings.server.keep_alive_ms))
        .client_disconnect_timeout(Duration::from_millis(settings.server.disconnect_timeout_ms))
        .listen(listener)?
        .run();

        Ok(Application { port, server, db })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn db(&self) -> &Db {
        &self.db
    }

    pub fn handle(&self) -> actix_web::dev::ServerHandle {
        self.server.handle()
    }

    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}

/// Every open connection is a file descriptor. The soft limit is raised to the hard
/// one once per process; each service then takes a quarter of what is left after 256
/// descriptors kept for database connections, files and outbound calls, so the three
/// services of `atvsld up` stay below the limit and actix's accept loop never meets
/// "Too many open files": at its cap a service stops accepting and the kernel queues
/// new connections in the backlog until the body and header timeouts free a slot.
fn connection_share() -> usize {
    static LIMIT: OnceLock<u64> = OnceLock::new();
    let limit = *LIMIT.get_or_init(|| match rlimit::increase_nofile_limit(u64::MAX) {
        Ok(limit) => limit,
        Err(e) => {
            tracing::warn!(error = %e, "cannot read or raise the open-file limit; assuming 1024");
            1024
        }
    });
    let share = limit.saturating_sub(256) / 4;
    usize::try_from(share)
        .unwrap_or(usize::MAX)
        .clamp(16, 25_000)
}
