//! Two relay processes on one real PostgreSQL server: devices connected to
//! different processes converge, and enrolment is shared.

use std::net::SocketAddr;
use std::time::Duration;

use ntm_core::survey::{self, HouseholdId};
use ntm_e2e::relay::free_port;
use ntm_e2e::{Device, Postgres, Relay};

const T: Duration = Duration::from_secs(30);

fn demo() -> ntm_core::DocumentId {
    survey::demo_commune().document_id
}

async fn relay_on(pg: &Postgres, dir: &std::path::Path, flags: &[&str]) -> anyhow::Result<Relay> {
    let url = pg.url();
    let mut extra = vec!["--database", &url];
    extra.extend_from_slice(flags);
    let addr = SocketAddr::from(([127, 0, 0, 1], free_port()));
    Relay::start_with(dir, addr, None, &extra).await
}

fn household_names(device: &Device) -> Vec<String> {
    let mut names: Vec<String> = survey::households(device.doc(&demo()))
        .into_iter()
        .filter_map(|h| h.head.value)
        .collect();
    names.sort();
    names
}

/// Waits until `device` has `target`'s heads for the demo survey.
async fn reach(device: &mut Device, target: Vec<automerge::ChangeHash>) -> anyhow::Result<()> {
    let mut target = target;
    target.sort();
    device
        .run_until(T, |c| {
            c.document(&demo()).is_some_and(|d| {
                let mut heads = d.get_heads();
                heads.sort();
                heads == target
            })
        })
        .await
}

#[tokio::test]
async fn devices_on_two_relays_sharing_postgres_converge() -> anyhow::Result<()> {
    let pg = Postgres::start().await?;
    let (d1, d2) = (tempfile::tempdir()?, tempfile::tempdir()?);
    let one = relay_on(&pg, d1.path(), &["--open-access"]).await?;
    let two = relay_on(&pg, d2.path(), &["--open-access"]).await?;

    // a creates the commune's survey through relay one; b, connected to
    // relay two, finds it there (read from the shared database).
    let mut a = Device::with_demo_survey("a");
    let first = HouseholdId::from_random(rand::random());
    a.edit(&demo(), |d| {
        survey::add_household(d, &first, "Giàng A Sử", 5, "Bản Hồ", 100)
    })
    .await??;
    a.connect(&one.sync_url()).await?;
    a.sync(T).await?;
    let mut b = Device::new("b");
    b.fetch(&two.sync_url(), demo(), T).await?;
    assert_eq!(household_names(&b), ["Giàng A Sử"]);

    // Live: an edit on relay one reaches b on relay two, and back.
    let second = HouseholdId::from_random(rand::random());
    a.edit(&demo(), |d| {
        survey::add_household(d, &second, "Lý Thị Mai", 3, "Tả Van Mông", 200)
    })
    .await??;
    a.sync(T).await?;
    reach(&mut b, a.doc(&demo()).get_heads()).await?;
    assert_eq!(household_names(&b), ["Giàng A Sử", "Lý Thị Mai"]);
    let third = HouseholdId::from_random(rand::random());
    b.edit(&demo(), |d| {
        survey::add_household(d, &third, "Vàng Văn Páo", 7, "Lao Chải", 300)
    })
    .await??;
    b.sync(T).await?;
    reach(&mut a, b.doc(&demo()).get_heads()).await?;

    // Concurrent edits on both sides, many of them: both converge on all.
    for i in 0..20 {
        let (ha, hb) = (
            HouseholdId::from_random(rand::random()),
            HouseholdId::from_random(rand::random()),
        );
        a.edit(&demo(), |d| {
            survey::add_household(d, &ha, &format!("A {i:02}"), 1, "Bản Hồ", 400 + i)
        })
        .await??;
        b.edit(&demo(), |d| {
            survey::add_household(d, &hb, &format!("B {i:02}"), 1, "Bản Hồ", 400 + i)
        })
        .await??;
    }
    a.sync(T).await?;
    b.sync(T).await?;
    let mut union = a.doc(&demo()).clone();
    union.merge(&mut b.doc(&demo()).clone())?;
    let heads = union.get_heads();
    reach(&mut a, heads.clone()).await?;
    reach(&mut b, heads).await?;
    assert_eq!(household_names(&a), household_names(&b));
    assert_eq!(household_names(&a).len(), 3 + 40);

    // A photo uploaded through relay one downloads through relay two.
    let photo: Vec<u8> = (0..100_000).map(|_| rand::random::<u8>()).collect();
    let hash = ntm_core::blobs::BlobHash::of(&photo);
    let started = one
        .request(
            "POST",
            &format!("/blobs/{hash}?document={}&size={}", demo(), photo.len()),
            &[],
            vec![],
        )
        .await?;
    assert_eq!(started.status, 200, "{}", started.text());
    let sent = one
        .request(
            "PATCH",
            &format!("/blobs/{hash}?offset=0"),
            &[],
            photo.clone(),
        )
        .await?;
    assert_eq!(sent.json()["complete"], true, "{}", sent.text());
    let fetched = two
        .request("GET", &format!("/blobs/{hash}"), &[], vec![])
        .await?;
    assert!(fetched.status == 200 && fetched.body == photo);

    // A device that comes later to relay one gets everything, even after
    // relay two (which took b's edits) is gone.
    two.kill9().await?;
    let mut c = Device::new("c");
    c.fetch(&one.sync_url(), demo(), T).await?;
    assert_eq!(household_names(&c), household_names(&a));
    one.terminate().await?;
    Ok(())
}

#[tokio::test]
async fn enrolment_and_revocation_are_shared_by_the_relays() -> anyhow::Result<()> {
    let pg = Postgres::start().await?;
    let (d1, d2) = (tempfile::tempdir()?, tempfile::tempdir()?);
    let one = relay_on(&pg, d1.path(), &["--demo"]).await?;
    let two = relay_on(&pg, d2.path(), &[]).await?;

    // A code issued against the database enrols through relay two, and the
    // token works on relay one.
    let code = one
        .enrolment_code("enumerator", &[survey::demo_commune().code.as_str()])
        .await?;
    let (status, body) = two
        .post_json(
            "/enrol",
            &serde_json::json!({ "code": code, "name": "Máy 1" }),
        )
        .await?;
    assert_eq!(status, 200, "{body}");
    let v: serde_json::Value = serde_json::from_str(&body)?;
    let enrolment = ntm_e2e::relay::Enrolment {
        code,
        device_id: v["device_id"].as_str().unwrap().to_owned(),
        token: v["token"].as_str().unwrap().to_owned(),
    };
    let mut tablet = Device::enrolled("tablet", &enrolment);
    tablet.fetch(&one.sync_url(), demo(), T).await?;
    assert!(
        survey::households(tablet.doc(&demo())).len() > 100,
        "the seeded Tả Van survey arrives"
    );

    // Revoked through the database, it is cut off from relay one too.
    // (The CLI, pointed at the shared database through relay one's flags.)
    one.revoke(&enrolment.device_id).await?;
    let cut = tablet
        .run_until(Duration::from_secs(10), |_| false)
        .await
        .expect_err("the connection must end");
    assert!(
        !cut.to_string().contains("not reached"),
        "still connected after revocation: {cut}"
    );
    drop(two);
    Ok(())
}
