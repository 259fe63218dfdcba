//! The demo province as documents: what `ntm-relay serve --demo` stores so
//! that devices find a province to work on: the registry, the shipped
//! catalogs, and for the communes of chosen districts a survey document
//! filled in household by household (full records, infrastructure with
//! evidence, attestations), its dossier and each department's verdicts.
//!
//! Records are drawn from the same generated facts the province overview
//! uses, so a seeded commune's scorecard tells the same story.

use automerge::{ActorId, Automerge};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::DemoProvince;
use crate::access::DocumentKind;
use crate::appraisal::dossier::{self, Review};
use crate::appraisal::verdicts::{self, Ruling};
use crate::appraisal::{DossierState, Verdict};
use crate::catalog::{self, Catalog};
use crate::evaluation::{HouseholdFacts, SurveyFacts};
use crate::ids::DocumentId;
use crate::registry::{self, Commune};
use crate::summary;
use crate::survey::infrastructure::{self, Attestation, Evidence, InfraEntry, InfraKind};
use crate::survey::record::{self, Gps, Housing, Member, Sanitation, Sex, WaterSource};
use crate::survey::{self, CommuneRef, HouseholdId};

/// One document to store, and what it is (the relay's document table).
#[derive(Debug, Clone)]
pub struct DemoDocument {
    /// Its id.
    pub id: DocumentId,
    /// What kind of document it is.
    pub kind: DocumentKind,
    /// The unit it belongs to: province, catalog or commune code.
    pub unit: String,
    /// A commune document's district.
    pub district: Option<String>,
    /// A verdicts document's department.
    pub department: Option<String>,
    /// Its content.
    pub doc: Automerge,
}

const SURNAMES: &[&str] = &[
    "Giàng", "Lý", "Sùng", "Vàng", "Thào", "Hầu", "Lồ", "Tẩn", "Má",
];
const GIVEN: &[&str] = &[
    "Páo", "Dình", "Mẩy", "Chá", "Sử", "Lử", "Dung", "Mỷ", "Chơ", "Sa", "Vư", "Tủa", "Xo", "Pà",
];

fn person(rng: &mut ChaCha8Rng, sex: Sex) -> String {
    let middle = match sex {
        Sex::Male => "A",
        Sex::Female => "Thị",
    };
    format!(
        "{} {middle} {}",
        SURNAMES[rng.random_range(0..SURNAMES.len())],
        GIVEN[rng.random_range(0..GIVEN.len())]
    )
}

/// A household record whose facts match `facts` as closely as the record
/// can say them (poverty follows from income and deprivations).
fn record_for(
    rng: &mut ChaCha8Rng,
    facts: &HouseholdFacts,
    year: i64,
) -> (String, record::HouseholdRecord) {
    let yes = |field: &str| facts.predicate(field).unwrap_or(false);
    let mut roster = Vec::new();
    let head_sex = if rng.random_bool(0.8) {
        Sex::Male
    } else {
        Sex::Female
    };
    let head = person(rng, head_sex);
    let adults = rng.random_range(1..=3);
    for i in 0..adults {
        let sex = if i == 0 {
            head_sex
        } else if rng.random_bool(0.5) {
            Sex::Male
        } else {
            Sex::Female
        };
        let name = if i == 0 {
            head.clone()
        } else {
            person(rng, sex)
        };
        roster.push(Member {
            name,
            birth_year: Some(year - rng.random_range(20..=58)),
            sex: Some(sex),
            insured: Some(true),
            in_school: Some(false),
            // Only the head works when the household has an employed member.
            employed: Some(i == 0 && yes("has_employed_member")),
            position: Some(roster.len() as f64),
        });
    }
    // Every drawn household has a school-age child (the drawn facts say
    // whether children attend), so the record says the same.
    for _ in 0..rng.random_range(1..=3) {
        let sex = if rng.random_bool(0.5) {
            Sex::Male
        } else {
            Sex::Female
        };
        roster.push(Member {
            name: person(rng, sex),
            birth_year: Some(year - rng.random_range(6..=14)),
            sex: Some(sex),
            insured: Some(true),
            in_school: Some(yes("children_in_school")),
            employed: None,
            position: Some(roster.len() as f64),
        });
    }
    if !yes("all_members_insured") {
        let last = roster.len() - 1;
        roster[last].insured = Some(false);
    }
    let members = roster.len() as f64;
    let income_year = facts.quantity("income_per_person_year").unwrap_or(20.0) * members * 1e6;
    let farming = rng.random_range(0.3..0.7);
    let mut income = std::collections::BTreeMap::new();
    income.insert("trồng trọt".to_owned(), (income_year * farming) as i64);
    income.insert(
        "chăn nuôi".to_owned(),
        (income_year * (1.0 - farming) * 0.4) as i64,
    );
    income.insert(
        "du lịch, làm thuê".to_owned(),
        (income_year * (1.0 - farming) * 0.6) as i64,
    );
    let record = record::HouseholdRecord {
        roster: roster
            .into_iter()
            .map(|m| {
                (
                    HouseholdId::from_random(rng.random()).as_str().to_owned(),
                    m,
                )
            })
            .collect(),
        income,
        housing: Some(match (yes("solid_house"), rng.random_bool(0.5)) {
            (true, true) => Housing::Permanent,
            (true, false) => Housing::SemiPermanent,
            (false, true) => Housing::Flimsy,
            (false, false) => Housing::Makeshift,
        }),
        water: Some(match (yes("clean_water"), rng.random_bool(0.6)) {
            (true, true) => WaterSource::PipedToStandard,
            (true, false) => WaterSource::TreatedWell,
            (false, _) => WaterSource::Untreated,
        }),
        sanitation: Some(match (yes("hygienic_latrine"), rng.random_bool(0.5)) {
            (true, true) => Sanitation::Flush,
            (true, false) => Sanitation::ImprovedPit,
            (false, _) => Sanitation::Unimproved,
        }),
        internet: Some(yes("internet_access")),
        digital_services: Some(yes("digital_services")),
        waste_treated: Some(yes("waste_treated")),
        gps: Some(Gps {
            lat: 22.30 + rng.random_range(-0.05..0.05),
            lon: 103.88 + rng.random_range(-0.05..0.05),
        }),
        photos: Vec::new(),
    };
    (head, record)
}

fn evidence(note: &str) -> Evidence {
    Evidence {
        note: note.to_owned(),
        ..Evidence::default()
    }
}

/// The commune's survey document, filled in as an enumerator would: one
/// change per household added and one per record, then infrastructure and
/// attestations. Starts from the shared genesis, so devices that created the
/// commune offline merge with it.
fn survey_document(
    rng: &mut ChaCha8Rng,
    commune: &Commune,
    facts: &SurveyFacts,
    year: i64,
    at: i64,
) -> Automerge {
    let reference = commune_ref(commune);
    let mut doc = survey::genesis(&reference);
    doc.set_actor(ActorId::from(
        format!("ntm-demo-seed:{}", commune.code).as_bytes(),
    ));
    let seeded = "demo seed: values are valid by construction";
    for (i, h) in facts.households.iter().enumerate() {
        let id = HouseholdId::from_random(rng.random());
        let village = &commune.villages[i % commune.villages.len()].name;
        let (head, rec) = record_for(rng, h, year);
        let members = rec.roster.len() as u32;
        // Recorded over the hours before `at`, never after it.
        let t = at - (facts.households.len() - i) as i64 * 60;
        survey::add_household(&mut doc, &id, &head, members, village, t).expect(seeded);
        record::update_record(&mut doc, &id, t + 30, |r| *r = rec).expect(seeded);
    }
    let mut n = 0;
    let mut put = |doc: &mut Automerge, entry: InfraEntry| {
        n += 1;
        let id = HouseholdId::from_random([n; 16]);
        infrastructure::put_infrastructure(doc, id.as_str(), &entry, at).expect(seeded);
    };
    let count = |k: &str| facts.infrastructure_counts.get(k).copied().unwrap_or(0);
    for (kind, field, name, total) in [
        (InfraKind::School, "school_up_to_standard", "Trường", 3),
        (
            InfraKind::CulturalHouse,
            "cultural_house_up_to_standard",
            "Nhà văn hóa",
            commune.villages.len() as u32,
        ),
        (InfraKind::Market, "market_up_to_standard", "Chợ", 1),
    ] {
        let good = count(field);
        for k in 0..total.max(good) {
            let mut e = InfraEntry::new(kind, &format!("{name} {}", k + 1));
            e.up_to_standard = Some(k < good);
            e.evidence = evidence("Biên bản kiểm tra của tổ khảo sát");
            put(&mut doc, e);
        }
    }
    let share = |k: &str| facts.infrastructure_shares.get(k).copied();
    if let Some(s) = share("road_km_hardened") {
        for (part, hardened) in [(s.part, true), (s.whole - s.part, false)] {
            let mut e = InfraEntry::new(
                InfraKind::Road,
                if hardened {
                    "Đường liên thôn (bê tông)"
                } else {
                    "Đường nội đồng (đất)"
                },
            );
            e.length_km = Some(part);
            e.hardened = Some(hardened);
            e.evidence = evidence("Đo bằng GPS trên tuyến");
            put(&mut doc, e);
        }
    }
    if let Some(s) = share("irrigated_area") {
        let mut e = InfraEntry::new(InfraKind::Irrigation, "Mương thủy lợi");
        e.area_ha = Some(s.whole);
        e.irrigated_ha = Some(s.part);
        put(&mut doc, e);
    }
    if let Some(s) = share("power_safe_households") {
        let mut e = InfraEntry::new(InfraKind::Power, "Lưới điện nông thôn");
        e.households = Some((s.whole * 10.0).round() as i64);
        e.safe_households = Some((s.part * 10.0).round() as i64);
        put(&mut doc, e);
    }
    attest_all(&mut doc, facts, at);
    doc
}

/// The commune's statement on each attested indicator the facts hold.
fn attest_all(doc: &mut Automerge, facts: &SurveyFacts, at: i64) {
    for (key, met) in &facts.attested {
        let attestation = Attestation {
            met: *met,
            evidence: evidence("Hồ sơ lưu tại UBND xã"),
            by: "Cán bộ nông thôn mới xã".into(),
            at,
        };
        infrastructure::attest(doc, key, &attestation, at)
            .expect("demo seed: attestation keys come from the shipped catalogs");
    }
}

/// A dossier's first verdicts: the first two criteria met, the third
/// asking for more evidence.
fn first_verdicts(ntm: &Catalog, asked: &str, at: i64) -> Vec<(u32, Ruling)> {
    ntm.criteria
        .iter()
        .take(3)
        .zip([Verdict::Met, Verdict::Met, Verdict::NeedsEvidence])
        .map(|(c, verdict)| {
            let remark = if verdict == Verdict::Met {
                String::new()
            } else {
                asked.to_owned()
            };
            (
                c.number,
                Ruling {
                    verdict,
                    remark,
                    at,
                },
            )
        })
        .collect()
}

/// The commune's appraisal: recognised communes have every verdict "met"
/// and a recognised dossier; a commune with a target has a dossier on its
/// way, with some verdicts in. One verdicts document per department (each
/// written as that department would, by its own actor) and the dossier.
fn appraisal_documents(
    commune: &Commune,
    catalogs: &[Catalog],
    at: i64,
) -> (Automerge, Vec<(String, Automerge)>) {
    let seeded = "demo seed: verdicts come from the catalog's owners";
    // A unit formed by the merger is appraised under the set in force
    // since 15/02/2026; an old unit was, under 2021–2025's.
    let merged = !commune.predecessors.is_empty();
    let ntm = if merged { &catalogs[2] } else { &catalogs[0] };
    let actor =
        |part: &str| ActorId::from(format!("ntm-demo-seed:{}:{part}", commune.code).as_bytes());
    let mut dossier_doc = dossier::genesis(&commune.code);
    dossier_doc.set_actor(actor("dossier"));
    let mut rulings: Vec<(u32, Ruling)> = Vec::new();
    if merged {
        // To be assessed anew: one aiming for NTM this programme has its
        // self-assessment with the province (no district tier) and the
        // first verdicts in; the others have nothing appraised yet.
        if commune
            .target
            .is_some_and(|t| t.level == crate::registry::Level::Ntm && t.year == 2026)
        {
            dossier::set_dossier(
                &mut dossier_doc,
                DossierState::SubmittedToProvince,
                at - 3 * 86_400,
            )
            .expect(seeded);
            rulings = first_verdicts(
                ntm,
                "Bổ sung số liệu thu nhập của các thôn sáp nhập",
                at - 86_400,
            );
        }
    } else if commune.ntm_year.is_some() {
        for c in &ntm.criteria {
            let ruling = Ruling {
                verdict: Verdict::Met,
                remark: String::new(),
                at,
            };
            rulings.push((c.number, ruling));
        }
        dossier::set_dossier(&mut dossier_doc, DossierState::Recognised, at).expect(seeded);
    } else if commune.target.is_some() {
        dossier::set_dossier(
            &mut dossier_doc,
            DossierState::SubmittedToDistrict,
            at - 3 * 86_400,
        )
        .expect(seeded);
        let review = Review {
            approved: true,
            remark: "Đề nghị tỉnh thẩm định".into(),
        };
        dossier::record_district_review(&mut dossier_doc, &review, at - 2 * 86_400).expect(seeded);
        dossier::set_dossier(
            &mut dossier_doc,
            DossierState::SubmittedToProvince,
            at - 2 * 86_400,
        )
        .expect(seeded);
        rulings = first_verdicts(ntm, "Bổ sung biên bản nghiệm thu công trình", at - 86_400);
    }
    let verdict_docs = commune
        .documents
        .verdicts
        .keys()
        .map(|department| {
            let mut doc = verdicts::genesis(&commune.code, department);
            doc.set_actor(actor(department));
            for (number, ruling) in &rulings {
                let owner = ntm.criteria.iter().find(|c| c.number == *number);
                if owner.is_some_and(|c| &c.owner == department) {
                    verdicts::record_verdict(&mut doc, ntm, *number, ruling).expect(seeded);
                }
            }
            (department.clone(), doc)
        })
        .collect();
    (dossier_doc, verdict_docs)
}

/// Every document of the demo province: the registry, the shipped catalogs,
/// and survey + appraisal documents for the new units named in `units` (all
/// when empty) and for their predecessors: each new
/// unit's survey is made by merging its predecessors' (the admin tooling's
/// merge, [`survey::merge`]), each predecessor's survey is marked with
/// where its data went, and the new unit attests the 2026–2030 indicators
/// itself. `year` dates the records, `at` the changes.
pub fn seed_documents(
    province: &DemoProvince,
    units: &[&str],
    year: i64,
    at: i64,
) -> Vec<DemoDocument> {
    let registry = &province.registry;
    let mut out = vec![DemoDocument {
        id: registry::document::document_id(&registry.province.code),
        kind: DocumentKind::Registry,
        unit: registry.province.code.clone(),
        district: None,
        department: None,
        doc: registry::document::create(registry, at).expect("the generator makes valid communes"),
    }];
    let mut catalogs = Vec::new();
    for (file, text) in catalog::SHIPPED {
        let (catalog, doc) =
            catalog::document::import(file, text, "demo seed", at).expect("shipped catalogs load");
        out.push(DemoDocument {
            id: catalog::document::document_id(&catalog.id),
            kind: DocumentKind::Catalog,
            unit: catalog.id.clone(),
            district: None,
            department: None,
            doc,
        });
        catalogs.push(catalog);
    }
    let mut rng = ChaCha8Rng::seed_from_u64(year as u64);
    // Where each seeded commune's survey is in `out`.
    let mut surveys: std::collections::BTreeMap<String, usize> = Default::default();
    let wanted = |c: &Commune| units.is_empty() || units.contains(&c.code.as_str());
    for (commune, facts) in registry.communes.iter().zip(&province.surveys) {
        let chosen = match &commune.successor {
            // An old unit: seeded when the unit it became is.
            Some(next) => registry.commune(next).is_some_and(wanted),
            None => wanted(commune),
        };
        if !chosen {
            continue;
        }
        let doc = if commune
            .predecessors
            .iter()
            .any(|p| !surveys.contains_key(p))
        {
            // Its predecessors are not all in the demo: a survey of its own.
            survey_document(&mut rng, commune, facts, year, at)
        } else if commune.predecessors.is_empty() {
            survey_document(&mut rng, commune, facts, year, at)
        } else {
            merged_survey(commune, facts, &mut out, &surveys, at)
        };
        surveys.insert(commune.code.clone(), out.len());
        out.push(DemoDocument {
            id: commune.documents.survey_id().expect("valid id"),
            kind: DocumentKind::Survey,
            unit: commune.code.clone(),
            district: commune.district.clone(),
            department: None,
            doc,
        });
        let ids = commune.documents.appraisal_ids().expect("valid ids");
        let (dossier_doc, verdict_docs) = appraisal_documents(commune, &catalogs, at);
        out.push(DemoDocument {
            id: ids.dossier,
            kind: DocumentKind::Dossier,
            unit: commune.code.clone(),
            district: commune.district.clone(),
            department: None,
            doc: dossier_doc,
        });
        for (department, doc) in verdict_docs {
            out.push(DemoDocument {
                id: ids.verdicts[&department],
                kind: DocumentKind::Verdicts,
                unit: commune.code.clone(),
                district: commune.district.clone(),
                department: Some(department),
                doc,
            });
        }
    }
    out.push(DemoDocument {
        id: summary::document_id(&registry.province.code),
        kind: DocumentKind::Summary,
        unit: registry.province.code.clone(),
        district: None,
        department: None,
        doc: synthetic_summary(province, &catalogs, |c| surveys.contains_key(c), at),
    });
    out
}

/// The province summary as the demo starts it: an entry computed from the
/// generated facts for each unit of today that has no documents in the
/// demo (marked `synthetic` as its sources); the relay evaluates the
/// others from their documents once it serves them.
fn synthetic_summary(
    province: &DemoProvince,
    catalogs: &[Catalog],
    has_documents: impl Fn(&str) -> bool,
    at: i64,
) -> Automerge {
    let registry = &province.registry;
    let mut doc = summary::genesis(&registry.province.code);
    let actor = ActorId::from(b"ntm-demo-seed:summary".as_slice());
    let today = crate::date::Date::of_unix_vn(at);
    let in_force = crate::overview::sets_in_force(catalogs, today);
    let none = crate::appraisal::Appraisal::default();
    for (i, commune) in registry.as_of_indexed(today) {
        if has_documents(&commune.code) {
            continue;
        }
        let facts = &province.surveys[i];
        let households = facts.households.len() as u64;
        let entry = summary::CommuneSummary {
            sources: "synthetic".into(),
            evaluated_at: at,
            households,
            surveyed: households,
            needing_decision: 0,
            dossier: None,
            sets: in_force
                .iter()
                .map(|c| {
                    summary::SetSummary::of(&crate::evaluation::evaluate_commune(
                        c, commune, today.year, facts, &none,
                    ))
                })
                .collect(),
        };
        summary::write(&mut doc, &actor, &commune.code, &entry, at)
            .expect("a fresh summary takes every entry");
    }
    doc
}

/// A new unit's survey: its genesis, one merge change per predecessor (as
/// `ntm-relay commune merge` writes them), its own attestations; and each
/// predecessor's survey marked with where its data went.
fn merged_survey(
    commune: &Commune,
    facts: &SurveyFacts,
    out: &mut [DemoDocument],
    surveys: &std::collections::BTreeMap<String, usize>,
    at: i64,
) -> Automerge {
    let seeded = "demo seed: predecessors are seeded surveys";
    let reference = commune_ref(commune);
    let mut doc = survey::genesis(&reference);
    doc.set_actor(ActorId::from(
        format!("ntm-demo-seed:{}", commune.code).as_bytes(),
    ));
    let successor = survey::merge::Succession::to(commune, &reference.document_id)
        .expect("a new unit has its first day");
    for code in &commune.predecessors {
        let old = &mut out[surveys[code]];
        let from = survey::merge::Predecessor {
            code,
            document: &old.id,
            doc: &old.doc,
        };
        survey::merge::merge_predecessor(&mut doc, from, at).expect(seeded);
        survey::merge::mark_succeeded(&mut old.doc, &successor, at).expect(seeded);
    }
    // Its facts hold the 2026–2030 statements only: the predecessors'
    // attestations are theirs, not carried.
    attest_all(&mut doc, facts, at);
    doc
}

fn commune_ref(commune: &Commune) -> CommuneRef {
    let mut reference = CommuneRef::of(super::PROVINCE_CODE, commune).expect("valid ids");
    reference.name = if commune.code == survey::demo_commune().code {
        survey::demo_commune().name
    } else {
        format!("{} — dữ liệu mẫu", commune.name)
    };
    reference
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::appraisal;
    use crate::demo::{generate, DemoParams};
    use crate::evaluation::evaluate;

    const SA_PA: &[&str] = &[
        "ta-van",
        "phuong-sa-pa",
        "muong-bo",
        "ban-ho",
        "ta-phin",
        "ngu-chi-son",
    ];

    #[test]
    fn seeded_documents_read_back_and_score_like_the_generated_facts() {
        let province = generate(DemoParams {
            communes: 8,
            households: (30, 40),
            ..DemoParams::default()
        });
        let docs = seed_documents(&province, SA_PA, 2024, 1_700_000_000);
        let registry = registry::document::read(&docs[0].doc).expect("the registry document reads");
        assert_eq!(registry.communes.len(), province.registry.communes.len());
        let catalogs: Vec<Catalog> = docs
            .iter()
            .filter(|d| d.kind == DocumentKind::Catalog)
            .map(|d| catalog::document::read(&d.doc).unwrap())
            .collect();
        assert_eq!(catalogs, catalog::shipped());
        let ntm = &catalogs[0];
        let new = &catalogs[2];
        let survey_of = |code: &str| {
            docs.iter()
                .find(|d| d.kind == DocumentKind::Survey && d.unit == code)
                .map(|d| &d.doc)
        };
        let mut seeded = 0;
        for (commune, facts) in province.registry.communes.iter().zip(&province.surveys) {
            let sa_pa = commune.district.as_deref() == Some("sa-pa")
                || (!commune.predecessors.is_empty()
                    && commune.predecessors.iter().all(|p| p.starts_with("sa-pa-")));
            let Some(survey) = survey_of(&commune.code) else {
                assert!(!sa_pa, "{} has a survey", commune.name);
                continue;
            };
            seeded += 1;
            // Poverty is derived from income and deprivations in the document,
            // so the poverty criterion may differ from the drawn facts; the rest match.
            let statuses = |c: &crate::evaluation::Scorecard, poverty: u32| -> Vec<_> {
                c.criteria
                    .iter()
                    .filter(|k| k.number != poverty)
                    .map(|k| (k.number, k.status))
                    .collect()
            };
            let (set, class, poverty, year) = if commune.predecessors.is_empty() {
                (
                    ntm,
                    Some(commune.applicable_region.code().to_owned()),
                    11,
                    2024,
                )
            } else {
                (new, commune.class_in(&new.classification), 6, 2026)
            };
            let from_doc = survey::facts(survey, i64::from(year));
            assert_eq!(from_doc.households.len(), facts.households.len());
            let expected = evaluate(set, class.as_deref(), year, facts);
            let actual = evaluate(set, class.as_deref(), year, &from_doc);
            assert_eq!(
                statuses(&actual, poverty),
                statuses(&expected, poverty),
                "{}",
                commune.name
            );
            let of_commune = |kind: DocumentKind| {
                docs.iter()
                    .filter(move |d| d.kind == kind && d.unit == commune.code)
            };
            let dossier_doc = of_commune(DocumentKind::Dossier).next().map(|d| &d.doc);
            let appraisal = appraisal::assemble(
                &catalogs,
                dossier_doc,
                of_commune(DocumentKind::Verdicts)
                    .map(|d| (d.department.as_deref().unwrap(), &d.doc)),
            );
            assert_eq!(
                of_commune(DocumentKind::Verdicts).count(),
                commune.documents.verdicts.len()
            );
            if commune.ntm_year.is_some() {
                assert_eq!(appraisal.dossier, Some(DossierState::Recognised));
                assert_eq!(appraisal.verdicts.len(), 19);
            }
            match survey::merge::succeeded_by(survey) {
                Some(s) => assert_eq!(Some(s.commune), commune.successor),
                None => assert!(
                    commune.successor.is_none(),
                    "{} says where its data went",
                    commune.name
                ),
            }
        }
        assert_eq!(
            seeded,
            10 + 6,
            "old Sa Pa's communes and the new units formed from them"
        );
        // The summary starts with every unit of the day that has no
        // documents, scored from its generated facts.
        let summary_doc = &docs
            .iter()
            .find(|d| d.kind == DocumentKind::Summary)
            .expect("a summary document")
            .doc;
        let entries = summary::read(summary_doc).expect("the summary reads");
        let today = crate::date::Date::of_unix_vn(1_700_000_000);
        let in_force = crate::overview::sets_in_force(&catalogs, today);
        let mut listed = 0;
        for (i, commune) in province.registry.as_of_indexed(today) {
            let entry = entries.get(&commune.code);
            if survey_of(&commune.code).is_some() {
                assert!(entry.is_none(), "{}: the relay summarises it", commune.name);
                continue;
            }
            listed += 1;
            let entry = entry.expect("a unit without documents is summarised");
            assert_eq!(entry.sources, "synthetic");
            assert_eq!(
                entry.households as usize,
                province.surveys[i].households.len()
            );
            assert_eq!(entry.sets.len(), in_force.len());
            let card = crate::evaluation::evaluate_commune(
                in_force[0],
                commune,
                today.year,
                &province.surveys[i],
                &appraisal::Appraisal::default(),
            );
            assert_eq!(entry.sets[0].met as usize, card.met(), "{}", commune.name);
        }
        assert!(listed > 0 && listed == entries.len());
        let again = seed_documents(&province, SA_PA, 2024, 1_700_000_000);
        assert!(
            docs.iter()
                .zip(&again)
                .all(|(a, b)| a.id == b.id && a.doc.get_heads() == b.doc.get_heads()),
            "seeding is reproducible"
        );
    }
}
