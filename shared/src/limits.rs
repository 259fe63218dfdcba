//! Limits the relay applies to each connection, as pure logic (time comes in
//! as an argument): a token bucket for the message rate.

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
}
