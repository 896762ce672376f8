//! Ownership types of an establishment (loại hình cơ sở), codes 1–7 and 9, as
//! used in the TNLĐ statistics reports.
//!
//! This is a working enumeration that has not been checked against the
//! official annex (see `refdata/SOURCES.md`). It is kept as data so that the
//! official list can replace it without a code change. Callers must not match
//! on particular codes in logic.

use std::sync::LazyLock;

use serde::Deserialize;

use super::csv_rows;

const OWNERSHIP_CSV: &str = include_str!("../../refdata/ownership-types.csv");

static OWNERSHIP_TYPES: LazyLock<Vec<OwnershipType>> = LazyLock::new(|| {
    parse_types(OWNERSHIP_CSV)
        .into_iter()
        .filter_map(Result::ok)
        .collect()
});

/// One ownership type.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct OwnershipType {
    /// Code as reported, e.g. "1". A string, like the other reference codes,
    /// so that the official list can replace this one whatever its code format.
    pub code: String,
    /// Vietnamese name, as shown in forms and reports.
    pub name_vi: String,
    /// English name.
    pub name_en: String,
}

/// All ownership types, in file order.
#[must_use]
pub fn ownership_types() -> &'static [OwnershipType] {
    OWNERSHIP_TYPES.as_slice()
}

/// The ownership type with exactly this code.
#[must_use]
pub fn ownership_type(code: &str) -> Option<&'static OwnershipType> {
    ownership_types().iter().find(|t| t.code == code)
}

fn parse_types(text: &str) -> Vec<Result<OwnershipType, String>> {
    csv_rows::<OwnershipType>(text)
        .into_iter()
        .map(|row| {
            row.and_then(|t| {
                // A blank code or name would show up as an empty choice in a form.
                if t.code.trim().is_empty()
                    || t.name_vi.trim().is_empty()
                    || t.name_en.trim().is_empty()
                {
                    Err(format!("ownership type {:?}: blank field", t.code))
                } else {
                    Ok(t)
                }
            })
        })
        .collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn every_compiled_in_row_parses() {
        let rows = parse_types(OWNERSHIP_CSV);
        let errors: Vec<&String> = rows.iter().filter_map(|r| r.as_ref().err()).collect();
        assert!(errors.is_empty(), "malformed rows: {errors:?}");
        assert_eq!(rows.len(), 8);
    }

    #[test]
    fn eight_types_with_codes_1_to_7_and_9() {
        let codes: Vec<&str> = ownership_types().iter().map(|t| t.code.as_str()).collect();
        assert_eq!(codes, ["1", "2", "3", "4", "5", "6", "7", "9"]);
    }

    #[test]
    fn lookup_by_code() {
        let fdi = ownership_type("3").unwrap();
        assert_eq!(fdi.name_vi, "Doanh nghiệp có vốn đầu tư nước ngoài (FDI)");
        assert_eq!(fdi.name_en, "Foreign-invested enterprise");
        assert_eq!(ownership_type("9").unwrap().name_vi, "Khác");
        // Code 8 is not in the list, and none may be invented.
        assert_eq!(ownership_type("8"), None);
        assert_eq!(ownership_type(" 3"), None);
    }

    #[test]
    fn blank_fields_are_errors_not_panics() {
        let rows = parse_types("code,name_vi,name_en\n,Khác,Other\n1,,x\n2,x\n");
        assert_eq!(rows.len(), 3);
        assert!(rows.iter().all(Result::is_err), "{rows:?}");
    }
}
