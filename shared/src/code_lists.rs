//! Code lists (danh mục) as the services serve them at `/api/v1/code-lists`, and the
//! labels of the codes that statistics rows are grouped by. The lists come from the
//! reference data in `shared/refdata/` (sources in `shared/refdata/SOURCES.md`);
//! a service adds its own (factor groups, agencies) in the same shape.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::refdata;

/// One entry of a code list.
#[derive(Clone, Debug, Default, Serialize, Deserialize, ToSchema)]
pub struct CodeListItem {
    pub code: String,
    /// Vietnamese name (tên).
    pub name: String,
    /// English name; absent for proper names (administrative units, agencies).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name_en: Option<String>,
    /// Kind of administrative unit (`phuong`, `xa`, `thi_tran`, `dac_khu`), of agency,
    /// or the group of a cause (`employer`, `worker`, `other`) or disease (I–VI).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// First day in force; absent when in force since before the 2025 reform.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub valid_from: Option<NaiveDate>,
    /// Last day in force; absent while in force.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub valid_to: Option<NaiveDate>,
    /// Former district (huyện) of a pre-2025 commune.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub district_name: Option<String>,
    /// Units (or agencies) this one became part of.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub successor_codes: Vec<String>,
    /// For VSIC sections: the 2-digit divisions covered, e.g. `01-03`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub divisions: Option<String>,
}

/// A code list with its source.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct CodeList {
    pub name: String,
    /// Where the list comes from.
    pub source: String,
    /// Whether the list was checked against an official text; unverified lists may change.
    pub verified: bool,
    pub items: Vec<CodeListItem>,
}

/// A code list and the request fields that take its codes.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct CodeListSummary {
    pub name: String,
    pub title: String,
    pub title_en: String,
    /// The fields (JSON pointers into request bodies, or `?query` parameters) whose
    /// values are codes of this list.
    pub fields: Vec<String>,
    pub verified: bool,
}

/// The code lists of a service.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct CodeListNames {
    #[schema(example = json!(["communes", "ownership-types", "vsic-sections"]))]
    pub names: Vec<String>,
    pub lists: Vec<CodeListSummary>,
}

/// The shared lists, by name; `valid_on` filters communes to those in force that day.
#[must_use]
pub fn shared_list(name: &str, valid_on: Option<NaiveDate>) -> Option<CodeList> {
    Some(match name {
        "communes" => CodeList {
            name: "communes".into(),
            source: "GSO unit codes (Công văn 1027/CTK-CSCL) after Nghị quyết 1657/NQ-UBTVQH15; public dataset dvhcvn/20250701".into(),
            verified: true,
            items: refdata::admin_units()
                .iter()
                .filter(|u| valid_on.is_none_or(|d| u.in_force_on(d)))
                .map(|u| CodeListItem {
                    code: u.code.clone(),
                    name: u.name.clone(),
                    kind: Some(u.kind.as_str().to_owned()),
                    valid_from: u.valid_from,
                    valid_to: u.valid_to,
                    district_name: u.district_name.clone(),
                    successor_codes: u.successors.iter().map(|s| s.code.clone()).collect(),
                    ..CodeListItem::default()
                })
                .collect(),
        },
        "vsic-sections" => CodeList {
            name: "vsic-sections".into(),
            source: "VSIC 2018, Quyết định 27/2018/QĐ-TTg".into(),
            verified: true,
            items: refdata::vsic_sections()
                .iter()
                .map(|s| CodeListItem {
                    code: s.code.clone(),
                    name: s.name_vi.clone(),
                    name_en: Some(s.name_en.clone()),
                    divisions: Some(format!("{:02}-{:02}", s.divisions_from, s.divisions_to)),
                    ..CodeListItem::default()
                })
                .collect(),
        },
        "ownership-types" => CodeList {
            name: "ownership-types".into(),
            source: "Working enumeration from the Ministry's annual reports; not verified against the official annex".into(),
            verified: false,
            items: refdata::ownership_types()
                .iter()
                .map(|t| item(&t.code, &t.name_vi, &t.name_en, None))
                .collect(),
        },
        "occupational-diseases" => CodeList {
            name: "occupational-diseases".into(),
            source: "TT 15/2016/TT-BYT as amended by TT 02/2023/TT-BYT, in annex order (codes BNN-01 … are the suite's own)".into(),
            verified: false,
            items: refdata::occupational_diseases()
                .iter()
                .map(|d| item(&d.code, &d.name_vi, &d.name_en, Some(&d.group)))
                .collect(),
        },
        "accident-causes" => CodeList {
            name: "accident-causes".into(),
            source: "Causes 1–9 of the employer's report (Phụ lục XII, Nghị định 39/2016/NĐ-CP), from third-party implementations; not verified against the official annex".into(),
            verified: false,
            items: refdata::accident_causes()
                .iter()
                .map(|c| item(&c.code, &c.name_vi, &c.name_en, Some(&c.group)))
                .collect(),
        },
        "injury-factors" => CodeList {
            name: "injury-factors".into(),
            source: "Main injury-causing factors 01–09 of Phụ lục IV, Thông tư 13/2020/TT-BLĐTBXH, from third-party code lists; not verified against the annex, later codes not listed".into(),
            verified: false,
            items: refdata::injury_factors()
                .iter()
                .map(|f| item(&f.code, &f.name_vi, &f.name_en, None))
                .collect(),
        },
        _ => return None,
    })
}

fn item(code: &str, vi: &str, en: &str, kind: Option<&str>) -> CodeListItem {
    CodeListItem {
        code: code.to_owned(),
        name: vi.to_owned(),
        name_en: Some(en.to_owned()),
        kind: kind.map(str::to_owned),
        ..CodeListItem::default()
    }
}

/// A summary line for `/code-lists`.
#[must_use]
pub fn summary(
    name: &str,
    title: &str,
    title_en: &str,
    fields: &[&str],
    verified: bool,
) -> CodeListSummary {
    CodeListSummary {
        name: name.to_owned(),
        title: title.to_owned(),
        title_en: title_en.to_owned(),
        fields: fields.iter().map(|f| (*f).to_owned()).collect(),
        verified,
    }
}

/// The label of a statistics row, in Vietnamese and English.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Label {
    pub vi: String,
    pub en: String,
}

impl Label {
    #[must_use]
    pub fn new(vi: impl Into<String>, en: impl Into<String>) -> Label {
        Label {
            vi: vi.into(),
            en: en.into(),
        }
    }

    /// The total row.
    #[must_use]
    pub fn total() -> Label {
        Label::new("Tổng cộng", "Total")
    }

    /// The group of records with no value for the dimension (`unknown`).
    #[must_use]
    pub fn unknown() -> Label {
        Label::new("Không xác định", "Not stated")
    }

    /// A code that the list does not have (a free-format field, or a list that
    /// changed): still labelled, never `null`.
    #[must_use]
    pub fn not_listed(code: &str) -> Label {
        Label::new(
            format!("Mã {code} (không có trong danh mục)"),
            format!("Code {code} (not in the list)"),
        )
    }

    /// A month key `YYYY-MM`.
    #[must_use]
    pub fn month(key: &str) -> Label {
        const MONTHS: [&str; 12] = [
            "January",
            "February",
            "March",
            "April",
            "May",
            "June",
            "July",
            "August",
            "September",
            "October",
            "November",
            "December",
        ];
        let parsed = key.split_once('-').and_then(|(y, m)| {
            let m: usize = m.parse().ok()?;
            Some((y, m, *MONTHS.get(m.checked_sub(1)?)?))
        });
        match parsed {
            Some((y, m, name)) => Label::new(format!("Tháng {m}/{y}"), format!("{name} {y}")),
            None => Label::not_listed(key),
        }
    }
}

/// The shared lists a statistics dimension can be labelled from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dimension {
    Commune,
    VsicSection,
    OwnershipType,
    OccupationalDisease,
    AccidentCause,
    InjuryFactor,
}

/// The label of `code` in `dimension`; a commune code is read as the unit in force
/// on `on` (codes were reused in 2025), else the latest unit with that code.
#[must_use]
pub fn label(dimension: Dimension, code: &str, on: NaiveDate) -> Label {
    if code == "unknown" {
        return Label::unknown();
    }
    let found =
        match dimension {
            Dimension::Commune => refdata::admin_unit(code, on)
                .or_else(|| refdata::admin_unit_any_period(code).last().copied())
                .map(|u| Label::new(u.name.clone(), u.name.clone())),
            Dimension::VsicSection => refdata::vsic_section(code)
                .map(|s| Label::new(s.name_vi.clone(), s.name_en.clone())),
            Dimension::OwnershipType => refdata::ownership_type(code)
                .map(|t| Label::new(t.name_vi.clone(), t.name_en.clone())),
            Dimension::OccupationalDisease => refdata::occupational_disease(code)
                .map(|d| Label::new(d.name_vi.clone(), d.name_en.clone())),
            Dimension::AccidentCause => refdata::accident_cause(code)
                .map(|c| Label::new(c.name_vi.clone(), c.name_en.clone())),
            Dimension::InjuryFactor => refdata::injury_factor(code)
                .map(|f| Label::new(f.name_vi.clone(), f.name_en.clone())),
        };
    found.unwrap_or_else(|| Label::not_listed(code))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn every_code_gets_a_label() {
        let day = NaiveDate::from_ymd_opt(2025, 3, 1).unwrap();
        assert_eq!(
            label(Dimension::AccidentCause, "4", day).en,
            "No or insufficient OSH training"
        );
        assert_eq!(
            label(Dimension::InjuryFactor, "07", day).vi,
            "Vật rơi, đổ, sập"
        );
        assert_eq!(
            label(Dimension::InjuryFactor, "12", day).en,
            "Code 12 (not in the list)"
        );
        assert_eq!(label(Dimension::Commune, "unknown", day), Label::unknown());
        // 01273 was Phường Hợp Giang until 30 June 2025.
        assert_eq!(
            label(Dimension::Commune, "01273", day).vi,
            "Phường Hợp Giang"
        );
        assert_eq!(Label::month("2025-07").vi, "Tháng 7/2025");
        assert_eq!(Label::month("2025-07").en, "July 2025");
        assert_eq!(
            Label::month("2025-13").vi,
            "Mã 2025-13 (không có trong danh mục)"
        );
    }

    #[test]
    fn the_shared_lists_are_served_in_full() {
        for (name, len) in [
            ("accident-causes", 9),
            ("injury-factors", 9),
            ("occupational-diseases", 35),
            ("ownership-types", 8),
            ("vsic-sections", 21),
        ] {
            let list = shared_list(name, None).unwrap();
            assert_eq!(list.items.len(), len, "{name}");
            assert!(list.items.iter().all(|i| i.name_en.is_some()), "{name}");
        }
        assert!(shared_list("nothing", None).is_none());
    }
}
