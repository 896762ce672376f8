//! Bulk import of establishments: each row is a registration, checked by the same
//! rules as `POST /establishments`; a tax code already registered is updated (a
//! revision with reason "Nhập hàng loạt") or left unchanged if nothing differs.
//!
//! A chunk is applied as a batch: one look-up of all its tax codes, multi-row inserts
//! of the new establishments and of the revisions, and one `establishments.imported`
//! event listing every establishment the chunk created or changed (single-record
//! writes still announce `establishment.upserted`, one event each).

use std::collections::HashMap;

use shared::db::DbConnection;
use shared::error::{ApiError, FieldError, Text};
use shared::jobs::bulk::{self, Column};
use shared::jobs::{ImportChunk, ItemResult, ItemStatus};
use uuid::Uuid;

use super::{event_data, revision_of, row_of, same_facts};
use crate::db::establishments as repo;
use crate::db::models::{EstablishmentRow, RevisionRow};
use crate::domain::establishment as rules;
use crate::dto::CreateEstablishmentRequest;

pub const KIND: &str = "establishments";
const REASON: &str = "Nhập hàng loạt";
/// The event a chunk publishes (docs/integration.md, "10. Webhooks").
pub const EVENT: &str = "establishments.imported";

/// CSV headers: the field names, or these Vietnamese ones.
pub const COLUMNS: &[Column] = &[
    Column {
        field: "tax_code",
        headers: &["Mã số thuế", "MST", "Mã số doanh nghiệp"],
        number: false,
    },
    Column {
        field: "name",
        headers: &["Tên cơ sở", "Tên doanh nghiệp"],
        number: false,
    },
    Column {
        field: "vsic_code",
        headers: &["Mã ngành", "Mã ngành VSIC", "Ngành nghề"],
        number: false,
    },
    Column {
        field: "ownership_type",
        headers: &["Loại hình", "Loại hình cơ sở"],
        number: false,
    },
    Column {
        field: "commune_code",
        headers: &["Mã xã", "Mã đơn vị hành chính", "Mã xã/phường"],
        number: false,
    },
    Column {
        field: "address",
        headers: &["Địa chỉ"],
        number: false,
    },
    Column {
        field: "headcount/total",
        headers: &["Tổng số lao động", "Số lao động"],
        number: true,
    },
    Column {
        field: "headcount/female",
        headers: &["Lao động nữ", "Số lao động nữ"],
        number: true,
    },
    Column {
        field: "headcount/hazardous",
        headers: &[
            "Lao động nặng nhọc, độc hại",
            "Lao động nặng nhọc độc hại nguy hiểm",
        ],
        number: true,
    },
    Column {
        field: "bhxh_unit_code",
        headers: &["Mã đơn vị BHXH"],
        number: false,
    },
];

/// The service's import function (`ServiceDef::import`): applies a chunk inside the
/// caller's transaction.
pub fn run(conn: &mut DbConnection, chunk: &ImportChunk<'_>) -> Result<Vec<ItemResult>, ApiError> {
    if chunk.kind != KIND {
        return Err(ApiError::Internal(anyhow::anyhow!(
            "unknown import kind {}",
            chunk.kind
        )));
    }
    let today = shared::time::today();
    let checked: Vec<Result<Checked, ItemResult>> = chunk
        .items
        .iter()
        .enumerate()
        .map(|(offset, value)| {
            let index = chunk.first_index + offset;
            bulk::item::<CreateEstablishmentRequest>(index, value)
                .and_then(|request| check(index, &request, today))
        })
        .collect();
    let tax_codes: Vec<&str> = checked
        .iter()
        .flatten()
        .map(|c| c.tax_code.as_str())
        .collect();
    let mut batch = Batch {
        known: repo::find_by_tax_codes(conn, &tax_codes)?
            .into_iter()
            .map(|row| {
                (
                    row.tax_code.clone(),
                    Known {
                        row,
                        stored: true,
                        changed: false,
                    },
                )
            })
            .collect(),
        ..Batch::default()
    };
    let now = shared::db::now();
    let mut results = Vec::with_capacity(checked.len());
    for item in checked {
        results.push(match item {
            Ok(item) => batch.apply(conn, item, chunk.principal, now)?,
            Err(rejected) => rejected,
        });
    }
    batch.write(conn)?;
    Ok(results)
}

/// A row that passed the rules.
struct Checked {
    index: usize,
    tax_code: String,
    valid: rules::ValidEstablishment,
}

fn check(
    index: usize,
    request: &CreateEstablishmentRequest,
    today: chrono::NaiveDate,
) -> Result<Checked, ItemResult> {
    let mut errors = Vec::new();
    if request.external_ref.is_some() {
        errors.push(FieldError::body(
            "/external_ref",
            "external_ref_not_imported",
            Text::new(
                "Khi nhập hàng loạt, cơ sở được nhận biết theo mã số thuế; hãy bỏ external_ref.",
                "A bulk import identifies establishments by tax code; leave external_ref out.",
            ),
        ));
    }
    let tax_code = rules::check_tax_code(&request.tax_code, "/tax_code");
    let valid = rules::validate(&request.input(), today);
    match (tax_code, valid) {
        (Ok(t), Ok(valid)) if errors.is_empty() => Ok(Checked {
            index,
            tax_code: t.as_str().to_owned(),
            valid,
        }),
        (t, v) => {
            errors.splice(0..0, t.err());
            errors.extend(v.err().unwrap_or_default());
            Err(ItemResult::rejected(index, &errors))
        }
    }
}

/// An establishment as the chunk left it so far.
struct Known {
    row: EstablishmentRow,
    /// Whether `row` is in the table already (else it waits for the chunk's insert).
    stored: bool,
    /// Whether the chunk created or changed it (it is then in `Batch::changed`).
    changed: bool,
}

/// What a chunk writes once its rows are decided.
#[derive(Default)]
struct Batch {
    /// By tax code: the registry's rows the chunk names, and the ones it creates.
    known: HashMap<String, Known>,
    revisions: Vec<RevisionRow>,
    /// Tax codes created or changed, in the order of their first change.
    changed: Vec<String>,
}

impl Batch {
    /// Decides one row: a new establishment, a change (a revision) or nothing.
    /// Changes of stored rows are written at once, under their version.
    fn apply(
        &mut self,
        conn: &mut DbConnection,
        item: Checked,
        principal: &str,
        now: chrono::NaiveDateTime,
    ) -> Result<ItemResult, ApiError> {
        let Some(current) = self.known.get_mut(&item.tax_code) else {
            let row = row_of(
                Uuid::now_v7().to_string(),
                &item.tax_code,
                &item.valid,
                None,
                principal,
                1,
                now,
                now,
            );
            self.revisions.push(revision_of(&row, principal, REASON)?);
            self.changed.push(item.tax_code.clone());
            let id = row.id.clone();
            self.known.insert(
                item.tax_code,
                Known {
                    row,
                    stored: false,
                    changed: true,
                },
            );
            return Ok(ItemResult::done(item.index, ItemStatus::Created, id));
        };
        let row = &current.row;
        let next = row_of(
            row.id.clone(),
            &row.tax_code,
            &item.valid,
            row.external_ref.clone(),
            &row.created_by,
            row.version + 1,
            row.created_at,
            now,
        );
        if same_facts(row, &next) {
            return Ok(ItemResult::done(
                item.index,
                ItemStatus::Unchanged,
                row.id.clone(),
            ));
        }
        let next = EstablishmentRow {
            external_ref_owner: row.external_ref_owner.clone(),
            ..next
        };
        if current.stored && !repo::update_if_version(conn, &next, row.version)? {
            return Ok(ItemResult::refused(
                item.index,
                &ApiError::PreconditionFailed {
                    current_version: row.version + 1,
                },
            ));
        }
        self.revisions.push(revision_of(&next, principal, REASON)?);
        if !current.changed {
            current.changed = true;
            self.changed.push(item.tax_code);
        }
        let id = next.id.clone();
        current.row = next;
        Ok(ItemResult::done(item.index, ItemStatus::Updated, id))
    }

    /// Inserts the new establishments and every revision, and announces the chunk.
    fn write(mut self, conn: &mut DbConnection) -> Result<(), ApiError> {
        if self.changed.is_empty() {
            return Ok(());
        }
        let mut created = Vec::new();
        let mut listed = Vec::with_capacity(self.changed.len());
        for tax_code in &self.changed {
            let Some(known) = self.known.remove(tax_code) else {
                continue;
            };
            let mut data = event_data(&known.row);
            if let Some(fields) = data.as_object_mut() {
                fields.insert("id".into(), known.row.id.clone().into());
            }
            listed.push(data);
            if !known.stored {
                created.push(known.row);
            }
        }
        repo::insert_many(conn, &created)?;
        repo::insert_revisions(conn, &self.revisions)?;
        shared::events::outbox::publish(
            conn,
            crate::SERVICE.name,
            EVENT,
            &Uuid::now_v7().to_string(),
            &serde_json::json!({ "establishments": listed }),
        )?;
        Ok(())
    }
}
