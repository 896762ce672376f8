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

/// `establishment.upserted` (from incidents) keeps the establishments table current;
/// other events are not this service's business.
pub fn on_event(conn: &mut DbConnection, event: &Envelope) -> Result<(), ApiError> {
    if event.event_type != "establishment.upserted" {
        return Ok(());
    }
    let e: EstablishmentUpserted =
        serde_json::from_value(event.data.clone()).map_err(|e| ApiError::BadRequest {
            code: "malformed_event",
            detail: shared::error::Text::new(
                "Sự kiện không đúng định dạng.",
                format!("Malformed establishment.upserted: {e}"),
            ),
            errors: vec![],
        })?;
    establishments::upsert(
        conn,
        &EstablishmentRow {
            tax_code: e.tax_code,
            name: e.name,
            commune_code: e.commune_code,
            vsic_section: e.vsic_section,
            ownership_type: e.ownership_type,
            updated_at: shared::db::now(),
        },
    )?;
    Ok(())
}
