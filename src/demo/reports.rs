//! Synthetic periodic reports: the employers' and communes' accident reports built
//! from the accidents of the data set, and the agencies' reports on plan 664 with
//! Sở Nội vụ's review.

use chrono::{Duration, NaiveDate};
use incidents::domain::accident::Severity;
use incidents::domain::accident_report::{BreakdownRow, Damage, ReportCounts, ReportFigures};
use serde_json::{Map, Value, json};
use shared::period::Period;

use super::accidents::Accident;
use super::rng::Rng;

fn add(to: &mut ReportCounts, a: &Accident) {
    let n = |k: usize| u32::try_from(k).unwrap_or(u32::MAX);
    let fatal = a.count(Severity::Fatal);
    to.cases += 1;
    to.cases_fatal += u32::from(fatal > 0);
    to.cases_multi += u32::from(a.casualties.len() >= 2);
    to.casualties += n(a.casualties.len());
    to.female += n(a.casualties.iter().filter(|c| c.person.female).count());
    to.fatal += n(fatal);
    to.serious += n(a.count(Severity::Serious));
}

fn breakdown(rows: &mut Vec<BreakdownRow>, code: &str, a: &Accident) {
    match rows.iter_mut().find(|r| r.code == code) {
        Some(row) => add(&mut row.counts, a),
        None => {
            let mut counts = ReportCounts::default();
            add(&mut counts, a);
            rows.push(BreakdownRow {
                code: code.to_owned(),
                counts,
            });
        }
    }
}

/// The figures of a Phụ lục XII report over `accidents` (at their final
/// severities), or `None` for a period without accidents (a nil report). Each
/// accident is counted once per breakdown, under its main cause and its factor, so
/// the breakdowns add up to the totals as the service requires.
pub fn figures<'a>(accidents: impl IntoIterator<Item = &'a Accident>) -> Option<ReportFigures> {
    let mut f = ReportFigures::default();
    let mut every_factor_known = true;
    let mut any = false;
    for a in accidents {
        any = true;
        add(&mut f.totals, a);
        breakdown(&mut f.by_cause, a.causes.first().copied().unwrap_or("9"), a);
        match a.injury_factor {
            Some(code) => breakdown(&mut f.by_injury_factor, code, a),
            None => every_factor_known = false,
        }
        for c in &a.casualties {
            f.damage.days_off += u64::from(c.days_off);
            f.damage.cost_medical += u64::from(c.cost_medical);
            f.damage.cost_wages += u64::from(c.cost_wages);
            f.damage.cost_compensation += u64::from(c.cost_compensation);
        }
    }
    if !every_factor_known {
        // A commuting accident has no injury factor: that breakdown would not add up.
        f.by_injury_factor.clear();
    }
    f.by_cause.sort_by(|a, b| a.code.cmp(&b.code));
    f.by_injury_factor.sort_by(|a, b| a.code.cmp(&b.code));
    any.then_some(f)
}

/// Who files an accident report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reporter {
    /// An establishment, by index.
    Employer(usize),
    /// A commune, for workers without a labour contract.
    Commune(String),
}

/// One expected accident report and whether it is filed.
#[derive(Clone, Debug)]
pub struct AccidentReport {
    pub reporter: Reporter,
    pub period: Period,
    pub filed: bool,
    /// Workers total and female (employer reports).
    pub workers: Option<(u32, u32)>,
    pub figures: Option<ReportFigures>,
    /// A corrected version filed afterwards, with its reason and extra medical costs.
    pub correction: Option<(String, u64)>,
}

impl AccidentReport {
    /// The body of `POST /accident-reports`; `tax_code` names the employer.
    pub fn body(&self, tax_code: Option<&str>) -> Value {
        self.body_with(tax_code, self.figures.clone(), None)
    }

    fn body_with(
        &self,
        tax_code: Option<&str>,
        figures: Option<ReportFigures>,
        reason: Option<&str>,
    ) -> Value {
        let mut body = Map::new();
        body.insert("period".into(), json!(self.period.to_string()));
        body.insert("nil_report".into(), json!(figures.is_none()));
        body.insert("figures".into(), json!(figures));
        match &self.reporter {
            Reporter::Employer(_) => {
                body.insert("kind".into(), json!("employer"));
                body.insert("establishment".into(), json!({"tax_code": tax_code}));
                if let Some((total, female)) = self.workers {
                    body.insert("workers".into(), json!({"total": total, "female": female}));
                }
            }
            Reporter::Commune(code) => {
                body.insert("kind".into(), json!("commune"));
                body.insert("commune_code".into(), json!(code));
            }
        }
        if let Some(reason) = reason {
            body.insert("change_reason".into(), json!(reason));
        }
        Value::Object(body)
    }

    /// The corrected version, if any.
    pub fn correction_body(&self, tax_code: Option<&str>) -> Option<Value> {
        let (reason, extra) = self.correction.as_ref()?;
        let mut figures = self.figures.clone()?;
        figures.damage = Damage {
            cost_medical: figures.damage.cost_medical + extra,
            ..figures.damage
        };
        Some(self.body_with(tax_code, Some(figures), Some(reason)))
    }
}

/// What Sở Nội vụ does with a filed plan report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Review {
    /// Not reviewed yet.
    Pending,
    Accept,
    /// Returned with a comment; then resubmitted (and accepted, or waiting), or not.
    Return {
        comment: String,
        resubmitted: bool,
        accepted_after: bool,
    },
}

/// What an agency reports on one of its tasks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Narrative {
    /// The task, as the plan's seed names it (section and text).
    pub section: String,
    pub task_text: String,
    pub text: String,
    pub in_progress: bool,
}

/// One expected plan report.
#[derive(Clone, Debug)]
pub struct PlanReport {
    pub agency: String,
    pub period: Period,
    pub due_on: NaiveDate,
    pub filed: bool,
    pub narrative: Vec<Narrative>,
    pub figures: Map<String, Value>,
    pub attachment: String,
    pub review: Review,
}

impl PlanReport {
    /// The body of `POST /plan-reports`, filed by an administrator on the agency's
    /// behalf; `task_id` finds the id the tasks service gave the task.
    pub fn body(
        &self,
        plan_id: &str,
        task_id: &dyn Fn(&Narrative) -> String,
        resubmission: bool,
    ) -> Value {
        let narrative: Vec<Value> = self
            .narrative
            .iter()
            .map(|n| {
                let text = if resubmission {
                    format!("{} Bổ sung số liệu theo yêu cầu của Sở Nội vụ.", n.text)
                } else {
                    n.text.clone()
                };
                json!({
                    "task_id": task_id(n),
                    "text": text,
                    "progress": if n.in_progress { "in_progress" } else { "done" },
                })
            })
            .collect();
        json!({
            "plan_id": plan_id,
            "agency": self.agency,
            "period": self.period.to_string(),
            "narrative": narrative,
            "figures": self.figures,
            "attachments": [{"name": format!("Báo cáo số {}", self.attachment), "reference": self.attachment}],
        })
    }
}

/// The agencies expected to report on the plan for a deadline, as the tasks
/// service counts them: agencies that report and answer for a task on the due
/// date, each with those tasks (section, text). A closed agency's open tasks are
/// its successors' from the day after it closed: after 1 July 2025 the district
/// committees' tasks are the commune committees' (`SeedFile::responsibilities_on`).
pub fn expected_agencies(
    seed: &tasks::domain::seed::SeedFile,
    due_on: NaiveDate,
) -> Vec<(String, Vec<(String, String)>)> {
    seed.responsibilities_on(due_on)
        .into_iter()
        .filter(|(agency, _)| agency.reports)
        .map(|(agency, tasks)| {
            (
                agency.code.clone(),
                tasks
                    .into_iter()
                    .map(|t| (t.section.clone(), t.text.clone()))
                    .collect(),
            )
        })
        .collect()
}

fn task_text(rng: &mut Rng, kind_press: bool) -> (String, bool) {
    let k = rng.range(1, 6);
    let m = rng.range(40, 900);
    let text = match rng.below(if kind_press { 2 } else { 4 }) {
        0 if kind_press => format!(
            "Đăng tải {} tin, bài tuyên truyền về an toàn, vệ sinh lao động; phát sóng {k} phóng sự chuyên đề.",
            rng.range(8, 60)
        ),
        1 if kind_press => format!(
            "Phối hợp tuyên truyền Tháng hành động về an toàn, vệ sinh lao động với {k} chuyên mục."
        ),
        0 => format!(
            "Ban hành kế hoạch triển khai; tổ chức {k} cuộc kiểm tra tại {} cơ sở.",
            rng.range(3, 40)
        ),
        1 => format!("Tổ chức {k} lớp tập huấn an toàn, vệ sinh lao động cho {m} lượt người."),
        2 => {
            "Lồng ghép nội dung an toàn, vệ sinh lao động vào hội nghị giao ban định kỳ của đơn vị."
                .to_owned()
        }
        _ => format!(
            "Rà soát, hướng dẫn {} cơ sở thực hiện chế độ báo cáo định kỳ.",
            rng.range(5, 80)
        ),
    };
    (text, rng.chance(0.22))
}

/// Plan reports for every period whose due date is at most 45 days ahead of
/// `today`, from the plan's first year.
pub fn plan_reports(rng: &mut Rng, today: NaiveDate) -> Vec<PlanReport> {
    let Ok(seed) = tasks::domain::seed::plan_664() else {
        return vec![];
    };
    let first_year = seed
        .plans
        .first()
        .map_or(2025, |p| chrono::Datelike::year(&p.effective_on));
    let mut out = vec![];
    for year in first_year..=chrono::Datelike::year(&today) {
        for period in tasks::domain::schedule::reporting_periods(year) {
            let Some(due_on) = tasks::domain::schedule::due_on(period) else {
                continue;
            };
            if due_on > today + Duration::days(45) {
                continue;
            }
            let due_passed = today >= due_on;
            for (agency, agency_tasks) in expected_agencies(&seed, due_on) {
                let filed = rng.chance(if due_passed { 0.86 } else { 0.55 });
                let press = matches!(agency.as_str(), "BCB" | "PTTH" | "SVHTTDL");
                let narrative = agency_tasks
                    .iter()
                    .map(|(section, text)| {
                        let (said, in_progress) = task_text(rng, press);
                        Narrative {
                            section: section.clone(),
                            task_text: text.clone(),
                            text: said,
                            in_progress,
                        }
                    })
                    .collect();
                let mut figures = Map::new();
                if press {
                    figures.insert("articles".into(), json!(rng.range(10, 80)));
                } else {
                    figures.insert("training_courses".into(), json!(rng.range(0, 8)));
                    figures.insert("participants".into(), json!(rng.range(0, 900)));
                    figures.insert("inspections".into(), json!(rng.range(0, 25)));
                }
                let draw = rng.unit();
                let comment =
                    "Đề nghị bổ sung số liệu kết quả kiểm tra và số lượt người được huấn luyện."
                        .to_owned();
                let review = if due_passed {
                    match draw {
                        d if d < 0.76 => Review::Accept,
                        d if d < 0.86 => Review::Return {
                            comment,
                            resubmitted: true,
                            accepted_after: true,
                        },
                        d if d < 0.90 => Review::Return {
                            comment,
                            resubmitted: true,
                            accepted_after: false,
                        },
                        d if d < 0.96 => Review::Return {
                            comment,
                            resubmitted: false,
                            accepted_after: false,
                        },
                        _ => Review::Pending,
                    }
                } else {
                    match draw {
                        d if d < 0.4 => Review::Accept,
                        d if d < 0.85 => Review::Pending,
                        _ => Review::Return {
                            comment,
                            resubmitted: false,
                            accepted_after: false,
                        },
                    }
                };
                out.push(PlanReport {
                    attachment: format!("{}/BC-{agency}", rng.range(10, 400)),
                    agency,
                    period,
                    due_on,
                    filed,
                    narrative,
                    figures,
                    review,
                });
            }
        }
    }
    out
}
