//! Synthetic establishments (cơ sở sản xuất, kinh doanh) of Cao Bằng: the economic
//! sectors of the province with real VSIC 2018 classes, ownership types, sizes,
//! communes (the 56 in force since 1 July 2025), names, addresses and valid tax
//! codes. Each sector also carries the risk profile the other generators use.

use std::collections::{BTreeMap, HashSet};

use chrono::NaiveDate;

use super::people;
use super::rng::{Rng, WeightedIndex};

/// One economic sector (VSIC 2018 section) and how establishments in it look.
#[derive(Debug)]
pub struct Sector {
    /// VSIC section letter.
    pub section: &'static str,
    /// Share of the establishments, per mille.
    weight: u32,
    /// VSIC 2018 classes (4 digits) of the sector and the word a company name uses.
    activities: &'static [(&'static str, &'static str)],
    /// Median and largest headcount.
    median_workers: f64,
    max_workers: u32,
    pub female_share: f64,
    /// Share of the workers in heavy, hazardous or dangerous jobs.
    pub hazardous_share: f64,
    /// Casualties per 1,000 workers a year (see the README on why this is above the
    /// officially reported rate).
    pub accident_rate: f64,
    pub fatal_share: f64,
    pub serious_share: f64,
    /// Main injury-causing factors (TT 13/2020 Phụ lục IV, codes 01–09), weighted.
    pub factors: &'static [(u32, &'static str)],
    /// VSCO occupation codes of the workers hurt.
    pub occupations: &'static [&'static str],
    /// Where the accidents happen.
    pub sites: &'static [&'static str],
    /// Occupational diseases (BNN codes) the sector's exposures cause.
    pub diseases: &'static [&'static str],
    /// Work-environment factor groups its monitoring measures.
    pub monitored: &'static [&'static str],
}

const GENERIC_FACTORS: &[(u32, &str)] =
    &[(30, "07"), (30, "05"), (20, "01"), (10, "06"), (10, "08")];
const GENERIC_SITES: &[&str] = &["Trụ sở làm việc", "Cửa hàng", "Kho hàng", "Khu vực sân bãi"];

/// The sectors of the province; sections T and U (households as employers,
/// extraterritorial bodies) have no registered establishment here.
pub static SECTORS: [Sector; 19] = [
    Sector {
        section: "A",
        weight: 90,
        activities: &[
            ("0210", "Lâm nghiệp"),
            ("0220", "Khai thác gỗ"),
            ("0128", "Dược liệu"),
            ("0145", "Chăn nuôi"),
            ("0118", "Nông sản"),
        ],
        median_workers: 12.0,
        max_workers: 150,
        female_share: 0.35,
        hazardous_share: 0.3,
        accident_rate: 3.5,
        fatal_share: 0.02,
        serious_share: 0.2,
        factors: &[(40, "07"), (25, "05"), (10, "06"), (10, "01"), (15, "08")],
        occupations: &["6210", "9211", "6111", "8341"],
        sites: &["Rừng sản xuất", "Bãi tập kết gỗ", "Trang trại", "Vườn ươm"],
        diseases: &["BNN-14", "BNN-29"],
        monitored: &["chemical", "microclimate", "dust"],
    },
    Sector {
        section: "B",
        weight: 55,
        activities: &[
            ("0710", "Khoáng sản"),
            ("0722", "Khai khoáng"),
            ("0730", "Khai thác vàng"),
            ("0810", "Khai thác đá"),
        ],
        median_workers: 45.0,
        max_workers: 450,
        female_share: 0.1,
        hazardous_share: 0.8,
        accident_rate: 10.0,
        fatal_share: 0.04,
        serious_share: 0.24,
        factors: &[
            (40, "09"),
            (15, "06"),
            (15, "07"),
            (10, "05"),
            (5, "04"),
            (5, "01"),
            (3, "03"),
            (7, "08"),
        ],
        occupations: &["8111", "7111", "8342", "9311"],
        sites: &[
            "Khai trường",
            "Moong khai thác",
            "Đường lò",
            "Bãi thải",
            "Xưởng tuyển quặng",
        ],
        diseases: &["BNN-01", "BNN-18", "BNN-11", "BNN-21"],
        monitored: &["dust", "noise", "microclimate", "vibration", "chemical"],
    },
    Sector {
        section: "C",
        weight: 135,
        activities: &[
            ("2394", "Xi măng"),
            ("2410", "Luyện kim"),
            ("1610", "Chế biến gỗ"),
            ("1079", "Thực phẩm"),
            ("2395", "Bê tông"),
            ("2392", "Gạch tuy nen"),
            ("1104", "Nước khoáng"),
            ("3100", "Nội thất"),
            ("2511", "Kết cấu thép"),
        ],
        median_workers: 25.0,
        max_workers: 400,
        female_share: 0.3,
        hazardous_share: 0.45,
        accident_rate: 5.0,
        fatal_share: 0.02,
        serious_share: 0.2,
        factors: &[
            (45, "05"),
            (15, "06"),
            (10, "07"),
            (8, "01"),
            (8, "03"),
            (10, "04"),
            (4, "08"),
        ],
        occupations: &["8181", "8172", "7212", "7233", "9329"],
        sites: &[
            "Phân xưởng sản xuất",
            "Xưởng nghiền",
            "Dây chuyền đóng bao",
            "Kho nguyên liệu",
            "Lò nung",
        ],
        diseases: &["BNN-18", "BNN-01", "BNN-06", "BNN-08"],
        monitored: &["noise", "dust", "microclimate", "light", "chemical"],
    },
    Sector {
        section: "D",
        weight: 25,
        activities: &[("3511", "Thủy điện"), ("3512", "Điện lực")],
        median_workers: 30.0,
        max_workers: 300,
        female_share: 0.15,
        hazardous_share: 0.4,
        accident_rate: 4.0,
        fatal_share: 0.04,
        serious_share: 0.25,
        factors: &[(60, "01"), (15, "08"), (10, "07"), (10, "05"), (5, "04")],
        occupations: &["7413", "7411", "3113"],
        sites: &[
            "Trạm biến áp",
            "Đường dây 35 kV",
            "Nhà máy thủy điện",
            "Đập tràn",
        ],
        diseases: &["BNN-18"],
        monitored: &["emf_power", "noise", "microclimate", "light"],
    },
    Sector {
        section: "E",
        weight: 15,
        activities: &[("3600", "Cấp nước"), ("3811", "Môi trường đô thị")],
        median_workers: 35.0,
        max_workers: 200,
        female_share: 0.3,
        hazardous_share: 0.5,
        accident_rate: 5.0,
        fatal_share: 0.03,
        serious_share: 0.2,
        factors: &[(35, "05"), (30, "07"), (15, "01"), (20, "08")],
        occupations: &["9613", "8189", "7126"],
        sites: &["Nhà máy nước", "Bãi xử lý rác", "Tuyến thu gom"],
        diseases: &["BNN-29", "BNN-18"],
        monitored: &["biological", "chemical", "microclimate"],
    },
    Sector {
        section: "F",
        weight: 180,
        activities: &[
            ("4101", "Xây dựng"),
            ("4102", "Xây dựng"),
            ("4212", "Xây dựng giao thông"),
            ("4221", "Xây lắp điện"),
            ("4222", "Cấp thoát nước"),
            ("4291", "Xây dựng thủy lợi"),
            ("4312", "San lấp mặt bằng"),
        ],
        median_workers: 20.0,
        max_workers: 250,
        female_share: 0.08,
        hazardous_share: 0.6,
        accident_rate: 7.0,
        fatal_share: 0.03,
        serious_share: 0.24,
        factors: &[
            (35, "08"),
            (25, "07"),
            (12, "04"),
            (10, "01"),
            (10, "05"),
            (8, "06"),
        ],
        occupations: &["7112", "7114", "7115", "9312", "8342"],
        sites: &[
            "Công trường thi công",
            "Công trình nhà ở",
            "Công trình cầu",
            "Công trường đường giao thông",
            "Công trình kè chống sạt lở",
        ],
        diseases: &["BNN-01", "BNN-18", "BNN-21"],
        monitored: &["dust", "noise", "microclimate", "vibration"],
    },
    Sector {
        section: "G",
        weight: 230,
        activities: &[
            ("4663", "Vật liệu xây dựng"),
            ("4632", "Thương mại"),
            ("4661", "Xăng dầu"),
            ("4711", "Thương mại tổng hợp"),
            ("4520", "Sửa chữa ô tô"),
            ("4730", "Xăng dầu"),
        ],
        median_workers: 6.0,
        max_workers: 120,
        female_share: 0.45,
        hazardous_share: 0.05,
        accident_rate: 1.5,
        fatal_share: 0.02,
        serious_share: 0.15,
        factors: GENERIC_FACTORS,
        occupations: &["5223", "9333", "8332", "7231"],
        sites: &[
            "Cửa hàng",
            "Kho hàng",
            "Cửa hàng xăng dầu",
            "Xưởng sửa chữa",
        ],
        diseases: &[],
        monitored: &["microclimate", "light", "noise"],
    },
    Sector {
        section: "H",
        weight: 60,
        activities: &[
            ("4933", "Vận tải"),
            ("4932", "Vận tải hành khách"),
            ("5210", "Kho vận"),
            ("5224", "Bốc xếp"),
        ],
        median_workers: 15.0,
        max_workers: 200,
        female_share: 0.15,
        hazardous_share: 0.3,
        accident_rate: 4.0,
        fatal_share: 0.05,
        serious_share: 0.25,
        factors: &[(30, "07"), (30, "05"), (25, "04"), (15, "08")],
        occupations: &["8332", "8322", "9333"],
        sites: &["Bãi xe", "Kho hàng", "Đường vận chuyển nội bộ", "Cửa khẩu"],
        diseases: &["BNN-18", "BNN-20"],
        monitored: &["noise", "vibration", "microclimate"],
    },
    Sector {
        section: "I",
        weight: 55,
        activities: &[("5510", "Khách sạn"), ("5610", "Nhà hàng")],
        median_workers: 8.0,
        max_workers: 120,
        female_share: 0.6,
        hazardous_share: 0.05,
        accident_rate: 2.0,
        fatal_share: 0.01,
        serious_share: 0.12,
        factors: &[(30, "05"), (25, "01"), (25, "07"), (20, "03")],
        occupations: &["5120", "5131", "9112"],
        sites: &["Bếp nhà hàng", "Khu buồng phòng", "Khu vực sân vườn"],
        diseases: &[],
        monitored: &["microclimate", "light", "noise"],
    },
    Sector {
        section: "J",
        weight: 10,
        activities: &[("6110", "Viễn thông"), ("6120", "Viễn thông")],
        median_workers: 30.0,
        max_workers: 200,
        female_share: 0.3,
        hazardous_share: 0.15,
        accident_rate: 1.5,
        fatal_share: 0.03,
        serious_share: 0.2,
        factors: &[(50, "01"), (30, "08"), (20, "07")],
        occupations: &["7422", "3522"],
        sites: &["Trạm phát sóng", "Tuyến cáp quang"],
        diseases: &[],
        monitored: &["emf_hf", "microclimate", "light"],
    },
    Sector {
        section: "K",
        weight: 10,
        activities: &[("6419", "Ngân hàng"), ("6512", "Bảo hiểm")],
        median_workers: 25.0,
        max_workers: 120,
        female_share: 0.6,
        hazardous_share: 0.0,
        accident_rate: 0.5,
        fatal_share: 0.01,
        serious_share: 0.1,
        factors: GENERIC_FACTORS,
        occupations: &["4211", "3312"],
        sites: GENERIC_SITES,
        diseases: &[],
        monitored: &["microclimate", "light"],
    },
    Sector {
        section: "L",
        weight: 5,
        activities: &[("6810", "Bất động sản")],
        median_workers: 8.0,
        max_workers: 50,
        female_share: 0.4,
        hazardous_share: 0.0,
        accident_rate: 1.0,
        fatal_share: 0.01,
        serious_share: 0.1,
        factors: GENERIC_FACTORS,
        occupations: &["3334"],
        sites: GENERIC_SITES,
        diseases: &[],
        monitored: &["microclimate", "light"],
    },
    Sector {
        section: "M",
        weight: 20,
        activities: &[("7110", "Tư vấn xây dựng"), ("7120", "Kiểm định")],
        median_workers: 10.0,
        max_workers: 60,
        female_share: 0.3,
        hazardous_share: 0.05,
        accident_rate: 1.0,
        fatal_share: 0.02,
        serious_share: 0.15,
        factors: GENERIC_FACTORS,
        occupations: &["2142", "3112"],
        sites: &["Hiện trường khảo sát", "Phòng thí nghiệm"],
        diseases: &[],
        monitored: &["microclimate", "light"],
    },
    Sector {
        section: "N",
        weight: 20,
        activities: &[
            ("8110", "Dịch vụ tổng hợp"),
            ("7710", "Cho thuê xe"),
            ("8130", "Cây xanh"),
        ],
        median_workers: 12.0,
        max_workers: 100,
        female_share: 0.4,
        hazardous_share: 0.1,
        accident_rate: 2.0,
        fatal_share: 0.02,
        serious_share: 0.15,
        factors: GENERIC_FACTORS,
        occupations: &["9112", "9214", "8322"],
        sites: &["Khu vực công cộng", "Tuyến cây xanh", "Tòa nhà văn phòng"],
        diseases: &[],
        monitored: &["microclimate", "light", "noise"],
    },
    Sector {
        section: "O",
        weight: 10,
        activities: &[("8411", "Quản lý nhà nước")],
        median_workers: 30.0,
        max_workers: 150,
        female_share: 0.45,
        hazardous_share: 0.0,
        accident_rate: 0.5,
        fatal_share: 0.01,
        serious_share: 0.1,
        factors: GENERIC_FACTORS,
        occupations: &["2422", "4110"],
        sites: GENERIC_SITES,
        diseases: &[],
        monitored: &["microclimate", "light"],
    },
    Sector {
        section: "P",
        weight: 20,
        activities: &[
            ("8521", "Giáo dục"),
            ("8522", "Giáo dục"),
            ("8532", "Đào tạo nghề"),
        ],
        median_workers: 35.0,
        max_workers: 150,
        female_share: 0.7,
        hazardous_share: 0.0,
        accident_rate: 0.5,
        fatal_share: 0.01,
        serious_share: 0.1,
        factors: GENERIC_FACTORS,
        occupations: &["2341", "2330"],
        sites: &["Lớp học", "Xưởng thực hành", "Sân trường"],
        diseases: &[],
        monitored: &["microclimate", "light", "noise"],
    },
    Sector {
        section: "Q",
        weight: 15,
        activities: &[("8610", "Y tế")],
        median_workers: 60.0,
        max_workers: 700,
        female_share: 0.65,
        hazardous_share: 0.3,
        accident_rate: 1.5,
        fatal_share: 0.01,
        serious_share: 0.1,
        factors: &[(40, "06"), (30, "07"), (20, "01"), (10, "03")],
        occupations: &["2221", "3221", "9112"],
        sites: &[
            "Khoa điều trị",
            "Phòng xét nghiệm",
            "Khu xử lý chất thải y tế",
        ],
        diseases: &["BNN-30", "BNN-31"],
        monitored: &["biological", "ionising", "light", "microclimate"],
    },
    Sector {
        section: "R",
        weight: 5,
        activities: &[("9321", "Du lịch sinh thái"), ("9311", "Thể thao")],
        median_workers: 10.0,
        max_workers: 80,
        female_share: 0.4,
        hazardous_share: 0.05,
        accident_rate: 1.5,
        fatal_share: 0.02,
        serious_share: 0.15,
        factors: GENERIC_FACTORS,
        occupations: &["3422", "9629"],
        sites: &["Khu du lịch", "Nhà thi đấu"],
        diseases: &[],
        monitored: &["microclimate", "light"],
    },
    Sector {
        section: "S",
        weight: 10,
        activities: &[("9511", "Sửa chữa"), ("9620", "Giặt là")],
        median_workers: 4.0,
        max_workers: 30,
        female_share: 0.5,
        hazardous_share: 0.05,
        accident_rate: 1.5,
        fatal_share: 0.01,
        serious_share: 0.12,
        factors: GENERIC_FACTORS,
        occupations: &["7421", "9121"],
        sites: &["Cửa hàng", "Xưởng dịch vụ"],
        diseases: &[],
        monitored: &["microclimate", "noise"],
    },
];

/// Accidents of workers without a labour contract (farming, forestry, building
/// one's own house, small quarries) follow this profile.
pub static NO_CONTRACT: Sector = Sector {
    section: "",
    weight: 0,
    activities: &[],
    median_workers: 0.0,
    max_workers: 0,
    female_share: 0.25,
    hazardous_share: 0.0,
    accident_rate: 0.0,
    fatal_share: 0.06,
    serious_share: 0.28,
    factors: &[(35, "07"), (20, "08"), (15, "05"), (15, "09"), (15, "01")],
    occupations: &["6111", "6210", "9211", "7112"],
    sites: &[
        "Nương ngô",
        "Rừng keo",
        "Ruộng lúa",
        "Công trình nhà ở tự làm",
        "Mỏ đá tự khai thác",
    ],
    diseases: &[],
    monitored: &[],
};

/// The day the 56 current communes came into force: commune data is read on this
/// fixed day, so the data set does not depend on when it is generated.
pub fn reform_day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2025, 7, 1).unwrap_or_default()
}

/// An establishment of the registry.
#[derive(Clone, Debug)]
pub struct Establishment {
    pub tax_code: String,
    pub name: String,
    pub vsic_code: &'static str,
    pub sector: &'static Sector,
    pub ownership_type: &'static str,
    /// A commune in force since 1 July 2025.
    pub commune_code: String,
    pub address: String,
    pub workers: u32,
    pub female: u32,
    pub hazardous: u32,
    /// The employer's unit code at BHXH (mã đơn vị BHXH), for most.
    pub bhxh_unit_code: Option<String>,
}

impl Establishment {
    /// Expected casualties a year.
    pub fn accident_weight(&self) -> f64 {
        f64::from(self.workers) * self.sector.accident_rate / 1000.0
    }
}

/// The communes of the province and, for each, the units it was made of before
/// 1 July 2025 (accidents before the reform are placed in those).
#[derive(Clone, Debug)]
pub struct Communes {
    /// Code, name and weight (how many establishments it draws).
    pub current: Vec<(String, String, f64)>,
    pub before: BTreeMap<String, Vec<(String, String)>>,
    index: WeightedIndex,
    rural: WeightedIndex,
}

/// Towns and market centres of the former districts draw more establishments than
/// the rural communes.
const CENTRES: [&str; 12] = [
    "Xã Bảo Lạc",
    "Xã Trùng Khánh",
    "Xã Quảng Uyên",
    "Xã Hòa An",
    "Xã Nguyên Bình",
    "Xã Đông Khê",
    "Xã Thông Nông",
    "Xã Hà Quảng",
    "Xã Hạ Lang",
    "Xã Trà Lĩnh",
    "Xã Tĩnh Túc",
    "Xã Bảo Lâm",
];

impl Communes {
    pub fn load() -> Self {
        let current: Vec<(String, String, f64)> =
            shared::refdata::admin_units_in_force(reform_day())
                .map(|u| {
                    let weight = if u.kind == shared::refdata::UnitKind::Ward {
                        14.0
                    } else if CENTRES.contains(&u.name.as_str()) {
                        4.0
                    } else {
                        1.0
                    };
                    (u.code.clone(), u.name.clone(), weight)
                })
                .collect();
        let mut before: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
        let last_old_day = reform_day().pred_opt().unwrap_or_default();
        for unit in shared::refdata::admin_units_in_force(last_old_day) {
            for successor in &unit.successors {
                before
                    .entry(successor.code.clone())
                    .or_default()
                    .push((unit.code.clone(), unit.name.clone()));
            }
        }
        let index = WeightedIndex::new(current.iter().map(|(_, _, w)| *w));
        // Accidents without a labour contract happen mostly in the countryside.
        let rural = WeightedIndex::new(
            current
                .iter()
                .map(|(_, _, w)| if *w > 10.0 { 1.0 } else { 3.0 }),
        );
        Self {
            current,
            before,
            index,
            rural,
        }
    }

    pub fn name_of(&self, code: &str) -> &str {
        self.current
            .iter()
            .find(|(c, _, _)| c == code)
            .map_or("", |(_, n, _)| n.as_str())
    }

    fn draw(&self, rng: &mut Rng, index: &WeightedIndex) -> (String, String) {
        index
            .sample(rng)
            .and_then(|i| self.current.get(i))
            .map(|(c, n, _)| (c.clone(), n.clone()))
            .unwrap_or_default()
    }

    pub fn draw_any(&self, rng: &mut Rng) -> (String, String) {
        self.draw(rng, &self.index)
    }

    pub fn draw_rural(&self, rng: &mut Rng) -> (String, String) {
        self.draw(rng, &self.rural)
    }

    /// The unit in force on `day` for a place in today's commune `code`: the commune
    /// itself from the reform on, one of the units it was made of before.
    pub fn on_day(&self, rng: &mut Rng, code: &str, day: NaiveDate) -> (String, String) {
        if day >= reform_day() {
            return (code.to_owned(), self.name_of(code).to_owned());
        }
        self.before
            .get(code)
            .and_then(|units| rng.pick(units))
            .cloned()
            .unwrap_or_else(|| (code.to_owned(), self.name_of(code).to_owned()))
    }
}

const PLACES: [&str; 32] = [
    "Phia Oắc",
    "Pác Bó",
    "Bản Giốc",
    "Non Nước",
    "Sông Bằng",
    "Sông Hiến",
    "Việt Bắc",
    "Biên Cương",
    "Kim Đồng",
    "Bằng Giang",
    "Hoàng Hà",
    "Tân Giang",
    "Hồng Phát",
    "Thành Đạt",
    "Phúc Lộc",
    "Hưng Thịnh",
    "An Phú",
    "Minh Tiến",
    "Khau Cốc",
    "Ngân Sơn",
    "Quang Minh",
    "Trường Thịnh",
    "Đại Phát",
    "Phong Nậm",
    "Nà Rụa",
    "Lũng Phầy",
    "Tà Sa",
    "Mắt Thần",
    "Ba Bể",
    "Đông Bắc",
    "Thăng Long",
    "Hải Yến",
];

const HAMLETS: [&str; 24] = [
    "Nà Rị",
    "Bản Chang",
    "Pác Nặm",
    "Nà Pò",
    "Lũng Rì",
    "Khuổi Khon",
    "Nà Mạ",
    "Bản Nưa",
    "Cốc Lùng",
    "Nà Lẹng",
    "Phiêng Pằng",
    "Khau Đồn",
    "Bó Mạ",
    "Nà Giàng",
    "Lũng Pán",
    "Pác Rằng",
    "Bản Thuôn",
    "Nà Vài",
    "Khuổi Lừa",
    "Bản Piên",
    "Nặm Tha",
    "Cốc Pục",
    "Phja Đén",
    "Bản Dạ",
];

const STREETS: [&str; 10] = [
    "Hoàng Đình Giong",
    "Kim Đồng",
    "Vườn Cam",
    "Xuân Trường",
    "Bế Văn Đàn",
    "Hiến Giang",
    "Pác Bó",
    "Lê Lợi",
    "3-10",
    "Phai Khắt Nà Ngần",
];

/// A street address in a ward, a hamlet (xóm) in a rural commune.
pub fn address(rng: &mut Rng, commune_name: &str) -> String {
    if commune_name.starts_with("Phường") {
        format!(
            "Số {}, đường {}, tổ {}, {commune_name}",
            rng.range(1, 180),
            rng.pick(&STREETS).copied().unwrap_or("Kim Đồng"),
            rng.range(1, 30)
        )
    } else {
        format!(
            "Xóm {}, {commune_name}",
            rng.pick(&HAMLETS).copied().unwrap_or("Nà Rị")
        )
    }
}

/// A hamlet or group (tổ) of a commune, for the place of an accident.
pub fn locality(rng: &mut Rng, commune_name: &str) -> String {
    if commune_name.starts_with("Phường") {
        format!("tổ {}, {commune_name}", rng.range(1, 30))
    } else {
        format!(
            "xóm {}, {commune_name}",
            rng.pick(&HAMLETS).copied().unwrap_or("Nà Rị")
        )
    }
}

/// A 10-digit tax code with `prefix` (the province of issue) and a valid check
/// digit, or `None` when no check digit exists for these nine digits.
pub fn tax_code(prefix: &str, sequence: u64) -> Option<String> {
    let first9 = format!("{prefix}{:07}", sequence % 10_000_000);
    let check = shared::validate::tax_code_check_digit(&first9)?;
    let code = format!("{first9}{check}");
    // The sequence part may still be refused (all zeros).
    shared::validate::parse_tax_code(&code)
        .is_ok()
        .then_some(code)
}

/// The next valid tax code at or after `sequence`.
fn next_tax_code(prefix: &str, sequence: &mut u64) -> String {
    loop {
        *sequence += 1;
        if let Some(code) = tax_code(prefix, *sequence) {
            return code;
        }
    }
}

fn lognormal(rng: &mut Rng, median: f64, sigma: f64) -> f64 {
    // Box–Muller: one standard normal draw.
    let u1 = rng.unit().max(f64::MIN_POSITIVE);
    let u2 = rng.unit();
    let z = (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos();
    median * (sigma * z).exp()
}

fn ownership_of(rng: &mut Rng, section: &str) -> &'static str {
    let weights: &[(u32, &'static str)] = match section {
        "O" | "P" | "Q" => &[(100, "6")],
        "D" => &[(55, "1"), (45, "2")],
        "J" | "K" => &[(60, "1"), (40, "2")],
        "A" => &[(50, "2"), (35, "4"), (15, "5")],
        "B" => &[(78, "2"), (15, "1"), (7, "3")],
        "C" => &[(78, "2"), (7, "1"), (6, "3"), (9, "4")],
        "F" => &[(94, "2"), (6, "1")],
        "G" | "I" => &[(68, "2"), (30, "5"), (2, "3")],
        "S" => &[(60, "5"), (35, "2"), (5, "9")],
        "H" => &[(72, "2"), (22, "4"), (6, "5")],
        "R" => &[(40, "6"), (60, "2")],
        "N" => &[(95, "2"), (5, "7")],
        _ => &[(100, "2")],
    };
    rng.weighted(weights).copied().unwrap_or("2")
}

fn public_name(rng: &mut Rng, section: &str, commune_name: &str) -> String {
    let place = commune_name
        .trim_start_matches("Phường ")
        .trim_start_matches("Xã ");
    match section {
        "P" => {
            let level = rng
                .pick(&[
                    "Trường Tiểu học",
                    "Trường THCS",
                    "Trường PTDTBT THCS",
                    "Trường THPT",
                ])
                .copied()
                .unwrap_or("Trường THCS");
            format!("{level} {place}")
        }
        "Q" => match rng.below(3) {
            0 => format!("Trung tâm Y tế khu vực {place}"),
            1 => format!("Phòng khám đa khoa khu vực {place}"),
            _ => format!("Trạm Y tế {commune_name}"),
        },
        "R" => format!("Trung tâm Văn hóa – Thể thao {place}"),
        _ => format!("Văn phòng HĐND và UBND {commune_name}"),
    }
}

/// `n` establishments, all different (tax codes and names).
pub fn generate(rng: &mut Rng, communes: &Communes, n: usize) -> Vec<Establishment> {
    let sectors = WeightedIndex::new(SECTORS.iter().map(|s| f64::from(s.weight)));
    let mut names: HashSet<String> = HashSet::new();
    let mut tax_codes: HashSet<String> = HashSet::new();
    let mut sequence = 100_000 + rng.below(500_000);
    let mut parent_sequence = 4_000_000 + rng.below(1_000_000);
    let mut out = Vec::with_capacity(n);
    while out.len() < n {
        let Some(sector) = sectors.sample(rng).and_then(|i| SECTORS.get(i)) else {
            break;
        };
        let (vsic_code, stem) = rng
            .pick(sector.activities)
            .copied()
            .unwrap_or(("4711", "Thương mại"));
        let ownership_type = ownership_of(rng, sector.section);
        let (commune_code, commune_name) = communes.draw_any(rng);
        let mut workers = lognormal(rng, sector.median_workers, 1.0)
            .round()
            .clamp(1.0, f64::from(sector.max_workers)) as u32;
        let place = rng.pick(&PLACES).copied().unwrap_or("Việt Bắc");
        let branch = ownership_type == "2" && rng.chance(0.05);
        let (tax_code, base_name) = match ownership_type {
            // Since 1 July 2025 a household business uses its owner's personal ID.
            "5" => {
                workers = workers.min(9);
                let owner = people::worker(rng, 0.45, 2025);
                (
                    owner.personal_id,
                    format!("Hộ kinh doanh {}", owner.full_name),
                )
            }
            "6" => (
                next_tax_code("48", &mut sequence),
                public_name(rng, sector.section, &commune_name),
            ),
            "1" => (
                next_tax_code("48", &mut sequence),
                format!("Công ty TNHH MTV {stem} Cao Bằng"),
            ),
            "3" => (
                next_tax_code("48", &mut sequence),
                format!("Công ty TNHH {stem} {place} Việt Trung"),
            ),
            "4" => (
                next_tax_code("48", &mut sequence),
                format!("Hợp tác xã {stem} {place}"),
            ),
            "7" => (
                next_tax_code("48", &mut sequence),
                format!("Văn phòng dự án {stem} {place}"),
            ),
            _ if branch => {
                // A branch of an enterprise registered in Hà Nội (prefix 01).
                let parent = next_tax_code("01", &mut parent_sequence);
                (
                    format!("{parent}-{:03}", rng.range(1, 12)),
                    format!("Chi nhánh Công ty Cổ phần {stem} {place} tại Cao Bằng"),
                )
            }
            _ => {
                let form = rng
                    .weighted(&[
                        (6, "Công ty TNHH"),
                        (3, "Công ty Cổ phần"),
                        (1, "Doanh nghiệp tư nhân"),
                    ])
                    .copied()
                    .unwrap_or("Công ty TNHH");
                (
                    next_tax_code("48", &mut sequence),
                    format!("{form} {stem} {place}"),
                )
            }
        };
        // Two household businesses may share an owner's number (12 digits, six of them
        // random: at 100,000 establishments a repeat is likely): draw again rather than
        // send a duplicate tax code, so that there are exactly `n`.
        if !tax_codes.insert(tax_code.clone()) {
            continue;
        }
        let mut name = base_name.clone();
        let mut k = 2;
        while !names.insert(name.clone()) {
            name = format!("{base_name} {k}");
            k += 1;
        }
        let female = ((f64::from(workers) * rng.between(0.6, 1.4) * sector.female_share).round()
            as u32)
            .min(workers);
        let hazardous = ((f64::from(workers) * rng.between(0.7, 1.2) * sector.hazardous_share)
            .round() as u32)
            .min(workers);
        let bhxh_unit_code = (ownership_type != "5" && rng.chance(0.85))
            .then(|| format!("TA{:05}", rng.below(100_000)));
        out.push(Establishment {
            address: address(rng, &commune_name),
            tax_code,
            name,
            vsic_code,
            sector,
            ownership_type,
            commune_code,
            workers,
            female,
            hazardous,
            bhxh_unit_code,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tax_codes_have_valid_check_digits() {
        assert_eq!(tax_code("01", 4751).as_deref(), Some("0100047516"));
        let communes = Communes::load();
        assert_eq!(communes.current.len(), 56);
        let list = generate(&mut Rng::new(1), &communes, 300);
        assert_eq!(list.len(), 300);
        for e in &list {
            assert!(
                shared::validate::parse_tax_code(&e.tax_code).is_ok(),
                "{}",
                e.tax_code
            );
            assert!(shared::refdata::admin_unit(&e.commune_code, reform_day()).is_some());
            assert!(e.female <= e.workers && e.hazardous <= e.workers && e.workers >= 1);
            assert!(
                incidents::domain::establishment::vsic_section_of(e.vsic_code).as_deref()
                    == Some(e.sector.section),
                "{} {}",
                e.vsic_code,
                e.sector.section
            );
        }
    }

    #[test]
    fn a_large_population_has_exactly_the_size_asked_and_no_tax_code_twice() {
        // The import benchmark's size, where household businesses' personal IDs repeat.
        let list = generate(&mut Rng::new(664), &Communes::load(), 100_000);
        assert_eq!(list.len(), 100_000);
        let distinct: HashSet<&str> = list.iter().map(|e| e.tax_code.as_str()).collect();
        assert_eq!(distinct.len(), 100_000);
    }

    #[test]
    fn every_current_commune_has_its_former_units() {
        let communes = Communes::load();
        for (code, _, _) in &communes.current {
            assert!(communes.before.contains_key(code), "{code}");
        }
    }
}
