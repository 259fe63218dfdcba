//! A synthetic Lào Cai-like demo province, seeded and reproducible, marked
//! synthetic everywhere. The places the seed notice names are in it (Sa Pa
//! with Mường Hoa, Tả Van, Thanh Bình; Bảo Thắng; …); the figures are not real.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::catalog::{self, Region, Rule};
use crate::evaluation::{HouseholdFacts, Share, SurveyFacts};

mod documents;
use crate::registry::{
    Commune, CommuneDocuments, District, Level, Province, Registry, Target, Village,
};
pub use documents::{seed_documents, DemoDocument};

/// The demo province's code.
pub const PROVINCE_CODE: &str = "lao-cai-demo";

/// Size and seed of the demo province.
#[derive(Debug, Clone, Copy)]
pub struct DemoParams {
    /// Same seed, same province.
    pub seed: u64,
    /// Number of communes (Lào Cai had 127 before the 2025 merger).
    pub communes: usize,
    /// Villages per commune.
    pub villages_per_commune: usize,
    /// Households per commune: drawn from this range.
    pub households: (usize, usize),
}

impl Default for DemoParams {
    fn default() -> Self {
        Self {
            seed: 2024,
            communes: 127,
            villages_per_commune: 10,
            households: (300, 1_200),
        }
    }
}

/// The generated province: its registry and, for each commune (same order),
/// what its survey says.
#[derive(Debug, Clone)]
pub struct DemoProvince {
    /// Units and programme status.
    pub registry: Registry,
    /// Survey facts per commune, in registry order.
    pub surveys: Vec<SurveyFacts>,
}

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
    const FOLD: &[(&str, char)] = &[
        ("àáạảãâầấậẩẫăằắặẳẵ", 'a'),
        ("èéẹẻẽêềếệểễ", 'e'),
        ("ìíịỉĩ", 'i'),
        ("òóọỏõôồốộổỗơờớợởỡ", 'o'),
        ("ùúụủũưừứựửữ", 'u'),
        ("ỳýỵỷỹ", 'y'),
        ("đ", 'd'),
    ];
    let folded: String = name
        .to_lowercase()
        .chars()
        .map(|c| {
            FOLD.iter()
                .find(|(from, _)| from.contains(c))
                .map_or(c, |(_, to)| *to)
        })
        .collect();
    folded.split_whitespace().collect::<Vec<_>>().join("-")
}

/// Generates the province; the same params always give the same province.
pub fn generate(params: DemoParams) -> DemoProvince {
    let mut rng = ChaCha8Rng::seed_from_u64(params.seed);
    let districts: Vec<District> = DISTRICTS
        .iter()
        .map(|(code, name, _)| District {
            code: (*code).into(),
            name: (*name).into(),
        })
        .collect();
    let mut names: Vec<(usize, String)> = DISTRICTS
        .iter()
        .enumerate()
        .flat_map(|(d, (_, _, cs))| cs.iter().map(move |c| (d, (*c).to_owned())))
        .collect();
    let mut n = 0;
    while names.len() < params.communes {
        let name = format!(
            "{} {}",
            FIRST[n % FIRST.len()],
            SECOND[(n / FIRST.len()) % SECOND.len()]
        );
        n += 1;
        if !names.iter().any(|(_, existing)| *existing == name) {
            names.push((n % DISTRICTS.len(), name));
        }
    }
    names.truncate(params.communes);

    let attested = attested_ids();
    let mut communes = Vec::new();
    let mut surveys = Vec::new();
    for (i, (d, name)) in names.into_iter().enumerate() {
        let (quality, ntm_year, advanced_year, target) = match name.as_str() {
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
            "Tả Van" => (
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
                        year: rng.random_range(2024..=2026),
                    })
                } else {
                    (q > 0.35).then_some(Target {
                        level: Level::Ntm,
                        year: rng.random_range(2024..=2026),
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
        let code = format!("{}-{}", DISTRICTS[d].0, slug(&name));
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
        communes.push(Commune {
            name: format!("Xã {name}"),
            district: Some(DISTRICTS[d].0.to_owned()),
            // Lào Cai is in the northern mountains: every commune applies that level.
            applicable_region: Region::NorthernMidlandsMountains,
            extremely_disadvantaged,
            ntm_year,
            advanced_year,
            target,
            sponsor: extremely_disadvantaged
                .then(|| ["so-nnptnt", "so-gtvt", "so-yt", "so-ct"][i % 4].to_owned()),
            leader: None,
            documents: CommuneDocuments::derived(PROVINCE_CODE, &code),
            villages,
            code,
        });
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
    }
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

/// Every attested indicator id of the shipped catalogs, in numeric order
/// (1.1 < 1.2 < 2.2 < … < 15 < 15.2), so the draws below stay reproducible.
fn attested_ids() -> Vec<String> {
    let number = |id: &str| -> (u32, u32) {
        let mut parts = id.split('.').map(|p| p.parse().unwrap_or(0));
        (parts.next().unwrap_or(0), parts.next().unwrap_or(0))
    };
    let mut ids: Vec<String> = catalog::shipped()
        .iter()
        .flat_map(|c| c.criteria.iter().flat_map(|k| k.indicators.iter()))
        .filter(|i| i.rule == Rule::Attested)
        .map(|i| i.id.clone())
        .collect();
    ids.sort_by_key(|id| number(id));
    ids.dedup();
    ids
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
    fn default_province_is_lao_cai_like_with_a_spread_of_scores() {
        let province = generate(DemoParams::default());
        let reg = &province.registry;
        assert_eq!(reg.communes.len(), 127);
        assert!(reg.communes.iter().all(|c| c.villages.len() == 10));
        for name in ["Xã Mường Hoa", "Xã Tả Van", "Xã Thanh Bình"] {
            assert!(
                reg.communes
                    .iter()
                    .any(|c| c.name == name && c.district.as_deref() == Some("sa-pa")),
                "{name}"
            );
        }
        assert!(reg.districts.iter().any(|d| d.name == "Huyện Bảo Thắng"));
        crate::registry::document::create(reg, 0).expect("every generated commune is valid");
        let households: usize = province.surveys.iter().map(|s| s.households.len()).sum();
        assert!((60_000..=160_000).contains(&households), "{households}");

        let ntm = &catalog::shipped()[0];
        let scores: Vec<usize> = reg
            .communes
            .iter()
            .zip(&province.surveys)
            .map(|(c, s)| evaluate(ntm, c.applicable_region, 2024, s).met())
            .collect();
        let (min, max) = (*scores.iter().min().unwrap(), *scores.iter().max().unwrap());
        assert!(min <= 8, "lowest score {min}");
        assert_eq!(max, 19);
        let muong_hoa = reg
            .communes
            .iter()
            .position(|c| c.name == "Xã Mường Hoa")
            .unwrap();
        assert_eq!(scores[muong_hoa], 19, "Mường Hoa met 19/19 in 2023");
        let at_risk = reg
            .communes
            .iter()
            .zip(&scores)
            .filter(|(c, s)| c.ntm_year.is_some() && **s < 19)
            .count();
        assert!(at_risk >= 3, "recognised communes now failing: {at_risk}");
        let mut histogram = [0usize; 20];
        for s in &scores {
            histogram[*s] += 1;
        }
        assert!(
            histogram.iter().filter(|n| **n > 0).count() >= 8,
            "scores spread: {histogram:?}"
        );
    }
}
