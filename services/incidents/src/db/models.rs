//! Rows as stored.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use super::schema::{establishment_revisions, establishments};

/// An establishment row; also the revision snapshot format.
#[derive(Clone, Debug, Queryable, Selectable, Insertable, AsChangeset, Serialize, Deserialize)]
#[diesel(table_name = establishments)]
pub struct EstablishmentRow {
    pub id: String,
    pub tax_code: String,
    pub name: String,
    pub vsic_code: String,
    pub vsic_section: String,
    pub ownership_type: String,
    pub commune_code: String,
    pub address: Option<String>,
    pub workers_total: i64,
    pub workers_female: i64,
    pub workers_hazardous: i64,
    pub bhxh_unit_code: Option<String>,
    pub external_ref: Option<String>,
    pub external_ref_owner: Option<String>,
    pub created_by: String,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Clone, Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = establishment_revisions)]
pub struct RevisionRow {
    pub establishment_id: String,
    pub version: i64,
    pub changed_at: NaiveDateTime,
    pub changed_by: String,
    pub change_reason: String,
    pub snapshot: String,
}
