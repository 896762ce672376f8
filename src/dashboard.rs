//! The dashboard port of `atvsld up`: the reference dashboard built from `web/` (its
//! `dist/` folder) under `/dashboard/`, and the services under `/incidents/`,
//! `/health-stats/` and `/tasks/` the way the gateway of `deploy/gateway/nginx.conf`
//! serves them (prefix stripped, `/metrics` and `/internal/` not reachable). The dashboard
//! thus calls the API from its own origin with the same paths as behind the gateway, and
//! needs no CORS.
//!
//! The built files (`web/dist`, committed) are embedded in the binary at compile time, so an
//! installed `atvsld` serves them from any working directory; `--dashboard-dir` reads
//! another build from disk instead, once at start-up (development). Either way they are
//! held in memory: nothing outside them can be served, whatever the path asks for. They
//! are served with actix-web, already a dependency.

use std::collections::HashMap;
use std::path::Path;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};

/// The command that builds the dashboard, from the repository's root.
pub const BUILD_COMMAND: &str = "npm --prefix web ci && npm --prefix web run build";

/// `web/dist` as it was committed when this binary was compiled.
#[derive(rust_embed::RustEmbed)]
#[folder = "web/dist/"]
struct Embedded;

/// The built dashboard: each file's path under `dist/` with its media type and bytes.
#[derive(Clone, Debug, Default)]
pub struct Assets {
    files: HashMap<String, (&'static str, Vec<u8>)>,
}

impl Assets {
    /// The build embedded in the binary.
    pub fn embedded() -> Assets {
        let files = Embedded::iter()
            .filter_map(|name| {
                let file = Embedded::get(&name)?;
                let media_type = media_type(Path::new(name.as_ref()));
                Some((name.into_owned(), (media_type, file.data.into_owned())))
            })
            .collect();
        Assets { files }
    }

    /// Reads a built dashboard folder; `None` when it holds no `index.html` (not built).
    pub fn load(dir: &Path) -> anyhow::Result<Option<Assets>> {
        if !dir.join("index.html").is_file() {
            return Ok(None);
        }
        let mut assets = Assets::default();
        let mut pending = vec![dir.to_path_buf()];
        while let Some(folder) = pending.pop() {
            for entry in std::fs::read_dir(&folder)? {
                let path = entry?.path();
                if path.is_dir() {
                    pending.push(path);
                    continue;
                }
                let name = path
                    .strip_prefix(dir)?
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy())
                    .collect::<Vec<_>>()
                    .join("/");
                let bytes = std::fs::read(&path)?;
                assets.files.insert(name, (media_type(&path), bytes));
            }
        }
        Ok(Some(assets))
    }

    pub fn len(&self) -> usize {
        self.files.len()
    }

    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }
}

fn media_type(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()) {
        Some("html") => "text/html; charset=utf-8",
        Some("js" | "mjs") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("json" | "map") => "application/json",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("ico") => "image/x-icon",
        Some("woff2") => "font/woff2",
        Some("txt") => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

/// Where the gateway paths lead: each service's prefix and base URL.
#[derive(Clone, Debug)]
pub struct Upstreams {
    pub incidents: String,
    pub health_stats: String,
    pub tasks: String,
}

struct State {
    assets: Option<Assets>,
    upstreams: Upstreams,
    client: reqwest::Client,
}

/// The dashboard server on `host:port` (0 for any free port), bound (so a port in use is
/// an error here) but not yet running: await the returned server to run it. Returns the
/// port it is bound to.
pub fn server(
    host: &str,
    port: u16,
    assets: Option<Assets>,
    upstreams: Upstreams,
) -> anyhow::Result<(actix_web::dev::Server, u16)> {
    let client = reqwest::Client::builder()
        .connect_timeout(std::time::Duration::from_secs(5))
        .timeout(std::time::Duration::from_secs(120))
        .build()?;
    let state = web::Data::new(State {
        assets,
        upstreams,
        client,
    });
    let bound = actix_web::HttpServer::new(move || {
        actix_web::App::new()
            .app_data(state.clone())
            // As the gateway: the services answer a body over their own limit with 413.
            .app_data(web::PayloadConfig::new(33 << 20))
            .route("/", web::get().to(|| async { redirect("/dashboard/") }))
            .route(
                "/dashboard",
                web::get().to(|| async { redirect("/dashboard/") }),
            )
            .route("/dashboard/{file:.*}", web::get().to(asset))
            .route("/{service}/{path:.*}", web::route().to(forward))
    })
    .workers(1)
    .disable_signals()
    .bind((host, port))?;
    let port = bound
        .addrs()
        .first()
        .map_or(port, std::net::SocketAddr::port);
    Ok((bound.run(), port))
}

fn redirect(to: &'static str) -> HttpResponse {
    HttpResponse::Found()
        .insert_header(("Location", to))
        .finish()
}

async fn asset(state: web::Data<State>, file: web::Path<String>) -> HttpResponse {
    let Some(assets) = &state.assets else {
        return HttpResponse::NotFound()
            .content_type("text/html; charset=utf-8")
            .body(NOT_BUILT);
    };
    let name = match file.as_str() {
        "" => "index.html",
        other => other,
    };
    match assets.files.get(name) {
        Some((media_type, bytes)) => HttpResponse::Ok()
            .content_type(*media_type)
            // Vite names every asset after its content; index.html names the current ones.
            .insert_header((
                "Cache-Control",
                if name.starts_with("assets/") {
                    "public, max-age=31536000, immutable"
                } else {
                    "no-cache"
                },
            ))
            .body(bytes.clone()),
        None => HttpResponse::NotFound()
            .content_type("text/plain; charset=utf-8")
            .body("not found\n"),
    }
}

const NOT_BUILT: &str = concat!(
    "<!doctype html><html lang=\"en\"><meta charset=\"utf-8\"><title>Dashboard not built</title>",
    "<h1>The dashboard is not built</h1>",
    "<p>From the repository's root, build it with</p>",
    "<pre>npm --prefix web ci &amp;&amp; npm --prefix web run build</pre>",
    "<p>then start <code>atvsld up</code> again (or name the built folder with ",
    "<code>--dashboard-dir</code>). The API is served here all the same, under ",
    "<code>/incidents/</code>, <code>/health-stats/</code> and <code>/tasks/</code>.</p></html>\n",
);

/// Request headers that belong to one connection, or that the gateway sets itself.
const NOT_FORWARDED: &[&str] = &[
    "host",
    "connection",
    "keep-alive",
    "transfer-encoding",
    "te",
    "trailer",
    "upgrade",
    "content-length",
    // The answer is passed on as it comes: not compressed for a client that asked.
    "accept-encoding",
    "x-forwarded-for",
    "x-forwarded-proto",
    "x-forwarded-prefix",
    "x-forwarded-host",
];

async fn forward(
    state: web::Data<State>,
    request: HttpRequest,
    route: web::Path<(String, String)>,
    body: web::Bytes,
) -> HttpResponse {
    let (service, path) = route.into_inner();
    let base = match service.as_str() {
        "incidents" => &state.upstreams.incidents,
        "health-stats" => &state.upstreams.health_stats,
        "tasks" => &state.upstreams.tasks,
        _ => return HttpResponse::NotFound().finish(),
    };
    // As the gateway: scrapes and the services' calls to each other stay on their ports.
    if path == "metrics" || path.starts_with("internal/") {
        return HttpResponse::NotFound().finish();
    }
    let mut url = format!("{base}/{path}");
    if !request.query_string().is_empty() {
        url.push('?');
        url.push_str(request.query_string());
    }
    let Ok(method) = reqwest::Method::from_bytes(request.method().as_str().as_bytes()) else {
        return HttpResponse::MethodNotAllowed().finish();
    };
    let mut upstream = state.client.request(method, &url);
    for (name, value) in request.headers() {
        if !NOT_FORWARDED.contains(&name.as_str()) {
            upstream = upstream.header(name.as_str(), value.as_bytes());
        }
    }
    let peer = request
        .peer_addr()
        .map(|a| a.ip().to_string())
        .unwrap_or_default();
    upstream = upstream
        .header("X-Forwarded-For", peer)
        .header("X-Forwarded-Proto", "http")
        .header("X-Forwarded-Prefix", format!("/{service}"));
    let answer = match upstream.body(body).send().await {
        Ok(answer) => answer,
        Err(e) => return bad_gateway(&service, &e),
    };
    let status = StatusCode::from_u16(answer.status().as_u16()).unwrap_or(StatusCode::BAD_GATEWAY);
    let mut response = HttpResponse::build(status);
    for (name, value) in answer.headers() {
        if !matches!(
            name.as_str(),
            "connection" | "keep-alive" | "transfer-encoding" | "content-length"
        ) {
            response.append_header((name.as_str(), value.as_bytes()));
        }
    }
    match answer.bytes().await {
        Ok(bytes) => response.body(bytes),
        Err(e) => bad_gateway(&service, &e),
    }
}

fn bad_gateway(service: &str, error: &reqwest::Error) -> HttpResponse {
    tracing::warn!(service, %error, "dashboard gateway: the service did not answer");
    HttpResponse::BadGateway()
        .content_type("application/problem+json")
        .json(serde_json::json!({
            "type": "/problems/bad-gateway",
            "title": "Bad gateway",
            "status": 502,
            "detail": format!("The {service} service did not answer."),
            "code": "bad_gateway",
        }))
}
