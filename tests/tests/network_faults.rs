//! A bad network over real sockets: connections cut mid-message, messages
//! duplicated and reordered. Nothing is lost and nothing is duplicated.

use std::collections::BTreeSet;
use std::time::Duration;

use ntm_core::survey::{self, HouseholdId};
use ntm_e2e::faults::{CutProxy, ShuffleProxy};
use ntm_e2e::{Device, Relay};

fn demo() -> ntm_core::DocumentId {
    survey::demo_commune().document_id
}

async fn add(device: &mut Device, name: &str) -> anyhow::Result<HouseholdId> {
    let id = HouseholdId::from_random(rand::random());
    // Offline edits are kept; the error is only the failed send.
    let _ = device
        .edit(&demo(), |d| {
            survey::add_household(d, &id, name, 2, "Bản Hồ", 1_000)
        })
        .await;
    Ok(id)
}

/// Reconnects through `url` until a sync completes; returns the attempts.
async fn sync_through(device: &mut Device, url: &str) -> anyhow::Result<usize> {
    for attempt in 1..=200 {
        device.disconnect().await;
        if device.connect(url).await.is_ok() && device.sync(Duration::from_secs(5)).await.is_ok() {
            return Ok(attempt);
        }
    }
    anyhow::bail!("no sync got through in 200 attempts")
}

fn names(device: &Device) -> Vec<HouseholdId> {
    survey::households(device.doc(&demo()))
        .into_iter()
        .map(|h| h.id)
        .collect()
}

#[tokio::test]
async fn cut_duplicated_and_reordered_traffic_loses_and_duplicates_nothing() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let relay = Relay::start(dir.path()).await?;
    // Most connections die somewhere in their first 3 kB.
    let cutting = CutProxy::start(relay.addr(), 0.8, 3_000).await?;
    let shuffling = ShuffleProxy::start(relay.addr(), 0.3, 0.3).await?;

    let mut a = Device::with_demo_survey("a");
    let mut b = Device::with_demo_survey("b");
    let mut made = BTreeSet::new();
    let mut retries = 0;
    for round in 0..10 {
        for i in 0..5 {
            made.insert(add(&mut a, &format!("A {round}-{i}")).await?);
            made.insert(add(&mut b, &format!("B {round}-{i}")).await?);
        }
        retries += sync_through(&mut a, &cutting.sync_url()).await? - 1;
        sync_through(&mut b, &shuffling.sync_url()).await?;
    }
    // Or the test tested nothing.
    assert!(cutting.faults() > 0 && retries > 0, "no sync was cut");
    assert!(
        shuffling.faults() > 0,
        "nothing was duplicated or reordered"
    );

    // Both settle on the relay's state: every household, each once.
    let direct = relay.sync_url();
    for d in [&mut a, &mut b] {
        d.disconnect().await;
        d.connect(&direct).await?;
        d.sync(Duration::from_secs(30)).await?;
    }
    let target = b.doc(&demo()).get_heads();
    a.run_until(Duration::from_secs(30), |c| {
        c.document(&demo()).is_some_and(|d| d.get_heads() == target)
    })
    .await?;
    for d in [&a, &b] {
        let listed = names(d);
        assert_eq!(listed.len(), made.len(), "each household exactly once");
        assert_eq!(listed.into_iter().collect::<BTreeSet<_>>(), made);
    }
    eprintln!(
        "{} households; {} connections cut ({retries} syncs retried); {} messages duplicated or reordered",
        made.len(),
        cutting.faults(),
        shuffling.faults()
    );
    Ok(())
}
