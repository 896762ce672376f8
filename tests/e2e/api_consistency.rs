//! One vocabulary across the three services, checked over every OpenAPI document the
//! suite publishes (the three services' and the merged one), so that a frontend that
//! learns one endpoint knows them all:
//!
//! - **lists**: an operation answering with `items` pages with `limit` and `cursor`,
//!   answers `next_cursor`, and gives `total` only when asked (`?total=true`;
//!   `shared/src/pagination.rs`). Excepted by decision: a code list (a published
//!   reference table, served whole like the spec itself);
//! - **money**: a number that is an amount of money says its unit in its name
//!   (`amount_vnd`, `cost_medical_thousand_vnd`);
//! - **trends**: every trend is the one `Trend` component (`shared::figures::Trend`),
//!   identical in every document;
//! - **compliance**: who filed is counted by the one `ComplianceSummary` component;
//! - **bulk results**: an item of a bulk answer says `status` (`ItemStatus`) and
//!   `problems`, never `result` or `errors`;
//! - **statistics rows**: each row has its `key`, `label`, `label_en` and `suppressed`.
//!
//! Each rule reports the document and the place it is broken; the last test feeds the
//! rules a document that breaks each of them, so none of them can pass vacuously.

use serde_json::{Value, json};

/// Paths whose `items` are read whole on purpose (see the module comment).
const WHOLE_LISTS: &[&str] = &["/code-lists/{name}"];

/// Words that make a numeric field an amount of money.
const MONEY_WORDS: &[&str] = &[
    "amount",
    "cost",
    "price",
    "fee",
    "compensation",
    "wage",
    "salary",
    "budget",
    "expense",
    "damage",
    "payment",
    "allowance",
];

fn schemas(doc: &Value) -> &serde_json::Map<String, Value> {
    static EMPTY: std::sync::LazyLock<serde_json::Map<String, Value>> =
        std::sync::LazyLock::new(serde_json::Map::new);
    doc["components"]["schemas"].as_object().unwrap_or(&EMPTY)
}

/// The schema a `$ref` names (or the schema itself), and its component name if any.
fn resolve<'a>(doc: &'a Value, schema: &'a Value) -> (&'a Value, Option<&'a str>) {
    match schema["$ref"].as_str().and_then(|r| r.rsplit('/').next()) {
        Some(name) => (schemas(doc).get(name).unwrap_or(&Value::Null), Some(name)),
        None => (schema, None),
    }
}

fn types(schema: &Value) -> Vec<&str> {
    match &schema["type"] {
        Value::Array(types) => types.iter().filter_map(Value::as_str).collect(),
        t => t.as_str().into_iter().collect(),
    }
}

/// The component a property refers to, directly or as the non-null branch of a
/// `oneOf`/`anyOf`/`allOf`.
fn referenced(property: &Value) -> Option<&str> {
    let direct = property["$ref"].as_str();
    let branches = ["oneOf", "anyOf", "allOf"]
        .iter()
        .flat_map(|k| property[*k].as_array().into_iter().flatten())
        .find_map(|b| b["$ref"].as_str());
    direct.or(branches).and_then(|r| r.rsplit('/').next())
}

/// Lists: `limit`, `cursor` and `total` parameters; `next_cursor` and an optional `total`.
fn list_gaps(doc: &Value) -> Vec<String> {
    let mut gaps = Vec::new();
    for (path, item) in doc["paths"].as_object().into_iter().flatten() {
        let Some(op) = item.get("get") else { continue };
        let Some(content) = op["responses"]["200"]["content"].as_object() else {
            continue;
        };
        for (media, body) in content {
            if !media.contains("json") {
                continue;
            }
            let (schema, name) = resolve(doc, &body["schema"]);
            let at = format!("GET {path} ({})", name.unwrap_or("inline"));
            if types(schema).contains(&"array") {
                gaps.push(format!(
                    "{at}: a bare array; a list is {{items, next_cursor}}"
                ));
                continue;
            }
            if !types(&schema["properties"]["items"]).contains(&"array")
                || WHOLE_LISTS.iter().any(|w| path.ends_with(w))
            {
                continue;
            }
            let params: Vec<&str> = op["parameters"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|p| p["in"] == "query")
                .filter_map(|p| p["name"].as_str())
                .collect();
            for wanted in ["limit", "cursor", "total"] {
                if !params.contains(&wanted) {
                    gaps.push(format!("{at}: no `{wanted}` query parameter"));
                }
            }
            if schema["properties"].get("next_cursor").is_none() {
                gaps.push(format!("{at}: no `next_cursor` in the answer"));
            }
            let required = |name: &str| {
                schema["required"]
                    .as_array()
                    .is_some_and(|r| r.iter().any(|n| n == name))
            };
            if schema["properties"].get("total").is_none() {
                gaps.push(format!("{at}: no `total` in the answer"));
            } else if required("total") {
                gaps.push(format!(
                    "{at}: `total` is required; it is given only when asked"
                ));
            }
        }
    }
    gaps
}

/// Money: numeric fields named like an amount (or in a `*Cost*` schema) end in `_vnd`.
fn money_gaps(doc: &Value) -> Vec<String> {
    let mut gaps = Vec::new();
    for (name, schema) in schemas(doc) {
        for (field, property) in schema["properties"].as_object().into_iter().flatten() {
            let numeric = types(property)
                .iter()
                .any(|t| *t == "integer" || *t == "number");
            let lower = field.to_lowercase();
            let money = MONEY_WORDS.iter().any(|w| lower.contains(w))
                || name.to_lowercase().contains("cost");
            if numeric && money && !lower.ends_with("_vnd") {
                gaps.push(format!(
                    "{name}.{field}: an amount without its unit (`_vnd`, `_thousand_vnd`)"
                ));
            }
        }
    }
    gaps
}

/// Trends: every `trend`/`*_trend` property is the `Trend` component (a text of that
/// name, in a statistics `method`, says how the trend is computed), and no other
/// schema carries a trend's own fields.
fn trend_gaps(doc: &Value) -> Vec<String> {
    let mut gaps = Vec::new();
    for (name, schema) in schemas(doc) {
        if name == "Trend" {
            continue;
        }
        let properties = schema["properties"].as_object();
        for (field, property) in properties.into_iter().flatten() {
            if (field == "trend" || field.ends_with("_trend"))
                && !types(property).contains(&"string")
                && referenced(property) != Some("Trend")
            {
                gaps.push(format!(
                    "{name}.{field}: a trend that is not the `Trend` component"
                ));
            }
        }
        let has = |f: &str| properties.is_some_and(|p| p.contains_key(f));
        if has("target_percent") || has("previous_rate") {
            gaps.push(format!(
                "{name}: a trend's fields outside the `Trend` component"
            ));
        }
    }
    gaps
}

/// Compliance: the counts of who filed are the `ComplianceSummary` component.
fn compliance_gaps(doc: &Value) -> Vec<String> {
    let mut gaps = Vec::new();
    for (name, schema) in schemas(doc) {
        if name == "ComplianceSummary" {
            continue;
        }
        let properties = schema["properties"].as_object();
        let has = |f: &str| properties.is_some_and(|p| p.contains_key(f));
        if has("expected") && has("on_time") {
            gaps.push(format!(
                "{name}: compliance counts outside the `ComplianceSummary` component"
            ));
        }
        if name.contains("Compliance")
            && has("summary")
            && referenced(&schema["properties"]["summary"]) != Some("ComplianceSummary")
        {
            gaps.push(format!(
                "{name}.summary: not the `ComplianceSummary` component"
            ));
        }
    }
    gaps
}

/// Bulk results: an item of a batch (a schema with its `index` in the request) says
/// `status` and `problems`.
fn bulk_gaps(doc: &Value) -> Vec<String> {
    let mut gaps = Vec::new();
    for (name, schema) in schemas(doc) {
        let Some(properties) = schema["properties"].as_object() else {
            continue;
        };
        if !properties.contains_key("index") {
            continue;
        }
        if referenced(&properties.get("status").cloned().unwrap_or(Value::Null))
            != Some("ItemStatus")
        {
            gaps.push(format!(
                "{name}.status: a bulk item's status is `ItemStatus`"
            ));
        }
        if !properties.contains_key("problems") {
            gaps.push(format!("{name}: a bulk item gives its `problems`"));
        }
        for old in ["result", "errors"] {
            if properties.contains_key(old) {
                gaps.push(format!(
                    "{name}.{old}: say `status`/`problems` as every bulk item does"
                ));
            }
        }
    }
    gaps
}

/// Statistics rows: a key, a label in both languages and the suppression flag.
fn statistics_row_gaps(doc: &Value) -> Vec<String> {
    let mut gaps = Vec::new();
    for (name, schema) in schemas(doc) {
        if !name.ends_with("StatisticsRow") {
            continue;
        }
        for field in ["key", "label", "label_en", "suppressed"] {
            let required = schema["required"]
                .as_array()
                .is_some_and(|r| r.iter().any(|n| n == field));
            if !required {
                gaps.push(format!("{name}: every statistics row has `{field}`"));
            }
        }
    }
    gaps
}

type Rule = (&'static str, fn(&Value) -> Vec<String>);

const RULES: &[Rule] = &[
    (
        "lists page with limit, cursor and an optional total",
        list_gaps,
    ),
    ("amounts carry their unit", money_gaps),
    ("one trend object", trend_gaps),
    ("one compliance summary", compliance_gaps),
    ("bulk items say status and problems", bulk_gaps),
    ("statistics rows are labelled", statistics_row_gaps),
];

fn broken_rules(file: &str, doc: &Value) -> Vec<String> {
    RULES
        .iter()
        .flat_map(|(rule, check)| {
            check(doc)
                .into_iter()
                .map(move |gap| format!("{file}: rule «{rule}» broken at {gap}"))
        })
        .collect()
}

#[test]
fn every_document_follows_the_suite_vocabulary() {
    let documents = atvsld::openapi_documents();
    let mut broken = Vec::new();
    let mut trends = Vec::new();
    let mut lists = 0;
    for (file, doc) in &documents {
        let doc = serde_json::to_value(doc).unwrap();
        broken.extend(broken_rules(file, &doc));
        trends.push((file.clone(), schemas(&doc).get("Trend").cloned()));
        lists += doc["paths"]
            .as_object()
            .into_iter()
            .flatten()
            .filter(|(_, item)| {
                let (schema, _) = resolve(
                    &doc,
                    &item["get"]["responses"]["200"]["content"]["application/json"]["schema"],
                );
                schema["properties"].get("next_cursor").is_some()
            })
            .count();
    }
    // The trend is one object: the same component wherever it is published.
    let (first_file, first) = &trends[0];
    for (file, trend) in &trends {
        if trend.is_some() && first.is_some() && trend != first {
            broken.push(format!(
                "{file}: rule «one trend object» broken: its `Trend` differs from {first_file}'s"
            ));
        }
    }
    assert!(lists > 40, "the walk found only {lists} paged lists");
    assert!(broken.is_empty(), "{}", broken.join("\n"));
}

#[test]
fn each_rule_reports_what_breaks_it() {
    let doc = json!({
        "paths": {
            "/api/v1/things": {"get": {
                "parameters": [{"name": "limit", "in": "query"}],
                "responses": {"200": {"content": {"application/json": {
                    "schema": {"$ref": "#/components/schemas/ThingList"}}}}}
            }},
            "/api/v1/bare": {"get": {
                "responses": {"200": {"content": {"application/json": {
                    "schema": {"type": "array", "items": {}}}}}}
            }}
        },
        "components": {"schemas": {
            "ThingList": {"type": "object", "required": ["items", "total"], "properties": {
                "items": {"type": "array"}, "total": {"type": "integer"}}},
            "Costs": {"type": "object", "properties": {"medical": {"type": "integer"}}},
            "Statistics": {"type": "object", "properties": {
                "fatal_rate_trend": {"type": "object"},
                "previous_rate": {"type": "number"}}},
            "ReportCompliance": {"type": "object", "properties": {
                "expected": {"type": "integer"}, "on_time": {"type": "integer"}}},
            "DecisionResult": {"type": "object", "properties": {
                "index": {"type": "integer"}, "result": {"type": "string"},
                "errors": {"type": "array"}}},
            "HealthStatisticsRow": {"type": "object", "required": ["key"], "properties": {}}
        }}
    });
    let broken = broken_rules("made-up.json", &doc).join("\n");
    for expected in [
        "GET /api/v1/things (ThingList): no `cursor` query parameter",
        "GET /api/v1/things (ThingList): no `total` query parameter",
        "GET /api/v1/things (ThingList): no `next_cursor` in the answer",
        "GET /api/v1/things (ThingList): `total` is required",
        "GET /api/v1/bare (inline): a bare array",
        "Costs.medical: an amount without its unit",
        "Statistics.fatal_rate_trend: a trend that is not the `Trend` component",
        "Statistics: a trend's fields outside the `Trend` component",
        "ReportCompliance: compliance counts outside the `ComplianceSummary` component",
        "DecisionResult.status: a bulk item's status is `ItemStatus`",
        "DecisionResult.result: say `status`/`problems`",
        "DecisionResult.errors: say `status`/`problems`",
        "HealthStatisticsRow: every statistics row has `label_en`",
    ] {
        assert!(
            broken.contains(expected),
            "not reported: {expected}\n{broken}"
        );
    }
    assert!(broken.starts_with("made-up.json: rule «"), "{broken}");
}
