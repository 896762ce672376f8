//! Events this service receives from the others.

use serde::Deserialize;
use shared::db::DbConnection;
use shared::error::ApiError;
use shared::events::Envelope;

use crate::db::establishments::{self, EstablishmentRow};

#[derive(Deserialize)]
struct EstablishmentUpserted {
    tax_code: String,
    name: String,
    commune_code: Option<String>,
    vsic_section: Option<String>,
    ownership_type: Option<String>,
}

/// `establishments.imported`: the establishments one chunk of a bulk import created
/// or changed, each listed once.
#[derive(Deserialize)]
struct EstablishmentsImported {
    establishments: Vec<EstablishmentUpserted>,
}

impl EstablishmentUpserted {
    fn row(self, now: chrono::NaiveDateTime) -> EstablishmentRow {
        EstablishmentRow {
            tax_code: self.tax_code,
            name: self.name,
            commune_code: self.commune_code,
            vsic_section: self.vsic_section,
            ownership_type: self.ownership_type,
            updated_at: now,
        }
    }
}

/// `establishment.upserted` and `establishments.imported` (from incidents) keep the
/// establishments table current; other events are not this service's business.
pub fn on_event(conn: &mut DbConnection, event: &Envelope) -> Result<(), ApiError> {
    let now = shared::db::now();
    match event.event_type.as_str() {
        "establishment.upserted" => {
            let e: EstablishmentUpserted = data(event)?;
            establishments::upsert(conn, &e.row(now))?;
        }
        "establishments.imported" => {
            let batch: EstablishmentsImported = data(event)?;
            let rows: Vec<EstablishmentRow> = batch
                .establishments
                .into_iter()
                .map(|e| e.row(now))
                .collect();
            establishments::upsert_many(conn, &rows)?;
        }
        _ => {}
    }
    Ok(())
}

fn data<T: serde::de::DeserializeOwned>(event: &Envelope) -> Result<T, ApiError> {
    T::deserialize(&event.data).map_err(|e| ApiError::BadRequest {
        code: "malformed_event",
        detail: shared::error::Text::new(
            "Sự kiện không đúng định dạng.",
            format!("Malformed {}: {e}", event.event_type),
        ),
        errors: vec![],
    })
}
