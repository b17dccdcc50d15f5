//! What the wanted placements of one asset add up to, kept up to date by
//! adding and removing each placement's contribution as it changes, so an
//! update only touches the placements it re-evaluates.

/// One placement's contribution to its asset's demand.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub(crate) struct Contribution {
    /// The level step it needs (-1: not wanted; then it contributes
    /// nothing).
    pub step: i8,
    /// Its visibility tier (0 prefetch … 3 visible now).
    pub tier: u8,
    /// Its urgency within the tier.
    pub urgency: f32,
    /// Its budget value.
    pub value: f32,
    /// Whether its asset's coarsest step is protected from the budget.
    pub protect: bool,
}

impl Contribution {
    /// Contributes nothing.
    pub const NONE: Self = Self { step: -1, tier: 0, urgency: 0.0, value: 0.0, protect: false };
}

/// The sum of the contributions of an asset's wanted placements.
#[derive(Clone, Debug, Default)]
pub(crate) struct Demand {
    /// Wanted placements per step.
    step_counts: Vec<u32>,
    /// Wanted placements per tier.
    tier_counts: [u32; 4],
    /// Wanted placements that protect the coarsest step.
    protect: u32,
    /// Sum of values (f64: added and removed many times).
    value: f64,
    /// The highest urgency seen per tier in this window of frames and in
    /// the previous one: every placement is re-evaluated at least once a
    /// window, so together they cover all of them.
    best: [f32; 4],
    best_previous: [f32; 4],
    /// Whether a placement was observed in this window.
    seen: bool,
}

impl Demand {
    /// An empty demand for a chain of `steps` steps.
    pub fn new(steps: usize) -> Self {
        Self { step_counts: vec![0; steps], ..Self::default() }
    }

    /// Adds (`add`) or removes (`!add`) a contribution.
    pub fn apply(&mut self, c: &Contribution, add: bool) {
        if c.step < 0 {
            return;
        }
        let bump = |n: &mut u32| *n = if add { *n + 1 } else { n.saturating_sub(1) };
        if let Some(n) = self.step_counts.get_mut(c.step as usize) {
            bump(n);
        }
        bump(&mut self.tier_counts[usize::from(c.tier.min(3))]);
        if c.protect {
            bump(&mut self.protect);
        }
        let v = f64::from(c.value);
        self.value = if add { self.value + v } else { (self.value - v).max(0.0) };
        if self.wanted() == 0 {
            // Exact zero when nothing is left (no drift carried over).
            self.value = 0.0;
        }
    }

    /// Records the urgency of a re-evaluated wanted placement.
    pub fn observe(&mut self, c: &Contribution) {
        if c.step >= 0 {
            let b = &mut self.best[usize::from(c.tier.min(3))];
            *b = b.max(c.urgency);
            self.seen = true;
        }
    }

    /// Starts a new window of frames. A window in which no placement was
    /// observed (none is due: nothing waits on this asset) keeps the last
    /// values.
    pub fn roll_window(&mut self) {
        if self.seen {
            self.best_previous = self.best;
            self.best = [0.0; 4];
            self.seen = false;
        }
    }

    /// The number of wanted placements.
    pub fn wanted(&self) -> u32 {
        self.tier_counts.iter().sum()
    }

    /// The finest step any wanted placement needs (-1: none).
    pub fn step(&self) -> i8 {
        self.step_counts.iter().rposition(|&n| n > 0).map_or(-1, |s| s as i8)
    }

    /// The highest tier of a wanted placement.
    pub fn tier(&self) -> u8 {
        self.tier_counts.iter().rposition(|&n| n > 0).map_or(0, |t| t as u8)
    }

    /// The urgency of the most urgent placement of the highest tier seen in
    /// the last two windows (0 if none of that tier was seen).
    pub fn urgency(&self) -> f32 {
        let tier = usize::from(self.tier());
        self.best[tier].max(self.best_previous[tier])
    }

    /// The summed value.
    pub fn value(&self) -> f32 {
        self.value as f32
    }

    /// Whether a wanted placement protects the coarsest step.
    pub fn protected(&self) -> bool {
        self.protect > 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adding_and_removing_contributions() {
        let mut d = Demand::new(4);
        let a = Contribution { step: 2, tier: 3, urgency: 5.0, value: 10.0, protect: true };
        let b = Contribution { step: 1, tier: 1, urgency: 50.0, value: 1.0, protect: false };
        d.apply(&a, true);
        d.apply(&b, true);
        d.apply(&Contribution::NONE, true);
        d.observe(&a);
        d.observe(&b);
        assert_eq!((d.step(), d.tier(), d.urgency(), d.wanted()), (2, 3, 5.0, 2));
        assert!(d.protected());
        assert_eq!(d.value(), 11.0);
        d.apply(&a, false);
        assert_eq!((d.step(), d.tier(), d.wanted()), (1, 1, 1));
        assert!(!d.protected());
        // b was seen this window at tier 1.
        assert_eq!(d.urgency(), 50.0);
        d.roll_window();
        d.roll_window();
        // Nothing observed in the last window: the last values stay.
        assert_eq!(d.urgency(), 50.0);
        d.observe(&a);
        d.roll_window();
        d.roll_window();
        assert_eq!(d.urgency(), 0.0);
        d.apply(&b, false);
        assert_eq!((d.step(), d.wanted(), d.value()), (-1, 0, 0.0));
    }
}
