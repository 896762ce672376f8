//! Bulk request bodies and their answer.
//!
//! A body is a JSON array (`application/json`), NDJSON (`application/x-ndjson`, one
//! object a line) or CSV (`text/csv`, UTF-8, a header row). CSV headers are matched,
//! case and accents as typed, to a field name (`tax_code`, `headcount.total`) or to
//! one of its Vietnamese headers (`Mã số thuế`); each CSV row becomes the same JSON
//! object the single-record endpoint takes, so one set of rules checks both.
//!
//! Up to [`BulkLimits::sync_rows`] items are applied at once, in one transaction, and
//! answered with 200; more are stored as a job and answered with `202` and
//! `Location: /api/v1/jobs/{id}`.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use futures_util::StreamExt;
use serde_json::{Map, Value};
use unicode_normalization::UnicodeNormalization;

use super::{BulkResponse, ImportChunk, ImportFn, ItemResult, Summary};
use crate::db::Db;
use crate::error::{ApiError, Text};

/// Limits of bulk endpoints; registered as app data by the server.
#[derive(Clone, Copy, Debug)]
pub struct BulkLimits {
    /// Largest bulk body, in bytes (docs/integration.md, "12. Limits": 32 MiB).
    pub body_limit_bytes: usize,
    /// Batches up to this many items are answered at once; larger ones run as a job.
    pub sync_rows: usize,
}

impl Default for BulkLimits {
    fn default() -> Self {
        Self {
            body_limit_bytes: 32 * 1024 * 1024,
            sync_rows: 1000,
        }
    }
}

/// One CSV column: the field it fills (`/`-separated for nested members) and the
/// headers that name it besides the field itself.
pub struct Column {
    pub field: &'static str,
    pub headers: &'static [&'static str],
    /// Whole numbers are sent as JSON numbers; anything else stays text (and is then
    /// rejected by the field's rule, with its pointer).
    pub number: bool,
}

/// The body formats a bulk endpoint reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Json,
    Ndjson,
    Csv,
}

impl Format {
    /// The format of a `Content-Type`, if it is one.
    pub fn of_content_type(value: &str) -> Option<Self> {
        let mime = value.split(';').next()?.trim().to_ascii_lowercase();
        match mime.as_str() {
            "application/json" => Some(Self::Json),
            "application/x-ndjson"
            | "application/ndjson"
            | "application/jsonl"
            | "application/jsonlines" => Some(Self::Ndjson),
            "text/csv" => Some(Self::Csv),
            _ => None,
        }
    }
}

fn unreadable(detail: Text) -> ApiError {
    ApiError::BadRequest {
        code: "malformed_bulk_body",
        detail,
        errors: vec![],
    }
}

/// Reads the body with the bulk limit, whatever the JSON limit is.
pub async fn read_body(
    req: &HttpRequest,
    mut payload: web::Payload,
    limit: usize,
) -> Result<(Format, web::BytesMut), ApiError> {
    let format = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(Format::of_content_type)
        .ok_or(ApiError::UnsupportedMediaType)?;
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > limit) {
        return Err(ApiError::PayloadTooLarge { limit });
    }
    // One allocation of the declared size rather than a doubling series of them.
    let mut bytes = web::BytesMut::with_capacity(declared.unwrap_or(0));
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(crate::extract::body_error)?;
        if bytes.len() + chunk.len() > limit {
            return Err(ApiError::PayloadTooLarge { limit });
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok((format, bytes))
}

/// Splits a body into its items, each a JSON value as the single-record endpoint takes.
pub fn parse_items(
    format: Format,
    bytes: &[u8],
    columns: &[Column],
) -> Result<Vec<Value>, ApiError> {
    let mut items = Vec::new();
    for_each_item(format, bytes, columns, |item| {
        items.push(item);
        Ok(())
    })?;
    Ok(items)
}

/// Hands the body's items to `each` one at a time, in order, so that a large body is
/// never held as parsed values all at once. A malformed body is an error even when
/// some items were handed over already.
pub fn for_each_item(
    format: Format,
    bytes: &[u8],
    columns: &[Column],
    mut each: impl FnMut(Value) -> Result<(), ApiError>,
) -> Result<(), ApiError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match format {
        Format::Json => {
            // Borrowed slices of the body: checked JSON, parsed one item at a time.
            let raw: Vec<&serde_json::value::RawValue> = match serde_json::from_slice(bytes) {
                Ok(raw) => raw,
                Err(e) if e.is_data() => {
                    return Err(unreadable(Text::new(
                        "Nội dung phải là một mảng JSON các bản ghi.",
                        "The body must be a JSON array of records.",
                    )));
                }
                Err(e) => {
                    return Err(unreadable(Text::new(
                        format!(
                            "Nội dung không phải JSON hợp lệ (dòng {}, cột {}).",
                            e.line(),
                            e.column()
                        ),
                        format!(
                            "The body is not valid JSON (line {}, column {}).",
                            e.line(),
                            e.column()
                        ),
                    )));
                }
            };
            for item in raw {
                each(serde_json::from_str(item.get()).map_err(anyhow::Error::from)?)?;
            }
            Ok(())
        }
        Format::Ndjson => {
            for (n, line) in bytes.split(|b| *b == b'\n').enumerate() {
                if line.trim_ascii().is_empty() {
                    continue;
                }
                let item = serde_json::from_slice(line).map_err(|_| {
                    unreadable(Text::new(
                        format!("Dòng {} không phải một đối tượng JSON hợp lệ.", n + 1),
                        format!("Line {} is not a valid JSON object.", n + 1),
                    ))
                })?;
                each(item)?;
            }
            Ok(())
        }
        Format::Csv => for_each_csv_row(bytes, columns, each),
    }
}

fn header_key(s: &str) -> String {
    s.trim().nfc().collect::<String>().to_lowercase()
}

fn for_each_csv_row(
    bytes: &[u8],
    columns: &[Column],
    mut each: impl FnMut(Value) -> Result<(), ApiError>,
) -> Result<(), ApiError> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(false)
        .from_reader(bytes);
    let headers = reader.headers().map_err(|e| csv_error(&e))?.clone();
    let mut fields = Vec::with_capacity(headers.len());
    for name in &headers {
        let key = header_key(name);
        let column = columns.iter().find(|c| {
            header_key(c.field) == key
                || header_key(&c.field.replace('/', ".")) == key
                || c.headers.iter().any(|h| header_key(h) == key)
        });
        match column {
            Some(column) => fields.push(column),
            None => {
                return Err(ApiError::BadRequest {
                    code: "unknown_csv_column",
                    detail: Text::new(
                        format!("Cột «{}» không có trong mẫu dữ liệu.", name.trim()),
                        format!("Unknown CSV column `{}`.", name.trim()),
                    ),
                    errors: vec![],
                });
            }
        }
    }
    let mut record = csv::StringRecord::new();
    while reader.read_record(&mut record).map_err(|e| csv_error(&e))? {
        let mut object = Map::new();
        for (column, cell) in fields.iter().zip(record.iter()) {
            let cell = cell.trim();
            if cell.is_empty() {
                continue;
            }
            let value = match (column.number, cell.parse::<i64>()) {
                (true, Ok(n)) => Value::from(n),
                _ => Value::String(cell.to_owned()),
            };
            insert_at(&mut object, column.field, value);
        }
        each(Value::Object(object))?;
    }
    Ok(())
}

/// Puts `value` at the `/`-separated `path` in `object`, making the objects between.
fn insert_at(object: &mut Map<String, Value>, path: &str, value: Value) {
    match path.split_once('/') {
        None => {
            object.insert(path.to_owned(), value);
        }
        Some((head, rest)) => {
            let inner = object
                .entry(head.to_owned())
                .or_insert_with(|| Value::Object(Map::new()));
            if let Value::Object(inner) = inner {
                insert_at(inner, rest, value);
            }
        }
    }
}

fn csv_error(e: &csv::Error) -> ApiError {
    let line = e.position().map_or(0, csv::Position::line);
    unreadable(Text::new(
        format!("Tệp CSV không hợp lệ ở dòng {line} (cần UTF-8 và cùng số cột ở mọi dòng)."),
        format!(
            "Invalid CSV at line {line} (UTF-8 and the same number of columns on every line are required)."
        ),
    ))
}

/// Validates and deserializes one item with the rules of the JSON extractor (NFC,
/// unknown fields, types); a broken rule is the item's rejection.
pub fn item<T: serde::de::DeserializeOwned + utoipa::ToSchema + 'static>(
    index: usize,
    value: &Value,
) -> Result<T, ItemResult> {
    crate::extract::from_value::<T>(value.clone()).map_err(|e| ItemResult::refused(index, &e))
}

/// A body split into its items: few enough to apply at once, or a job's payload.
enum Parsed {
    Now(Vec<Value>),
    Job(super::Payload),
}

/// Reads the items one at a time; past `sync_rows` of them, each goes straight into
/// the job's payload text (one JSON array per chunk), so a large file is never held as
/// parsed values.
fn split(
    format: Format,
    bytes: &[u8],
    columns: &[Column],
    sync_rows: usize,
) -> Result<Parsed, ApiError> {
    let mut now = Vec::new();
    let mut job: Option<super::Payload> = None;
    for_each_item(format, bytes, columns, |item| {
        if let Some(job) = job.as_mut() {
            return job.push(&item);
        }
        if now.len() < sync_rows {
            now.push(item);
            return Ok(());
        }
        let mut payload = super::Payload::default();
        for earlier in now.drain(..) {
            payload.push(&earlier)?;
        }
        payload.push(&item)?;
        job = Some(payload);
        Ok(())
    })?;
    Ok(job.map_or(Parsed::Now(now), Parsed::Job))
}

enum DryRun {
    Api(ApiError),
    Rollback(Vec<ItemResult>),
}

impl From<diesel::result::Error> for DryRun {
    fn from(e: diesel::result::Error) -> Self {
        DryRun::Api(e.into())
    }
}

/// Answers a bulk request: at once for a small batch, as a job for a large one.
#[allow(clippy::too_many_arguments)]
pub async fn submit(
    req: &HttpRequest,
    payload: web::Payload,
    db: &Db,
    principal: String,
    kind: &'static str,
    columns: &'static [Column],
    import: ImportFn,
    dry_run: bool,
) -> Result<HttpResponse, ApiError> {
    let limits = req
        .app_data::<web::Data<BulkLimits>>()
        .map_or_else(BulkLimits::default, |l| *l.get_ref());
    let (format, bytes) = read_body(req, payload, limits.body_limit_bytes).await?;
    let sync_rows = limits.sync_rows;
    let parsed = web::block(move || split(format, &bytes, columns, sync_rows)).await??;
    let items = match parsed {
        Parsed::Now(items) => items,
        Parsed::Job(payload) => {
            let (chunks, total) = payload.finish();
            let row = db
                .run(move |conn| {
                    crate::db::transaction(conn, |conn| {
                        let id = super::enqueue(conn, kind, &principal, dry_run, &chunks, total)?;
                        Ok::<_, ApiError>(super::find(conn, &id)?)
                    })
                })
                .await?
                .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("job vanished")))?;
            if let Some(wake) = req.app_data::<web::Data<super::runner::Wake>>() {
                wake.job_queued();
            }
            return Ok(HttpResponse::Accepted()
                .insert_header((header::LOCATION, format!("/api/v1/jobs/{}", row.id)))
                .json(crate::routes::jobs::JobResponse::of(&row, None)));
        }
    };
    let results = db
        .run(move |conn| {
            let chunk = ImportChunk {
                kind,
                principal: &principal,
                first_index: 0,
                items: &items,
            };
            if !dry_run {
                return crate::db::transaction(conn, |c| import(c, &chunk));
            }
            match crate::db::transaction(conn, |c| {
                Err::<(), _>(DryRun::Rollback(import(c, &chunk).map_err(DryRun::Api)?))
            }) {
                Err(DryRun::Rollback(results)) => Ok(results),
                Err(DryRun::Api(e)) => Err(e),
                Ok(()) => Err(ApiError::Internal(anyhow::anyhow!(
                    "dry run did not roll back"
                ))),
            }
        })
        .await?;
    let mut response = HttpResponse::Ok();
    if dry_run {
        response.insert_header(("dry-run", "true"));
    }
    Ok(response.json(BulkResponse {
        dry_run,
        summary: Summary::of(&results),
        items: results,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    const COLUMNS: &[Column] = &[
        Column {
            field: "tax_code",
            headers: &["Mã số thuế"],
            number: false,
        },
        Column {
            field: "headcount/total",
            headers: &["Tổng số lao động"],
            number: true,
        },
    ];

    #[test]
    fn csv_with_vietnamese_headers_becomes_nested_objects() {
        let csv = "\u{feff}Mã số thuế,Tổng số lao động\n0100109106,12\n0100109107,nhiều\n";
        let items = parse_items(Format::Csv, csv.as_bytes(), COLUMNS).unwrap_or_default();
        assert_eq!(
            items,
            vec![
                serde_json::json!({"tax_code": "0100109106", "headcount": {"total": 12}}),
                serde_json::json!({"tax_code": "0100109107", "headcount": {"total": "nhiều"}}),
            ]
        );
    }

    #[test]
    fn field_names_work_as_headers_and_unknown_ones_are_refused() {
        let ok = parse_items(Format::Csv, b"TAX_CODE,headcount.total\n1,2\n", COLUMNS);
        assert!(ok.is_ok());
        let bad = parse_items(Format::Csv, b"tax_code,colour\n1,red\n", COLUMNS);
        assert!(matches!(
            bad,
            Err(ApiError::BadRequest {
                code: "unknown_csv_column",
                ..
            })
        ));
    }

    #[test]
    fn ndjson_skips_blank_lines() {
        let items =
            parse_items(Format::Ndjson, b"{\"a\":1}\n\n{\"a\":2}\n", COLUMNS).unwrap_or_default();
        assert_eq!(items.len(), 2);
    }
}
