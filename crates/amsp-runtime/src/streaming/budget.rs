//! Fitting the wanted set into a memory budget.
//!
//! Every wanted asset contributes one item per level step it wants, from
//! its coarsest step up to its target. An item is worth the asset's value
//! (how visible, near and large on screen its placements are) and costs the
//! bytes that step adds. Items are kept by value per byte, best first, with
//! two rules on top:
//!
//! - the coarsest step of an asset that is visible now (or belongs to a
//!   loaded cell bundle) outranks every other item, so it is dropped last;
//! - within one asset, a finer step is never worth more per byte than the
//!   coarser one before it (densities are capped along the chain) and is
//!   kept only if that coarser one is, so fine levels go first and what is
//!   kept is always a chain prefix.
//!
//! Items that do not fit are skipped and smaller ones after them may still
//! fill the remaining room.

/// One asset's demand, as the budget sees it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Candidate {
    /// The finest step wanted.
    pub target: u8,
    /// The asset's value (sum over its placements of tier weight × pixels).
    pub value: f32,
    /// Keep the coarsest step above all else.
    pub protect_coarsest: bool,
}

#[derive(Clone, Copy, Debug)]
struct Item {
    protected: bool,
    density: f32,
    step: u8,
    candidate: u32,
    bytes: u64,
}

/// Reusable scratch for [`Budgeter::fit`].
#[derive(Debug, Default)]
pub(crate) struct Budgeter {
    items: Vec<Item>,
}

impl Budgeter {
    /// Chooses what to keep of `candidates` within `budget` bytes.
    /// `step_bytes(i)` gives the bytes of each step of candidate `i`'s
    /// chain. On return, `kept[i]` is the finest step kept for candidate `i`
    /// (-1: none). Returns the bytes kept.
    pub fn fit<'a>(
        &mut self,
        budget: u64,
        candidates: &[Candidate],
        step_bytes: impl Fn(usize) -> &'a [u64],
        kept: &mut Vec<i8>,
    ) -> u64 {
        self.items.clear();
        for (i, c) in candidates.iter().enumerate() {
            let bytes = step_bytes(i);
            let mut cap = f32::INFINITY;
            for (step, &b) in bytes.iter().enumerate().take(usize::from(c.target) + 1) {
                let density = (c.value / (b.max(1) as f32)).min(cap);
                cap = density;
                self.items.push(Item {
                    protected: step == 0 && c.protect_coarsest,
                    density,
                    step: step as u8,
                    candidate: i as u32,
                    bytes: b,
                });
            }
        }
        self.items.sort_unstable_by(|a, b| {
            b.protected
                .cmp(&a.protected)
                .then(b.density.total_cmp(&a.density))
                .then(a.step.cmp(&b.step))
        });
        kept.clear();
        kept.resize(candidates.len(), -1);
        let mut used = 0u64;
        for item in &self.items {
            let k = &mut kept[item.candidate as usize];
            if i16::from(*k) + 1 != i16::from(item.step) {
                continue; // the coarser step was not kept
            }
            if let Some(total) = used.checked_add(item.bytes).filter(|&t| t <= budget) {
                used = total;
                *k = item.step as i8;
            }
        }
        used
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fine_steps_go_before_coarse_and_protected_coarse_last() {
        // Candidate 0: visible, value 100, steps 10/40/160 bytes.
        // Candidate 1: not visible, value 1000, steps 10/40/160.
        // Candidate 2: visible, value 1, one step of 100 bytes.
        let chains: [&[u64]; 3] = [&[10, 40, 160], &[10, 40, 160], &[100]];
        let candidates = [
            Candidate { target: 2, value: 100.0, protect_coarsest: true },
            Candidate { target: 2, value: 1000.0, protect_coarsest: false },
            Candidate { target: 0, value: 1.0, protect_coarsest: true },
        ];
        let mut b = Budgeter::default();
        let mut kept = Vec::new();
        // Everything fits.
        assert_eq!(b.fit(1000, &candidates, |i| chains[i], &mut kept), 520);
        assert_eq!(kept, vec![2, 2, 0]);
        // 300: protected coarse steps (10 + 100) first, then by density:
        // c1 s0 (100/B), c1 s1 (25/B), c0 s1 (2.5/B), c1 s2 (6.25/B)...
        // c1: 10 + 40 + 160 = 210 would exceed 300 with 110 already kept,
        // so c1 keeps step 1; c0 then takes step 1 (40): 110 + 50 + 40 = 200;
        // c0's step 2 (160) does not fit either.
        assert_eq!(b.fit(300, &candidates, |i| chains[i], &mut kept), 200);
        assert_eq!(kept, vec![1, 1, 0]);
        // 115: only the protected coarse steps and nothing of the invisible
        // asset even though its value is highest.
        assert_eq!(b.fit(115, &candidates, |i| chains[i], &mut kept), 110);
        assert_eq!(kept, vec![0, -1, 0]);
        // 5: nothing fits.
        assert_eq!(b.fit(5, &candidates, |i| chains[i], &mut kept), 0);
        assert_eq!(kept, vec![-1, -1, -1]);
    }
}
