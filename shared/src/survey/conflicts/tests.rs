use automerge::{ActorId, Automerge};

use super::*;
use crate::survey::infrastructure::{put_infrastructure, InfraEntry, InfraKind};
use crate::survey::record::{read_record, update_record, Gps, Member};
use crate::survey::tests::device;
use crate::survey::{add_household, edit_household, HouseholdEdit};

const NOW: i64 = 1_750_000_000;

fn id() -> HouseholdId {
    HouseholdId::from_random([9; 16])
}

fn hex(actor: u8) -> String {
    ActorId::from(vec![actor; 16]).to_hex_string()
}

/// Device 1 adds a household with a member; device 2 gets it; both then
/// edit offline.
fn two_devices() -> (Automerge, Automerge) {
    let mut one = device(1);
    add_household(&mut one, &id(), "Vàng A Tủa", 2, "Bản Hồ", NOW).unwrap();
    update_record(&mut one, &id(), NOW, |r| {
        r.roster.insert(
            "m1".into(),
            Member {
                name: "Vàng Thị Dua".into(),
                ..Member::default()
            },
        );
    })
    .unwrap();
    let mut two = device(2);
    two.merge(&mut one.clone()).unwrap();
    (one, two)
}

fn merged(a: &Automerge, b: &Automerge) -> Automerge {
    let mut m = a.clone();
    m.merge(&mut b.clone()).unwrap();
    m
}

#[test]
fn concurrent_values_are_listed_with_their_device_and_time() {
    let (mut one, mut two) = two_devices();
    update_record(&mut one, &id(), NOW + 10, |r| {
        r.water = Some(WaterSource::PipedToStandard)
    })
    .unwrap();
    update_record(&mut two, &id(), NOW + 20, |r| {
        r.water = Some(WaterSource::Untreated)
    })
    .unwrap();
    update_record(&mut one, &id(), NOW + 11, |r| {
        r.roster.get_mut("m1").unwrap().name = "Vàng Thị Dua".into();
        r.roster.get_mut("m1").unwrap().birth_year = Some(1990);
    })
    .unwrap();
    update_record(&mut two, &id(), NOW + 21, |r| {
        r.roster.get_mut("m1").unwrap().birth_year = Some(1991);
    })
    .unwrap();
    edit_household(
        &mut two,
        &id(),
        HouseholdEdit::Village("Bản Dền".into()),
        NOW + 22,
    )
    .unwrap();
    let doc = merged(&one, &two);
    let conflicts = of_entry(&doc, &Entry::Household(id()));
    let paths: Vec<String> = conflicts.iter().map(|c| c.path.join("/")).collect();
    assert_eq!(paths, ["record/roster/m1/birth_year", "record/water"]);
    let water = &conflicts[1];
    let mut seen: Vec<(Shown, String, i64)> = water
        .candidates
        .iter()
        .map(|c| (c.shown.clone(), c.actor.clone(), c.at))
        .collect();
    seen.sort_by_key(|(_, _, at)| *at);
    assert_eq!(
        seen,
        [
            (
                Shown::Code {
                    prefix: "water",
                    code: "piped"
                },
                hex(1),
                NOW + 10
            ),
            (
                Shown::Code {
                    prefix: "water",
                    code: "untreated"
                },
                hex(2),
                NOW + 20
            ),
        ]
    );
    let years: Vec<&Shown> = conflicts[0].candidates.iter().map(|c| &c.shown).collect();
    assert!(years.contains(&&Shown::Int(1990)) && years.contains(&&Shown::Int(1991)));
}

#[test]
fn choosing_keeps_one_value_on_every_device() {
    let (mut one, mut two) = two_devices();
    update_record(&mut one, &id(), NOW + 10, |r| {
        r.water = Some(WaterSource::PipedToStandard)
    })
    .unwrap();
    update_record(&mut two, &id(), NOW + 20, |r| {
        r.water = Some(WaterSource::Untreated)
    })
    .unwrap();
    one.merge(&mut two.clone()).unwrap();
    let conflict = of_entry(&one, &Entry::Household(id())).remove(0);
    let untreated = conflict
        .candidates
        .iter()
        .find(|c| c.actor == hex(2))
        .unwrap()
        .id
        .clone();
    choose(
        &mut one,
        &Entry::Household(id()),
        &conflict.path,
        &untreated,
        NOW + 30,
    )
    .unwrap();
    assert!(of_entry(&one, &Entry::Household(id())).is_empty());
    assert_eq!(
        read_record(&one, &id()).unwrap().water,
        Some(WaterSource::Untreated)
    );
    // The other device learns the choice and ends up the same.
    two.merge(&mut one.clone()).unwrap();
    assert!(of_entry(&two, &Entry::Household(id())).is_empty());
    assert_eq!(
        read_record(&two, &id()).unwrap().water,
        Some(WaterSource::Untreated)
    );
    // A stale choice changes nothing.
    let heads = one.get_heads();
    assert!(matches!(
        choose(
            &mut one,
            &Entry::Household(id()),
            &conflict.path,
            &untreated,
            NOW + 40
        ),
        Err(SurveyError::Choice(ChoiceError::Gone(_)))
    ));
    assert_eq!(one.get_heads(), heads);
}

#[test]
fn a_position_set_on_two_devices_is_one_choice_of_two_positions() {
    let (mut one, mut two) = two_devices();
    update_record(&mut one, &id(), NOW + 10, |r| {
        r.gps = Some(Gps {
            lat: 22.30,
            lon: 103.90,
        })
    })
    .unwrap();
    update_record(&mut two, &id(), NOW + 20, |r| {
        r.gps = Some(Gps {
            lat: 22.31,
            lon: 103.91,
        })
    })
    .unwrap();
    let mut doc = merged(&one, &two);
    let conflicts = of_entry(&doc, &Entry::Household(id()));
    assert_eq!(conflicts.len(), 1, "{conflicts:?}");
    assert_eq!(conflicts[0].path, ["record", "gps"]);
    let second = conflicts[0]
        .candidates
        .iter()
        .find(|c| c.actor == hex(2))
        .unwrap();
    assert_eq!(
        second.shown,
        Shown::Fields(vec![
            ("lat".into(), Shown::Decimal(22.31)),
            ("lon".into(), Shown::Decimal(103.91))
        ])
    );
    let pick = second.id.clone();
    choose(
        &mut doc,
        &Entry::Household(id()),
        &["record".into(), "gps".into()],
        &pick,
        NOW + 30,
    )
    .unwrap();
    assert_eq!(
        read_record(&doc, &id()).unwrap().gps,
        Some(Gps {
            lat: 22.31,
            lon: 103.91
        })
    );
    assert!(of_entry(&doc, &Entry::Household(id())).is_empty());
}

#[test]
fn infrastructure_entries_conflict_and_resolve_the_same_way() {
    let mut one = device(1);
    let mut road = InfraEntry::new(InfraKind::Road, "Đường vào Bản Hồ");
    road.length_km = Some(2.0);
    put_infrastructure(&mut one, "r1", &road, NOW).unwrap();
    let mut two = device(2);
    two.merge(&mut one.clone()).unwrap();
    road.length_km = Some(2.5);
    put_infrastructure(&mut one, "r1", &road, NOW + 1).unwrap();
    road.length_km = Some(3.0);
    put_infrastructure(&mut two, "r1", &road, NOW + 2).unwrap();
    let mut doc = merged(&one, &two);
    let entry = Entry::Infrastructure("r1".into());
    let conflicts = of_entry(&doc, &entry);
    assert_eq!(conflicts.len(), 1, "{conflicts:?}");
    assert_eq!(conflicts[0].path, ["length_km"]);
    let pick = conflicts[0].candidates[0].id.clone();
    let kept = conflicts[0].candidates[0].shown.clone();
    choose(&mut doc, &entry, &conflicts[0].path, &pick, NOW + 3).unwrap();
    assert!(of_entry(&doc, &entry).is_empty());
    let length = crate::survey::infrastructure::infrastructure(&doc)["r1"].length_km;
    assert_eq!(Shown::Decimal(length.unwrap()), kept);
    // An entry that does not exist has no conflicts and cannot be chosen in.
    assert!(of_entry(&doc, &Entry::Infrastructure("nope".into())).is_empty());
    assert!(choose(
        &mut doc,
        &Entry::Infrastructure("nope".into()),
        &conflicts[0].path,
        &pick,
        NOW
    )
    .is_err());
}
