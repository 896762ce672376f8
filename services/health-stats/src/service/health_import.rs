//! Bulk import of occupational-health reports: each row is a filing, checked by the
//! same rules as `POST /health-exam-reports`; a report already filed for the period is
//! corrected (a revision "Nhập hàng loạt") or left unchanged if nothing differs.

use shared::db::DbConnection;
use shared::error::ApiError;
use shared::jobs::bulk::{self, Column};
use shared::jobs::{ImportChunk, ItemResult, ItemStatus};

use super::health_reports::{self as filing, Correction, Filed, Submission};

pub const KIND: &str = "health-exam-reports";

/// The revision reason of a report an import corrects without one.
const BULK_REASON: &str = "Nhập hàng loạt";

/// CSV headers: the field names, or these Vietnamese ones. Disease counts need JSON.
pub const COLUMNS: &[Column] = &[
    Column {
        field: "period",
        headers: &["Kỳ báo cáo"],
        number: false,
    },
    Column {
        field: "establishment/tax_code",
        headers: &["Mã số thuế", "MST"],
        number: false,
    },
    Column {
        field: "establishment/name",
        headers: &["Tên cơ sở", "Tên doanh nghiệp"],
        number: false,
    },
    Column {
        field: "establishment/commune_code",
        headers: &["Mã xã", "Mã xã/phường"],
        number: false,
    },
    Column {
        field: "establishment/vsic_code",
        headers: &["Mã ngành", "Mã ngành VSIC"],
        number: false,
    },
    Column {
        field: "establishment/ownership_type",
        headers: &["Loại hình", "Loại hình cơ sở"],
        number: false,
    },
    Column {
        field: "figures/workers/total",
        headers: &["Tổng số lao động"],
        number: true,
    },
    Column {
        field: "figures/workers/female",
        headers: &["Lao động nữ"],
        number: true,
    },
    Column {
        field: "figures/hazardous_workers/total",
        headers: &["Lao động nặng nhọc, độc hại"],
        number: true,
    },
    Column {
        field: "figures/periodic_exams",
        headers: &["Số người khám sức khỏe định kỳ"],
        number: true,
    },
    Column {
        field: "figures/exposed_workers",
        headers: &["Số người tiếp xúc yếu tố có hại"],
        number: true,
    },
    Column {
        field: "figures/bnn_examined",
        headers: &["Số người khám phát hiện bệnh nghề nghiệp"],
        number: true,
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
    let mut results = Vec::with_capacity(chunk.items.len());
    for (offset, value) in chunk.items.iter().enumerate() {
        let index = chunk.first_index + offset;
        // A row is the body of `POST /health-exam-reports`, which has the fields of a
        // submission.
        let submission = match bulk::item::<Submission>(index, value) {
            Ok(submission) => submission,
            Err(rejected) => {
                results.push(rejected);
                continue;
            }
        };
        let checked = match filing::check(submission) {
            Ok(checked) => checked,
            Err(errors) => {
                results.push(ItemResult::rejected(index, &errors));
                continue;
            }
        };
        // Each row is a filing of its own, with its own receipt over its own content.
        let sha256 = shared::extract::hex_sha256(value.to_string().as_bytes());
        let (view, filed) = filing::file(
            conn,
            chunk.principal,
            &checked,
            &sha256,
            true,
            Correction::Bulk(BULK_REASON),
        )?;
        let status = match filed {
            Filed::Created => ItemStatus::Created,
            Filed::Updated => ItemStatus::Updated,
            Filed::Unchanged => ItemStatus::Unchanged,
        };
        results.push(ItemResult::done(index, status, view.report.id));
    }
    Ok(results)
}
