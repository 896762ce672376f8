//! `up`'s dashboard port (`atvsld::dashboard`): the built files under `/dashboard/` and
//! nothing else from disk, a page saying how to build them when they are absent, and the
//! services under their gateway prefixes, answers passed on as the services gave them.
//! (The dashboard itself is tested in a browser by `web/run-test`.)

use serde_json::{Value, json};
use shared::auth::Role;
use shared::testing::TestKeys;

async fn dashboard(
    assets: Option<atvsld::dashboard::Assets>,
    upstreams: atvsld::dashboard::Upstreams,
) -> String {
    let (server, port) = atvsld::dashboard::server("127.0.0.1", 0, assets, upstreams).unwrap();
    tokio::spawn(server);
    format!("http://127.0.0.1:{port}")
}

fn nowhere() -> atvsld::dashboard::Upstreams {
    // A port nothing listens on: bound, then released.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let base = format!("http://127.0.0.1:{port}");
    atvsld::dashboard::Upstreams {
        incidents: base.clone(),
        health_stats: base.clone(),
        tasks: base,
    }
}

fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

#[tokio::test]
async fn without_a_build_the_dashboard_says_how_to_make_one() {
    let empty = tempfile::tempdir().unwrap();
    let assets = atvsld::dashboard::Assets::load(empty.path()).unwrap();
    assert!(assets.is_none());
    let base = dashboard(assets, nowhere()).await;
    let res = reqwest::get(format!("{base}/dashboard/")).await.unwrap();
    assert_eq!(res.status().as_u16(), 404);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let page = res.text().await.unwrap();
    assert!(
        page.contains("npm --prefix web ci &amp;&amp; npm --prefix web run build"),
        "{page}"
    );
}

#[tokio::test]
async fn the_built_files_are_served_and_nothing_else() {
    let dist = tempfile::tempdir().unwrap();
    std::fs::create_dir(dist.path().join("assets")).unwrap();
    std::fs::write(dist.path().join("index.html"), "<!doctype html><p>bảng</p>").unwrap();
    std::fs::write(dist.path().join("assets/app-1a2b.js"), "console.log(1)").unwrap();
    let assets = atvsld::dashboard::Assets::load(dist.path())
        .unwrap()
        .unwrap();
    assert_eq!(assets.len(), 2);
    let base = dashboard(Some(assets), nowhere()).await;
    let client = no_redirects();

    for path in ["/", "/dashboard"] {
        let res = client.get(format!("{base}{path}")).send().await.unwrap();
        assert_eq!(res.status().as_u16(), 302, "{path}");
        assert_eq!(res.headers()["location"], "/dashboard/", "{path}");
    }
    let res = client
        .get(format!("{base}/dashboard/"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 200);
    assert_eq!(res.headers()["content-type"], "text/html; charset=utf-8");
    assert_eq!(res.headers()["cache-control"], "no-cache");
    assert_eq!(res.text().await.unwrap(), "<!doctype html><p>bảng</p>");
    let res = client
        .get(format!("{base}/dashboard/assets/app-1a2b.js"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 200);
    assert_eq!(
        res.headers()["content-type"],
        "text/javascript; charset=utf-8"
    );
    assert!(
        res.headers()["cache-control"]
            .to_str()
            .unwrap()
            .contains("immutable")
    );
    for path in [
        "/dashboard/missing.js",
        "/dashboard/..%2F..%2FCargo.toml",
        "/dashboard/assets/../../Cargo.toml",
        "/elsewhere/x",
    ] {
        let res = client.get(format!("{base}{path}")).send().await.unwrap();
        assert_eq!(res.status().as_u16(), 404, "{path}");
    }
}

#[tokio::test]
async fn the_committed_build_is_embedded_in_the_binary() {
    // The same bytes as web/dist, from any working directory: nothing read at run time.
    let dist = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("web/dist");
    let on_disk = atvsld::dashboard::Assets::load(&dist).unwrap().unwrap();
    let embedded = atvsld::dashboard::Assets::embedded();
    assert_eq!(embedded.len(), on_disk.len());
    let base = dashboard(Some(embedded), nowhere()).await;
    let page = reqwest::get(format!("{base}/dashboard/"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(
        page,
        std::fs::read_to_string(dist.join("index.html")).unwrap()
    );
    // Every script and style the page names is served, with its bytes.
    let named: Vec<&str> = page
        .split("\"/dashboard/")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .collect();
    assert!(named.iter().any(|n| n.ends_with(".js")), "{page}");
    for name in named {
        let res = reqwest::get(format!("{base}/dashboard/{name}"))
            .await
            .unwrap();
        assert_eq!(res.status().as_u16(), 200, "{name}");
        assert_eq!(
            res.bytes().await.unwrap().as_ref(),
            std::fs::read(dist.join(name)).unwrap().as_slice(),
            "{name}"
        );
    }
}

#[tokio::test]
async fn the_api_is_served_under_the_gateway_prefixes() {
    shared::telemetry::init_test_tracing();
    let keys = TestKeys::new().unwrap();
    let (_databases, ports) = crate::start_suite(&keys).await;
    let direct: Vec<String> = ports
        .iter()
        .map(|port| format!("http://127.0.0.1:{port}"))
        .collect();
    let base = dashboard(
        None,
        atvsld::dashboard::Upstreams {
            incidents: direct[0].clone(),
            health_stats: direct[1].clone(),
            tasks: direct[2].clone(),
        },
    )
    .await;
    let client = no_redirects();
    let admin = keys.token(Role::Admin, None);

    // A write goes through with its body, and its answer's status and headers come back.
    let body = json!({
        "tax_code": "0100047516",
        "name": "Công ty TNHH Khai khoáng Cao Bằng",
        "vsic_code": "07100",
        "ownership_type": "2",
        "commune_code": "01273",
        "headcount": {"total": 120, "female": 30, "hazardous": 80}
    });
    let res = client
        .post(format!("{base}/incidents/api/v1/establishments"))
        .bearer_auth(&admin)
        .header("Idempotency-Key", "dashboard-gateway-1")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 201);
    let location = res.headers()["location"].to_str().unwrap().to_owned();
    assert!(res.headers().contains_key("etag"));
    let created: Value = res.json().await.unwrap();
    assert!(
        location.ends_with(created["id"].as_str().unwrap()),
        "{location}"
    );

    // A read with a query string equals the service's own answer.
    let path = "/api/v1/establishments?commune_code=01273";
    let through: Value = client
        .get(format!("{base}/incidents{path}"))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let own: Value = client
        .get(format!("{}{path}", direct[0]))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(through, own);
    assert_eq!(through["items"][0]["id"], created["id"]);

    // Each prefix reaches its own service; a problem comes back as the service sent it.
    for (prefix, service) in [("health-stats", &direct[1]), ("tasks", &direct[2])] {
        let res = client
            .get(format!("{base}/{prefix}/readyz"))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status().as_u16(), 200, "{prefix}");
        let res = client
            .get(format!("{base}/{prefix}/api/v1/code-lists"))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status().as_u16(), 401, "{prefix}");
        assert_eq!(
            res.headers()["content-type"],
            "application/problem+json",
            "{prefix}"
        );
        let problem: Value = res.json().await.unwrap();
        let own: Value = reqwest::get(format!("{service}/api/v1/code-lists"))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(problem["code"], own["code"], "{prefix}");
    }

    // As behind the gateway: no metrics, no internal paths, no other prefix.
    for path in [
        "/incidents/metrics",
        "/tasks/internal/v1/events",
        "/api/v1/establishments",
    ] {
        let res = client.get(format!("{base}{path}")).send().await.unwrap();
        assert_eq!(res.status().as_u16(), 404, "{path}");
    }
}

#[tokio::test]
async fn a_service_that_does_not_answer_is_a_502_problem() {
    let base = dashboard(None, nowhere()).await;
    let res = reqwest::get(format!("{base}/tasks/api/v1/plans"))
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 502);
    assert_eq!(res.headers()["content-type"], "application/problem+json");
    let problem: Value = res.json().await.unwrap();
    assert_eq!(problem["code"], "bad_gateway");
    assert_eq!(problem["status"], 502);
}
