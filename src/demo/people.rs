//! Synthetic people: Vietnamese names as they are common in Cao Bằng (Tày and Nùng
//! family names beside the Kinh ones) and personal ID numbers of the right shape.

use super::rng::Rng;

/// Family names, weighted: Nông, Hoàng, Lương, Bế, Đàm, Lục, Triệu are frequent
/// among the Tày and Nùng majority of the province.
const FAMILY: [(u32, &str); 20] = [
    (14, "Nông"),
    (13, "Hoàng"),
    (9, "Lương"),
    (7, "Bế"),
    (6, "Đàm"),
    (6, "Lục"),
    (5, "Triệu"),
    (5, "Lý"),
    (5, "Hà"),
    (4, "Ma"),
    (4, "Vi"),
    (3, "Sầm"),
    (3, "Mạc"),
    (8, "Nguyễn"),
    (4, "Trần"),
    (3, "Lê"),
    (2, "Phạm"),
    (2, "Dương"),
    (2, "Đinh"),
    (2, "Hứa"),
];

const MALE: [&str; 24] = [
    "Hùng", "Minh", "Tuấn", "Thắng", "Cường", "Dũng", "Hải", "Long", "Sơn", "Quân", "Kiên", "Phúc",
    "Tài", "Đức", "Thành", "Bình", "Hưng", "Lâm", "Toàn", "Việt", "Chiến", "Khánh", "Nam", "Trung",
];

const FEMALE: [&str; 20] = [
    "Lan", "Hoa", "Hương", "Mai", "Thu", "Hằng", "Nga", "Thảo", "Linh", "Ngọc", "Duyên", "Huyền",
    "Yến", "Vân", "Liên", "Phương", "Thúy", "Loan", "Dung", "Hiền",
];

const MALE_MIDDLE: [(u32, &str); 4] = [(10, "Văn"), (2, "Đức"), (2, "Minh"), (1, "Quốc")];
const FEMALE_MIDDLE: [(u32, &str); 3] = [(10, "Thị"), (2, "Thu"), (1, "Minh")];

/// A full name for a man or a woman.
pub fn full_name(rng: &mut Rng, female: bool) -> String {
    let family = rng.weighted(&FAMILY).copied().unwrap_or("Nông");
    let (middle, given) = if female {
        (
            rng.weighted(&FEMALE_MIDDLE).copied().unwrap_or("Thị"),
            rng.pick(&FEMALE).copied().unwrap_or("Lan"),
        )
    } else {
        (
            rng.weighted(&MALE_MIDDLE).copied().unwrap_or("Văn"),
            rng.pick(&MALE).copied().unwrap_or("Hùng"),
        )
    };
    format!("{family} {middle} {given}")
}

/// Where a birth was registered (digits 1–3 of the personal ID): mostly Cao Bằng
/// (004); some workers were born in Hà Nội (001), Bắc Kạn (006), Thái Nguyên (019)
/// or Lạng Sơn (020).
const BIRTH_PROVINCES: [(u32, &str); 5] =
    [(92, "004"), (2, "001"), (2, "006"), (2, "019"), (2, "020")];

/// A 12-digit personal ID consistent with the gender and year of birth (digit 4 is
/// the century and gender, digits 5–6 the year; the last six are random: the number
/// has no check digit).
pub fn personal_id(rng: &mut Rng, female: bool, birth_year: i32) -> String {
    let province = rng.weighted(&BIRTH_PROVINCES).copied().unwrap_or("004");
    let century = (birth_year.div_euclid(100) - 19) * 2 + i32::from(female);
    format!(
        "{province}{century}{:02}{:06}",
        birth_year.rem_euclid(100),
        rng.below(1_000_000)
    )
}

/// A worker: name, gender, year of birth and personal ID, aged 18 to 60 in `year`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Person {
    pub full_name: String,
    pub female: bool,
    pub birth_year: i32,
    pub personal_id: String,
}

pub fn worker(rng: &mut Rng, female_share: f64, year: i32) -> Person {
    let female = rng.chance(female_share);
    let birth_year = year - i32::try_from(rng.range(18, 60)).unwrap_or(35);
    Person {
        full_name: full_name(rng, female),
        female,
        birth_year,
        personal_id: personal_id(rng, female, birth_year),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn personal_ids_are_valid_and_match_the_person() {
        let mut rng = Rng::new(3);
        for _ in 0..500 {
            let p = worker(&mut rng, 0.3, 2025);
            let id = shared::validate::parse_personal_id(&p.personal_id);
            assert!(id.is_ok(), "{}", p.personal_id);
            let warnings = id
                .map(|id| id.consistency_warnings(Some(p.female), Some(p.birth_year)))
                .unwrap_or_default();
            assert!(warnings.is_empty(), "{warnings:?}");
            assert_eq!(p.full_name.split(' ').count(), 3);
        }
    }
}
