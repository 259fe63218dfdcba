use automerge::ActorId;
use proptest::prelude::*;

use super::*;
use crate::catalog;
use crate::evaluation::evaluate;
use crate::survey::add_household;
use crate::survey::tests::device;

/// A time in 2025: birth years are checked against the year of the edit.
const NOW: i64 = 1_750_000_000;

fn member(name: &str, birth_year: i64, employed: bool) -> Member {
    Member {
        name: name.into(),
        birth_year: Some(birth_year),
        sex: Some(Sex::Female),
        insured: Some(true),
        in_school: None,
        employed: Some(employed),
        position: None,
    }
}

#[test]
fn record_round_trips_and_old_households_read_empty() {
    let mut doc = device(1);
    let id = HouseholdId::from_random([1; 16]);
    add_household(&mut doc, &id, "Giàng Thị Súa", 3, "Bản Hồ", 0).unwrap();
    assert_eq!(read_record(&doc, &id).unwrap(), HouseholdRecord::default());
    let mut record = HouseholdRecord {
        housing: Some(Housing::SemiPermanent),
        water: Some(WaterSource::TreatedWell),
        ..Default::default()
    };
    record
        .roster
        .insert("m1".into(), member("Giàng Thị Súa", 1980, true));
    record.income.insert("trồng trọt".into(), 36_000_000);
    record.gps = Some(Gps {
        lat: 22.3,
        lon: 103.9,
    });
    record.photos.push(crate::survey::photo::Photo::new(
        crate::blobs::BlobHash::of(b"house"),
        crate::blobs::BlobHash::of(b"thumb"),
        NOW,
    ));
    let heads = doc.get_heads();
    update_record(&mut doc, &id, NOW + 10, |r| *r = record.clone()).unwrap();
    assert_eq!(doc.get_changes(&heads).len(), 1, "one edit, one change");
    assert_eq!(read_record(&doc, &id).unwrap(), record);
    // Edit a member, drop an income source: still one change each.
    update_record(&mut doc, &id, NOW + 11, |r| {
        r.roster.get_mut("m1").unwrap().employed = Some(false);
        r.income.clear();
    })
    .unwrap();
    let read = read_record(&doc, &id).unwrap();
    assert_eq!(read.roster["m1"].employed, Some(false));
    assert!(read.income.is_empty());
    let heads = doc.get_heads();
    update_record(&mut doc, &id, NOW + 12, |_| {}).unwrap();
    assert_eq!(doc.get_heads(), heads, "no change, no commit");
    assert!(matches!(
        read_record(&doc, &HouseholdId::from_random([2; 16])),
        Err(SurveyError::UnknownHousehold(_))
    ));
}

#[test]
fn concurrent_record_edits_on_two_devices_merge() {
    let id = HouseholdId::from_random([1; 16]);
    let mut a = device(1);
    add_household(&mut a, &id, "Lò Văn Pằng", 4, "Bản Dền", 0).unwrap();
    let mut b = device(2);
    b.merge(&mut a.clone()).unwrap();
    update_record(&mut a, &id, NOW + 1, |r| {
        r.roster
            .insert("ma".into(), member("Lò Văn Pằng", 1975, true));
        r.water = Some(WaterSource::PipedToStandard);
    })
    .unwrap();
    update_record(&mut b, &id, NOW + 1, |r| {
        r.roster
            .insert("mb".into(), member("Lò Thị Mai", 2012, false));
        r.housing = Some(Housing::Permanent);
    })
    .unwrap();
    a.merge(&mut b).unwrap();
    let merged = read_record(&a, &id).unwrap();
    assert_eq!(merged.roster.len(), 2, "both members kept");
    assert_eq!(merged.water, Some(WaterSource::PipedToStandard));
    assert_eq!(merged.housing, Some(Housing::Permanent));
}

#[test]
fn facts_and_poverty_follow_the_record() {
    let mut r = HouseholdRecord {
        housing: Some(Housing::Makeshift),
        water: Some(WaterSource::Untreated),
        sanitation: Some(Sanitation::Unimproved),
        internet: Some(true),
        ..Default::default()
    };
    r.roster.insert("1".into(), member("A", 1985, false));
    r.roster.insert(
        "2".into(),
        Member {
            in_school: Some(false),
            ..member("B", 2015, false)
        },
    );
    // 2 people, 30,000,000 đ a year: 1,250,000 đ/person/month, under the rural line.
    r.income.insert("chăn nuôi".into(), 30_000_000);
    assert_eq!(r.income_per_person_month(2), Some(1_250_000));
    // employment, school, housing, water, sanitation: 5 deprivations.
    assert_eq!(r.deprivations(2024), 5);
    assert_eq!(r.poverty(2, 2024), Some(PovertyClass::Poor));
    let f = r.facts(None, 2024);
    assert_eq!(f.predicate("poor"), Some(true));
    assert_eq!(f.predicate("clean_water"), Some(false));
    assert_eq!(f.predicate("solid_house"), Some(false));
    assert_eq!(f.predicate("children_in_school"), Some(false));
    assert_eq!(f.predicate("has_employed_member"), Some(false));
    assert_eq!(f.predicate("all_members_insured"), Some(true));
    assert_eq!(f.quantity("income_per_person_year"), Some(15.0));
    // Nothing recorded: nothing claimed.
    let empty = HouseholdRecord::default().facts(Some(4), 2024);
    assert_eq!(empty.recorded(), 0);
}

/// One random edit of the survey.
#[derive(Debug, Clone)]
enum Edit {
    Add {
        household: u8,
        members: u32,
    },
    Water {
        household: u8,
        clean: bool,
    },
    Member {
        household: u8,
        member: u8,
        employed: bool,
    },
    Income {
        household: u8,
        amount: i64,
    },
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        (0u8..4, 1u32..8).prop_map(|(household, members)| Edit::Add { household, members }),
        (0u8..4, any::<bool>()).prop_map(|(household, clean)| Edit::Water { household, clean }),
        (0u8..4, 0u8..3, any::<bool>()).prop_map(|(household, member, employed)| Edit::Member {
            household,
            member,
            employed
        }),
        (0u8..4, 1i64..100).prop_map(|(household, m)| Edit::Income {
            household,
            amount: m * 1_000_000
        }),
    ]
}

fn apply(doc: &mut Automerge, device: u8, e: &Edit) {
    let id = |h: u8| HouseholdId::from_random([h; 16]);
    let with_record = |doc: &mut Automerge, h: u8, f: &dyn Fn(&mut HouseholdRecord)| {
        // Households this device has not seen yet are skipped, as in the app.
        match update_record(doc, &id(h), NOW + 1, f) {
            Ok(()) | Err(SurveyError::UnknownHousehold(_)) => {}
            Err(e) => panic!("generated edits are valid: {e}"),
        }
    };
    match *e {
        Edit::Add { household, members } => {
            let _ = add_household(
                doc,
                &id(household),
                &format!("Hộ {household}"),
                members,
                "Bản Hồ",
                1,
            );
        }
        Edit::Water { household, clean } => with_record(doc, household, &|r| {
            r.water = Some(if clean {
                WaterSource::PipedToStandard
            } else {
                WaterSource::Untreated
            })
        }),
        Edit::Member {
            household,
            member: m,
            employed,
        } => with_record(doc, household, &|r| {
            r.roster
                .insert(format!("{device}-{m}"), member("X", 1990, employed));
        }),
        Edit::Income { household, amount } => with_record(doc, household, &|r| {
            r.income.insert(format!("nguồn {device}"), amount);
        }),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Evaluation depends only on the merged state, never on the order in
    /// which concurrent edits from three devices were merged.
    #[test]
    fn evaluation_does_not_depend_on_merge_order(
        edits in proptest::collection::vec(proptest::collection::vec(edit(), 0..8), 3),
        order in Just([0usize, 1, 2]).prop_shuffle(),
    ) {
        let base = device(9);
        let mut replicas: Vec<Automerge> = (0..3u8).map(|d| { let mut r = base.clone(); r.set_actor(ActorId::from(vec![d + 1; 16])); r }).collect();
        for (d, (replica, list)) in replicas.iter_mut().zip(&edits).enumerate() {
            for e in list {
                apply(replica, d as u8, e);
            }
        }
        let mut forward = base.clone();
        for r in &replicas {
            forward.merge(&mut r.clone()).unwrap();
        }
        let mut shuffled = base.clone();
        for i in order {
            shuffled.merge(&mut replicas[i].clone()).unwrap();
        }
        let ntm = &catalog::shipped()[0];
        let region = catalog::Region::NorthernMidlandsMountains;
        prop_assert_eq!(
            evaluate(ntm, Some(region.code()), 2024, &crate::survey::facts(&forward, 2024)),
            evaluate(ntm, Some(region.code()), 2024, &crate::survey::facts(&shuffled, 2024))
        );
    }
}

#[test]
fn implausible_record_values_are_refused_and_nothing_is_written() {
    let mut doc = device(1);
    let id = HouseholdId::from_random([9; 16]);
    let now = 1_750_000_000; // 2025
    add_household(&mut doc, &id, "Lý Thị Mẩy", 2, "Bản Hồ", now).unwrap();
    let heads = doc.get_heads();
    type Edit = Box<dyn Fn(&mut HouseholdRecord)>;
    let cases: Vec<(Edit, Invalid)> = vec![
        (
            Box::new(|r| {
                r.roster.insert("m".into(), member("  ", 1990, true));
            }),
            Invalid::Required("member_name"),
        ),
        (
            Box::new(|r| {
                r.roster.insert("m".into(), member("Mẩy", 2031, true));
            }),
            Invalid::OutOfRange("birth_year"),
        ),
        (
            Box::new(|r| {
                r.income.insert("trồng trọt".into(), -5);
            }),
            Invalid::OutOfRange("income"),
        ),
        (
            Box::new(|r| {
                r.gps = Some(Gps {
                    lat: 48.8,
                    lon: 2.3,
                });
            }),
            Invalid::OutOfRange("gps"),
        ),
    ];
    for (edit, expected) in cases {
        let err = update_record(&mut doc, &id, now, |r| edit(r)).unwrap_err();
        assert_eq!(err, SurveyError::Invalid(expected.clone()));
        assert!(
            !format!("{:?}", expected.message()).contains("field-other"),
            "{expected:?} names a known field"
        );
    }
    assert_eq!(doc.get_heads(), heads, "nothing written");
}

#[test]
fn members_keep_their_order_and_move_one_place_at_a_time() {
    let mut r = HouseholdRecord::default();
    // Recorded before positions existed: oldest first.
    r.roster
        .insert("k-young".into(), member("Con", 2010, false));
    r.roster.insert("k-old".into(), member("Mẹ", 1970, true));
    let names = |r: &HouseholdRecord| -> Vec<String> {
        r.members_in_order()
            .into_iter()
            .map(|(_, m)| m.name.clone())
            .collect()
    };
    assert_eq!(names(&r), ["Mẹ", "Con"]);
    r.move_member("k-young", true);
    assert_eq!(names(&r), ["Con", "Mẹ"]);
    // At the top already: nothing moves; an unknown key changes nothing.
    let before = r.clone();
    r.move_member("k-young", true);
    r.move_member("nobody", false);
    assert_eq!(r, before);
    r.move_member("k-young", false);
    assert_eq!(names(&r), ["Mẹ", "Con"]);
}

#[test]
fn the_form_asks_school_and_work_only_at_the_ages_they_apply() {
    let child = member("Con", 2019, false);
    let teen = member("Con lớn", 2009, false);
    let adult = member("Bố", 1980, true);
    let unknown = Member {
        birth_year: None,
        ..member("Ai", 0, false)
    };
    use MemberQuestion::{Employed, InSchool};
    assert!(child.asks(InSchool, 2025) && !child.asks(Employed, 2025));
    assert!(teen.asks(InSchool, 2025) && teen.asks(Employed, 2025));
    assert!(!adult.asks(InSchool, 2025) && adult.asks(Employed, 2025));
    assert!(unknown.asks(InSchool, 2025) && unknown.asks(Employed, 2025));
}

#[test]
fn typed_values_are_checked_as_they_are_typed() {
    assert_eq!(check_input("birth_year", "", 2025), Ok(()));
    assert_eq!(check_input("birth_year", " 1985 ", 2025), Ok(()));
    assert_eq!(
        check_input("birth_year", "3000", 2025),
        Err(Invalid::OutOfRange("birth_year"))
    );
    assert_eq!(
        check_input("birth_year", "19x5", 2025),
        Err(Invalid::OutOfRange("birth_year"))
    );
    assert_eq!(check_input("income", "36.000.000", 2025), Ok(()));
    assert_eq!(
        check_input("income", "ba triệu", 2025),
        Err(Invalid::OutOfRange("income"))
    );
    assert_eq!(
        check_input("member_name", "  ", 2025),
        Err(Invalid::Required("member_name"))
    );
    assert_eq!(check_input("member_name", "Lò Thị Hoa", 2025), Ok(()));
}
