//! SIGKILL at random moments during a sync storm from several devices,
//! 100 times (`NTM_KILL_ROUNDS` to change), restarting the relay each time.
//! After each restart a fresh reader must find every change the relay had
//! acknowledged; at the end every device must hold every change any device
//! made, each exactly once.

use std::collections::BTreeSet;
use std::time::Duration;

use ntm_core::survey::{self, HouseholdId};
use ntm_e2e::{Device, Relay};
use rand::Rng;

const DEVICES: usize = 4;

fn demo() -> ntm_core::DocumentId {
    survey::demo_commune().document_id
}

/// One device's part of a round: connect, record a few households, try to
/// sync. Returns the households the relay acknowledged (all this device
/// made so far) if the sync finished before the kill.
async fn storm(
    device: &mut Device,
    url: &str,
    made: &mut Vec<HouseholdId>,
    round: usize,
) -> Option<Vec<HouseholdId>> {
    device.disconnect().await;
    let connected = device.connect(url).await.is_ok();
    let burst = rand::rng().random_range(1..=3);
    for i in 0..burst {
        let id = HouseholdId::from_random(rand::random());
        let edit = device
            .edit(&demo(), |d| {
                survey::add_household(d, &id, &format!("Hộ {round}-{i}"), 2, "Bản Hồ", 1_000)
            })
            .await;
        // Offline or cut: the edit is kept on the device all the same.
        match edit {
            Ok(result) => result.expect("a valid household"),
            Err(_) => {
                device.disconnect().await;
            }
        }
        made.push(id);
    }
    if !connected {
        return None;
    }
    match device.sync(Duration::from_secs(5)).await {
        Ok(()) => Some(made.clone()),
        Err(_) => None,
    }
}

#[tokio::test]
async fn nothing_acknowledged_is_lost_in_a_storm_of_sigkills() -> anyhow::Result<()> {
    let rounds: usize = std::env::var("NTM_KILL_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100);
    let dir = tempfile::tempdir()?;
    let mut relay = Relay::start(dir.path()).await?;
    let mut devices: Vec<Device> = (0..DEVICES)
        .map(|i| Device::with_demo_survey(&format!("tablet-{i}")))
        .collect();
    let mut made: Vec<Vec<HouseholdId>> = vec![Vec::new(); DEVICES];
    let mut acknowledged: BTreeSet<HouseholdId> = BTreeSet::new();
    let (mut kills_mid_sync, mut synced_before_kill) = (0, 0);

    for round in 0..rounds {
        let url = relay.sync_url();
        let kill_after = Duration::from_millis(rand::rng().random_range(0..400));
        let storms = futures::future::join_all(
            devices
                .iter_mut()
                .zip(made.iter_mut())
                .map(|(d, m)| storm(d, &url, m, round)),
        );
        // The relay dies at a random moment: mid-storm, or just after.
        let addr = relay.addr();
        let killer = async move {
            tokio::time::sleep(kill_after).await;
            relay.kill9().await
        };
        let (acks, killed) = tokio::join!(storms, killer);
        killed?;
        relay = Relay::start_on(dir.path(), addr, None).await?;
        for ack in &acks {
            match ack {
                Some(ids) => {
                    synced_before_kill += 1;
                    acknowledged.extend(ids.iter().cloned());
                }
                None => kills_mid_sync += 1,
            }
        }

        // What the relay acknowledged before it died is there after.
        if acknowledged.is_empty() {
            continue; // nothing stored yet: the relay rightly knows nothing
        }
        let mut reader = Device::new(&format!("reader-{round}"));
        reader
            .fetch(&relay.sync_url(), demo(), Duration::from_secs(30))
            .await?;
        let stored: BTreeSet<HouseholdId> = survey::households(reader.doc(&demo()))
            .into_iter()
            .map(|h| h.id)
            .collect();
        let lost: Vec<_> = acknowledged.difference(&stored).collect();
        assert!(
            lost.is_empty(),
            "round {round}: acknowledged households lost by the relay: {lost:?}"
        );
    }

    // Everyone reconnects: every change still on any device reaches all.
    let url = relay.sync_url();
    for d in devices.iter_mut() {
        d.disconnect().await;
        d.connect(&url).await?;
        d.sync(Duration::from_secs(60)).await?;
    }
    let all: BTreeSet<HouseholdId> = made.iter().flatten().cloned().collect();
    for d in devices.iter_mut() {
        d.sync(Duration::from_secs(60)).await?;
        let target = {
            let mut reader = Device::new("final");
            reader.fetch(&url, demo(), Duration::from_secs(30)).await?;
            reader.doc(&demo()).get_heads()
        };
        d.run_until(Duration::from_secs(60), |c| {
            c.document(&demo())
                .is_some_and(|doc| doc.get_heads() == target)
        })
        .await?;
        let listed: Vec<HouseholdId> = survey::households(d.doc(&demo()))
            .into_iter()
            .map(|h| h.id)
            .collect();
        assert_eq!(listed.len(), all.len(), "each household exactly once");
        assert_eq!(listed.into_iter().collect::<BTreeSet<_>>(), all);
    }
    eprintln!(
        "{rounds} kills; {} households; device rounds: {synced_before_kill} acknowledged, {kills_mid_sync} cut before their sync finished",
        all.len(),
    );
    // Both must happen, or the storm tested nothing.
    assert!(kills_mid_sync > 0, "no kill landed mid-sync");
    assert!(synced_before_kill > 0, "no sync finished before a kill");
    relay.terminate().await?;
    Ok(())
}
