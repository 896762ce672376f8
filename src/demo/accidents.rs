//! Synthetic occupational accidents: an endless, deterministic stream of accidents
//! with their casualties (the benchmark turns them into rows, the demo into
//! declarations), and for the demo what happens to each afterwards: severity
//! raises, the investigation and its record, the status steps.

use chrono::{DateTime, Datelike, Duration, FixedOffset, NaiveDate, TimeZone, Timelike, Utc};
use incidents::domain::accident::{
    self as rules, DeadlineRules, InvestigationLevel, Sector as AccidentSector, Severity,
};
use incidents::domain::declaration::{
    AccidentDeclaration, CasualtyDeclaration, ContractType, Costs, EmployerRef, Gender, Place,
};
use incidents::domain::investigation::{
    CorrectiveMeasure, InvestigationRecord, ResponsibleParty, TeamMember,
};

use super::establishments::{self, Communes, Establishment, NO_CONTRACT, Sector};
use super::people::{self, Person};
use super::rng::{Rng, WeightedIndex};

/// One person hurt or killed.
#[derive(Clone, Debug)]
pub struct Casualty {
    pub person: Person,
    pub occupation_code: &'static str,
    pub contract_type: ContractType,
    /// As declared.
    pub declared: Severity,
    /// After any later raise (a death in hospital, a worse diagnosis): what the
    /// statistics count in the end.
    pub severity: Severity,
    /// The document behind the raise, when `severity` differs from `declared`.
    pub raise_document: Option<String>,
    pub injury_codes: Vec<&'static str>,
    pub days_off: u32,
    /// Thousand VND.
    pub cost_medical: u32,
    pub cost_wages: u32,
    pub cost_compensation: u32,
}

/// One accident (vụ tai nạn lao động).
#[derive(Clone, Debug)]
pub struct Accident {
    /// Index into the establishments; `None` for a worker without a labour contract.
    pub establishment: Option<usize>,
    pub occurred_at: DateTime<FixedOffset>,
    pub notified_at: DateTime<FixedOffset>,
    pub police_notified_at: Option<DateTime<FixedOffset>>,
    /// Today's commune of the place (the one reports are filed by).
    pub commune_now: String,
    /// The unit in force on the day, as the declaration names it.
    pub place_commune: String,
    pub place: String,
    pub description: String,
    pub injury_factor: Option<&'static str>,
    /// The first is the main cause.
    pub causes: Vec<&'static str>,
    pub commute: bool,
    pub needs_examination: bool,
    pub casualties: Vec<Casualty>,
}

impl Accident {
    pub fn sector(&self) -> AccidentSector {
        if self.establishment.is_some() {
            AccidentSector::WithLabourRelation
        } else {
            AccidentSector::WithoutLabourContract
        }
    }

    /// The day it happened in Viet Nam.
    pub fn day(&self) -> NaiveDate {
        self.occurred_at.date_naive()
    }

    pub fn count(&self, severity: Severity) -> usize {
        self.casualties
            .iter()
            .filter(|c| c.severity == severity)
            .count()
    }

    /// The declaration as the employer (or the commune) sends it.
    pub fn declaration(&self, establishments: &[Establishment]) -> AccidentDeclaration {
        let employer = self
            .establishment
            .and_then(|i| establishments.get(i))
            .map(|e| EmployerRef {
                id: None,
                tax_code: Some(e.tax_code.clone()),
            });
        AccidentDeclaration {
            sector: self.sector(),
            employer,
            occurred_at: self.occurred_at,
            notified_at: self.notified_at,
            place: Place {
                commune_code: self.place_commune.clone(),
                address: self.place.clone(),
            },
            description: self.description.clone(),
            injury_factor_code: self.injury_factor.map(str::to_owned),
            cause_codes: self.causes.iter().map(|c| (*c).to_owned()).collect(),
            commute_accident: self.commute,
            police_notified_at: self.police_notified_at,
            needs_examination: self.needs_examination,
            casualties: self
                .casualties
                .iter()
                .map(|c| CasualtyDeclaration {
                    personal_id: Some(c.person.personal_id.clone()),
                    identity: None,
                    full_name: c.person.full_name.clone(),
                    gender: if c.person.female {
                        Gender::Female
                    } else {
                        Gender::Male
                    },
                    birth_date: None,
                    birth_year: Some(c.person.birth_year),
                    occupation_code: Some(c.occupation_code.to_owned()),
                    contract_type: c.contract_type,
                    severity: c.declared,
                    injury_codes: c.injury_codes.iter().map(|s| (*s).to_owned()).collect(),
                    days_off: c.days_off,
                    costs: Costs {
                        medical: c.cost_medical,
                        wages: c.cost_wages,
                        compensation: c.cost_compensation,
                    },
                })
                .collect(),
            external_ref: None,
        }
    }
}

/// Cause codes 1–9 (Phụ lục XII): the employer's failings, the worker's, other.
const CAUSES: [(u32, &str); 9] = [
    (8, "1"),
    (5, "2"),
    (6, "3"),
    (20, "4"),
    (15, "5"),
    (4, "6"),
    (24, "7"),
    (14, "8"),
    (4, "9"),
];

fn event(rng: &mut Rng, factor: &str) -> &'static str {
    let options: &[&'static str] = match factor {
        "01" => &[
            "bị điện giật khi đấu nối dây dẫn không cắt điện",
            "bị phóng điện hồ quang khi thao tác tại tủ điện",
        ],
        "03" => &["bình khí nén phát nổ trong khi bảo dưỡng thiết bị"],
        "04" => &[
            "bị vật nâng rơi trúng khi cẩu hàng bằng cần trục",
            "cáp tời bị đứt khi nâng vật liệu lên cao",
        ],
        "05" => &[
            "bị cuốn tay vào băng tải khi vệ sinh máy đang chạy",
            "bị máy cắt kẹp tay khi đưa phôi vào máy",
            "bị máy xúc đang lùi va vào người",
        ],
        "06" => &[
            "bị đá văng trúng người khi nổ mìn phá đá",
            "bị mảnh vật liệu văng bắn vào mắt khi mài",
        ],
        "07" => &[
            "bị cây gỗ đổ đè khi đang cưa hạ cây",
            "bị vật liệu rơi từ trên cao trúng đầu",
            "bị đống vật liệu đổ sập đè lên người",
        ],
        "08" => &[
            "ngã từ giàn giáo khi đang xây tường tầng hai",
            "bị sập cốp pha khi đổ bê tông sàn",
            "ngã từ mái nhà khi đang lợp tôn",
        ],
        "09" => &[
            "bị đất đá sạt lở từ vách moong vùi lấp khi đang bốc xúc",
            "bị sập lò khi đang đào đường lò",
        ],
        _ => &["bị thương trong khi làm việc"],
    };
    rng.pick(options)
        .copied()
        .unwrap_or("bị thương trong khi làm việc")
}

/// An endless stream of accidents between two days: each picks an employer in
/// proportion to its expected casualties (workers × the sector's rate), or — for a
/// share of them — a worker without a labour contract in a rural commune.
pub struct AccidentStream<'a> {
    rng: Rng,
    establishments: &'a [Establishment],
    communes: &'a Communes,
    employers: WeightedIndex,
    no_contract_share: f64,
    first_day: NaiveDate,
    days: i64,
    latest: DateTime<Utc>,
}

impl<'a> AccidentStream<'a> {
    /// Accidents from `first_day` to `last_day` (both included), of which
    /// `no_contract_share` without a labour contract; no time after `latest`.
    pub fn new(
        rng: Rng,
        establishments: &'a [Establishment],
        communes: &'a Communes,
        first_day: NaiveDate,
        last_day: NaiveDate,
        no_contract_share: f64,
        latest: DateTime<Utc>,
    ) -> Self {
        Self {
            rng,
            employers: WeightedIndex::new(
                establishments.iter().map(Establishment::accident_weight),
            ),
            establishments,
            communes,
            no_contract_share,
            first_day,
            days: (last_day - first_day).num_days() + 1,
            latest,
        }
    }

    fn moment(&mut self) -> DateTime<FixedOffset> {
        let day = self.first_day + Duration::days(self.rng.range(0, self.days - 1));
        // Most accidents happen during the day shift.
        let minute = if self.rng.chance(0.85) {
            self.rng.range(6 * 60 + 30, 17 * 60 + 30)
        } else {
            self.rng.range(0, 24 * 60 - 1)
        };
        let local = day.and_hms_opt(0, 0, 0).unwrap_or_default() + Duration::minutes(minute);
        let at = shared::time::vietnam()
            .from_local_datetime(&local)
            .single()
            .unwrap_or_default();
        at.min(self.latest.with_timezone(&shared::time::vietnam()) - Duration::hours(6))
    }

    fn casualty(&mut self, sector: &Sector, no_contract: bool, year: i32) -> Casualty {
        let rng = &mut self.rng;
        let person = people::worker(rng, sector.female_share * 0.6, year);
        let draw = rng.unit();
        let severity = if draw < sector.fatal_share {
            Severity::Fatal
        } else if draw < sector.fatal_share + sector.serious_share {
            Severity::Serious
        } else {
            Severity::Minor
        };
        // Some deaths follow days later in hospital, some injuries turn out worse.
        let (declared, raise_document) = match severity {
            Severity::Fatal if rng.chance(0.12) => (
                Severity::Serious,
                Some(format!(
                    "Kết luận giám định pháp y số {}/GĐPY của Trung tâm Pháp y tỉnh Cao Bằng",
                    rng.range(10, 480)
                )),
            ),
            Severity::Serious if rng.chance(0.1) => (
                Severity::Minor,
                Some(format!(
                    "Giấy chứng nhận thương tích số {}/GCN-BVĐK của Bệnh viện Đa khoa tỉnh",
                    rng.range(100, 2400)
                )),
            ),
            s => (s, None),
        };
        let contract_type = if no_contract {
            ContractType::None
        } else {
            rng.weighted(&[
                (50, ContractType::Indefinite),
                (38, ContractType::FixedTerm),
                (5, ContractType::Probation),
                (2, ContractType::Apprentice),
                (5, ContractType::None),
            ])
            .copied()
            .unwrap_or(ContractType::Indefinite)
        };
        let daily_wage = rng.range_u32(220, 420);
        let (days_off, medical, compensation) = match severity {
            Severity::Fatal => (
                0,
                rng.range_u32(3_000, 30_000),
                rng.range_u32(150_000, 320_000),
            ),
            Severity::Serious => (
                rng.range_u32(30, 180),
                rng.range_u32(12_000, 90_000),
                if rng.chance(0.6) {
                    rng.range_u32(15_000, 120_000)
                } else {
                    0
                },
            ),
            Severity::Minor => (rng.range_u32(2, 25), rng.range_u32(300, 6_000), 0),
        };
        let injury_codes = match severity {
            Severity::Minor => vec![],
            _ => vec![
                rng.pick(&["11", "21", "211", "22"])
                    .copied()
                    .unwrap_or("11"),
            ],
        };
        Casualty {
            occupation_code: rng.pick(sector.occupations).copied().unwrap_or("9329"),
            person,
            contract_type,
            declared,
            severity,
            raise_document,
            injury_codes,
            days_off,
            cost_medical: medical,
            cost_wages: if no_contract {
                0
            } else {
                days_off * daily_wage
            },
            cost_compensation: if no_contract { 0 } else { compensation },
        }
    }

    fn draw(&mut self) -> Accident {
        let employer = if self.rng.chance(self.no_contract_share) {
            None
        } else {
            self.employers.sample(&mut self.rng)
        };
        let establishment = employer.and_then(|i| self.establishments.get(i));
        let sector: &Sector = establishment.map_or(&NO_CONTRACT, |e| e.sector);
        let occurred_at = self.moment();
        let year = occurred_at.year();
        let commute = establishment.is_some() && self.rng.chance(0.02);
        let victims = 1
            + usize::from(self.rng.chance(0.08))
            + usize::from(self.rng.chance(0.02))
            + usize::from(self.rng.chance(0.01))
                * usize::try_from(self.rng.range(1, 4)).unwrap_or(1);
        let mut casualties: Vec<Casualty> = Vec::with_capacity(victims);
        while casualties.len() < victims {
            let c = self.casualty(sector, establishment.is_none(), year);
            if !casualties
                .iter()
                .any(|o| o.person.personal_id == c.person.personal_id)
            {
                casualties.push(c);
            }
        }
        let rng = &mut self.rng;
        let commune_now = match establishment {
            // Most accidents happen at the employer's own commune; building sites and
            // transport move around.
            Some(e) if rng.chance(0.8) => e.commune_code.clone(),
            Some(_) => self.communes.draw_any(rng).0,
            None => self.communes.draw_rural(rng).0,
        };
        let (place_commune, place_name) =
            self.communes
                .on_day(rng, &commune_now, occurred_at.date_naive());
        let injury_factor =
            (!commute).then(|| rng.weighted(sector.factors).copied().unwrap_or("07"));
        let mut causes = vec![rng.weighted(&CAUSES).copied().unwrap_or("7")];
        if commute {
            causes = vec!["9"];
        } else if rng.chance(0.4) {
            let second = rng.weighted(&CAUSES).copied().unwrap_or("4");
            if !causes.contains(&second) {
                causes.push(second);
            }
        }
        let site = rng.pick(sector.sites).copied().unwrap_or("Nơi làm việc");
        let place = if commute {
            format!(
                "Đường từ nơi ở đến nơi làm việc, {}",
                establishments::locality(rng, &place_name)
            )
        } else {
            format!("{site}, {}", establishments::locality(rng, &place_name))
        };
        let what = if commute {
            "bị xe máy va chạm trên đường đi làm"
        } else {
            event(rng, injury_factor.unwrap_or("07"))
        };
        let description = format!(
            "Khoảng {} giờ {:02} phút ngày {}, tại {}, người lao động {what}.",
            occurred_at.hour(),
            occurred_at.minute(),
            occurred_at.format("%d/%m/%Y"),
            lowercase_first(&place),
        );
        let notified_at = if rng.chance(0.8) {
            occurred_at + Duration::minutes(rng.range(15, 6 * 60))
        } else {
            occurred_at + Duration::hours(rng.range(12, 72))
        };
        let latest = self.latest.with_timezone(&shared::time::vietnam());
        let notified_at = notified_at
            .min(latest - Duration::hours(1))
            .max(occurred_at);
        let declared_fatal = casualties.iter().any(|c| c.declared == Severity::Fatal);
        let police_notified_at = (declared_fatal && rng.chance(0.95)).then(|| {
            (occurred_at + Duration::minutes(rng.range(20, 180)))
                .min(latest - Duration::hours(1))
                .max(occurred_at)
        });
        let needs_examination = casualties.iter().any(|c| c.severity == Severity::Fatal)
            && matches!(injury_factor, Some("01" | "03" | "08" | "09"))
            && rng.chance(0.3);
        Accident {
            establishment: employer,
            occurred_at,
            notified_at,
            police_notified_at,
            commune_now,
            place_commune,
            place,
            description,
            injury_factor,
            causes,
            commute,
            needs_examination,
            casualties,
        }
    }
}

impl Iterator for AccidentStream<'_> {
    type Item = Accident;

    fn next(&mut self) -> Option<Accident> {
        Some(self.draw())
    }
}

/// "Khai trường, xóm …" → "khai trường, xóm …", to sit inside a sentence.
fn lowercase_first(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|c| c.to_lowercase().chain(chars).collect())
        .unwrap_or_default()
}

/// A status step of an accident, with its reason (lý do).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Step {
    pub status: &'static str,
    pub reason: String,
}

/// What happens to an accident after its declaration, in order: raises of a
/// casualty's severity, the move to investigation, the record, the last steps.
#[derive(Clone, Debug)]
pub struct Lifecycle {
    /// Casualty position, new severity, supporting document.
    pub raises: Vec<(usize, Severity, String)>,
    pub investigating: Option<Step>,
    pub record: Option<InvestigationRecord>,
    /// `record_announced` and then perhaps `closed`.
    pub after_record: Vec<Step>,
}

fn day_text(d: NaiveDate) -> String {
    d.format("%d/%m/%Y").to_string()
}

fn cause_text(code: &str) -> &'static str {
    match code {
        "1" => "thiết bị không bảo đảm an toàn",
        "2" => "không trang bị đủ phương tiện bảo vệ cá nhân",
        "3" => "tổ chức lao động không hợp lý",
        "4" => "người lao động chưa được huấn luyện an toàn, vệ sinh lao động đầy đủ",
        "5" => "không có quy trình, biện pháp làm việc an toàn",
        "6" => "điều kiện làm việc không bảo đảm",
        "7" => "người lao động vi phạm quy trình, biện pháp làm việc an toàn",
        "8" => "người lao động không sử dụng phương tiện bảo vệ cá nhân được cấp",
        _ => "nguyên nhân khách quan khó tránh",
    }
}

/// The rest of an accident's story, as seen on `today` (nothing is dated after it).
pub fn lifecycle(
    rng: &mut Rng,
    accident: &Accident,
    employer: Option<&Establishment>,
    today: NaiveDate,
) -> Lifecycle {
    let raises = accident
        .casualties
        .iter()
        .enumerate()
        .filter_map(|(i, c)| c.raise_document.clone().map(|d| (i, c.severity, d)))
        .collect();
    let severities: Vec<Severity> = accident.casualties.iter().map(|c| c.severity).collect();
    let class = rules::classify(
        accident.sector(),
        &severities,
        accident.needs_examination,
        &DeadlineRules::default(),
    );
    let notified = accident.notified_at.date_naive();
    let mut life = Lifecycle {
        raises,
        investigating: None,
        record: None,
        after_record: vec![],
    };
    // A few employers never form their team: the case stays declared, overdue.
    if class.investigation_level == InvestigationLevel::Employer && rng.chance(0.02) {
        return life;
    }
    let decision_date = notified + Duration::days(rng.range(0, 2));
    let before_snv = accident.day() < NaiveDate::from_ymd_opt(2025, 3, 1).unwrap_or_default();
    let decision_number = match class.investigation_level {
        InvestigationLevel::Provincial if before_snv => format!("{}/QĐ-SLĐTBXH", rng.range(5, 300)),
        InvestigationLevel::Provincial => format!("{}/QĐ-SNV", rng.range(5, 300)),
        InvestigationLevel::Commune => format!("{}/QĐ-UBND", rng.range(5, 200)),
        InvestigationLevel::Employer => format!("{:02}/QĐ-ĐTTNLĐ", rng.range(1, 30)),
    };
    life.investigating = Some(Step {
        status: "under_investigation",
        reason: format!("Thành lập đoàn điều tra theo Quyết định số {decision_number}"),
    });
    let days = class.investigation_days;
    let grave = class.case_severity != Severity::Minor;
    // Most records come within the deadline; a complex serious case takes the one
    // extension the law allows; some are late; a few are still open.
    let extension_days = (grave && rng.chance(0.12)).then_some(days);
    let allowed = days + extension_days.unwrap_or(0);
    let taken = if rng.chance(0.9) {
        ((allowed as f64) * rng.between(0.35, 1.0)).round() as i64
    } else {
        allowed + rng.range(1, 12)
    };
    let announced = (notified + Duration::days(taken.max(1))).max(accident.day());
    let open = announced >= today || rng.chance(0.03);
    let person = |rng: &mut Rng| {
        let female = rng.chance(0.3);
        people::full_name(rng, female)
    };
    let mut members = vec![];
    match class.investigation_level {
        InvestigationLevel::Provincial => {
            members.push(member(
                rng,
                "Phó Giám đốc",
                if before_snv {
                    "Sở Lao động – Thương binh và Xã hội"
                } else {
                    "Sở Nội vụ"
                },
                "head",
            ));
            members.push(member(rng, "Chuyên viên", "Sở Y tế", "member"));
            members.push(member(
                rng,
                "Phó Trưởng ban",
                "Liên đoàn Lao động tỉnh",
                "member",
            ));
            members.push(member(rng, "Cán bộ", "Công an tỉnh", "member"));
        }
        InvestigationLevel::Commune => {
            members.push(member(rng, "Phó Chủ tịch", "UBND xã", "head"));
            members.push(member(rng, "Phó Trưởng Công an", "Công an xã", "member"));
        }
        InvestigationLevel::Employer => {
            let org = employer.map_or("Cơ sở", |e| e.name.as_str());
            members.push(member(rng, "Giám đốc", org, "head"));
            members.push(member(rng, "Chủ tịch Công đoàn cơ sở", org, "member"));
            members.push(member(
                rng,
                "Cán bộ an toàn, vệ sinh lao động",
                org,
                "member",
            ));
        }
    }
    let main = accident.causes.first().copied().unwrap_or("9");
    let occupational = !(accident.commute && rng.chance(0.5)) && rng.chance(0.98);
    let mut responsible = vec![];
    if matches!(main, "1" | "2" | "3" | "4" | "5" | "6") {
        if let Some(e) = employer {
            responsible.push(ResponsibleParty {
                name: e.name.clone(),
                violation: format!("Để xảy ra tình trạng {}", cause_text(main)),
            });
        }
    } else if matches!(main, "7" | "8")
        && let Some(c) = accident.casualties.first()
    {
        responsible.push(ResponsibleParty {
            name: c.person.full_name.clone(),
            violation: cause_text(main).to_owned(),
        });
    }
    let measures = vec![
        CorrectiveMeasure {
            measure: "Huấn luyện lại an toàn, vệ sinh lao động cho toàn bộ người lao động".into(),
            owner: Some(
                if employer.is_some() {
                    "Giám đốc"
                } else {
                    "UBND xã"
                }
                .to_owned(),
            ),
            due_date: Some(announced + Duration::days(rng.range(30, 90))),
        },
        CorrectiveMeasure {
            measure:
                "Rà soát, bổ sung quy trình làm việc an toàn và trang bị phương tiện bảo vệ cá nhân"
                    .into(),
            owner: Some(person(rng)),
            due_date: Some(announced + Duration::days(rng.range(15, 60))),
        },
    ];
    life.record = Some(InvestigationRecord {
        team_level: class.investigation_level,
        decision_number: Some(decision_number),
        decision_date: Some(decision_date.max(accident.day()).min(today)),
        members,
        conclusions: Some(format!(
            "Vụ tai nạn xảy ra do {}{}.",
            cause_text(main),
            accident
                .causes
                .get(1)
                .map(|c| format!("; ngoài ra {}", cause_text(c)))
                .unwrap_or_default()
        )),
        is_occupational_accident: (!open).then_some(occupational),
        cause_codes: accident.causes.iter().map(|c| (*c).to_owned()).collect(),
        responsible_parties: if open { vec![] } else { responsible },
        corrective_measures: if open { vec![] } else { measures },
        extension_days,
        record_announced_on: (!open).then_some(announced),
    });
    if !open {
        life.after_record.push(Step {
            status: "record_announced",
            reason: format!("Công bố biên bản điều tra ngày {}", day_text(announced)),
        });
        if announced + Duration::days(30) < today {
            life.after_record.push(Step {
                status: "closed",
                reason: "Hoàn thành hồ sơ vụ tai nạn, lưu trữ theo quy định".into(),
            });
        }
    }
    life
}

fn member(rng: &mut Rng, position: &str, organisation: &str, role: &str) -> TeamMember {
    let female = rng.chance(0.3);
    TeamMember {
        name: people::full_name(rng, female),
        position: Some(position.to_owned()),
        organisation: Some(organisation.to_owned()),
        role: role.to_owned(),
    }
}

/// How many casualties with a labour relation `establishments` have in a year at
/// their sectors' rates, scaled by `factor`.
pub fn expected_casualties(establishments: &[Establishment], factor: f64) -> f64 {
    establishments
        .iter()
        .map(Establishment::accident_weight)
        .sum::<f64>()
        * factor
}
