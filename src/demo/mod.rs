//! The demo data set of `atvsld up --demo`, and the generator the benchmarks share.
//!
//! [`DataSet::generate`] turns a seed, a size (the number of establishments) and
//! today's date into everything a newcomer needs to see statistics, compliance and
//! KPIs at once: establishments across Cao Bằng's communes and sectors, two full
//! years of accidents with their casualties, investigations and status steps, the
//! employers' and communes' accident reports (some missing), health-exam reports,
//! occupational-disease cases, work-environment monitoring, and the agencies'
//! reports on plan 664 with Sở Nội vụ's review. It is a pure function of its
//! options: no clock, no I/O, its own random number generator.
//!
//! [`load`] sends it through the services' own API. The benchmarks use
//! [`establishments::generate`] and [`accidents::AccidentStream`] (and the health
//! generators) directly and write rows at a much larger scale.

pub mod accidents;
pub mod establishments;
pub mod health;
pub mod load;
pub mod people;
pub mod reports;
pub mod rng;

use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Utc};
use health_stats::domain::health_report::HealthFigures;
use serde_json::Value;
use sha2::{Digest, Sha256};
use shared::period::Period;

use accidents::{Accident, AccidentStream, Lifecycle};
use establishments::{Communes, Establishment};
use health::DiseaseCase;
use reports::{AccidentReport, PlanReport, Reporter};
use rng::Rng;

/// The seed `--demo` uses unless told otherwise (the plan's number).
pub const DEFAULT_SEED: u64 = 664;
/// Establishments in the default data set.
pub const DEFAULT_SIZE: usize = 800;

/// What to generate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Options {
    pub seed: u64,
    /// Establishments; every other count follows from it.
    pub size: usize,
    /// The data covers the two full years before this day's year.
    pub today: NaiveDate,
}

/// A health-exam report and whether it is filed.
#[derive(Clone, Debug)]
pub struct HealthReport {
    pub establishment: usize,
    pub period: Period,
    pub figures: HealthFigures,
    pub filed: bool,
}

/// A monitoring visit.
#[derive(Clone, Debug)]
pub struct Monitoring {
    pub establishment: usize,
    pub year: i32,
    pub has_harmful_factors: bool,
    pub body: Value,
}

/// The whole synthetic data set.
#[derive(Clone, Debug)]
pub struct DataSet {
    pub options: Options,
    /// The two years covered, oldest first.
    pub years: [i32; 2],
    pub establishments: Vec<Establishment>,
    pub accidents: Vec<Accident>,
    /// What happens to each accident after it is declared (same order).
    pub lifecycles: Vec<Lifecycle>,
    pub accident_reports: Vec<AccidentReport>,
    pub health_reports: Vec<HealthReport>,
    pub disease_cases: Vec<DiseaseCase>,
    pub monitoring: Vec<Monitoring>,
    pub plan_reports: Vec<PlanReport>,
}

/// Accidents without a labour contract, for each accident with one (the national
/// statistics count somewhat fewer cases in that sector, with more deaths).
const NO_CONTRACT_RATIO: f64 = 0.3;
/// The second year's accident rate against the first: the trend the plan asks for.
const YEARLY_TREND: f64 = 0.93;
/// Casualties per accident, on average, in [`AccidentStream`].
const CASUALTIES_PER_ACCIDENT: f64 = 1.14;

fn start_of(day: NaiveDate) -> DateTime<Utc> {
    shared::time::vietnam()
        .from_local_datetime(&day.and_hms_opt(0, 0, 0).unwrap_or_default())
        .single()
        .map(|t| t.to_utc())
        .unwrap_or_default()
}

fn year_bounds(year: i32) -> (NaiveDate, NaiveDate) {
    (
        NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or_default(),
        NaiveDate::from_ymd_opt(year, 12, 31).unwrap_or_default(),
    )
}

impl DataSet {
    pub fn generate(options: Options) -> DataSet {
        let root = Rng::new(options.seed);
        let today = options.today;
        let years = [today.year() - 2, today.year() - 1];
        let communes = Communes::load();
        let establishments =
            establishments::generate(&mut root.fork("establishments"), &communes, options.size);

        let mut accidents = Vec::new();
        let mut counts = root.fork("accident counts");
        for (i, year) in years.into_iter().enumerate() {
            let factor = if i == 0 { 1.0 } else { YEARLY_TREND };
            let labour = f64::from(counts.poisson(
                accidents::expected_casualties(&establishments, factor) / CASUALTIES_PER_ACCIDENT,
            ));
            let no_contract = f64::from(counts.poisson(labour * NO_CONTRACT_RATIO));
            let total = labour + no_contract;
            let (first, last) = year_bounds(year);
            let stream = AccidentStream::new(
                root.fork(&format!("accidents {year}")),
                &establishments,
                &communes,
                first,
                last,
                if total > 0.0 {
                    no_contract / total
                } else {
                    0.0
                },
                start_of(today),
            );
            let mut of_year: Vec<Accident> = stream.take(total as usize).collect();
            of_year.sort_by_key(|a| a.occurred_at);
            accidents.extend(of_year);
        }
        let mut life_rng = root.fork("lifecycles");
        let lifecycles = accidents
            .iter()
            .map(|a| {
                let employer = a.establishment.and_then(|i| establishments.get(i));
                accidents::lifecycle(&mut life_rng, a, employer, today)
            })
            .collect();

        let accident_reports = accident_reports(
            &mut root.fork("accident reports"),
            &establishments,
            &communes,
            &accidents,
            years,
        );
        let (health_reports, disease_cases) =
            health_data(&mut root.fork("health"), &establishments, years, today);
        let monitoring = monitoring(&mut root.fork("monitoring"), &establishments, years, today);
        let plan_reports = reports::plan_reports(&mut root.fork("plan reports"), today);
        DataSet {
            options,
            years,
            establishments,
            accidents,
            lifecycles,
            accident_reports,
            health_reports,
            disease_cases,
            monitoring,
            plan_reports,
        }
    }

    /// The establishment behind an accident or a report.
    pub fn establishment(&self, index: usize) -> Option<&Establishment> {
        self.establishments.get(index)
    }

    /// The body of one establishment registration (a row of the import).
    pub fn establishment_body(e: &Establishment) -> Value {
        serde_json::json!({
            "tax_code": e.tax_code,
            "name": e.name,
            "vsic_code": e.vsic_code,
            "ownership_type": e.ownership_type,
            "commune_code": e.commune_code,
            "address": e.address,
            "headcount": {"total": e.workers, "female": e.female, "hazardous": e.hazardous},
            "bhxh_unit_code": e.bhxh_unit_code,
        })
    }

    fn tax_code_of(&self, reporter: &Reporter) -> Option<&str> {
        match reporter {
            Reporter::Employer(i) => self.establishment(*i).map(|e| e.tax_code.as_str()),
            Reporter::Commune(_) => None,
        }
    }

    /// Every request body the load sends, in order (plan reports name their tasks
    /// by section, as the ids are only known to the running service).
    pub fn bodies(&self) -> Vec<Value> {
        let mut out: Vec<Value> = self
            .establishments
            .iter()
            .map(Self::establishment_body)
            .collect();
        for (a, life) in self.accidents.iter().zip(&self.lifecycles) {
            out.push(serde_json::to_value(a.declaration(&self.establishments)).unwrap_or_default());
            out.extend(
                life.raises
                    .iter()
                    .map(|(i, s, d)| serde_json::json!([i, s, d])),
            );
            out.extend(
                life.investigating
                    .iter()
                    .map(|s| serde_json::json!([s.status, s.reason])),
            );
            out.extend(
                life.record
                    .iter()
                    .map(|r| serde_json::to_value(r).unwrap_or_default()),
            );
            out.extend(
                life.after_record
                    .iter()
                    .map(|s| serde_json::json!([s.status, s.reason])),
            );
        }
        for r in self.accident_reports.iter().filter(|r| r.filed) {
            out.push(r.body(self.tax_code_of(&r.reporter)));
            out.extend(r.correction_body(self.tax_code_of(&r.reporter)));
        }
        for r in self.health_reports.iter().filter(|r| r.filed) {
            if let Some(e) = self.establishment(r.establishment) {
                out.push(health::report_body(e, &r.period.to_string(), &r.figures));
            }
        }
        for c in &self.disease_cases {
            if let Some(e) = self.establishment(c.establishment) {
                out.push(serde_json::to_value(c.body(e)).unwrap_or_default());
            }
        }
        out.extend(self.monitoring.iter().map(|m| m.body.clone()));
        for r in self.plan_reports.iter().filter(|r| r.filed) {
            out.push(r.body("plan-664", &|n| n.section.clone(), false));
            out.push(serde_json::json!(format!("{:?}", r.review)));
        }
        out
    }

    /// SHA-256 of every body, in order: equal for the same options, and a quick way
    /// to tell two data sets apart.
    pub fn fingerprint(&self) -> String {
        let mut hash = Sha256::new();
        for body in self.bodies() {
            hash.update(body.to_string().as_bytes());
            hash.update(b"\n");
        }
        format!("{:x}", hash.finalize())
    }

    /// The counts worth printing.
    pub fn summary(&self) -> String {
        let casualties: usize = self.accidents.iter().map(|a| a.casualties.len()).sum();
        let deaths: usize = self
            .accidents
            .iter()
            .map(|a| a.count(incidents::domain::accident::Severity::Fatal))
            .sum();
        let workers: u64 = self
            .establishments
            .iter()
            .map(|e| u64::from(e.workers))
            .sum();
        format!(
            "{} establishments ({workers} workers), {} accidents in {}–{} ({casualties} casualties, {deaths} deaths), \
             {} accident reports, {} health-exam reports, {} disease cases, {} monitoring reports, {} plan reports",
            self.establishments.len(),
            self.accidents.len(),
            self.years[0],
            self.years[1],
            self.accident_reports.iter().filter(|r| r.filed).count(),
            self.health_reports.iter().filter(|r| r.filed).count(),
            self.disease_cases.len(),
            self.monitoring.len(),
            self.plan_reports.iter().filter(|r| r.filed).count(),
        )
    }
}

/// The share of reports filed: better in the second year (the plan's push for
/// digital reporting), better for larger employers, worse for household businesses.
fn filing_chance(year_index: usize, e: Option<&Establishment>) -> f64 {
    let base = if year_index == 0 { 0.66 } else { 0.72 };
    match e {
        Some(e) if e.ownership_type == "5" => base - 0.3,
        Some(e) if e.workers >= 50 => base + 0.2,
        Some(e) if e.workers >= 10 => base + 0.1,
        Some(_) => base,
        None => base + 0.1,
    }
}

fn accident_reports(
    rng: &mut Rng,
    establishments: &[Establishment],
    communes: &Communes,
    accidents: &[Accident],
    years: [i32; 2],
) -> Vec<AccidentReport> {
    let mut out = vec![];
    for (y, year) in years.into_iter().enumerate() {
        for period in [Period::Half(year, 1), Period::Year(year)] {
            let (from, to) = (period.first_day(), period.end_day());
            let within = |a: &&Accident| (from..=to).contains(&a.day());
            for (i, e) in establishments.iter().enumerate() {
                let figures = reports::figures(
                    accidents
                        .iter()
                        .filter(within)
                        .filter(|a| a.establishment == Some(i)),
                );
                let filed = rng.chance(filing_chance(y, Some(e)));
                let correction = (filed && figures.is_some() && rng.chance(0.15)).then(|| {
                    (
                        "Bổ sung chi phí điều trị theo hóa đơn của bệnh viện".to_owned(),
                        u64::from(rng.range_u32(500, 8_000)),
                    )
                });
                out.push(AccidentReport {
                    reporter: Reporter::Employer(i),
                    period,
                    filed,
                    workers: Some((e.workers, e.female)),
                    figures,
                    correction,
                });
            }
            for (code, _, _) in &communes.current {
                let figures = reports::figures(
                    accidents
                        .iter()
                        .filter(within)
                        .filter(|a| a.establishment.is_none() && a.commune_now == *code),
                );
                out.push(AccidentReport {
                    reporter: Reporter::Commune(code.clone()),
                    period,
                    filed: rng.chance(filing_chance(y, None)),
                    workers: None,
                    figures,
                    correction: None,
                });
            }
        }
    }
    out
}

fn health_data(
    rng: &mut Rng,
    establishments: &[Establishment],
    years: [i32; 2],
    today: NaiveDate,
) -> (Vec<HealthReport>, Vec<DiseaseCase>) {
    let mut reports = vec![];
    let mut cases = vec![];
    let mut people_with_cases = std::collections::HashSet::new();
    for (i, e) in establishments.iter().enumerate() {
        // More exposed workers are examined each year, as the plan asks (+5 %).
        let mut coverage = rng.between(0.45, 0.8);
        for (y, year) in years.into_iter().enumerate() {
            if y > 0 {
                coverage = (coverage * rng.between(1.0, 1.1)).min(1.0);
            }
            let annual = health::annual_figures(rng, e, coverage);
            let half = health::half_year_figures(rng, &annual);
            for d in &annual.bnn_by_disease {
                let code = e
                    .sector
                    .diseases
                    .iter()
                    .find(|c| **c == d.disease_code)
                    .copied();
                for _ in 0..d.confirmed {
                    // One person has one case of a disease (the registry refuses a
                    // second): draw again on the rare repeat of a number.
                    while let Some(code) = code {
                        let case = health::disease_case(rng, i, code, year, today);
                        if people_with_cases.insert(case.person.personal_id.clone()) {
                            cases.push(case);
                            break;
                        }
                    }
                }
            }
            let chance = filing_chance(y, Some(e)) - 0.05;
            reports.push(HealthReport {
                establishment: i,
                period: Period::Half(year, 1),
                filed: rng.chance(chance),
                figures: half,
            });
            reports.push(HealthReport {
                establishment: i,
                period: Period::Year(year),
                filed: rng.chance(chance),
                figures: annual,
            });
        }
    }
    (reports, cases)
}

fn monitoring(
    rng: &mut Rng,
    establishments: &[Establishment],
    years: [i32; 2],
    today: NaiveDate,
) -> Vec<Monitoring> {
    let mut out = vec![];
    for (y, year) in years.into_iter().enumerate() {
        for (i, e) in establishments.iter().enumerate() {
            let harmful = e.hazardous > 0;
            // Establishments with harmful factors monitor more each year, as the plan asks.
            let chance = match (harmful, y) {
                (true, 0) => 0.52,
                (true, _) => 0.56,
                (false, _) => 0.06,
            };
            if !rng.chance(chance) {
                continue;
            }
            let day = (NaiveDate::from_ymd_opt(year, 3, 1).unwrap_or_default()
                + Duration::days(rng.range(0, 260)))
            .min(today - Duration::days(1));
            out.push(Monitoring {
                establishment: i,
                year,
                has_harmful_factors: harmful,
                body: health::monitoring_body(rng, e, day, harmful),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options(seed: u64) -> Options {
        Options {
            seed,
            size: 120,
            today: NaiveDate::from_ymd_opt(2026, 12, 1).unwrap_or_default(),
        }
    }

    #[test]
    fn the_same_seed_gives_the_same_bodies_and_another_seed_others() {
        let a = DataSet::generate(options(7));
        let b = DataSet::generate(options(7));
        let c = DataSet::generate(options(8));
        assert_eq!(a.fingerprint(), b.fingerprint());
        assert_ne!(a.fingerprint(), c.fingerprint());
        assert_eq!(a.fingerprint().len(), 64);
    }

    #[test]
    fn the_data_covers_the_last_two_full_years_with_valid_identifiers() {
        let data = DataSet::generate(options(DEFAULT_SEED));
        assert_eq!(data.years, [2024, 2025]);
        assert!(!data.accidents.is_empty());
        for a in &data.accidents {
            assert!((2024..=2025).contains(&a.day().year()));
            assert!(
                shared::refdata::admin_unit(&a.place_commune, a.day()).is_some(),
                "{}",
                a.place_commune
            );
            let valid = incidents::domain::declaration::validate(
                a.declaration(&data.establishments),
                start_of(data.options.today),
            );
            assert!(
                valid
                    .as_ref()
                    .is_ok_and(|v| v.warnings.iter().all(|w| w.code == "police_notice_missing")),
                "{:?}",
                valid.err()
            );
        }
        for r in data
            .accident_reports
            .iter()
            .filter_map(|r| r.figures.as_ref())
        {
            assert!(incidents::domain::accident_report::validate(false, Some(r)).is_empty());
        }
        for r in &data.health_reports {
            assert!(
                health_stats::domain::health_report::validate(false, Some(&r.figures)).is_empty(),
                "{:?}",
                r.figures
            );
        }
        for c in &data.disease_cases {
            let e = data.establishment(c.establishment).cloned();
            let case = e.map(|e| c.body(&e));
            assert!(case.is_some_and(|case| {
                health_stats::domain::disease_case::validate(case, data.options.today).is_ok()
            }));
        }
        assert!(data.plan_reports.iter().any(|r| r.filed));
    }
}
