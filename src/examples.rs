//! The response examples of the OpenAPI documents, recorded from real answers
//! (`atvsld openapi --record-examples`): the three services start in this process on
//! a temporary SQLite folder with a small demo data set (fake people and firms, see
//! [`crate::demo`]), every operation is called, and each documented answer is kept in
//! `openapi/examples/<service>.json` as `{operationId: {status: body}}`. Each
//! service's document shows them ([`shared::openapi::add_examples`]); the test
//! `openapi_examples` checks that every example validates against its schema.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use reqwest::Method;
use serde_json::{Value, json};
use shared::auth::Role;

use crate::demo::{self, DataSet};

/// Answers kept per operation and status.
pub type Recorded = BTreeMap<String, BTreeMap<String, Value>>;

/// Establishments of the demo loaded for the recording: enough for statistics with
/// every kind of row, small enough to load in seconds.
const DEMO_SIZE: usize = 40;
/// Items an example list keeps: the shape shows with two.
const KEEP_ITEMS: usize = 2;
/// An id nothing has.
const ABSENT_ID: &str = "01938f6e-0000-7000-8000-000000000000";
/// Bulk batches up to this many rows answer at once while recording (the demo sends
/// 200 a request), so that one row more shows the job answer.
const SYNC_ROWS: usize = 200;

/// The file of a service's examples in the OpenAPI folder.
pub fn file(openapi_dir: &Path, service: &str) -> PathBuf {
    openapi_dir.join("examples").join(format!("{service}.json"))
}

/// What [`record`] did: per service, the operations with a JSON success answer that
/// got no example (to look into).
pub struct Report {
    pub missing: Vec<String>,
}

/// Records the examples and writes them into `openapi_dir/examples/`.
pub async fn record(openapi_dir: &Path) -> anyhow::Result<Report> {
    let folder = std::env::temp_dir().join(format!("atvsld-examples-{}", uuid::Uuid::new_v4()));
    let result = record_in(&folder, openapi_dir).await;
    // The temporary suite's files go whatever happened.
    let _ = std::fs::remove_dir_all(&folder);
    result
}

async fn record_in(folder: &Path, openapi_dir: &Path) -> anyhow::Result<Report> {
    std::fs::create_dir_all(folder)?;
    let keys = crate::dev_keys(folder)?;
    let secret = crate::events_secret(folder)?;
    let mut options = crate::UpOptions {
        host: "127.0.0.1".into(),
        ports: [0, 0, 0],
        data_dir: folder.to_path_buf(),
        database_url: None,
        log: shared::config::LogSettings::default(),
    };
    let overrides = crate::UpOverrides {
        env: Some(HashMap::new()),
        demo_load: true,
        ..crate::UpOverrides::default()
    };
    let [incidents, health, tasks] = crate::services();
    let settings = |def: &'static shared::server::ServiceDef, options: &crate::UpOptions| {
        let mut s = crate::up_settings(def, options, 0, &keys.jwks_path, &secret, &overrides)?;
        s.server.bulk_sync_rows = SYNC_ROWS;
        Ok::<_, anyhow::Error>(s)
    };
    // tasks reads the KPIs from the other two: it starts once their ports are known.
    let sources = crate::start(vec![
        (incidents, settings(incidents, &options)?),
        (health, settings(health, &options)?),
    ])
    .await?;
    options.ports = [
        sources.first().map_or(0, |a| a.port()),
        sources.get(1).map_or(0, |a| a.port()),
        0,
    ];
    let tasks_app = crate::start(vec![(tasks, settings(tasks, &options)?)]).await?;
    let mut bases = Vec::new();
    let mut handles = Vec::new();
    for app in sources.into_iter().chain(tasks_app) {
        bases.push(format!("http://127.0.0.1:{}", app.port()));
        handles.push(app.handle());
        tokio::spawn(app.run_until_stopped());
    }
    let token = |role: Role, org: Option<&str>| {
        keys.signer.token(
            crate::DEV_ISSUER,
            crate::DEV_AUDIENCE,
            &format!("dev-{}", role.as_str()),
            &[role],
            org,
            std::time::Duration::from_secs(3600),
        )
    };
    let data = DataSet::generate(demo::Options {
        seed: demo::DEFAULT_SEED,
        size: DEMO_SIZE,
        today: shared::time::today(),
    });
    let base = |i: usize| bases.get(i).cloned().unwrap_or_default();
    let targets = demo::load::Targets {
        incidents: base(0),
        health_stats: base(1),
        tasks: base(2),
    };
    let admin = token(Role::Admin, None)?;
    demo::load::load(&targets, &admin, &data, false).await?;

    let mut recorder = Recorder {
        client: reqwest::Client::new(),
        admin,
        viewer: token(Role::Viewer, None)?,
        insurer: token(Role::Insurer, Some("BHXH"))?,
        secret,
        services: crate::services()
            .iter()
            .zip(&bases)
            .map(|(def, base)| {
                Ok(Service {
                    name: def.name,
                    base: base.clone(),
                    doc: serde_json::to_value(def.openapi_without_examples())?,
                    recorded: Recorded::new(),
                })
            })
            .collect::<anyhow::Result<_>>()?,
        known: HashMap::new(),
        accepted: HashMap::new(),
        data,
    };
    recorder.writes().await?;
    recorder.reads().await?;
    recorder.errors().await?;
    // Last: with a second plan loaded, reads that default to the one plan would need
    // `plan_id`.
    recorder.second_plan().await?;
    for handle in handles {
        handle.stop(true).await;
    }

    let mut missing = Vec::new();
    for service in &recorder.services {
        for (id, _, _, op) in service.operations() {
            let wanted = at(&op, "/responses")
                .as_object()
                .into_iter()
                .flatten()
                .any(|(s, r)| s.starts_with('2') && r["content"].get("application/json").is_some());
            let got = service
                .recorded
                .get(&id)
                .is_some_and(|r| r.keys().any(|s| s.starts_with('2')));
            if wanted && !got {
                missing.push(format!("{} {id}", service.name));
            }
        }
        let path = file(openapi_dir, service.name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(
            &path,
            format!("{}\n", serde_json::to_string_pretty(&service.recorded)?),
        )
        .with_context(|| format!("cannot write {}", path.display()))?;
    }
    Ok(Report { missing })
}

struct Service {
    name: &'static str,
    base: String,
    /// The document without examples, as JSON.
    doc: Value,
    recorded: Recorded,
}

impl Service {
    /// (operationId, method, path, operation) of every operation.
    fn operations(&self) -> Vec<(String, String, String, Value)> {
        let mut ops = Vec::new();
        for (path, item) in at(&self.doc, "/paths").as_object().into_iter().flatten() {
            for (method, op) in item.as_object().into_iter().flatten() {
                if let Some(id) = op["operationId"].as_str() {
                    ops.push((id.to_owned(), method.clone(), path.clone(), op.clone()));
                }
            }
        }
        ops
    }

    fn operation(&self, id: &str) -> Option<(String, String, Value)> {
        self.operations()
            .into_iter()
            .find(|(op_id, ..)| op_id == id)
            .map(|(_, method, path, op)| (method, path, op))
    }
}

/// One answer.
struct Answer {
    status: u16,
    etag: Option<String>,
    body: Value,
}

/// A request to record.
struct Call<'a> {
    service: usize,
    operation: &'a str,
    /// The concrete path and query.
    target: String,
    body: Option<Value>,
    token: Option<String>,
    if_match: Option<String>,
    headers: Vec<(&'static str, String)>,
}

impl<'a> Call<'a> {
    fn new(service: usize, operation: &'a str, target: impl Into<String>) -> Self {
        Self {
            service,
            operation,
            target: target.into(),
            body: None,
            token: None,
            if_match: None,
            headers: Vec::new(),
        }
    }
    fn body(mut self, body: Value) -> Self {
        self.body = Some(body);
        self
    }
    fn if_match(mut self, etag: Option<String>) -> Self {
        self.if_match = etag;
        self
    }
    fn token(mut self, token: Option<String>) -> Self {
        self.token = token;
        self
    }
}

struct Recorder {
    client: reqwest::Client,
    admin: String,
    /// BHXH's exchange is the insurer's: an administrator may not use it.
    insurer: String,
    viewer: String,
    secret: String,
    services: Vec<Service>,
    /// Ids of records made while recording, by collection (`accidents`…): the first
    /// candidates for the reads.
    known: HashMap<String, Vec<String>>,
    /// The last body each write accepted, by service and operation.
    accepted: HashMap<(usize, String), Value>,
    data: DataSet,
}

const INCIDENTS: usize = 0;
const HEALTH: usize = 1;
const TASKS: usize = 2;

/// Shortens every array to [`KEEP_ITEMS`], so that an example stays readable, and
/// hides secrets.
fn trim(value: &mut Value) {
    match value {
        Value::Array(items) => {
            items.truncate(KEEP_ITEMS);
            items.iter_mut().for_each(trim);
        }
        Value::Object(map) => {
            for (key, v) in map.iter_mut() {
                // A subscription's signing secret, although of a throwaway suite, is
                // not shown: secret scanners would flag it.
                if key == "secret" && v.is_string() {
                    *v = Value::String("whsec_(shown once, when the subscription is made)".into());
                } else {
                    trim(v);
                }
            }
        }
        _ => {}
    }
}

/// The value at a JSON pointer, `null` when absent.
fn at<'a>(value: &'a Value, pointer: &str) -> &'a Value {
    static NULL: Value = Value::Null;
    value.pointer(pointer).unwrap_or(&NULL)
}

fn id_of(v: &Value) -> String {
    v["id"].as_str().unwrap_or_default().to_owned()
}

impl Recorder {
    fn method(&self, call: &Call<'_>) -> anyhow::Result<Method> {
        let service = self.services.get(call.service).context("no such service")?;
        let (method, ..) = service
            .operation(call.operation)
            .with_context(|| format!("{}: no operation {}", service.name, call.operation))?;
        Ok(method.to_uppercase().parse()?)
    }

    /// Sends `call`; keeps its answer when its status is documented for the operation
    /// (the first answer of each status).
    async fn call(&mut self, call: Call<'_>) -> anyhow::Result<Answer> {
        let method = self.method(&call)?;
        let service = self.services.get(call.service).context("no such service")?;
        let mut request = self
            .client
            .request(method.clone(), format!("{}{}", service.base, call.target))
            .header(reqwest::header::ACCEPT, "application/json");
        if let Some(token) = &call.token {
            request = request.bearer_auth(token);
        }
        if let Some(etag) = &call.if_match {
            request = request.header(reqwest::header::IF_MATCH, etag);
        }
        for (name, value) in &call.headers {
            request = request.header(*name, value);
        }
        if let Some(body) = &call.body {
            request = request.json(body);
        }
        let response = request
            .send()
            .await
            .with_context(|| format!("{method} {}", call.target))?;
        let status = response.status().as_u16();
        let etag = response
            .headers()
            .get(reqwest::header::ETAG)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let body: Value = response.json().await.unwrap_or(Value::Null);
        if let Some(sent) = call.body.as_ref().filter(|_| (200..300).contains(&status)) {
            self.accepted
                .insert((call.service, call.operation.to_owned()), sent.clone());
        }
        let documented = service
            .operation(call.operation)
            .is_some_and(|(_, _, op)| op.pointer(&format!("/responses/{status}")).is_some());
        if documented && !body.is_null() {
            let mut example = body.clone();
            trim(&mut example);
            if let Some(service) = self.services.get_mut(call.service) {
                service
                    .recorded
                    .entry(call.operation.to_owned())
                    .or_default()
                    .entry(status.to_string())
                    .or_insert(example);
            }
        }
        Ok(Answer { status, etag, body })
    }

    /// The token that may call `target`: the insurer's for BHXH's exchange, else an
    /// administrator's.
    fn token_for(&self, target: &str) -> String {
        if target.contains("/exchange/bhxh/") {
            self.insurer.clone()
        } else {
            self.admin.clone()
        }
    }

    /// As admin; a write is sent as a dry run first (200) when it takes one.
    async fn admin(&mut self, mut call: Call<'_>) -> anyhow::Result<Answer> {
        call.token = Some(self.token_for(&call.target));
        let takes_dry_run = self
            .services
            .get(call.service)
            .and_then(|s| s.operation(call.operation))
            .is_some_and(|(_, _, op)| {
                at(&op, "/parameters")
                    .as_array()
                    .into_iter()
                    .flatten()
                    .any(|p| p["name"] == "dry_run")
            });
        if takes_dry_run {
            let separator = if call.target.contains('?') { '&' } else { '?' };
            let dry = Call {
                target: format!("{}{separator}dry_run=true", call.target),
                body: call.body.clone(),
                token: call.token.clone(),
                if_match: call.if_match.clone(),
                headers: call.headers.clone(),
                ..Call::new(call.service, call.operation, "")
            };
            self.call(dry).await?;
        }
        let answer = self.call(call).await?;
        Ok(answer)
    }

    async fn get(
        &mut self,
        service: usize,
        operation: &str,
        target: &str,
    ) -> anyhow::Result<Answer> {
        let first = self.token_for(target);
        let answer = self
            .call(Call::new(service, operation, target).token(Some(first.clone())))
            .await?;
        // Some of BHXH's exchange is read by the province (the reconciliation) only.
        if answer.status == 403 && first != self.admin {
            let admin = Some(self.admin.clone());
            return self
                .call(Call::new(service, operation, target).token(admin))
                .await;
        }
        Ok(answer)
    }

    fn remember(&mut self, collection: &str, id: String) {
        if !id.is_empty() {
            self.known.entry(collection.into()).or_default().push(id);
        }
    }

    fn last_year(&self) -> i32 {
        let [_, last] = self.data.years;
        last
    }

    /// A demo employer: its tax code, name and commune.
    fn employer(&self) -> (String, String, String) {
        self.data
            .establishments
            .first()
            .map(|e| (e.tax_code.clone(), e.name.clone(), e.commune_code.clone()))
            .unwrap_or_default()
    }

    /// A fake worker (the demo's generator: no real person's number).
    fn worker(&self, salt: u64) -> demo::people::Person {
        let mut rng = demo::rng::Rng::new(demo::DEFAULT_SEED + salt);
        demo::people::worker(&mut rng, 0.2, self.last_year())
    }

    /// The body of a write built from the record as read: the fields the request
    /// takes, plus a reason.
    fn correction(&self, service: usize, operation: &str, record: &Value, reason: &str) -> Value {
        let properties = self
            .services
            .get(service)
            .and_then(|s| s.operation(operation))
            .map(|(_, _, op)| {
                let schema = at(&op, "/requestBody/content/application~1json/schema");
                let schema = match schema["$ref"].as_str() {
                    Some(r) => self
                        .services
                        .get(service)
                        .and_then(|s| s.doc.pointer(r.trim_start_matches('#')))
                        .cloned()
                        .unwrap_or_default(),
                    None => schema.clone(),
                };
                at(&schema, "/properties")
                    .as_object()
                    .map(|p| p.keys().cloned().collect::<Vec<_>>())
                    .unwrap_or_default()
            })
            .unwrap_or_default();
        let mut body = serde_json::Map::new();
        for key in properties {
            if let Some(v) = record.get(&key).filter(|v| !v.is_null()) {
                body.insert(key, v.clone());
            }
        }
        body.insert("change_reason".into(), reason.into());
        Value::Object(body)
    }

    async fn writes(&mut self) -> anyhow::Result<()> {
        self.incidents_writes().await?;
        self.health_writes().await?;
        self.tasks_writes().await?;
        self.shared_writes().await
    }

    async fn incidents_writes(&mut self) -> anyhow::Result<()> {
        let (employer_tax, _, commune) = self.employer();
        let tax_code = (1..)
            .find_map(|n| demo::establishments::tax_code("48", 9_000_000 + n))
            .unwrap_or_default();
        let establishment = json!({
            "tax_code": tax_code, "name": "Công ty TNHH Khai thác đá Phục Hòa",
            "vsic_code": "0810", "ownership_type": "2", "commune_code": commune,
            "address": "Xóm Nà Lùng", "headcount": {"total": 64, "female": 9, "hazardous": 41}
        });
        let created = self
            .admin(
                Call::new(INCIDENTS, "create_establishment", "/api/v1/establishments")
                    .body(establishment.clone()),
            )
            .await?;
        self.remember("establishments", id_of(&created.body));
        let mut update = self.correction(
            INCIDENTS,
            "update_establishment",
            &created.body,
            "Cập nhật số lao động theo báo cáo 6 tháng",
        );
        if let Some(fields) = update.as_object_mut() {
            fields.insert(
                "headcount".into(),
                json!({"total": 70, "female": 10, "hazardous": 45}),
            );
        }
        let target = format!("/api/v1/establishments/{}", id_of(&created.body));
        self.admin(
            Call::new(INCIDENTS, "update_establishment", &target)
                .body(update.clone())
                .if_match(created.etag.clone()),
        )
        .await?;
        // The refusals of a write: a stale version, no version, a duplicate, bad data.
        self.admin(
            Call::new(INCIDENTS, "update_establishment", &target)
                .body(update.clone())
                .if_match(created.etag.clone()),
        )
        .await?;
        self.admin(Call::new(INCIDENTS, "update_establishment", &target).body(update))
            .await?;
        self.admin(
            Call::new(INCIDENTS, "create_establishment", "/api/v1/establishments")
                .body(establishment),
        )
        .await?;

        let rows: Vec<Value> = (1..)
            .filter_map(|n| demo::establishments::tax_code("48", 9_100_000 + n))
            .take(SYNC_ROWS + 1)
            .enumerate()
            .map(|(i, tax)| {
                json!({"tax_code": tax, "name": format!("Hộ kinh doanh Nông sản Hà Quảng {}", i + 1),
                       "vsic_code": "0113", "ownership_type": "5", "commune_code": commune,
                       "headcount": {"total": 12, "female": 5, "hazardous": 0}})
            })
            .collect();
        self.admin(
            Call::new(
                INCIDENTS,
                "import_establishments",
                "/api/v1/establishments/import",
            )
            .body(json!(rows.iter().take(2).collect::<Vec<_>>())),
        )
        .await?;
        let job = self
            .admin(
                Call::new(
                    INCIDENTS,
                    "import_establishments",
                    "/api/v1/establishments/import",
                )
                .body(json!(rows)),
            )
            .await?;
        self.remember("jobs@incidents", id_of(&job.body));

        let person = self.worker(1);
        let when = (chrono::Utc::now() - chrono::Duration::hours(5)).to_rfc3339();
        let accident = json!({
            "sector": "with_labour_relation", "employer": {"tax_code": employer_tax},
            "occurred_at": when, "notified_at": when, "police_notified_at": when,
            "place": {"commune_code": commune, "address": "Khai trường mỏ đá, xóm Nà Lùng"},
            "description": "Đá lăn từ sườn tầng khai thác trúng người đang vận hành máy khoan.",
            "cause_codes": ["1"],
            "casualties": [{
                "personal_id": person.personal_id, "full_name": person.full_name,
                "gender": if person.female { "female" } else { "male" },
                "birth_year": person.birth_year, "contract_type": "indefinite",
                "severity": "serious", "days_off": 12,
                "costs": {"medical": 8500, "wages": 3200, "compensation": 0}
            }]
        });
        let declared = self
            .admin(Call::new(INCIDENTS, "declare_accident", "/api/v1/accidents").body(accident))
            .await?;
        let accident_id = id_of(&declared.body);
        self.remember("accidents", accident_id.clone());
        let target = format!("/api/v1/accidents/{accident_id}");
        let correction = self.correction(
            INCIDENTS,
            "correct_accident",
            &declared.body,
            "Bổ sung mô tả theo biên bản hiện trường",
        );
        let corrected = self
            .admin(
                Call::new(INCIDENTS, "correct_accident", &target)
                    .body(correction)
                    .if_match(declared.etag.clone()),
            )
            .await?;
        let casualty = at(&declared.body, "/casualties/0/id")
            .as_str()
            .unwrap_or_default()
            .to_owned();
        let raised = self
            .admin(
                Call::new(INCIDENTS, "raise_casualty_severity", format!("{target}/casualties/{casualty}/severity"))
                    .body(json!({"severity": "fatal", "document_reference": "Giấy báo tử số 15/GBT ngày 12/3"}))
                    .if_match(corrected.etag.clone()),
            )
            .await?;
        let status = self
            .admin(
                Call::new(INCIDENTS, "change_accident_status", format!("{target}/status"))
                    .body(json!({"status": "under_investigation", "change_reason": "Thành lập Đoàn điều tra cấp tỉnh"}))
                    .if_match(raised.etag.clone()),
            )
            .await?;
        let investigation = json!({
            "team_level": "provincial", "decision_number": "125/QĐ-ĐTTNLĐ",
            "decision_date": shared::time::today().to_string(),
            "members": [], "cause_codes": ["1"], "is_occupational_accident": true,
            "conclusions": "Người sử dụng lao động không lập phương án khai thác an toàn tầng đá."
        });
        self.admin(
            Call::new(
                INCIDENTS,
                "save_investigation",
                format!("{target}/investigation"),
            )
            .body(investigation)
            .if_match(status.etag.clone()),
        )
        .await?;
        self.remember(
            "receipts@incidents",
            at(&declared.body, "/receipt").to_string(),
        );

        let incident = json!({
            "kind": "equipment", "establishment_tax_code": employer_tax,
            "occurred_at": when, "notified_at": when,
            "place": {"commune_code": commune, "address": "Trạm nghiền sàng"},
            "description": "Nổ bình khí nén của máy nén khí trạm nghiền", "damage_vnd": 45_000_000
        });
        let declared = self
            .admin(
                Call::new(
                    INCIDENTS,
                    "declare_technical_incident",
                    "/api/v1/technical-incidents",
                )
                .body(incident),
            )
            .await?;
        let target = format!("/api/v1/technical-incidents/{}", id_of(&declared.body));
        self.remember("technical-incidents", id_of(&declared.body));
        let correction = self.correction(
            INCIDENTS,
            "correct_technical_incident",
            &declared.body,
            "Sửa giá trị thiệt hại theo biên bản kiểm kê",
        );
        let corrected = self
            .admin(
                Call::new(INCIDENTS, "correct_technical_incident", &target)
                    .body(correction)
                    .if_match(declared.etag.clone()),
            )
            .await?;
        let status = self
            .admin(
                Call::new(INCIDENTS, "change_technical_incident_status", format!("{target}/status"))
                    .body(json!({"status": "under_investigation", "change_reason": "Lập đoàn điều tra sự cố"}))
                    .if_match(corrected.etag.clone()),
            )
            .await?;
        self.admin(
            Call::new(
                INCIDENTS,
                "save_technical_incident_investigation",
                format!("{target}/investigation"),
            )
            .body(json!({"decision_number": "18/QĐ-SCT", "members": [],
                             "causes": "Van an toàn của bình khí nén bị kẹt",
                             "corrective_measures": []}))
            .if_match(status.etag.clone()),
        )
        .await?;

        let today = shared::time::today();
        let period = if chrono::Datelike::month(&today) <= 6 {
            format!("{}-H1", chrono::Datelike::year(&today))
        } else {
            chrono::Datelike::year(&today).to_string()
        };
        let counts = json!({"cases": 1, "cases_fatal": 0, "cases_multi": 0, "casualties": 1,
                            "female": 0, "fatal": 0, "serious": 1});
        self.admin(
            Call::new(
                INCIDENTS,
                "submit_accident_report",
                "/api/v1/accident-reports",
            )
            .body(json!({
                "kind": "employer", "period": period,
                "establishment": {"tax_code": tax_code},
                "workers": {"total": 70, "female": 10},
                "figures": {"totals": counts, "by_cause": [{"code": "1", "counts": counts}],
                            "damage": {"days_off": 12, "cost_medical": 8500, "cost_wages": 3200,
                                       "cost_compensation": 0}}
            })),
        )
        .await?;
        Ok(())
    }

    async fn health_writes(&mut self) -> anyhow::Result<()> {
        let (tax_code, name, commune) = self.employer();
        let establishment = json!({"tax_code": tax_code, "name": name, "commune_code": commune,
                                   "vsic_code": "0810", "ownership_type": "2"});
        let year = chrono::Datelike::year(&shared::time::today()).to_string();
        let figures = json!({
            "workers": {"total": 70, "female": 10},
            "hazardous_workers": {"total": 45, "female": 2},
            "periodic_exams": 68, "exposed_workers": 45, "bnn_examined": 43,
            "bnn_by_disease": [{"disease_code": "BNN-01", "suspected": 2, "confirmed": 1}]
        });
        let report = self
            .admin(
                Call::new(
                    HEALTH,
                    "submit_health_exam_report",
                    "/api/v1/health-exam-reports",
                )
                .body(json!({
                    "period": year, "establishment": establishment, "figures": figures
                })),
            )
            .await?;
        self.remember(
            "receipts@health-stats",
            at(&report.body, "/receipt").to_string(),
        );
        // One row over the answer-at-once limit: a job.
        let rows: Vec<Value> = (1..)
            .filter_map(|n| demo::establishments::tax_code("48", 9_200_000 + n))
            .take(SYNC_ROWS + 1)
            .enumerate()
            .map(|(i, tax)| {
                json!({"period": year, "figures": figures,
                       "establishment": {"tax_code": tax, "name": format!("Hợp tác xã Khai thác cát sỏi số {}", i + 1),
                                         "commune_code": commune, "vsic_code": "0810", "ownership_type": "4"}})
            })
            .collect();
        let job = self
            .admin(
                Call::new(
                    HEALTH,
                    "import_health_exam_reports",
                    "/api/v1/health-exam-reports/import",
                )
                .body(json!(rows)),
            )
            .await?;
        self.remember("jobs@health-stats", id_of(&job.body));
        self.admin(
            Call::new(
                HEALTH,
                "submit_monitoring_report",
                "/api/v1/monitoring-reports",
            )
            .body(json!({
                "organisation": {"name": "Trung tâm Kiểm soát bệnh tật tỉnh Cao Bằng",
                                 "licence_number": "15/2019/SYT-QTMTLĐ"},
                "establishment": establishment,
                "monitored_on": shared::time::today().to_string(),
                "has_harmful_factors": true,
                "factors": [{"factor": "dust", "samples_taken": 6, "samples_over_limit": 2}]
            })),
        )
        .await?;
        let person = self.worker(2);
        let case = self
            .admin(Call::new(HEALTH, "record_disease_case", "/api/v1/occupational-disease-cases").body(json!({
                "personal_id": person.personal_id, "full_name": person.full_name,
                "gender": if person.female { "female" } else { "male" },
                "birth_date": format!("{}-04-12", person.birth_year), "establishment": establishment,
                "disease_code": "BNN-01", "exposure_factor": "Bụi silic tại khu nghiền đá",
                "diagnosed_on": shared::time::today().to_string(),
                "diagnosis_facility": "Trung tâm Kiểm soát bệnh tật tỉnh Cao Bằng"
            })))
            .await?;
        self.remember("occupational-disease-cases", id_of(&case.body));
        self.admin(
            Call::new(HEALTH, "assess_disease_case", format!("/api/v1/occupational-disease-cases/{}", id_of(&case.body)))
                .body(json!({"status": "assessed", "assessed_on": shared::time::today().to_string(),
                             "capacity_loss_percent": 31,
                             "change_reason": "Có biên bản giám định của Hội đồng Giám định y khoa tỉnh"}))
                .if_match(case.etag.clone()),
        )
        .await?;
        Ok(())
    }

    async fn tasks_writes(&mut self) -> anyhow::Result<()> {
        self.admin(Call::new(TASKS, "create_agency", "/api/v1/agencies").body(json!({
            "code": "BQLDA-GT", "kind": "provincial_board",
            "name": "Ban Quản lý dự án đầu tư xây dựng công trình giao thông tỉnh Cao Bằng", "reports": true,
            "valid_from": "2025-07-01"
        })))
        .await?;
        let plans = self.get(TASKS, "list_plans", "/api/v1/plans").await?;
        let plan = at(&plans.body, "/items/0/id")
            .as_str()
            .unwrap_or_default()
            .to_owned();
        let task = self
            .admin(Call::new(TASKS, "create_task", "/api/v1/tasks").body(json!({
                "plan_id": plan, "section": "IV", "item": 3,
                "text": "Tổ chức tập huấn an toàn lao động cho người lao động tại các mỏ đá",
                "assignments": [{"agency": "SNV", "role": "lead"}, {"agency": "SYT", "role": "coordinate"}],
                "due_on": format!("{}-11-30", chrono::Datelike::year(&shared::time::today()))
            })))
            .await?;
        self.remember("tasks", id_of(&task.body));
        let report = self
            .admin(Call::new(TASKS, "submit_plan_report", "/api/v1/plan-reports").body(json!({
                "plan_id": plan, "period": chrono::Datelike::year(&shared::time::today()).to_string(),
                "agency": "SNV",
                "narrative": [{"task_id": id_of(&task.body), "text": "Đã tổ chức 3 lớp tập huấn cho 240 người lao động.", "progress": "in_progress"}],
                "figures": {"training_courses": 3}
            })))
            .await?;
        self.remember("plan-reports", id_of(&report.body));
        self.admin(
            Call::new(
                TASKS,
                "review_plan_report",
                format!("/api/v1/plan-reports/{}/review", id_of(&report.body)),
            )
            .body(json!({"decision": "accept", "comment": "Báo cáo đầy đủ, đúng hạn."}))
            .if_match(report.etag.clone()),
        )
        .await?;
        self.remember("receipts@tasks", at(&report.body, "/receipt").to_string());
        self.tasks_edits(&plan, &task).await
    }

    /// Sở Nội vụ corrects an agency, a task and a target, each with its reason.
    async fn tasks_edits(&mut self, plan: &str, task: &Answer) -> anyhow::Result<()> {
        let reason = "Điều chỉnh theo văn bản sửa đổi kế hoạch";
        let agency = self
            .get(TASKS, "get_agency", "/api/v1/agencies/BQLDA-GT")
            .await?;
        self.admin(
            Call::new(TASKS, "update_agency", "/api/v1/agencies/BQLDA-GT")
                .body(json!({
                    "kind": "provincial_board", "reports": true, "valid_from": "2025-07-01",
                    "name": "Ban Quản lý dự án đầu tư xây dựng các công trình giao thông tỉnh Cao Bằng",
                    "change_reason": reason
                }))
                .if_match(agency.etag),
        )
        .await?;
        let task_path = format!("/api/v1/tasks/{}", id_of(&task.body));
        let current = self.get(TASKS, "get_task", &task_path).await?;
        self.admin(
            Call::new(TASKS, "update_task", task_path)
                .body(json!({
                    "section": "IV", "item": 3,
                    "text": "Tổ chức tập huấn an toàn lao động cho người lao động tại các mỏ đá và điểm khai thác cát sỏi",
                    "change_reason": reason
                }))
                .if_match(current.etag),
        )
        .await?;
        let targets = self
            .get(
                TASKS,
                "list_plan_targets",
                &format!("/api/v1/plans/{plan}/targets"),
            )
            .await?;
        let target = at(&targets.body, "/items/0");
        if !target.is_null() {
            let mut body = serde_json::Map::new();
            body.insert("change_reason".into(), json!(reason));
            for field in [
                "indicator",
                "unit",
                "direction",
                "yearly_change_percent",
                "baseline_year",
            ] {
                body.insert(field.into(), at(target, &format!("/{field}")).clone());
            }
            let code = at(target, "/code").as_str().unwrap_or_default();
            let etag = at(target, "/version")
                .as_i64()
                .map(shared::versioning::etag);
            self.admin(
                Call::new(
                    TASKS,
                    "update_target",
                    format!("/api/v1/plans/{plan}/targets/{code}"),
                )
                .body(Value::Object(body))
                .if_match(etag),
            )
            .await?;
        }
        Ok(())
    }

    /// Loads the example plan beside 664.
    async fn second_plan(&mut self) -> anyhow::Result<()> {
        let second: Value = serde_json::from_str(include_str!(
            "../services/tasks/seed/ke-hoach-2026-example.json"
        ))?;
        self.admin(Call::new(TASKS, "import_plan", "/api/v1/plan-files").body(second))
            .await?;
        Ok(())
    }

    /// What every service has: receipts, subscriptions, the events endpoint, and
    /// the bulk examples their documents give for BHXH decisions and imports.
    async fn shared_writes(&mut self) -> anyhow::Result<()> {
        for (service, name) in [
            (INCIDENTS, "incidents"),
            (HEALTH, "health-stats"),
            (TASKS, "tasks"),
        ] {
            let receipt = self
                .known
                .get(&format!("receipts@{name}"))
                .and_then(|r| r.first())
                .and_then(|r| serde_json::from_str::<Value>(r).ok())
                .filter(Value::is_object);
            if let Some(receipt) = receipt {
                self.admin(
                    Call::new(service, "verify_receipt", "/api/v1/receipts/verify").body(receipt),
                )
                .await?;
            }
            let subscription = self
                .admin(
                    Call::new(service, "create_subscription", "/api/v1/subscriptions").body(
                        json!({
                            "url": "https://dieuhanh.caobang.gov.vn/hooks/atvsld",
                            "event_types": ["accident.declared"]
                        }),
                    ),
                )
                .await?;
            self.remember(&format!("subscriptions@{name}"), id_of(&subscription.body));
            self.admin(
                Call::new(
                    service,
                    "update_subscription",
                    format!("/api/v1/subscriptions/{}", id_of(&subscription.body)),
                )
                .body(json!({"active": false})),
            )
            .await?;
            let envelope = json!({
                "id": uuid::Uuid::now_v7().to_string(), "type": "plan_report.reminder",
                "occurred_at": chrono::Utc::now().to_rfc3339(), "source": "tasks",
                "subject": uuid::Uuid::now_v7().to_string(), "data": {}
            });
            let text = envelope.to_string();
            let mut call =
                Call::new(service, "receive_event", "/internal/v1/events").body(envelope);
            call.headers.push((
                shared::events::SIGNATURE_HEADER,
                shared::events::sign(&self.secret, text.as_bytes()),
            ));
            self.call(call).await?;
            // The bulk operations are sent with the examples of their own documents.
            let bulk: Vec<(String, String, Value)> = self
                .services
                .get(service)
                .map(|s| s.operations())
                .unwrap_or_default()
                .into_iter()
                .filter(|(id, ..)| {
                    id == "receive_bhxh_benefit_decisions" || id == "import_health_exam_reports"
                })
                .map(|(id, _, path, op)| {
                    let example = at(&op, "/requestBody/content/application~1json/example").clone();
                    (id, path, example)
                })
                .collect();
            for (id, path, example) in bulk {
                self.admin(Call::new(service, &id, path).body(example))
                    .await?;
            }
        }
        Ok(())
    }

    /// A value for a required query parameter.
    fn query_value(&self, name: &str, parameter: &Value) -> Option<String> {
        let year = self.last_year().to_string();
        Some(match name {
            "period" | "year" => year,
            "kind" => "employer".into(),
            "agency" => "SNV".into(),
            "tax_code" => self.employer().0,
            "commune_code" => self.employer().2,
            _ => {
                let example = &parameter["example"];
                let schema = at(parameter, "/schema");
                let v = [example, at(schema, "/default"), at(schema, "/enum/0")]
                    .into_iter()
                    .find(|v| !v.is_null())?;
                v.as_str().map_or_else(|| v.to_string(), str::to_owned)
            }
        })
    }

    /// Ids to try for a path parameter: those made while recording, then the first
    /// items of the collection's list.
    async fn candidates(&mut self, service: usize, path: &str, parameter: &str) -> Vec<String> {
        let name = self.services.get(service).map_or("", |s| s.name);
        let marker = format!("{{{parameter}}}");
        let Some(prefix) = path.split(&marker).next() else {
            return Vec::new();
        };
        let prefix = prefix.trim_end_matches('/');
        let collection = prefix.rsplit('/').next().unwrap_or_default().to_owned();
        let mut out: Vec<String> = [collection.clone(), format!("{collection}@{name}")]
            .iter()
            .filter_map(|k| self.known.get(k))
            .flatten()
            .cloned()
            .collect();
        // Known by name, not listed: plan 664's data set, the province's forms.
        match collection.as_str() {
            "data-sets" => out.push("KH664-ATVSLD".into()),
            "statutory-reports" => out.push("xiv".into()),
            _ => {}
        }
        if !prefix.contains('{') {
            let url = format!(
                "{}{prefix}?limit=20",
                self.services.get(service).map_or("", |s| s.base.as_str())
            );
            if let Ok(res) = self
                .client
                .get(url)
                .bearer_auth(self.token_for(prefix))
                .send()
                .await
            {
                let list: Value = res.json().await.unwrap_or_default();
                // `items`, or the one list an answer holds (`lists` of the code lists).
                let items = at(&list, "/items")
                    .as_array()
                    .or_else(|| list.as_array())
                    .or_else(|| {
                        list.as_object()
                            .and_then(|o| o.values().find_map(Value::as_array))
                    })
                    .cloned()
                    .unwrap_or_default();
                for item in items {
                    for key in [parameter, "id", "code", "name"] {
                        if let Some(v) = item.get(key).and_then(Value::as_str) {
                            out.push(v.to_owned());
                            break;
                        }
                    }
                }
            }
        }
        out
    }

    /// Every read not yet recorded, with real ids.
    async fn reads(&mut self) -> anyhow::Result<()> {
        for service in 0..self.services.len() {
            let ops = self
                .services
                .get(service)
                .map(Service::operations)
                .unwrap_or_default();
            for (id, method, path, op) in ops {
                if method != "get" || !path.starts_with("/api/") {
                    continue;
                }
                let mut query = Vec::new();
                let mut path_parameters = Vec::new();
                for p in at(&op, "/parameters").as_array().into_iter().flatten() {
                    let name = p["name"].as_str().unwrap_or_default();
                    match (p["in"].as_str(), p["required"] == true) {
                        (Some("query"), true) => {
                            if let Some(v) = self.query_value(name, p) {
                                query.push(format!("{name}={v}"));
                            }
                        }
                        (Some("query"), false) if name == "limit" => {
                            query.push(format!("limit={KEEP_ITEMS}"));
                        }
                        (Some("path"), _) => path_parameters.push(name.to_owned()),
                        _ => {}
                    }
                }
                let query = if query.is_empty() {
                    String::new()
                } else {
                    format!("?{}", query.join("&"))
                };
                // Each path parameter in turn: its candidates tried until one answers.
                let mut targets = vec![path.clone()];
                for parameter in &path_parameters {
                    let mut next = Vec::new();
                    for target in &targets {
                        let values = match at(&op, "/parameters")
                            .as_array()
                            .into_iter()
                            .flatten()
                            .find(|p| p["name"] == parameter.as_str())
                            .and_then(|p| at(p, "/schema/enum").as_array())
                        {
                            Some(values) => values
                                .iter()
                                .filter_map(|v| v.as_str().map(str::to_owned))
                                .collect(),
                            None => self.candidates(service, target, parameter).await,
                        };
                        for v in values.into_iter().take(20) {
                            next.push(target.replace(&format!("{{{parameter}}}"), &v));
                        }
                    }
                    targets = next;
                }
                for target in targets {
                    let answer = self.get(service, &id, &format!("{target}{query}")).await?;
                    if answer.status == 200 {
                        break;
                    }
                }
                // The 404 of a read by id.
                if let Some(first) = path_parameters.first() {
                    let mut target = path.replace(&format!("{{{first}}}"), ABSENT_ID);
                    for other in path_parameters.iter().skip(1) {
                        target = target.replace(&format!("{{{other}}}"), ABSENT_ID);
                    }
                    self.get(service, &id, &format!("{target}{query}")).await?;
                }
            }
        }
        Ok(())
    }

    /// The refusals every service gives: no token, a role that may not, a body that
    /// breaks the rules, a parameter that cannot be read.
    async fn errors(&mut self) -> anyhow::Result<()> {
        for (service, list, create, path) in [
            (
                INCIDENTS,
                "list_accidents",
                "create_establishment",
                "/api/v1/establishments",
            ),
            (
                HEALTH,
                "list_health_exam_reports",
                "submit_health_exam_report",
                "/api/v1/health-exam-reports",
            ),
            (TASKS, "list_tasks", "create_task", "/api/v1/tasks"),
        ] {
            let list_path = self
                .services
                .get(service)
                .and_then(|s| s.operation(list))
                .map(|(_, p, _)| p)
                .unwrap_or_default();
            self.call(Call::new(service, list, &list_path)).await?;
            self.get(service, list, &format!("{list_path}?limit=many"))
                .await?;
            let invalid = match service {
                INCIDENTS => json!({"tax_code": "4800123450", "name": "", "vsic_code": "0810",
                                    "ownership_type": "2", "commune_code": "99999",
                                    "headcount": {"total": 10, "female": 12, "hazardous": 0}}),
                _ => json!({}),
            };
            self.admin(Call::new(service, create, path).body(invalid.clone()))
                .await?;
            // A body is read before the role is checked: the viewer's refusal needs one
            // that parses (the write never happens).
            let valid = self.accepted.get(&(service, create.to_owned())).cloned();
            if let Some(valid) = valid {
                let viewer = Some(self.viewer.clone());
                self.call(Call::new(service, create, path).body(valid).token(viewer))
                    .await?;
            }
        }
        Ok(())
    }
}
