//! Bulk import of establishments: each row is a registration, checked by the same
//! rules as `POST /establishments`; a tax code already registered is updated (a
//! revision with reason "Nhập hàng loạt") or left unchanged if nothing differs.

use shared::access::Scope;
use shared::db::DbConnection;
use shared::error::{ApiError, FieldError, Text};
use shared::jobs::bulk::{self, Column};
use shared::jobs::{ImportChunk, ItemResult, ItemStatus};
use uuid::Uuid;

use super::{record_revision, row_of, same_facts};
use crate::db::establishments as repo;
use crate::domain::establishment as rules;
use crate::dto::CreateEstablishmentRequest;

pub const KIND: &str = "establishments";
const REASON: &str = "Nhập hàng loạt";

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
    let mut results = Vec::with_capacity(chunk.items.len());
    for (offset, value) in chunk.items.iter().enumerate() {
        let index = chunk.first_index + offset;
        let result = match bulk::item::<CreateEstablishmentRequest>(index, value) {
            Ok(request) => one(conn, chunk.principal, index, &request, today)?,
            Err(rejected) => rejected,
        };
        results.push(result);
    }
    Ok(results)
}

fn one(
    conn: &mut DbConnection,
    principal: &str,
    index: usize,
    request: &CreateEstablishmentRequest,
    today: chrono::NaiveDate,
) -> Result<ItemResult, ApiError> {
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
    let (tax_code, valid) = match (tax_code, valid) {
        (Ok(t), Ok(v)) if errors.is_empty() => (t, v),
        (t, v) => {
            errors.splice(0..0, t.err());
            errors.extend(v.err().unwrap_or_default());
            return Ok(ItemResult::rejected(index, &errors));
        }
    };
    let tax_code = tax_code.as_str();
    let now = shared::db::now();
    let Some(current) = repo::find_by_tax_code(conn, tax_code, &Scope::All)? else {
        let row = row_of(
            Uuid::now_v7().to_string(),
            tax_code,
            &valid,
            None,
            principal,
            1,
            now,
            now,
        );
        repo::insert(conn, &row)?;
        record_revision(conn, &row, principal, REASON)?;
        return Ok(ItemResult::done(index, ItemStatus::Created, row.id));
    };
    let next = row_of(
        current.id.clone(),
        &current.tax_code,
        &valid,
        current.external_ref.clone(),
        &current.created_by,
        current.version + 1,
        current.created_at,
        now,
    );
    if same_facts(&current, &next) {
        return Ok(ItemResult::done(index, ItemStatus::Unchanged, current.id));
    }
    let next = crate::db::models::EstablishmentRow {
        external_ref_owner: current.external_ref_owner.clone(),
        ..next
    };
    if !repo::update_if_version(conn, &next, current.version)? {
        return Ok(ItemResult::refused(
            index,
            &ApiError::PreconditionFailed {
                current_version: current.version + 1,
            },
        ));
    }
    record_revision(conn, &next, principal, REASON)?;
    Ok(ItemResult::done(index, ItemStatus::Updated, next.id))
}
