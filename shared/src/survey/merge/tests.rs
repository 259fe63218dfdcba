use super::*;
use crate::survey::infrastructure::{self, Attestation, Evidence, InfraEntry, InfraKind};
use crate::survey::record::{self, Member};
use crate::survey::{self, demo_commune, CommuneRef, HouseholdEdit, HouseholdId};

fn commune(code: &str) -> CommuneRef {
    let documents = crate::registry::CommuneDocuments::derived("p", code);
    CommuneRef {
        document_id: documents.survey_id().unwrap(),
        appraisal: documents.appraisal_ids().unwrap(),
        code: code.into(),
        name: format!("Xã {code}"),
        ..demo_commune()
    }
}

/// 15/06/2025, before the merger.
const T: i64 = 1_749_960_000;

fn id(n: u8) -> HouseholdId {
    HouseholdId::from_random([n; 16])
}

/// A predecessor's survey with `n` households (one with a member and a
/// record), a road and an attestation, written by a device.
fn predecessor(code: &str, first: u8, n: u8) -> (CommuneRef, Automerge) {
    let reference = commune(code);
    let mut doc = survey::genesis(&reference).with_actor(automerge::ActorId::from(vec![first; 16]));
    for k in 0..n {
        survey::add_household(&mut doc, &id(first + k), "Giàng A Páo", 4, "Bản Hồ", T + 10)
            .unwrap();
    }
    record::update_record(&mut doc, &id(first), T + 11, |r| {
        r.roster.insert(
            "m1".into(),
            Member {
                name: "Giàng Thị Mỷ".into(),
                birth_year: Some(1990),
                ..Member::default()
            },
        );
        r.income.insert("trồng trọt".into(), 30_000_000);
    })
    .unwrap();
    let mut road = InfraEntry::new(InfraKind::Road, "Đường liên thôn");
    road.length_km = Some(3.0);
    road.hardened = Some(true);
    infrastructure::put_infrastructure(&mut doc, &format!("road-{code}"), &road, T + 12).unwrap();
    let attestation = Attestation {
        met: true,
        evidence: Evidence::default(),
        by: "Cán bộ".into(),
        at: T + 12,
    };
    infrastructure::attest(&mut doc, "1.1", &attestation, T + 12).unwrap();
    (reference, doc)
}

fn merge(target: &mut Automerge, (r, doc): &(CommuneRef, Automerge)) -> MergeReport {
    merge_predecessor(
        target,
        Predecessor {
            code: &r.code,
            document: &r.document_id,
            doc,
        },
        T + 100,
    )
    .unwrap()
}

#[test]
fn a_merged_survey_is_the_union_of_its_predecessors_and_merging_twice_changes_nothing() {
    let a = predecessor("sa-pa-ta-van", 10, 5);
    let b = predecessor("sa-pa-muong-hoa", 50, 3);
    let new = commune("ta-van");
    let mut target =
        survey::genesis(&new).with_actor(automerge::ActorId::from(&b"ntm-admin:merge:1"[..]));
    let first = merge(&mut target, &a);
    assert_eq!((first.households.added, first.infrastructure.added), (5, 1));
    assert_eq!(first.attestations_not_carried, 1);
    assert_eq!(merge(&mut target, &b).households.added, 3);

    // Nothing lost, ids stable, records whole.
    let households = survey::households(&target);
    assert_eq!(households.len(), 8);
    assert!(households.iter().any(|h| h.id == id(10)) && households.iter().any(|h| h.id == id(52)));
    let rec = record::read_record(&target, &id(10)).unwrap();
    assert_eq!(rec, record::read_record(&a.1, &id(10)).unwrap());
    assert_eq!(rec.roster["m1"].name, "Giàng Thị Mỷ");
    assert_eq!(infrastructure::infrastructure(&target).len(), 2);
    assert!(
        infrastructure::attestations(&target).is_empty(),
        "attestations are the old commune's"
    );
    let facts = survey::facts(&target, 2026);
    assert_eq!(facts.households.len(), 8);

    // Twice: nothing written.
    let heads = target.get_heads();
    let again = merge(&mut target, &a);
    assert!(again.is_noop(), "{again:?}");
    assert_eq!(again.households.unchanged, 5);
    assert_eq!(target.get_heads(), heads);
}

#[test]
fn a_late_edit_in_a_predecessor_comes_over_unless_the_new_commune_edited_it_too() {
    let mut a = predecessor("sa-pa-ta-van", 10, 3);
    let mut target = survey::genesis(&commune("ta-van"))
        .with_actor(automerge::ActorId::from(&b"ntm-admin:merge:1"[..]));
    merge(&mut target, &a);
    // After the merger a tablet of old Tả Van syncs two edits; the new
    // commune edits one of those households itself.
    survey::edit_household(&mut a.1, &id(10), HouseholdEdit::Members(6), T + 200).unwrap();
    survey::edit_household(&mut a.1, &id(11), HouseholdEdit::Members(7), T + 200).unwrap();
    survey::add_household(&mut a.1, &id(30), "Sùng A Chá", 2, "Bản Dền", T + 200).unwrap();
    let mut device = target
        .fork()
        .with_actor(automerge::ActorId::from(vec![99; 16]));
    survey::edit_household(
        &mut device,
        &id(11),
        HouseholdEdit::Head("Sùng Thị Dung".into()),
        T + 210,
    )
    .unwrap();
    target.merge(&mut device).unwrap();

    let report = merge(&mut target, &a);
    assert_eq!(report.households.added, 1, "{report:?}");
    assert_eq!(report.households.refreshed, 1);
    assert_eq!(report.households.to_decide, [id(11).as_str().to_owned()]);
    let members = |doc: &Automerge, h: &HouseholdId| {
        survey::households(doc)
            .into_iter()
            .find(|x| &x.id == h)
            .unwrap()
            .members
            .value
    };
    assert_eq!(members(&target, &id(10)), Some(6), "brought over");
    assert_eq!(
        members(&target, &id(11)),
        Some(4),
        "left for a person: both changed"
    );
    let h11 = survey::households(&target)
        .into_iter()
        .find(|x| x.id == id(11))
        .unwrap();
    assert_eq!(
        h11.head.value.as_deref(),
        Some("Sùng Thị Dung"),
        "the new commune's edit stays"
    );
}

#[test]
fn a_predecessor_is_told_where_its_data_went() {
    let (_, mut doc) = predecessor("sa-pa-ta-van", 10, 1);
    assert_eq!(succeeded_by(&doc), None);
    let to = Succession {
        commune: "ta-van".into(),
        name: "Xã Tả Van".into(),
        document: commune("ta-van").document_id.to_string(),
        on: Date::new(2025, 7, 1).unwrap(),
    };
    mark_succeeded(&mut doc, &to, T + 100).unwrap();
    let heads = doc.get_heads();
    mark_succeeded(&mut doc, &to, T + 101).unwrap();
    assert_eq!(doc.get_heads(), heads, "marking twice writes nothing");
    let reloaded = Automerge::load(&doc.save()).unwrap();
    assert_eq!(succeeded_by(&reloaded), Some(to));
}
