//! End-to-end: the whole suite in this process, as `atvsld up` runs it, driven over
//! HTTP; and the checks that keep the repository honest (OpenAPI drift, migrations).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::path::Path;

use serde_json::{Value, json};
use shared::auth::Role;
use shared::testing::{TestDatabase, TestKeys, settings};

#[tokio::test]
async fn the_suite_starts_and_an_establishment_goes_through_it() {
    shared::telemetry::init_test_tracing();
    let keys = TestKeys::new().unwrap();
    let databases: Vec<TestDatabase> = (0..3).map(|_| TestDatabase::new().unwrap()).collect();
    let planned = atvsld::services()
        .into_iter()
        .zip(&databases)
        .map(|(def, db)| (def, settings(db, &keys)))
        .collect();
    let apps = atvsld::start(planned).await.unwrap();
    let ports: Vec<u16> = apps.iter().map(|a| a.port()).collect();
    for app in apps {
        tokio::spawn(app.run_until_stopped());
    }
    let client = reqwest::Client::new();

    for port in &ports {
        let res = client
            .get(format!("http://127.0.0.1:{port}/readyz"))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status().as_u16(), 200, "port {port}");
        let spec: Value = client
            .get(format!("http://127.0.0.1:{port}/openapi.json"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(spec["openapi"], "3.1.0");
    }

    let incidents = format!("http://127.0.0.1:{}", ports[0]);
    let labor = keys.token(Role::LaborAuthority, Some("SNV"));
    let body = json!({
        "tax_code": "0100047516-001",
        "name": "Chi nhánh Công ty Xi măng Cao Bằng",
        "vsic_code": "2394",
        "ownership_type": "1",
        "commune_code": "01288",
        "headcount": {"total": 300, "female": 45, "hazardous": 210}
    });
    let res = client
        .post(format!("{incidents}/api/v1/establishments"))
        .bearer_auth(&labor)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 201);
    let created: Value = res.json().await.unwrap();
    assert_eq!(created["tax_code_kind"], "branch");
    assert_eq!(created["vsic_section"], "C");

    let enterprise = keys.token(Role::Enterprise, Some("0100047516001"));
    let list: Value = client
        .get(format!("{incidents}/api/v1/establishments"))
        .bearer_auth(&enterprise)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        list["items"][0]["id"], created["id"],
        "the branch reads its own record"
    );
}

#[test]
fn the_committed_openapi_documents_are_current() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("openapi");
    if std::env::var_os("UPDATE_OPENAPI").is_some() {
        atvsld::write_openapi(&dir).unwrap();
    }
    let stale = atvsld::stale_openapi(&dir).unwrap();
    assert!(
        stale.is_empty(),
        "regenerate with `cargo run -- openapi` (or UPDATE_OPENAPI=1): {stale:?}"
    );
}

#[test]
fn the_merged_document_prefixes_every_path_and_keeps_ids_unique() {
    let docs = atvsld::openapi_documents();
    let (_, merged) = docs.iter().find(|(name, _)| name == "atvsld.json").unwrap();
    let mut ids = std::collections::HashSet::new();
    for (path, item) in &merged.paths.paths {
        assert!(
            ["/incidents/", "/health-stats/", "/tasks/"]
                .iter()
                .any(|p| path.starts_with(p)),
            "{path} has no gateway prefix"
        );
        for op in [&item.get, &item.post, &item.put, &item.patch, &item.delete]
            .into_iter()
            .flatten()
        {
            let id = op.operation_id.clone().unwrap_or_default();
            assert!(ids.insert(id.clone()), "duplicate operationId {id}");
            if path.contains("/api/") {
                assert!(
                    op.responses.responses.contains_key("4XX"),
                    "{path} lacks problem responses"
                );
                assert!(op.security.is_some(), "{path} declares no security");
            }
        }
    }
    assert!(
        merged
            .paths
            .paths
            .contains_key("/incidents/api/v1/establishments")
    );
}

#[test]
fn both_backends_have_the_same_migrations() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for dir in [
        "shared",
        "services/incidents",
        "services/health-stats",
        "services/tasks",
    ] {
        if let Err(e) = shared::db::check_same_migration_names(&root.join(dir)) {
            panic!("{dir}: {e}");
        }
    }
}

// ─────────────────────────────────────────────────────────────────────────────
// Security matrix (issue 7, item 4): every operation of the committed merged spec ×
// every role × two organisations, and forged tokens on every `/api/` operation.
// ─────────────────────────────────────────────────────────────────────────────

mod security_matrix {
    use std::collections::{BTreeMap, HashMap};
    use std::path::Path;

    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use chrono::Datelike;
    use jsonwebtoken::{Algorithm, EncodingKey, Header};
    use serde_json::{Value, json};
    use shared::auth::{JwtSigner, Role};
    use shared::testing::{TEST_AUDIENCE, TEST_ISSUER, TestDatabase, TestKeys, settings};

    use Role::{
        Admin, Agency, Commune, Enterprise, HealthAuthority, Insurer, LaborAuthority, Viewer,
    };

    /// Roles that may not use an operation at all (403), by `operationId` of the merged
    /// spec. Every operation of the spec must be listed, so a new endpoint cannot be
    /// forgotten; an operation open to every signed-in role says so with `&[]`.
    const FORBIDDEN: &[(&str, &[Role])] = &[
        (
            "health_stats_assess_disease_case",
            &[LaborAuthority, Agency, Enterprise, Commune, Insurer, Viewer],
        ),
        (
            "health_stats_get_bhxh_disease_cases",
            &[
                Admin,
                LaborAuthority,
                HealthAuthority,
                Agency,
                Enterprise,
                Commune,
                Viewer,
            ],
        ),
        (
            "health_stats_get_bhxh_disease_reconciliation",
            &[Agency, Enterprise, Commune, Insurer, Viewer],
        ),
        (
            "health_stats_get_disease_case",
            &[Agency, Commune, Insurer, Viewer],
        ),
        (
            "health_stats_get_health_exam_report",
            &[Agency, Commune, Insurer, Viewer],
        ),
        (
            "health_stats_get_health_statistics",
            &[Enterprise, Commune, Insurer],
        ),
        (
            "health_stats_get_monitoring_report",
            &[Agency, Commune, Insurer, Viewer],
        ),
        (
            "health_stats_get_monitoring_statistics",
            &[Enterprise, Commune, Insurer],
        ),
        ("health_stats_list_audit_events", ALL_BUT_ADMIN),
        (
            "health_stats_list_bhxh_benefit_decisions",
            &[LaborAuthority, Agency, Enterprise, Commune, Insurer, Viewer],
        ),
        (
            "health_stats_list_disease_cases",
            &[Agency, Commune, Insurer, Viewer],
        ),
        (
            "health_stats_list_health_exam_reports",
            &[Agency, Commune, Insurer, Viewer],
        ),
        (
            "health_stats_list_monitoring_report_revisions",
            &[Agency, Commune, Insurer, Viewer],
        ),
        (
            "health_stats_list_monitoring_reports",
            &[Agency, Commune, Insurer, Viewer],
        ),
        ("health_stats_list_receipt_keys", OPEN),
        (
            "health_stats_receive_bhxh_benefit_decisions",
            &[
                Admin,
                LaborAuthority,
                HealthAuthority,
                Agency,
                Enterprise,
                Commune,
                Viewer,
            ],
        ),
        (
            "health_stats_record_disease_case",
            &[LaborAuthority, Agency, Enterprise, Commune, Insurer, Viewer],
        ),
        (
            "health_stats_submit_health_exam_report",
            &[LaborAuthority, Agency, Commune, Insurer, Viewer],
        ),
        (
            "health_stats_submit_monitoring_report",
            &[LaborAuthority, Agency, Commune, Insurer, Viewer],
        ),
        ("health_stats_verify_audit_chain", ALL_BUT_ADMIN),
        ("health_stats_verify_receipt", OPEN),
        (
            "incidents_change_accident_status",
            &[HealthAuthority, Agency, Insurer, Viewer],
        ),
        (
            "incidents_correct_accident",
            &[HealthAuthority, Agency, Insurer, Viewer],
        ),
        (
            "incidents_create_establishment",
            &[HealthAuthority, Agency, Commune, Insurer, Viewer],
        ),
        (
            "incidents_declare_accident",
            &[HealthAuthority, Agency, Commune, Insurer, Viewer],
        ),
        ("incidents_get_accident", &[Agency, Insurer, Viewer]),
        ("incidents_get_accident_report", &[Agency, Insurer, Viewer]),
        (
            "incidents_get_accident_statistics",
            &[Enterprise, Commune, Insurer],
        ),
        (
            "incidents_get_bhxh_accident_cases",
            &[
                Admin,
                LaborAuthority,
                HealthAuthority,
                Agency,
                Enterprise,
                Commune,
                Viewer,
            ],
        ),
        (
            "incidents_get_bhxh_reconciliation",
            &[
                HealthAuthority,
                Agency,
                Enterprise,
                Commune,
                Insurer,
                Viewer,
            ],
        ),
        ("incidents_get_code_list", OPEN),
        ("incidents_get_establishment", &[Insurer, Viewer]),
        ("incidents_get_investigation", &[Agency, Insurer, Viewer]),
        (
            "incidents_get_report_compliance",
            &[Enterprise, Commune, Insurer],
        ),
        (
            "incidents_list_accident_report_revisions",
            &[Agency, Insurer, Viewer],
        ),
        (
            "incidents_list_accident_reports",
            &[Agency, Insurer, Viewer],
        ),
        (
            "incidents_list_accident_revisions",
            &[Agency, Insurer, Viewer],
        ),
        ("incidents_list_accidents", &[Agency, Insurer, Viewer]),
        ("incidents_list_audit_events", ALL_BUT_ADMIN),
        (
            "incidents_list_bhxh_benefit_decisions",
            &[
                HealthAuthority,
                Agency,
                Enterprise,
                Commune,
                Insurer,
                Viewer,
            ],
        ),
        ("incidents_list_code_lists", OPEN),
        // The code lists (issue 11): open like incidents'; tasks' like its plan and agencies.
        ("health_stats_list_code_lists", OPEN),
        ("health_stats_get_code_list", OPEN),
        ("tasks_list_code_lists", &[Enterprise, Commune, Insurer]),
        ("tasks_get_code_list", &[Enterprise, Commune, Insurer]),
        ("incidents_list_establishment_revisions", &[Insurer, Viewer]),
        ("incidents_list_establishments", &[Insurer, Viewer]),
        // Serious technical incidents: employers their own, communes read theirs,
        // Sở Nội vụ and admin all.
        (
            "incidents_declare_technical_incident",
            &[HealthAuthority, Agency, Commune, Insurer, Viewer],
        ),
        (
            "incidents_list_technical_incidents",
            &[HealthAuthority, Agency, Insurer, Viewer],
        ),
        (
            "incidents_get_technical_incident",
            &[HealthAuthority, Agency, Insurer, Viewer],
        ),
        (
            "incidents_list_technical_incident_revisions",
            &[HealthAuthority, Agency, Insurer, Viewer],
        ),
        (
            "incidents_change_technical_incident_status",
            &[HealthAuthority, Agency, Commune, Insurer, Viewer],
        ),
        (
            "incidents_correct_technical_incident",
            &[HealthAuthority, Agency, Commune, Insurer, Viewer],
        ),
        (
            "incidents_save_technical_incident_investigation",
            &[HealthAuthority, Agency, Commune, Insurer, Viewer],
        ),
        ("incidents_list_receipt_keys", OPEN),
        (
            "incidents_raise_casualty_severity",
            &[HealthAuthority, Agency, Insurer, Viewer],
        ),
        (
            "incidents_receive_bhxh_benefit_decisions",
            &[
                Admin,
                LaborAuthority,
                HealthAuthority,
                Agency,
                Enterprise,
                Commune,
                Viewer,
            ],
        ),
        (
            "incidents_save_investigation",
            &[HealthAuthority, Agency, Insurer, Viewer],
        ),
        (
            "incidents_submit_accident_report",
            &[HealthAuthority, Agency, Commune, Insurer, Viewer],
        ),
        (
            "incidents_update_establishment",
            &[HealthAuthority, Agency, Commune, Insurer, Viewer],
        ),
        ("incidents_verify_audit_chain", ALL_BUT_ADMIN),
        ("incidents_verify_receipt", OPEN),
        (
            "tasks_create_agency",
            &[
                HealthAuthority,
                Agency,
                Enterprise,
                Commune,
                Insurer,
                Viewer,
            ],
        ),
        (
            "tasks_create_task",
            &[
                HealthAuthority,
                Agency,
                Enterprise,
                Commune,
                Insurer,
                Viewer,
            ],
        ),
        ("tasks_get_agency", &[Enterprise, Commune, Insurer]),
        ("tasks_get_compliance", &[Enterprise, Commune, Insurer]),
        ("tasks_get_plan", &[Enterprise, Commune, Insurer]),
        ("tasks_get_plan_kpis", &[Enterprise, Commune, Insurer]),
        (
            "tasks_get_plan_report",
            &[HealthAuthority, Enterprise, Commune, Insurer, Viewer],
        ),
        ("tasks_get_task", &[Enterprise, Commune, Insurer]),
        ("tasks_list_agencies", &[Enterprise, Commune, Insurer]),
        ("tasks_list_audit_events", ALL_BUT_ADMIN),
        (
            "tasks_list_plan_report_revisions",
            &[HealthAuthority, Enterprise, Commune, Insurer, Viewer],
        ),
        (
            "tasks_list_plan_reports",
            &[HealthAuthority, Enterprise, Commune, Insurer, Viewer],
        ),
        ("tasks_list_plan_targets", &[Enterprise, Commune, Insurer]),
        ("tasks_list_plans", &[Enterprise, Commune, Insurer]),
        ("tasks_list_receipt_keys", OPEN),
        (
            "tasks_list_reminders",
            &[HealthAuthority, Enterprise, Commune, Insurer, Viewer],
        ),
        ("tasks_list_tasks", &[Enterprise, Commune, Insurer]),
        (
            "tasks_review_plan_report",
            &[
                HealthAuthority,
                Agency,
                Enterprise,
                Commune,
                Insurer,
                Viewer,
            ],
        ),
        (
            "tasks_submit_plan_report",
            &[HealthAuthority, Enterprise, Commune, Insurer, Viewer],
        ),
        ("tasks_verify_audit_chain", ALL_BUT_ADMIN),
        ("tasks_verify_receipt", OPEN),
        ("incidents_create_subscription", ALL_BUT_ADMIN),
        ("incidents_list_subscriptions", ALL_BUT_ADMIN),
        (
            "incidents_import_establishments",
            &[
                HealthAuthority,
                Agency,
                Enterprise,
                Commune,
                Insurer,
                Viewer,
            ],
        ),
        // Anyone may ask; a job that is not the caller's is 404 (MAY_BE_ABSENT).
        ("incidents_get_job", &[]),
        ("health_stats_get_job", &[]),
        ("tasks_get_job", &[]),
        ("incidents_update_subscription", ALL_BUT_ADMIN),
        ("incidents_list_deliveries", ALL_BUT_ADMIN),
        ("incidents_replay_delivery", ALL_BUT_ADMIN),
        ("health_stats_create_subscription", ALL_BUT_ADMIN),
        ("health_stats_list_subscriptions", ALL_BUT_ADMIN),
        ("health_stats_update_subscription", ALL_BUT_ADMIN),
        ("health_stats_list_deliveries", ALL_BUT_ADMIN),
        ("health_stats_replay_delivery", ALL_BUT_ADMIN),
        ("tasks_create_subscription", ALL_BUT_ADMIN),
        ("tasks_list_subscriptions", ALL_BUT_ADMIN),
        ("tasks_update_subscription", ALL_BUT_ADMIN),
        ("tasks_list_deliveries", ALL_BUT_ADMIN),
        ("tasks_replay_delivery", ALL_BUT_ADMIN),
        (
            "tasks_get_plan_report_draft",
            &[HealthAuthority, Enterprise, Commune, Insurer, Viewer],
        ),
        (
            "tasks_get_consolidated_report",
            &[HealthAuthority, Agency, Enterprise, Commune, Insurer],
        ),
        (
            "health_stats_import_health_exam_reports",
            &[LaborAuthority, Agency, Enterprise, Commune, Insurer, Viewer],
        ),
    ];

    /// Audit trails are for admin only.
    const ALL_BUT_ADMIN: &[Role] = &[
        LaborAuthority,
        HealthAuthority,
        Agency,
        Enterprise,
        Commune,
        Insurer,
        Viewer,
    ];

    /// Open to every signed-in role: receipts anyone may check, published code lists.
    const OPEN: &[Role] = &[];

    /// Operations whose object may legitimately be absent for a role that sees the
    /// parent (an accident without an investigation yet): 404 is then an allowed answer.
    /// Operations whose object the matrix does not create: an admin gets 404. The
    /// subscriptions are the admin's own, in no organisation, so a made-up id serves.
    const MAY_BE_ABSENT: &[&str] = &[
        "incidents_get_investigation",
        "incidents_update_subscription",
        "incidents_list_deliveries",
        "incidents_replay_delivery",
        "health_stats_update_subscription",
        "health_stats_list_deliveries",
        "health_stats_replay_delivery",
        "tasks_update_subscription",
        "tasks_list_deliveries",
        "tasks_replay_delivery",
        "incidents_get_job",
        "health_stats_get_job",
        "tasks_get_job",
    ];

    /// The id used for objects the matrix does not create.
    const ABSENT_ID: &str = "00000000-0000-7000-8000-000000000000";

    /// Input problems an allowed caller may get from the generic requests of the matrix.
    const INPUT_PROBLEMS: &[u16] = &[400, 409, 412, 422, 428];

    /// An organisation of each scoped kind; the matrix uses two.
    struct Org {
        tax_code: &'static str,
        commune: &'static str,
        agency: &'static str,
    }

    const ORGS: [Org; 2] = [
        Org {
            tax_code: "0100047516",
            commune: "01273",
            agency: "SYT",
        },
        Org {
            tax_code: "0100109106",
            commune: "01288",
            agency: "SCT",
        },
    ];

    fn org_claim(role: Role, org: &Org) -> Option<&'static str> {
        match role {
            Enterprise => Some(org.tax_code),
            Commune => Some(org.commune),
            Agency => Some(org.agency),
            LaborAuthority => Some("SNV"),
            HealthAuthority => Some("SYT"),
            Insurer => Some("BHXH"),
            Admin | Viewer => None,
        }
    }

    /// Whether `role` sees only its own organisation's records at `path`: employers and
    /// communes in the registry, accident and health services; agencies in the tasks
    /// service (an agency reads the establishment registry as a whole).
    fn scoped(role: Role, path: &str) -> bool {
        match role {
            Enterprise | Commune => !path.starts_with("/tasks/"),
            Agency => path.starts_with("/tasks/"),
            _ => false,
        }
    }

    /// Operations that name every organisation by design: the plan-report compliance
    /// board lists each agency's status and report id to every agency (the report
    /// itself stays 404 to the others, which the matrix checks).
    const SHOWS_EVERY_ORGANISATION: &[&str] = &["tasks_get_compliance"];

    /// The objects one organisation owns, created through the API as admin.
    #[derive(Default)]
    struct Owned {
        /// Object id by the collection segment before `{id}` (`accidents`, ...).
        ids: HashMap<&'static str, String>,
        casualty: String,
        /// Ids that must never appear in an answer to the other organisation.
        secrets: Vec<String>,
    }

    struct Suite {
        /// Base URL by gateway prefix (`incidents`, `health-stats`, `tasks`).
        bases: HashMap<&'static str, String>,
        client: reqwest::Client,
        keys: TestKeys,
        _databases: Vec<TestDatabase>,
    }

    impl Suite {
        async fn start() -> Self {
            shared::telemetry::init_test_tracing();
            let keys = TestKeys::new().unwrap();
            let databases: Vec<TestDatabase> =
                (0..3).map(|_| TestDatabase::new().unwrap()).collect();
            let planned = atvsld::services()
                .into_iter()
                .zip(&databases)
                .map(|(def, db)| (def, settings(db, &keys)))
                .collect();
            let apps = atvsld::start(planned).await.unwrap();
            let mut bases = HashMap::new();
            for (app, prefix) in apps.into_iter().zip(["incidents", "health-stats", "tasks"]) {
                bases.insert(prefix, format!("http://127.0.0.1:{}", app.port()));
                tokio::spawn(app.run_until_stopped());
            }
            Self {
                bases,
                client: reqwest::Client::new(),
                keys,
                _databases: databases,
            }
        }

        /// The service URL of a path of the merged spec (gateway prefix stripped).
        fn url(&self, gateway_path: &str) -> String {
            let rest = gateway_path.trim_start_matches('/');
            let (prefix, path) = rest.split_once('/').unwrap();
            format!("{}/{path}", self.bases[prefix])
        }

        async fn admin_post(&self, gateway_path: &str, body: &Value) -> Value {
            let res = self
                .client
                .post(self.url(gateway_path))
                .bearer_auth(self.keys.token(Admin, None))
                .json(body)
                .send()
                .await
                .unwrap();
            let status = res.status().as_u16();
            let json: Value = res.json().await.unwrap();
            assert!(
                status == 200 || status == 201,
                "{gateway_path}: {status} {json}"
            );
            json
        }

        async fn admin_get(&self, gateway_path: &str) -> Value {
            let res = self
                .client
                .get(self.url(gateway_path))
                .bearer_auth(self.keys.token(Admin, None))
                .send()
                .await
                .unwrap();
            assert_eq!(res.status().as_u16(), 200, "{gateway_path}");
            res.json().await.unwrap()
        }
    }

    fn year() -> i32 {
        shared::time::today().year()
    }

    /// A reporting period that exists now: the current half-year if it is H1, else the year.
    fn report_period() -> String {
        let today = shared::time::today();
        if today.month() <= 6 {
            format!("{}-H1", today.year())
        } else {
            today.year().to_string()
        }
    }

    fn id_of(v: &Value) -> String {
        v["id"].as_str().unwrap().to_owned()
    }

    /// One object of every kind for `org`, created as admin.
    async fn create_objects(suite: &Suite, org: &Org, n: usize, plan_id: &str) -> Owned {
        let mut owned = Owned::default();
        let establishment = suite
            .admin_post(
                "/incidents/api/v1/establishments",
                &json!({
                    "tax_code": org.tax_code, "name": format!("Công ty TNHH Ma trận {n}"),
                    "vsic_code": "07100", "ownership_type": "2", "commune_code": org.commune,
                    "headcount": {"total": 120, "female": 30, "hazardous": 80}
                }),
            )
            .await;
        owned.ids.insert("establishments", id_of(&establishment));

        let at = (chrono::Utc::now() - chrono::Duration::hours(3)).to_rfc3339();
        let accident = suite
            .admin_post(
                "/incidents/api/v1/accidents",
                &json!({
                    "sector": "with_labour_relation", "employer": {"tax_code": org.tax_code},
                    "occurred_at": at, "notified_at": at, "police_notified_at": at,
                    "place": {"commune_code": org.commune, "address": "Khai trường"},
                    "description": "Đá lở", "cause_codes": ["1"],
                    "casualties": [{
                        "personal_id": format!("00409000100{n}"), "full_name": "Người bị nạn",
                        "gender": "male", "birth_year": 1990, "contract_type": "indefinite",
                        "severity": "serious", "days_off": 3,
                        "costs": {"medical": 1000, "wages": 0, "compensation": 0}
                    }]
                }),
            )
            .await;
        owned.ids.insert("accidents", id_of(&accident));
        owned.casualty = accident["casualties"][0]["id"].as_str().unwrap().to_owned();

        let incident = suite
            .admin_post(
                "/incidents/api/v1/technical-incidents",
                &json!({
                    "kind": "equipment", "establishment_tax_code": org.tax_code,
                    "occurred_at": at, "notified_at": at,
                    "place": {"commune_code": org.commune, "address": "Trạm nghiền"},
                    "description": "Vỡ bình chịu áp lực", "damage_vnd": 1_000_000
                }),
            )
            .await;
        owned.ids.insert("technical-incidents", id_of(&incident));

        let counts = json!({"cases": 1, "cases_fatal": 0, "cases_multi": 0, "casualties": 1,
                            "female": 0, "fatal": 0, "serious": 1});
        let report = suite
            .admin_post(
                "/incidents/api/v1/accident-reports",
                &json!({
                    "kind": "employer", "period": report_period(),
                    "establishment": {"tax_code": org.tax_code},
                    "workers": {"total": 120, "female": 30},
                    "figures": {"totals": counts, "by_cause": [{"code": "1", "counts": counts}],
                                "damage": {"days_off": 3, "cost_medical": 1000, "cost_wages": 0,
                                           "cost_compensation": 0}}
                }),
            )
            .await;
        owned.ids.insert("accident-reports", id_of(&report));

        let hs_establishment = json!({"tax_code": org.tax_code, "name": format!("Công ty TNHH Ma trận {n}"),
                                      "commune_code": org.commune, "vsic_code": "07100", "ownership_type": "2"});
        let exam = suite
            .admin_post(
                "/health-stats/api/v1/health-exam-reports",
                &json!({
                    "period": (year() - 1).to_string(), "establishment": hs_establishment,
                    "figures": {
                        "workers": {"total": 100, "female": 10},
                        "hazardous_workers": {"total": 40, "female": 0},
                        "periodic_exams": 100, "exposed_workers": 40, "bnn_examined": 40,
                        "bnn_by_disease": [{"disease_code": "BNN-18", "suspected": 2, "confirmed": 1}]
                    }
                }),
            )
            .await;
        owned.ids.insert("health-exam-reports", id_of(&exam));

        let case = suite
            .admin_post(
                "/health-stats/api/v1/occupational-disease-cases",
                &json!({
                    "personal_id": format!("00409000200{n}"), "full_name": "Hoàng Văn C",
                    "gender": "male", "birth_date": "1990-04-12", "establishment": hs_establishment,
                    "disease_code": "BNN-18", "exposure_factor": "Tiếng ồn khu nghiền đá",
                    "diagnosed_on": format!("{}-03-01", year() - 1),
                    "diagnosis_facility": "Trung tâm Kiểm soát bệnh tật tỉnh Cao Bằng"
                }),
            )
            .await;
        owned.ids.insert("occupational-disease-cases", id_of(&case));

        let monitoring = suite
            .admin_post(
                "/health-stats/api/v1/monitoring-reports",
                &json!({
                    "organisation": {"name": "Trung tâm Kiểm soát bệnh tật tỉnh Cao Bằng",
                                     "licence_number": "15/2019/SYT-QTMTLĐ"},
                    "establishment": hs_establishment,
                    "monitored_on": format!("{}-05-10", year() - 1),
                    "has_harmful_factors": false,
                    "factors": [{"factor": "dust", "samples_taken": 4, "samples_over_limit": 0}]
                }),
            )
            .await;
        owned.ids.insert("monitoring-reports", id_of(&monitoring));

        // A task of this agency that the other agency does not share, and its plan report.
        let other = ORGS.iter().find(|o| o.agency != org.agency).unwrap().agency;
        let tasks_of = |agency: &'static str| async move {
            let res = suite
                .client
                .get(suite.url("/tasks/api/v1/tasks"))
                .bearer_auth(suite.keys.token(Agency, Some(agency)))
                .send()
                .await
                .unwrap();
            let list: Value = res.json().await.unwrap();
            list["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(id_of)
                .collect::<Vec<_>>()
        };
        let theirs = tasks_of(other).await;
        let task = tasks_of(org.agency)
            .await
            .into_iter()
            .find(|t| !theirs.contains(t))
            .expect("a task of one agency only");
        owned.ids.insert("tasks", task.clone());
        let plan_report = suite
            .admin_post(
                "/tasks/api/v1/plan-reports",
                &json!({
                    "plan_id": plan_id, "period": year().to_string(), "agency": org.agency,
                    "narrative": [{"task_id": task, "text": "Đã tổ chức tập huấn.", "progress": "in_progress"}],
                    "figures": {"training_courses": 3}
                }),
            )
            .await;
        owned.ids.insert("plan-reports", id_of(&plan_report));

        owned.secrets = owned.ids.values().cloned().collect();
        owned.secrets.push(owned.casualty.clone());
        owned
    }

    /// Points a request body at `org`: its tax code, commune and agency, the real plan
    /// and one of its tasks, so that a body names one organisation only.
    fn aim(body: &mut Value, org: &Org, owned: &Owned, plan_id: &str) {
        match body {
            Value::Object(map) => {
                for (key, v) in map.iter_mut() {
                    let replacement = match key.as_str() {
                        "tax_code" | "establishment_tax_code" => Some(org.tax_code.to_owned()),
                        "commune_code" => Some(org.commune.to_owned()),
                        "agency" => Some(org.agency.to_owned()),
                        "plan_id" => Some(plan_id.to_owned()),
                        "task_id" => owned.ids.get("tasks").cloned(),
                        _ => None,
                    };
                    match replacement {
                        Some(r) if v.is_string() => *v = Value::String(r),
                        _ => aim(v, org, owned, plan_id),
                    }
                }
            }
            Value::Array(items) => {
                for v in items {
                    aim(v, org, owned, plan_id);
                }
            }
            _ => {}
        }
    }

    /// One operation of the merged spec, ready to be called.
    struct Operation {
        id: String,
        method: reqwest::Method,
        path: String,
        /// Whether `{...}` in the path names an object an organisation owns.
        owned_object: bool,
        query: Vec<(String, String)>,
        if_match: bool,
        body: Option<Value>,
    }

    fn resolve<'a>(spec: &'a Value, v: &'a Value) -> &'a Value {
        match v["$ref"].as_str() {
            Some(r) => spec.pointer(r.trim_start_matches('#')).unwrap(),
            None => v,
        }
    }

    fn operations(spec: &Value) -> Vec<Operation> {
        let mut ops = Vec::new();
        // `/internal/` takes a signature from another service, never a user's token;
        // its refusal of unsigned calls is tested in the services' own suites.
        for (path, item) in spec["paths"]
            .as_object()
            .unwrap()
            .iter()
            .filter(|(p, _)| !p.contains("/internal/"))
        {
            for (method, op) in item.as_object().unwrap() {
                let Ok(method) = method.to_uppercase().parse::<reqwest::Method>() else {
                    continue;
                };
                let mut query = Vec::new();
                let mut if_match = false;
                for p in op["parameters"].as_array().into_iter().flatten() {
                    let p = resolve(spec, p);
                    let name = p["name"].as_str().unwrap();
                    match (p["in"].as_str().unwrap(), p["required"] == true) {
                        ("query", true) => {
                            let value = match name {
                                "period" => year().to_string(),
                                "year" => year().to_string(),
                                "kind" => "employer".to_owned(),
                                // Resolved per target organisation in `concrete_path`.
                                "agency" | "tax_code" | "commune_code" => format!("{{{name}}}"),
                                other => panic!(
                                    "{path}: no value for the required query parameter {other}; \
                                     teach the security matrix one"
                                ),
                            };
                            query.push((name.to_owned(), value));
                        }
                        ("header", true) if name.eq_ignore_ascii_case("if-match") => {
                            if_match = true;
                        }
                        _ => {}
                    }
                }
                // The body: the example the spec gives for the request schema (so that
                // the body parses and the authorisation decides), else an empty object.
                let body = op.get("requestBody").map(|rb| {
                    let content = &resolve(spec, rb)["content"]["application/json"];
                    let schema = resolve(spec, &content["schema"]);
                    content
                        .get("example")
                        .or_else(|| schema.get("example"))
                        .cloned()
                        .unwrap_or_else(|| json!({}))
                });
                ops.push(Operation {
                    id: op["operationId"].as_str().unwrap().to_owned(),
                    method,
                    owned_object: path.contains('{')
                        && !path.contains("/plans/{")
                        && !path.contains("/code-lists/{")
                        && !path.contains("/agencies/{"),
                    path: path.clone(),
                    query,
                    if_match,
                    body,
                });
            }
        }
        // Reads first: the writes of the matrix change objects (a corrected place moves
        // an accident to another commune), which must not change what a read expects.
        ops.sort_by_key(|op| op.method != reqwest::Method::GET);
        ops
    }

    /// The concrete path of `op` aimed at the objects of `owner`.
    fn concrete_path(
        op: &Operation,
        owner: &Owned,
        owner_org: &Org,
        plan_id: &str,
    ) -> Result<String, String> {
        let segments: Vec<&str> = op.path.split('/').collect();
        let mut out = Vec::with_capacity(segments.len());
        for (i, seg) in segments.iter().enumerate() {
            let value = match *seg {
                "{casualty_id}" => owner.casualty.clone(),
                "{delivery_id}" => ABSENT_ID.to_owned(),
                // A code list each service has: tasks lists agencies, not communes.
                "{name}" if op.path.starts_with("/tasks/") => "agencies".to_owned(),
                "{name}" => "communes".to_owned(),
                "{code}" => owner_org.agency.to_owned(),
                "{id}" => {
                    let collection = segments[i - 1];
                    if collection == "plans" {
                        plan_id.to_owned()
                    } else if collection == "subscriptions" || collection == "jobs" {
                        ABSENT_ID.to_owned()
                    } else {
                        owner.ids.get(collection).cloned().ok_or_else(|| {
                            format!(
                                "{}: the security matrix has no `{collection}` object; create one in create_objects",
                                op.path
                            )
                        })?
                    }
                }
                s if s.starts_with('{') => {
                    return Err(format!(
                        "{}: unknown path parameter {s}; teach the security matrix one",
                        op.path
                    ));
                }
                s => s.to_owned(),
            };
            out.push(value);
        }
        let mut path = out.join("/");
        for (i, (name, value)) in op.query.iter().enumerate() {
            let value = match value.as_str() {
                "{agency}" => owner_org.agency,
                "{tax_code}" => owner_org.tax_code,
                "{commune_code}" => owner_org.commune,
                v => v,
            };
            path.push(if i == 0 { '?' } else { '&' });
            path.push_str(&format!("{name}={value}"));
        }
        Ok(path)
    }

    struct Answer {
        status: u16,
        www_authenticate: Option<String>,
        body: String,
    }

    async fn call(
        suite: &Suite,
        op: &Operation,
        path: &str,
        body: Option<&Value>,
        token: Option<&str>,
    ) -> Answer {
        let mut req = suite.client.request(op.method.clone(), suite.url(path));
        if let Some(token) = token {
            req = req.bearer_auth(token);
        }
        if op.if_match {
            req = req.header("If-Match", "\"1\"");
        }
        if let Some(body) = body {
            req = req.json(body);
        }
        let res = req.send().await.unwrap();
        Answer {
            status: res.status().as_u16(),
            www_authenticate: res
                .headers()
                .get("www-authenticate")
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned),
            body: res.text().await.unwrap_or_default(),
        }
    }

    fn forbidden_roles(op_id: &str) -> Option<&'static [Role]> {
        FORBIDDEN
            .iter()
            .find(|(id, _)| *id == op_id)
            .map(|(_, r)| *r)
    }

    #[tokio::test]
    async fn every_operation_answers_every_role_of_two_organisations_as_expected() {
        let started = std::time::Instant::now();
        let spec: Value = serde_json::from_str(
            &std::fs::read_to_string(
                Path::new(env!("CARGO_MANIFEST_DIR")).join("openapi/atvsld.json"),
            )
            .unwrap(),
        )
        .unwrap();
        let ops = operations(&spec);
        let mut problems = Vec::new();

        // The table and the spec name the same operations.
        for op in ops.iter().filter(|op| op.path.contains("/api/")) {
            if forbidden_roles(&op.id).is_none() {
                problems.push(format!(
                    "{} ({} {}) is not in the security matrix's FORBIDDEN table",
                    op.id, op.method, op.path
                ));
            }
        }
        for (id, _) in FORBIDDEN {
            if !ops.iter().any(|op| op.id == *id) {
                problems.push(format!(
                    "FORBIDDEN lists {id}, which the spec does not have"
                ));
            }
        }

        let suite = Suite::start().await;
        let plans = suite.admin_get("/tasks/api/v1/plans").await;
        let plan_id = plans["items"][0]["id"].as_str().unwrap().to_owned();
        let owned = [
            create_objects(&suite, &ORGS[0], 1, &plan_id).await,
            create_objects(&suite, &ORGS[1], 2, &plan_id).await,
        ];

        // Least privileged first, so the writes of the privileged roles come last.
        let mut roles = Role::ALL;
        roles.reverse();
        let mut observed: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for op in &ops {
            for role in roles {
                for (mine, theirs) in [(0usize, 1usize), (1, 0)] {
                    let token = suite.keys.token(role, org_claim(role, &ORGS[mine]));
                    let path = match concrete_path(op, &owned[theirs], &ORGS[theirs], &plan_id) {
                        Ok(path) => path,
                        Err(e) => {
                            problems.push(e);
                            break;
                        }
                    };
                    let body = op.body.clone().map(|mut b| {
                        aim(&mut b, &ORGS[theirs], &owned[theirs], &plan_id);
                        b
                    });
                    // A write that names the other organisation (files for it), or a read
                    // that asks by its agency code (an agency's draft of another's report).
                    let files_for_other = (op.method != reqwest::Method::GET
                        && !op.owned_object
                        && body.as_ref().is_some_and(|b| {
                            let text = b.to_string();
                            text.contains(ORGS[theirs].tax_code)
                                || text.contains(ORGS[theirs].agency)
                        }))
                        || (role == Agency && op.query.iter().any(|(name, _)| name == "agency"));
                    let answer = call(&suite, op, &path, body.as_ref(), Some(&token)).await;
                    let status = answer.status;
                    observed
                        .entry(op.id.clone())
                        .or_default()
                        .push(format!("{}#{mine}={status}", role.as_str()));
                    let what = format!(
                        "{} {} as {} of org {mine}: {status}",
                        op.method,
                        path,
                        role.as_str()
                    );
                    if status >= 500 {
                        problems.push(format!("{what} (a server error) {}", answer.body));
                        continue;
                    }
                    if status == 401 {
                        problems.push(format!("{what} (a valid token refused)"));
                        continue;
                    }
                    if !op.path.contains("/api/") {
                        continue;
                    }
                    let forbidden = forbidden_roles(&op.id).unwrap_or(&[]).contains(&role);
                    if forbidden {
                        if status != 403 {
                            problems.push(format!("{what}, expected 403"));
                        }
                        continue;
                    }
                    if scoped(role, &op.path) && files_for_other {
                        if !matches!(status, 403 | 404 | 422) {
                            problems.push(format!(
                                "{what}: a write naming another organisation, expected 403, 404 or 422 ({})",
                                answer.body
                            ));
                        }
                        continue;
                    }
                    if status == 403 {
                        problems.push(format!("{what}, but the role may use this operation"));
                        continue;
                    }
                    if scoped(role, &op.path) && op.owned_object {
                        if status != 404 {
                            problems.push(format!(
                                "{what}, expected 404 for another organisation's object"
                            ));
                        }
                        continue;
                    }
                    let allowed = (200..300).contains(&status)
                        || INPUT_PROBLEMS.contains(&status)
                        || (status == 404 && MAY_BE_ABSENT.contains(&op.id.as_str()));
                    if !allowed {
                        problems.push(format!("{what}, expected 2xx or an input problem"));
                    }
                    if scoped(role, &op.path)
                        && (200..300).contains(&status)
                        && !SHOWS_EVERY_ORGANISATION.contains(&op.id.as_str())
                    {
                        for secret in owned[theirs]
                            .secrets
                            .iter()
                            .map(String::as_str)
                            .chain([ORGS[theirs].tax_code])
                        {
                            if answer.body.contains(secret) {
                                problems.push(format!(
                                    "{what} shows {secret} of the other organisation"
                                ));
                            }
                        }
                    }
                }
            }
        }
        problems.dedup();
        if std::env::var_os("MATRIX_PRINT").is_some() {
            for (id, cells) in &observed {
                eprintln!("{id}: {}", cells.join(" "));
            }
        }
        assert!(
            problems.is_empty(),
            "{} problem(s):\n{}",
            problems.len(),
            problems.join("\n")
        );
        eprintln!(
            "security matrix: {} operations × {} roles × 2 organisations in {:?}",
            ops.len(),
            roles.len(),
            started.elapsed()
        );
    }

    /// The merged spec keeps every service's schemas as they are: a name two services
    /// use for different schemas is kept per service (`IncidentsHeadcount`), never
    /// replaced by the other service's (Spectral found incidents operations pointing at
    /// health-stats' `Headcount`).
    /// Schemas of the service-to-service endpoints only.
    const INTERNAL_ONLY: &[&str] = &["Envelope", "ReceiveResult"];

    /// Every bulk import example of the spec, in each of its formats (JSON array,
    /// NDJSON, CSV with Vietnamese headers), is taken whole by a dry run: an integrator
    /// who starts from the spec's example starts from a file that works.
    #[tokio::test]
    async fn the_bulk_import_examples_of_the_spec_are_accepted_as_they_stand() {
        let spec: Value = serde_json::from_str(
            &std::fs::read_to_string(
                Path::new(env!("CARGO_MANIFEST_DIR")).join("openapi/atvsld.json"),
            )
            .unwrap(),
        )
        .unwrap();
        let suite = Suite::start().await;
        let mut checked = 0;
        for (path, item) in spec["paths"].as_object().unwrap() {
            if !path.ends_with("/import") {
                continue;
            }
            let content = item["post"]["requestBody"]["content"].as_object().unwrap();
            for (content_type, media) in content {
                let example = &media["example"];
                let (body, rows) = match example {
                    Value::Array(rows) => (example.to_string(), rows.len()),
                    Value::String(text) => (
                        text.clone(),
                        text.lines().filter(|l| !l.trim().is_empty()).count()
                            - usize::from(content_type == "text/csv"),
                    ),
                    other => panic!("{path} {content_type}: no example ({other})"),
                };
                let res = suite
                    .client
                    .post(format!("{}?dry_run=true", suite.url(path)))
                    .bearer_auth(suite.keys.token(Admin, None))
                    .header("content-type", content_type)
                    .body(body)
                    .send()
                    .await
                    .unwrap();
                let status = res.status().as_u16();
                let answer: Value = res.json().await.unwrap();
                assert_eq!(status, 200, "{path} {content_type}: {answer}");
                assert_eq!(
                    answer["summary"]["total"], rows,
                    "{path} {content_type}: {answer}"
                );
                assert_eq!(
                    answer["summary"]["rejected"], 0,
                    "{path} {content_type}: {answer}"
                );
                checked += 1;
            }
        }
        assert_eq!(checked, 6, "two imports, three formats each");
    }

    #[test]
    fn the_merged_spec_keeps_each_services_schemas() {
        let docs: HashMap<String, Value> = atvsld::openapi_documents()
            .into_iter()
            .map(|(file, api)| (file, serde_json::to_value(api).unwrap()))
            .collect();
        let merged = &docs["atvsld.json"]["components"]["schemas"];
        for (service, prefix) in [
            ("incidents", "Incidents"),
            ("health-stats", "HealthStats"),
            ("tasks", "Tasks"),
        ] {
            let schemas = docs[&format!("{service}.json")]["components"]["schemas"]
                .as_object()
                .unwrap();
            for (name, schema) in schemas {
                // The suite document leaves `/internal/v1/events` out, and its schemas.
                if INTERNAL_ONLY.contains(&name.as_str()) {
                    assert!(merged.get(name).is_none(), "{name} is in atvsld.json");
                    continue;
                }
                let kept = merged
                    .get(format!("{prefix}{name}"))
                    .or_else(|| merged.get(name))
                    .unwrap_or_else(|| panic!("{service}: {name} is missing from atvsld.json"));
                let unprefixed = kept.to_string().replace(
                    &format!("#/components/schemas/{prefix}"),
                    "#/components/schemas/",
                );
                assert_eq!(
                    serde_json::from_str::<Value>(&unprefixed).unwrap(),
                    *schema,
                    "{service}: {name} differs in atvsld.json"
                );
            }
        }
    }

    fn claims(overrides: Value) -> Value {
        let now = chrono::Utc::now().timestamp();
        let mut claims = json!({
            "sub": "attacker", "iss": TEST_ISSUER, "aud": TEST_AUDIENCE,
            "exp": now + 600, "nbf": now - 10, "iat": now, "roles": ["admin"]
        });
        for (k, v) in overrides.as_object().unwrap() {
            claims[k] = v.clone();
        }
        claims
    }

    /// Tokens that must never be accepted, with what is wrong with each.
    fn forged_tokens(keys: &TestKeys) -> Vec<(&'static str, String)> {
        let signer = &keys.signer;
        let now = chrono::Utc::now().timestamp();
        let header = json!({"alg": "none", "typ": "JWT", "kid": signer.kid()});
        let alg_none = format!(
            "{}.{}.",
            URL_SAFE_NO_PAD.encode(header.to_string()),
            URL_SAFE_NO_PAD.encode(claims(json!({})).to_string())
        );
        let jwks = serde_json::to_value(signer.jwks()).unwrap();
        let public_x = jwks["keys"][0]["x"].as_str().unwrap().to_owned();
        let mut hs256 = Header::new(Algorithm::HS256);
        hs256.kid = Some(signer.kid().to_owned());
        let hs256 = jsonwebtoken::encode(
            &hs256,
            &claims(json!({})),
            &EncodingKey::from_secret(public_x.as_bytes()).unwrap(),
        )
        .unwrap();
        let mut wrong_kid = Header::new(Algorithm::EdDSA);
        wrong_kid.kid = Some("not-a-published-kid".into());
        let (stranger, _) = JwtSigner::generate().unwrap();
        let mut our_kid = Header::new(Algorithm::EdDSA);
        our_kid.kid = Some(signer.kid().to_owned());
        let mut with_jku = Header::new(Algorithm::EdDSA);
        with_jku.jku = Some("http://127.0.0.1:9/jwks.json".into());
        let mut with_jwk = Header::new(Algorithm::EdDSA);
        with_jwk.jwk = signer.jwks().keys.into_iter().next();
        vec![
            ("alg none", alg_none),
            ("HS256 signed with the public key", hs256),
            (
                "unknown kid",
                signer
                    .sign_with_header(wrong_kid, &claims(json!({})))
                    .unwrap(),
            ),
            (
                "our kid, another key",
                stranger
                    .sign_with_header(our_kid, &claims(json!({})))
                    .unwrap(),
            ),
            (
                "expired",
                signer.sign(&claims(json!({"exp": now - 120}))).unwrap(),
            ),
            (
                "wrong audience",
                signer.sign(&claims(json!({"aud": "another-api"}))).unwrap(),
            ),
            (
                "wrong issuer",
                signer
                    .sign(&claims(json!({"iss": "https://evil.example"})))
                    .unwrap(),
            ),
            (
                "jku header",
                signer
                    .sign_with_header(with_jku, &claims(json!({})))
                    .unwrap(),
            ),
            (
                "jwk header",
                signer
                    .sign_with_header(with_jwk, &claims(json!({})))
                    .unwrap(),
            ),
        ]
    }

    #[tokio::test]
    async fn forged_tokens_are_refused_by_every_operation() {
        let started = std::time::Instant::now();
        let spec: Value = serde_json::from_str(
            &std::fs::read_to_string(
                Path::new(env!("CARGO_MANIFEST_DIR")).join("openapi/atvsld.json"),
            )
            .unwrap(),
        )
        .unwrap();
        let ops = operations(&spec);
        let suite = Suite::start().await;
        let plans = suite.admin_get("/tasks/api/v1/plans").await;
        let plan_id = plans["items"][0]["id"].as_str().unwrap().to_owned();
        // Real objects, so that nothing but the token can make a request fail.
        let owned = create_objects(&suite, &ORGS[0], 1, &plan_id).await;
        let forged = forged_tokens(&suite.keys);
        let mut problems = Vec::new();
        let mut count = 0;
        for op in ops.iter().filter(|op| op.path.contains("/api/")) {
            let path = match concrete_path(op, &owned, &ORGS[0], &plan_id) {
                Ok(path) => path,
                Err(e) => {
                    problems.push(e);
                    continue;
                }
            };
            let body = op.body.clone().map(|mut b| {
                aim(&mut b, &ORGS[0], &owned, &plan_id);
                b
            });
            for (why, token) in forged
                .iter()
                .map(|(w, t)| (*w, Some(t.as_str())))
                .chain([("no token", None)])
            {
                count += 1;
                let answer = call(&suite, op, &path, body.as_ref(), token).await;
                if answer.status != 401 || answer.www_authenticate.as_deref() != Some("Bearer") {
                    problems.push(format!(
                        "{} {path} with {why}: {} (WWW-Authenticate {:?})",
                        op.method, answer.status, answer.www_authenticate
                    ));
                }
            }
        }
        assert!(
            problems.is_empty(),
            "{} problem(s):\n{}",
            problems.len(),
            problems.join("\n")
        );
        eprintln!(
            "forged tokens: {count} requests, all 401, in {:?}",
            started.elapsed()
        );
    }
}

/// The suite with the tasks service pointed at the real incidents and health-stats
/// services; returns their ports and handles (incidents, health-stats, tasks).
async fn start_suite_with_kpi_sources(
    keys: &TestKeys,
    databases: &[TestDatabase],
    timeout_ms: u64,
) -> (Vec<u16>, Vec<actix_web::dev::ServerHandle>) {
    shared::telemetry::init_test_tracing();
    let [incidents_def, health_def, tasks_def] = atvsld::services();
    let sources = atvsld::start(vec![
        (incidents_def, settings(&databases[0], keys)),
        (health_def, settings(&databases[1], keys)),
    ])
    .await
    .unwrap();
    let mut tasks_settings = settings(&databases[2], keys);
    tasks_settings.upstreams = shared::config::Upstreams {
        incidents: Some(format!("http://127.0.0.1:{}", sources[0].port())),
        health_stats: Some(format!("http://127.0.0.1:{}", sources[1].port())),
        tasks: None,
        timeout_ms,
    };
    let tasks_app = atvsld::start(vec![(tasks_def, tasks_settings)])
        .await
        .unwrap();
    let mut ports = Vec::new();
    let mut handles = Vec::new();
    for app in sources.into_iter().chain(tasks_app) {
        ports.push(app.port());
        handles.push(app.handle());
        tokio::spawn(app.run_until_stopped());
    }
    (ports, handles)
}

/// The year in Viet Nam of a moment `days_ago` days back.
fn year_of(days_ago: i64) -> i32 {
    use chrono::Datelike;
    (chrono::Utc::now() - chrono::Duration::days(days_ago))
        .with_timezone(&shared::time::vietnam())
        .year()
}

fn accident(tax_code: &str, personal_id: &str, days_ago: i64) -> Value {
    let at = (chrono::Utc::now() - chrono::Duration::days(days_ago)).to_rfc3339();
    json!({
        "sector": "with_labour_relation", "employer": {"tax_code": tax_code},
        "occurred_at": at, "notified_at": at, "police_notified_at": at,
        "place": {"commune_code": "01273", "address": "Mỏ đá"}, "description": "Đá lở",
        "cause_codes": ["1"],
        "casualties": [{
            "personal_id": personal_id, "full_name": "Người bị nạn", "gender": "male", "birth_year": 1990,
            "contract_type": "indefinite", "severity": "fatal", "days_off": 0,
            "costs": {"medical": 1000, "wages": 0, "compensation": 0}
        }]
    })
}

async fn kpis(client: &reqwest::Client, tasks: &str, token: &str, year: i32) -> Value {
    let plans: Value = client
        .get(format!("{tasks}/api/v1/plans"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = plans["items"][0]["id"].as_str().unwrap().to_owned();
    let res = client
        .get(format!("{tasks}/api/v1/plans/{id}/kpis?year={year}"))
        .bearer_auth(token)
        .header("x-request-id", "kpi-e2e-1")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 200);
    res.json().await.unwrap()
}

fn kpi<'a>(answer: &'a Value, code: &str) -> &'a Value {
    answer["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["target"]["code"] == code)
        .unwrap()
}

#[tokio::test]
async fn the_fatal_rate_kpi_matches_the_hand_computed_rates_from_the_incidents_service() {
    let keys = TestKeys::new().unwrap();
    let databases: Vec<TestDatabase> = (0..3).map(|_| TestDatabase::new().unwrap()).collect();
    let (ports, _handles) = start_suite_with_kpi_sources(&keys, &databases, 5000).await;
    let client = reqwest::Client::new();
    let incidents = format!("http://127.0.0.1:{}", ports[0]);
    let tasks = format!("http://127.0.0.1:{}", ports[2]);
    let labor = keys.token(Role::LaborAuthority, Some("SNV"));

    // 4,000 registered workers; one death this year, two last year.
    for (tax, total) in [("0100047516", 1000), ("0100109106", 3000)] {
        let body = json!({
            "tax_code": tax, "name": "Công ty TNHH Khai khoáng Cao Bằng", "vsic_code": "07100",
            "ownership_type": "2", "commune_code": "01273",
            "headcount": {"total": total, "female": 10, "hazardous": 10}
        });
        let res = client
            .post(format!("{incidents}/api/v1/establishments"))
            .bearer_auth(&labor)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status().as_u16(), 201);
    }
    let this_year = year_of(2);
    let last_year_days = if year_of(370) == this_year - 1 {
        370
    } else {
        400
    };
    for (tax, id, days) in [
        ("0100047516", "004090000001", 2),
        ("0100047516", "004090000002", last_year_days),
        ("0100109106", "004090000003", last_year_days),
    ] {
        let res = client
            .post(format!("{incidents}/api/v1/accidents"))
            .bearer_auth(&labor)
            .json(&accident(tax, id, days))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status().as_u16(), 201, "{}", res.text().await.unwrap());
    }

    let answer = kpis(&client, &tasks, &labor, this_year).await;
    let fatal = kpi(&answer, "fatal_accident_rate");
    assert_eq!(fatal["available"], true, "{fatal}");
    // 1 / 4,000 × 100,000 = 25; 2 / 4,000 × 100,000 = 50; a 50 % fall so far. This
    // year is not over: no on-track claim on partial figures.
    assert_eq!(fatal["current"]["value"], 25.0);
    assert_eq!(fatal["current"]["numerator"], 1.0);
    assert_eq!(fatal["current"]["denominator"], 4000.0);
    assert_eq!(fatal["previous"]["value"], 50.0);
    assert_eq!(fatal["change_percent"], -50.0);
    if this_year == year_of(0) {
        assert!(fatal["on_track"].is_null(), "{fatal}");
        assert_eq!(fatal["trend"]["assessment"], "period_in_progress");
        assert_eq!(answer["complete"], false);
    } else {
        assert_eq!(fatal["on_track"], true, "{fatal}");
    }
    assert_eq!(fatal["target"]["yearly_change_percent"], 4);
    // The health-stats figures: a number when its statistics answer, else a reason.
    for code in ["bnn_exam_workers", "monitored_establishments"] {
        let k = kpi(&answer, code);
        assert!(
            k["available"] == true || k["unavailable"]["reason"].is_string(),
            "{k}"
        );
    }
}

#[tokio::test]
async fn a_stopped_service_makes_its_kpis_unavailable_within_the_timeout() {
    let keys = TestKeys::new().unwrap();
    let databases: Vec<TestDatabase> = (0..3).map(|_| TestDatabase::new().unwrap()).collect();
    let (ports, handles) = start_suite_with_kpi_sources(&keys, &databases, 1500).await;
    let client = reqwest::Client::new();
    let tasks = format!("http://127.0.0.1:{}", ports[2]);
    let labor = keys.token(Role::LaborAuthority, Some("SNV"));

    handles[0].stop(false).await;
    let started = std::time::Instant::now();
    let answer = kpis(&client, &tasks, &labor, year_of(0)).await;
    let took = started.elapsed();
    assert!(took < std::time::Duration::from_millis(3000), "{took:?}");
    let fatal = kpi(&answer, "fatal_accident_rate");
    assert_eq!(fatal["available"], false, "{fatal}");
    assert_eq!(fatal["unavailable"]["reason"], "connection_failed");
    assert!(fatal["on_track"].is_null());

    // health-stats too: the answer still comes, every KPI unavailable.
    handles[1].stop(false).await;
    let started = std::time::Instant::now();
    let answer = kpis(&client, &tasks, &labor, year_of(0)).await;
    assert!(started.elapsed() < std::time::Duration::from_millis(3000));
    assert!(
        answer["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|k| k["available"] == false)
    );

    // An agency token reads the KPIs; an enterprise token may not.
    let enterprise = keys.token(Role::Enterprise, Some("0100047516"));
    let plans = client
        .get(format!("{tasks}/api/v1/plans"))
        .bearer_auth(&enterprise)
        .send()
        .await
        .unwrap();
    assert_eq!(plans.status().as_u16(), 403);
}

#[tokio::test]
async fn a_slow_service_makes_its_kpi_unavailable_within_the_timeout() {
    // A port that accepts connections and never answers.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let silent = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            held.push(socket);
        }
    });
    shared::telemetry::init_test_tracing();
    let keys = TestKeys::new().unwrap();
    let db = TestDatabase::new().unwrap();
    let mut tasks_settings = settings(&db, &keys);
    tasks_settings.upstreams = shared::config::Upstreams {
        incidents: Some(format!("http://127.0.0.1:{silent}")),
        health_stats: None,
        tasks: None,
        timeout_ms: 800,
    };
    let app = shared::server::Application::build(&tasks::SERVICE, &tasks_settings)
        .await
        .unwrap();
    let tasks = format!("http://127.0.0.1:{}", app.port());
    tokio::spawn(app.run_until_stopped());
    let client = reqwest::Client::new();
    let started = std::time::Instant::now();
    let answer = kpis(&client, &tasks, &keys.token(Role::Admin, None), 2025).await;
    assert!(started.elapsed() < std::time::Duration::from_millis(2000));
    assert_eq!(
        kpi(&answer, "fatal_accident_rate")["unavailable"]["reason"],
        "timeout"
    );
    assert_eq!(
        kpi(&answer, "bnn_exam_workers")["unavailable"]["reason"],
        "not_configured"
    );
}

// ─────────────────────────────────────────────────────────────────────────────
// The health KPIs against hand-computed figures, and the tasks service's prefilled
// draft and consolidated report reading the same live figures (issue 5).
// ─────────────────────────────────────────────────────────────────────────────

fn health_exam_report(period: i32, n: u32, bnn_examined: u32) -> Value {
    json!({
        "period": period.to_string(),
        "establishment": {"tax_code": shared::testing::tax_code(n), "name": format!("Cơ sở {n}"),
                          "commune_code": "01273", "vsic_code": "07100", "ownership_type": "2"},
        "figures": {
            "workers": {"total": 300, "female": 10},
            "hazardous_workers": {"total": bnn_examined, "female": 0},
            "periodic_exams": 300,
            "exposed_workers": bnn_examined,
            "bnn_examined": bnn_examined,
            "bnn_by_disease": [{"disease_code": "BNN-18", "suspected": 2, "confirmed": 1}]
        }
    })
}

fn monitoring_report(year: i32, n: u32, harmful: bool) -> Value {
    json!({
        "organisation": {"name": "Trung tâm Kiểm soát bệnh tật tỉnh Cao Bằng", "licence_number": "15/2019/SYT-QTMTLĐ"},
        "establishment": {"tax_code": shared::testing::tax_code(n), "name": format!("Công ty TNHH Khoáng sản số {n}"),
                          "commune_code": "01273", "vsic_code": "0710", "ownership_type": "2"},
        "monitored_on": format!("{year}-05-12"),
        "has_harmful_factors": harmful,
        "factors": [{"factor": "dust", "samples_taken": 4, "samples_over_limit": 0}]
    })
}

/// POSTs `body` with `token` and returns the JSON answer, which must be 200 or 201.
async fn post_ok(
    client: &reqwest::Client,
    url: impl AsRef<str>,
    token: &str,
    body: &Value,
) -> Value {
    let url = url.as_ref();
    let res = client
        .post(url)
        .bearer_auth(token)
        .json(body)
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    let json: Value = res.json().await.unwrap();
    assert!(status == 200 || status == 201, "{url}: {status} {json}");
    json
}

async fn post_created(client: &reqwest::Client, url: &str, token: &str, body: &Value) {
    let res = client
        .post(url)
        .bearer_auth(token)
        .json(body)
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    assert_eq!(status, 201, "{url}: {}", res.text().await.unwrap());
}

#[tokio::test]
async fn the_health_kpis_match_hand_computed_figures_from_the_health_stats_service() {
    let keys = TestKeys::new().unwrap();
    let databases: Vec<TestDatabase> = (0..3).map(|_| TestDatabase::new().unwrap()).collect();
    let (ports, _handles) = start_suite_with_kpi_sources(&keys, &databases, 5000).await;
    let client = reqwest::Client::new();
    let health = format!("http://127.0.0.1:{}", ports[1]);
    let tasks = format!("http://127.0.0.1:{}", ports[2]);
    let labor = keys.token(Role::LaborAuthority, Some("SNV"));
    let health_authority = keys.token(Role::HealthAuthority, Some("SYT"));
    let (last, this) = (2024, 2025);

    // Workers examined for occupational disease: 120 + 80 = 200 last year,
    // 130 + 80 = 210 this year: +5 %, exactly the plan's yearly target.
    for (year, n, examined) in [(last, 1, 120), (last, 2, 80), (this, 1, 130), (this, 2, 80)] {
        post_created(
            &client,
            &format!("{health}/api/v1/health-exam-reports"),
            &health_authority,
            &health_exam_report(year, n, examined),
        )
        .await;
    }
    // Establishments monitored with harmful factors: 4 last year; 4 this year (a
    // fifth monitored without harmful factors does not count): 0 %, short of +5 %.
    let monitored = [
        (last, 11, true),
        (last, 12, true),
        (last, 13, true),
        (last, 14, true),
        (this, 11, true),
        (this, 12, true),
        (this, 13, true),
        (this, 14, true),
        (this, 15, false),
    ];
    for (year, n, harmful) in monitored {
        post_created(
            &client,
            &format!("{health}/api/v1/monitoring-reports"),
            &health_authority,
            &monitoring_report(year, n, harmful),
        )
        .await;
    }

    let answer = kpis(&client, &tasks, &labor, this).await;
    let bnn = kpi(&answer, "bnn_exam_workers");
    assert_eq!(bnn["available"], true, "{bnn}");
    assert_eq!(bnn["current"]["value"], 210.0);
    assert_eq!(bnn["previous"]["value"], 200.0);
    assert_eq!(bnn["change_percent"], 5.0);
    assert_eq!(bnn["target"]["yearly_change_percent"], 5);
    assert_eq!(bnn["on_track"], true);
    let monitored = kpi(&answer, "monitored_establishments");
    assert_eq!(monitored["available"], true, "{monitored}");
    assert_eq!(monitored["current"]["value"], 4.0);
    assert_eq!(monitored["previous"]["value"], 4.0);
    assert_eq!(monitored["change_percent"], 0.0);
    assert_eq!(monitored["on_track"], false);
    // The year before: 200 against nothing filed for 2023, so no change to judge.
    let before = kpis(&client, &tasks, &labor, last).await;
    let bnn_before = kpi(&before, "bnn_exam_workers");
    assert_eq!(bnn_before["current"]["value"], 200.0);
    assert_eq!(bnn_before["previous"]["value"], 0.0);
    assert!(bnn_before["change_percent"].is_null(), "{bnn_before}");
    assert!(bnn_before["on_track"].is_null());

    // Sở Y tế's draft, with its own token, holds the same live figures.
    let plan_id = answer["plan_id"].as_str().unwrap().to_owned();
    let syt = keys.token(Role::Agency, Some("SYT"));
    let draft: Value = client
        .get(format!(
            "{tasks}/api/v1/plan-reports/draft?agency=SYT&period={this}"
        ))
        .bearer_auth(&syt)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let figures = &draft["report"]["figures"];
    assert_eq!(
        figures["health_statistics"]["workers_examined_for_bnn"], 210,
        "{draft}"
    );
    assert_eq!(figures["health_statistics"]["figures"]["workers"], 600);
    assert_eq!(
        figures["health_statistics"]["bnn_exam_trend"]["change_percent"],
        5.0
    );
    assert_eq!(
        figures["monitoring_statistics"]["establishments_monitored"],
        4
    );
    assert!(
        figures["monitoring_statistics"]["establishments_with_harmful_factors"].is_number(),
        "{draft}"
    );
    assert_eq!(draft["report"]["plan_id"], plan_id.as_str());

    // The consolidated report carries the same KPIs.
    let consolidated: Value = client
        .get(format!(
            "{tasks}/api/v1/plans/{plan_id}/consolidated-report?period={this}"
        ))
        .bearer_auth(&labor)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(consolidated["kpis"]["items"], answer["items"]);
}

// Events between the services (outbox, dispatcher, receivers).
#[path = "e2e/events.rs"]
mod events;
// The BHXH reconciliation across incidents and health-stats.
#[path = "e2e/reconciliation.rs"]
mod reconciliation;

// `atvsld backup` and `atvsld restore` on both backends.
#[path = "e2e/backup.rs"]
mod backup;

// docs/integration.md: every shell example, run against the suite.
#[cfg(unix)]
#[path = "e2e/integration_doc.rs"]
mod integration_doc;

// The README's settings table against the settings structs.
#[path = "e2e/settings_reference.rs"]
mod settings_reference;

// Receipt keys and the events secret of `up`, rotated.
#[path = "e2e/rotation.rs"]
mod rotation;

// The demo data set of `atvsld up --demo`, loaded through the API.
#[path = "e2e/demo.rs"]
mod demo;
