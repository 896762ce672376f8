//! Serious technical incidents (sự cố kỹ thuật gây mất an toàn, vệ sinh lao động
//! nghiêm trọng): the employer declares them at once to the same recipients as a grave
//! accident, and they are investigated, even when nobody was hurt (Law 84/2015 art.
//! 34–36, ND 39/2016; docs/technical-incidents.md).
//!
//! The investigation period is not confirmed in the repository's sources: it comes from
//! `data/technical-incident-rules.csv`, marked unverified there, not from code.

use std::sync::LazyLock;

use chrono::{DateTime, FixedOffset, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use shared::error::{FieldError, Text};
use utoipa::ToSchema;

use super::declaration::{Place, check_place_and_description, err};
use super::investigation::{CorrectiveMeasure, TeamMember};

/// What failed (loại sự cố).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(as = TechnicalIncidentKind)]
pub enum Kind {
    /// A machine, device or pressure equipment failed (hỏng máy, thiết bị).
    Equipment,
    /// A building, scaffold, formwork or mine structure collapsed (sập đổ công trình, kết cấu).
    Structure,
    /// Fire (cháy).
    Fire,
    /// Explosion (nổ).
    Explosion,
    /// Release of a hazardous chemical (rò rỉ, phát tán hóa chất độc hại).
    ChemicalRelease,
    /// Anything else (sự cố khác).
    Other,
}

/// The kinds with their Vietnamese and English labels: the code list
/// `technical_incident_kinds`, for whoever lists code lists.
pub const KINDS: [(Kind, &str, &str); 6] = [
    (Kind::Equipment, "Hỏng máy, thiết bị", "Equipment failure"),
    (
        Kind::Structure,
        "Sập đổ công trình, kết cấu",
        "Structural collapse",
    ),
    (Kind::Fire, "Cháy", "Fire"),
    (Kind::Explosion, "Nổ", "Explosion"),
    (
        Kind::ChemicalRelease,
        "Rò rỉ, phát tán hóa chất độc hại",
        "Chemical release",
    ),
    (Kind::Other, "Sự cố khác", "Other"),
];

/// The code list of incident kinds (code, Vietnamese, English), for `/code-lists` or
/// whoever lists code lists.
pub fn kind_code_list() -> Vec<(&'static str, &'static str, &'static str)> {
    KINDS
        .iter()
        .map(|(k, vi, en)| (k.as_str(), *vi, *en))
        .collect()
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Equipment => "equipment",
            Self::Structure => "structure",
            Self::Fire => "fire",
            Self::Explosion => "explosion",
            Self::ChemicalRelease => "chemical_release",
            Self::Other => "other",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        KINDS.iter().map(|(k, _, _)| *k).find(|k| k.as_str() == s)
    }

    pub fn labels(self) -> (&'static str, &'static str) {
        KINDS
            .iter()
            .find(|(k, _, _)| *k == self)
            .map_or(("", ""), |(_, vi, en)| (*vi, *en))
    }
}

/// A rule read from `data/technical-incident-rules.csv`, with whether its source was checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rule {
    pub value: i64,
    pub verified: bool,
}

/// The investigation period in days, counted from `notified_at` like an accident's.
/// Unverified: see the data file.
pub static INVESTIGATION_DAYS: LazyLock<Rule> = LazyLock::new(|| {
    rule(
        include_str!("../../data/technical-incident-rules.csv"),
        "investigation_days",
    )
    .unwrap_or(Rule {
        value: 30,
        verified: false,
    })
});

/// The rule `name` of a `rule,value,source,verified` file.
fn rule(csv: &str, name: &str) -> Option<Rule> {
    csv.lines().skip(1).find_map(|line| {
        let mut cells = line.splitn(3, ',');
        if cells.next()? != name {
            return None;
        }
        let value = cells.next()?.trim().parse().ok()?;
        let verified = line.rsplit(',').next()?.trim() == "true";
        Some(Rule { value, verified })
    })
}

/// A declaration of a serious technical incident (khai báo sự cố kỹ thuật gây mất
/// ATVSLĐ nghiêm trọng).
#[derive(Clone, Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "kind": "explosion",
    "establishment_tax_code": "0100047516",
    "occurred_at": "2026-03-02T08:30:00+07:00",
    "notified_at": "2026-03-02T09:00:00+07:00",
    "place": {"commune_code": "01273", "address": "Trạm khí nén, phân xưởng 2"},
    "description": "Nổ bình khí nén do van an toàn bị kẹt; không có người bị thương.",
    "damage_vnd": 350000000,
    "anyone_hurt": false,
    "accident_ids": []
}))]
pub struct TechnicalIncidentDeclaration {
    pub kind: Kind,
    /// The employer's tax code (mã số thuế); it must be in the establishments registry.
    pub establishment_tax_code: String,
    /// When it happened (RFC 3339 with offset).
    pub occurred_at: DateTime<FixedOffset>,
    /// When the authority was first told; the investigation period counts from it.
    pub notified_at: DateTime<FixedOffset>,
    pub place: Place,
    /// What happened (diễn biến).
    pub description: String,
    /// Property damage in VND (thiệt hại tài sản, đồng), as far as known.
    #[serde(default)]
    pub damage_vnd: i64,
    /// Whether anyone was hurt; their accidents are declared as accidents.
    #[serde(default)]
    pub anyone_hurt: bool,
    /// The accident declarations of the people hurt, of the same establishment.
    #[serde(default)]
    pub accident_ids: Vec<uuid::Uuid>,
}

/// At most this many linked accidents.
pub const MAX_ACCIDENTS: usize = 50;

/// Checks a declaration: dates, place, text, damage, linked accidents. The tax code is
/// checked by the caller against the registry (and its format by `shared::validate`).
pub fn validate(d: &TechnicalIncidentDeclaration, now: DateTime<Utc>) -> Vec<FieldError> {
    let mut errors = Vec::new();
    if let Err(e) = shared::validate::parse_tax_code(&d.establishment_tax_code) {
        errors.push(FieldError::body(
            "/establishment_tax_code",
            e.code,
            Text::new(e.message_vi, e.message_en),
        ));
    }
    let occurred = d.occurred_at.to_utc();
    let notified = d.notified_at.to_utc();
    let soon = now + chrono::Duration::minutes(5);
    if occurred > soon {
        err(
            &mut errors,
            "/occurred_at".into(),
            "in_the_future",
            "Thời điểm xảy ra ở tương lai.",
            "occurred_at is in the future.",
        );
    }
    if notified < occurred {
        err(
            &mut errors,
            "/notified_at".into(),
            "before_occurrence",
            "Thời điểm báo tin không thể trước thời điểm xảy ra sự cố.",
            "notified_at cannot be before occurred_at.",
        );
    }
    if notified > soon {
        err(
            &mut errors,
            "/notified_at".into(),
            "in_the_future",
            "Thời điểm báo tin ở tương lai.",
            "notified_at is in the future.",
        );
    }
    check_place_and_description(
        &d.place,
        d.occurred_at,
        &d.description,
        "sự cố",
        &mut errors,
    );
    if d.damage_vnd < 0 {
        err(
            &mut errors,
            "/damage_vnd".into(),
            "negative_amount",
            "Thiệt hại không được âm.",
            "The damage cannot be negative.",
        );
    }
    if !d.anyone_hurt && !d.accident_ids.is_empty() {
        err(
            &mut errors,
            "/accident_ids".into(),
            "accidents_without_casualties",
            "Có vụ tai nạn liên quan thì anyone_hurt phải là true.",
            "Linked accidents mean someone was hurt: anyone_hurt must be true.",
        );
    }
    if d.accident_ids.len() > MAX_ACCIDENTS {
        err(
            &mut errors,
            "/accident_ids".into(),
            "too_many_accidents",
            "Tối đa 50 vụ tai nạn liên quan.",
            "At most 50 linked accidents.",
        );
    }
    for (i, id) in d.accident_ids.iter().enumerate() {
        if d.accident_ids.iter().take(i).any(|seen| seen == id) {
            err(
                &mut errors,
                format!("/accident_ids/{i}"),
                "duplicate_accident",
                "Vụ tai nạn được nêu hai lần.",
                "The same accident is listed twice.",
            );
        }
    }
    errors
}

/// The investigation of an incident (điều tra sự cố): the team, causes, conclusions and
/// measures, and the day its record was announced.
#[derive(Clone, Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "decision_number": "31/QĐ-SNV",
    "decision_date": "2026-03-03",
    "members": [{"name": "Hoàng Văn B", "position": "Phó Giám đốc", "organisation": "Sở Nội vụ", "role": "head"}],
    "causes": "Van an toàn của bình khí nén không được kiểm định định kỳ.",
    "conclusions": "Sự cố do thiết bị chịu áp lực quá hạn kiểm định.",
    "corrective_measures": [{"measure": "Kiểm định lại toàn bộ bình chịu áp lực", "owner": "Giám đốc", "due_date": "2026-04-30"}],
    "record_announced_on": "2026-03-20"
}))]
pub struct TechnicalInvestigation {
    /// Number of the decision forming the team (số quyết định thành lập đoàn).
    pub decision_number: Option<String>,
    pub decision_date: Option<NaiveDate>,
    #[serde(default)]
    pub members: Vec<TeamMember>,
    /// Technical causes found (nguyên nhân).
    pub causes: Option<String>,
    pub conclusions: Option<String>,
    #[serde(default)]
    pub corrective_measures: Vec<CorrectiveMeasure>,
    /// When the investigation record was announced (công bố biên bản).
    pub record_announced_on: Option<NaiveDate>,
}

/// Checks an investigation of an incident that occurred on `occurred_on`.
pub fn validate_investigation(
    record: &TechnicalInvestigation,
    occurred_on: NaiveDate,
    today: NaiveDate,
) -> Vec<FieldError> {
    let mut errors = Vec::new();
    for (field, date) in [
        ("decision_date", record.decision_date),
        ("record_announced_on", record.record_announced_on),
    ] {
        if date.is_some_and(|d| d < occurred_on) {
            err(
                &mut errors,
                format!("/{field}"),
                "before_occurrence",
                "Ngày này không thể trước ngày xảy ra sự cố.",
                "This date cannot be before the incident.",
            );
        } else if date.is_some_and(|d| d > today) {
            err(
                &mut errors,
                format!("/{field}"),
                "in_the_future",
                "Ngày này ở tương lai.",
                "This date is in the future.",
            );
        }
    }
    for (i, m) in record.members.iter().enumerate() {
        if m.name.trim().is_empty() {
            err(
                &mut errors,
                format!("/members/{i}/name"),
                "invalid_member",
                "Cần họ tên thành viên đoàn điều tra.",
                "A team member needs a name.",
            );
        }
    }
    for (i, m) in record.corrective_measures.iter().enumerate() {
        if m.measure.trim().is_empty() {
            err(
                &mut errors,
                format!("/corrective_measures/{i}/measure"),
                "invalid_measure",
                "Cần nội dung biện pháp khắc phục.",
                "A corrective measure needs its content.",
            );
        }
    }
    let too_long = |s: &Option<String>| s.as_ref().is_some_and(|t| t.chars().count() > 10_000);
    for (field, text) in [
        ("causes", &record.causes),
        ("conclusions", &record.conclusions),
    ] {
        if too_long(text) {
            err(
                &mut errors,
                format!("/{field}"),
                "text_too_long",
                "Tối đa 10.000 ký tự.",
                "At most 10,000 characters.",
            );
        }
    }
    if record.record_announced_on.is_some()
        && record
            .conclusions
            .as_deref()
            .is_none_or(|c| c.trim().is_empty())
    {
        err(
            &mut errors,
            "/conclusions".into(),
            "conclusion_required",
            "Biên bản đã công bố phải có kết luận.",
            "An announced record needs its conclusions.",
        );
    }
    errors
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_investigation_period_comes_from_the_data_file_and_is_unverified() {
        let r = *INVESTIGATION_DAYS;
        assert!(r.value > 0);
        assert!(!r.verified, "no source in the repository confirms it");
        assert_eq!(
            rule("rule,value,source,verified\nx,7,\"a, b\",true\n", "x"),
            Some(Rule {
                value: 7,
                verified: true
            })
        );
        assert_eq!(rule("rule,value,source,verified\n", "x"), None);
    }

    #[test]
    fn every_kind_has_its_labels() {
        for (k, vi, en) in KINDS {
            assert_eq!(Kind::parse(k.as_str()), Some(k));
            assert!(!vi.is_empty() && !en.is_empty());
        }
        let codes: Vec<&str> = kind_code_list().iter().map(|(c, _, _)| *c).collect();
        assert_eq!(
            codes,
            [
                "equipment",
                "structure",
                "fire",
                "explosion",
                "chemical_release",
                "other"
            ]
        );
    }
}
