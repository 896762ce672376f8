//! Work-environment monitoring (quan trắc môi trường lao động, docs/domain.md, "Work-environment monitoring"): the
//! factor groups, the checks of a monitoring report, the judging of measured values
//! against the exposure limits kept in `data/exposure-limits.csv`, and what a
//! report adds to the monitoring statistics.
//!
//! The statistics count establishments, not reports: an establishment monitored
//! three times in a year is one monitored establishment. So a report's contribution
//! is computed for its whole establishment (all its reports), and a write records
//! the difference between the establishment's contribution after and before; the
//! counters never need a rescan.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use shared::error::{FieldError, Text};
use utoipa::ToSchema;

/// The monitored factor groups (docs/domain.md, "Work-environment monitoring").
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum FactorGroup {
    /// Vi khí hậu (nhiệt độ, độ ẩm, tốc độ gió, bức xạ nhiệt), QCVN 26:2016/BYT.
    Microclimate,
    /// Ánh sáng, QCVN 22:2016/BYT.
    Light,
    /// Tiếng ồn, QCVN 24:2016/BYT.
    Noise,
    /// Rung, QCVN 27:2016/BYT.
    Vibration,
    /// Điện từ trường tần số công nghiệp, QCVN 25:2016/BYT.
    EmfPower,
    /// Điện từ trường tần số cao, QCVN 21:2016/BYT.
    EmfHf,
    /// Phóng xạ, bức xạ ion hóa.
    Ionising,
    /// Bụi, QCVN 02:2019/BYT.
    Dust,
    /// Hơi khí độc, hóa chất, QCVN 03:2019/BYT.
    Chemical,
    /// Vi sinh vật, tác nhân sinh học.
    Biological,
    /// Ecgônômi.
    Ergonomic,
    /// Tâm sinh lý lao động.
    Psycho,
}

impl FactorGroup {
    pub const ALL: [FactorGroup; 12] = [
        FactorGroup::Microclimate,
        FactorGroup::Light,
        FactorGroup::Noise,
        FactorGroup::Vibration,
        FactorGroup::EmfPower,
        FactorGroup::EmfHf,
        FactorGroup::Ionising,
        FactorGroup::Dust,
        FactorGroup::Chemical,
        FactorGroup::Biological,
        FactorGroup::Ergonomic,
        FactorGroup::Psycho,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            FactorGroup::Microclimate => "microclimate",
            FactorGroup::Light => "light",
            FactorGroup::Noise => "noise",
            FactorGroup::Vibration => "vibration",
            FactorGroup::EmfPower => "emf_power",
            FactorGroup::EmfHf => "emf_hf",
            FactorGroup::Ionising => "ionising",
            FactorGroup::Dust => "dust",
            FactorGroup::Chemical => "chemical",
            FactorGroup::Biological => "biological",
            FactorGroup::Ergonomic => "ergonomic",
            FactorGroup::Psycho => "psycho",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.as_str() == s)
    }

    pub fn name_en(self) -> &'static str {
        match self {
            FactorGroup::Microclimate => "Microclimate",
            FactorGroup::Light => "Lighting",
            FactorGroup::Noise => "Noise",
            FactorGroup::Vibration => "Vibration",
            FactorGroup::EmfPower => "Power-frequency electromagnetic fields",
            FactorGroup::EmfHf => "High-frequency electromagnetic fields",
            FactorGroup::Ionising => "Ionising radiation",
            FactorGroup::Dust => "Dust",
            FactorGroup::Chemical => "Toxic gases and chemicals",
            FactorGroup::Biological => "Micro-organisms and biological agents",
            FactorGroup::Ergonomic => "Ergonomics",
            FactorGroup::Psycho => "Work psychophysiology",
        }
    }

    pub fn name_vi(self) -> &'static str {
        match self {
            FactorGroup::Microclimate => "Vi khí hậu",
            FactorGroup::Light => "Ánh sáng",
            FactorGroup::Noise => "Tiếng ồn",
            FactorGroup::Vibration => "Rung",
            FactorGroup::EmfPower => "Điện từ trường tần số công nghiệp",
            FactorGroup::EmfHf => "Điện từ trường tần số cao",
            FactorGroup::Ionising => "Phóng xạ, bức xạ ion hóa",
            FactorGroup::Dust => "Bụi",
            FactorGroup::Chemical => "Hơi khí độc, hóa chất",
            FactorGroup::Biological => "Vi sinh vật, tác nhân sinh học",
            FactorGroup::Ergonomic => "Ecgônômi",
            FactorGroup::Psycho => "Tâm sinh lý lao động",
        }
    }
}

/// One measured value (kết quả đo một mẫu).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Measurement {
    /// The measured parameter, e.g. `laeq` (mức áp âm tương đương) or `lamax` for noise.
    #[schema(example = "laeq")]
    pub parameter: String,
    pub value: f64,
    #[schema(example = "dBA")]
    pub unit: String,
    /// How long the workers are exposed, in seconds (thời gian tiếp xúc); for noise
    /// LAeq a full 8-hour shift (28,800 s) when not sent.
    pub exposure_seconds: Option<u32>,
    /// Workstation or place of the sample (vị trí lấy mẫu).
    pub location: Option<String>,
    /// The sender's own verdict for this sample: above the limit or not.
    pub exceeds: Option<bool>,
}

/// The samples of one factor group (số mẫu đo / số mẫu vượt tiêu chuẩn cho phép).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FactorSamples {
    pub factor: FactorGroup,
    /// Samples taken (số mẫu đo).
    pub samples_taken: u32,
    /// Samples over the limit (số mẫu không đạt / vượt giới hạn cho phép).
    pub samples_over_limit: u32,
    /// Some or all of the measured values.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub measurements: Vec<Measurement>,
}

/// The most samples one factor of one report may state; far above any real visit,
/// and small enough that sums over millions of reports stay exact in 64 bits.
pub const MAX_SAMPLES: u32 = 1_000_000;

fn field(pointer: String, code: &'static str, vi: String, en: String) -> FieldError {
    FieldError::body(pointer, code, Text::new(vi, en))
}

/// The checks that refuse a report's factor list.
pub fn validate(factors: &[FactorSamples], errors: &mut Vec<FieldError>) {
    if factors.is_empty() {
        errors.push(field(
            "/factors".into(),
            "factors_required",
            "Báo cáo quan trắc phải có ít nhất một nhóm yếu tố đã đo.".into(),
            "A monitoring report states at least one factor group measured.".into(),
        ));
    }
    let mut seen = Vec::new();
    for (i, f) in factors.iter().enumerate() {
        let at = format!("/factors/{i}");
        if seen.contains(&f.factor) {
            errors.push(field(
                format!("{at}/factor"),
                "duplicate_factor",
                format!("Nhóm yếu tố {} được khai hai lần.", f.factor.as_str()),
                format!("The factor group {} appears twice.", f.factor.as_str()),
            ));
        }
        seen.push(f.factor);
        if f.samples_taken == 0 || f.samples_taken > MAX_SAMPLES {
            errors.push(field(
                format!("{at}/samples_taken"),
                "invalid_sample_count",
                format!("Số mẫu đo phải từ 1 đến {MAX_SAMPLES}."),
                format!("samples_taken must be between 1 and {MAX_SAMPLES}."),
            ));
        }
        if f.samples_over_limit > f.samples_taken {
            errors.push(field(
                format!("{at}/samples_over_limit"),
                "over_limit_exceeds_taken",
                "Số mẫu vượt giới hạn lớn hơn số mẫu đo.".into(),
                "More samples over the limit than samples taken.".into(),
            ));
        }
        if f.measurements.len() > usize::try_from(f.samples_taken).unwrap_or(usize::MAX) {
            errors.push(field(
                format!("{at}/measurements"),
                "more_measurements_than_samples",
                "Số kết quả đo gửi kèm nhiều hơn số mẫu đo.".into(),
                "More measured values than samples taken.".into(),
            ));
        }
        for (j, m) in f.measurements.iter().enumerate() {
            let at = format!("{at}/measurements/{j}");
            let blank = |s: &str| s.trim().is_empty() || s.chars().count() > 50;
            if blank(&m.parameter) {
                errors.push(field(
                    format!("{at}/parameter"),
                    "invalid_parameter",
                    "Cần tên chỉ tiêu đo (tối đa 50 ký tự).".into(),
                    "The parameter is required (at most 50 characters).".into(),
                ));
            }
            if blank(&m.unit) {
                errors.push(field(
                    format!("{at}/unit"),
                    "invalid_unit",
                    "Cần đơn vị đo (tối đa 50 ký tự).".into(),
                    "The unit is required (at most 50 characters).".into(),
                ));
            }
            if m.exposure_seconds == Some(0) {
                errors.push(field(
                    format!("{at}/exposure_seconds"),
                    "invalid_exposure",
                    "Thời gian tiếp xúc phải lớn hơn 0 giây.".into(),
                    "The exposure time must be more than 0 seconds.".into(),
                ));
            }
            if m.location
                .as_deref()
                .is_some_and(|l| l.chars().count() > 255)
            {
                errors.push(field(
                    format!("{at}/location"),
                    "invalid_location",
                    "Vị trí lấy mẫu dài quá 255 ký tự.".into(),
                    "The location is longer than 255 characters.".into(),
                ));
            }
        }
    }
}

/// One exposure limit from `data/exposure-limits.csv`.
#[derive(Clone, Debug, PartialEq)]
pub struct ExposureLimit {
    pub factor: FactorGroup,
    pub parameter: String,
    pub unit: String,
    /// The exposure time the limit is tabulated for; `None`: any exposure.
    pub exposure_seconds: Option<u32>,
    pub limit: f64,
    pub standard: String,
}

fn parse_limits(text: &str) -> Vec<ExposureLimit> {
    text.lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .filter_map(|line| {
            let mut cells = line.split(',').map(str::trim);
            let factor = FactorGroup::parse(cells.next()?)?;
            let parameter = cells.next()?.to_lowercase();
            let unit = cells.next()?.to_owned();
            let exposure = cells.next()?;
            let exposure_seconds = if exposure.is_empty() {
                None
            } else {
                Some(exposure.parse().ok()?)
            };
            let limit = cells.next()?.parse().ok()?;
            let standard = cells.next()?.to_owned();
            Some(ExposureLimit {
                factor,
                parameter,
                unit,
                exposure_seconds,
                limit,
                standard,
            })
        })
        .collect()
}

/// The verified limits only; a factor without a row is stored and not judged.
pub static LIMITS: LazyLock<Vec<ExposureLimit>> =
    LazyLock::new(|| parse_limits(include_str!("../../data/exposure-limits.csv")));

/// A full shift: the exposure QCVN 24:2016/BYT's 85 dBA is set for.
pub const FULL_SHIFT_SECONDS: u32 = 8 * 3600;

/// `dBA`, `dB(A)` and `dba` are one unit.
fn same_unit(a: &str, b: &str) -> bool {
    let norm = |s: &str| {
        s.chars()
            .filter(|c| !matches!(c, '(' | ')' | ' '))
            .flat_map(char::to_lowercase)
            .collect::<String>()
    };
    norm(a) == norm(b)
}

/// What the service makes of one measured value.
#[derive(Clone, Debug, PartialEq)]
pub enum Judgement {
    /// No verified limit for this factor and parameter (or this exposure time).
    NoLimit,
    /// A limit exists, but in another unit: not compared.
    OtherUnit { unit: String },
    Judged {
        exceeds: bool,
        limit: f64,
        unit: String,
        exposure_seconds: Option<u32>,
        standard: String,
    },
}

/// Judges a value against `limits`: for a tabulated exposure time, the row of the
/// shortest tabulated time that covers the exposure (the stricter limit); above
/// the limit exceeds, at the limit does not ("không vượt quá").
pub fn judge(limits: &[ExposureLimit], factor: FactorGroup, m: &Measurement) -> Judgement {
    let parameter = m.parameter.trim().to_lowercase();
    let rows: Vec<&ExposureLimit> = limits
        .iter()
        .filter(|l| l.factor == factor && l.parameter == parameter)
        .collect();
    let Some(first) = rows.first() else {
        return Judgement::NoLimit;
    };
    if !same_unit(&first.unit, &m.unit) {
        return Judgement::OtherUnit {
            unit: first.unit.clone(),
        };
    }
    let exposure = m.exposure_seconds.unwrap_or(FULL_SHIFT_SECONDS);
    let row = rows
        .iter()
        .filter(|l| l.exposure_seconds.is_none_or(|t| t >= exposure))
        .min_by_key(|l| l.exposure_seconds.unwrap_or(u32::MAX));
    match row {
        Some(l) => Judgement::Judged {
            exceeds: m.value > l.limit,
            limit: l.limit,
            unit: l.unit.clone(),
            exposure_seconds: l.exposure_seconds,
            standard: l.standard.clone(),
        },
        None => Judgement::NoLimit,
    }
}

fn duration_text(seconds: u32) -> String {
    match seconds {
        s if s % 3600 == 0 => format!("{} h", s / 3600),
        s if s % 60 == 0 => format!("{} min", s / 60),
        s => format!("{s} s"),
    }
}

/// Warnings, not errors: where the service's own judging of the measured values
/// disagrees with the sender's verdicts or counts. The sender may know better (a
/// limit for a kind of workplace, a newer standard), but someone should look.
pub fn compare_with_limits(limits: &[ExposureLimit], factors: &[FactorSamples]) -> Vec<FieldError> {
    let mut warnings = Vec::new();
    for (i, f) in factors.iter().enumerate() {
        let (mut over, mut within) = (0u32, 0u32);
        let mut example: Option<String> = None;
        for (j, m) in f.measurements.iter().enumerate() {
            let at = format!("/factors/{i}/measurements/{j}");
            match judge(limits, f.factor, m) {
                Judgement::NoLimit => {}
                Judgement::OtherUnit { unit } => warnings.push(field(
                    format!("{at}/unit"),
                    "unit_not_comparable",
                    format!("Giới hạn cho phép của chỉ tiêu này tính bằng {unit}; kết quả chưa được đối chiếu."),
                    format!("The limit of this parameter is in {unit}; the value was not checked."),
                )),
                Judgement::Judged {
                    exceeds,
                    limit,
                    unit,
                    exposure_seconds,
                    standard,
                } => {
                    let exposure = exposure_seconds
                        .map(|s| format!(" cho {}", duration_text(s)))
                        .unwrap_or_default();
                    let exposure_en = exposure_seconds
                        .map(|s| format!(" for {}", duration_text(s)))
                        .unwrap_or_default();
                    let verdict_vi = if exceeds { "vượt" } else { "không vượt" };
                    let verdict_en = if exceeds { "exceeds" } else { "is within" };
                    let text = format!("{} {unit} {verdict_vi} giới hạn {limit} {unit}{exposure} ({standard})", m.value);
                    let text_en = format!("{} {unit} {verdict_en} the limit of {limit} {unit}{exposure_en} ({standard})", m.value);
                    if exceeds {
                        over += 1;
                    } else {
                        within += 1;
                    }
                    if m.exceeds.is_some_and(|flag| flag != exceeds) {
                        warnings.push(field(
                            format!("{at}/exceeds"),
                            "exceeds_flag_mismatch",
                            format!("Kết quả {text}, khác với đánh giá gửi kèm."),
                            format!("The value {text_en}, unlike the verdict sent."),
                        ));
                    }
                    example.get_or_insert(text);
                }
            }
        }
        let within_reported = f.samples_taken.saturating_sub(f.samples_over_limit);
        if over > f.samples_over_limit || within > within_reported {
            let example = example.unwrap_or_default();
            warnings.push(field(
                format!("/factors/{i}/samples_over_limit"),
                "over_limit_count_mismatch",
                format!(
                    "Đối chiếu giới hạn cho phép: {over} kết quả vượt và {within} kết quả đạt (ví dụ: {example}), \
                     nhưng báo cáo ghi {} mẫu vượt trên {} mẫu đo.",
                    f.samples_over_limit, f.samples_taken
                ),
                format!(
                    "Against the limits, {over} measured values exceed and {within} are within, \
                     but the report counts {} of {} samples over the limit.",
                    f.samples_over_limit, f.samples_taken
                ),
            ));
        }
    }
    warnings
}

/// A warning when samples over the limit are counted but the report says the
/// establishment has no harmful factors: one of the two is likely wrong, and the
/// statistics count it as not monitored for the plan's indicator.
pub fn check_declaration(
    has_harmful_factors: bool,
    factors: &[FactorSamples],
) -> Option<FieldError> {
    let over: u64 = factors
        .iter()
        .map(|f| u64::from(f.samples_over_limit))
        .sum();
    (!has_harmful_factors && over > 0).then(|| {
        field(
            "/has_harmful_factors".into(),
            "harmful_factors_not_declared",
            format!("Có {over} mẫu vượt giới hạn cho phép nhưng báo cáo ghi cơ sở không có yếu tố có hại."),
            format!("{over} samples exceed the limit, yet the report says there are no harmful factors."),
        )
    })
}

// ---------------------------------------------------------------------------
// Statistics

/// The dimensions monitoring statistics can be grouped by.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum GroupBy {
    Commune,
    VsicSection,
    OwnershipType,
    Factor,
}

impl GroupBy {
    pub fn dim_kind(self) -> &'static str {
        match self {
            GroupBy::Commune => "commune",
            GroupBy::VsicSection => "vsic_section",
            GroupBy::OwnershipType => "ownership_type",
            GroupBy::Factor => "factor",
        }
    }
}

pub const TOTAL: &str = "total";
/// The group of an establishment that stated no value for a dimension.
pub const UNKNOWN: &str = "unknown";

/// The additive figures of a group and year.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Counters {
    /// Establishments with at least one monitoring report in the year.
    pub establishments_reporting: i64,
    /// Of those, the ones whose reports of the year declare harmful factors.
    pub establishments_monitored: i64,
    /// Establishments with at least one sample over the limit in the year.
    pub establishments_with_exceedance: i64,
    /// Steps of the establishments known to have harmful factors (summed over years ≤ Y).
    pub harmful_known: i64,
    pub reports: i64,
    pub samples_taken: i64,
    pub samples_over_limit: i64,
}

impl Counters {
    fn combine(self, o: Counters, sign: i64) -> Counters {
        Counters {
            establishments_reporting: self.establishments_reporting
                + sign * o.establishments_reporting,
            establishments_monitored: self.establishments_monitored
                + sign * o.establishments_monitored,
            establishments_with_exceedance: self.establishments_with_exceedance
                + sign * o.establishments_with_exceedance,
            harmful_known: self.harmful_known + sign * o.harmful_known,
            reports: self.reports + sign * o.reports,
            samples_taken: self.samples_taken + sign * o.samples_taken,
            samples_over_limit: self.samples_over_limit + sign * o.samples_over_limit,
        }
    }

    pub fn plus(self, o: Counters) -> Counters {
        self.combine(o, 1)
    }

    pub fn minus(self, o: Counters) -> Counters {
        self.combine(o, -1)
    }

    pub fn is_zero(&self) -> bool {
        *self == Counters::default()
    }
}

/// Where a contribution is counted.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct StatKey {
    pub year: i64,
    pub dim_kind: &'static str,
    pub dim_value: String,
}

/// What the statistics need of one stored report.
#[derive(Clone, Debug, PartialEq)]
pub struct ReportFacts {
    pub id: String,
    pub year: i64,
    pub monitored_on: NaiveDate,
    pub has_harmful_factors: bool,
    pub commune_code: Option<String>,
    pub vsic_section: Option<String>,
    pub ownership_type: Option<String>,
    /// Factor group, samples taken, samples over the limit.
    pub factors: Vec<(FactorGroup, i64, i64)>,
}

/// Everything one establishment's reports (as they stand) add to the statistics.
///
/// Per year with reports: the establishment once in the total and in the groups its
/// latest report of the year states; monitored if any report of the year declares
/// harmful factors. Known to have harmful factors from such a year until its next
/// reporting year, which then decides afresh.
pub fn contributions(reports: &[ReportFacts]) -> Vec<(StatKey, Counters)> {
    let mut by_year: BTreeMap<i64, Vec<&ReportFacts>> = BTreeMap::new();
    for r in reports {
        by_year.entry(r.year).or_default().push(r);
    }
    let years: Vec<i64> = by_year.keys().copied().collect();
    let mut out = Vec::new();
    let value = |v: &Option<String>| v.clone().unwrap_or_else(|| UNKNOWN.to_owned());
    for (index, (year, mut rs)) in by_year.into_iter().enumerate() {
        rs.sort_by(|a, b| (a.monitored_on, &a.id).cmp(&(b.monitored_on, &b.id)));
        let Some(latest) = rs.last() else { continue };
        let harmful = rs.iter().any(|r| r.has_harmful_factors);
        let count = |n: usize| i64::try_from(n).unwrap_or(i64::MAX);
        let mut factors: BTreeMap<FactorGroup, (i64, i64, i64)> = BTreeMap::new();
        for (factor, taken, over) in rs.iter().flat_map(|r| r.factors.iter()) {
            let e = factors.entry(*factor).or_default();
            *e = (e.0 + 1, e.1 + taken, e.2 + over);
        }
        let taken: i64 = factors.values().map(|f| f.1).sum();
        let over: i64 = factors.values().map(|f| f.2).sum();
        let establishment = Counters {
            establishments_reporting: 1,
            establishments_monitored: i64::from(harmful),
            establishments_with_exceedance: i64::from(over > 0),
            harmful_known: 0,
            reports: count(rs.len()),
            samples_taken: taken,
            samples_over_limit: over,
        };
        let dims: [(&'static str, String); 4] = [
            (TOTAL, TOTAL.to_owned()),
            ("commune", value(&latest.commune_code)),
            ("vsic_section", value(&latest.vsic_section)),
            ("ownership_type", value(&latest.ownership_type)),
        ];
        let next_year = years.get(index + 1).copied();
        for (dim_kind, dim_value) in dims {
            let key = |year| StatKey {
                year,
                dim_kind,
                dim_value: dim_value.clone(),
            };
            out.push((
                key(year),
                Counters {
                    harmful_known: i64::from(harmful),
                    ..establishment
                },
            ));
            if let (true, Some(next)) = (harmful, next_year) {
                out.push((
                    key(next),
                    Counters {
                        harmful_known: -1,
                        ..Counters::default()
                    },
                ));
            }
        }
        for (factor, (reports, taken, over)) in factors {
            out.push((
                StatKey {
                    year,
                    dim_kind: "factor",
                    dim_value: factor.as_str().to_owned(),
                },
                Counters {
                    establishments_reporting: 1,
                    establishments_monitored: i64::from(harmful),
                    establishments_with_exceedance: i64::from(over > 0),
                    harmful_known: 0,
                    reports,
                    samples_taken: taken,
                    samples_over_limit: over,
                },
            ));
        }
    }
    out
}

/// The changes a write makes: after minus before, per key, zero changes dropped.
pub fn delta(
    before: &[(StatKey, Counters)],
    after: &[(StatKey, Counters)],
) -> Vec<(StatKey, Counters)> {
    let mut changes: BTreeMap<StatKey, Counters> = BTreeMap::new();
    for (key, counters) in after {
        let entry = changes.entry(key.clone()).or_default();
        *entry = entry.plus(*counters);
    }
    for (key, counters) in before {
        let entry = changes.entry(key.clone()).or_default();
        *entry = entry.minus(*counters);
    }
    changes.into_iter().filter(|(_, c)| !c.is_zero()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn noise(value: f64, exposure_seconds: Option<u32>) -> Measurement {
        Measurement {
            parameter: "LAeq".into(),
            value,
            unit: "dBA".into(),
            exposure_seconds,
            location: None,
            exceeds: None,
        }
    }

    fn judged(m: &Measurement) -> Option<(bool, f64)> {
        match judge(&LIMITS, FactorGroup::Noise, m) {
            Judgement::Judged { exceeds, limit, .. } => Some((exceeds, limit)),
            _ => None,
        }
    }

    #[test]
    fn the_noise_table_of_qcvn_24_is_loaded() {
        let laeq: Vec<(Option<u32>, f64)> = LIMITS
            .iter()
            .filter(|l| l.parameter == "laeq")
            .map(|l| (l.exposure_seconds, l.limit))
            .collect();
        assert_eq!(laeq.len(), 11);
        assert_eq!(laeq.first(), Some(&(Some(28_800), 85.0)));
        assert_eq!(laeq.last(), Some(&(Some(30), 115.0)));
        assert!(
            LIMITS
                .iter()
                .any(|l| l.parameter == "lamax" && l.limit == 115.0)
        );
    }

    #[test]
    fn noise_is_judged_by_exposure_time() {
        assert_eq!(
            judged(&noise(90.0, None)),
            Some((true, 85.0)),
            "a full shift"
        );
        assert_eq!(
            judged(&noise(85.0, None)),
            Some((false, 85.0)),
            "at the limit"
        );
        assert_eq!(judged(&noise(90.0, Some(7200))), Some((false, 91.0)));
        // Five hours are more than the 4 h row allows: the 8 h limit applies.
        assert_eq!(judged(&noise(87.0, Some(5 * 3600))), Some((true, 85.0)));
        assert_eq!(judged(&noise(114.0, Some(10))), Some((false, 115.0)));
        assert_eq!(
            judged(&noise(90.0, Some(9 * 3600))),
            None,
            "beyond the table"
        );
        let other_unit = Measurement {
            unit: "Pa".into(),
            ..noise(90.0, None)
        };
        assert!(matches!(
            judge(&LIMITS, FactorGroup::Noise, &other_unit),
            Judgement::OtherUnit { .. }
        ));
        let dust = Measurement {
            parameter: "total".into(),
            unit: "mg/m3".into(),
            ..noise(9.0, None)
        };
        assert_eq!(judge(&LIMITS, FactorGroup::Dust, &dust), Judgement::NoLimit);
    }

    fn factor(taken: u32, over: u32, values: &[f64]) -> FactorSamples {
        FactorSamples {
            factor: FactorGroup::Noise,
            samples_taken: taken,
            samples_over_limit: over,
            measurements: values.iter().map(|v| noise(*v, None)).collect(),
        }
    }

    fn codes(w: &[FieldError]) -> Vec<String> {
        w.iter().map(|e| e.code.to_string()).collect()
    }

    #[test]
    fn counts_that_disagree_with_the_values_are_warnings() {
        assert!(compare_with_limits(&LIMITS, &[factor(2, 1, &[90.0, 80.0])]).is_empty());
        assert!(
            compare_with_limits(&LIMITS, &[factor(5, 1, &[90.0])]).is_empty(),
            "partial values"
        );
        assert_eq!(
            codes(&compare_with_limits(&LIMITS, &[factor(1, 0, &[90.0])])),
            ["over_limit_count_mismatch"]
        );
        assert_eq!(
            codes(&compare_with_limits(&LIMITS, &[factor(1, 1, &[80.0])])),
            ["over_limit_count_mismatch"]
        );
        let mut flagged = factor(2, 1, &[90.0, 80.0]);
        if let Some(m) = flagged.measurements.first_mut() {
            m.exceeds = Some(false);
        }
        assert_eq!(
            codes(&compare_with_limits(&LIMITS, &[flagged])),
            ["exceeds_flag_mismatch"]
        );
        assert!(check_declaration(false, &[factor(2, 1, &[])]).is_some());
        assert!(check_declaration(true, &[factor(2, 1, &[])]).is_none());
        assert!(check_declaration(false, &[factor(2, 0, &[])]).is_none());
    }

    #[test]
    fn impossible_counts_are_errors() {
        let mut errors = Vec::new();
        validate(&[factor(1, 2, &[80.0, 80.0])], &mut errors);
        assert_eq!(
            codes(&errors),
            ["over_limit_exceeds_taken", "more_measurements_than_samples"]
        );
        let mut errors = Vec::new();
        validate(&[factor(1, 0, &[]), factor(1, 0, &[])], &mut errors);
        assert_eq!(codes(&errors), ["duplicate_factor"]);
    }

    fn report(id: &str, year: i64, harmful: bool, commune: &str) -> ReportFacts {
        ReportFacts {
            id: id.into(),
            year,
            monitored_on: NaiveDate::from_ymd_opt(i32::try_from(year).unwrap_or(2025), 3, 1)
                .unwrap_or_default(),
            has_harmful_factors: harmful,
            commune_code: Some(commune.into()),
            vsic_section: None,
            ownership_type: None,
            factors: vec![(FactorGroup::Noise, 4, 1), (FactorGroup::Dust, 2, 0)],
        }
    }

    fn total(parts: &[(StatKey, Counters)], year: i64) -> Counters {
        parts
            .iter()
            .filter(|(k, _)| k.dim_kind == TOTAL && k.year == year)
            .fold(Counters::default(), |a, (_, c)| a.plus(*c))
    }

    #[test]
    fn an_establishment_counts_once_a_year_however_many_reports() {
        let parts = contributions(&[
            report("a", 2025, true, "01273"),
            report("b", 2025, false, "01279"),
        ]);
        let t = total(&parts, 2025);
        assert_eq!(
            (
                t.establishments_reporting,
                t.establishments_monitored,
                t.reports,
                t.samples_taken,
                t.samples_over_limit
            ),
            (1, 1, 2, 12, 2)
        );
        let communes: Vec<&str> = parts
            .iter()
            .filter(|(k, _)| k.dim_kind == "commune")
            .map(|(k, _)| k.dim_value.as_str())
            .collect();
        assert_eq!(
            communes,
            ["01279"],
            "the latest report of the year decides the group"
        );
        let noise = parts
            .iter()
            .find(|(k, _)| k.dim_value == "noise")
            .map(|(_, c)| *c)
            .unwrap_or_default();
        assert_eq!(
            (noise.reports, noise.samples_taken, noise.samples_over_limit),
            (2, 8, 2)
        );
    }

    #[test]
    fn harmful_factors_stay_known_until_the_next_reporting_year() {
        let parts = contributions(&[
            report("a", 2023, true, "01273"),
            report("b", 2026, false, "01273"),
        ]);
        let known = |year| {
            parts
                .iter()
                .filter(|(k, _)| k.dim_kind == TOTAL && k.year <= year)
                .map(|(_, c)| c.harmful_known)
                .sum::<i64>()
        };
        assert_eq!(
            (known(2022), known(2023), known(2025), known(2026)),
            (0, 1, 1, 0)
        );
        assert_eq!(
            total(&parts, 2025).establishments_monitored,
            0,
            "not monitored in 2025"
        );
    }

    #[test]
    fn a_second_report_in_a_year_changes_only_the_report_counts() {
        let before = contributions(&[report("a", 2025, true, "01273")]);
        let after = contributions(&[
            report("a", 2025, true, "01273"),
            report("b", 2025, true, "01273"),
        ]);
        let changes = delta(&before, &after);
        assert!(
            changes
                .iter()
                .all(|(_, c)| c.establishments_reporting == 0 && c.reports == 1)
        );
        assert!(delta(&after, &after).is_empty());
    }
}
