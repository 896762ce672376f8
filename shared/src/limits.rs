//! Input limits as part of the contract: every string a request carries has a
//! `maxLength`, every number a `minimum` and `maximum`, every date a window; the
//! OpenAPI document states them and the body extractor enforces them.
//!
//! One mechanism, so the two cannot drift: [`bound`] fills the limits a request
//! schema does not state itself (a field's own `#[schema(max_length = ..)]`,
//! `minimum`, `maximum` win) from the [`policy`] of its field name, and
//! [`crate::openapi::finish`] applies it to the published document while
//! [`Contract::of`] applies it to the body type's own schema and checks the request
//! against the result. A field-by-field annotation of some 150 members would say
//! the same thing less consistently, and could be forgotten on the next one.
//!
//! Dates have no JSON Schema bound: a `date` or `date-time` lies between
//! [`FIRST_DATE`] and [`LAST_DATE`] (the schema's description says so); the rules
//! that depend on the day (an accident is not in the future, beyond the clock skew)
//! stay in the domain.

use std::any::TypeId;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, LazyLock, Mutex};

use chrono::NaiveDate;
use serde_json::{Map, Value};
use utoipa::ToSchema;
use utoipa::openapi::schema::{
    AdditionalProperties, ArrayItems, KnownFormat, Object, Schema, SchemaFormat, SchemaType, Type,
};
use utoipa::openapi::{Ref, RefOr};

use crate::error::{FieldError, Text};

/// No date a request carries is earlier (no accident, birth or decision before 1900).
pub const FIRST_DATE: NaiveDate = match NaiveDate::from_ymd_opt(1900, 1, 1) {
    Some(d) => d,
    None => NaiveDate::MIN,
};
/// Nor later (plans and deadlines look ahead, but not past this century).
pub const LAST_DATE: NaiveDate = match NaiveDate::from_ymd_opt(2100, 12, 31) {
    Some(d) => d,
    None => NaiveDate::MAX,
};
const DATE_WINDOW: &str = "Từ 1900-01-01 đến 2100-12-31 (dates from 1900-01-01 to 2100-12-31).";

/// The bounds a field's name implies, when its schema states none.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Policy {
    pub max_length: usize,
    pub minimum: i64,
    pub maximum: i64,
}

/// Codes and identifiers (commune, VSIC, ICD, tax code, period, kind).
const CODE: usize = 40;
/// Document numbers and the caller's own references.
const NUMBER: usize = 100;
/// Ids, digests, signatures and event names.
const REFERENCE: usize = 200;
/// Names of organisations, places and things (people's: 200).
const NAME: usize = 255;
/// Free text: descriptions, conclusions, narratives.
const TEXT: usize = 10_000;
/// Any other string.
const OTHER: usize = 2_000;
/// Counts of workers, cases and days.
const COUNT: (i64, i64) = (0, 10_000_000);
/// Amounts in đồng: up to 10 trillion.
const VND: (i64, i64) = (0, 10_000_000_000_000);

/// The policy for a field `name` (array items take their array's name).
pub fn policy(name: &str) -> Policy {
    let ends = |suffixes: &[&str]| suffixes.iter().any(|s| name.ends_with(s));
    let is = |names: &[&str]| names.contains(&name);
    let max_length = if ends(&["_code", "_codes", "_type"])
        || is(&[
            "code",
            "period",
            "kind",
            "section",
            "nationality",
            "personal_id",
        ]) {
        CODE
    } else if is(&["parameter", "unit"]) {
        50
    } else if ends(&["_ref", "_reference", "_number", "_types"]) || is(&["number"]) {
        NUMBER
    } else if ends(&["_id"])
        || is(&[
            "id",
            "reference",
            "subject",
            "source",
            "type",
            "sha256",
            "signature",
            "agency",
        ])
    {
        REFERENCE
    } else if is(&["full_name"]) {
        200
    } else if ends(&["name", "_facility", "_factor"])
        || is(&["organisation", "position", "role", "owner", "location"])
    {
        NAME
    } else if is(&["address"]) {
        500
    } else if is(&["change_reason", "comment"]) {
        1_000
    } else if is(&[
        "description",
        "conclusions",
        "causes",
        "text",
        "measure",
        "violation",
    ]) {
        TEXT
    } else {
        OTHER
    };
    let (minimum, maximum) = if name.ends_with("_percent") {
        (0, 100)
    } else if name.ends_with("_vnd") {
        // Every amount says its unit in its name (`amount_vnd`, `medical_thousand_vnd`).
        VND
    } else if name.ends_with("_year") {
        (1900, 2100)
    } else if name.ends_with("_seconds") {
        (0, 86_400)
    } else {
        COUNT
    };
    Policy {
        max_length,
        minimum,
        maximum,
    }
}

fn has(schema_type: &SchemaType, wanted: Type) -> bool {
    match schema_type {
        SchemaType::Type(t) => *t == wanted,
        SchemaType::Array(types) => types.contains(&wanted),
        SchemaType::AnyValue => false,
    }
}

/// Fills the bounds a primitive schema lacks from the policy of `field`.
fn bound_primitive(o: &mut Object, field: &str) {
    let policy = policy(field);
    if has(&o.schema_type, Type::String) && o.enum_values.is_none() {
        match &o.format {
            Some(SchemaFormat::KnownFormat(KnownFormat::Date | KnownFormat::DateTime)) => {
                let description = o.description.get_or_insert_with(String::new);
                if !description.contains(DATE_WINDOW) {
                    if !description.is_empty() {
                        description.push(' ');
                    }
                    description.push_str(DATE_WINDOW);
                }
            }
            Some(SchemaFormat::KnownFormat(KnownFormat::Uuid)) => {}
            _ => {
                o.max_length.get_or_insert(policy.max_length);
            }
        }
    }
    let integer = has(&o.schema_type, Type::Integer);
    if integer || has(&o.schema_type, Type::Number) {
        // An int32 cannot hold more than i32::MAX, whatever the policy says.
        let ceiling = match &o.format {
            Some(SchemaFormat::KnownFormat(KnownFormat::Int32)) => i64::from(i32::MAX),
            _ => i64::MAX,
        };
        let number = |n: i64| utoipa::Number::Int(isize::try_from(n).unwrap_or(isize::MAX));
        if o.minimum.is_none() && o.exclusive_minimum.is_none() {
            o.minimum = Some(number(if integer {
                policy.minimum
            } else {
                -policy.maximum
            }));
        }
        if o.maximum.is_none() && o.exclusive_maximum.is_none() {
            o.maximum = Some(number(policy.maximum.min(ceiling)));
        }
    }
}

/// Walks a request schema, following references into `components` once each.
struct Bounder<'a> {
    components: &'a mut BTreeMap<String, RefOr<Schema>>,
    seen: HashSet<String>,
}

impl Bounder<'_> {
    fn bound(&mut self, schema: &mut RefOr<Schema>, field: &str) {
        match schema {
            RefOr::Ref(r) => self.follow(r, field),
            RefOr::T(s) => self.bound_schema(s, field),
        }
    }

    fn follow(&mut self, r: &Ref, field: &str) {
        let name = r
            .ref_location
            .rsplit('/')
            .next()
            .unwrap_or_default()
            .to_owned();
        if !self.seen.insert(name.clone()) {
            return;
        }
        if let Some(mut target) = self.components.remove(&name) {
            self.bound(&mut target, field);
            self.components.insert(name, target);
        }
    }

    fn bound_schema(&mut self, schema: &mut Schema, field: &str) {
        match schema {
            Schema::Object(o) => {
                for (name, property) in o.properties.iter_mut() {
                    self.bound(property, name);
                }
                if let Some(AdditionalProperties::RefOr(extra)) =
                    o.additional_properties.as_deref_mut()
                {
                    self.bound(extra, field);
                }
                bound_primitive(o, field);
            }
            Schema::Array(a) => {
                if let ArrayItems::RefOrSchema(items) = &mut a.items {
                    self.bound(items, field);
                }
            }
            Schema::OneOf(s) => s.items.iter_mut().for_each(|i| self.bound(i, field)),
            Schema::AllOf(s) => s.items.iter_mut().for_each(|i| self.bound(i, field)),
            Schema::AnyOf(s) => s.items.iter_mut().for_each(|i| self.bound(i, field)),
            _ => {}
        }
    }
}

/// Fills the limits of `schema` (a request body) and of the components it refers to.
pub fn bound(schema: &mut RefOr<Schema>, components: &mut BTreeMap<String, RefOr<Schema>>) {
    Bounder {
        components,
        seen: HashSet::new(),
    }
    .bound(schema, "");
}

/// A body type's schema with its limits, as JSON, ready to check requests against.
#[derive(Debug)]
pub struct Contract {
    root: Value,
    components: Map<String, Value>,
}

static CONTRACTS: LazyLock<Mutex<HashMap<TypeId, Arc<Contract>>>> =
    LazyLock::new(|| Mutex::new(HashMap::new()));

impl Contract {
    /// The contract of `T`, built once per type.
    pub fn of<T: ToSchema + 'static>() -> Arc<Contract> {
        let mut cache = CONTRACTS.lock().unwrap_or_else(|e| e.into_inner());
        cache
            .entry(TypeId::of::<T>())
            .or_insert_with(|| Arc::new(Self::build::<T>()))
            .clone()
    }

    fn build<T: ToSchema>() -> Contract {
        let mut root = T::schema();
        let mut found = Vec::new();
        T::schemas(&mut found);
        let mut components: BTreeMap<String, RefOr<Schema>> = found.into_iter().collect();
        bound(&mut root, &mut components);
        Contract {
            root: serde_json::to_value(&root).unwrap_or(Value::Null),
            components: components
                .into_iter()
                .map(|(name, schema)| (name, serde_json::to_value(&schema).unwrap_or(Value::Null)))
                .collect(),
        }
    }

    /// Every limit `value` breaks, each at its JSON Pointer.
    pub fn check(&self, value: &Value) -> Vec<FieldError> {
        let mut errors = Vec::new();
        self.walk(&self.root, value, "", 0, &mut errors);
        errors
    }

    fn resolve<'s>(&'s self, mut schema: &'s Value) -> &'s Value {
        for _ in 0..8 {
            let Some(target) = schema
                .get("$ref")
                .and_then(Value::as_str)
                .and_then(|r| r.rsplit('/').next())
                .and_then(|name| self.components.get(name))
            else {
                break;
            };
            schema = target;
        }
        schema
    }

    /// Whether `schema`'s type admits `value`: only such a branch of a `oneOf` counts.
    fn admits(&self, schema: &Value, value: &Value) -> bool {
        let schema = self.resolve(schema);
        let kind = match value {
            Value::Null => "null",
            Value::Bool(_) => "boolean",
            Value::Number(n) if n.is_f64() => "number",
            Value::Number(_) => "integer",
            Value::String(_) => "string",
            Value::Array(_) => "array",
            Value::Object(_) => "object",
        };
        let fits = |t: &Value| {
            t.as_str()
                .is_some_and(|t| t == kind || (t == "number" && kind == "integer"))
        };
        match schema.get("type") {
            Some(Value::Array(types)) => types.iter().any(fits),
            Some(t) => fits(t),
            None => true,
        }
    }

    fn walk(
        &self,
        schema: &Value,
        value: &Value,
        pointer: &str,
        depth: usize,
        errors: &mut Vec<FieldError>,
    ) {
        if depth > 64 {
            return;
        }
        let schema = self.resolve(schema);
        for all in schema
            .get("allOf")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            self.walk(all, value, pointer, depth + 1, errors);
        }
        for key in ["oneOf", "anyOf"] {
            let Some(branches) = schema.get(key).and_then(Value::as_array) else {
                continue;
            };
            let mut fewest: Option<Vec<FieldError>> = None;
            for branch in branches.iter().filter(|b| self.admits(b, value)) {
                let mut found = Vec::new();
                self.walk(branch, value, pointer, depth + 1, &mut found);
                if fewest.as_ref().is_none_or(|f| found.len() < f.len()) {
                    fewest = Some(found);
                }
            }
            errors.extend(fewest.unwrap_or_default());
        }
        match value {
            Value::String(s) => check_string(schema, s, pointer, errors),
            Value::Number(n) => check_number(schema, n, pointer, errors),
            Value::Array(items) => {
                if let Some(item) = schema.get("items") {
                    for (i, v) in items.iter().enumerate() {
                        self.walk(item, v, &format!("{pointer}/{i}"), depth + 1, errors);
                    }
                }
            }
            Value::Object(members) => {
                let properties = schema.get("properties").and_then(Value::as_object);
                let extra = schema.get("additionalProperties").filter(|a| a.is_object());
                for (name, v) in members {
                    let Some(member) = properties.and_then(|p| p.get(name)).or(extra) else {
                        continue;
                    };
                    let pointer = format!("{pointer}/{}", escape(name));
                    self.walk(member, v, &pointer, depth + 1, errors);
                }
            }
            Value::Null | Value::Bool(_) => {}
        }
    }
}

fn escape(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

fn check_string(schema: &Value, s: &str, pointer: &str, errors: &mut Vec<FieldError>) {
    let length = s.chars().count() as u64;
    if let Some(max) = schema
        .get("maxLength")
        .and_then(Value::as_u64)
        .filter(|&max| length > max)
    {
        {
            errors.push(FieldError::body(
                pointer,
                "too_long",
                Text::new(
                    format!("Tối đa {max} ký tự."),
                    format!("At most {max} characters."),
                ),
            ));
        }
    }
    let date = match schema.get("format").and_then(Value::as_str) {
        Some("date") => NaiveDate::parse_from_str(s, "%Y-%m-%d").ok(),
        Some("date-time") => chrono::DateTime::parse_from_rfc3339(s)
            .ok()
            .map(|t| t.date_naive()),
        _ => None,
    };
    if date.is_some_and(|d| d < FIRST_DATE || d > LAST_DATE) {
        errors.push(FieldError::body(
            pointer,
            "out_of_range",
            Text::new(
                format!("Ngày phải trong khoảng {FIRST_DATE} – {LAST_DATE}."),
                format!("The date must lie between {FIRST_DATE} and {LAST_DATE}."),
            ),
        ));
    }
}

fn check_number(
    schema: &Value,
    n: &serde_json::Number,
    pointer: &str,
    errors: &mut Vec<FieldError>,
) {
    let bound = |key: &str| schema.get(key).filter(|b| b.is_number());
    let x = n.as_f64().unwrap_or(f64::NAN);
    let below = bound("minimum")
        .and_then(Value::as_f64)
        .is_some_and(|m| x < m)
        || bound("exclusiveMinimum")
            .and_then(Value::as_f64)
            .is_some_and(|m| x <= m);
    let above = bound("maximum")
        .and_then(Value::as_f64)
        .is_some_and(|m| x > m)
        || bound("exclusiveMaximum")
            .and_then(Value::as_f64)
            .is_some_and(|m| x >= m);
    // i64/u64 beyond f64's exact range compare exactly too.
    let exact_above = n
        .as_u64()
        .zip(bound("maximum").and_then(Value::as_u64))
        .is_some_and(|(v, m)| v > m);
    if below || above || exact_above {
        let show = |key: &str| bound(key).map_or_else(|| "…".to_owned(), ToString::to_string);
        let (min, max) = (show("minimum"), show("maximum"));
        errors.push(FieldError::body(
            pointer,
            "out_of_range",
            Text::new(
                format!("Giá trị phải từ {min} đến {max}."),
                format!("The value must lie between {min} and {max}."),
            ),
        ));
    }
}

/// Every string (and member name) holding U+0000, which PostgreSQL cannot store and
/// SQLite would: refused alike on both, before any query.
pub fn nul_characters(value: &Value) -> Vec<FieldError> {
    fn walk(value: &Value, pointer: &str, errors: &mut Vec<FieldError>) {
        match value {
            Value::String(s) if s.contains('\0') => errors.push(nul_at(pointer)),
            Value::Array(items) => {
                for (i, v) in items.iter().enumerate() {
                    walk(v, &format!("{pointer}/{i}"), errors);
                }
            }
            Value::Object(members) => {
                for (name, v) in members {
                    let pointer = format!("{pointer}/{}", escape(name));
                    if name.contains('\0') {
                        errors.push(nul_at(&pointer));
                    }
                    walk(v, &pointer, errors);
                }
            }
            _ => {}
        }
    }
    let mut errors = Vec::new();
    walk(value, "", &mut errors);
    errors
}

pub fn nul_message() -> Text {
    Text::new(
        "Không chấp nhận ký tự NUL (U+0000).",
        "A NUL character (U+0000) is not accepted.",
    )
}

fn nul_at(pointer: &str) -> FieldError {
    FieldError::body(pointer, "nul_character", nul_message())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;
    use serde_json::json;

    #[derive(serde::Deserialize, ToSchema)]
    #[allow(dead_code)]
    struct Inner {
        full_name: String,
        #[schema(maximum = 3650)]
        days_off: u32,
    }

    #[derive(serde::Deserialize, ToSchema)]
    #[allow(dead_code)]
    struct Outer {
        external_ref: Option<String>,
        on: chrono::NaiveDate,
        people: Vec<Inner>,
        note: Option<Inner>,
    }

    fn codes(value: Value) -> Vec<(String, String)> {
        Contract::of::<Outer>()
            .check(&value)
            .into_iter()
            .map(|e| (format!("{:?}", e.location), e.code.into_owned()))
            .collect()
    }

    #[test]
    fn a_valid_body_breaks_no_limit() {
        let ok = json!({"external_ref": "A-1", "on": "2024-05-01",
            "people": [{"full_name": "Nguyễn Văn A", "days_off": 3650}], "note": null});
        assert!(codes(ok).is_empty());
    }

    #[test]
    fn limits_are_pointed_at() {
        let bad = json!({"external_ref": "x".repeat(101), "on": "0001-01-01",
            "people": [{"full_name": "y".repeat(201), "days_off": 2_147_483_648_u64}],
            "note": {"full_name": "A", "days_off": 3651}});
        let found = codes(bad);
        for (pointer, code) in [
            ("/external_ref", "too_long"),
            ("/on", "out_of_range"),
            ("/people/0/full_name", "too_long"),
            ("/people/0/days_off", "out_of_range"),
            ("/note/days_off", "out_of_range"),
        ] {
            assert!(
                found
                    .iter()
                    .any(|(p, c)| p.contains(&format!("\"{pointer}\"")) && c == code),
                "{pointer} {code}: {found:?}"
            );
        }
        assert_eq!(found.len(), 5, "{found:?}");
    }

    #[test]
    fn nul_is_found_in_values_and_names() {
        let found = nul_characters(&json!({"a": ["ok", "b\u{0}"], "c\u{0}": 1}));
        let pointers: Vec<String> = found.iter().map(|e| format!("{:?}", e.location)).collect();
        assert_eq!(found.len(), 2, "{pointers:?}");
        assert!(pointers[0].contains("/a/1"));
    }
}
