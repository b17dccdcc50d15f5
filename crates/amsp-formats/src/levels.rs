//! Choosing which loaded level of detail a level load starts from.

use std::ops::Range;
use std::sync::Arc;

/// The loaded level a level load reuses.
pub(crate) enum Nearest<T> {
    /// A level at least as fine as the one wanted: trim it, no I/O.
    Finer(Arc<T>),
    /// A coarser level: read only the levels it lacks.
    Coarser(Arc<T>),
}

/// Of `loaded` (each with its resident range of levels, finest first),
/// the one that makes level `wanted` cheapest: the coarsest of those that
/// hold it, otherwise the finest of those coarser than it.
pub(crate) fn nearest_level<T>(
    loaded: &[Arc<T>],
    wanted: u32,
    resident: impl Fn(&T) -> Range<u32>,
) -> Option<Nearest<T>> {
    let holding = loaded
        .iter()
        .filter(|v| resident(v).start <= wanted && wanted < resident(v).end)
        .max_by_key(|v| resident(v).start);
    if let Some(v) = holding {
        return Some(Nearest::Finer(Arc::clone(v)));
    }
    loaded
        .iter()
        .filter(|v| resident(v).start > wanted)
        .min_by_key(|v| resident(v).start)
        .map(|v| Nearest::Coarser(Arc::clone(v)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pick(loaded: &[Range<u32>], wanted: u32) -> Option<(bool, Range<u32>)> {
        let values: Vec<Arc<Range<u32>>> = loaded.iter().cloned().map(Arc::new).collect();
        nearest_level(&values, wanted, Clone::clone).map(|n| match n {
            Nearest::Finer(v) => (true, (*v).clone()),
            Nearest::Coarser(v) => (false, (*v).clone()),
        })
    }

    #[test]
    fn prefers_trimming_the_coarsest_holder_then_extending_the_finest_coarser() {
        assert_eq!(pick(&[], 3), None);
        assert_eq!(pick(&[0..10, 2..10], 3), Some((true, 2..10)));
        assert_eq!(pick(&[0..10, 3..10], 3), Some((true, 3..10)));
        assert_eq!(pick(&[5..10, 7..10], 3), Some((false, 5..10)));
        assert_eq!(pick(&[5..10, 1..10], 3), Some((true, 1..10)));
        // A level past the chain's end is held by nothing: extend nothing.
        assert_eq!(pick(&[0..4, 2..4], 6), None);
    }
}
