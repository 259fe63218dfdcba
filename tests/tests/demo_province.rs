//! `serve --demo` stores the demo province as documents devices can fetch;
//! `catalog import` adds a province's own catalog version.

use std::time::Duration;

use ntm_core::catalog;
use ntm_core::demo::PROVINCE_CODE;
use ntm_core::evaluation::evaluate_commune;
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
    assert_eq!(registry.communes.len(), 127);

    // Everything else is found through the registry and the catalog ids.
    let ta_van = registry
        .commune(&survey::demo_commune().code)
        .expect("Tả Van is in the registry")
        .clone();
    let survey_id = ta_van.documents.survey_id().expect("survey id");
    let appraisal_ids = ta_van.documents.appraisal_ids().expect("appraisal ids");
    assert_eq!(
        appraisal_ids.verdicts.len(),
        appraisal::shipped_departments().len(),
        "one verdicts document per department"
    );
    let ntm_id = catalog::document::document_id("ntm-2021-2025");
    let ids = [survey_id, appraisal_ids.dossier, ntm_id]
        .into_iter()
        .chain(appraisal_ids.verdicts.values().copied());
    for id in ids {
        device.fetch(&url, id, T).await?;
    }
    let ntm = catalog::document::read(device.doc(&ntm_id))?;
    assert!(ntm.illustrative);
    let survey_doc = device.doc(&survey_id);
    let households = survey::households(survey_doc);
    assert!(households.len() >= 300, "{} households", households.len());
    let record = survey::record::read_record(survey_doc, &households[0].id)?;
    assert!(!record.roster.is_empty() && !record.income.is_empty());
    assert!(!survey::infrastructure::infrastructure(survey_doc).is_empty());
    let appraisal = appraisal::assemble(
        std::slice::from_ref(&ntm),
        Some(device.doc(&appraisal_ids.dossier)),
        appraisal_ids
            .verdicts
            .iter()
            .map(|(department, id)| (department.as_str(), device.doc(id))),
    );
    assert!(
        appraisal.dossier.is_some(),
        "Tả Van's dossier is on its way"
    );

    let card = evaluate_commune(
        &ntm,
        &ta_van,
        2024,
        &survey::facts(survey_doc, 2024),
        &appraisal,
    );
    assert!(
        card.met() > 8 && card.met() < 19,
        "Tả Van scores {}",
        card.score()
    );
    assert!(card.criteria.iter().any(|c| c.appraisal.is_some()));

    // A second start does not seed again (nor lose what devices wrote).
    let relay = relay.restart().await?;
    let mut again = Device::new("again");
    again.fetch(&relay.sync_url(), survey_id, T).await?;
    assert_eq!(again.doc(&survey_id).get_heads(), survey_doc.get_heads());
    Ok(())
}

#[tokio::test]
async fn a_province_imports_its_own_catalog_version_once() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let bin = ntm_e2e::workspace::relay_binary();
    let shipped = ntm_e2e::workspace::root().join("shared/catalogs/ntm-2021-2025.toml");
    let own = dir.path().join("lao-cai-2025.toml");
    let text = std::fs::read_to_string(&shipped)?
        .replacen("id = \"ntm-2021-2025\"", "id = \"lao-cai-ntm-2025\"", 1)
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
    Ok(())
}
