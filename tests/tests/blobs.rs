//! Photos and files against the real relay: content-addressed, chunked and
//! resumable, deduplicated, scoped like documents, size-limited with a 413
//! that names the limit, kept across a restart.

use ntm_core::blobs::BlobHash;
use ntm_core::demo::PROVINCE_CODE;
use ntm_core::registry::CommuneDocuments;
use ntm_e2e::relay::{free_port, HttpResponse};
use ntm_e2e::Relay;

const MIB: usize = 1024 * 1024;

fn survey_of(commune: &str) -> String {
    CommuneDocuments::derived(PROVINCE_CODE, commune)
        .survey_id()
        .expect("derived id")
        .to_string()
}

struct Client<'a> {
    relay: &'a Relay,
    token: String,
}

impl Client<'_> {
    async fn send(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: Vec<u8>,
    ) -> anyhow::Result<HttpResponse> {
        let bearer = format!("Bearer {}", self.token);
        let mut all = vec![("authorization", bearer.as_str())];
        all.extend_from_slice(headers);
        self.relay.request(method, path, &all, body).await
    }

    async fn start(&self, hash: &BlobHash, doc: &str, size: usize) -> anyhow::Result<HttpResponse> {
        self.send(
            "POST",
            &format!("/blobs/{hash}?document={doc}&size={size}"),
            &[],
            vec![],
        )
        .await
    }

    async fn chunk(
        &self,
        hash: &BlobHash,
        offset: usize,
        bytes: &[u8],
    ) -> anyhow::Result<HttpResponse> {
        self.send(
            "PATCH",
            &format!("/blobs/{hash}?offset={offset}"),
            &[("content-type", "application/octet-stream")],
            bytes.to_vec(),
        )
        .await
    }
}

#[tokio::test]
async fn photos_upload_in_resumable_chunks_and_stay_in_their_commune() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let addr = std::net::SocketAddr::from(([127, 0, 0, 1], free_port()));
    // 3 MiB of unfinished uploads per device: the photo, not two at once.
    let relay = Relay::start_with(
        dir.path(),
        addr,
        None,
        &["--demo", "--blob-quota-in-flight", "3145728"],
    )
    .await?;
    let ta_van = survey_of("sa-pa-ta-van");
    let tablet_enrolment = relay.enrol("enumerator", &["sa-pa-ta-van"]).await?;
    let tablet = Client {
        relay: &relay,
        token: tablet_enrolment.token.clone(),
    };
    let second = Client {
        relay: &relay,
        token: relay.enrol("enumerator", &["sa-pa-ta-van"]).await?.token,
    };
    let stranger = Client {
        relay: &relay,
        token: relay.enrol("enumerator", &["sa-pa-muong-hoa"]).await?.token,
    };

    // A 2.5 MiB photo of a household's house.
    let photo: Vec<u8> = (0..5 * MIB / 2).map(|_| rand::random::<u8>()).collect();
    let hash = BlobHash::of(&photo);

    // Too large, declared or in one request: 413 naming the limit.
    let huge = tablet.start(&hash, &ta_van, 21 * MIB).await?;
    assert_eq!(huge.status, 413);
    assert!(
        huge.text().contains("20971520") && huge.text().contains("20 MiB"),
        "{}",
        huge.text()
    );
    let started = tablet.start(&hash, &ta_van, photo.len()).await?;
    assert_eq!(started.status, 200, "{}", started.text());
    assert_eq!(started.json()["received"], 0);
    let oversized = tablet.chunk(&hash, 0, &photo[..MIB + 1]).await?;
    assert_eq!(oversized.status, 413);
    assert!(oversized.text().contains("1048576"), "{}", oversized.text());

    // A second upload at the same time would pass the device's quota of
    // unfinished uploads: 429, with when to try again.
    let other = BlobHash::of(b"another photo");
    let over = tablet.start(&other, &ta_van, MIB).await?;
    assert_eq!(over.status, 429, "{}", over.text());
    assert!(over.header("retry-after").is_some());
    assert!(over.text().contains("MiB"), "{}", over.text());

    // First chunk; then the connection "drops" and the tablet resends it:
    // the relay says where to resume.
    let first = tablet.chunk(&hash, 0, &photo[..MIB]).await?;
    assert_eq!(first.json()["received"], MIB, "{}", first.text());
    let again = tablet.chunk(&hash, 0, &photo[..MIB]).await?;
    assert_eq!(again.status, 409);
    assert_eq!(again.json()["received"], MIB);
    // The unfinished upload is the tablet's: a colleague cannot add to it.
    let junk = second.chunk(&hash, MIB, &[0u8; 100]).await?;
    assert_eq!(junk.status, 409, "{}", junk.text());
    assert_eq!(second.start(&hash, &ta_van, photo.len()).await?.status, 409);
    let status = tablet
        .send("GET", &format!("/blobs/{hash}/upload"), &[], vec![])
        .await?;
    assert_eq!(status.json()["received"], MIB);
    assert_eq!(status.json()["complete"], false);
    // Not finished: not downloadable yet.
    let early = tablet
        .send("GET", &format!("/blobs/{hash}"), &[], vec![])
        .await?;
    assert_eq!(early.status, 404);
    let mut offset = MIB;
    while offset < photo.len() {
        let end = (offset + MIB).min(photo.len());
        let r = tablet.chunk(&hash, offset, &photo[offset..end]).await?;
        assert_eq!(r.status, 200, "{}", r.text());
        offset = end;
    }
    let done = tablet
        .send("GET", &format!("/blobs/{hash}/upload"), &[], vec![])
        .await?;
    assert_eq!(done.json()["complete"], true);

    // The same photo from another tablet: stored once, nothing to send.
    let dedup = second.start(&hash, &ta_van, photo.len()).await?;
    assert_eq!(dedup.json()["complete"], true, "{}", dedup.text());

    // Readable only once a document names it in its content: the tablet
    // puts it in a household's record.
    let unreferenced = second
        .send("GET", &format!("/blobs/{hash}"), &[], vec![])
        .await?;
    assert_eq!(unreferenced.status, 404, "named at upload is not enough");
    let survey_id: ntm_core::DocumentId = ta_van.parse()?;
    let mut device = ntm_e2e::Device::enrolled("tablet", &tablet_enrolment);
    device
        .fetch(
            &relay.sync_url(),
            survey_id,
            std::time::Duration::from_secs(60),
        )
        .await?;
    let household = ntm_core::survey::households(device.doc(&survey_id))[0]
        .id
        .clone();
    device
        .edit(&survey_id, |d| {
            ntm_core::survey::record::update_record(d, &household, 1_750_000_000, |r| {
                r.photos.push(ntm_core::survey::photo::Photo::new(
                    hash,
                    hash,
                    1_750_000_000,
                ))
            })
        })
        .await??;
    device.sync(std::time::Duration::from_secs(60)).await?;

    // Download, whole and resumed from a byte.
    let whole = second
        .send("GET", &format!("/blobs/{hash}"), &[], vec![])
        .await?;
    assert_eq!(whole.status, 200);
    assert!(whole.body == photo, "the downloaded bytes are the photo");
    assert_eq!(
        whole.header("content-length"),
        Some(photo.len().to_string().as_str())
    );
    let part = second
        .send(
            "GET",
            &format!("/blobs/{hash}"),
            &[("range", "bytes=1000000-")],
            vec![],
        )
        .await?;
    assert_eq!(part.status, 206);
    assert!(part.body == photo[1_000_000..]);
    assert_eq!(
        part.header("content-range"),
        Some(format!("bytes 1000000-{}/{}", photo.len() - 1, photo.len()).as_str())
    );

    // Another commune's device: cannot read it (not even learn it exists),
    // cannot attach files to Tả Van's survey; no token: 401; bad name: 400.
    let hidden = stranger
        .send("GET", &format!("/blobs/{hash}"), &[], vec![])
        .await?;
    assert_eq!(hidden.status, 404);
    let foreign = stranger.start(&hash, &ta_van, photo.len()).await?;
    assert_eq!(foreign.status, 403, "{}", foreign.text());
    // Naming its own commune's survey at upload does not open it either.
    let muong_hoa = survey_of("sa-pa-muong-hoa");
    assert_eq!(
        stranger.start(&hash, &muong_hoa, photo.len()).await?.status,
        200
    );
    let still_hidden = stranger
        .send("GET", &format!("/blobs/{hash}"), &[], vec![])
        .await?;
    assert_eq!(
        still_hidden.status, 404,
        "a hash and an upload request opened another commune's photo"
    );
    let anonymous = relay
        .request("GET", &format!("/blobs/{hash}"), &[], vec![])
        .await?;
    assert_eq!(anonymous.status, 401);
    let bad = tablet
        .send("GET", "/blobs/..%2F..%2Fetc", &[], vec![])
        .await?;
    assert_eq!(bad.status, 400);

    // Bytes that do not match their name are refused and the upload
    // starts over.
    let claimed = BlobHash::of(b"the real scan of the attestation");
    assert_eq!(tablet.start(&claimed, &ta_van, 10).await?.status, 200);
    let forged = tablet.chunk(&claimed, 0, b"0123456789").await?;
    assert_eq!(forged.status, 422, "{}", forged.text());
    let reset = tablet
        .send("GET", &format!("/blobs/{claimed}/upload"), &[], vec![])
        .await?;
    assert_eq!(reset.json()["received"], 0);

    // Kept across a crash.
    let token = second.token.clone();
    drop((tablet, second, stranger));
    let relay = relay.restart().await?;
    let after = relay
        .request(
            "GET",
            &format!("/blobs/{hash}"),
            &[("authorization", &format!("Bearer {token}"))],
            vec![],
        )
        .await?;
    assert!(after.status == 200 && after.body == photo);
    Ok(())
}
