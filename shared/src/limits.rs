//! Limits the relay applies to each connection and device, as pure logic
//! (time comes in as an argument): a token bucket for the message rate, a
//! cap on the documents one connection may sync, and an idle clock.

use std::collections::HashSet;

use crate::DocumentId;

/// Allows bursts of up to `capacity` messages, then `per_second` on average.
#[derive(Debug, Clone)]
pub struct TokenBucket {
    capacity: f64,
    per_second: f64,
    tokens: f64,
    last_ms: Option<u64>,
}

impl TokenBucket {
    /// A full bucket.
    pub fn new(capacity: u32, per_second: u32) -> Self {
        Self {
            capacity: f64::from(capacity),
            per_second: f64::from(per_second),
            tokens: f64::from(capacity),
            last_ms: None,
        }
    }

    /// Takes one token at `now_ms` (any monotonic clock); `false` when the
    /// bucket is empty, i.e. the sender is over its rate.
    pub fn take(&mut self, now_ms: u64) -> bool {
        if let Some(last) = self.last_ms {
            // A clock that goes backwards refills nothing.
            let elapsed = now_ms.saturating_sub(last) as f64 / 1000.0;
            self.tokens = (self.tokens + elapsed * self.per_second).min(self.capacity);
        }
        self.last_ms = Some(self.last_ms.map_or(now_ms, |last| last.max(now_ms)));
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

/// The documents one connection has touched, up to a maximum: a device
/// syncs its commune's few documents (an office some hundreds), so a
/// connection asking for thousands is enumerating or exhausting the relay.
#[derive(Debug, Clone)]
pub struct DocumentCap {
    max: usize,
    seen: HashSet<DocumentId>,
}

impl DocumentCap {
    /// At most `max` distinct documents.
    pub fn new(max: usize) -> Self {
        Self {
            max,
            seen: HashSet::new(),
        }
    }

    /// Records a message about `doc`; `false` once it would be one
    /// document too many (documents already seen stay allowed).
    pub fn admit(&mut self, doc: DocumentId) -> bool {
        if self.seen.contains(&doc) {
            return true;
        }
        if self.seen.len() >= self.max {
            return false;
        }
        self.seen.insert(doc);
        true
    }

    /// How many distinct documents so far.
    pub fn len(&self) -> usize {
        self.seen.len()
    }

    /// Whether no document was seen yet.
    pub fn is_empty(&self) -> bool {
        self.seen.is_empty()
    }
}

/// When a connection was last heard from, and whether it has been silent
/// too long. A live browser answers the relay's pings, so only a dead or
/// stuck peer stays silent.
#[derive(Debug, Clone, Copy)]
pub struct IdleClock {
    limit_ms: u64,
    last_heard_ms: u64,
}

impl IdleClock {
    /// A connection heard at `now_ms`, allowed `limit_ms` of silence.
    pub fn new(now_ms: u64, limit_ms: u64) -> Self {
        Self {
            limit_ms,
            last_heard_ms: now_ms,
        }
    }

    /// Anything arrived at `now_ms`.
    pub fn heard(&mut self, now_ms: u64) {
        self.last_heard_ms = self.last_heard_ms.max(now_ms);
    }

    /// Whether the silence at `now_ms` is longer than allowed.
    pub fn is_idle(&self, now_ms: u64) -> bool {
        now_ms.saturating_sub(self.last_heard_ms) > self.limit_ms
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bursts_up_to_capacity_then_the_rate() {
        let mut bucket = TokenBucket::new(5, 10);
        assert!((0..5).all(|_| bucket.take(0)), "a burst of 5 at once");
        assert!(!bucket.take(0), "the 6th at the same instant is over");
        assert!(!bucket.take(50), "half a token after 50 ms");
        assert!(bucket.take(100), "one token after 100 ms");
        assert!(!bucket.take(100));
        // A long pause refills to capacity, never beyond.
        assert_eq!((0..10).filter(|_| bucket.take(60_000)).count(), 5);
        // A clock stepping back refills nothing and does not panic.
        assert!(!bucket.take(1_000));
    }

    #[test]
    fn a_connection_may_sync_up_to_its_cap_of_documents() {
        let ids: Vec<DocumentId> = (0u8..4).map(|i| DocumentId::from_bytes([i; 16])).collect();
        let mut cap = DocumentCap::new(3);
        assert!(ids[..3].iter().all(|id| cap.admit(*id)));
        assert!(!cap.admit(ids[3]), "a fourth document is refused");
        assert!(cap.admit(ids[1]), "one already syncing stays allowed");
        assert_eq!(cap.len(), 3);
    }

    #[test]
    fn silence_longer_than_the_limit_is_idle() {
        let mut clock = IdleClock::new(1_000, 500);
        assert!(!clock.is_idle(1_500));
        assert!(clock.is_idle(1_501));
        clock.heard(1_400);
        assert!(!clock.is_idle(1_900));
        clock.heard(10); // an old timestamp never rewinds the clock
        assert!(clock.is_idle(1_901));
    }
}
