//! The uploader against an in-memory relay that keeps the real protocol's
//! arithmetic (`BlobLimits::check_chunk`): what is sent, from where, and
//! how often.

use std::collections::BTreeMap;

use super::*;
use crate::blobs::BlobLimits;

/// The relay's side: bytes received per blob, and every byte sent to it.
#[derive(Default)]
struct Relay {
    received: BTreeMap<BlobHash, u64>,
    sizes: BTreeMap<BlobHash, u64>,
    bytes_sent: u64,
}

impl Relay {
    fn status(&self, hash: BlobHash) -> UploadStatus {
        let size = self.sizes[&hash];
        let received = self.received.get(&hash).copied().unwrap_or(0);
        UploadStatus {
            hash: hash.to_string(),
            size,
            received,
            complete: received == size,
        }
    }

    /// Answers one effect as the relay would; `None` for effects that
    /// need no answer.
    fn answer(&mut self, effect: &UploadEffect) -> Option<UploadEvent> {
        match *effect {
            UploadEffect::Start { hash, size } => {
                self.sizes.insert(hash, size);
                Some(UploadEvent::Answer(self.status(hash)))
            }
            UploadEffect::Send { hash, offset, len } => {
                let size = self.sizes[&hash];
                let received = self.received.get(&hash).copied().unwrap_or(0);
                match BlobLimits::default().check_chunk(size, received, offset, len) {
                    Ok(end) => {
                        self.bytes_sent += len;
                        self.received.insert(hash, end);
                        Some(UploadEvent::Answer(self.status(hash)))
                    }
                    Err(_) => Some(UploadEvent::Failed(UploadFailure::Resume {
                        hash,
                        received,
                    })),
                }
            }
            _ => None,
        }
    }
}

const MIB: u64 = 1024 * 1024;

fn photo(name: &str, thumb: u64, picture: u64) -> Queued {
    Queued {
        id: name.to_owned(),
        blobs: vec![
            (BlobHash::of(format!("{name} thumb").as_bytes()), thumb),
            (BlobHash::of(name.as_bytes()), picture),
        ],
    }
}

/// Feeds the uploader the relay's answers until it has nothing more to ask;
/// returns every effect seen.
fn run(up: &mut Uploader, relay: &mut Relay, first: Vec<UploadEffect>) -> Vec<UploadEffect> {
    let mut seen = Vec::new();
    let mut pending: std::collections::VecDeque<UploadEffect> = first.into();
    while let Some(effect) = pending.pop_front() {
        if let Some(answer) = relay.answer(&effect) {
            pending.extend(up.handle(answer, 0.5));
        }
        seen.push(effect);
    }
    seen
}

fn done(effects: &[UploadEffect]) -> Vec<&str> {
    effects
        .iter()
        .filter_map(|e| match e {
            UploadEffect::Done { id } => Some(id.as_str()),
            _ => None,
        })
        .collect()
}

#[test]
fn photos_taken_offline_go_up_once_online_each_byte_once_thumbnail_first() {
    let mut up = Uploader::new(MIB);
    let mut relay = Relay::default();
    let a = photo("nhà", 20_000, 2 * MIB + 5);
    let b = photo("bếp", 15_000, 300_000);
    assert!(up.handle(UploadEvent::Queued(a.clone()), 0.5).is_empty());
    assert!(up.handle(UploadEvent::Queued(b.clone()), 0.5).is_empty());
    assert!(
        up.handle(UploadEvent::Queued(a.clone()), 0.5).is_empty(),
        "queued twice, waits once"
    );
    assert_eq!(up.waiting(), 2);
    let first = up.handle(UploadEvent::Online, 0.5);
    assert_eq!(
        first,
        vec![UploadEffect::Start {
            hash: a.blobs[0].0,
            size: 20_000
        }],
        "the thumbnail goes first"
    );
    let seen = run(&mut up, &mut relay, first);
    assert_eq!(done(&seen), ["nhà", "bếp"]);
    assert_eq!(up.waiting(), 0);
    assert_eq!(relay.bytes_sent, 20_000 + 2 * MIB + 5 + 15_000 + 300_000);
    let longest = seen
        .iter()
        .filter_map(|e| match e {
            UploadEffect::Send { len, .. } => Some(*len),
            _ => None,
        })
        .max();
    assert_eq!(longest, Some(MIB), "chunks within the relay's limit");

    // Queued again (an import of the same photo, a restart that found it
    // waiting): the relay has it, nothing is sent.
    let again = up.handle(UploadEvent::Queued(a), 0.5);
    let seen = run(&mut up, &mut relay, again);
    assert_eq!(done(&seen), ["nhà"]);
    assert!(!seen.iter().any(|e| matches!(e, UploadEffect::Send { .. })));
    assert_eq!(relay.bytes_sent, 20_000 + 2 * MIB + 5 + 15_000 + 300_000);
}

#[test]
fn a_dropped_connection_resumes_where_the_relay_stopped() {
    let mut up = Uploader::new(MIB);
    let mut relay = Relay::default();
    let a = photo("trường", 10_000, 3 * MIB);
    up.handle(UploadEvent::Queued(a.clone()), 0.5);
    // Thumbnail, then the first chunk of the picture; the second chunk is
    // lost with the connection.
    let mut effects = up.handle(UploadEvent::Online, 0.5);
    let mut chunks = 0;
    loop {
        let effect = effects.pop().expect("an effect");
        if matches!(effect, UploadEffect::Send { hash, .. } if hash == a.blobs[1].0) {
            chunks += 1;
            if chunks == 2 {
                break;
            }
        }
        let answer = relay.answer(&effect).expect("an answer");
        effects = up.handle(answer, 0.5);
    }
    let wake = up.handle(UploadEvent::Failed(UploadFailure::Network), 0.5);
    assert!(matches!(wake[..], [UploadEffect::Wake { after_ms }] if after_ms > 0));
    assert_eq!(up.waiting(), 1);
    let retry = up.handle(UploadEvent::Timer, 0.5);
    assert!(matches!(retry[..], [UploadEffect::Start { hash, .. }] if hash == a.blobs[1].0));
    let seen = run(&mut up, &mut relay, retry);
    assert_eq!(done(&seen), ["trường"]);
    assert_eq!(
        seen.iter().find_map(|e| match e {
            UploadEffect::Send { offset, .. } => Some(*offset),
            _ => None,
        }),
        Some(MIB),
        "resumed after the chunk the relay holds"
    );
    assert_eq!(relay.bytes_sent, 10_000 + 3 * MIB, "no byte sent twice");
}

#[test]
fn a_refused_photo_stays_waiting_and_the_next_one_goes() {
    let mut up = Uploader::new(MIB);
    let mut relay = Relay::default();
    up.handle(UploadEvent::Queued(photo("quá lớn", 10_000, 30 * MIB)), 0.5);
    up.handle(UploadEvent::Queued(photo("chợ", 10_000, 100_000)), 0.5);
    let start = up.handle(UploadEvent::Online, 0.5);
    assert!(matches!(start[..], [UploadEffect::Start { .. }]));
    let next = up.handle(
        UploadEvent::Failed(UploadFailure::Refused {
            message: "tệp vượt giới hạn".into(),
        }),
        0.5,
    );
    assert!(matches!(&next[0], UploadEffect::Refused { id, .. } if id == "quá lớn"));
    let seen = run(&mut up, &mut relay, next[1..].to_vec());
    assert_eq!(done(&seen), ["chợ"]);
    assert_eq!(
        up.waiting(),
        1,
        "the refused photo is still not on the relay"
    );
    assert_eq!(up.refused()[0].1, "tệp vượt giới hạn");
}

#[test]
fn nothing_goes_out_offline_and_a_late_answer_is_ignored() {
    let mut up = Uploader::new(MIB);
    let a = photo("cầu", 10_000, 50_000);
    assert!(up.handle(UploadEvent::Queued(a.clone()), 0.5).is_empty());
    let start = up.handle(UploadEvent::Online, 0.5);
    assert_eq!(start.len(), 1);
    assert!(up.handle(UploadEvent::Offline, 0.5).is_empty());
    let late = UploadStatus {
        hash: a.blobs[0].0.to_string(),
        size: 10_000,
        received: 10_000,
        complete: true,
    };
    assert!(up.handle(UploadEvent::Answer(late), 0.5).is_empty());
    assert_eq!(up.waiting(), 1);
    // A busy relay: wait as long as it says.
    let again = up.handle(UploadEvent::Online, 0.5);
    assert!(matches!(again[..], [UploadEffect::Start { hash, .. }] if hash == a.blobs[0].0));
    let busy = up.handle(
        UploadEvent::Failed(UploadFailure::Busy { retry_after_s: 60 }),
        0.5,
    );
    assert_eq!(busy, vec![UploadEffect::Wake { after_ms: 60_000 }]);
    assert!(up.handle(UploadEvent::Online, 0.5).is_empty(), "asleep");
}

#[test]
fn the_relay_s_refusals_are_told_apart() {
    let h = BlobHash::of(b"x");
    let of = |status, received, retry| UploadFailure::of_reply(h, status, received, None, retry);
    assert_eq!(
        of(409, Some(7), None),
        UploadFailure::Resume {
            hash: h,
            received: 7
        }
    );
    assert_eq!(
        of(409, None, None),
        UploadFailure::Busy { retry_after_s: 30 },
        "another device is uploading it"
    );
    assert_eq!(
        of(429, None, Some(3600)),
        UploadFailure::Busy {
            retry_after_s: 3600
        }
    );
    assert_eq!(of(503, None, None), UploadFailure::Network);
    assert!(matches!(of(413, None, None), UploadFailure::Refused { .. }));
    assert!(matches!(of(403, None, None), UploadFailure::Refused { .. }));
}

#[test]
fn a_photo_is_queued_with_the_blobs_this_device_holds_and_stored_as_text() {
    let photo = Photo::new(BlobHash::of(b"picture"), BlobHash::of(b"thumb"), 1);
    let both = Queued::of_photo(&photo, |_| Some(10)).unwrap();
    assert_eq!(both.id, photo.hash);
    assert_eq!(
        both.blobs,
        [(BlobHash::of(b"thumb"), 10), (BlobHash::of(b"picture"), 10)]
    );
    let picture = BlobHash::of(b"picture");
    let only = Queued::of_photo(&photo, |h| (*h == picture).then_some(7)).unwrap();
    assert_eq!(only.blobs, [(picture, 7)]);
    assert_eq!(Queued::of_photo(&photo, |_| None), None);
    assert_eq!(Queued::from_text(&both.id, &both.to_text()), Some(both));
    assert_eq!(Queued::from_text("x", "not:a,queue"), None);
}
