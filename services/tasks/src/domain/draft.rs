//! Which live figures concern which agency, as data: for Sở Y tế the occupational
//! health and monitoring statistics, for the sector departments their sector's
//! accidents, for a commune committee its accidents. Each source says where its
//! figures are (service, path, JSON pointers); the service layer fetches them.

use serde_json::{Map, Value};
use shared::period::Period;

/// The service a source's figures come from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Upstream {
    Incidents,
    HealthStats,
}

/// A figure: its name in the draft and where it is in the answer.
#[derive(Debug)]
pub struct Field {
    pub name: &'static str,
    pub pointer: &'static str,
}

const fn field(name: &'static str, pointer: &'static str) -> Field {
    Field { name, pointer }
}

/// How the figures are read from an answer.
#[derive(Debug)]
pub enum Extract {
    /// Values at JSON pointers of the answer (a number, an object of numbers, or null).
    Pointers(&'static [Field]),
    /// Values in the element of `/rows` whose `key` is `key`; a missing row means
    /// nothing was recorded for that group, so its counts are zero.
    Row {
        key: &'static str,
        fields: &'static [Field],
    },
    /// The number of `/items` under `count`, and the sum of each field over them.
    Items {
        count: &'static str,
        sums: &'static [Field],
    },
}

/// A set of figures an agency reports on, and where they come from.
#[derive(Debug)]
pub struct FigureSource {
    /// Its key in the draft's `figures`.
    pub key: &'static str,
    /// What it is, in Vietnamese.
    pub label: &'static str,
    pub upstream: Upstream,
    /// Path and fixed query; `period` (and `commune_code`) are added.
    pub path: &'static str,
    /// Whether the source only has yearly figures (it refuses `2025-H1`).
    pub yearly_only: bool,
    /// Whether the figures are those of the agency's commune.
    pub per_commune: bool,
    pub extract: Extract,
}

pub const HEALTH_STATISTICS: FigureSource = FigureSource {
    key: "health_statistics",
    label: "Khám sức khỏe định kỳ và khám phát hiện bệnh nghề nghiệp",
    upstream: Upstream::HealthStats,
    path: "/api/v1/health-statistics?",
    yearly_only: false,
    per_commune: false,
    extract: Extract::Pointers(&[
        field(
            "workers_examined_for_bnn",
            "/total/workers_examined_for_bnn",
        ),
        field("figures", "/total/figures"),
        field("bnn_exam_trend", "/bnn_exam_trend"),
    ]),
};

pub const MONITORING_STATISTICS: FigureSource = FigureSource {
    key: "monitoring_statistics",
    label: "Quan trắc môi trường lao động",
    upstream: Upstream::HealthStats,
    path: "/api/v1/monitoring-statistics?",
    yearly_only: true,
    per_commune: false,
    extract: Extract::Pointers(&[
        field(
            "establishments_monitored",
            "/total/establishments_monitored",
        ),
        field(
            "establishments_with_harmful_factors",
            "/total/establishments_with_harmful_factors",
        ),
    ]),
};

/// The accident figures of one VSIC section's row.
const SECTION_FIGURES: &[Field] = &[
    field("cases", "/figures/cases"),
    field("cases_fatal", "/figures/cases_fatal"),
    field("casualties", "/figures/casualties"),
    field("fatal", "/figures/fatal"),
    field("serious", "/figures/serious"),
];

const fn section_accidents(
    key: &'static str,
    label: &'static str,
    section: &'static str,
) -> FigureSource {
    FigureSource {
        key,
        label,
        upstream: Upstream::Incidents,
        path: "/api/v1/accident-statistics?group_by=vsic_section&",
        yearly_only: false,
        per_commune: false,
        extract: Extract::Row {
            key: section,
            fields: SECTION_FIGURES,
        },
    }
}

pub const CONSTRUCTION_ACCIDENTS: FigureSource = section_accidents(
    "construction_accidents",
    "Tai nạn lao động ngành xây dựng (VSIC F)",
    "F",
);

pub const MANUFACTURING_ACCIDENTS: FigureSource = section_accidents(
    "manufacturing_accidents",
    "Tai nạn lao động ngành công nghiệp chế biến, chế tạo (VSIC C)",
    "C",
);

pub const AGRICULTURE_ACCIDENTS: FigureSource = section_accidents(
    "agriculture_accidents",
    "Tai nạn lao động ngành nông nghiệp, lâm nghiệp và thủy sản (VSIC A)",
    "A",
);

pub const COMMUNE_ACCIDENTS: FigureSource = FigureSource {
    key: "commune_accidents",
    label: "Tai nạn lao động trên địa bàn",
    upstream: Upstream::Incidents,
    path: "/api/v1/accidents?limit=500&",
    yearly_only: false,
    per_commune: true,
    extract: Extract::Items {
        count: "accidents",
        sums: &[
            field("casualties", "/casualties"),
            field("fatal", "/fatal"),
            field("serious", "/serious"),
        ],
    },
};

/// Whom a line of the mapping concerns.
#[derive(Debug)]
pub enum Concerns {
    /// One agency, by code.
    Agency(&'static str),
    /// Every agency of a kind (`commune_committee`).
    Kind(&'static str),
}

/// The mapping: which figures concern which agencies. Every agency also gets its
/// assigned tasks.
pub const FIGURES_BY_AGENCY: &[(Concerns, &[&FigureSource])] = &[
    (
        Concerns::Agency("SYT"),
        &[&HEALTH_STATISTICS, &MONITORING_STATISTICS],
    ),
    (Concerns::Agency("SXD"), &[&CONSTRUCTION_ACCIDENTS]),
    (Concerns::Agency("SCT"), &[&MANUFACTURING_ACCIDENTS]),
    (Concerns::Agency("SNNMT"), &[&AGRICULTURE_ACCIDENTS]),
    (Concerns::Kind("commune_committee"), &[&COMMUNE_ACCIDENTS]),
];

/// The sources that concern an agency, in mapping order.
pub fn sources_for(code: &str, kind: &str) -> Vec<&'static FigureSource> {
    FIGURES_BY_AGENCY
        .iter()
        .filter(|(who, _)| match who {
            Concerns::Agency(c) => *c == code,
            Concerns::Kind(k) => *k == kind,
        })
        .flat_map(|(_, sources)| sources.iter().copied())
        .collect()
}

/// The commune of a commune committee registered as `UBND-XA-<commune code>`
/// (`UBND-XA-01273`); `None` for `UBND-XA`, all communes and wards together.
pub fn commune_code_of(agency_code: &str) -> Option<&str> {
    agency_code
        .strip_prefix("UBND-XA-")
        .filter(|c| c.len() == 5 && c.bytes().all(|b| b.is_ascii_digit()))
}

/// Whether the source has figures for `period`.
pub fn applies_to(source: &FigureSource, period: Period) -> bool {
    !source.yearly_only || matches!(period, Period::Year(_))
}

/// The source's URL under `base` for a period and, for a per-commune source, a commune.
pub fn url(base: &str, source: &FigureSource, period: Period, commune: Option<&str>) -> String {
    let mut url = format!(
        "{}{}period={period}",
        base.trim_end_matches('/'),
        source.path
    );
    if let Some(code) = commune.filter(|_| source.per_commune) {
        url.push_str("&commune_code=");
        url.push_str(code);
    }
    url
}

fn number_or_object(v: &Value) -> bool {
    v.is_number() || v.is_null() || v.is_object()
}

/// The figures of an answer; `Err` names what is missing.
pub fn extract(source: &FigureSource, body: &Value) -> Result<Map<String, Value>, String> {
    let mut out = Map::new();
    match &source.extract {
        Extract::Pointers(fields) => {
            for f in *fields {
                match body.pointer(f.pointer) {
                    Some(v) if number_or_object(v) => {
                        out.insert(f.name.to_owned(), v.clone());
                    }
                    _ => return Err(format!("no {} in the answer", f.pointer)),
                }
            }
        }
        Extract::Row { key, fields } => {
            let rows = body
                .pointer("/rows")
                .and_then(Value::as_array)
                .ok_or_else(|| "no /rows in the answer".to_owned())?;
            let row = rows
                .iter()
                .find(|r| r.get("key").and_then(Value::as_str) == Some(key));
            for f in *fields {
                let value = match row {
                    // A suppressed cell is null: kept as null, not as zero.
                    Some(r) => r.pointer(f.pointer).cloned().unwrap_or(Value::Null),
                    None => Value::from(0),
                };
                out.insert(f.name.to_owned(), value);
            }
        }
        Extract::Items { count, sums } => {
            let items = body
                .pointer("/items")
                .and_then(Value::as_array)
                .ok_or_else(|| "no /items in the answer".to_owned())?;
            out.insert((*count).to_owned(), Value::from(items.len()));
            for f in *sums {
                let total: i64 = items
                    .iter()
                    .filter_map(|i| i.pointer(f.pointer).and_then(Value::as_i64))
                    .sum();
                out.insert(f.name.to_owned(), Value::from(total));
            }
        }
    }
    Ok(out)
}

/// Whether a list answer has more pages than the one read.
pub fn is_truncated(source: &FigureSource, body: &Value) -> bool {
    matches!(source.extract, Extract::Items { .. })
        && body.pointer("/next_cursor").is_some_and(Value::is_string)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn each_agency_gets_the_figures_that_concern_it() {
        let keys = |code, kind| {
            sources_for(code, kind)
                .iter()
                .map(|s| s.key)
                .collect::<Vec<_>>()
        };
        assert_eq!(
            keys("SYT", "department"),
            ["health_statistics", "monitoring_statistics"]
        );
        assert_eq!(keys("SXD", "department"), ["construction_accidents"]);
        assert_eq!(keys("UBND-XA", "commune_committee"), ["commune_accidents"]);
        assert!(keys("BCB", "press").is_empty());
    }

    #[test]
    fn urls_carry_the_period_and_the_commune() {
        let p = Period::Half(2025, 1);
        assert_eq!(
            url("http://i/", &COMMUNE_ACCIDENTS, p, Some("01273")),
            "http://i/api/v1/accidents?limit=500&period=2025-H1&commune_code=01273"
        );
        assert_eq!(
            url("http://i", &CONSTRUCTION_ACCIDENTS, p, Some("01273")),
            "http://i/api/v1/accident-statistics?group_by=vsic_section&period=2025-H1"
        );
        assert!(!applies_to(&MONITORING_STATISTICS, p));
        assert!(applies_to(&MONITORING_STATISTICS, Period::Year(2025)));
        assert_eq!(commune_code_of("UBND-XA-01273"), Some("01273"));
        assert_eq!(commune_code_of("UBND-XA"), None);
    }

    #[test]
    fn figures_are_read_by_pointer_row_and_sum() {
        let stats = json!({"rows": [{"key": "F", "figures": {"cases": 2, "cases_fatal": 1, "casualties": 3, "fatal": 1, "serious": 2}}]});
        let f = extract(&CONSTRUCTION_ACCIDENTS, &stats).unwrap();
        assert_eq!(f["casualties"], 3);
        let none = extract(&MANUFACTURING_ACCIDENTS, &stats).unwrap();
        assert_eq!(none["fatal"], 0);
        let list = json!({"items": [{"casualties": 2, "fatal": 1, "serious": 0}, {"casualties": 1, "fatal": 0, "serious": 1}], "next_cursor": null});
        let f = extract(&COMMUNE_ACCIDENTS, &list).unwrap();
        assert_eq!(
            (f["accidents"].clone(), f["casualties"].clone()),
            (json!(2), json!(3))
        );
        assert!(!is_truncated(&COMMUNE_ACCIDENTS, &list));
        assert!(extract(&MONITORING_STATISTICS, &json!({"total": {}})).is_err());
    }
}
