//! The employer's occupational-health report (báo cáo y tế lao động, TT 19/2016/TT-BYT
//! Phụ lục 8): its figures, when it is due, and the checks it must pass.

use std::sync::LazyLock;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use shared::calendar::DueCalendar;
use shared::error::{FieldError, Text};
use shared::period::Period;
use utoipa::ToSchema;

static CALENDAR: LazyLock<DueCalendar> =
    LazyLock::new(|| DueCalendar::parse(include_str!("../../data/report-calendar.csv")));

/// The first day on which a report for `period` is late.
pub fn due_date(period: Period) -> Option<NaiveDate> {
    CALENDAR.due_date("health_exam", period)
}

/// Workers, total and female.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Headcount {
    pub total: u32,
    #[serde(default)]
    pub female: u32,
}

/// Workers per health class of the periodic exam (phân loại sức khỏe, QĐ 1613/BYT-QĐ).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HealthClasses {
    pub i: u32,
    pub ii: u32,
    pub iii: u32,
    pub iv: u32,
    pub v: u32,
}

impl HealthClasses {
    fn sum(&self) -> u64 {
        [self.i, self.ii, self.iii, self.iv, self.v]
            .iter()
            .map(|n| u64::from(*n))
            .sum()
    }
}

/// Suspected and confirmed occupational disease, per disease.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DiseaseCount {
    /// A code of the compensable list (`BNN-01` … `BNN-35`).
    #[schema(example = "BNN-18")]
    pub disease_code: String,
    /// Workers suspected of it (nghi mắc).
    pub suspected: u32,
    /// Workers diagnosed with it (được chẩn đoán).
    pub confirmed: u32,
}

/// The figures of the report.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "workers": {"total": 250, "female": 80},
    "hazardous_workers": {"total": 120, "female": 10},
    "periodic_exams": 240,
    "health_classes": {"i": 60, "ii": 120, "iii": 50, "iv": 10, "v": 0},
    "exposed_workers": 120,
    "bnn_examined": 110,
    "bnn_by_disease": [{"disease_code": "BNN-18", "suspected": 3, "confirmed": 1}],
    "first_aid_cases": 4,
    "sick_days": 310
}))]
pub struct HealthFigures {
    /// All workers (tổng số lao động).
    pub workers: Headcount,
    /// In heavy, hazardous or dangerous jobs (nặng nhọc, độc hại, nguy hiểm).
    #[serde(default)]
    pub hazardous_workers: Headcount,
    /// Workers given their periodic health exam (khám sức khỏe định kỳ).
    pub periodic_exams: u32,
    #[serde(default)]
    pub health_classes: HealthClasses,
    /// Workers exposed to occupational hazards (tiếp xúc yếu tố có hại).
    #[serde(default)]
    pub exposed_workers: u32,
    /// Workers examined to detect occupational disease (khám phát hiện bệnh nghề nghiệp).
    #[serde(default)]
    pub bnn_examined: u32,
    #[serde(default)]
    pub bnn_by_disease: Vec<DiseaseCount>,
    /// Cases given first aid (sơ cứu, cấp cứu).
    #[serde(default)]
    pub first_aid_cases: u32,
    /// Days of sick leave (ngày nghỉ ốm).
    #[serde(default)]
    pub sick_days: u32,
}

fn err(errors: &mut Vec<FieldError>, pointer: &str, code: &'static str, vi: String, en: String) {
    errors.push(FieldError::body(pointer, code, Text::new(vi, en)));
}

/// The rules a report must keep; a nil report (no workers to report on) has no figures.
pub fn validate(nil_report: bool, figures: Option<&HealthFigures>) -> Vec<FieldError> {
    let mut errors = Vec::new();
    let f = match (nil_report, figures) {
        (true, None) => return errors,
        (true, Some(_)) => {
            err(
                &mut errors,
                "/figures",
                "nil_report_with_figures",
                "Báo cáo không có số liệu thì không kèm số liệu.".into(),
                "A nil report carries no figures.".into(),
            );
            return errors;
        }
        (false, None) => {
            err(
                &mut errors,
                "/figures",
                "figures_required",
                "Cần số liệu báo cáo, hoặc khai báo báo cáo không có số liệu (nil_report).".into(),
                "Send the figures, or declare a nil report.".into(),
            );
            return errors;
        }
        (false, Some(f)) => f,
    };
    let total = f.workers.total;
    let within = |errors: &mut Vec<FieldError>,
                  pointer: &str,
                  value: u32,
                  limit: u32,
                  what_vi: &str,
                  what_en: &str| {
        if value > limit {
            err(
                errors,
                pointer,
                "exceeds_limit",
                format!("{what_vi} ({value}) lớn hơn {limit}."),
                format!("{what_en} ({value}) exceeds {limit}."),
            );
        }
    };
    within(
        &mut errors,
        "/figures/workers/female",
        f.workers.female,
        total,
        "Số lao động nữ",
        "Female workers",
    );
    within(
        &mut errors,
        "/figures/hazardous_workers/total",
        f.hazardous_workers.total,
        total,
        "Số lao động làm nghề nặng nhọc, độc hại",
        "Workers in hazardous jobs",
    );
    within(
        &mut errors,
        "/figures/hazardous_workers/female",
        f.hazardous_workers.female,
        f.hazardous_workers.total,
        "Số lao động nữ làm nghề nặng nhọc, độc hại",
        "Female workers in hazardous jobs",
    );
    within(
        &mut errors,
        "/figures/periodic_exams",
        f.periodic_exams,
        total,
        "Số người được khám định kỳ",
        "Periodic exams",
    );
    within(
        &mut errors,
        "/figures/exposed_workers",
        f.exposed_workers,
        total,
        "Số người tiếp xúc yếu tố có hại",
        "Exposed workers",
    );
    within(
        &mut errors,
        "/figures/bnn_examined",
        f.bnn_examined,
        total,
        "Số người được khám phát hiện bệnh nghề nghiệp",
        "Workers examined for occupational disease",
    );
    let classified = f.health_classes.sum();
    if classified > 0 && classified != u64::from(f.periodic_exams) {
        err(
            &mut errors,
            "/figures/health_classes",
            "classes_do_not_add_up",
            format!(
                "Tổng số người theo loại sức khỏe ({classified}) phải bằng số người được khám định kỳ ({}).",
                f.periodic_exams
            ),
            format!(
                "The health classes add up to {classified}, not the {} periodic exams.",
                f.periodic_exams
            ),
        );
    }
    let mut seen: Vec<&str> = Vec::new();
    for (i, d) in f.bnn_by_disease.iter().enumerate() {
        let pointer = format!("/figures/bnn_by_disease/{i}");
        if shared::refdata::occupational_disease(&d.disease_code).is_none() {
            err(
                &mut errors,
                &format!("{pointer}/disease_code"),
                "unknown_disease_code",
                "Mã bệnh không có trong danh mục bệnh nghề nghiệp được bảo hiểm (BNN-01 … BNN-35)."
                    .into(),
                "Not a code of the compensable list (BNN-01 … BNN-35).".into(),
            );
        } else if seen.contains(&d.disease_code.as_str()) {
            err(
                &mut errors,
                &format!("{pointer}/disease_code"),
                "duplicate_disease_code",
                "Bệnh này đã có ở dòng khác.".into(),
                "This disease is listed twice.".into(),
            );
        } else {
            seen.push(&d.disease_code);
        }
        if d.confirmed > f.bnn_examined {
            err(
                &mut errors,
                &format!("{pointer}/confirmed"),
                "exceeds_limit",
                "Số ca được chẩn đoán lớn hơn số người được khám phát hiện bệnh nghề nghiệp."
                    .into(),
                "More confirmed cases than workers examined for occupational disease.".into(),
            );
        }
    }
    errors
}

#[cfg(test)]
mod tests {
    use super::*;

    fn figures() -> HealthFigures {
        HealthFigures {
            workers: Headcount {
                total: 100,
                female: 30,
            },
            hazardous_workers: Headcount {
                total: 40,
                female: 5,
            },
            periodic_exams: 90,
            health_classes: HealthClasses {
                i: 20,
                ii: 50,
                iii: 15,
                iv: 5,
                v: 0,
            },
            exposed_workers: 40,
            bnn_examined: 35,
            bnn_by_disease: vec![DiseaseCount {
                disease_code: "BNN-18".into(),
                suspected: 2,
                confirmed: 1,
            }],
            first_aid_cases: 1,
            sick_days: 20,
        }
    }

    fn codes(errors: &[FieldError]) -> Vec<String> {
        errors.iter().map(|e| e.code.to_string()).collect()
    }

    #[test]
    fn due_dates_come_from_the_calendar_data() {
        assert_eq!(
            due_date(Period::Half(2025, 1)),
            NaiveDate::from_ymd_opt(2025, 7, 5)
        );
        assert_eq!(
            due_date(Period::Year(2025)),
            NaiveDate::from_ymd_opt(2026, 1, 10)
        );
        assert_eq!(CALENDAR.len(), 2);
    }

    #[test]
    fn a_consistent_report_passes() {
        assert!(validate(false, Some(&figures())).is_empty());
        assert!(validate(true, None).is_empty());
    }

    #[test]
    fn parts_cannot_exceed_the_whole() {
        let f = HealthFigures {
            periodic_exams: 120,
            exposed_workers: 101,
            ..figures()
        };
        let found = codes(&validate(false, Some(&f)));
        assert!(
            found.iter().filter(|c| *c == "exceeds_limit").count() >= 2,
            "{found:?}"
        );
        assert!(found.contains(&"classes_do_not_add_up".to_owned()));
    }

    #[test]
    fn diseases_come_from_the_compensable_list() {
        let mut f = figures();
        f.bnn_by_disease.push(DiseaseCount {
            disease_code: "BNN-99".into(),
            suspected: 1,
            confirmed: 0,
        });
        f.bnn_by_disease.push(DiseaseCount {
            disease_code: "BNN-18".into(),
            suspected: 1,
            confirmed: 0,
        });
        let errors = validate(false, Some(&f));
        assert_eq!(
            codes(&errors),
            ["unknown_disease_code", "duplicate_disease_code"]
        );
        assert!(
            format!("{:?}", errors.first().map(|e| &e.location))
                .contains("/figures/bnn_by_disease/1/disease_code")
        );
    }

    #[test]
    fn nil_reports_have_no_figures() {
        assert_eq!(
            codes(&validate(true, Some(&figures()))),
            ["nil_report_with_figures"]
        );
        assert_eq!(codes(&validate(false, None)), ["figures_required"]);
    }
}
