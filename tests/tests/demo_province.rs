//! `serve --demo` stores the demo province as documents devices can fetch;
//! `catalog import` adds a province's own catalog version.

use std::time::Duration;

use ntm_core::catalog;
use ntm_core::date::Date;
use ntm_core::demo::{reform_date, PROVINCE_CODE};
use ntm_core::evaluation::evaluate_commune;
use ntm_core::registry::{CommuneDocuments, Standing};
use ntm_core::{appraisal, registry, survey};
use ntm_e2e::{Device, Relay};

const T: Duration = Duration::from_secs(60);

#[tokio::test]
async fn a_device_finds_the_demo_province_from_its_registry() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let relay = Relay::start_demo(dir.path(), None).await?;
    let url = relay.sync_url();
    let mut device = Device::new("office");

    let registry_id = registry::document::document_id(PROVINCE_CODE);
    device.fetch(&url, registry_id, T).await?;
    let registry = registry::document::read(device.doc(&registry_id))?;
    assert!(registry.province.synthetic, "the demo is marked synthetic");
    // New Lào Cai: 99 units today, no districts; 227 old units as history.
    let today = Date::new(2026, 12, 1).unwrap();
    assert_eq!(registry.as_of(today).count(), 99);
    assert_eq!(registry.districts_as_of(today).count(), 0);
    assert_eq!(registry.as_of(reform_date().previous_day()).count(), 227);

    // Everything else is found through the registry and the catalog ids.
    let ta_van = registry
        .commune(&survey::demo_commune().code)
        .expect("Tả Van is in the registry")
        .clone();
    assert!(matches!(
        registry.standing(&ta_van.code, today),
        Some(Standing::ToReassess { .. })
    ));
    let survey_id = ta_van.documents.survey_id().expect("survey id");
    let appraisal_ids = ta_van.documents.appraisal_ids().expect("appraisal ids");
    assert_eq!(survey_id, survey::demo_commune().document_id);
    let new_id = catalog::document::document_id("ntm-2026-2030");
    let predecessors: Vec<_> = registry
        .predecessors_of(&ta_van.code)
        .iter()
        .map(|p| p.documents.survey_id().unwrap())
        .collect();
    let ids = [survey_id, appraisal_ids.dossier, new_id]
        .into_iter()
        .chain(appraisal_ids.verdicts.values().copied())
        .chain(predecessors.iter().copied());
    for id in ids {
        device.fetch(&url, id, T).await?;
    }
    let new = catalog::document::read(device.doc(&new_id))?;
    assert!(new.illustrative);
    let survey_doc = device.doc(&survey_id);
    let households = survey::households(survey_doc);
    // The union of its predecessors' households, ids kept.
    let mut union = 0;
    for id in &predecessors {
        let old = device.doc(id);
        union += survey::households(old).len();
        let moved = survey::merge::succeeded_by(old).expect("told where its data went");
        assert_eq!(
            (moved.commune.as_str(), moved.on),
            ("ta-van", reform_date())
        );
        let first = &survey::households(old)[0].id;
        assert!(households.iter().any(|h| &h.id == first), "ids kept");
    }
    assert_eq!(households.len(), union);
    assert!(households.len() >= 1_500, "{} households", households.len());
    let record = survey::record::read_record(survey_doc, &households[0].id)?;
    assert!(!record.roster.is_empty() && !record.income.is_empty());
    assert!(!survey::infrastructure::infrastructure(survey_doc).is_empty());
    let appraisal = appraisal::assemble(
        std::slice::from_ref(&new),
        Some(device.doc(&appraisal_ids.dossier)),
        appraisal_ids
            .verdicts
            .iter()
            .map(|(department, id)| (department.as_str(), device.doc(id))),
    );
    // Its dossier started anew under 2026–2030 (the predecessors' stay theirs).
    assert_eq!(
        appraisal.dossier,
        Some(ntm_core::appraisal::DossierState::SubmittedToProvince)
    );
    assert_eq!(appraisal.verdicts.len(), 3, "the first verdicts are in");

    let card = evaluate_commune(
        &new,
        &ta_van,
        2026,
        &survey::facts(survey_doc, 2026),
        &appraisal,
    );
    assert_eq!(card.class.as_deref(), Some("nhom-3"));
    assert!(
        card.met() < 10
            && card.criteria.iter().all(|c| c
                .indicators
                .iter()
                .all(|i| i.illustrative || i.threshold.is_none())),
        "Tả Van scores {}",
        card.score()
    );

    // A second start does not seed again (nor lose what devices wrote).
    let relay = relay.restart().await?;
    let mut again = Device::new("again");
    again.fetch(&relay.sync_url(), survey_id, T).await?;
    assert_eq!(again.doc(&survey_id).get_heads(), survey_doc.get_heads());
    Ok(())
}

/// `ntm-relay commune merge`: a tablet of the old Tả Van syncs a household
/// after the merger; the admin merges again: it arrives in the new Tả Van
/// with its id, and a third run writes nothing.
#[tokio::test]
async fn a_late_household_of_a_predecessor_is_merged_once() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let relay = Relay::start_demo(dir.path(), None).await?;
    let old = CommuneDocuments::derived(PROVINCE_CODE, "sa-pa-ta-van")
        .survey_id()
        .unwrap();
    let mut tablet = Device::new("old-ta-van");
    tablet.fetch(&relay.sync_url(), old, T).await?;
    assert!(survey::merge::succeeded_by(tablet.doc(&old)).is_some());
    let late = survey::HouseholdId::from_random([7; 16]);
    tablet
        .edit(&old, |doc| {
            survey::add_household(doc, &late, "Giàng A Dình", 5, "Bản Hầu Thào", 1_770_000_000)
        })
        .await??;
    tablet.sync(T).await?;
    relay.terminate().await?;

    let merge = || {
        std::process::Command::new(ntm_e2e::workspace::relay_binary())
            .args([
                "commune",
                "merge",
                "ta-van",
                "--province",
                PROVINCE_CODE,
                "--data-dir",
            ])
            .arg(dir.path())
            .output()
    };
    let first = merge()?;
    let out = String::from_utf8_lossy(&first.stdout).to_string();
    assert!(
        first.status.success(),
        "{out}{}",
        String::from_utf8_lossy(&first.stderr)
    );
    assert!(
        out.contains("sa-pa-ta-van (Xã Tả Van): households +1 added"),
        "{out}"
    );
    assert!(
        out.contains("sa-pa-muong-hoa (Xã Mường Hoa): households +0 added"),
        "{out}"
    );
    let second = merge()?;
    let out = String::from_utf8_lossy(&second.stdout).to_string();
    assert!(out.contains("ta-van: nothing new to merge"), "{out}");

    let relay = Relay::start(dir.path()).await?;
    let mut office = Device::new("office");
    let id = survey::demo_commune().document_id;
    office.fetch(&relay.sync_url(), id, T).await?;
    let households = survey::households(office.doc(&id));
    let arrived = households
        .iter()
        .find(|h| h.id == late)
        .expect("the late household");
    assert_eq!(arrived.head.value.as_deref(), Some("Giàng A Dình"));
    relay.terminate().await?;
    Ok(())
}

#[tokio::test]
async fn a_province_imports_its_own_catalog_version_once() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let bin = ntm_e2e::workspace::relay_binary();
    // A province's own 2026–2030 set: the shipped one with its own id.
    let shipped = ntm_e2e::workspace::root().join("shared/catalogs/ntm-2026-2030.toml");
    let own = dir.path().join("lao-cai-2025.toml");
    let text = std::fs::read_to_string(&shipped)?
        .replacen("id = \"ntm-2026-2030\"", "id = \"lao-cai-ntm-2025\"", 1)
        .replacen("illustrative = true", "illustrative = false", 1);
    std::fs::write(&own, &text)?;
    let import = |file: &std::path::Path| {
        std::process::Command::new(&bin)
            .args(["catalog", "import"])
            .arg(file)
            .arg("--data-dir")
            .arg(dir.path().join("data"))
            .output()
    };
    let ok = import(&own)?;
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    assert!(String::from_utf8(ok.stdout)?.contains("imported lao-cai-ntm-2025"));

    let again = import(&own)?;
    assert!(!again.status.success());
    assert!(String::from_utf8(again.stderr)?.contains("already imported"));

    let bad = dir.path().join("bad.toml");
    std::fs::write(
        &bad,
        text.replacen("id = \"lao-cai-ntm-2025\"", "id = \"x\"\nid = \"y\"", 1),
    )?;
    let refused = import(&bad)?;
    assert!(!refused.status.success());
    let errors = String::from_utf8(refused.stderr)?;
    assert!(errors.contains("bad.toml:"), "{errors}");

    let relay = Relay::start(&dir.path().join("data")).await?;
    let mut device = Device::new("tablet");
    let id = catalog::document::document_id("lao-cai-ntm-2025");
    device.fetch(&relay.sync_url(), id, T).await?;
    let catalog = catalog::document::read(device.doc(&id))?;
    assert_eq!(catalog.id, "lao-cai-ntm-2025");
    assert!(!catalog.illustrative);
    assert_eq!(catalog.criteria.len(), 10);
    assert_eq!(catalog.classification.id, "nhom-xa-51-2025");
    Ok(())
}
