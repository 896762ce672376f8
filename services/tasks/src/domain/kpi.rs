//! KPI arithmetic: the change of an indicator from one year to the next against the
//! plan's yearly target (fatal rate down ≥ 4 %, BNN exams and monitored
//! establishments up ≥ 5 %).

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Which way an indicator should move.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    Decrease,
    Increase,
}

impl Direction {
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Decrease => "decrease",
            Direction::Increase => "increase",
        }
    }

    pub fn parse(text: &str) -> Option<Direction> {
        match text {
            "decrease" => Some(Direction::Decrease),
            "increase" => Some(Direction::Increase),
            _ => None,
        }
    }
}

/// (current − previous) / previous × 100, rounded to two decimals; `None` without
/// a previous value to compare with.
pub fn change_percent(previous: f64, current: f64) -> Option<f64> {
    if previous == 0.0 || !previous.is_finite() || !current.is_finite() {
        return None;
    }
    Some(((current - previous) / previous * 10_000.0).round() / 100.0)
}

/// Whether a change meets a yearly target of `target_percent` in `direction`
/// (a decrease of at least 4 % is a change of −4 % or less).
pub fn on_track(direction: Direction, target_percent: f64, change: f64) -> bool {
    match direction {
        Direction::Decrease => change <= -target_percent,
        Direction::Increase => change >= target_percent,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changes_are_percentages_of_last_year() {
        assert_eq!(change_percent(50.0, 25.0), Some(-50.0));
        assert_eq!(change_percent(200.0, 210.0), Some(5.0));
        assert_eq!(change_percent(3.0, 1.0), Some(-66.67));
        assert_eq!(change_percent(0.0, 4.0), None);
    }

    #[test]
    fn the_target_is_met_at_the_threshold_and_beyond() {
        assert!(on_track(Direction::Decrease, 4.0, -4.0));
        assert!(!on_track(Direction::Decrease, 4.0, -3.99));
        assert!(on_track(Direction::Increase, 5.0, 5.0));
        assert!(!on_track(Direction::Increase, 5.0, 4.9));
        assert!(!on_track(Direction::Increase, 5.0, -1.0));
    }
}
