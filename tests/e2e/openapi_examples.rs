//! The response examples of the committed OpenAPI documents (issue 16, item 2): every
//! success answer of every operation shows an example recorded from a real answer
//! (`atvsld openapi --record-examples`, see `atvsld::examples`), every example
//! validates against its response schema (JSON Schema 2020-12, as OpenAPI 3.1 has it),
//! and the committed documents show exactly what was recorded. Nothing is regenerated
//! here: a failure names the operation, and re-recording is the fix.

use std::path::Path;

use serde_json::Value;

const SERVICES: [&str; 3] = ["incidents", "health-stats", "tasks"];
const RECORD: &str = "cargo run -q -- openapi --record-examples";

/// Success answers no real call can give: the tasks service runs no jobs (it has no
/// bulk import), so its `GET /jobs/{id}` only ever answers 404.
const NO_REAL_ANSWER: &[&str] = &["tasks.json: get_job 200", "atvsld.json: tasks_get_job 200"];

fn read(relative: &str) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(relative);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{relative}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{relative}: {e}"))
}

/// The committed documents: one per service and the merged one.
fn documents() -> Vec<(String, Value)> {
    SERVICES
        .iter()
        .map(|s| format!("{s}.json"))
        .chain(["atvsld.json".to_owned()])
        .map(|file| {
            let doc = read(&format!("openapi/{file}"));
            (file, doc)
        })
        .collect()
}

/// A response, through its `#/components/responses/…` reference if it is one.
fn resolve<'a>(doc: &'a Value, response: &'a Value) -> &'a Value {
    match response["$ref"].as_str() {
        Some(r) => doc.pointer(r.trim_start_matches('#')).unwrap_or(response),
        None => response,
    }
}

/// Every operation: (method, path, operation).
fn operations(doc: &Value) -> Vec<(&str, &str, &Value)> {
    let mut ops = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            if op.get("responses").is_some() {
                ops.push((method.as_str(), path.as_str(), op));
            }
        }
    }
    ops
}

/// A validator for `schema` within `doc`: its `#/components/…` references resolve
/// against the document's components.
fn validator(doc: &Value, schema: &Value) -> Result<jsonschema::Validator, String> {
    let mut root = schema.clone();
    root.as_object_mut()
        .ok_or("the schema is not an object")?
        .insert("components".into(), doc["components"].clone());
    jsonschema::draft202012::new(&root).map_err(|e| e.to_string())
}

#[test]
fn every_success_answer_has_an_example_that_validates_against_its_schema() {
    let mut missing = Vec::new();
    let mut invalid = Vec::new();
    let mut checked = 0;
    for (file, doc) in documents() {
        for (method, path, op) in operations(&doc) {
            let id = op["operationId"].as_str().unwrap_or(path);
            for (status, response) in op["responses"].as_object().unwrap() {
                let response = resolve(&doc, response);
                for (media, content) in response["content"].as_object().into_iter().flatten() {
                    if !(media == "application/json" || media.ends_with("+json")) {
                        continue;
                    }
                    let Some(example) = content.get("example") else {
                        let what = format!("{file}: {id} {status}");
                        if status.starts_with('2')
                            && media == "application/json"
                            && !NO_REAL_ANSWER.contains(&what.as_str())
                        {
                            missing.push(format!("{file}: {id} ({method} {path}) {status}"));
                        }
                        continue;
                    };
                    checked += 1;
                    let errors: Vec<String> = match validator(&doc, &content["schema"]) {
                        Ok(v) => v
                            .iter_errors(example)
                            .map(|e| format!("at {:?}: {e}", e.instance_path().to_string()))
                            .collect(),
                        Err(e) => vec![format!("the schema does not compile: {e}")],
                    };
                    if !errors.is_empty() {
                        invalid.push(format!(
                            "{file}: {id} ({method} {path}) {status} {media}:\n    {}",
                            errors.join("\n    ")
                        ));
                    }
                }
            }
        }
    }
    assert!(
        missing.is_empty(),
        "success answers without an example (record them with `{RECORD}`; an operation \
         the recorder cannot reach needs a call in src/examples.rs):\n{}",
        missing.join("\n")
    );
    assert!(
        invalid.is_empty(),
        "examples that do not validate against their schemas:\n{}",
        invalid.join("\n")
    );
    assert!(checked > 300, "only {checked} examples checked");
}

/// `{operationId: {status: example}}` of the committed documents: each operation's
/// examples under the id it has in that document.
fn shown(doc: &Value) -> std::collections::HashMap<String, Vec<(String, Value)>> {
    let mut out = std::collections::HashMap::new();
    for (_, _, op) in operations(doc) {
        let id = op["operationId"].as_str().unwrap_or_default().to_owned();
        let mut examples = Vec::new();
        for (status, response) in op["responses"].as_object().unwrap() {
            for content in response["content"].as_object().into_iter().flatten() {
                if let Some(example) = content.1.get("example") {
                    examples.push((status.clone(), example.clone()));
                }
            }
        }
        out.insert(id, examples);
    }
    out
}

#[test]
fn the_committed_documents_show_the_recorded_examples() {
    let merged = shown(&read("openapi/atvsld.json"));
    let mut problems = Vec::new();
    let mut compared = 0;
    for service in SERVICES {
        let recorded = read(&format!("openapi/examples/{service}.json"));
        let own = shown(&read(&format!("openapi/{service}.json")));
        for (id, statuses) in recorded.as_object().unwrap() {
            let merged_id = format!("{}_{id}", service.replace('-', "_"));
            for (status, example) in statuses.as_object().unwrap() {
                let wanted = (status.clone(), example.clone());
                if !own.get(id).is_some_and(|e| e.contains(&wanted)) {
                    problems.push(format!("{service}.json: {id} {status}"));
                }
                // The service-to-service operations are not in the merged document.
                if merged.contains_key(&merged_id)
                    && !merged.get(&merged_id).is_some_and(|e| e.contains(&wanted))
                {
                    problems.push(format!("atvsld.json: {merged_id} {status}"));
                }
                compared += 1;
            }
        }
    }
    assert!(
        problems.is_empty(),
        "recorded examples the committed documents do not show (run `{RECORD}`):\n{}",
        problems.join("\n")
    );
    assert!(compared > 100, "only {compared} recorded examples");
}
