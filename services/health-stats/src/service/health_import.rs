//! Bulk import of occupational-health reports: each row is a filing, checked by the
//! same rules as `POST /health-exam-reports`; a report already filed for the period is
//! corrected (a revision "Nhập hàng loạt") or left unchanged if nothing differs.
//!
//! A chunk is applied as a batch, with the results one filing a row would give: one
//! look-up of every (establishment, period) report the chunk names; multi-row inserts
//! of the new reports, of every revision and of the rows' filing receipts (each filed
//! row keeps its own receipt over its own content); one multi-row upsert of the
//! establishments the rows describe; and the statistics counters' changes summed per
//! key, written in one multi-row upsert in key order. A correction of a report stored
//! before the chunk is written at once under its version check, as a single filing is.
//! A health-exam filing announces no event (no service consumes one), so neither does
//! an import.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDateTime;
use shared::db::DbConnection;
use shared::error::ApiError;
use shared::filing::{self as engine, Filing as _, Next};
use shared::jobs::bulk::{self, Column};
use shared::jobs::{ImportChunk, ItemResult, ItemStatus};

use super::health_reports::{self as filing, Filing, Submission};
use crate::db::establishments::{self as establishments_repo, EstablishmentRow};
use crate::db::health_reports as repo;
use crate::db::health_statistics as stats_repo;
use crate::db::models::{HealthReportRevisionRow, HealthReportRow};
use crate::domain::health_statistics::{self as stats, Counters, StatKey};

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
    let checked: Vec<Result<Checked, ItemResult>> = chunk
        .items
        .iter()
        .enumerate()
        .map(|(offset, value)| {
            let index = chunk.first_index + offset;
            // A row is the body of `POST /health-exam-reports`, which has the fields
            // of a submission.
            let submission = bulk::item::<Submission>(index, value)?;
            let filing =
                filing::check(submission).map_err(|errors| ItemResult::rejected(index, &errors))?;
            // Each row is a filing of its own, with its own receipt over its own content.
            let sha256 = shared::extract::hex_sha256(value.to_string().as_bytes());
            Ok(Checked {
                index,
                filing,
                sha256,
            })
        })
        .collect();
    let keys: Vec<(String, String)> = checked.iter().flatten().map(|c| c.filing.key()).collect();
    let mut batch = Batch {
        known: repo::find_for_keys(conn, &keys)?
            .into_iter()
            .map(|(key, row)| (key, Known { row, stored: true }))
            .collect(),
        created: Vec::new(),
        revisions: Vec::new(),
        receipts: Vec::new(),
        establishments: Vec::new(),
        counters: BTreeMap::new(),
        principal: chunk.principal,
        now: shared::db::now(),
    };
    let mut results = Vec::with_capacity(checked.len());
    for item in checked {
        results.push(match item {
            Ok(item) => batch.apply(conn, item)?,
            Err(rejected) => rejected,
        });
    }
    batch.write(conn)?;
    Ok(results)
}

/// A row that passed the rules.
struct Checked {
    index: usize,
    filing: Filing,
    /// Of the row's JSON, for its receipt.
    sha256: String,
}

/// A report as the chunk left it so far.
struct Known {
    row: HealthReportRow,
    /// Whether `row` is in the table already (else it waits for the chunk's insert).
    stored: bool,
}

/// What a chunk writes once its rows are decided.
struct Batch<'a> {
    /// By `(tax_code, period)`: the reports the chunk names, and the ones it creates.
    known: HashMap<(String, String), Known>,
    /// Keys of the reports the chunk creates, in order.
    created: Vec<(String, String)>,
    revisions: Vec<HealthReportRevisionRow>,
    /// `(report id, sha256 of the row)` of every row filed.
    receipts: Vec<(String, String)>,
    establishments: Vec<EstablishmentRow>,
    /// The counters' changes, summed per key.
    counters: BTreeMap<StatKey, Counters>,
    principal: &'a str,
    now: NaiveDateTime,
}

impl Batch<'_> {
    /// Decides one row as `filing::file` would: a new report, a new version of one (a
    /// revision) or nothing. New versions of stored reports are written at once, under
    /// their version.
    fn apply(&mut self, conn: &mut DbConnection, item: Checked) -> Result<ItemResult, ApiError> {
        // The establishment's details are kept current whatever the report does.
        self.establishments
            .push(item.filing.establishment_row(self.now));
        let key = item.filing.key();
        let previous = self.known.remove(&key);
        let next = match &previous {
            None => Next {
                id: uuid::Uuid::now_v7().to_string(),
                version: 1,
                first_received_at: self.now,
                now: self.now,
                previous: None,
            },
            Some(p) => Next {
                id: p.row.id.clone(),
                version: p.row.version + 1,
                first_received_at: p.row.first_received_at,
                now: self.now,
                previous: Some(&p.row),
            },
        };
        let row = item.filing.row(self.principal, next);
        if let Some(p) = previous {
            if HealthReportRow::same_content(&p.row, &row) {
                let id = p.row.id.clone();
                self.known.insert(key, p);
                return Ok(ItemResult::done(item.index, ItemStatus::Unchanged, id));
            }
            if p.stored && !row.update_if_version(conn, p.row.version)? {
                return Err(ApiError::PreconditionFailed {
                    current_version: p.row.version + 1,
                });
            }
            let reason =
                engine::bulk_reason(Some(&p.row), item.filing.change_reason(), BULK_REASON);
            self.file(&row, Some(&p.row), reason, item.sha256)?;
            let id = row.id.clone();
            self.known.insert(
                key,
                Known {
                    row,
                    stored: p.stored,
                },
            );
            return Ok(ItemResult::done(item.index, ItemStatus::Updated, id));
        }
        let reason =
            engine::bulk_reason::<HealthReportRow>(None, item.filing.change_reason(), BULK_REASON);
        self.file(&row, None, reason, item.sha256)?;
        let id = row.id.clone();
        self.created.push(key.clone());
        self.known.insert(key, Known { row, stored: false });
        Ok(ItemResult::done(item.index, ItemStatus::Created, id))
    }

    /// Records a version's revision, receipt and change of the counters.
    fn file(
        &mut self,
        row: &HealthReportRow,
        previous: Option<&HealthReportRow>,
        reason: &str,
        sha256: String,
    ) -> Result<(), ApiError> {
        self.revisions.push(repo::revision_of(row, reason)?);
        self.receipts.push((row.id.clone(), sha256));
        let before = previous.map(filing::contributions).unwrap_or_default();
        for (key, change) in stats::delta(&before, &filing::contributions(row)) {
            let sum = self.counters.entry(key).or_default();
            *sum = sum.plus(change);
        }
        Ok(())
    }

    /// Upserts the establishments, inserts the new reports, every revision and receipt,
    /// and adds the counters' changes.
    fn write(mut self, conn: &mut DbConnection) -> Result<(), ApiError> {
        let created: Vec<HealthReportRow> = self
            .created
            .iter()
            .filter_map(|key| self.known.remove(key).map(|known| known.row))
            .collect();
        // The new reports refer to their establishments.
        establishments_repo::upsert_many(conn, &self.establishments)?;
        repo::insert_many(conn, &created)?;
        repo::insert_revisions(conn, &self.revisions)?;
        shared::receipts::issue_many(
            conn,
            filing::RECEIPT_KIND,
            &self.receipts,
            self.principal,
            self.now,
        )?;
        let changes: Vec<(StatKey, Counters)> = self.counters.into_iter().collect();
        stats_repo::apply(conn, shared::time::today(), &changes)?;
        Ok(())
    }
}
