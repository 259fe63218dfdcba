//! Undoing a destructive write: an enumerator's device deletes every
//! household of the commune in one change, which reaches every tablet; the
//! admin reads the document's history (who, when, what), reverts that
//! change on the running relay, and every device gets the households back.

use std::time::Duration;

use automerge::transaction::Transactable;
use automerge::ReadDoc;
use ntm_core::demo::PROVINCE_CODE;
use ntm_core::registry::CommuneDocuments;
use ntm_core::survey;
use ntm_e2e::{relay::free_port, Device, Relay};

const T: Duration = Duration::from_secs(60);

#[tokio::test]
async fn an_admin_reverts_a_mass_delete_and_every_device_gets_the_households_back(
) -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let addr = std::net::SocketAddr::from(([127, 0, 0, 1], free_port()));
    let relay = Relay::start_with(dir.path(), addr, None, &["--demo"]).await?;
    let url = relay.sync_url();
    let id = CommuneDocuments::derived(PROVINCE_CODE, "sa-pa-ta-van")
        .survey_id()
        .expect("derived id");

    let vandal = relay.enrol("enumerator", &["sa-pa-ta-van"]).await?;
    let mut wiper = Device::enrolled("wiper", &vandal);
    let mut colleague = Device::enrolled(
        "colleague",
        &relay.enrol("enumerator", &["sa-pa-ta-van"]).await?,
    );
    wiper.fetch(&url, id, T).await?;
    colleague.fetch(&url, id, T).await?;
    let before = survey::households(colleague.doc(&id)).len();
    assert!(before >= 300, "{before}");

    // One change deletes them all; the colleague's tablet follows.
    wiper
        .edit(&id, |d| {
            let (_, households) = d.get(automerge::ROOT, "households")?.expect("households");
            let keys: Vec<String> = d.keys(&households).collect();
            let mut tx = d.transaction();
            for key in keys {
                tx.delete(&households, key.as_str())?;
            }
            tx.commit();
            anyhow::Ok(())
        })
        .await??;
    wiper.sync(T).await?;
    colleague
        .run_until(T, |c| {
            c.document(&id)
                .is_some_and(|d| survey::households(d).is_empty())
        })
        .await?;

    // The history names the change, its device and what it removed.
    let history = relay
        .admin(&["document", "history", &id.to_string()])
        .await?;
    let wipe = history
        .lines()
        .find(|l| l.contains(&format!("-{before} ")))
        .unwrap_or_else(|| panic!("no change removing {before} households in:\n{history}"));
    assert!(wipe.contains(&vandal.device_id), "{wipe}");
    assert!(history.contains("genesis"), "{history}");
    let hash = wipe.split('\t').next().expect("hash");

    let out = relay
        .admin(&["document", "revert", &id.to_string(), &hash[..12]])
        .await?;
    assert!(out.contains("reverted"), "{out}");

    // Both tablets, still connected, get them back through the running relay.
    for device in [&mut colleague, &mut wiper] {
        device
            .run_until(T, |c| {
                c.document(&id)
                    .is_some_and(|d| survey::households(d).len() == before)
            })
            .await?;
    }
    relay.terminate().await?;
    Ok(())
}
