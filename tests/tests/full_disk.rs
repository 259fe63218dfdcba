//! "Acknowledged means durable", with a disk that fills up mid-sync: the
//! relay's data on a small tmpfs, filled to the last byte while a device
//! sends changes. No device is told the relay has a change that is not on
//! disk; `/healthz` and `/metrics` say why; once space returns everything
//! converges, and survives a SIGKILL.
//! Needs to mount a tmpfs (root, as `cargo xtask test` runs in CI).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use ntm_core::survey::{self, HouseholdId};
use ntm_e2e::{relay::free_port, Device, Relay};

const T: Duration = Duration::from_secs(60);

/// A tmpfs mounted for the test, unmounted when dropped.
struct SmallDisk(PathBuf);

impl SmallDisk {
    fn mount(at: &Path, size: &str) -> anyhow::Result<Self> {
        std::fs::create_dir_all(at)?;
        let status = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(at)
            .status()?;
        anyhow::ensure!(
            status.success(),
            "cannot mount a tmpfs at {} (this test needs root)",
            at.display()
        );
        Ok(Self(at.to_owned()))
    }

    /// Fills the disk until it refuses another byte.
    fn fill(&self) -> anyhow::Result<PathBuf> {
        let path = self.0.join("filler");
        let mut file = std::fs::File::create(&path)?;
        let block = vec![0u8; 4096];
        loop {
            match file.write_all(&block) {
                Ok(()) => {}
                Err(e) if e.raw_os_error() == Some(28) => break, // ENOSPC
                Err(e) => return Err(e.into()),
            }
        }
        // The last bytes, one at a time.
        while file.write_all(&[0]).is_ok() {}
        let _ = file.sync_all();
        Ok(path)
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.0).status();
    }
}

#[tokio::test]
async fn a_full_disk_is_never_acknowledged_and_everything_converges_when_space_returns(
) -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let disk = SmallDisk::mount(&dir.path().join("disk"), "16m")?;
    let data = disk.0.join("relay");
    let addr = std::net::SocketAddr::from(([127, 0, 0, 1], free_port()));
    let relay = Relay::start_with(&data, addr, None, &["--open-access"]).await?;
    let url = relay.sync_url();
    let id = survey::demo_commune().document_id;

    let mut writer = Device::with_demo_survey("writer");
    writer.connect(&url).await?;
    writer.sync(T).await?;

    // The disk fills up; then the tablet adds households.
    let filler = disk.fill()?;
    let mut added = Vec::new();
    for n in 0..40 {
        let h = HouseholdId::from_random(rand::random());
        let name = format!("Hộ số {n}");
        writer
            .edit(&id, |d| {
                survey::add_household(d, &h, &name, 4, "Bản Hồ", 1_750_000_000)
            })
            .await??;
        added.push(h);
    }
    // Never confirmed while the disk is full: the relay closes the
    // connection rather than acknowledge what it could not store.
    let outcome = writer
        .run_until(Duration::from_secs(20), |c| c.unconfirmed_changes() == 0)
        .await;
    assert!(
        outcome.is_err(),
        "the relay acknowledged changes on a full disk"
    );
    assert!(
        writer.client().unconfirmed_changes() > 0,
        "changes the relay could not store were confirmed"
    );
    let health = relay.request("GET", "/healthz", &[], vec![]).await?;
    assert_eq!(health.status, 503, "{}", health.text());
    assert!(health.text().contains("disk_full"), "{}", health.text());
    let metrics = relay.request("GET", "/metrics", &[], vec![]).await?.text();
    assert!(
        metrics.contains("ntm_storage_failing{reason=\"disk_full\"} 1"),
        "{metrics}"
    );
    writer.disconnect().await;
    // New connections are turned away while nothing could be stored.
    let mut refused = Device::with_demo_survey("late");
    let error = refused.connect(&url).await.unwrap_err();
    assert!(format!("{error:#}").contains("503"), "{error:#}");

    // Space returns: the relay's retries succeed, the device reconnects
    // and everything is confirmed, durable, and reaches another device.
    std::fs::remove_file(filler)?;
    let deadline = tokio::time::Instant::now() + T;
    while relay.request("GET", "/healthz", &[], vec![]).await?.status != 200 {
        anyhow::ensure!(
            tokio::time::Instant::now() < deadline,
            "storage did not recover"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    writer.connect(&url).await?;
    writer.sync(T).await?;
    let relay = {
        relay.kill9().await?;
        Relay::start_with(&data, addr, None, &["--open-access"]).await?
    };
    let mut reader = Device::new("reader");
    reader.fetch(&relay.sync_url(), id, T).await?;
    let households = survey::households(reader.doc(&id));
    for h in &added {
        assert!(
            households.iter().any(|x| x.id == *h),
            "a household acknowledged on a full disk is lost"
        );
    }
    let metrics = relay.request("GET", "/metrics", &[], vec![]).await?.text();
    assert!(
        metrics.contains("ntm_storage_failing{reason=\"disk_full\"} 0"),
        "{metrics}"
    );
    relay.terminate().await?;
    drop(disk);
    Ok(())
}
