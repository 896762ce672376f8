//! `atvsld up` takes the operator's `APP__…` settings for every service, with its own
//! values only as defaults (issue 13, item 9): an origin and an upstream set in the
//! environment are in effect, `--cors-origin` wins over the environment, and the
//! settings that must differ per service are refused rather than shared.

use std::collections::HashMap;

use shared::server::Application;
use shared::testing::TestDatabase;

const PORTAL: &str = "https://portal.caobang.gov.vn";

fn env(vars: &[(&str, &str)]) -> Option<HashMap<String, String>> {
    Some(
        vars.iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect(),
    )
}

fn options(data_dir: &std::path::Path) -> atvsld::UpOptions {
    atvsld::UpOptions {
        host: "127.0.0.1".into(),
        ports: [0, 0, 0],
        data_dir: data_dir.to_path_buf(),
        database_url: None,
        log: Default::default(),
    }
}

/// A CORS preflight from `origin`; the origin the service allows back, if any.
async fn allowed(client: &reqwest::Client, port: u16, origin: &str) -> Option<String> {
    let res = client
        .request(
            reqwest::Method::OPTIONS,
            format!("http://127.0.0.1:{port}/api/v1/code-lists"),
        )
        .header("origin", origin)
        .header("access-control-request-method", "GET")
        .send()
        .await
        .unwrap();
    res.headers()
        .get("access-control-allow-origin")
        .map(|v| v.to_str().unwrap().to_owned())
}

#[tokio::test]
async fn an_origin_and_an_upstream_set_in_the_environment_are_in_effect_under_up() {
    shared::telemetry::init_test_tracing();
    let dir = tempfile::tempdir().unwrap();
    let keys = atvsld::dev_keys(dir.path()).unwrap();
    let options = options(dir.path());
    let overrides = atvsld::UpOverrides {
        env: env(&[
            ("APP__CORS__ALLOWED_ORIGINS", PORTAL),
            (
                "APP__UPSTREAMS__INCIDENTS",
                "http://incidents.internal:8080",
            ),
            ("APP__EVENTS__PER_SUBSCRIPTION", "2"),
        ]),
        ..Default::default()
    };
    let databases: Vec<TestDatabase> = (0..3).map(|_| TestDatabase::new().unwrap()).collect();
    let mut apps = Vec::new();
    for (def, db) in atvsld::services().into_iter().zip(&databases) {
        let mut settings =
            atvsld::up_settings(def, &options, 0, &keys.jwks_path, "s3cret", &overrides).unwrap();
        assert_eq!(
            settings.upstreams.incidents.as_deref(),
            Some("http://incidents.internal:8080"),
            "{}",
            def.name
        );
        assert_eq!(
            settings.upstreams.tasks.as_deref(),
            Some("http://127.0.0.1:0"),
            "up's own value stays where the operator set none"
        );
        assert_eq!(settings.events.per_subscription, 2);
        assert_eq!(settings.events.inbound_secrets, ["s3cret"]);
        // The test's own database (on PostgreSQL when asked), as `--database-url` would.
        settings.database.url = db.url.clone().into();
        apps.push(Application::build(def, &settings).await.unwrap());
    }
    let ports: Vec<u16> = apps.iter().map(Application::port).collect();
    for app in apps {
        tokio::spawn(app.run_until_stopped());
    }
    let client = reqwest::Client::new();
    for port in ports {
        assert_eq!(
            allowed(&client, port, PORTAL).await.as_deref(),
            Some(PORTAL)
        );
        assert_eq!(allowed(&client, port, "https://evil.example").await, None);
    }

    // `--cors-origin` replaces the environment's list.
    let flagged = atvsld::UpOverrides {
        cors_origins: vec!["https://flag.example".into()],
        ..overrides
    };
    let [incidents, ..] = atvsld::services();
    let settings =
        atvsld::up_settings(incidents, &options, 0, &keys.jwks_path, "s3cret", &flagged).unwrap();
    assert_eq!(settings.cors.allowed_origins, ["https://flag.example"]);
}

#[test]
fn settings_that_differ_per_service_are_refused_under_up() {
    let dir = tempfile::tempdir().unwrap();
    let keys = atvsld::dev_keys(dir.path()).unwrap();
    let [incidents, ..] = atvsld::services();
    for (var, value, flag) in [
        ("APP__SERVER__PORT", "9000", "--incidents-port"),
        ("APP__DATABASE__URL", "sqlite://one.db", "--database-url"),
        ("APP__SERVER__HOST", "0.0.0.0", "--host"),
    ] {
        let overrides = atvsld::UpOverrides {
            env: env(&[(var, value)]),
            ..Default::default()
        };
        let error = atvsld::up_settings(
            incidents,
            &options(dir.path()),
            8081,
            &keys.jwks_path,
            "s3cret",
            &overrides,
        )
        .unwrap_err()
        .to_string();
        assert!(error.contains(flag), "{var}: {error}");
    }
    // An identity provider named by the operator replaces the development keys.
    let overrides = atvsld::UpOverrides {
        env: env(&[("APP__AUTH__JWKS_URL", "https://sso.caobang.gov.vn/certs")]),
        ..Default::default()
    };
    let settings = atvsld::up_settings(
        incidents,
        &options(dir.path()),
        8081,
        &keys.jwks_path,
        "s3cret",
        &overrides,
    )
    .unwrap();
    assert_eq!(settings.auth.jwks_path, None);
}

/// `up --demo` loads its data set through the API as one caller: the per-caller rate
/// is raised for it, unless the operator set one.
#[test]
fn a_demo_load_raises_the_per_caller_rate_unless_the_operator_set_one() {
    let dir = tempfile::tempdir().unwrap();
    let keys = atvsld::dev_keys(dir.path()).unwrap();
    let options = options(dir.path());
    let [incidents, ..] = atvsld::services();
    let rate = |overrides: &atvsld::UpOverrides| {
        let s =
            atvsld::up_settings(incidents, &options, 0, &keys.jwks_path, "s", overrides).unwrap();
        (s.rate_limit.per_second, s.rate_limit.burst)
    };
    let plain = atvsld::UpOverrides {
        env: env(&[]),
        ..Default::default()
    };
    let default = rate(&plain);
    let demo = atvsld::UpOverrides {
        demo_load: true,
        ..plain
    };
    assert!(rate(&demo).0 > default.0 * 10, "{:?}", rate(&demo));
    let operator = atvsld::UpOverrides {
        env: env(&[("APP__RATE_LIMIT__PER_SECOND", "7")]),
        ..demo
    };
    assert_eq!(rate(&operator).0, 7);
}
