use automerge::{ActorId, Automerge};

use super::dossier::{self, Review};
use super::verdicts::{self, Ruling};
use super::*;
use crate::catalog::shipped;

fn ruling(verdict: Verdict, at: i64) -> Ruling {
    Ruling {
        verdict,
        remark: if verdict == Verdict::Met {
            String::new()
        } else {
            "Thiếu biên bản nghiệm thu".into()
        },
        at,
    }
}

fn device(doc: &Automerge, byte: u8) -> Automerge {
    doc.fork().with_actor(ActorId::from(vec![byte; 16]))
}

#[test]
fn departments_appraise_in_their_own_documents_and_the_history_names_the_writer() {
    let catalogs = shipped();
    let ntm = &catalogs[0];
    let mut construction = device(&verdicts::genesis("sa-pa-ta-van", "so-xd"), 1);
    let mut transport = device(&verdicts::genesis("sa-pa-ta-van", "so-gtvt"), 2);
    verdicts::record_verdict(&mut construction, ntm, 1, &ruling(Verdict::Met, 100)).unwrap();
    verdicts::record_verdict(&mut transport, ntm, 2, &ruling(Verdict::NeedsEvidence, 101)).unwrap();
    let appraisal = assemble(
        &catalogs,
        None,
        [("so-xd", &construction), ("so-gtvt", &transport)],
    );
    assert_eq!(appraisal.verdict(&ntm.id, 1).unwrap().verdict, Verdict::Met);
    let transport_verdict = appraisal.verdict(&ntm.id, 2).unwrap();
    assert_eq!(transport_verdict.verdict, Verdict::NeedsEvidence);
    assert_eq!(transport_verdict.department, "so-gtvt");
    let lines: Vec<&Happened> = appraisal.history.iter().map(|h| &h.what).collect();
    assert_eq!(
        lines,
        [
            &Happened::Verdict {
                catalog: "ntm-2021-2025".into(),
                criterion: 1,
                verdict: Verdict::Met
            },
            &Happened::Verdict {
                catalog: "ntm-2021-2025".into(),
                criterion: 2,
                verdict: Verdict::NeedsEvidence
            }
        ]
    );
    assert_eq!(appraisal.history[0].author.department(), Some("so-xd"));
    // The author is the writing actor and the document's party, not text.
    assert_eq!(
        appraisal.history[1].author,
        Author {
            party: Party::Department("so-gtvt".into()),
            actor: ActorId::from(vec![2; 16]).to_hex_string(),
        }
    );
    assert_eq!(appraisal.history[1].author.department(), Some("so-gtvt"));
    // Two offline genesis copies are the same document.
    assert_eq!(
        verdicts::genesis("sa-pa-ta-van", "so-xd").save(),
        verdicts::genesis("sa-pa-ta-van", "so-xd").save()
    );
}

#[test]
fn a_verdict_counts_only_for_the_department_its_document_is_listed_under() {
    let catalogs = shipped();
    let ntm = &catalogs[0];
    // A hostile construction device writes a "met" on transport's criterion
    // 2 into its own document, bypassing the checks of `record_verdict`,
    // and relabels its document as transport's.
    let mut forged = device(&verdicts::genesis("x", "so-xd"), 3);
    forged
        .transact::<_, _, automerge::AutomergeError>(|tx| {
            use automerge::transaction::Transactable;
            tx.put(automerge::ROOT, "department", "so-gtvt")?;
            Ok(())
        })
        .unwrap();
    verdicts::record_verdict(&mut forged, ntm, 2, &ruling(Verdict::Met, 5)).unwrap();
    let appraisal = assemble(&catalogs, None, [("so-xd", &forged)]);
    assert_eq!(appraisal.verdict(&ntm.id, 2), None);
    assert!(appraisal.history.is_empty());
    // Listed under transport (as the registry would list transport's own
    // document), the same line counts.
    let appraisal = assemble(&catalogs, None, [("so-gtvt", &forged)]);
    assert!(appraisal.verdict(&ntm.id, 2).is_some());
}

#[test]
fn a_decision_made_after_another_stands_whatever_the_clocks_and_every_one_is_kept() {
    let catalogs = shipped();
    let ntm = &catalogs[0];
    let base = verdicts::genesis("x", "so-xd");
    let (mut a, mut b) = (device(&base, 1), device(&base, 2));
    // A's clock is ahead; B decides after seeing A's decision.
    verdicts::record_verdict(&mut a, ntm, 1, &ruling(Verdict::NeedsEvidence, 20)).unwrap();
    b.merge(&mut a).unwrap();
    verdicts::record_verdict(&mut b, ntm, 1, &ruling(Verdict::Met, 10)).unwrap();
    a.merge(&mut b).unwrap();
    let appraisal = assemble(&catalogs, None, [("so-xd", &a)]);
    assert_eq!(appraisal.verdict(&ntm.id, 1).unwrap().verdict, Verdict::Met);
    assert_eq!(appraisal.history.len(), 2);
    // Concurrent decisions: both kept, the same one stands on every device.
    let (mut c, mut d) = (device(&base, 3), device(&base, 4));
    verdicts::record_verdict(&mut c, ntm, 1, &ruling(Verdict::NeedsEvidence, 5)).unwrap();
    verdicts::record_verdict(&mut d, ntm, 1, &ruling(Verdict::Met, 6)).unwrap();
    let (mut cd, mut dc) = (c.clone(), d.clone());
    cd.merge(&mut d).unwrap();
    dc.merge(&mut c).unwrap();
    let one = assemble(&catalogs, None, [("so-xd", &cd)]);
    let other = assemble(&catalogs, None, [("so-xd", &dc)]);
    assert_eq!(one, other);
    assert_eq!(one.history.len(), 2);
}

#[test]
fn a_department_cannot_appraise_a_criterion_it_does_not_own() {
    let ntm = &shipped()[0];
    let mut doc = verdicts::genesis("x", "so-xd");
    let heads = doc.get_heads();
    let err = verdicts::record_verdict(&mut doc, ntm, 2, &ruling(Verdict::Met, 1)).unwrap_err();
    assert!(matches!(err, AppraisalError::NotOwner { ref owner, .. } if owner == "so-gtvt"));
    assert!(err.to_string().contains("không phụ trách"), "{err}");
    let mut silent = ruling(Verdict::NotMet, 1);
    silent.remark = "  ".into();
    assert!(matches!(
        verdicts::record_verdict(&mut doc, ntm, 1, &silent),
        Err(AppraisalError::RemarkRequired)
    ));
    assert!(matches!(
        verdicts::record_verdict(&mut doc, ntm, 42, &ruling(Verdict::Met, 1)),
        Err(AppraisalError::UnknownCriterion { criterion: 42, .. })
    ));
    assert_eq!(doc.get_heads(), heads, "nothing written");
    assert!(matches!(
        verdicts::read(&Automerge::new()),
        Err(AppraisalError::NotAnAppraisal(None))
    ));
    assert!(matches!(
        dossier::read(&doc),
        Err(AppraisalError::NotAnAppraisal(Some(_)))
    ));
}

#[test]
fn district_review_and_dossier_state_are_recorded_with_history() {
    let mut doc = device(&dossier::genesis("x"), 7);
    dossier::set_dossier(&mut doc, DossierState::SubmittedToDistrict, 10).unwrap();
    let review = Review {
        approved: true,
        remark: "Đủ điều kiện".into(),
    };
    dossier::record_district_review(&mut doc, &review, 20).unwrap();
    dossier::set_dossier(&mut doc, DossierState::DistrictReviewed, 21).unwrap();
    let refused = Review {
        approved: false,
        remark: String::new(),
    };
    assert!(dossier::record_district_review(&mut doc, &refused, 22).is_err());
    let reloaded = Automerge::load(&doc.save()).unwrap();
    let appraisal = assemble(&shipped(), Some(&reloaded), []);
    assert_eq!(appraisal.dossier, Some(DossierState::DistrictReviewed));
    assert!(appraisal.district_review.unwrap().approved);
    let whats: Vec<&Happened> = appraisal.history.iter().map(|h| &h.what).collect();
    assert_eq!(
        whats,
        [
            &Happened::Dossier(DossierState::SubmittedToDistrict),
            &Happened::DistrictReview { approved: true },
            &Happened::Dossier(DossierState::DistrictReviewed)
        ]
    );
    assert!(appraisal
        .history
        .iter()
        .all(|h| h.author.party == Party::DistrictOrOffice
            && h.author.actor == ActorId::from(vec![7; 16]).to_hex_string()));
}
