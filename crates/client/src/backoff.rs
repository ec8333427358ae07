//! Jittered exponential backoff, for reconnecting the stream and retrying sends.
//!
//! Delays double from `min` up to `max`, and each is drawn between half and all of that
//! ("equal jitter"), so a hundred desktops that lost the server together do not come back in
//! lock-step. The arithmetic is a pure function of the attempt number and a random fraction.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The delay before retry number `attempt` (0-based), for a random `fraction` in `[0, 1)`.
pub fn delay(attempt: u32, min: Duration, max: Duration, fraction: f64) -> Duration {
    let ceiling = min
        .saturating_mul(2u32.saturating_pow(attempt.min(20)))
        .min(max)
        .max(min);
    let fraction = fraction.clamp(0.0, 1.0);
    ceiling.mul_f64(0.5 + fraction / 2.0)
}

/// Stateful backoff: counts attempts and draws its own jitter.
#[derive(Debug, Clone)]
pub struct Backoff {
    min: Duration,
    max: Duration,
    attempt: u32,
    state: u64,
}

impl Backoff {
    pub fn new(min: Duration, max: Duration) -> Backoff {
        let seed = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0x9E37_79B9, |d| d.as_nanos() as u64);
        Backoff {
            min,
            max,
            attempt: 0,
            state: seed ^ (uuid::Uuid::now_v7().as_u128() as u64),
        }
    }

    /// The next delay; each call counts one more attempt.
    pub fn next_delay(&mut self) -> Duration {
        let fraction = self.fraction();
        let out = delay(self.attempt, self.min, self.max, fraction);
        self.attempt = self.attempt.saturating_add(1);
        out
    }

    /// Back to the shortest delay (the connection worked).
    pub fn reset(&mut self) {
        self.attempt = 0;
    }

    pub fn attempts(&self) -> u32 {
        self.attempt
    }

    /// SplitMix64: plenty for jitter, and no dependency.
    fn fraction(&mut self) -> f64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        (z >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// A random fraction in `[0, 1)` (for one-off jitter).
pub fn random_fraction() -> f64 {
    Backoff::new(Duration::ZERO, Duration::ZERO).fraction()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_double_up_to_the_cap_with_jitter_between_half_and_all() {
        let (min, max) = (Duration::from_millis(100), Duration::from_secs(2));
        let table = [
            (0, 0.0, 50),
            (0, 0.999, 99),
            (1, 0.0, 100),
            (3, 0.0, 400),
            (4, 1.0, 1600),
            (5, 1.0, 2000),
            (40, 0.0, 1000),
        ];
        for (attempt, fraction, millis) in table {
            let got = delay(attempt, min, max, fraction).as_millis();
            assert!(
                got.abs_diff(millis) <= 1,
                "attempt {attempt}, fraction {fraction}: {got} ms, expected {millis}"
            );
        }
    }

    #[test]
    fn a_backoff_counts_attempts_and_resets() {
        let mut backoff = Backoff::new(Duration::from_millis(10), Duration::from_millis(80));
        for _ in 0..10 {
            let d = backoff.next_delay();
            assert!(
                d >= Duration::from_millis(5) && d <= Duration::from_millis(80),
                "{d:?}"
            );
        }
        assert_eq!(backoff.attempts(), 10);
        backoff.reset();
        assert!(backoff.next_delay() <= Duration::from_millis(10));
    }
}
