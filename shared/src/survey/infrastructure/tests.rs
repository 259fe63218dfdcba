use super::*;
use crate::catalog::{self, Region, Rule};
use crate::evaluation::evaluate;
use crate::message::Message;
use crate::survey::record::{update_record, Housing, Member, Sanitation, WaterSource};
use crate::survey::tests::device;
use crate::survey::{add_household, facts, HouseholdId};

fn road(name: &str, km: f64, hardened: bool) -> InfraEntry {
    InfraEntry {
        length_km: Some(km),
        hardened: Some(hardened),
        ..InfraEntry::new(InfraKind::Road, name)
    }
}

#[test]
fn entries_and_attestations_become_facts() {
    let mut doc = device(1);
    put_infrastructure(&mut doc, "r1", &road("Đường Bản Hồ", 6.0, true), 1).unwrap();
    put_infrastructure(&mut doc, "r2", &road("Đường Lao Chải", 4.0, false), 1).unwrap();
    let school = InfraEntry {
        up_to_standard: Some(true),
        ..InfraEntry::new(InfraKind::School, "Trường TH Tả Van")
    };
    put_infrastructure(&mut doc, "s1", &school, 1).unwrap();
    let att = Attestation {
        met: true,
        evidence: Evidence {
            note: "QĐ 123/QĐ-UBND".into(),
            ..Default::default()
        },
        by: "Cán bộ NTM xã".into(),
        at: 5,
    };
    attest(&mut doc, "1.1", &att, 5).unwrap();
    assert_eq!(attestations(&doc)["1.1"], att);
    let f = facts(&doc, 2024);
    let road_share = f.infrastructure_shares["road_km_hardened"];
    assert_eq!((road_share.part, road_share.whole), (6.0, 10.0));
    assert_eq!(f.infrastructure_counts["school_up_to_standard"], 1);
    assert!(
        !f.infrastructure_counts
            .contains_key("market_up_to_standard"),
        "no market surveyed: missing, not zero"
    );
    assert!(f.attested["1.1"]);
}

#[test]
fn invalid_entries_are_refused_and_nothing_is_written() {
    let mut doc = device(1);
    let heads = doc.get_heads();
    let bad = InfraEntry {
        area_ha: Some(10.0),
        irrigated_ha: Some(12.0),
        ..InfraEntry::new(InfraKind::Irrigation, "Mương Bản Dền")
    };
    let err = put_infrastructure(&mut doc, "i1", &bad, 1).unwrap_err();
    assert_eq!(
        err,
        SurveyError::Invalid(Invalid::PartExceedsWhole("irrigated_ha"))
    );
    let SurveyError::Invalid(invalid) = err else {
        unreachable!()
    };
    assert_eq!(
        invalid.message(),
        Message::new("invalid-part-exceeds-whole")
            .with("field", Message::new("field-irrigated-ha"))
    );
    assert!(put_infrastructure(&mut doc, "r", &road("Đường", -1.0, true), 1).is_err());
    assert!(put_infrastructure(&mut doc, "r", &road("  ", 1.0, true), 1).is_err());
    let anonymous = Attestation {
        met: true,
        evidence: Evidence::default(),
        by: " ".into(),
        at: 0,
    };
    assert!(attest(&mut doc, "1.1", &anonymous, 0).is_err());
    assert_eq!(doc.get_heads(), heads);
}

#[test]
fn entries_added_on_two_devices_both_count() {
    let mut a = device(1);
    let mut b = device(2);
    put_infrastructure(&mut a, "ra", &road("A", 3.0, true), 1).unwrap();
    put_infrastructure(&mut b, "rb", &road("B", 1.0, true), 1).unwrap();
    a.merge(&mut b).unwrap();
    assert_eq!(infrastructure(&a).len(), 2);
    assert_eq!(
        facts(&a, 2024).infrastructure_shares["road_km_hardened"].whole,
        4.0
    );
}

/// A whole commune surveyed through the document reaches 19/19.
#[test]
fn a_fully_surveyed_commune_scores_19_of_19_through_the_document() {
    let ntm = &catalog::shipped()[0];
    let mut doc = device(1);
    for h in 0..12u8 {
        let id = HouseholdId::from_random([h; 16]);
        add_household(&mut doc, &id, &format!("Hộ {h}"), 3, "Bản Hồ", 1).unwrap();
        update_record(&mut doc, &id, 1_750_000_000, |r| {
            r.housing = Some(Housing::Permanent);
            r.water = Some(WaterSource::PipedToStandard);
            r.sanitation = Some(Sanitation::Flush);
            r.internet = Some(true);
            r.income.insert("tiền lương".into(), 150_000_000);
            for (m, year) in [(0, 1985), (1, 1988), (2, 2015)] {
                let member = Member {
                    name: format!("Người {m}"),
                    birth_year: Some(year),
                    insured: Some(true),
                    employed: Some(year < 2000),
                    in_school: Some(year > 2000),
                    ..Default::default()
                };
                r.roster.insert(format!("{h}-{m}"), member);
            }
        })
        .unwrap();
    }
    let mut put = |id: &str, e: InfraEntry| put_infrastructure(&mut doc, id, &e, 3).unwrap();
    put("road", road("Đường trục xã", 12.0, true));
    put(
        "irrigation",
        InfraEntry {
            area_ha: Some(100.0),
            irrigated_ha: Some(85.0),
            ..InfraEntry::new(InfraKind::Irrigation, "Mương")
        },
    );
    put(
        "power",
        InfraEntry {
            households: Some(500),
            safe_households: Some(495),
            ..InfraEntry::new(InfraKind::Power, "Điện xã")
        },
    );
    for (i, kind) in [InfraKind::School, InfraKind::School, InfraKind::Market]
        .into_iter()
        .enumerate()
    {
        put(
            &format!("f{i}"),
            InfraEntry {
                up_to_standard: Some(true),
                ..InfraEntry::new(kind, "Cơ sở")
            },
        );
    }
    for v in 0..4 {
        put(
            &format!("nvh{v}"),
            InfraEntry {
                up_to_standard: Some(true),
                ..InfraEntry::new(InfraKind::CulturalHouse, "Nhà văn hóa")
            },
        );
    }
    for ind in ntm
        .criteria
        .iter()
        .flat_map(|c| &c.indicators)
        .filter(|i| i.rule == Rule::Attested)
    {
        let att = Attestation {
            met: true,
            evidence: Evidence::default(),
            by: "Cán bộ NTM".into(),
            at: 4,
        };
        attest(&mut doc, &ind.id, &att, 4).unwrap();
    }
    let card = evaluate(
        ntm,
        Some(Region::NorthernMidlandsMountains.code()),
        2024,
        &facts(&doc, 2024),
    );
    assert_eq!(card.score(), "19/19", "{:#?}", card.gaps());
    // Reloaded from bytes, the same.
    let reloaded = Automerge::load(&doc.save()).unwrap();
    assert_eq!(
        evaluate(
            ntm,
            Some(Region::NorthernMidlandsMountains.code()),
            2024,
            &facts(&reloaded, 2024)
        ),
        card
    );
}

#[test]
fn evidence_is_edited_a_part_at_a_time_and_two_tablets_both_stay() {
    use super::super::photo::Photo;
    use crate::blobs::BlobHash;
    let mut a = crate::survey::genesis(&crate::survey::demo_commune());
    put_infrastructure(&mut a, "r1", &road("Đường Bản Hồ", 2.5, true), 10).unwrap();
    let statement = Attestation {
        met: true,
        evidence: Evidence::default(),
        by: "Cán bộ xã".into(),
        at: 10,
    };
    attest(&mut a, "17.1", &statement, 10).unwrap();
    let mut b = a.fork();
    let photo = Photo::new(BlobHash::of(b"road"), BlobHash::of(b"r"), 11);
    let of = EvidenceOf::Infrastructure("r1".into());
    update_evidence(&mut a, &of, EvidenceEdit::AddPhoto(photo.clone()), 11).unwrap();
    let here = Gps {
        lat: 22.33,
        lon: 103.84,
    };
    update_evidence(&mut b, &of, EvidenceEdit::Gps(Some(here)), 12).unwrap();
    update_evidence(
        &mut b,
        &of,
        EvidenceEdit::Note("Biên bản nghiệm thu số 12".into()),
        12,
    )
    .unwrap();
    a.merge(&mut b).unwrap();
    let evidence = &infrastructure(&a)["r1"].evidence;
    assert_eq!(evidence.photos, [photo]);
    assert_eq!(evidence.gps, Some(here));
    assert_eq!(evidence.note, "Biên bản nghiệm thu số 12");
    assert_eq!(
        infrastructure(&a)["r1"].length_km,
        Some(2.5),
        "the measures untouched"
    );

    // A statement's evidence too; nothing written for what is refused.
    let key = EvidenceOf::Attestation("17.1".into());
    let heads = a.get_heads();
    assert!(matches!(
        update_evidence(
            &mut a,
            &key,
            EvidenceEdit::Gps(Some(Gps {
                lat: 48.8,
                lon: 2.3
            })),
            13
        ),
        Err(SurveyError::Invalid(Invalid::OutOfRange("gps")))
    ));
    assert!(matches!(
        update_evidence(
            &mut a,
            &EvidenceOf::Attestation("9.9".into()),
            EvidenceEdit::Note("x".into()),
            13
        ),
        Err(SurveyError::UnknownEntry(_))
    ));
    assert!(update_evidence(&mut a, &key, EvidenceEdit::Note("x".repeat(1001)), 13).is_err());
    assert_eq!(a.get_heads(), heads);
    update_evidence(
        &mut a,
        &key,
        EvidenceEdit::Note("Quyết định 123/QĐ-UBND".into()),
        14,
    )
    .unwrap();
    let kept = &attestations(&a)["17.1"];
    assert!(kept.met && kept.evidence.note == "Quyết định 123/QĐ-UBND");
}

#[test]
fn a_gap_of_works_names_the_works_that_miss_their_standard() {
    let mut entries = BTreeMap::new();
    entries.insert("r1".to_owned(), road("Đường Bản Hồ", 2.5, true));
    entries.insert("r2".to_owned(), road("Đường Lao Chải", 1.0, false));
    entries.insert(
        "r3".to_owned(),
        InfraEntry::new(InfraKind::Road, "Đường chưa đo"),
    );
    let school = |ok| InfraEntry {
        up_to_standard: Some(ok),
        ..InfraEntry::new(InfraKind::School, "Trường")
    };
    entries.insert("s1".to_owned(), school(true));
    entries.insert("s2".to_owned(), school(false));
    let power = InfraEntry {
        households: Some(120),
        safe_households: Some(118),
        ..InfraEntry::new(InfraKind::Power, "Trạm Bản Hồ")
    };
    entries.insert("p1".to_owned(), power);
    let names = |field| lacking(field, &entries).into_iter().collect::<Vec<_>>();
    assert_eq!(
        names("road_km_hardened"),
        ["r2", "r3"],
        "not hardened, or not known"
    );
    assert_eq!(names("school_up_to_standard"), ["s2"]);
    assert_eq!(names("power_safe_households"), ["p1"]);
    assert!(names("market_up_to_standard").is_empty());
    // Every field a catalog may name is one this knows.
    let known = [
        "school_up_to_standard",
        "cultural_house_up_to_standard",
        "market_up_to_standard",
        "road_km_hardened",
        "irrigated_area",
        "power_safe_households",
    ];
    for field in crate::catalog::INFRASTRUCTURE_COUNTS
        .iter()
        .chain(crate::catalog::INFRASTRUCTURE_SHARES)
    {
        assert!(known.contains(field), "{field}");
    }
}
