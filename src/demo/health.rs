//! Synthetic occupational-health data: the employers' health reports (báo cáo y tế
//! lao động), the diagnosed occupational-disease cases, and work-environment
//! monitoring results, each from an establishment's sector and size.

use chrono::{Duration, NaiveDate};
use health_stats::domain::disease_case::{Gender, NewCase};
use health_stats::domain::establishment::EstablishmentFacts;
use health_stats::domain::health_report::{DiseaseCount, Headcount, HealthClasses, HealthFigures};
use serde_json::{Value, json};

use super::establishments::Establishment;
use super::people::{self, Person};
use super::rng::Rng;

/// The establishment as a health-stats report states it.
pub fn facts(e: &Establishment) -> EstablishmentFacts {
    EstablishmentFacts {
        tax_code: e.tax_code.clone(),
        name: e.name.clone(),
        commune_code: Some(e.commune_code.clone()),
        vsic_code: Some(e.vsic_code.to_owned()),
        ownership_type: Some(e.ownership_type.to_owned()),
    }
}

fn share(n: u32, fraction: f64) -> u32 {
    ((f64::from(n) * fraction).round() as u32).min(n)
}

fn classes(rng: &mut Rng, examined: u32) -> HealthClasses {
    let i = share(examined, rng.between(0.18, 0.32));
    let ii = share(examined - i, rng.between(0.6, 0.75));
    let iii = share(examined - i - ii, rng.between(0.6, 0.8));
    let iv = share(examined - i - ii - iii, rng.between(0.7, 0.95));
    HealthClasses {
        i,
        ii,
        iii,
        iv,
        v: examined - i - ii - iii - iv,
    }
}

/// The year's figures of an establishment whose exposed workers are examined for
/// occupational disease at `bnn_coverage` (0–1).
pub fn annual_figures(rng: &mut Rng, e: &Establishment, bnn_coverage: f64) -> HealthFigures {
    let workers = e.workers;
    let periodic_exams = share(workers, rng.between(0.7, 1.0));
    let exposed = e.hazardous;
    let bnn_examined = share(exposed, bnn_coverage);
    let diseases = e.sector.diseases;
    let per_disease = diseases.len().max(1) as f64;
    let bnn_by_disease = diseases
        .iter()
        .filter_map(|code| {
            let confirmed = rng
                .poisson(f64::from(bnn_examined) * 0.004 / per_disease)
                .min(bnn_examined);
            let suspected = confirmed + rng.poisson(f64::from(bnn_examined) * 0.012 / per_disease);
            (suspected > 0).then(|| DiseaseCount {
                disease_code: (*code).to_owned(),
                suspected,
                confirmed,
            })
        })
        .collect();
    HealthFigures {
        workers: Headcount {
            total: workers,
            female: e.female,
        },
        hazardous_workers: Headcount {
            total: exposed,
            female: share(e.female.min(exposed), 0.5),
        },
        periodic_exams,
        health_classes: classes(rng, periodic_exams),
        exposed_workers: exposed,
        bnn_examined,
        bnn_by_disease,
        first_aid_cases: rng.poisson(f64::from(workers) * 0.02),
        sick_days: share(workers, rng.between(2.0, 6.0) / 6.0) * 6,
    }
}

/// The six-month report: the same workers, the exams done by 30 June.
pub fn half_year_figures(rng: &mut Rng, annual: &HealthFigures) -> HealthFigures {
    let part = rng.between(0.35, 0.65);
    let periodic_exams = share(annual.periodic_exams, part);
    HealthFigures {
        periodic_exams,
        health_classes: classes(rng, periodic_exams),
        bnn_examined: share(annual.bnn_examined, part),
        bnn_by_disease: annual
            .bnn_by_disease
            .iter()
            .filter_map(|d| {
                let confirmed = share(d.confirmed, part);
                let suspected = share(d.suspected, part).max(confirmed);
                (suspected > 0).then(|| DiseaseCount {
                    disease_code: d.disease_code.clone(),
                    suspected,
                    confirmed,
                })
            })
            .filter(|d| d.confirmed <= share(annual.bnn_examined, part))
            .collect(),
        first_aid_cases: share(annual.first_aid_cases, part),
        sick_days: share(annual.sick_days, part),
        ..annual.clone()
    }
}

/// The body of `POST /health-exam-reports` (and of one import row).
pub fn report_body(e: &Establishment, period: &str, figures: &HealthFigures) -> Value {
    json!({
        "period": period,
        "establishment": facts(e),
        "nil_report": false,
        "figures": figures,
    })
}

/// A diagnosed worker (ca bệnh nghề nghiệp).
#[derive(Clone, Debug)]
pub struct DiseaseCase {
    pub establishment: usize,
    pub person: Person,
    pub birth_date: NaiveDate,
    pub disease_code: &'static str,
    pub exposure_factor: &'static str,
    pub diagnosed_on: NaiveDate,
    pub facility: &'static str,
    pub capacity_loss_percent: Option<u8>,
    pub assessed_on: Option<NaiveDate>,
}

fn exposure(code: &str) -> &'static str {
    match code {
        "BNN-01" => "Bụi silic tự do tại khu nghiền, sàng đá",
        "BNN-06" => "Bụi và hơi khí độc tại phân xưởng sản xuất",
        "BNN-08" => "Hơi chì tại khu vực hàn, nấu kim loại",
        "BNN-11" => "Bụi quặng mangan tại xưởng tuyển quặng",
        "BNN-14" => "Hóa chất bảo vệ thực vật khi phun thuốc",
        "BNN-18" => "Tiếng ồn trên 85 dBA tại khu vực máy nghiền",
        "BNN-20" => "Rung toàn thân khi lái xe tải hạng nặng",
        "BNN-21" => "Rung cục bộ khi vận hành máy khoan cầm tay",
        "BNN-29" => "Tiếp xúc nước, bùn nhiễm xoắn khuẩn",
        "BNN-30" | "BNN-31" => "Tiếp xúc người bệnh và bệnh phẩm",
        _ => "Yếu tố có hại tại nơi làm việc",
    }
}

/// One case of `disease_code` at establishment `index`, diagnosed in `year`, as
/// seen on `today`.
pub fn disease_case(
    rng: &mut Rng,
    index: usize,
    disease_code: &'static str,
    year: i32,
    today: NaiveDate,
) -> DiseaseCase {
    let person = people::worker(rng, 0.2, year);
    let birth_date = NaiveDate::from_ymd_opt(person.birth_year, 1, 1).unwrap_or_default()
        + Duration::days(rng.range(0, 364));
    let diagnosed_on = (NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or_default()
        + Duration::days(rng.range(0, 364)))
    .min(today - Duration::days(1));
    let assessed_on = Some(diagnosed_on + Duration::days(rng.range(30, 150)))
        .filter(|d| *d < today && rng.chance(0.55));
    let facility = match disease_code {
        "BNN-01" | "BNN-11" => "Bệnh viện Phổi tỉnh Cao Bằng",
        "BNN-30" | "BNN-31" => "Bệnh viện Đa khoa tỉnh Cao Bằng",
        _ => "Trung tâm Kiểm soát bệnh tật tỉnh Cao Bằng",
    };
    DiseaseCase {
        establishment: index,
        birth_date,
        person,
        disease_code,
        exposure_factor: exposure(disease_code),
        diagnosed_on,
        facility,
        capacity_loss_percent: assessed_on.map(|_| u8::try_from(rng.range(5, 45)).unwrap_or(5)),
        assessed_on,
    }
}

impl DiseaseCase {
    /// The body of `POST /occupational-disease-cases`.
    pub fn body(&self, e: &Establishment) -> NewCase {
        NewCase {
            personal_id: self.person.personal_id.clone(),
            full_name: self.person.full_name.clone(),
            gender: if self.person.female {
                Gender::Female
            } else {
                Gender::Male
            },
            birth_date: Some(self.birth_date),
            establishment: facts(e),
            disease_code: self.disease_code.to_owned(),
            exposure_factor: Some(self.exposure_factor.to_owned()),
            diagnosed_on: self.diagnosed_on,
            diagnosis_facility: self.facility.to_owned(),
            capacity_loss_percent: self.capacity_loss_percent,
            assessed_on: self.assessed_on,
        }
    }
}

/// Organisations that have published their eligibility to monitor (ND 44/2016).
const MONITORING_ORGS: [(u32, (&str, &str)); 3] = [
    (
        6,
        (
            "Trung tâm Kiểm soát bệnh tật tỉnh Cao Bằng",
            "15/2019/SYT-QTMTLĐ",
        ),
    ),
    (
        2,
        (
            "Viện Sức khỏe nghề nghiệp và môi trường",
            "02/2018/BYT-QTMTLĐ",
        ),
    ),
    (
        2,
        (
            "Trung tâm Quan trắc môi trường và Bảo hộ lao động",
            "31/2020/BYT-QTMTLĐ",
        ),
    ),
];

/// A monitoring visit (quan trắc môi trường lao động) of `e` on `monitored_on`; an
/// establishment without harmful factors has none over the limit.
pub fn monitoring_body(
    rng: &mut Rng,
    e: &Establishment,
    monitored_on: NaiveDate,
    harmful: bool,
) -> Value {
    let (org, licence) = rng.weighted(&MONITORING_ORGS).copied().unwrap_or((
        "Trung tâm Kiểm soát bệnh tật tỉnh Cao Bằng",
        "15/2019/SYT-QTMTLĐ",
    ));
    let size = f64::from(e.workers).sqrt();
    let over_share = if harmful { rng.between(0.0, 0.18) } else { 0.0 };
    let measured: Vec<&str> = e
        .sector
        .monitored
        .iter()
        .copied()
        .filter(|_| rng.chance(0.85))
        .collect();
    let factors: Vec<Value> = measured
        .into_iter()
        .map(|factor| {
            if factor == "noise" {
                // Noise is sent with its measured values, so the service judges them
                // against QCVN 24:2016/BYT (85 dBA over 8 hours) itself.
                let n = rng.range_u32(3, 8 + (size as u32).min(12));
                let values: Vec<f64> = (0..n)
                    .map(|_| {
                        let v = if rng.chance(over_share) {
                            rng.between(85.5, 96.0)
                        } else {
                            rng.between(68.0, 84.5)
                        };
                        (v * 10.0).round() / 10.0
                    })
                    .collect();
                let over = values.iter().filter(|v| **v > 85.0).count();
                json!({
                    "factor": "noise",
                    "samples_taken": n,
                    "samples_over_limit": over,
                    "measurements": values.iter().enumerate().map(|(i, v)| json!({
                        "parameter": "laeq", "value": v, "unit": "dBA",
                        "location": format!("Vị trí {}", i + 1), "exceeds": *v > 85.0,
                    })).collect::<Vec<_>>(),
                })
            } else {
                let n = rng.range_u32(2, 6 + (size as u32).min(20));
                let over = (0..n).filter(|_| rng.chance(over_share)).count();
                json!({"factor": factor, "samples_taken": n, "samples_over_limit": over})
            }
        })
        .collect();
    let factors = if factors.is_empty() {
        vec![json!({"factor": "microclimate", "samples_taken": 3, "samples_over_limit": 0})]
    } else {
        factors
    };
    json!({
        "organisation": {"name": org, "licence_number": licence},
        "establishment": facts(e),
        "monitored_on": monitored_on,
        "has_harmful_factors": harmful,
        "factors": factors,
    })
}
