//! Interoperability with JS `@automerge/automerge-repo` 2.x through `ntm-relay`.
//! Needs Node and `tests/js/node_modules` (`cargo xtask test` installs them).

use std::process::Stdio;
use std::time::Duration;

use anyhow::Context;
use automerge::ReadDoc;
use ntm_core::survey::{self, HouseholdId};
use ntm_core::DocumentId;
use ntm_e2e::{workspace, Device, Relay};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Command;

// Generous: Node and the relay share two busy cores in CI.
const T: Duration = Duration::from_secs(60);

fn node(args: &[&str]) -> Command {
    let js = workspace::js_dir();
    assert!(
        js.join("node_modules/@automerge/automerge-repo").is_dir(),
        "JS packages missing: run `cargo xtask test` (or `npm ci` in tests/js)"
    );
    let mut cmd = Command::new("node");
    cmd.arg(js.join("interop.mjs"))
        .args(args)
        .current_dir(js)
        .kill_on_drop(true);
    cmd
}

#[tokio::test]
async fn js_client_finds_a_document_a_device_created() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let relay = Relay::start(dir.path()).await?;
    let mut device = Device::new("rust");
    let id = DocumentId::from_bytes(rand::random());
    let commune = survey::CommuneRef {
        document_id: id,
        appraisal: ntm_core::appraisal::AppraisalIds {
            dossier: DocumentId::from_bytes(rand::random()),
            verdicts: Default::default(),
        },
        registry_id: DocumentId::from_bytes(rand::random()),
        code: "interop".into(),
        name: "Xã Mường Hoa".into(),
        applicable_region: ntm_core::catalog::Region::NorthernMidlandsMountains,
    };
    device.track(id, survey::genesis(&commune));
    let hh = HouseholdId::from_random(rand::random());
    device
        .edit(&id, |d| {
            survey::add_household(d, &hh, "Sùng A Dế", 6, "Bản Dền", 42)
        })
        .await??;
    device.connect(&relay.sync_url()).await?;
    device.sync(T).await?;

    let output = tokio::time::timeout(T, node(&["find", &relay.sync_url(), &id.to_url()]).output())
        .await??;
    assert!(
        output.status.success(),
        "node find failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let doc: serde_json::Value =
        serde_json::from_slice(&output.stdout).context("JSON from node")?;
    assert_eq!(doc["commune_name"], "Xã Mường Hoa");
    assert_eq!(doc["households"][hh.as_str()]["head"], "Sùng A Dế");
    assert_eq!(doc["households"][hh.as_str()]["members"], 6);
    Ok(())
}

#[tokio::test]
async fn device_finds_a_document_the_js_client_created() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let relay = Relay::start(dir.path()).await?;
    let mut js = node(&["create", &relay.sync_url()])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()?;
    let mut lines = BufReader::new(js.stdout.take().expect("stdout")).lines();
    let line = tokio::time::timeout(T, lines.next_line())
        .await??
        .context("node printed nothing")?;
    let url = serde_json::from_str::<serde_json::Value>(&line)?["url"]
        .as_str()
        .context("url")?
        .to_owned();
    let id = DocumentId::parse_url_or_id(&url)?;

    let mut device = Device::new("rust");
    device.fetch(&relay.sync_url(), id, T).await?;
    let doc = device.doc(&id);
    let (_, households) = doc
        .get(automerge::ROOT, "households")?
        .context("households")?;
    let (_, record) = doc
        .get(&households, "js-household")?
        .context("js household")?;
    // JS writes strings as collaborative text objects.
    let (_, head) = doc.get(&record, "head")?.context("head")?;
    assert_eq!(doc.text(&head)?, "Hoàng Thị Lan");
    // …and the survey read model reads JS-written records too.
    let listed = survey::households(doc);
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].head.value.as_deref(), Some("Hoàng Thị Lan"));
    assert_eq!(listed[0].members.value, Some(4));
    assert_eq!(listed[0].village.value.as_deref(), Some("Bản Dền"));
    drop(js.stdin.take());
    let _ = tokio::time::timeout(T, js.wait()).await;
    Ok(())
}
