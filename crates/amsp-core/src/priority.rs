//! Request priorities.

use std::cmp::Ordering;

use serde::{Deserialize, Serialize};

/// The coarse class of a request. Every request of a higher class is served
/// before any request of a lower class that is queued at the same stage
/// (aging, added by the scheduler, bounds how long a low class can wait).
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum PriorityClass {
    /// Background work: prefetching, far-away content.
    Low = 0,
    /// The default for explicit loads.
    #[default]
    Normal = 1,
    /// Needed soon: content about to come into view.
    High = 2,
    /// Needed now: the frame or the game cannot go on without it.
    Critical = 3,
}

impl PriorityClass {
    /// All classes, most urgent first.
    pub const ALL: [PriorityClass; 4] = [Self::Critical, Self::High, Self::Normal, Self::Low];

    /// Index from 0 (most urgent, `Critical`) to 3 (`Low`), for per-class queues.
    #[must_use]
    pub const fn queue_index(self) -> usize {
        3 - self as usize
    }
}

/// The priority that travels with a request through every stage: a class plus
/// a continuous urgency within the class (higher is more urgent).
///
/// Priorities order by class first, then urgency. A NaN urgency is stored as
/// zero so that ordering is total.
#[derive(Clone, Copy, Debug, Default, Serialize, Deserialize)]
pub struct Priority {
    /// The coarse class.
    pub class: PriorityClass,
    /// Urgency within the class; higher is more urgent.
    pub urgency: f32,
}

impl Priority {
    /// A priority of `class` with zero urgency.
    #[must_use]
    pub const fn new(class: PriorityClass) -> Self {
        Self { class, urgency: 0.0 }
    }

    /// A priority of `class` with the given urgency (NaN becomes zero).
    #[must_use]
    pub fn with_urgency(class: PriorityClass, urgency: f32) -> Self {
        Self { class, urgency: if urgency.is_nan() { 0.0 } else { urgency } }
    }

    /// The more urgent of two priorities (what a dependency inherits from its
    /// dependents).
    #[must_use]
    pub fn max(self, other: Self) -> Self {
        if other > self { other } else { self }
    }
}

impl From<PriorityClass> for Priority {
    fn from(class: PriorityClass) -> Self {
        Self::new(class)
    }
}

impl PartialEq for Priority {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Priority {}

impl PartialOrd for Priority {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Priority {
    fn cmp(&self, other: &Self) -> Ordering {
        self.class.cmp(&other.class).then_with(|| self.urgency.total_cmp(&other.urgency))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn class_dominates_urgency() {
        let low_urgent = Priority::with_urgency(PriorityClass::Low, 1e9);
        let normal = Priority::new(PriorityClass::Normal);
        assert!(normal > low_urgent);
        assert!(Priority::with_urgency(PriorityClass::Normal, 2.0) > normal);
        assert_eq!(Priority::with_urgency(PriorityClass::High, f32::NAN).urgency, 0.0);
        assert_eq!(normal.max(low_urgent), normal);
        assert_eq!(PriorityClass::Critical.queue_index(), 0);
        assert_eq!(PriorityClass::Low.queue_index(), 3);
    }
}
