//! Reading stored codes back into their enums. A code the program does not know (a row
//! written by a newer version, or changed by hand) is an error naming the table and
//! column: answering with a guessed value would show a different record than the one
//! stored, and a later write would make the guess permanent.

use crate::error::ApiError;

/// A stored code that no variant of its enum matches.
#[derive(Debug, thiserror::Error)]
#[error("unknown value {value:?} stored in {table}.{column}")]
pub struct UnknownStoredValue {
    pub table: &'static str,
    pub column: &'static str,
    pub value: String,
}

/// Parses the code stored in `table.column` with `parse`; an unknown code is a 500
/// whose log line names the table, the column and the value.
pub fn parse_stored<T>(
    table: &'static str,
    column: &'static str,
    value: &str,
    parse: impl FnOnce(&str) -> Option<T>,
) -> Result<T, ApiError> {
    parse(value).ok_or_else(|| {
        ApiError::Internal(
            UnknownStoredValue {
                table,
                column,
                value: value.to_owned(),
            }
            .into(),
        )
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn an_unknown_code_names_its_table_and_column() {
        let parse = |s: &str| (s == "declared").then_some(1);
        assert_eq!(
            parse_stored("accidents", "status", "declared", parse).unwrap(),
            1
        );
        let err = parse_stored("accidents", "status", "bogus", parse).unwrap_err();
        let cause = format!("{err:?}");
        assert!(
            cause.contains("unknown value \"bogus\" stored in accidents.status"),
            "{cause}"
        );
    }
}
