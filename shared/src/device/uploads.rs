//! Photo uploads as a sans-IO state machine: which blob to send next, from
//! which offset, and what to do when the relay answers, refuses or cannot
//! be reached. The adapter (`app/src/uploads.rs`) keeps the queue on the
//! device, reads the bytes and makes the HTTP requests of the relay's blob
//! API (`server/src/blobs.rs`).
//!
//! A photo is uploaded once: each blob starts with `POST /blobs/<hash>`,
//! whose answer says how much the relay already holds — nothing is sent
//! again for a blob the relay has (from this device before a restart, or
//! from another device with the same photo), and an interrupted upload
//! resumes where it stopped. A photo leaves the queue ([`UploadEffect::Done`])
//! only once the relay holds every byte of it, verified.

use std::collections::VecDeque;

use crate::blobs::{BlobHash, UploadStatus};
use crate::survey::photo::Photo;
use crate::sync::Backoff;

/// One queued photo: its blobs (thumbnail first) and their sizes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Queued {
    /// The photo's name in the queue (its picture's hash).
    pub id: String,
    /// Blobs to upload in order, with their sizes in bytes.
    pub blobs: Vec<(BlobHash, u64)>,
}

impl Queued {
    /// A photo's entry: those of its blobs (thumbnail first) whose size
    /// `size_of` knows — the ones this device holds; `None` when it holds
    /// none of them.
    pub fn of_photo(photo: &Photo, size_of: impl Fn(&BlobHash) -> Option<u64>) -> Option<Self> {
        let blobs: Vec<(BlobHash, u64)> = photo
            .blobs()
            .into_iter()
            .filter_map(|h| Some((h, size_of(&h)?)))
            .collect();
        (!blobs.is_empty()).then(|| Self {
            id: photo.hash.clone(),
            blobs,
        })
    }

    /// The entry as the device stores it: `hash:size` of each blob, in
    /// upload order.
    pub fn to_text(&self) -> String {
        self.blobs
            .iter()
            .map(|(h, size)| format!("{h}:{size}"))
            .collect::<Vec<_>>()
            .join(",")
    }

    /// An entry stored as [`Queued::to_text`]; `None` if it is damaged.
    pub fn from_text(id: &str, text: &str) -> Option<Self> {
        let blobs = text
            .split(',')
            .map(|part| {
                let (hash, size) = part.split_once(':')?;
                Some((hash.parse().ok()?, size.parse().ok()?))
            })
            .collect::<Option<Vec<(BlobHash, u64)>>>()?;
        Some(Self {
            id: id.to_owned(),
            blobs,
        })
    }
}

/// How a request failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UploadFailure {
    /// No answer (offline, connection dropped, relay down): try again later.
    Network,
    /// The relay is busy with this device's quota: try again after this
    /// many seconds.
    Busy {
        /// From `Retry-After`.
        retry_after_s: u64,
    },
    /// The relay holds a different number of bytes than this chunk assumed
    /// (409 with `received`): resume from there.
    Resume {
        /// The blob.
        hash: BlobHash,
        /// Bytes the relay holds.
        received: u64,
    },
    /// The relay refused the photo for good (too large, not allowed,
    /// damaged): it stays on the device, out of the queue until restart.
    Refused {
        /// The relay's message.
        message: String,
    },
}

impl UploadFailure {
    /// A refusal of the relay's blob API (any status but 200) as the
    /// uploader must take it: `received` and `message` from its JSON body,
    /// `retry_after` from its header.
    pub fn of_reply(
        hash: BlobHash,
        status: u16,
        received: Option<u64>,
        message: Option<String>,
        retry_after: Option<u64>,
    ) -> Self {
        match (status, received) {
            (409, Some(received)) => UploadFailure::Resume { hash, received },
            // Another device is uploading the same photo: once it is done,
            // the relay answers "complete" and nothing needs sending.
            (409, None) => UploadFailure::Busy {
                retry_after_s: retry_after.unwrap_or(30),
            },
            (429, _) => UploadFailure::Busy {
                retry_after_s: retry_after.unwrap_or(60),
            },
            // Starting, restarting, or a proxy that lost it; a rejected or
            // expired token is retried too (the sync connection reports it).
            (0 | 401 | 408 | 500..=599, _) => UploadFailure::Network,
            _ => UploadFailure::Refused {
                message: message.unwrap_or_else(|| format!("HTTP {status}")),
            },
        }
    }
}

/// What happened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UploadEvent {
    /// A photo waits to be uploaded (taken here, imported, or found
    /// waiting at start).
    Queued(Queued),
    /// The relay can be reached (the sync connection is up).
    Online,
    /// The relay cannot be reached.
    Offline,
    /// The relay's answer to [`UploadEffect::Start`] or
    /// [`UploadEffect::Send`].
    Answer(UploadStatus),
    /// The request failed.
    Failed(UploadFailure),
    /// The timer of [`UploadEffect::Wake`] fired.
    Timer,
}

/// What the adapter must do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UploadEffect {
    /// `POST /blobs/<hash>?document=…&size=…`; answer with
    /// [`UploadEvent::Answer`] or [`UploadEvent::Failed`].
    Start {
        /// The blob.
        hash: BlobHash,
        /// Its size.
        size: u64,
    },
    /// `PATCH /blobs/<hash>?offset=…` with bytes `offset..offset + len`.
    Send {
        /// The blob.
        hash: BlobHash,
        /// Where the chunk starts.
        offset: u64,
        /// Its length.
        len: u64,
    },
    /// The relay holds the whole photo: take it off the stored queue.
    Done {
        /// The photo.
        id: String,
    },
    /// The relay refused the photo (kept on the device; retried after a
    /// restart).
    Refused {
        /// The photo.
        id: String,
        /// Why.
        message: String,
    },
    /// Fire [`UploadEvent::Timer`] after this long.
    Wake {
        /// Delay.
        after_ms: u64,
    },
}

/// The blob being uploaded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Current {
    hash: BlobHash,
    size: u64,
}

/// The uploads of one device.
#[derive(Debug)]
pub struct Uploader {
    queue: VecDeque<(Queued, usize)>,
    refused: Vec<(String, String)>,
    current: Option<Current>,
    online: bool,
    sleeping: bool,
    backoff: Backoff,
    chunk: u64,
}

impl Uploader {
    /// An idle uploader sending chunks of at most `chunk` bytes (the
    /// relay's limit; 1 MiB by default).
    pub fn new(chunk: u64) -> Self {
        Self {
            queue: VecDeque::new(),
            refused: Vec::new(),
            current: None,
            online: false,
            sleeping: false,
            backoff: Backoff::default(),
            chunk: chunk.max(1),
        }
    }

    /// Photos not yet wholly on the relay (including refused ones).
    pub fn waiting(&self) -> usize {
        self.queue.len() + self.refused.len()
    }

    /// Photos the relay refused, with its message.
    pub fn refused(&self) -> &[(String, String)] {
        &self.refused
    }

    /// Whether the photo is still waiting.
    pub fn is_waiting(&self, id: &str) -> bool {
        self.queue.iter().any(|(q, _)| q.id == id) || self.refused.iter().any(|(r, _)| r == id)
    }

    /// Handles one event; `jitter` in `[0, 1)` spreads retries.
    pub fn handle(&mut self, event: UploadEvent, jitter: f64) -> Vec<UploadEffect> {
        let mut out = Vec::new();
        match event {
            UploadEvent::Queued(q) => {
                if !self.is_waiting(&q.id) {
                    self.queue.push_back((q, 0));
                }
            }
            UploadEvent::Online => {
                self.online = true;
                self.backoff.reset();
            }
            UploadEvent::Offline => {
                self.online = false;
                // An answer still on its way is ignored; the next start asks
                // the relay where the upload stands.
                self.current = None;
            }
            UploadEvent::Answer(status) => self.answered(status, &mut out),
            UploadEvent::Failed(failure) => self.failed(failure, jitter, &mut out),
            UploadEvent::Timer => self.sleeping = false,
        }
        self.pump(&mut out);
        out
    }

    fn answered(&mut self, status: UploadStatus, out: &mut Vec<UploadEffect>) {
        let Some(current) = self.current else {
            return;
        };
        if status.hash != current.hash.to_string() {
            return;
        }
        self.backoff.reset();
        if status.complete {
            self.current = None;
            if let Some((q, next)) = self.queue.front_mut() {
                *next += 1;
                if *next >= q.blobs.len() {
                    let id = q.id.clone();
                    self.queue.pop_front();
                    out.push(UploadEffect::Done { id });
                }
            }
        } else {
            self.send_from(current, status.received, out);
        }
    }

    fn send_from(&mut self, current: Current, offset: u64, out: &mut Vec<UploadEffect>) {
        let offset = offset.min(current.size);
        out.push(UploadEffect::Send {
            hash: current.hash,
            offset,
            len: self.chunk.min(current.size - offset),
        });
    }

    fn failed(&mut self, failure: UploadFailure, jitter: f64, out: &mut Vec<UploadEffect>) {
        match failure {
            UploadFailure::Resume { hash, received } => match self.current {
                Some(current) if current.hash == hash => self.send_from(current, received, out),
                _ => {}
            },
            UploadFailure::Network => {
                self.current = None;
                let delay = self.backoff.next_delay_ms(jitter);
                self.sleep(delay, out);
            }
            UploadFailure::Busy { retry_after_s } => {
                self.current = None;
                self.sleep(retry_after_s.clamp(1, 3600) * 1000, out);
            }
            UploadFailure::Refused { message } => {
                self.current = None;
                if let Some((q, _)) = self.queue.pop_front() {
                    out.push(UploadEffect::Refused {
                        id: q.id.clone(),
                        message: message.clone(),
                    });
                    self.refused.push((q.id, message));
                }
            }
        }
    }

    fn sleep(&mut self, after_ms: u64, out: &mut Vec<UploadEffect>) {
        self.sleeping = true;
        out.push(UploadEffect::Wake { after_ms });
    }

    /// Starts the next blob when nothing is under way.
    fn pump(&mut self, out: &mut Vec<UploadEffect>) {
        if !self.online || self.sleeping || self.current.is_some() {
            return;
        }
        let Some((q, next)) = self.queue.front() else {
            return;
        };
        let Some(&(hash, size)) = q.blobs.get(*next) else {
            // A photo without blobs has nothing to upload.
            let id = q.id.clone();
            self.queue.pop_front();
            out.push(UploadEffect::Done { id });
            return self.pump(out);
        };
        self.current = Some(Current { hash, size });
        out.push(UploadEffect::Start { hash, size });
    }
}

#[cfg(test)]
mod tests;
