use super::*;
use crate::survey::record::{update_record, Gps, Housing, Member, Sanitation, Sex, WaterSource};
use crate::survey::tests::device;
use crate::survey::{add_household, edit_household, HouseholdEdit};

/// A time in 2025.
const NOW: i64 = 1_750_000_000;

fn id(n: u8) -> HouseholdId {
    HouseholdId::from_random([n; 16])
}

fn person(name: &str) -> Member {
    Member {
        name: name.into(),
        birth_year: Some(1980),
        sex: Some(Sex::Male),
        ..Member::default()
    }
}

/// Four households in two villages: one complete and poor, one half done,
/// two not surveyed; one member named so only a member search finds it.
fn commune() -> Automerge {
    let mut doc = device(1);
    add_household(&mut doc, &id(1), "Nguyễn Văn Thắng", 2, "Bản Hồ", NOW).unwrap();
    add_household(&mut doc, &id(2), "Giàng A Bình", 1, "Bản Dền", NOW).unwrap();
    add_household(&mut doc, &id(3), "Lò Văn An", 4, "Bản Hồ", NOW).unwrap();
    add_household(&mut doc, &id(4), "Đỗ Thị Chí", 3, "Bản Dền", NOW).unwrap();
    update_record(&mut doc, &id(1), NOW, |r| {
        r.roster.insert("a".into(), person("Nguyễn Văn Thắng"));
        r.roster.insert("b".into(), person("Sùng Thị Mỷ"));
        r.income.insert("trồng trọt".into(), 12_000_000);
        r.housing = Some(Housing::Makeshift);
        r.water = Some(WaterSource::Untreated);
        r.sanitation = Some(Sanitation::Unimproved);
        r.internet = Some(false);
        r.digital_services = Some(false);
        r.waste_treated = Some(false);
        r.gps = Some(Gps {
            lat: 22.3,
            lon: 103.9,
        });
    })
    .unwrap();
    update_record(&mut doc, &id(3), NOW, |r| {
        r.housing = Some(Housing::Permanent);
    })
    .unwrap();
    doc
}

fn heads(listing: &Listing, query: &Query) -> Vec<String> {
    listing
        .query(query)
        .into_iter()
        .map(|i| listing.row(i).unwrap().head.clone())
        .collect()
}

#[test]
fn the_list_is_in_vietnamese_order_of_given_names() {
    let survey = read_commune(&commune(), 2025);
    assert_eq!(
        heads(&survey.listing, &Query::default()),
        [
            "Lò Văn An",
            "Giàng A Bình",
            "Đỗ Thị Chí",
            "Nguyễn Văn Thắng"
        ]
    );
}

#[test]
fn search_ignores_case_and_diacritics_and_finds_members() {
    let listing = read_commune(&commune(), 2025).listing;
    let search = |text: &str| {
        heads(
            &listing,
            &Query {
                text: text.into(),
                ..Query::default()
            },
        )
    };
    assert_eq!(search("nguyen van"), ["Nguyễn Văn Thắng"]);
    assert_eq!(search("NGUYỄN"), ["Nguyễn Văn Thắng"]);
    assert_eq!(search("van"), ["Lò Văn An", "Nguyễn Văn Thắng"]);
    // A member's name finds the household.
    assert_eq!(search("sung thi my"), ["Nguyễn Văn Thắng"]);
    assert_eq!(search("do chi"), ["Đỗ Thị Chí"]);
    assert!(search("hoàng").is_empty());
}

#[test]
fn filters_and_villages() {
    let listing = read_commune(&commune(), 2025).listing;
    let with = |filter: Filter, village: Option<&str>| {
        heads(
            &listing,
            &Query {
                filter,
                village: village.map(str::to_owned),
                ..Query::default()
            },
        )
    };
    assert_eq!(
        with(Filter::NotSurveyed, None),
        ["Giàng A Bình", "Đỗ Thị Chí"]
    );
    assert_eq!(with(Filter::Incomplete, None), ["Lò Văn An"]);
    assert_eq!(with(Filter::PoorOrNearPoor, None), ["Nguyễn Văn Thắng"]);
    assert_eq!(
        with(Filter::All, Some("Bản Dền")),
        ["Giàng A Bình", "Đỗ Thị Chí"]
    );
    assert!(with(Filter::Conflicts, None).is_empty());
    let row = listing.find(&id(3)).unwrap();
    assert_eq!(row.progress, Progress::Incomplete { answered: 1, of: 9 });
    assert_eq!(listing.find(&id(1)).unwrap().progress, Progress::Complete);
    assert_eq!(
        listing.villages(),
        [
            VillageSummary {
                name: "Bản Dền".into(),
                total: 2,
                surveyed: 0,
                conflicts: 0
            },
            VillageSummary {
                name: "Bản Hồ".into(),
                total: 2,
                surveyed: 1,
                conflicts: 0
            },
        ]
    );
}

#[test]
fn concurrent_edits_mark_the_household_as_needing_a_decision() {
    let mut a = commune();
    let mut b = a.fork();
    b.set_actor(automerge::ActorId::from(vec![2; 16]));
    edit_household(
        &mut a,
        &id(2),
        HouseholdEdit::Head("Giàng A Binh".into()),
        NOW,
    )
    .unwrap();
    edit_household(
        &mut b,
        &id(2),
        HouseholdEdit::Head("Giàng Á Bình".into()),
        NOW,
    )
    .unwrap();
    update_record(&mut a, &id(1), NOW, |r| {
        r.water = Some(WaterSource::PipedToStandard)
    })
    .unwrap();
    update_record(&mut b, &id(1), NOW, |r| {
        r.water = Some(WaterSource::TreatedWell);
        r.roster.get_mut("b").unwrap().name = "Sùng Thị Mị".into();
    })
    .unwrap();
    update_record(&mut a, &id(1), NOW, |r| {
        r.roster.get_mut("b").unwrap().name = "Sùng Thị Mỹ".into()
    })
    .unwrap();
    a.merge(&mut b).unwrap();
    let listing = read_commune(&a, 2025).listing;
    assert_eq!(listing.find(&id(2)).unwrap().conflicts, ["head"]);
    assert_eq!(
        listing.find(&id(1)).unwrap().conflicts,
        ["record/roster/b/name", "record/water"]
    );
    assert_eq!(listing.needing_decision().len(), 2);
    assert_eq!(listing.villages()[0].conflicts, 1);
}

#[test]
fn one_pass_gives_the_same_facts_as_evaluation_reads() {
    let doc = commune();
    let survey = read_commune(&doc, 2025);
    assert_eq!(survey.facts, crate::survey::facts(&doc, 2025));
    assert_eq!(survey.listing.len(), 4);
}

#[test]
fn a_list_can_be_narrowed_to_the_households_behind_a_gap() {
    let survey = read_commune(&commune(), 2025);
    let among: HouseholdSet = Arc::new([id(1), id(4)].into_iter().collect());
    let query = Query {
        among: Some(among.clone()),
        ..Query::default()
    };
    assert_eq!(
        heads(&survey.listing, &query),
        ["Đỗ Thị Chí", "Nguyễn Văn Thắng"]
    );
    // Combined with the rest of the query.
    let query = Query {
        among: Some(among),
        village: Some("Bản Hồ".into()),
        ..Query::default()
    };
    assert_eq!(heads(&survey.listing, &query), ["Nguyễn Văn Thắng"]);
}

fn rows(survey: &CommuneSurvey) -> Vec<HouseholdSummary> {
    survey
        .listing
        .query(&Query::default())
        .into_iter()
        .map(|i| survey.listing.row(i).unwrap().clone())
        .collect()
}

fn facts_text(survey: &CommuneSurvey) -> Vec<String> {
    let mut all: Vec<String> = survey
        .facts
        .households
        .iter()
        .map(|f| format!("{f:?}"))
        .collect();
    all.sort();
    all
}

#[test]
fn reading_again_after_changes_equals_reading_from_scratch() {
    let mut doc = commune();
    let mut reader = SurveyReader::default();
    let first = reader.read(&doc, 2025);
    assert_eq!(rows(&first), rows(&read_commune(&doc, 2025)));
    // An edit, a new household, a merge from another device with a
    // concurrent edit (a conflict), then nothing new at all.
    update_record(&mut doc, &id(2), NOW, |r| {
        r.water = Some(WaterSource::PipedToStandard)
    })
    .unwrap();
    add_household(&mut doc, &id(5), "Hầu A Dơ", 2, "Bản Hồ", NOW).unwrap();
    let mut other = device(2);
    other.merge(&mut doc.clone()).unwrap();
    edit_household(
        &mut other,
        &id(1),
        HouseholdEdit::Village("Bản Dền".into()),
        NOW,
    )
    .unwrap();
    edit_household(
        &mut doc,
        &id(1),
        HouseholdEdit::Village("Bản Mông".into()),
        NOW,
    )
    .unwrap();
    doc.merge(&mut other).unwrap();
    for _ in 0..2 {
        let again = reader.read(&doc, 2025);
        let fresh = read_commune(&doc, 2025);
        assert_eq!(rows(&again), rows(&fresh));
        assert_eq!(facts_text(&again), facts_text(&fresh));
        assert_eq!(again.listing.len(), 5);
        assert!(rows(&again).iter().any(|r| r.conflicts == ["village"]));
    }
    // Another year reads everything again (poverty lines differ).
    let later = reader.read(&doc, 2027);
    assert_eq!(rows(&later), rows(&read_commune(&doc, 2027)));
}

#[test]
fn a_saved_reader_starts_where_it_was_and_reads_only_what_changed_since() {
    let mut doc = commune();
    let mut reader = SurveyReader::default();
    reader.read(&doc, 2025);
    assert_eq!(reader.unsaved(), 4);
    let saved = reader.save("build-1");
    assert_eq!(reader.unsaved(), 0);
    // Another build, or bytes that are not a saved reader: nothing restored.
    assert!(SurveyReader::restore(&saved, "build-2").is_none());
    assert!(SurveyReader::restore(&saved[..saved.len() / 2], "build-1").is_none());
    assert!(SurveyReader::restore(b"not cbor", "build-1").is_none());

    update_record(&mut doc, &id(2), NOW, |r| {
        r.water = Some(WaterSource::PipedToStandard)
    })
    .unwrap();
    add_household(&mut doc, &id(5), "Hầu A Dơ", 2, "Bản Hồ", NOW).unwrap();
    let mut restored = SurveyReader::restore(&saved, "build-1").expect("same build");
    let again = restored.read(&doc, 2025);
    let fresh = read_commune(&doc, 2025);
    assert_eq!(rows(&again), rows(&fresh));
    assert_eq!(facts_text(&again), facts_text(&fresh));
    // Only the two households written since were read.
    assert_eq!(restored.unsaved(), 2);

    // Saved from a survey this device no longer holds (its chunks set
    // aside): everything is read again, nothing stale is shown.
    let mut other = device(3);
    add_household(&mut other, &id(9), "Lò Văn Khác", 3, "Bản Hồ", NOW).unwrap();
    let mut stale = SurveyReader::restore(&saved, "build-1").unwrap();
    let read = stale.read(&other, 2025);
    assert_eq!(rows(&read), rows(&read_commune(&other, 2025)));
}
