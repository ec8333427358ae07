//! How real providers deliver a series of callbacks, so tests can replay them the same way.
//!
//! Meta and Twilio deliver webhooks at least once, in no guaranteed order, and do not promise
//! every intermediate status: a message can go from `sent` straight to `read`. Build the
//! natural progression with a provider's `progression` constructor, then pass it through these
//! functions, e.g. `reversed(without_delivered(progression))`.

/// One status report about an outbound message.
pub trait StatusReport {
    /// Whether this is the "delivered to the device" report, the one providers most often skip.
    fn is_delivered(&self) -> bool;
}

/// Each callback delivered twice in a row (a retry after a slow answer).
pub fn duplicated<T: Clone>(items: Vec<T>) -> Vec<T> {
    items
        .into_iter()
        .flat_map(|item| [item.clone(), item])
        .collect()
}

/// The callbacks in the opposite order (the latest status arrives first).
pub fn reversed<T>(mut items: Vec<T>) -> Vec<T> {
    items.reverse();
    items
}

/// The callbacks without the `delivered` report (the handset never acknowledged delivery, or
/// the provider skipped straight to `read`).
pub fn without_delivered<T: StatusReport>(items: Vec<T>) -> Vec<T> {
    items.into_iter().filter(|i| !i.is_delivered()).collect()
}

/// The callbacks reordered by a seeded shuffle, reproducible from `seed`.
pub fn shuffled<T>(mut items: Vec<T>, seed: u64) -> Vec<T> {
    // A small xorshift keeps the order stable across rand versions and platforms.
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    for i in (1..items.len()).rev() {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let j = (state % (i as u64 + 1)) as usize;
        items.swap(i, j);
    }
    items
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Clone, Debug, PartialEq)]
    struct Step(&'static str);

    impl StatusReport for Step {
        fn is_delivered(&self) -> bool {
            self.0 == "delivered"
        }
    }

    fn steps() -> Vec<Step> {
        vec![Step("sent"), Step("delivered"), Step("read")]
    }

    #[test]
    fn duplicated_delivers_every_callback_twice_in_a_row() {
        assert_eq!(
            duplicated(steps()),
            vec![
                Step("sent"),
                Step("sent"),
                Step("delivered"),
                Step("delivered"),
                Step("read"),
                Step("read")
            ]
        );
    }

    #[test]
    fn reordering_and_skipping_compose() {
        assert_eq!(
            reversed(without_delivered(steps())),
            vec![Step("read"), Step("sent")]
        );
    }

    #[test]
    fn shuffled_is_a_reproducible_permutation() {
        let once = shuffled((0..10).collect::<Vec<_>>(), 7);
        assert_eq!(once, shuffled((0..10).collect::<Vec<_>>(), 7));
        let mut sorted = once.clone();
        sorted.sort();
        assert_eq!(sorted, (0..10).collect::<Vec<_>>());
        assert_ne!(
            once,
            (0..10).collect::<Vec<_>>(),
            "seed 7 should move something"
        );
    }
}
