//! When to try the relay again after a connection fails.

/// Exponential backoff with full jitter, capped; reset on a good connection.
#[derive(Debug, Clone, Default)]
pub struct Backoff {
    failures: u32,
}

impl Backoff {
    /// First retry after about this long.
    pub const BASE_MS: u64 = 1_000;
    /// Never wait longer than this (a tablet that walks into coverage should
    /// sync within half a minute).
    pub const MAX_MS: u64 = 30_000;

    /// Records a failed or closed connection and returns the delay before the
    /// next attempt; `jitter` in `[0, 1)` comes from the caller's random source.
    pub fn next_delay_ms(&mut self, jitter: f64) -> u64 {
        let ceiling = Self::BASE_MS
            .saturating_mul(1 << self.failures.min(5))
            .min(Self::MAX_MS);
        self.failures = self.failures.saturating_add(1);
        // Half fixed, half random: never hammer, never wait for nothing.
        ceiling / 2 + ((ceiling / 2) as f64 * jitter.clamp(0.0, 1.0)) as u64
    }

    /// The connection worked: start again from the shortest delay.
    pub fn reset(&mut self) {
        self.failures = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grows_caps_and_resets() {
        let mut b = Backoff::default();
        let delays: Vec<u64> = (0..8).map(|_| b.next_delay_ms(1.0)).collect();
        assert_eq!(
            delays,
            vec![1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000, 30_000]
        );
        b.reset();
        assert_eq!(b.next_delay_ms(0.0), 500);
    }
}
