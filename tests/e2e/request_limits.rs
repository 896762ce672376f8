//! Every request body of every service document states its limits (`shared::limits`):
//! a string has a `maxLength`, a number a `minimum` and a `maximum`, a date the window
//! in its description. Excepted, by decision: enumerations (bounded by their values),
//! `uuid` strings (bounded by their format), booleans, and the CSV and NDJSON bodies of
//! the bulk imports (one string bounded by `server.bulk_body_limit_bytes`, whose rows are
//! checked against the JSON item schema, which this test walks).

use serde_json::Value;

struct Walk<'a> {
    schemas: &'a serde_json::Map<String, Value>,
    seen: std::collections::HashSet<String>,
    gaps: Vec<String>,
}

impl Walk<'_> {
    fn walk(&mut self, schema: &Value, at: &str) {
        if let Some(name) = schema["$ref"].as_str().and_then(|r| r.rsplit('/').next()) {
            if self.seen.insert(name.to_owned()) {
                let target = self.schemas.get(name).cloned().unwrap_or(Value::Null);
                self.walk(&target, &format!("{at} <{name}>"));
            }
            return;
        }
        for key in ["allOf", "oneOf", "anyOf"] {
            for branch in schema[key].as_array().into_iter().flatten() {
                self.walk(branch, at);
            }
        }
        let types: Vec<&str> = match &schema["type"] {
            Value::Array(types) => types.iter().filter_map(Value::as_str).collect(),
            t => t.as_str().into_iter().collect(),
        };
        let has = |keys: [&str; 2]| keys.iter().any(|k| schema.get(k).is_some());
        let bounded = has(["minimum", "exclusiveMinimum"]) && has(["maximum", "exclusiveMaximum"]);
        if types.contains(&"string") && schema.get("enum").is_none() {
            let window = schema["description"]
                .as_str()
                .is_some_and(|d| d.contains("1900-01-01"));
            match schema["format"].as_str() {
                Some("uuid") => {}
                Some("date" | "date-time") if !window => {
                    self.gaps.push(format!("{at}: a date without its window"));
                }
                Some("date" | "date-time") => {}
                _ if schema.get("maxLength").is_none() => {
                    self.gaps.push(format!("{at}: a string without maxLength"));
                }
                _ => {}
            }
        }
        if (types.contains(&"integer") || types.contains(&"number")) && !bounded {
            self.gaps
                .push(format!("{at}: a number without minimum and maximum"));
        }
        for (name, property) in schema["properties"].as_object().into_iter().flatten() {
            self.walk(property, &format!("{at}/{name}"));
        }
        if schema["items"].is_object() {
            self.walk(&schema["items"], &format!("{at}/*"));
        }
        if schema["additionalProperties"].is_object() {
            self.walk(&schema["additionalProperties"], &format!("{at}/{{}}"));
        }
    }
}

#[test]
fn every_request_body_states_its_limits() {
    let mut bodies = 0;
    for (file, doc) in atvsld::openapi_documents() {
        let doc = serde_json::to_value(&doc).unwrap();
        let empty = serde_json::Map::new();
        let schemas = doc["components"]["schemas"].as_object().unwrap_or(&empty);
        let mut gaps = Vec::new();
        for (path, item) in doc["paths"].as_object().unwrap() {
            for (method, op) in item.as_object().unwrap() {
                let Some(content) = op["requestBody"]["content"].as_object() else {
                    continue;
                };
                for (media, body) in content {
                    if media != "application/json" {
                        assert_eq!(
                            body["schema"]["type"], "string",
                            "{file} {method} {path} {media}"
                        );
                        continue;
                    }
                    bodies += 1;
                    let mut walk = Walk {
                        schemas,
                        seen: Default::default(),
                        gaps: Vec::new(),
                    };
                    walk.walk(&body["schema"], &format!("{method} {path}"));
                    gaps.extend(walk.gaps);
                }
            }
        }
        assert!(gaps.is_empty(), "{file}:\n{}", gaps.join("\n"));
    }
    assert!(bodies > 40, "only {bodies} request bodies found");
}
