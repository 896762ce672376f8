//! Periodic accident reports (báo cáo định kỳ tình hình TNLĐ, docs/domain.md, "Periodic accident reports"): the
//! employer's Phụ lục XII report and the commune's report on workers without a
//! labour contract, for a half-year or a year; when each is due, and the checks.
//!
//! Due dates come from `data/report-calendar.csv`, not from code: the commune dates
//! after the 2025 reform are not verified. "Before 5 July" means a report received
//! on 5 July (Viet Nam time) is late.

use std::sync::LazyLock;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use shared::calendar::DueCalendar;
use shared::error::{FieldError, Text};
use shared::period::Period;
use utoipa::ToSchema;

/// Who reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReportKind {
    /// An employer, for its establishment (Phụ lục XII, ND 39).
    Employer,
    /// A commune, for workers without a labour contract.
    Commune,
}

impl ReportKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ReportKind::Employer => "employer",
            ReportKind::Commune => "commune",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [ReportKind::Employer, ReportKind::Commune]
            .into_iter()
            .find(|k| k.as_str() == s)
    }
}

static CALENDAR: LazyLock<DueCalendar> =
    LazyLock::new(|| DueCalendar::parse(include_str!("../../data/report-calendar.csv")));

pub use shared::calendar::{is_reporting_period, on_time};

/// The first day on which a report is late, or `None` when the calendar has no rule.
pub fn due_date(kind: ReportKind, period: Period) -> Option<NaiveDate> {
    calendar_due_date(kind.as_str(), period)
}

/// The first day on which the calendar's `report` (`employer`, `commune`, `province`)
/// for `period` is late.
pub fn calendar_due_date(report: &str, period: Period) -> Option<NaiveDate> {
    CALENDAR.due_date(report, period)
}

/// The counts of one row of section I (Phụ lục XII).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReportCounts {
    /// Cases (số vụ).
    pub cases: u32,
    /// Cases with a death.
    pub cases_fatal: u32,
    /// Cases with two or more casualties.
    pub cases_multi: u32,
    /// Casualties (số người bị nạn).
    pub casualties: u32,
    /// Casualties not under the employer's management (không thuộc quyền quản lý).
    #[serde(default)]
    pub casualties_not_managed: u32,
    /// Female casualties.
    pub female: u32,
    /// Deaths.
    pub fatal: u32,
    /// Seriously injured.
    pub serious: u32,
}

/// A breakdown row: a code and its counts.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BreakdownRow {
    /// A cause (1–9), injury factor or occupation code.
    pub code: String,
    pub counts: ReportCounts,
}

/// Section II: damage.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Damage {
    /// Days off (tổng số ngày nghỉ vì TNLĐ).
    pub days_off: u64,
    /// Medical costs, thousand VND (chi phí y tế). The unit is in every money
    /// field's name; the names without it are still read from older filings.
    #[serde(rename = "cost_medical_thousand_vnd", alias = "cost_medical")]
    pub cost_medical: u64,
    /// Wages paid during treatment, thousand VND.
    #[serde(rename = "cost_wages_thousand_vnd", alias = "cost_wages")]
    pub cost_wages: u64,
    /// Compensation and allowances, thousand VND.
    #[serde(rename = "cost_compensation_thousand_vnd", alias = "cost_compensation")]
    pub cost_compensation: u64,
    /// Property damage, thousand VND (thiệt hại tài sản).
    #[serde(
        default,
        rename = "property_damage_thousand_vnd",
        alias = "property_damage"
    )]
    pub property_damage: u64,
}

/// The figures of a report; a nil report has none.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReportFigures {
    pub totals: ReportCounts,
    #[serde(default)]
    pub by_cause: Vec<BreakdownRow>,
    #[serde(default)]
    pub by_injury_factor: Vec<BreakdownRow>,
    #[serde(default)]
    pub by_occupation: Vec<BreakdownRow>,
    #[serde(default)]
    pub damage: Damage,
}

type Field = (&'static str, fn(&ReportCounts) -> u32);

const FIELDS: [Field; 8] = [
    ("cases", |c| c.cases),
    ("cases_fatal", |c| c.cases_fatal),
    ("cases_multi", |c| c.cases_multi),
    ("casualties", |c| c.casualties),
    ("casualties_not_managed", |c| c.casualties_not_managed),
    ("female", |c| c.female),
    ("fatal", |c| c.fatal),
    ("serious", |c| c.serious),
];

fn row_rules(counts: &ReportCounts, pointer: &str, errors: &mut Vec<FieldError>) {
    let mut broken = |field: &str, vi: &str, en: &str| {
        errors.push(FieldError::body(
            format!("{pointer}/{field}"),
            "inconsistent_counts",
            Text::new(vi.to_owned(), en.to_owned()),
        ));
    };
    if counts.cases_fatal > counts.cases || counts.cases_multi > counts.cases {
        broken(
            "cases",
            "Số vụ phải không nhỏ hơn số vụ có người chết và số vụ có từ 2 người bị nạn.",
            "cases must be at least cases_fatal and cases_multi.",
        );
    }
    if counts.casualties < counts.cases {
        broken(
            "casualties",
            "Mỗi vụ có ít nhất một người bị nạn.",
            "Each case has at least one casualty.",
        );
    }
    if counts.fatal + counts.serious > counts.casualties {
        broken(
            "casualties",
            "Số người chết và bị thương nặng vượt quá số người bị nạn.",
            "fatal plus serious exceed casualties.",
        );
    }
    if counts.female > counts.casualties || counts.casualties_not_managed > counts.casualties {
        broken(
            "casualties",
            "Số lao động nữ hoặc không thuộc quyền quản lý vượt quá số người bị nạn.",
            "female or not-managed casualties exceed casualties.",
        );
    }
    if counts.cases_fatal > counts.fatal {
        broken(
            "fatal",
            "Số vụ có người chết lớn hơn số người chết.",
            "More fatal cases than deaths.",
        );
    }
}

/// The checks that refuse a report: each row consistent, every breakdown adding up
/// to the totals, and a nil report holding no figures.
pub fn validate(nil_report: bool, figures: Option<&ReportFigures>) -> Vec<FieldError> {
    let mut errors = Vec::new();
    let Some(f) = figures else {
        if !nil_report {
            errors.push(FieldError::body(
                "/figures",
                "figures_required",
                Text::new(
                    "Cần số liệu báo cáo, hoặc khai báo báo cáo không có tai nạn (nil_report).",
                    "Send the figures, or declare a nil report.",
                ),
            ));
        }
        return errors;
    };
    if nil_report {
        errors.push(FieldError::body(
            "/figures",
            "nil_report_with_figures",
            Text::new(
                "Báo cáo không có tai nạn thì không kèm số liệu.",
                "A nil report carries no figures.",
            ),
        ));
        return errors;
    }
    row_rules(&f.totals, "/figures/totals", &mut errors);
    for (name, rows) in [
        ("by_cause", &f.by_cause),
        ("by_injury_factor", &f.by_injury_factor),
        ("by_occupation", &f.by_occupation),
    ] {
        if rows.is_empty() {
            continue;
        }
        for (i, row) in rows.iter().enumerate() {
            let pointer = format!("/figures/{name}/{i}");
            if row.code.trim().is_empty() || row.code.len() > 10 {
                errors.push(FieldError::body(
                    format!("{pointer}/code"),
                    "invalid_code",
                    Text::new("Mã không hợp lệ.", "Invalid code."),
                ));
            }
            row_rules(&row.counts, &pointer, &mut errors);
        }
        for (field, get) in FIELDS {
            let sum: u64 = rows.iter().map(|r| u64::from(get(&r.counts))).sum();
            let total = u64::from(get(&f.totals));
            if sum != total {
                errors.push(FieldError::body(
                    format!("/figures/{name}"),
                    "breakdown_does_not_add_up",
                    Text::new(
                        format!("Tổng cột {field} của các dòng {name} là {sum}, khác dòng tổng ({total})."),
                        format!("The {name} rows add up to {sum} {field}, not the total of {total}."),
                    ),
                ));
            }
        }
    }
    errors
}

/// What the accidents declared for the same reporter and period add up to.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Declared {
    pub cases: u32,
    pub casualties: u32,
    pub fatal: u32,
}

/// Warnings, not errors: the report and the declarations may differ for good reasons
/// (an accident declared late, or elsewhere), but someone should look.
pub fn compare_with_declarations(
    nil_report: bool,
    figures: Option<&ReportFigures>,
    declared: Declared,
) -> Vec<FieldError> {
    let reported = figures
        .map(|f| f.totals)
        .filter(|_| !nil_report)
        .unwrap_or_default();
    [
        ("cases", reported.cases, declared.cases),
        ("casualties", reported.casualties, declared.casualties),
        ("fatal", reported.fatal, declared.fatal),
    ]
    .into_iter()
    .filter(|(_, r, d)| r != d)
    .map(|(field, r, d)| {
        let pointer = if nil_report {
            "/nil_report".to_owned()
        } else {
            format!("/figures/totals/{field}")
        };
        FieldError::body(
            pointer,
            "differs_from_declarations",
            Text::new(
                format!("Báo cáo ghi {r} ({field}) nhưng các vụ đã khai báo trong kỳ có {d}."),
                format!(
                    "The report says {r} {field}; the accidents declared for the period have {d}."
                ),
            ),
        )
    })
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counts(cases: u32, casualties: u32, fatal: u32) -> ReportCounts {
        ReportCounts {
            cases,
            casualties,
            fatal,
            cases_fatal: fatal.min(cases),
            ..ReportCounts::default()
        }
    }

    #[test]
    fn due_dates_come_from_the_calendar() {
        assert_eq!(
            CALENDAR.len(),
            6,
            "every row of data/report-calendar.csv parses"
        );
        assert_eq!(
            due_date(ReportKind::Employer, Period::Half(2025, 1)),
            NaiveDate::from_ymd_opt(2025, 7, 5)
        );
        assert_eq!(
            due_date(ReportKind::Employer, Period::Year(2025)),
            NaiveDate::from_ymd_opt(2026, 1, 10)
        );
        assert_eq!(
            due_date(ReportKind::Commune, Period::Year(2025)),
            NaiveDate::from_ymd_opt(2026, 1, 10)
        );
        assert_eq!(
            due_date(ReportKind::Employer, Period::Half(2025, 2)),
            None,
            "no H2 report"
        );
    }

    #[test]
    fn breakdowns_must_add_up_to_the_totals() {
        let figures = ReportFigures {
            totals: counts(3, 4, 1),
            by_cause: vec![
                BreakdownRow {
                    code: "1".into(),
                    counts: counts(2, 3, 1),
                },
                BreakdownRow {
                    code: "2".into(),
                    counts: counts(1, 2, 0),
                },
            ],
            ..ReportFigures::default()
        };
        let errors = validate(false, Some(&figures));
        let found: Vec<(String, String)> = errors
            .iter()
            .map(|e| (format!("{:?}", e.location), e.code.to_string()))
            .collect();
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(
            found
                .iter()
                .all(|(p, c)| p.contains("/figures/by_cause") && c == "breakdown_does_not_add_up")
        );
        let fixed = ReportFigures {
            by_cause: vec![BreakdownRow {
                code: "1".into(),
                counts: counts(3, 4, 1),
            }],
            ..figures
        };
        assert!(validate(false, Some(&fixed)).is_empty());
    }

    #[test]
    fn rows_must_be_consistent_in_themselves() {
        let figures = ReportFigures {
            totals: counts(3, 2, 0),
            ..ReportFigures::default()
        };
        assert!(
            validate(false, Some(&figures))
                .iter()
                .any(|e| e.code == "inconsistent_counts")
        );
    }

    #[test]
    fn a_nil_report_has_no_figures_and_a_report_without_figures_is_nil() {
        assert!(validate(true, None).is_empty());
        assert_eq!(
            validate(false, None)
                .first()
                .map(|e| e.code.to_string())
                .as_deref(),
            Some("figures_required")
        );
        assert_eq!(
            validate(true, Some(&ReportFigures::default()))
                .first()
                .map(|e| e.code.to_string())
                .as_deref(),
            Some("nil_report_with_figures")
        );
    }

    #[test]
    fn differences_from_declarations_are_warnings() {
        let figures = ReportFigures {
            totals: counts(1, 1, 0),
            ..ReportFigures::default()
        };
        assert!(
            compare_with_declarations(
                false,
                Some(&figures),
                Declared {
                    cases: 1,
                    casualties: 1,
                    fatal: 0
                }
            )
            .is_empty()
        );
        let w = compare_with_declarations(
            false,
            Some(&figures),
            Declared {
                cases: 2,
                casualties: 3,
                fatal: 1,
            },
        );
        assert_eq!(w.len(), 3);
        assert!(
            compare_with_declarations(
                true,
                None,
                Declared {
                    cases: 1,
                    casualties: 1,
                    fatal: 0
                }
            )
            .iter()
            .all(|w| w.code == "differs_from_declarations")
        );
    }
}
