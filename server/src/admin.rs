//! Admin tooling that writes documents straight into the relay's store:
//! the demo province (`serve --demo`) and a province's own catalog version
//! (`catalog import`). Each document is registered with its kind and unit.

use std::path::Path;

use ntm_core::catalog;
use ntm_core::demo::{self, DemoParams};

use crate::storage::SqlStorage;

/// The districts whose communes get survey and appraisal documents in the
/// demo (the registry and catalogs cover the whole province).
const DEMO_DISTRICTS: &[&str] = &["sa-pa"];

/// Stores the demo province unless its registry is already there. Returns
/// how many documents were written.
pub async fn seed_demo(storage: &SqlStorage, unix_seconds: i64) -> anyhow::Result<usize> {
    let registry_id = ntm_core::registry::document::document_id(demo::PROVINCE_CODE).to_string();
    if storage.has_data(&registry_id).await? {
        tracing::info!("demo province already stored");
        return Ok(0);
    }
    tracing::info!("seeding the demo province (synthetic data)…");
    let year = ntm_core::format::civil_date_vn(unix_seconds).0;
    let documents = tokio::task::spawn_blocking(move || {
        let province = demo::generate(DemoParams::default());
        demo::seed_documents(&province, DEMO_DISTRICTS, year, unix_seconds)
    })
    .await?;
    let mut written = 0;
    for d in &documents {
        let id = d.id.to_string();
        // A device may already have pushed its own copy (same genesis): keep it.
        if storage.has_data(&id).await? {
            storage
                .register_document(&id, d.kind, &d.unit, d.district.as_deref())
                .await?;
            continue;
        }
        storage
            .store_document(&id, d.kind, &d.unit, d.district.as_deref(), &d.doc)
            .await?;
        written += 1;
    }
    tracing::info!(documents = written, "demo province stored");
    Ok(written)
}

/// Validates a province's catalog file and stores it as a new catalog
/// version. A version already imported is refused: versions are immutable.
pub async fn import_catalog(
    storage: &SqlStorage,
    file: &Path,
    imported_by: &str,
    unix_seconds: i64,
) -> anyhow::Result<String> {
    let text = std::fs::read_to_string(file)
        .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", file.display()))?;
    let (parsed, doc) = catalog::document::import(
        &file.display().to_string(),
        &text,
        imported_by,
        unix_seconds,
    )
    .map_err(|errors| {
        anyhow::anyhow!(
            "{errors}\n{} problem(s) in {}",
            errors.0.len(),
            file.display()
        )
    })?;
    let id = catalog::document::document_id(&parsed.id).to_string();
    if storage.has_data(&id).await? {
        anyhow::bail!(
            "catalog {:?} is already imported (document {id}); a changed catalog needs a new id",
            parsed.id
        );
    }
    storage
        .store_document(&id, "catalog", &parsed.id, None, &doc)
        .await?;
    Ok(format!(
        "imported {} ({}) as document {id}{}",
        parsed.id,
        parsed.version,
        if parsed.illustrative {
            ", thresholds ILLUSTRATIVE"
        } else {
            ""
        }
    ))
}
