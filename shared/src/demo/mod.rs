//! A synthetic demo province shaped as new Lào Cai is since 01/07/2025:
//! 99 commune-level units (89 communes, 10 wards), no district tier, each
//! formed from units of the old Lào Cai and Yên Bái provinces, which stay in
//! the registry as history (valid until 30/06/2025, with their districts,
//! recognitions and the seed notice's 2024 targets). Seeded, reproducible,
//! marked synthetic everywhere. Real: the former Sa Pa's new units (phường
//! Sa Pa; xã Mường Bo, Tả Van, Bản Hồ, Tả Phìn, Ngũ Chỉ Sơn) and that the
//! new xã Tả Van is the former Tả Van, Mường Hoa and Hoàng Liên
//! (`../shared/reference/ntm-domain.md`, "Since 2025"; baolaocai.vn,
//! nguoiquansat.vn, danviet.vn). Every other name, every other succession
//! and every figure is invented.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::catalog::{self, Region, Rule};
use crate::date::Date;
use crate::evaluation::{HouseholdFacts, Share, SurveyFacts};

mod documents;
use crate::registry::{
    Commune, CommuneDocuments, District, Level, Province, Registry, Target, UnitKind, Village,
};
pub use documents::{seed_documents, DemoDocument};

/// The demo province's code.
pub const PROVINCE_CODE: &str = "lao-cai-demo-2025";

/// The classification of Decision 51/2025 (its id in the shipped catalog).
pub const GROUPS_51: &str = "nhom-xa-51-2025";

/// The first day of the two-tier administration.
pub fn reform_date() -> Date {
    Date::new(2025, 7, 1).expect("a date")
}

/// Size and seed of the demo province.
#[derive(Debug, Clone, Copy)]
pub struct DemoParams {
    /// Same seed, same province.
    pub seed: u64,
    /// Number of units of the new province (99 for new Lào Cai); a smaller
    /// number keeps the first ones (the former Sa Pa's first) and only
    /// their predecessors.
    pub communes: usize,
    /// Villages per old commune.
    pub villages_per_commune: usize,
    /// Households per old commune: drawn from this range (a merged unit
    /// has its predecessors' households).
    pub households: (usize, usize),
}

impl Default for DemoParams {
    fn default() -> Self {
        Self {
            seed: 2024,
            communes: 99,
            villages_per_commune: 10,
            households: (250, 1_100),
        }
    }
}

/// The generated province: its registry (old units and new) and, for each
/// unit (same order), what its survey says. A new unit's survey is the
/// union of its predecessors' households and infrastructure.
#[derive(Debug, Clone)]
pub struct DemoProvince {
    /// Units, succession and programme status.
    pub registry: Registry,
    /// Survey facts per unit, in registry order.
    pub surveys: Vec<SurveyFacts>,
}

/// Old Lào Cai's districts (to 30/06/2025) and some of their communes.
const DISTRICTS: &[(&str, &str, &[&str])] = &[
    (
        "sa-pa",
        "Thị xã Sa Pa",
        &[
            "Mường Hoa",
            "Tả Van",
            "Thanh Bình",
            "Bản Hồ",
            "Tả Phìn",
            "Trung Chải",
            "Ngũ Chỉ Sơn",
            "Liên Minh",
            "Hoàng Liên",
            "Mường Bo",
        ],
    ),
    (
        "bao-thang",
        "Huyện Bảo Thắng",
        &[
            "Phong Niên",
            "Xuân Quang",
            "Gia Phú",
            "Sơn Hà",
            "Thái Niên",
            "Bản Cầm",
            "Phú Nhuận",
            "Trì Quang",
        ],
    ),
    (
        "bat-xat",
        "Huyện Bát Xát",
        &[
            "Y Tý",
            "A Mú Sung",
            "Trịnh Tường",
            "Cốc San",
            "Bản Qua",
            "Bản Vược",
            "Mường Hum",
            "Dền Sáng",
        ],
    ),
    (
        "bao-yen",
        "Huyện Bảo Yên",
        &[
            "Bảo Hà",
            "Kim Sơn",
            "Nghĩa Đô",
            "Vĩnh Yên",
            "Xuân Hòa",
            "Tân Dương",
            "Điện Quan",
            "Lương Sơn",
        ],
    ),
    (
        "bac-ha",
        "Huyện Bắc Hà",
        &[
            "Bản Phố",
            "Lùng Phình",
            "Tả Van Chư",
            "Cốc Ly",
            "Na Hối",
            "Bảo Nhai",
            "Nậm Mòn",
            "Hoàng Thu Phố",
        ],
    ),
    (
        "muong-khuong",
        "Huyện Mường Khương",
        &[
            "Bản Lầu",
            "Pha Long",
            "Lùng Vai",
            "Cao Sơn",
            "Thanh Bình Mường Khương",
            "Nấm Lư",
            "Tả Ngải Chồ",
            "La Pan Tẩn",
        ],
    ),
    (
        "si-ma-cai",
        "Huyện Si Ma Cai",
        &[
            "Bản Mế",
            "Lùng Thẩn",
            "Nàn Sán",
            "Sín Chéng",
            "Cán Cấu",
            "Quan Hồ Thẩn",
            "Thào Chư Phìn",
        ],
    ),
    (
        "van-ban",
        "Huyện Văn Bàn",
        &[
            "Dương Quỳ",
            "Khánh Yên Hạ",
            "Minh Lương",
            "Nậm Xé",
            "Võ Lao",
            "Sơn Thủy",
            "Nậm Chầy",
            "Hòa Mạc",
        ],
    ),
    (
        "lao-cai",
        "Thành phố Lào Cai",
        &["Cam Đường", "Hợp Thành", "Tả Phời", "Vạn Hòa"],
    ),
];

/// Old Yên Bái's districts (to 30/06/2025), merged into new Lào Cai.
const YEN_BAI_DISTRICTS: &[(&str, &str, &[&str])] = &[
    (
        "van-chan",
        "Huyện Văn Chấn",
        &[
            "Sơn Thịnh",
            "Nghĩa Tâm",
            "Cát Thịnh",
            "Tú Lệ",
            "Gia Hội",
            "Thượng Bằng La",
            "Chấn Thịnh",
        ],
    ),
    (
        "tram-tau",
        "Huyện Trạm Tấu",
        &["Bản Mù", "Xà Hồ", "Túc Đán", "Pá Lau", "Phình Hồ"],
    ),
    (
        "mu-cang-chai",
        "Huyện Mù Cang Chải",
        &[
            "La Pán Tẩn",
            "Chế Cu Nha",
            "Khao Mang",
            "Púng Luông",
            "Nậm Khắt",
            "Dế Xu Phình",
        ],
    ),
    (
        "luc-yen",
        "Huyện Lục Yên",
        &["Khánh Hòa", "Mường Lai", "An Phú", "Minh Xuân", "Tân Lĩnh"],
    ),
    (
        "yen-binh",
        "Huyện Yên Bình",
        &["Cảm Nhân", "Vĩnh Kiên", "Bạch Hà", "Phúc An"],
    ),
    (
        "van-yen",
        "Huyện Văn Yên",
        &["Đông Cuông", "Châu Quế Hạ", "Xuân Ái", "Lâm Giang"],
    ),
];

/// Old communes in each old province (the demo's history).
const OLD_LAO_CAI_COMMUNES: usize = 127;
const OLD_YEN_BAI_COMMUNES: usize = 100;

/// (kind, name, predecessors by old name, group, farmland % of a ward).
type SaPaUnit = (
    UnitKind,
    &'static str,
    &'static [&'static str],
    &'static str,
    Option<f64>,
);

/// The former Sa Pa's new units: (kind, name, predecessors by old name,
/// group of Decision 51, farmland % for a ward). Tả Van's succession is
/// the reported one; the others' are plausible, not known.
const SA_PA_UNITS: &[SaPaUnit] = &[
    (
        UnitKind::Commune,
        "Tả Van",
        &["Tả Van", "Mường Hoa", "Hoàng Liên"],
        "nhom-3",
        None,
    ),
    (
        UnitKind::Ward,
        "Sa Pa",
        &["Trung Chải"],
        "nhom-1",
        Some(32.0),
    ),
    (UnitKind::Commune, "Mường Bo", &["Mường Bo"], "nhom-3", None),
    (
        UnitKind::Commune,
        "Bản Hồ",
        &["Bản Hồ", "Thanh Bình"],
        "nhom-3",
        None,
    ),
    (UnitKind::Commune, "Tả Phìn", &["Tả Phìn"], "nhom-3", None),
    (
        UnitKind::Commune,
        "Ngũ Chỉ Sơn",
        &["Ngũ Chỉ Sơn", "Liên Minh"],
        "nhom-3",
        None,
    ),
];

/// New units in all, and how many of them are wards.
const NEW_UNITS: usize = 99;
const NEW_WARDS: usize = 10;

/// Syllables for further plausible (invented) names once the real ones run out.
const FIRST: &[&str] = &["Nậm", "Bản", "Làng", "Khe", "Suối", "Phìn", "Sín", "Tà"];
const SECOND: &[&str] = &[
    "Chày", "Lúc", "Mả", "Tha", "Cang", "Pao", "Ngan", "Sung", "Thàng", "Giàng", "Lìn", "Hạ",
];
const VILLAGE_WORDS: &[&str] = &["Bản", "Thôn"];
const VILLAGE_NAMES: &[&str] = &[
    "Hồ",
    "Dền",
    "Lao Chải",
    "Séo Mý Tỷ",
    "Giàng Tả Chải",
    "Cát Cát",
    "Sín Chải",
    "Mông",
    "Dao",
    "Nà",
    "Khoang",
    "Tày",
    "Pá Kha",
    "Suối Thầu",
];

/// A code from a Vietnamese name: lower case, diacritics folded, words
/// joined by `-` ("Tả Van" → "ta-van").
fn slug(name: &str) -> String {
    crate::text::fold(name).replace(' ', "-")
}

/// An old unit, before its facts are drawn.
struct OldUnit {
    district: (&'static str, &'static str),
    name: String,
}

/// A new unit: what it is and which old units (indices) it was formed from.
struct NewUnit {
    kind: UnitKind,
    name: String,
    predecessors: Vec<usize>,
    group: &'static str,
    farmland: Option<f64>,
}

/// The old communes of both former provinces: real names first, then
/// plausible invented ones, each province's districts in turn.
fn old_units() -> Vec<OldUnit> {
    let mut units: Vec<OldUnit> = Vec::new();
    let mut n = 0;
    for (districts, total) in [
        (DISTRICTS, OLD_LAO_CAI_COMMUNES),
        (YEN_BAI_DISTRICTS, OLD_YEN_BAI_COMMUNES),
    ] {
        let mut names: Vec<(usize, String)> = districts
            .iter()
            .enumerate()
            .flat_map(|(d, (_, _, cs))| cs.iter().map(move |c| (d, (*c).to_owned())))
            .collect();
        while names.len() < total {
            // Two syllables while they last (96 names), then a third.
            let pairs = FIRST.len() * SECOND.len();
            let mut name = format!(
                "{} {}",
                FIRST[n % FIRST.len()],
                SECOND[(n / FIRST.len()) % SECOND.len()]
            );
            if n >= pairs {
                name.push(' ');
                name.push_str(SECOND[(n / pairs + n) % SECOND.len()]);
            }
            n += 1;
            let taken =
                names.iter().any(|(_, x)| *x == name) || units.iter().any(|u| u.name == name);
            // The former Sa Pa keeps its real communes only.
            let district = n % districts.len();
            if !taken && districts[district].0 != "sa-pa" {
                names.push((district, name));
            }
        }
        names.truncate(total);
        // Grouped by district, so that neighbours merge.
        names.sort_by_key(|(d, _)| *d);
        units.extend(names.into_iter().map(|(d, name)| OldUnit {
            district: (districts[d].0, districts[d].1),
            name,
        }));
    }
    units
}

/// Which old units form which new one: the former Sa Pa's as reported
/// (and plausible), the rest in runs of neighbours so that the province
/// has 99 units, 10 of them wards.
fn succession_plan(old: &[OldUnit], rng: &mut ChaCha8Rng) -> Vec<NewUnit> {
    let index = |name: &str| {
        old.iter()
            .position(|u| u.district.0 == "sa-pa" && u.name == name)
            .expect("every Sa Pa predecessor is an old unit")
    };
    let mut plan: Vec<NewUnit> = SA_PA_UNITS
        .iter()
        .map(|(kind, name, from, group, farmland)| NewUnit {
            kind: *kind,
            name: (*name).to_owned(),
            predecessors: from.iter().map(|n| index(n)).collect(),
            group,
            farmland: *farmland,
        })
        .collect();
    let taken: Vec<usize> = plan.iter().flat_map(|u| u.predecessors.clone()).collect();
    let rest: Vec<usize> = (0..old.len()).filter(|i| !taken.contains(i)).collect();
    let units = NEW_UNITS - plan.len();
    // `threes` runs of three and the rest of two cover every old unit.
    let threes = rest.len() - 2 * units;
    let mut at = 0;
    for k in 0..units {
        let size = if k < threes { 3 } else { 2 };
        let predecessors = rest[at..at + size].to_vec();
        at += size;
        let ward = k % (units / (NEW_WARDS - 1)) == 3
            && plan.iter().filter(|u| u.kind == UnitKind::Ward).count() < NEW_WARDS;
        let draw: f64 = rng.random_range(0.0..1.0);
        plan.push(NewUnit {
            kind: if ward {
                UnitKind::Ward
            } else {
                UnitKind::Commune
            },
            name: old[predecessors[0]].name.clone(),
            predecessors,
            group: if ward || draw < 0.1 {
                "nhom-1"
            } else if draw < 0.4 {
                "nhom-2"
            } else {
                "nhom-3"
            },
            farmland: ward.then(|| rng.random_range(20.0..95.0_f64).round()),
        });
    }
    debug_assert_eq!(at, rest.len());
    plan
}

/// Generates the province; the same params always give the same province.
pub fn generate(params: DemoParams) -> DemoProvince {
    let mut rng = ChaCha8Rng::seed_from_u64(params.seed);
    let old = old_units();
    let mut plan = succession_plan(&old, &mut rng);
    plan.truncate(params.communes);
    let reform = reform_date();
    let mut wanted: Vec<usize> = plan.iter().flat_map(|u| u.predecessors.clone()).collect();
    wanted.sort_unstable();

    let attested = attested_ids("");
    let attested_2026 = attested_ids("2026-2030");
    let mut communes: Vec<Commune> = Vec::new();
    let mut surveys: Vec<SurveyFacts> = Vec::new();
    let mut quality_of: Vec<(f64, usize)> = Vec::new(); // (quality, households), as `wanted`
    for (i, &o) in wanted.iter().enumerate() {
        let unit = &old[o];
        let name = unit.name.as_str();
        let (quality, ntm_year, advanced_year, target) = match name {
            // The seed notice: Mường Hoa met 19/19 in 2023; Tả Van aims for 2024, Thanh Bình for 2025.
            "Mường Hoa" => (
                1.0,
                Some(2023),
                None,
                Some(Target {
                    level: Level::Advanced,
                    year: 2026,
                }),
            ),
            "Tả Van" if unit.district.0 == "sa-pa" => (
                0.86,
                None,
                None,
                Some(Target {
                    level: Level::Ntm,
                    year: 2024,
                }),
            ),
            "Thanh Bình" => (
                0.7,
                None,
                None,
                Some(Target {
                    level: Level::Ntm,
                    year: 2025,
                }),
            ),
            _ => {
                let q: f64 = rng.random_range(0.0..1.0);
                let recognised = q > 0.5;
                let ntm_year = recognised.then(|| rng.random_range(2014..=2023));
                let advanced = q > 0.93;
                let target = if advanced {
                    None
                } else if recognised {
                    (q > 0.85).then_some(Target {
                        level: Level::Advanced,
                        year: rng.random_range(2024..=2025),
                    })
                } else {
                    (q > 0.35).then_some(Target {
                        level: Level::Ntm,
                        year: rng.random_range(2024..=2025),
                    })
                };
                (
                    q,
                    ntm_year,
                    // Recognised as advanced no earlier than as NTM.
                    advanced.then(|| rng.random_range(ntm_year.unwrap_or(2020).max(2020)..=2023)),
                    target,
                )
            }
        };
        let code = format!("{}-{}", unit.district.0, slug(name));
        let villages = (0..params.villages_per_commune)
            .map(|v| Village {
                code: format!("{code}-{v:02}"),
                name: format!(
                    "{} {}",
                    VILLAGE_WORDS[v % 2],
                    VILLAGE_NAMES[(i + v) % VILLAGE_NAMES.len()]
                ),
            })
            .collect();
        let extremely_disadvantaged = quality < 0.3;
        let mut commune = Commune::new(
            &code,
            &format!("Xã {name}"),
            // Lào Cai and Yên Bái are in the northern mountains: every commune applies that level.
            Region::NorthernMidlandsMountains,
            CommuneDocuments::derived_for(PROVINCE_CODE, &code, departments_2021()),
        );
        commune.district = Some(unit.district.0.to_owned());
        commune.valid_until = Some(reform.previous_day());
        commune.extremely_disadvantaged = extremely_disadvantaged;
        commune.ntm_year = ntm_year;
        commune.advanced_year = advanced_year;
        commune.target = target;
        commune.sponsor = extremely_disadvantaged
            .then(|| ["so-nnptnt", "so-gtvt", "so-yt", "so-ct"][i % 4].to_owned());
        commune.villages = villages;
        communes.push(commune);
        let households = rng.random_range(params.households.0..=params.households.1);
        // A recognised commune met every criterion when it was recognised.
        let surveyed = if ntm_year.is_some() {
            quality.max(0.85)
        } else {
            quality
        };
        let mut facts = survey(
            &mut rng,
            surveyed,
            households,
            params.villages_per_commune,
            &attested,
        );
        // Some recognised communes have slipped on one indicator since recognition.
        if ntm_year.is_some() && name != "Mường Hoa" && rng.random_bool(0.2) {
            slip(&mut rng, &mut facts);
        }
        surveys.push(facts);
        quality_of.push((surveyed, households));
    }

    let mut codes: Vec<String> = Vec::new();
    for unit in &plan {
        let mut code = match unit.kind {
            UnitKind::Ward => format!("phuong-{}", slug(&unit.name)),
            _ => slug(&unit.name),
        };
        while codes.contains(&code) {
            code.push_str("-2");
        }
        codes.push(code.clone());
        let at = |o: usize| wanted.binary_search(&o).expect("a wanted predecessor");
        let mut commune = Commune::new(
            &code,
            &format!("{} {}", unit.kind.name_vi(), unit.name),
            Region::NorthernMidlandsMountains,
            CommuneDocuments::derived_for(PROVINCE_CODE, &code, departments_2026()),
        );
        commune.kind = unit.kind;
        commune
            .classes
            .insert(GROUPS_51.to_owned(), unit.group.to_owned());
        commune.valid_from = Some(reform);
        commune.farmland_percent = unit.farmland;
        commune.predecessors = unit
            .predecessors
            .iter()
            .map(|o| communes[at(*o)].code.clone())
            .collect();
        let mut facts = SurveyFacts::default();
        let (mut weight, mut households) = (0.0, 0usize);
        for &o in &unit.predecessors {
            let old = &mut communes[at(o)];
            old.successor = Some(code.clone());
            // Its villages are the new unit's now (the old unit keeps its
            // list: its survey's households name them).
            commune.villages.extend(old.villages.iter().cloned());
            let from = &surveys[at(o)];
            facts.households.extend(from.households.iter().cloned());
            for (k, v) in &from.infrastructure_counts {
                *facts.infrastructure_counts.entry(k.clone()).or_default() += v;
            }
            for (k, v) in &from.infrastructure_shares {
                let s = facts
                    .infrastructure_shares
                    .entry(k.clone())
                    .or_insert(Share {
                        part: 0.0,
                        whole: 0.0,
                    });
                s.part += v.part;
                s.whole += v.whole;
            }
            let (q, n) = quality_of[at(o)];
            weight += q * n as f64;
            households += n;
        }
        let quality = weight / households.max(1) as f64;
        // The new unit attests the 2026–2030 indicators itself.
        for key in &attested_2026 {
            facts
                .attested
                .insert(key.clone(), rng.random_bool(1.0 - (1.0 - quality).powi(3)));
        }
        // Targets of the 2026–2030 programme: the best aim for NTM soon,
        // a few for the modern pilot.
        commune.target = if unit.name == "Tả Van" && unit.kind == UnitKind::Commune {
            // The demo commune: re-assessed after the merger, aiming for 2026.
            Some(Target {
                level: Level::Ntm,
                year: 2026,
            })
        } else if quality > 0.9 {
            Some(Target {
                level: Level::Modern,
                year: 2028,
            })
        } else if quality > 0.6 {
            Some(Target {
                level: Level::Ntm,
                year: if quality > 0.75 { 2026 } else { 2027 },
            })
        } else {
            None
        };
        communes.push(commune);
        surveys.push(facts);
    }
    let districts: Vec<District> = DISTRICTS
        .iter()
        .chain(YEN_BAI_DISTRICTS)
        .filter(|(code, _, _)| {
            communes
                .iter()
                .any(|c| c.district.as_deref() == Some(*code))
        })
        .map(|(code, name, _)| District {
            code: (*code).into(),
            name: (*name).into(),
            valid_until: Some(reform.previous_day()),
        })
        .collect();
    let registry = Registry {
        province: Province {
            code: PROVINCE_CODE.into(),
            name: "Lào Cai (dữ liệu mẫu)".into(),
            synthetic: true,
        },
        districts,
        communes,
    };
    DemoProvince { registry, surveys }
}

/// Departments owning criteria in the shipped sets of 2021–2025 (`.0`,
/// those appraising an old unit) and of 2026–2030 (`.1`, a new unit's).
fn departments_by_period() -> &'static (Vec<String>, Vec<String>) {
    static DEPARTMENTS: std::sync::OnceLock<(Vec<String>, Vec<String>)> =
        std::sync::OnceLock::new();
    DEPARTMENTS.get_or_init(|| {
        let (old, new): (Vec<_>, Vec<_>) = catalog::shipped()
            .into_iter()
            .partition(|c| c.attestation_scope.is_empty());
        (
            crate::appraisal::departments(&old),
            crate::appraisal::departments(&new),
        )
    })
}

/// Departments appraising a unit of the old province (2021–2025 sets).
pub fn departments_2021() -> &'static [String] {
    &departments_by_period().0
}

/// Departments appraising a unit of the new province (2026–2030 sets).
pub fn departments_2026() -> &'static [String] {
    &departments_by_period().1
}

/// Survey facts for a commune of the given quality in [0, 1].
fn survey(
    rng: &mut ChaCha8Rng,
    quality: f64,
    households: usize,
    villages: usize,
    attested: &[String],
) -> SurveyFacts {
    let good = |rng: &mut ChaCha8Rng, base: f64| {
        rng.random_bool((base + (1.0 - base) * quality).clamp(0.0, 1.0))
    };
    let mut facts = SurveyFacts::default();
    for _ in 0..households {
        let mut h = HouseholdFacts::default();
        for (field, base) in [
            ("clean_water", 0.15),
            ("hygienic_latrine", 0.45),
            ("solid_house", 0.55),
            ("all_members_insured", 0.7),
            ("internet_access", 0.55),
            ("digital_services", 0.25),
            ("waste_treated", 0.3),
            ("has_employed_member", 0.8),
            ("children_in_school", 0.8),
        ] {
            h.set_predicate(field, Some(good(rng, base)));
        }
        h.set_predicate("poor", Some(rng.random_bool(0.35 * (1.0 - quality))));
        h.set_quantity(
            "income_per_person_year",
            Some(24.0 + 32.0 * quality + rng.random_range(-8.0..8.0)),
        );
        facts.households.push(h);
    }
    let count = |share: f64| (share * villages as f64).round() as u32;
    facts.infrastructure_counts.insert(
        "school_up_to_standard".into(),
        (1.0 + 2.5 * quality).floor() as u32,
    );
    facts.infrastructure_counts.insert(
        "cultural_house_up_to_standard".into(),
        count(0.2 + 0.8 * quality),
    );
    facts
        .infrastructure_counts
        .insert("market_up_to_standard".into(), u32::from(quality > 0.4));
    for (field, base) in [
        ("road_km_hardened", 0.55),
        ("irrigated_area", 0.45),
        ("power_safe_households", 0.8),
    ] {
        let whole = rng.random_range(20.0..120.0);
        facts.infrastructure_shares.insert(
            field.into(),
            Share {
                part: whole * (base + (1.0 - base) * quality),
                whole,
            },
        );
    }
    for id in attested {
        // Good communes attest nearly everything; weak ones much less.
        facts
            .attested
            .insert(id.clone(), rng.random_bool(1.0 - (1.0 - quality).powi(3)));
    }
    facts
}

/// The attestation keys of the shipped catalogs of one scope (`""`: the
/// 2021–2025 sets), in numeric order (1.1 < 1.2 < 2.2 < … < 15 < 15.2),
/// so the draws below stay reproducible.
fn attested_ids(scope: &str) -> Vec<String> {
    let number = |id: &str| -> (u32, u32) {
        let mut parts = id.split('.').map(|p| p.parse().unwrap_or(0));
        (parts.next().unwrap_or(0), parts.next().unwrap_or(0))
    };
    let mut ids: Vec<(String, String)> = catalog::shipped()
        .iter()
        .filter(|c| c.attestation_scope == scope)
        .flat_map(|c| {
            c.criteria
                .iter()
                .flat_map(|k| k.indicators.iter())
                .filter(|i| i.rule == Rule::Attested)
                .map(|i| (i.id.clone(), c.attestation_key(&i.id)))
                .collect::<Vec<_>>()
        })
        .collect();
    ids.sort_by_key(|(id, _)| number(id));
    ids.dedup();
    ids.into_iter().map(|(_, key)| key).collect()
}

fn slip(rng: &mut ChaCha8Rng, facts: &mut SurveyFacts) {
    match rng.random_range(0..3) {
        0 => {
            for h in facts.households.iter_mut().step_by(2) {
                h.set_predicate("clean_water", Some(false));
                h.set_predicate("hygienic_latrine", Some(false));
            }
        }
        1 => {
            if let Some(s) = facts.infrastructure_shares.get_mut("road_km_hardened") {
                s.part = s.whole * 0.6;
            }
        }
        _ => {
            facts.attested.insert("17.3".into(), false);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::evaluation::evaluate;

    #[test]
    fn codes_are_ascii_and_the_app_demo_commune_is_in_the_registry() {
        assert_eq!(slug("Tả Van"), "ta-van");
        assert_eq!(slug("Ngũ Chỉ Sơn"), "ngu-chi-son");
        let province = generate(DemoParams {
            communes: 10,
            households: (1, 2),
            ..DemoParams::default()
        });
        assert!(province.registry.communes.iter().all(|c| c.code.is_ascii()));
        let app = crate::survey::demo_commune();
        let ta_van = province.registry.commune(&app.code).expect("Tả Van");
        assert_eq!(ta_van.documents.survey_id(), Some(app.document_id));
        assert_eq!(ta_van.applicable_region, app.applicable_region);
    }

    #[test]
    fn same_seed_same_province_and_it_is_marked_synthetic() {
        let small = DemoParams {
            communes: 30,
            households: (20, 40),
            ..DemoParams::default()
        };
        let a = generate(small);
        let b = generate(small);
        assert_eq!(a.registry, b.registry);
        assert_eq!(a.surveys, b.surveys);
        assert!(a.registry.province.synthetic);
        let c = generate(DemoParams { seed: 7, ..small });
        assert_ne!(a.surveys, c.surveys);
    }

    #[test]
    fn default_province_is_new_lao_cai_with_its_history_and_a_spread_of_scores() {
        let province = generate(DemoParams::default());
        let reg = &province.registry;
        reg.check_succession().expect("successions hold together");
        let reform = reform_date();
        let now: Vec<&Commune> = reg.as_of(reform).collect();
        assert_eq!(now.len(), 99, "new Lào Cai: 99 units");
        assert_eq!(now.iter().filter(|c| c.kind == UnitKind::Ward).count(), 10);
        assert!(now
            .iter()
            .all(|c| c.district.is_none() && !c.predecessors.is_empty()));
        assert!(
            reg.districts_as_of(reform).next().is_none(),
            "no district tier"
        );
        let before: Vec<&Commune> = reg.as_of(reform.previous_day()).collect();
        assert_eq!(before.len(), 227, "old Lào Cai (127) and Yên Bái (100)");
        assert!(before.iter().all(|c| c.successor.is_some()));
        // The reported merger: Tả Van + Mường Hoa + Hoàng Liên → Tả Van.
        let ta_van = reg.commune("ta-van").unwrap();
        assert_eq!(
            ta_van.predecessors,
            ["sa-pa-ta-van", "sa-pa-muong-hoa", "sa-pa-hoang-lien"]
        );
        for (name, kind) in [
            ("Phường Sa Pa", UnitKind::Ward),
            ("Xã Mường Bo", UnitKind::Commune),
            ("Xã Bản Hồ", UnitKind::Commune),
            ("Xã Tả Phìn", UnitKind::Commune),
            ("Xã Ngũ Chỉ Sơn", UnitKind::Commune),
        ] {
            assert!(
                now.iter().any(|c| c.name == name && c.kind == kind),
                "{name}"
            );
        }
        // The seed notice's 2024 targets are history on the old units.
        let old_ta_van = reg.commune("sa-pa-ta-van").unwrap();
        assert_eq!(old_ta_van.target.map(|t| t.year), Some(2024));
        assert_eq!(reg.commune("sa-pa-muong-hoa").unwrap().ntm_year, Some(2023));
        crate::registry::document::create(reg, 0).expect("every generated unit is valid");

        // A merged unit's survey is the union of its predecessors'.
        let index = |code: &str| reg.communes.iter().position(|c| c.code == code).unwrap();
        let union: usize = ta_van
            .predecessors
            .iter()
            .map(|p| province.surveys[index(p)].households.len())
            .sum();
        assert_eq!(province.surveys[index("ta-van")].households.len(), union);
        let households: Vec<usize> = now
            .iter()
            .map(|c| province.surveys[index(&c.code)].households.len())
            .collect();
        let total: usize = households.iter().sum();
        assert!((100_000..=220_000).contains(&total), "{total}");
        assert!(
            households.iter().all(|h| (500..=3_500).contains(h)),
            "{households:?}"
        );

        let ntm = &catalog::shipped()[0];
        let scores: Vec<usize> = before
            .iter()
            .map(|c| {
                evaluate(
                    ntm,
                    Some(c.applicable_region.code()),
                    2024,
                    &province.surveys[index(&c.code)],
                )
                .met()
            })
            .collect();
        let (min, max) = (*scores.iter().min().unwrap(), *scores.iter().max().unwrap());
        assert!(min <= 8, "lowest score {min}");
        assert_eq!(max, 19);
        assert_eq!(
            scores[before
                .iter()
                .position(|c| c.code == "sa-pa-muong-hoa")
                .unwrap()],
            19
        );
        let mut histogram = [0usize; 20];
        for s in &scores {
            histogram[*s] += 1;
        }
        assert!(
            histogram.iter().filter(|n| **n > 0).count() >= 8,
            "scores spread: {histogram:?}"
        );
        let new = catalog::shipped()
            .into_iter()
            .find(|c| c.id == "ntm-2026-2030")
            .unwrap();
        let new_scores: Vec<usize> = now
            .iter()
            .map(|c| {
                let class = c.class_in(&new.classification);
                evaluate(
                    &new,
                    class.as_deref(),
                    2026,
                    &province.surveys[index(&c.code)],
                )
                .met()
            })
            .collect();
        assert!(new_scores.iter().any(|s| *s >= 8), "{new_scores:?}");
        assert!(new_scores.iter().any(|s| *s <= 4), "{new_scores:?}");
    }
}
