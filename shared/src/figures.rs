//! One computation per published figure: percentages, changes, the two accident rates,
//! small-cell suppression, whether a period is complete, and the trend of each of the
//! plan's three indicators against its yearly target (Kế hoạch 664/KH-UBND §II,
//! `docs/integration.md` "Figures, trends and complete periods").
//!
//! Every service publishes its figures through these functions, and tasks' KPIs take
//! the trend the owning service published, so a figure has one value wherever it is
//! read.

use chrono::{Days, NaiveDate};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::period::Period;

/// Rounds to two decimals, the precision of every published rate and percentage.
#[must_use]
pub fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

#[allow(clippy::cast_precision_loss)] // counts of persons are far below 2^52
fn ratio(part: i64, whole: i64, scale: f64) -> Option<f64> {
    (whole > 0).then(|| round2(part as f64 / whole as f64 * scale))
}

/// `part / whole × 100`, two decimals; none without a whole.
#[must_use]
pub fn percent(part: i64, whole: i64) -> Option<f64> {
    ratio(part, whole, 100.0)
}

/// Frequency rate K = casualties / workers × 1,000 (domain: Tần suất TNLĐ).
#[must_use]
pub fn frequency_rate(casualties: i64, workers: i64) -> Option<f64> {
    ratio(casualties, workers, 1_000.0)
}

/// Fatal rate = deaths / workers × 100,000 (ILO, SDG 8.8.1; the plan's indicator).
#[must_use]
pub fn fatal_rate(deaths: i64, workers: i64) -> Option<f64> {
    ratio(deaths, workers, 100_000.0)
}

/// `(current − previous) / previous × 100`, two decimals. None when there is no base:
/// a zero or negative previous value (a change from nothing, or from a negative
/// count, is not a percentage), or a value that is not finite.
#[must_use]
pub fn change_percent(previous: f64, current: f64) -> Option<f64> {
    (previous > 0.0 && previous.is_finite() && current.is_finite())
        .then(|| round2((current - previous) / previous * 100.0))
}

/// Below this many persons (or establishments) a cell is hidden from `viewer`
/// callers, so nobody can be singled out.
pub const SMALL_CELL: i64 = 5;

/// Whether a cell counting `n` persons is small enough to hide (1 to 4; an empty
/// cell singles nobody out).
#[must_use]
pub fn is_small(n: i64) -> bool {
    n > 0 && n < SMALL_CELL
}

/// Whether the figures of a period are final.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Completeness {
    /// `false` while the period (or the `as_of` day asked for) has not reached its last
    /// day: the figures are partial and no target is judged on them.
    pub complete: bool,
    /// The last whole day (Viet Nam time) the figures cover: the period's last day
    /// once it is over, else the day before today (or `as_of`); `null` before the
    /// period starts.
    pub complete_through: Option<NaiveDate>,
}

/// How far `period`'s figures go, seen on `today` (Viet Nam) and, for figures as
/// they stood on a past day, `as_of`. Today itself is never a whole day.
#[must_use]
pub fn completeness(period: Period, today: NaiveDate, as_of: Option<NaiveDate>) -> Completeness {
    let yesterday = today.checked_sub_days(Days::new(1)).unwrap_or(today);
    let cutoff = as_of.map_or(yesterday, |d| d.min(yesterday));
    let last_day = period
        .end_day()
        .checked_sub_days(Days::new(1))
        .unwrap_or_else(|| period.end_day());
    Completeness {
        complete: cutoff >= last_day,
        complete_through: (cutoff >= period.first_day()).then(|| cutoff.min(last_day)),
    }
}

/// The plan's three indicators (Kế hoạch 664 §II). Their targets are here and only
/// here; tasks' plan targets (`services/tasks/seed/plan-664.json`) are checked
/// against them by a test.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Indicator {
    /// Fatal accident rate per 100,000 workers: down at least 4 % a year.
    FatalAccidentRate,
    /// Exposed workers examined for occupational disease: up at least 5 % a year.
    BnnExamWorkers,
    /// Establishments with harmful factors that are monitored: up at least 5 % a year.
    MonitoredEstablishments,
}

/// Which way an indicator should move.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    Decrease,
    Increase,
}

impl Indicator {
    pub const ALL: [Indicator; 3] = [
        Indicator::FatalAccidentRate,
        Indicator::BnnExamWorkers,
        Indicator::MonitoredEstablishments,
    ];

    /// The code tasks' plan targets use.
    #[must_use]
    pub fn code(self) -> &'static str {
        match self {
            Indicator::FatalAccidentRate => "fatal_accident_rate",
            Indicator::BnnExamWorkers => "bnn_exam_workers",
            Indicator::MonitoredEstablishments => "monitored_establishments",
        }
    }

    /// The indicator's name in Vietnamese and English.
    #[must_use]
    pub fn names(self) -> (&'static str, &'static str) {
        match self {
            Indicator::FatalAccidentRate => (
                "Tần suất tai nạn lao động chết người (trên 100.000 lao động)",
                "Fatal occupational accident rate (per 100,000 workers)",
            ),
            Indicator::BnnExamWorkers => (
                "Số người lao động được khám phát hiện bệnh nghề nghiệp",
                "Workers examined for occupational disease",
            ),
            Indicator::MonitoredEstablishments => (
                "Số cơ sở có yếu tố có hại được quan trắc môi trường lao động",
                "Establishments with harmful factors whose work environment is monitored",
            ),
        }
    }

    #[must_use]
    pub fn parse(code: &str) -> Option<Indicator> {
        Indicator::ALL.into_iter().find(|i| i.code() == code)
    }

    #[must_use]
    pub fn direction(self) -> Direction {
        match self {
            Indicator::FatalAccidentRate => Direction::Decrease,
            Indicator::BnnExamWorkers | Indicator::MonitoredEstablishments => Direction::Increase,
        }
    }

    /// The yearly change the plan asks for, signed: −4 or +5 (% a year).
    #[must_use]
    pub fn target_percent(self) -> f64 {
        match self {
            Indicator::FatalAccidentRate => -4.0,
            Indicator::BnnExamWorkers | Indicator::MonitoredEstablishments => 5.0,
        }
    }

    /// Whether a change meets the target (at the threshold it does).
    #[must_use]
    pub fn meets_target(self, change_percent: f64) -> bool {
        match self.direction() {
            Direction::Decrease => change_percent <= self.target_percent(),
            Direction::Increase => change_percent >= self.target_percent(),
        }
    }
}

/// What can be said of a trend.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Assessment {
    OnTrack,
    OffTrack,
    /// The period is not over: its figures are partial, so nothing is judged.
    PeriodInProgress,
    /// No previous value above zero to compare with.
    NoBase,
    /// The current value is unknown (no denominator, or hidden as a small cell).
    NoCurrentValue,
}

/// An indicator this period against the same period a year before, and whether its
/// change meets the plan's target. The same object in every service.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Trend {
    pub indicator: Indicator,
    pub previous_period: String,
    /// The indicator in the previous period, computed exactly as that period's own
    /// figures are (its own denominator).
    pub previous: Option<f64>,
    pub current: Option<f64>,
    /// `(current − previous) / previous × 100`, two decimals; `null` without a base.
    /// For a period in progress it compares partial figures and is not judged.
    pub change_percent: Option<f64>,
    pub direction: Direction,
    /// The plan's yearly target, signed: −4 or +5 (% a year).
    pub target_percent: f64,
    /// Whether the change meets the target; `null` unless `assessment` is
    /// `on_track` or `off_track` (never asserted for a period in progress).
    pub on_track: Option<bool>,
    pub assessment: Assessment,
    /// Whether the current period is over (see `complete_through`).
    pub complete: bool,
    pub complete_through: Option<NaiveDate>,
}

/// The trend of `indicator` from `previous` to `current`, judged only when the
/// current period is complete.
#[must_use]
pub fn trend(
    indicator: Indicator,
    period: Period,
    previous: Option<f64>,
    current: Option<f64>,
    completeness: Completeness,
) -> Trend {
    let change = previous
        .zip(current)
        .and_then(|(p, c)| change_percent(p, c));
    let assessment = match (current, change) {
        (None, _) => Assessment::NoCurrentValue,
        (Some(_), None) => Assessment::NoBase,
        (Some(_), Some(_)) if !completeness.complete => Assessment::PeriodInProgress,
        (Some(_), Some(c)) if indicator.meets_target(c) => Assessment::OnTrack,
        (Some(_), Some(_)) => Assessment::OffTrack,
    };
    Trend {
        indicator,
        previous_period: period.previous_year().to_string(),
        previous,
        current,
        change_percent: change,
        direction: indicator.direction(),
        target_percent: indicator.target_percent(),
        on_track: match assessment {
            Assessment::OnTrack => Some(true),
            Assessment::OffTrack => Some(false),
            _ => None,
        },
        assessment,
        complete: completeness.complete,
        complete_through: completeness.complete_through,
    }
}

/// Who filed for a period among those expected to, the same object in every service
/// (incidents' periodic accident reports, tasks' plan reports).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ComplianceSummary {
    /// Reporters expected to file for the period.
    pub expected: usize,
    pub on_time: usize,
    pub late: usize,
    /// Due and not received.
    pub missing: usize,
    /// Returned for correction and not yet filed again (only plan reports are ever
    /// returned; 0 elsewhere).
    pub returned: usize,
    /// Not received, not yet due.
    pub not_yet_due: usize,
    /// On time / expected, in percent.
    pub on_time_percent: Option<f64>,
    /// Filed (on time, late or returned) / expected, in percent.
    pub filed_percent: Option<f64>,
}

impl ComplianceSummary {
    /// The summary of the expected reporters, each counted under one status.
    #[must_use]
    pub fn new(
        on_time: usize,
        late: usize,
        returned: usize,
        missing: usize,
        not_yet_due: usize,
    ) -> Self {
        let expected = on_time + late + returned + missing + not_yet_due;
        let number = |n: usize| i64::try_from(n).unwrap_or(i64::MAX);
        ComplianceSummary {
            expected,
            on_time,
            late,
            missing,
            returned,
            not_yet_due,
            on_time_percent: percent(number(on_time), number(expected)),
            filed_percent: percent(number(on_time + late + returned), number(expected)),
        }
    }
}

/// A count as a trend value.
#[must_use]
#[allow(clippy::cast_precision_loss)] // counts are far below 2^52
pub fn count(n: i64) -> f64 {
    n as f64
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn rates_follow_the_ministry_formulas() {
        assert_eq!(frequency_rate(3, 1_500), Some(2.0));
        assert_eq!(fatal_rate(1, 40_000), Some(2.5));
        assert_eq!(fatal_rate(1, 0), None);
        assert_eq!(fatal_rate(1, -5), None);
        assert_eq!(percent(90, 120), Some(75.0));
        assert_eq!(percent(1, 3), Some(33.33));
    }

    #[test]
    fn a_change_needs_a_positive_base() {
        assert_eq!(change_percent(2.5, 2.4), Some(-4.0));
        assert_eq!(change_percent(3.0, 1.0), Some(-66.67));
        assert_eq!(change_percent(0.0, 1.0), None);
        assert_eq!(change_percent(-2.0, 1.0), None);
        assert_eq!(change_percent(f64::NAN, 1.0), None);
    }

    #[test]
    fn small_cells_are_one_to_four() {
        assert!(is_small(1) && is_small(4));
        assert!(!is_small(0) && !is_small(5));
    }

    #[test]
    fn a_period_is_complete_the_day_after_its_last_day() {
        let y = Period::Year(2025);
        assert_eq!(
            completeness(y, day(2025, 12, 31), None),
            Completeness {
                complete: false,
                complete_through: Some(day(2025, 12, 30))
            }
        );
        assert_eq!(
            completeness(y, day(2026, 1, 1), None),
            Completeness {
                complete: true,
                complete_through: Some(day(2025, 12, 31))
            }
        );
        // Not started yet, or started today: no whole day.
        assert_eq!(
            completeness(Period::Half(2026, 2), day(2026, 7, 1), None).complete_through,
            None
        );
        // Figures as they stood mid-year are partial even when the year is over.
        let pinned = completeness(y, day(2026, 3, 1), Some(day(2025, 6, 30)));
        assert!(!pinned.complete);
        assert_eq!(pinned.complete_through, Some(day(2025, 6, 30)));
        assert!(
            completeness(
                Period::Half(2025, 1),
                day(2026, 3, 1),
                Some(day(2025, 6, 30))
            )
            .complete
        );
    }

    #[test]
    fn a_trend_is_judged_only_on_a_complete_period() {
        let done = completeness(Period::Year(2025), day(2026, 2, 1), None);
        let t = trend(
            Indicator::FatalAccidentRate,
            Period::Year(2025),
            Some(25.0),
            Some(24.0),
            done,
        );
        assert_eq!((t.change_percent, t.on_track), (Some(-4.0), Some(true)));
        assert_eq!(t.previous_period, "2024");
        let t = trend(
            Indicator::FatalAccidentRate,
            Period::Year(2025),
            Some(25.0),
            Some(24.5),
            done,
        );
        assert_eq!(
            (t.on_track, t.assessment),
            (Some(false), Assessment::OffTrack)
        );
        let t = trend(
            Indicator::BnnExamWorkers,
            Period::Year(2025),
            Some(100.0),
            Some(105.0),
            done,
        );
        assert_eq!(t.on_track, Some(true));
        let t = trend(
            Indicator::BnnExamWorkers,
            Period::Year(2025),
            Some(0.0),
            Some(105.0),
            done,
        );
        assert_eq!((t.on_track, t.assessment), (None, Assessment::NoBase));

        let running = completeness(Period::Year(2026), day(2026, 12, 3), None);
        let t = trend(
            Indicator::FatalAccidentRate,
            Period::Year(2026),
            Some(20.0),
            Some(0.0),
            running,
        );
        assert_eq!(t.change_percent, Some(-100.0));
        assert_eq!(
            (t.on_track, t.assessment),
            (None, Assessment::PeriodInProgress)
        );
        assert!(!t.complete);
        assert_eq!(t.complete_through, Some(day(2026, 12, 2)));
    }

    #[test]
    fn targets_are_those_of_the_plan() {
        assert_eq!(Indicator::FatalAccidentRate.target_percent(), -4.0);
        assert!(Indicator::FatalAccidentRate.meets_target(-4.0));
        assert!(!Indicator::FatalAccidentRate.meets_target(-3.99));
        assert!(Indicator::MonitoredEstablishments.meets_target(5.0));
        assert!(!Indicator::MonitoredEstablishments.meets_target(4.99));
        assert_eq!(
            Indicator::parse("bnn_exam_workers"),
            Some(Indicator::BnnExamWorkers)
        );
    }
}
