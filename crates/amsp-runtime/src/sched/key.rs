//! Queue keys: one number per request that orders every stage, with aging.
//!
//! A request's *score* is its class plus its urgency squashed into `[0, 1)`,
//! minus the time it was queued divided by the aging window:
//!
//! ```text
//! score = class + squash(urgency) - queued_at / window
//! ```
//!
//! The effective priority of a request waiting since `t0`, seen at time `t`,
//! is `class + squash(urgency) + (t - t0) / window`: it gains one class per
//! window waited. Comparing two requests at the same `t` cancels `t`, so the
//! order never changes with time and a plain ordered map (O(log n) insert,
//! re-key and pop) serves it. Hence the bound: a request of class `c` is
//! served before any request of class `c'` queued more than
//! `(c' - c + 1) × window` after it.
//!
//! The squash is logarithmic: `0.5 ± log2(1 + |urgency|) / 40`, so each
//! doubling of the urgency is worth 1/40 of a class, that is 50 ms of
//! waiting with the default 2 s window, and urgencies from 2^-20 to 2^20
//! (in either sign) spread over the class. A request made a frame earlier
//! thus outranks a later one only if the later one is less than about
//! 1.3 times as urgent. Urgencies beyond that range keep their order
//! through a last term, far smaller than an octave, from the `f32`'s bits,
//! so every distinct urgency keeps its place.
//!
//! Ties (same score) go first in, first out, by a sequence number.

use std::time::Duration;

use amsp_core::Priority;

/// An order-preserving map of an `f32`'s bits onto `u32`.
fn ordered_f32(x: f32) -> u32 {
    let bits = x.to_bits();
    if bits & 0x8000_0000 != 0 { !bits } else { bits | 0x8000_0000 }
}

/// An order-preserving map of a (non-NaN) `f64`'s bits onto `u64`.
fn ordered_f64(x: f64) -> u64 {
    let bits = x.to_bits();
    if bits & (1 << 63) != 0 { !bits } else { bits | (1 << 63) }
}

/// Octaves of urgency that span half a class.
const OCTAVES: f64 = 20.0;
/// The share of a class left to the bits of urgencies beyond the octaves.
const FINE: f64 = 1.0 / (1u64 << 20) as f64;

/// An order-preserving map of an urgency into `[0, 1)`: logarithmic over
/// 2^±20, then by the `f32`'s bits (NaN counts as 0).
fn squash(urgency: f32) -> f64 {
    let u = if urgency.is_nan() { 0.0 } else { f64::from(urgency) };
    let octaves = u.signum() * (1.0 + u.abs()).log2();
    let coarse = (0.5 + 0.5 * octaves / OCTAVES).clamp(0.0, 1.0) * (1.0 - 2.0 * FINE);
    let fine = f64::from(ordered_f32(if urgency.is_nan() { 0.0 } else { urgency }))
        / 4_294_967_296.0
        * FINE;
    coarse + fine
}

/// How requests age: nanoseconds per class gained, or none.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Aging {
    window_ns: Option<f64>,
}

impl Aging {
    /// One class gained per `window` waited (`None`: no aging).
    pub fn new(window: Option<Duration>) -> Self {
        let window_ns = window.map(|w| w.as_nanos() as f64).filter(|ns| *ns >= 1.0);
        Self { window_ns }
    }

    /// The score of a request of priority `p` queued at `since_ns`
    /// (nanoseconds since the server started); larger is served first.
    pub fn score(self, p: Priority, since_ns: u64) -> u64 {
        let mut score = f64::from(p.class as u8) + squash(p.urgency);
        if let Some(window) = self.window_ns {
            // An unset time (u64::MAX) only happens for a slot queued before
            // its time was recorded; it just ages least.
            score -= since_ns as f64 / window;
        }
        ordered_f64(score)
    }
}

/// A queue key: the score, then first come first served.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct Key {
    score: u64,
    /// `u64::MAX - seq`, so that the earlier of equal scores is the larger.
    order: u64,
}

impl Key {
    pub fn new(score: u64, seq: u64) -> Self {
        Self { score, order: u64::MAX - seq }
    }

    pub fn score(self) -> u64 {
        self.score
    }

    /// The sequence number the key was made with.
    pub fn seq(self) -> u64 {
        u64::MAX - self.order
    }

    pub fn with_score(self, score: u64) -> Self {
        Self { score, ..self }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use amsp_core::PriorityClass;

    #[test]
    fn scores_order_like_priorities_without_aging() {
        let aging = Aging::new(None);
        let mut list = Vec::new();
        for class in PriorityClass::ALL {
            for urgency in [f32::NEG_INFINITY, -1e30, -3.5, 0.0, 1e-9, 2.0, 1e6, 1e6 + 1.0] {
                list.push(Priority::with_urgency(class, urgency));
            }
        }
        for a in &list {
            for b in &list {
                assert_eq!(aging.score(*a, 7).cmp(&aging.score(*b, 7)), a.cmp(b), "{a:?} {b:?}");
            }
        }
    }

    #[test]
    fn urgency_outweighs_a_few_frames_of_waiting() {
        // The default window: a request made a frame (16 ms) earlier does
        // not outrank one twice as urgent, but a tenth of a window (200 ms)
        // of waiting does.
        let aging = Aging::new(Some(Duration::from_secs(2)));
        let ms = 1_000_000u64;
        let p = |u| Priority::with_urgency(PriorityClass::High, u);
        for (older, newer) in [(100.0, 200.0), (0.5, 1.0), (-400.0, -200.0), (1e4, 2e4)] {
            assert!(aging.score(p(newer), 1000 * ms) > aging.score(p(older), 1000 * ms - 16 * ms));
            assert!(aging.score(p(newer), 1000 * ms) < aging.score(p(older), 1000 * ms - 200 * ms));
        }
    }

    #[test]
    fn waiting_one_window_per_class_gap_overtakes() {
        let window = Duration::from_millis(100);
        let aging = Aging::new(Some(window));
        let ms = 1_000_000u64;
        let low = aging.score(Priority::new(PriorityClass::Low), 1_000 * ms);
        // Critical work queued up to three windows later still goes first…
        let critical_soon =
            aging.score(Priority::with_urgency(PriorityClass::Critical, 1e9), 1_290 * ms);
        assert!(critical_soon > low);
        // …but not work queued more than (3 - 0 + 1) windows later.
        let critical_late =
            aging.score(Priority::with_urgency(PriorityClass::Critical, f32::MAX), 1_401 * ms);
        assert!(critical_late < low);
        // Hours of uptime keep distinct urgencies apart.
        let hours = 36_000_000 * ms;
        let a = aging.score(Priority::with_urgency(PriorityClass::High, 1.0), hours);
        let b = aging.score(Priority::with_urgency(PriorityClass::High, 1.000_001), hours);
        assert!(b > a);
        assert!(Key::new(a, 1) > Key::new(a, 2), "first in, first out");
    }
}
