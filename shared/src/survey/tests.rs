use super::*;
use crate::message::Message;
use automerge::ActorId;

/// The demo commune's document on a device with actor `[actor; 16]`.
pub(crate) fn device(actor: u8) -> Automerge {
    let mut doc = genesis(&demo_commune());
    doc.set_actor(ActorId::from(vec![actor; 16]));
    doc
}

fn id(n: u8) -> HouseholdId {
    HouseholdId::from_random([n; 16])
}

#[test]
fn genesis_is_identical_on_every_device() {
    let a = genesis(&demo_commune());
    let b = genesis(&demo_commune());
    assert_eq!(a.get_heads(), b.get_heads());
    assert_eq!(a.save(), b.save());
    assert_eq!(
        commune_name(&a).as_deref(),
        Some(demo_commune().name.as_str())
    );
}

#[test]
fn add_and_edit_household_one_change_each() {
    let mut doc = device(1);
    let before = doc.get_changes(&[]).len();
    add_household(
        &mut doc,
        &id(1),
        "  Giàng A Sử ",
        5,
        "Bản Hồ",
        1_700_000_000,
    )
    .unwrap();
    assert_eq!(doc.get_changes(&[]).len(), before + 1);
    edit_household(&mut doc, &id(1), HouseholdEdit::Members(6), 1_700_000_100).unwrap();
    assert_eq!(doc.get_changes(&[]).len(), before + 2);
    let list = households(&doc);
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].head.value.as_deref(), Some("Giàng A Sử"));
    assert_eq!(list[0].members.value, Some(6));
    assert_eq!(list[0].village.value.as_deref(), Some("Bản Hồ"));
    assert_eq!(list[0].created_at, 1_700_000_000);
    assert!(list[0].head.conflicts.is_empty());
}

#[test]
fn invalid_values_are_rejected_and_nothing_is_written() {
    let mut doc = device(1);
    let heads = doc.get_heads();
    let err = add_household(&mut doc, &id(1), "   ", 5, "Bản Hồ", 0).unwrap_err();
    assert_eq!(err, SurveyError::Invalid(Invalid::Required("head")));
    let SurveyError::Invalid(invalid) = &err else {
        unreachable!()
    };
    assert_eq!(
        invalid.message(),
        Message::new("invalid-required").with("field", Message::new("field-head"))
    );
    let err = add_household(&mut doc, &id(1), "A", 0, "Bản Hồ", 0).unwrap_err();
    assert_eq!(err, SurveyError::Invalid(Invalid::MembersOutOfRange(0)));
    assert_eq!(doc.get_heads(), heads);
    add_household(&mut doc, &id(1), "A", 1, "B", 0).unwrap();
    assert_eq!(
        add_household(&mut doc, &id(1), "A", 1, "B", 0),
        Err(SurveyError::DuplicateHousehold(id(1).as_str().to_owned()))
    );
    assert!(matches!(
        edit_household(&mut doc, &id(2), HouseholdEdit::Members(3), 0),
        Err(SurveyError::UnknownHousehold(_))
    ));
    let long = "x".repeat(MAX_TEXT_FOR_TEST + 1);
    assert!(matches!(
        edit_household(&mut doc, &id(1), HouseholdEdit::Village(long), 0),
        Err(SurveyError::Invalid(Invalid::TooLong("village")))
    ));
}

const MAX_TEXT_FOR_TEST: usize = validation::MAX_TEXT;

#[test]
fn concurrent_edits_merge_and_keep_both_values_of_a_contested_field() {
    let mut a = device(1);
    let mut b = device(2);
    add_household(&mut a, &id(1), "Giàng A Sử", 5, "Bản Hồ", 10).unwrap();
    b.merge(&mut a.clone()).unwrap();
    // Offline: different households, and the same field of the same household.
    add_household(&mut a, &id(2), "Lý Thị Mai", 3, "Tả Van Mông", 20).unwrap();
    add_household(&mut b, &id(3), "Vàng Văn Páo", 7, "Lao Chải", 20).unwrap();
    edit_household(&mut a, &id(1), HouseholdEdit::Members(6), 30).unwrap();
    edit_household(&mut b, &id(1), HouseholdEdit::Members(8), 30).unwrap();
    let mut a2 = a.clone();
    a.merge(&mut b.clone()).unwrap();
    b.merge(&mut a2).unwrap();
    assert_eq!(households(&a), households(&b));
    let list = households(&a);
    assert_eq!(list.len(), 3);
    let h1 = list.iter().find(|h| h.id == id(1)).unwrap();
    let mut all: Vec<u32> = h1.members.conflicts.clone();
    all.push(h1.members.value.unwrap());
    all.sort();
    assert_eq!(all, vec![6, 8]);
    // A person chooses: the conflict is resolved everywhere.
    edit_household(&mut a, &id(1), HouseholdEdit::Members(8), 40).unwrap();
    b.merge(&mut a.clone()).unwrap();
    let h1 = households(&b).into_iter().find(|h| h.id == id(1)).unwrap();
    assert_eq!(
        h1.members,
        Field {
            value: Some(8),
            conflicts: vec![]
        }
    );
}

#[test]
fn a_document_without_the_schema_is_refused() {
    let mut doc = Automerge::new();
    assert_eq!(
        add_household(&mut doc, &id(1), "A", 1, "B", 0),
        Err(SurveyError::NotASurvey)
    );
    assert!(households(&doc).is_empty());
}
