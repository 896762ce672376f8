//! Security matrix (issue 7, item 4; issue 11): every operation of the committed merged
//! spec × every role × two organisations, and forged tokens on every `/api/` operation.
//! What each role may do is not written here: it is read from the services' access
//! tables (`incidents::access::POLICY`, `health_stats::service::access::POLICY`,
//! `tasks::service::access::POLICY`), the same tables the use-cases ask.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::Datelike;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};
use shared::access::{Condition, Grant, Rule};
use shared::auth::{JwtSigner, Role};
use shared::testing::{TEST_AUDIENCE, TEST_ISSUER, TestDatabase, TestKeys, settings};

use Role::{Admin, Agency, Commune, Enterprise, HealthAuthority, Insurer, LaborAuthority, Viewer};

/// The access rule of an operation of the merged spec (`incidents_get_accident`), read
/// from the table of the service its prefix names.
fn rule_of(op_id: &str) -> Option<&'static Rule> {
    atvsld::access_policies().into_iter().find_map(|policy| {
        op_id
            .strip_prefix(&format!("{}_", policy.service))
            .and_then(|operation| policy.rule(operation))
    })
}

/// Every operation id the tables name, as the merged spec spells it.
fn table_operations() -> Vec<String> {
    atvsld::access_policies()
        .into_iter()
        .flat_map(|policy| {
            policy
                .all_rules()
                .map(|rule| format!("{}_{}", policy.service, rule.operation))
                .collect::<Vec<_>>()
        })
        .collect()
}

/// Roles that may not use an operation at all (403): those no grant of its rule names.
fn forbidden_roles(op_id: &str) -> Option<Vec<Role>> {
    let rule = rule_of(op_id)?;
    Some(
        Role::ALL
            .into_iter()
            .filter(|role| !rule.grants.iter().any(|g| g.roles.contains(role)))
            .collect(),
    )
}

/// The grant `role` gets for an operation (the first of its rule that names it).
fn grant_of(op_id: &str, role: Role) -> Option<Grant> {
    rule_of(op_id)?
        .grants
        .iter()
        .find(|g| g.roles.contains(&role))
        .copied()
}

/// The `code` of a problem answer.
fn problem_code(body: &str) -> String {
    serde_json::from_str::<Value>(body)
        .ok()
        .and_then(|v| v["code"].as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// Operations whose object may legitimately be absent for a role that sees the
/// parent (an accident without an investigation yet): 404 is then an allowed answer.
/// Operations whose object the matrix does not create: an admin gets 404. The
/// subscriptions are the admin's own, in no organisation, so a made-up id serves.
const MAY_BE_ABSENT: &[&str] = &[
    "incidents_get_investigation",
    "incidents_get_accident_quick_report",
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
        let databases: Vec<TestDatabase> = (0..3).map(|_| TestDatabase::new().unwrap()).collect();
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
                    "costs": {"medical_thousand_vnd": 1000, "wages_thousand_vnd": 0, "compensation_thousand_vnd": 0}
                }]
            }),
        )
        .await;
    owned.ids.insert("accidents", id_of(&accident));
    owned.casualty = accident["casualties"][0]["id"].as_str().unwrap().to_owned();
    // Concluded: its casualty is in BHXH's feed, so that its claim dossier exists.
    let res = suite
        .client
        .put(suite.url(&format!(
            "/incidents/api/v1/accidents/{}/investigation",
            id_of(&accident)
        )))
        .bearer_auth(suite.keys.token(Admin, None))
        .header("If-Match", "\"1\"")
        .json(
            &json!({"team_level": "employer", "decision_number": "01/QĐ", "members": [],
                      "is_occupational_accident": true}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 200, "{}", res.text().await.unwrap());

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
                            "damage": {"days_off": 3, "cost_medical_thousand_vnd": 1000, "cost_wages_thousand_vnd": 0,
                                       "cost_compensation_thousand_vnd": 0}}
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
    /// The statuses the spec lists for it by number (not by a range such as `4XX`).
    documented: Vec<u16>,
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
                    && !path.contains("/statutory-reports/{")
                    && !path.contains("/agencies/{")
                    && !path.contains("/data-sets/{"),
                path: path.clone(),
                query,
                if_match,
                body,
                documented: op["responses"]
                    .as_object()
                    .into_iter()
                    .flat_map(|r| r.keys())
                    .filter_map(|status| status.parse().ok())
                    .collect(),
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
            // A form of the province, not an object an organisation owns.
            "{form}" => "xiv".to_owned(),
            // Plan 664's data set, the one every organisation reads.
            "{code}" if op.path.contains("/data-sets/") => "KH664-ATVSLD".to_owned(),
            // A target of plan 664 (the `{id}` before it).
            "{code}" if op.path.contains("/targets/") => "fatal_accident_rate".to_owned(),
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

#[tokio::test]
async fn every_operation_answers_every_role_of_two_organisations_as_expected() {
    let started = std::time::Instant::now();
    let spec: Value = serde_json::from_str(
        &std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("openapi/atvsld.json"))
            .unwrap(),
    )
    .unwrap();
    let ops = operations(&spec);
    let mut problems = Vec::new();

    // The table and the spec name the same operations.
    for op in ops.iter().filter(|op| op.path.contains("/api/")) {
        if forbidden_roles(&op.id).is_none() {
            problems.push(format!(
                "{} ({} {}) has no rule in its service's access table (access::POLICY)",
                op.id, op.method, op.path
            ));
        }
    }
    for id in table_operations() {
        if !ops.iter().any(|op| op.id == id) {
            problems.push(format!(
                "an access table lists {id}, which the spec does not have"
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
                        text.contains(ORGS[theirs].tax_code) || text.contains(ORGS[theirs].agency)
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
                // Every answer a client can meet is documented by its number, so that a
                // generated client has a type for it.
                if !op.documented.contains(&status) {
                    problems.push(format!("{what}: {status} is not documented for {}", op.id));
                }
                if status == 401 {
                    problems.push(format!("{what} (a valid token refused)"));
                    continue;
                }
                if !op.path.contains("/api/") {
                    continue;
                }
                let forbidden = forbidden_roles(&op.id).unwrap_or_default().contains(&role);
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
                // A grant with a condition on the record (an investigation level, a sector,
                // a kind of report) may refuse this record, with a code that says why.
                let refused_by_condition = grant_of(&op.id, role)
                    .is_some_and(|g| g.condition != Condition::None)
                    && problem_code(&answer.body) != "forbidden";
                if status == 403 && !refused_by_condition {
                    problems.push(format!("{what}, but the role may use this operation"));
                    continue;
                }
                if status == 403 {
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
                            problems
                                .push(format!("{what} shows {secret} of the other organisation"));
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
        &std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("openapi/atvsld.json"))
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
        &std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("openapi/atvsld.json"))
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

/// The investigation and the status of an accident (ND 39/2016, `docs/domain.md`): every
/// role × two organisations × an employer-level case (one seriously injured worker) and
/// a provincial-level case (a death) of each organisation. Who may use the operations
/// comes from the table; which level is whose is the law: the employer's team records
/// employer-level cases, Sở Nội vụ (and admin) every case.
#[tokio::test]
async fn investigations_and_status_changes_follow_the_investigation_level() {
    let suite = Suite::start().await;
    // Cases by (owner organisation, level), created as admin.
    let mut cases: Vec<(usize, &str, String)> = Vec::new();
    for (n, org) in ORGS.iter().enumerate() {
        suite
            .admin_post(
                "/incidents/api/v1/establishments",
                &json!({
                    "tax_code": org.tax_code, "name": format!("Công ty TNHH Cấp điều tra {n}"),
                    "vsic_code": "07100", "ownership_type": "2", "commune_code": org.commune,
                    "headcount": {"total": 120, "female": 30, "hazardous": 80}
                }),
            )
            .await;
        for (level, severity) in [("employer", "serious"), ("provincial", "fatal")] {
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
                            "personal_id": format!("00409000300{n}"), "full_name": "Người bị nạn",
                            "gender": "male", "birth_year": 1990, "contract_type": "indefinite",
                            "severity": severity, "days_off": 3,
                            "costs": {"medical_thousand_vnd": 1000, "wages_thousand_vnd": 0, "compensation_thousand_vnd": 0}
                        }]
                    }),
                )
                .await;
            assert_eq!(accident["investigation"]["level"], level);
            cases.push((n, level, id_of(&accident)));
        }
    }

    let mut roles = Role::ALL;
    roles.reverse();
    let mut problems = Vec::new();
    let mut checked = 0;
    for (op_id, suffix, method) in [
        (
            "incidents_save_investigation",
            "investigation",
            reqwest::Method::PUT,
        ),
        (
            "incidents_change_accident_status",
            "status",
            reqwest::Method::POST,
        ),
    ] {
        for role in roles {
            for (mine, org) in ORGS.iter().enumerate() {
                let token = suite.keys.token(role, org_claim(role, org));
                for (owner, level, id) in &cases {
                    let path = format!("/incidents/api/v1/accidents/{id}");
                    let version = suite.admin_get(&path).await["version"].as_i64().unwrap();
                    let body = if suffix == "investigation" {
                        let team = match role {
                            Enterprise => "employer",
                            Commune => "commune",
                            _ => level,
                        };
                        json!({"team_level": team, "decision_number": "01/QĐ", "members": [],
                               "is_occupational_accident": false})
                    } else {
                        json!({"status": "under_investigation", "change_reason": "Lập đoàn điều tra"})
                    };
                    let res = suite
                        .client
                        .request(method.clone(), suite.url(&format!("{path}/{suffix}")))
                        .bearer_auth(&token)
                        .header("If-Match", format!("\"{version}\""))
                        .json(&body)
                        .send()
                        .await
                        .unwrap();
                    let status = res.status().as_u16();
                    let code = problem_code(&res.text().await.unwrap_or_default());
                    // The expectation: the table says whether the role may use the operation
                    // and on whose records; the law says which level is whose.
                    let expected: &[(u16, &str)] = match grant_of(op_id, role) {
                        None => &[(403, "forbidden")],
                        Some(g) => {
                            // Only the employer owns these cases; a commune changes only
                            // the no-contract cases it reported.
                            let reaches = g.reach == shared::access::Reach::All
                                || (role == Enterprise && mine == *owner);
                            let investigates = g.condition != Condition::InvestigatesCase
                                || (role == Enterprise && *level == "employer");
                            if !reaches {
                                &[(404, "not_found")]
                            } else if !investigates {
                                &[(403, "investigation_not_yours")]
                            } else if suffix == "status" {
                                // A case already moved by an earlier caller is 409.
                                &[(200, ""), (409, "illegal_transition")]
                            } else {
                                &[(200, "")]
                            }
                        }
                    };
                    checked += 1;
                    if !expected
                        .iter()
                        .any(|(s, c)| *s == status && (c.is_empty() || *c == code))
                    {
                        problems.push(format!(
                            "{op_id} as {} of org {mine} on org {owner}'s {level}-level case: \
                             {status} {code}, expected {expected:?}",
                            role.as_str()
                        ));
                    }
                }
            }
        }
    }
    assert_eq!(checked, 2 * Role::ALL.len() * 2 * 4);
    assert!(
        problems.is_empty(),
        "{} problem(s):\n{}",
        problems.len(),
        problems.join("\n")
    );
}

/// `docs/integration.md` shows the access tables as the services have them: the text
/// between the markers is rendered from the tables (`atvsld::access_markdown`). With
/// `UPDATE_DOCS=1` the test writes it.
#[test]
fn the_integration_doc_shows_the_access_tables_as_they_are() {
    const START: &str =
        "<!-- access-tables: generated from the services' access tables; do not edit -->\n";
    const END: &str = "<!-- /access-tables -->";
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/integration.md");
    let doc = std::fs::read_to_string(&path).unwrap();
    let expected = atvsld::access_markdown();
    let (Some(a), Some(b)) = (doc.find(START), doc.find(END)) else {
        panic!("docs/integration.md lacks the markers {START:?} … {END:?}");
    };
    let current = &doc[a + START.len()..b];
    if current != expected && std::env::var_os("UPDATE_DOCS").is_some() {
        let updated = format!("{}{expected}{}", &doc[..a + START.len()], &doc[b..]);
        std::fs::write(&path, updated).unwrap();
        return;
    }
    assert!(
        current == expected,
        "the access tables in docs/integration.md differ from the services' tables; \
         run with UPDATE_DOCS=1, or put this between the markers:\n{expected}"
    );
}

/// Each table names an operation once, and a role at most once per operation (the first
/// grant of a role decides, so a second one would be dead text).
#[test]
fn the_access_tables_name_each_operation_and_role_once() {
    let mut problems = Vec::new();
    for policy in atvsld::access_policies() {
        let mut seen = std::collections::HashSet::new();
        for rule in policy.all_rules() {
            if !seen.insert(rule.operation) {
                problems.push(format!("{}: {} twice", policy.service, rule.operation));
            }
            for role in Role::ALL {
                let grants = rule
                    .grants
                    .iter()
                    .filter(|g| g.roles.contains(&role))
                    .count();
                if grants > 1 {
                    problems.push(format!(
                        "{}: {} names {} in {grants} grants",
                        policy.service,
                        rule.operation,
                        role.as_str()
                    ));
                }
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
