use automerge::ActorId;

use super::*;
use crate::catalog::shipped;

fn decision(department: &str, verdict: Verdict, at: i64) -> Decision {
    Decision {
        verdict,
        remark: if verdict == Verdict::Met {
            String::new()
        } else {
            "Thiếu biên bản nghiệm thu".into()
        },
        department: department.into(),
        by: format!("cán bộ {department}"),
        at,
    }
}

#[test]
fn departments_appraising_concurrently_all_keep_their_verdicts_and_history() {
    let ntm = &shipped()[0];
    let base = genesis("sa-pa-ta-van");
    let mut construction = base.fork().with_actor(ActorId::from(vec![1; 16]));
    let mut transport = base.fork().with_actor(ActorId::from(vec![2; 16]));
    record_verdict(
        &mut construction,
        ntm,
        1,
        &decision("so-xd", Verdict::Met, 100),
    )
    .unwrap();
    record_verdict(
        &mut transport,
        ntm,
        2,
        &decision("so-gtvt", Verdict::NeedsEvidence, 101),
    )
    .unwrap();
    construction.merge(&mut transport).unwrap();
    let appraisal = read(&construction).unwrap();
    assert_eq!(appraisal.verdict(&ntm.id, 1).unwrap().verdict, Verdict::Met);
    assert_eq!(
        appraisal.verdict(&ntm.id, 2).unwrap().verdict,
        Verdict::NeedsEvidence
    );
    let lines: Vec<&str> = appraisal.history.iter().map(|h| h.what.as_str()).collect();
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert!(lines[0].starts_with("Sở Xây dựng: tiêu chí 1"), "{lines:?}");
    assert!(lines[1].contains("Cần bổ sung minh chứng"), "{lines:?}");
    // Two offline genesis copies are the same document.
    assert_eq!(genesis("sa-pa-ta-van").save(), base.save());
}

#[test]
fn a_department_cannot_appraise_a_criterion_it_does_not_own() {
    let ntm = &shipped()[0];
    let mut doc = genesis("x");
    let heads = doc.get_heads();
    let err = record_verdict(&mut doc, ntm, 2, &decision("so-xd", Verdict::Met, 1)).unwrap_err();
    assert!(matches!(err, AppraisalError::NotOwner { ref owner, .. } if owner == "so-gtvt"));
    assert!(err.to_string().contains("không phụ trách"), "{err}");
    let mut silent = decision("so-gtvt", Verdict::NotMet, 1);
    silent.remark.clear();
    assert!(matches!(
        record_verdict(&mut doc, ntm, 2, &silent),
        Err(AppraisalError::Required(_))
    ));
    assert!(matches!(
        record_verdict(&mut doc, ntm, 42, &decision("so-xd", Verdict::Met, 1)),
        Err(AppraisalError::UnknownCriterion { criterion: 42, .. })
    ));
    assert_eq!(doc.get_heads(), heads, "nothing written");
    assert!(matches!(
        read(&Automerge::new()),
        Err(AppraisalError::NotAnAppraisal(None))
    ));
}

#[test]
fn district_review_and_dossier_state_are_recorded_with_history() {
    let mut doc = genesis("x");
    set_dossier(&mut doc, DossierState::SubmittedToDistrict, "UBND xã", 10).unwrap();
    record_district_review(
        &mut doc,
        &DistrictReview {
            approved: true,
            remark: "Đủ điều kiện".into(),
            by: "Phòng NN huyện".into(),
            at: 20,
        },
    )
    .unwrap();
    set_dossier(
        &mut doc,
        DossierState::DistrictReviewed,
        "Phòng NN huyện",
        21,
    )
    .unwrap();
    let reloaded = Automerge::load(&doc.save()).unwrap();
    let appraisal = read(&reloaded).unwrap();
    assert_eq!(appraisal.dossier, Some(DossierState::DistrictReviewed));
    assert!(appraisal.district_review.unwrap().approved);
    let whats: Vec<&str> = appraisal.history.iter().map(|h| h.what.as_str()).collect();
    assert_eq!(
        whats,
        [
            "Hồ sơ: Đã gửi huyện",
            "Huyện thẩm tra: đề nghị công nhận",
            "Hồ sơ: Huyện đã thẩm tra"
        ]
    );
}
