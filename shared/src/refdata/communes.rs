//! Commune-level administrative units of Cao Bằng (province code 04): the 161
//! units in force until 30 June 2025, each with the new unit(s) it became part
//! of, and the 56 units in force since 1 July 2025.
//!
//! A code does not identify a unit on its own, because the GSO gave reused old
//! codes to new units. `01273` was Phường Hợp Giang until 30 June 2025 and is
//! Phường Thục Phán from 1 July 2025. Always look a unit up by code *and*
//! date (`admin_unit`).

use std::sync::LazyLock;

use chrono::NaiveDate;
use serde::Deserialize;

use super::{csv_rows, is_digits};

const CURRENT_CSV: &str = include_str!("../../refdata/cao-bang-communes-2025-07-01.csv");
const BEFORE_CSV: &str = include_str!("../../refdata/cao-bang-communes-before-2025-07-01.csv");

/// Both files hold this province only. A row for another province means a
/// wrong file was dropped in, so the loader rejects it.
const PROVINCE_CODE: &str = "04";

/// Old units first, then new ones, so `admin_unit_any_period` returns a
/// code's units in chronological order.
static ADMIN_UNITS: LazyLock<Vec<AdminUnit>> = LazyLock::new(|| {
    parse_units(BEFORE_CSV, CURRENT_CSV)
        .into_iter()
        .filter_map(Result::ok)
        .collect()
});

/// Type of a commune-level unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum UnitKind {
    /// phường (urban ward)
    Ward,
    /// xã (rural commune)
    Commune,
    /// thị trấn (township). Abolished with the district level on 1 July 2025,
    /// so only old units have this kind.
    Township,
    /// đặc khu (special zone). Cao Bằng has none, but the kind exists
    /// nationally since the 2025 reform.
    SpecialZone,
}

impl UnitKind {
    /// Stable machine code, as used in the `kind` column of the data file:
    /// `"phuong"`, `"xa"`, `"thi_tran"` or `"dac_khu"`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ward => "phuong",
            Self::Commune => "xa",
            Self::Township => "thi_tran",
            Self::SpecialZone => "dac_khu",
        }
    }

    /// Inverse of [`UnitKind::as_str`].
    #[must_use]
    pub fn parse(code: &str) -> Option<Self> {
        [Self::Ward, Self::Commune, Self::Township, Self::SpecialZone]
            .into_iter()
            .find(|k| k.as_str() == code)
    }

    /// Kind from the prefix of the official name ("Phường …", "Xã …",
    /// "Thị trấn …", "Đặc khu …"). The old-units file has no kind column, and
    /// the official name always starts with the unit type.
    fn from_name(name: &str) -> Option<Self> {
        [
            ("Phường ", Self::Ward),
            ("Xã ", Self::Commune),
            ("Thị trấn ", Self::Township),
            ("Đặc khu ", Self::SpecialZone),
        ]
        .into_iter()
        .find(|(prefix, _)| name.starts_with(prefix))
        .map(|(_, kind)| kind)
    }
}

/// Code and name of another unit, e.g. a successor.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct UnitRef {
    /// 5-digit GSO code.
    pub code: String,
    /// Official name, including the type prefix.
    pub name: String,
}

/// One commune-level unit over one validity period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdminUnit {
    /// 5-digit GSO code. It is not unique over time, see the module docs.
    pub code: String,
    /// Official name, including the type prefix ("Xã Bảo Lâm").
    pub name: String,
    /// Type of unit (phường, xã, …).
    pub kind: UnitKind,
    /// 3-digit district code. Old units only, because the district level
    /// ended on 1 July 2025.
    pub district_code: Option<String>,
    /// District name, e.g. "Huyện Bảo Lâm". Old units only.
    pub district_name: Option<String>,
    /// First day in force. `None` for old units: they were in force before
    /// the reform, and the data does not say since when.
    pub valid_from: Option<NaiveDate>,
    /// Last day in force (inclusive). `None` for units still in force.
    pub valid_to: Option<NaiveDate>,
    /// The unit(s) an old unit became part of. Several for a commune that
    /// was split. Empty for new units.
    pub successors: Vec<UnitRef>,
    /// How sure the old → new mapping is (e.g. "high"). Old units only. It is
    /// data that an administrator can correct, not law.
    pub mapping_confidence: Option<String>,
}

impl AdminUnit {
    /// True if the unit was in force on `on`. Both bounds are inclusive.
    #[must_use]
    pub fn in_force_on(&self, on: NaiveDate) -> bool {
        self.valid_from.is_none_or(|from| from <= on) && self.valid_to.is_none_or(|to| on <= to)
    }
}

/// All units of both periods: the 161 old ones, then the 56 current ones.
#[must_use]
pub fn admin_units() -> &'static [AdminUnit] {
    ADMIN_UNITS.as_slice()
}

/// The unit with `code` that was in force on `on`, if any.
///
/// The date matters because codes were reused. For a record, pass the date of
/// the event it describes (e.g. the accident date), not today's date.
#[must_use]
pub fn admin_unit(code: &str, on: NaiveDate) -> Option<&'static AdminUnit> {
    // 217 rows: a linear scan costs less than keeping a second index in sync.
    admin_units()
        .iter()
        .find(|u| u.code == code && u.in_force_on(on))
}

/// All units in force on `on` (56 from 1 July 2025, 161 before).
pub fn admin_units_in_force(on: NaiveDate) -> impl Iterator<Item = &'static AdminUnit> {
    admin_units().iter().filter(move |u| u.in_force_on(on))
}

/// Every unit that has had `code`, oldest first. Use it to explain a reused
/// code, not to resolve a record (use [`admin_unit`] with a date for that).
#[must_use]
pub fn admin_unit_any_period(code: &str) -> Vec<&'static AdminUnit> {
    admin_units().iter().filter(|u| u.code == code).collect()
}

/// A row of `cao-bang-communes-2025-07-01.csv`.
#[derive(Deserialize)]
struct CurrentRow {
    code: String,
    name: String,
    kind: String,
    province_code: String,
    valid_from: NaiveDate,
}

impl CurrentRow {
    fn into_unit(self) -> Result<AdminUnit, String> {
        check_code_and_province(&self.code, &self.province_code)?;
        let kind = UnitKind::parse(&self.kind)
            .ok_or_else(|| format!("unit {}: unknown kind {:?}", self.code, self.kind))?;
        Ok(AdminUnit {
            code: self.code,
            name: self.name,
            kind,
            district_code: None,
            district_name: None,
            valid_from: Some(self.valid_from),
            valid_to: None,
            successors: Vec::new(),
            mapping_confidence: None,
        })
    }
}

/// A row of `cao-bang-communes-before-2025-07-01.csv`.
#[derive(Deserialize)]
struct BeforeRow {
    code: String,
    name: String,
    district_code: String,
    district_name: String,
    province_code: String,
    valid_to: NaiveDate,
    successor_codes: String,
    successor_names: String,
    mapping_confidence: String,
}

impl BeforeRow {
    fn into_unit(self) -> Result<AdminUnit, String> {
        check_code_and_province(&self.code, &self.province_code)?;
        if !is_digits(&self.district_code, 3) {
            return Err(format!("unit {}: malformed district code", self.code));
        }
        let kind = UnitKind::from_name(&self.name)
            .ok_or_else(|| format!("unit {}: no type prefix in {:?}", self.code, self.name))?;
        let codes = split_list(&self.successor_codes);
        let names = split_list(&self.successor_names);
        // Codes and names are parallel lists. A length mismatch means that we
        // cannot tell which name goes with which code, so the row is rejected
        // instead of guessed.
        if codes.len() != names.len() {
            return Err(format!(
                "unit {}: {} successor codes but {} successor names",
                self.code,
                codes.len(),
                names.len()
            ));
        }
        if let Some(bad) = codes.iter().find(|c| !is_digits(c, 5)) {
            return Err(format!(
                "unit {}: malformed successor code {bad:?}",
                self.code
            ));
        }
        let successors = codes
            .into_iter()
            .zip(names)
            .map(|(code, name)| UnitRef {
                code: code.to_owned(),
                name: name.to_owned(),
            })
            .collect();
        let confidence = self.mapping_confidence.trim();
        Ok(AdminUnit {
            kind,
            district_code: Some(self.district_code),
            district_name: Some(self.district_name),
            valid_from: None,
            valid_to: Some(self.valid_to),
            successors,
            mapping_confidence: (!confidence.is_empty()).then(|| confidence.to_owned()),
            code: self.code,
            name: self.name,
        })
    }
}

fn check_code_and_province(code: &str, province_code: &str) -> Result<(), String> {
    if !is_digits(code, 5) {
        return Err(format!("malformed unit code {code:?}"));
    }
    if province_code != PROVINCE_CODE {
        return Err(format!(
            "unit {code}: province {province_code:?}, expected {PROVINCE_CODE}"
        ));
    }
    Ok(())
}

/// Splits a multi-valued cell. The source dataset uses `;`, and `|` is also
/// accepted so that an administrator's hand edit in either style still loads.
fn split_list(cell: &str) -> Vec<&str> {
    cell.split([';', '|'])
        .map(str::trim)
        .filter(|part| !part.is_empty())
        .collect()
}

/// Parses both files, one `Result` per data row: old units first, then new.
fn parse_units(before_csv: &str, current_csv: &str) -> Vec<Result<AdminUnit, String>> {
    let old = csv_rows::<BeforeRow>(before_csv)
        .into_iter()
        .map(|row| row.and_then(BeforeRow::into_unit));
    let new = csv_rows::<CurrentRow>(current_csv)
        .into_iter()
        .map(|row| row.and_then(CurrentRow::into_unit));
    old.chain(new).collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn reform_eve() -> NaiveDate {
        date(2025, 6, 30)
    }

    fn reform_day() -> NaiveDate {
        date(2025, 7, 1)
    }

    const BEFORE_HEADER: &str = "code,name,district_code,district_name,province_code,valid_to,successor_codes,successor_names,mapping_confidence\n";
    const CURRENT_HEADER: &str = "code,name,kind,province_code,valid_from\n";

    #[test]
    fn every_compiled_in_row_parses() {
        let rows = parse_units(BEFORE_CSV, CURRENT_CSV);
        let errors: Vec<&String> = rows.iter().filter_map(|r| r.as_ref().err()).collect();
        assert!(errors.is_empty(), "malformed rows: {errors:?}");
        assert_eq!(rows.len(), 217);
    }

    #[test]
    fn counts_per_period() {
        assert_eq!(admin_units().len(), 217);
        assert_eq!(admin_units_in_force(reform_day()).count(), 56);
        assert_eq!(admin_units_in_force(reform_eve()).count(), 161);
        // Open-ended bounds: old units have no start, new ones no end.
        assert_eq!(admin_units_in_force(date(2000, 1, 1)).count(), 161);
        assert_eq!(admin_units_in_force(date(2100, 1, 1)).count(), 56);
    }

    #[test]
    fn kinds_per_period() {
        let count = |on, kind| admin_units_in_force(on).filter(|u| u.kind == kind).count();
        assert_eq!(count(reform_day(), UnitKind::Ward), 3);
        assert_eq!(count(reform_day(), UnitKind::Commune), 53);
        assert_eq!(count(reform_day(), UnitKind::Township), 0);
        assert_eq!(count(reform_eve(), UnitKind::Ward), 8);
        assert_eq!(count(reform_eve(), UnitKind::Commune), 139);
        assert_eq!(count(reform_eve(), UnitKind::Township), 14);
    }

    #[test]
    fn kind_column_agrees_with_name_prefix() {
        for u in admin_units_in_force(reform_day()) {
            assert_eq!(UnitKind::from_name(&u.name), Some(u.kind), "{}", u.code);
        }
    }

    #[test]
    fn kind_codes_round_trip() {
        for kind in [
            UnitKind::Ward,
            UnitKind::Commune,
            UnitKind::Township,
            UnitKind::SpecialZone,
        ] {
            assert_eq!(UnitKind::parse(kind.as_str()), Some(kind));
        }
        assert_eq!(UnitKind::Township.as_str(), "thi_tran");
        assert_eq!(UnitKind::parse("huyen"), None);
    }

    #[test]
    fn reused_code_resolves_by_date() {
        let old = admin_unit("01273", reform_eve()).unwrap();
        assert_eq!(old.name, "Phường Hợp Giang");
        assert_eq!(old.valid_to, Some(reform_eve()));
        assert_eq!(old.district_code.as_deref(), Some("040"));

        let new = admin_unit("01273", reform_day()).unwrap();
        assert_eq!(new.name, "Phường Thục Phán");
        assert_eq!(new.valid_from, Some(reform_day()));
        assert_eq!(new.district_code, None);

        let all = admin_unit_any_period("01273");
        let names: Vec<&str> = all.iter().map(|u| u.name.as_str()).collect();
        assert_eq!(names, ["Phường Hợp Giang", "Phường Thục Phán"]);
    }

    #[test]
    fn unknown_code_finds_nothing() {
        assert_eq!(admin_unit("99999", reform_day()), None);
        assert!(admin_unit_any_period("99999").is_empty());
        // An old-only code is gone after the reform.
        assert_eq!(admin_unit("01267", reform_day()), None);
        assert!(admin_unit("01267", reform_eve()).is_some());
    }

    #[test]
    fn successors_of_an_old_unit() {
        let song_hien = admin_unit("01267", reform_eve()).unwrap();
        assert_eq!(song_hien.name, "Phường Sông Hiến");
        assert_eq!(
            song_hien.successors,
            [UnitRef {
                code: "01273".to_owned(),
                name: "Phường Thục Phán".to_owned(),
            }]
        );
        assert_eq!(song_hien.mapping_confidence.as_deref(), Some("high"));

        // Thục Phán is a merger of five old units.
        let merged = admin_units_in_force(reform_eve())
            .filter(|u| u.successors.iter().any(|s| s.code == "01273"))
            .count();
        assert_eq!(merged, 5);
    }

    #[test]
    fn every_successor_is_a_current_unit_with_that_name() {
        for old in admin_units_in_force(reform_eve()) {
            assert!(!old.successors.is_empty(), "{} has no successor", old.code);
            for s in &old.successors {
                let new = admin_unit(&s.code, reform_day())
                    .unwrap_or_else(|| panic!("{} → unknown {}", old.code, s.code));
                assert_eq!(new.name, s.name, "{} → {}", old.code, s.code);
            }
        }
    }

    #[test]
    fn every_current_unit_has_a_predecessor() {
        for new in admin_units_in_force(reform_day()) {
            let has_predecessor = admin_units_in_force(reform_eve())
                .any(|old| old.successors.iter().any(|s| s.code == new.code));
            assert!(has_predecessor, "{} has no predecessor", new.code);
        }
    }

    #[test]
    fn codes_are_unique_within_a_period() {
        for on in [reform_eve(), reform_day()] {
            let mut codes: Vec<&str> = admin_units_in_force(on).map(|u| u.code.as_str()).collect();
            let n = codes.len();
            codes.sort_unstable();
            codes.dedup();
            assert_eq!(codes.len(), n, "duplicate code on {on}");
        }
    }

    #[test]
    fn split_commune_has_several_successors() {
        let before = format!(
            "{BEFORE_HEADER}01999,Xã Thử,040,Thành phố Cao Bằng,04,2025-06-30,01273; 01279,Phường Thục Phán|Phường Nùng Trí Cao,medium\n"
        );
        let rows = parse_units(&before, CURRENT_HEADER);
        let unit = rows.into_iter().next().unwrap().unwrap();
        let codes: Vec<&str> = unit.successors.iter().map(|s| s.code.as_str()).collect();
        let names: Vec<&str> = unit.successors.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(codes, ["01273", "01279"]);
        assert_eq!(names, ["Phường Thục Phán", "Phường Nùng Trí Cao"]);
        assert_eq!(unit.kind, UnitKind::Commune);
    }

    #[test]
    fn malformed_rows_are_errors_not_panics() {
        let before = format!(
            "{BEFORE_HEADER}\
             01998,Xã Thử,040,X,04,2025-06-30,01273;01279,Phường Thục Phán,high\n\
             01997,Làng Thử,040,X,04,2025-06-30,01273,Phường Thục Phán,high\n\
             01996,Xã Thử,040,X,05,2025-06-30,01273,Phường Thục Phán,high\n\
             1995,Xã Thử,040,X,04,2025-06-30,01273,Phường Thục Phán,high\n\
             01994,Xã Thử,040,X,04,30/06/2025,01273,Phường Thục Phán,high\n"
        );
        let current = format!("{CURRENT_HEADER}01273,Phường Thục Phán,huyen,04,2025-07-01\n");
        let rows = parse_units(&before, &current);
        assert_eq!(rows.len(), 6);
        assert!(rows.iter().all(Result::is_err), "{rows:?}");
    }
}
