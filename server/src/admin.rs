//! Admin tooling that works on the relay's store directly: the demo
//! province (`serve --demo`), a province's own catalog version (`catalog
//! import`), a document's history and the revert of one change (`document
//! history | revert`). Each document is registered with its kind and unit.

use std::path::Path;

use ntm_core::access::{DocumentInfo, DocumentKind};
use ntm_core::catalog;
use ntm_core::demo::{self, DemoParams};
use ntm_core::history;
use ntm_core::sync::AuthorKind;

use crate::auth::attribution::Attribution;
use crate::storage::SqlStorage;

/// The new units whose survey, dossier and verdicts documents the demo
/// stores, with their predecessors' (the registry and catalogs cover the
/// whole province): xã Tả Van, formed from the former Tả Van, Mường Hoa and
/// Hoàng Liên (≈ 2,700 households).
const DEMO_UNITS: &[&str] = &["ta-van"];

/// The claim of the demo seed (`admin_claims`). `/3`: the province as it is
/// since 01/07/2025 (its own registry document, `demo::PROVINCE_CODE`), which
/// a relay seeded before lacks (documents it already holds are kept); `/4`:
/// the province summary with the synthetic units' entries.
const DEMO_CLAIM: &str = "demo-seed/4";
/// A claim unfinished this long is a dead claimant's: taken over.
const CLAIM_STALE_SECONDS: i64 = 600;

/// Stores the demo province unless its registry is already there. Returns
/// how many documents were written.
pub async fn seed_demo(storage: &SqlStorage, unix_seconds: i64) -> anyhow::Result<usize> {
    let registry_id = ntm_core::registry::document::document_id(demo::PROVINCE_CODE).to_string();
    let summary_id = ntm_core::summary::document_id(demo::PROVINCE_CODE).to_string();
    if storage.has_data(&registry_id).await? && storage.has_data(&summary_id).await? {
        tracing::info!("demo province already stored");
        return Ok(0);
    }
    // Its documents are made with fixed actors and this relay's clock: two
    // relays seeding one database at once would mint different changes with
    // the same actor and sequence number. One claims the seed; the others
    // wait for it to finish.
    if !storage
        .claim(DEMO_CLAIM, unix_seconds, CLAIM_STALE_SECONDS)
        .await?
    {
        tracing::info!("another relay is storing the demo province: waiting for it");
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(600);
        while !storage.claim_done(DEMO_CLAIM).await? {
            if std::time::Instant::now() > deadline {
                anyhow::bail!("another relay claimed the demo seed and did not finish it");
            }
            tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        }
        return Ok(0);
    }
    tracing::info!("seeding the demo province (synthetic data)…");
    let year = ntm_core::format::civil_date_vn(unix_seconds).0;
    let documents = tokio::task::spawn_blocking(move || {
        let province = demo::generate(DemoParams::default());
        demo::seed_documents(&province, DEMO_UNITS, year, unix_seconds)
    })
    .await?;
    let mut written = 0;
    for d in &documents {
        let id = d.id.to_string();
        let info = DocumentInfo {
            kind: d.kind,
            unit: d.unit.clone(),
            district: d.district.clone(),
            department: d.department.clone(),
        };
        // A device may already have pushed its own copy (same genesis): keep it.
        if storage.has_data(&id).await? {
            storage.register_document(&id, &info).await?;
            continue;
        }
        storage.store_document(&id, &info, &d.doc).await?;
        written += 1;
    }
    storage.finish_claim(DEMO_CLAIM, crate::unix_now()).await?;
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
    // One import per version, even with two admins importing at once.
    let claim = format!("catalog/{}", parsed.id);
    if storage.has_data(&id).await?
        || !storage
            .claim(&claim, unix_seconds, CLAIM_STALE_SECONDS)
            .await?
    {
        anyhow::bail!(
            "catalog {:?} is already imported (document {id}); a changed catalog needs a new id",
            parsed.id
        );
    }
    storage
        .store_document(
            &id,
            &DocumentInfo {
                kind: DocumentKind::Catalog,
                unit: parsed.id.clone(),
                district: None,
                department: None,
            },
            &doc,
        )
        .await?;
    storage.finish_claim(&claim, unix_seconds).await?;
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

/// A document as stored; an error if nothing of it is.
async fn load_document(storage: &SqlStorage, id: &str) -> anyhow::Result<automerge::Automerge> {
    storage
        .load_document(id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("no document {id} in this relay's store"))
}

/// Who an actor is: a device (id, name, role), a shared genesis, or admin tooling.
async fn author(attribution: &Attribution, summary: &history::ChangeSummary) -> String {
    let kind = ntm_core::sync::Author {
        actor: summary.actor.clone(),
        seq: summary.seq,
        hash: summary.hash,
    }
    .kind();
    match kind {
        AuthorKind::SharedGenesis => "genesis (shared by every device)".to_owned(),
        AuthorKind::Reserved => format!(
            "admin tooling ({})",
            String::from_utf8_lossy(summary.actor.to_bytes())
        ),
        AuthorKind::Device => match attribution.writer(&summary.actor.to_hex_string()).await {
            Ok(Some(w)) => format!("device {} \"{}\" ({})", w.device, w.name, w.role),
            Ok(None) => format!("unattributed actor {}", summary.actor.to_hex_string()),
            Err(e) => format!(
                "actor {} (attribution unavailable: {})",
                summary.actor.to_hex_string(),
                e.detail()
            ),
        },
    }
}

/// `ntm-relay document history ID`: one line per change, oldest first.
pub async fn print_history(storage: &SqlStorage, id: &str) -> anyhow::Result<()> {
    use std::io::Write;
    let doc = load_document(storage, id).await?;
    let attribution = Attribution::new(storage.database().pool().clone());
    let mut out = std::io::stdout().lock();
    for summary in history::history(&doc) {
        let listed: Vec<String> = summary
            .touched
            .iter()
            .take(3)
            .map(|t| {
                let sign = match t.how {
                    history::How::Added => '+',
                    history::How::Removed => '-',
                    history::How::Changed => '~',
                };
                format!("{sign}{}/{}", t.container, t.key)
            })
            .collect();
        let more = summary.touched.len().saturating_sub(listed.len());
        let written = writeln!(
            out,
            "{}\t{}\t{}\t+{} -{} ~{}\t{}{}\t{}",
            summary.hash,
            // The shared genesis carries time 0 by design.
            if summary.time > 0 {
                ntm_core::format::datetime_vi(summary.time)
            } else {
                "—".to_owned()
            },
            author(&attribution, &summary).await,
            summary.count(history::How::Added),
            summary.count(history::How::Removed),
            summary.count(history::How::Changed),
            listed.join(" "),
            if more > 0 {
                format!(" … {more} more")
            } else {
                String::new()
            },
            summary.message.as_deref().unwrap_or(""),
        );
        if written.is_err() {
            // The reader went away (`| head`): not an error of ours.
            break;
        }
    }
    Ok(())
}

/// `ntm-relay document revert ID CHANGE`: one new change, written as admin
/// tooling (an actor of its own, never used again), stored as any device's
/// change would be; running relays merge it and pass it to every device.
pub async fn revert(
    storage: &SqlStorage,
    id: &str,
    change: &str,
    unix_seconds: i64,
) -> anyhow::Result<()> {
    let mut doc = load_document(storage, id).await?;
    let hash = history::find_change(&doc, change)?;
    let before = doc.get_heads();
    let restored = history::revert(&mut doc, hash, admin_actor("revert"), unix_seconds)?;
    if doc.get_heads() == before {
        println!("nothing to revert: change {hash} touched no entry");
        return Ok(());
    }
    let new = doc
        .get_changes(&before)
        .first()
        .map(|c| c.hash())
        .ok_or_else(|| anyhow::anyhow!("the revert wrote no change"))?;
    storage
        .store_external_change(id, &new, doc.save_after(&before))
        .await?;
    println!(
        "reverted {hash} in {id} with change {new}: {} entries put back as they were",
        restored.len()
    );
    Ok(())
}

/// A fresh actor for one admin write: `ntm-admin:<what>:<random>`. Reserved
/// (devices cannot send it), and never shared by two writes, so two admin
/// processes can never mint different changes with one actor and sequence.
pub fn admin_actor(what: &str) -> automerge::ActorId {
    let random = ntm_core::format::hex(&rand::random::<[u8; 8]>());
    automerge::ActorId::from(format!("ntm-admin:{what}:{random}").as_bytes())
}

/// `ntm-relay commune merge CODE --province P`: the survey of a unit formed
/// by a merger becomes the union of its predecessors' households and
/// infrastructure (`ntm_core::survey::merge`: ids kept, history left in
/// the predecessors' documents), and each predecessor's survey says where
/// its data went. Run again after a late sync: it brings what changed and
/// lists what needs a person; with nothing new it writes nothing.
pub async fn merge_commune(
    storage: &SqlStorage,
    province: &str,
    code: &str,
    unix_seconds: i64,
) -> anyhow::Result<()> {
    use ntm_core::survey::{self, merge};
    let registry_id = ntm_core::registry::document::document_id(province).to_string();
    let registry =
        ntm_core::registry::document::read(&load_document(storage, &registry_id).await?)?;
    registry
        .check_succession()
        .map_err(|e| anyhow::anyhow!("the registry's successions do not hold: {e}"))?;
    let unit = registry
        .commune(code)
        .ok_or_else(|| anyhow::anyhow!("no unit {code:?} in the registry of {province}"))?;
    if unit.predecessors.is_empty() {
        anyhow::bail!(
            "{code} ({}) was not formed from other units: nothing to merge",
            unit.name
        );
    }
    let reference = survey::CommuneRef::of(province, unit)
        .ok_or_else(|| anyhow::anyhow!("{code}: the registry lists no valid document ids"))?;
    let target_id = reference.document_id.to_string();
    let stored = storage.has_data(&target_id).await?;
    let mut target = if stored {
        load_document(storage, &target_id).await?
    } else {
        survey::genesis(&reference)
    };
    target.set_actor(admin_actor("merge"));
    let before = target.get_heads();
    let successor = merge::Succession::to(unit, &reference.document_id)
        .ok_or_else(|| anyhow::anyhow!("{code} has no first day"))?;
    let mut marks = Vec::new();
    for p in registry.predecessors_of(code) {
        let Some(id) = p.documents.survey_id() else {
            println!("{}: no valid survey id in the registry; skipped", p.code);
            continue;
        };
        let id_text = id.to_string();
        if !storage.has_data(&id_text).await? {
            println!(
                "{} ({}): no survey stored; nothing to merge",
                p.code, p.name
            );
            continue;
        }
        let mut old = load_document(storage, &id_text).await?;
        let report = merge::merge_predecessor(
            &mut target,
            merge::Predecessor {
                code: &p.code,
                document: &id,
                doc: &old,
            },
            unix_seconds,
        )?;
        let h = &report.households;
        let i = &report.infrastructure;
        println!(
            "{} ({}): households +{} added, {} brought up to date, {} unchanged; infrastructure +{} added, {} brought up to date, {} unchanged; {} attestations not carried (the new unit attests anew)",
            p.code, p.name, h.added, h.refreshed, h.unchanged, i.added, i.refreshed, i.unchanged, report.attestations_not_carried
        );
        for id in h.to_decide.iter().chain(&i.to_decide) {
            println!(
                "  edited in both {} and {code} since the merge, left as {code} has it: {id}",
                p.code
            );
        }
        if report.conflicts_resolved_to_winner > 0 {
            println!(
                "  {} fields were in conflict in {}: the standing value was copied, the others stay in its history",
                report.conflicts_resolved_to_winner, p.code
            );
        }
        old.set_actor(admin_actor("succession"));
        let old_heads = old.get_heads();
        merge::mark_succeeded(&mut old, &successor, unix_seconds)?;
        if old.get_heads() != old_heads {
            marks.push((id_text, old, old_heads));
        }
    }
    if !stored {
        let info = DocumentInfo {
            kind: DocumentKind::Survey,
            unit: unit.code.clone(),
            district: unit.district.clone(),
            department: None,
        };
        storage.store_document(&target_id, &info, &target).await?;
    } else if let Some(first) = target.get_changes(&before).first().map(|c| c.hash()) {
        storage
            .store_external_change(&target_id, &first, target.save_after(&before))
            .await?;
    }
    for (id, doc, heads) in marks {
        if let Some(first) = doc.get_changes(&heads).first().map(|c| c.hash()) {
            storage
                .store_external_change(&id, &first, doc.save_after(&heads))
                .await?;
        }
    }
    let households = survey::households(&target).len();
    if target.get_heads() == before && stored {
        println!("{code}: nothing new to merge ({households} households)");
    } else {
        println!(
            "{code} ({}): survey {target_id} now has {households} households",
            unit.name
        );
    }
    Ok(())
}
