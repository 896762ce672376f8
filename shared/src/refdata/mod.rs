//! Reference code lists compiled into the binary: Cao Bằng administrative units
//! (before and after the 1 July 2025 reform), VSIC 2018 sections, ownership
//! types, the compensable occupational diseases, and the causes and main
//! injury-causing factors of an accident.
//!
//! The CSV files live in `shared/refdata/`, with their sources in
//! `shared/refdata/SOURCES.md`. Each list is parsed once, at first use. A
//! malformed row is skipped instead of panicking, and the tests in each
//! submodule prove that every compiled-in row parses, so a skip can only
//! come from an edit that the test suite has not seen.

mod accidents;
mod communes;
mod diseases;
mod ownership;
mod vsic;

pub use accidents::{
    AccidentCause, InjuryFactor, accident_cause, accident_causes, injury_factor, injury_factors,
};
pub use communes::{
    AdminUnit, UnitKind, UnitRef, admin_unit, admin_unit_any_period, admin_units,
    admin_units_in_force,
};
pub use diseases::{OccupationalDisease, occupational_disease, occupational_diseases};
pub use ownership::{OwnershipType, ownership_type, ownership_types};
pub use vsic::{VsicSection, vsic_section, vsic_section_of_division, vsic_sections};

/// Parses CSV text into typed rows, one `Result` per data row.
///
/// The loaders keep the rows that are `Ok`, and the tests check that there
/// are no `Err`s. The error is a `String` because it is only ever shown
/// in a test failure.
fn csv_rows<T: serde::de::DeserializeOwned>(text: &str) -> Vec<Result<T, String>> {
    csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(text.as_bytes())
        .into_deserialize::<T>()
        .map(|row| row.map_err(|e| e.to_string()))
        .collect()
}

/// True if `s` has exactly `len` characters and all of them are ASCII digits.
fn is_digits(s: &str, len: usize) -> bool {
    s.len() == len && s.bytes().all(|b| b.is_ascii_digit())
}
