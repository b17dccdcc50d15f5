//! What an update returns: requests, downgrades, releases and counters.

use amsp_core::{AssetId, Priority};

use super::cells::CellId;
use super::chain::Level;

/// A request for the host to load (or keep loading) one level of an asset.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct StreamRequest {
    /// The asset.
    pub asset: AssetId,
    /// The level to load (including every coarser level of the chain).
    pub level: Level,
    /// Its priority: the class from visibility (Critical: visible now and
    /// nothing resident; High: visible now at too coarse a level, or visible
    /// within the horizon; Normal: in range; Low: prefetch), the urgency
    /// from the projected size in pixels and the time until visible.
    pub priority: Priority,
}

/// Levels finer than `level` of an asset are no longer wanted: drop them
/// and cancel their requests.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Downgrade {
    /// The asset.
    pub asset: AssetId,
    /// The finest level still wanted.
    pub level: Level,
}

/// An asset that is wanted after an update.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Want {
    /// The asset.
    pub asset: AssetId,
    /// The finest level wanted (after the budget).
    pub level: Level,
    /// Its priority.
    pub priority: Priority,
    /// The finest level reported loaded, if any.
    pub resident: Option<Level>,
}

/// Counters of one update.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct UpdateStats {
    /// Grid cells whose placements were examined.
    pub grid_cells_visited: usize,
    /// Placements whose grid cells were examined.
    pub placements_visited: usize,
    /// Placements evaluated (the others could not have changed).
    pub placements_evaluated: usize,
    /// Placements wanted.
    pub placements_wanted: usize,
    /// Assets wanted after the budget.
    pub assets_wanted: usize,
    /// Bytes the wanted set would take without a budget.
    pub demanded_bytes: u64,
    /// Bytes the wanted set takes after the budget.
    pub wanted_bytes: u64,
}

/// What an update decided. Lists are in no particular order; an asset
/// appears in at most one of `loads`, `upgrades`, `reprioritized` (and may
/// also appear in `downgrades` with an upgrade below the old level).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct StreamingUpdate {
    /// First requests of newly wanted assets, at their coarsest level (mip
    /// tail, coarsest LOD).
    pub loads: Vec<StreamRequest>,
    /// The next finer level of assets whose previous level is resident and
    /// which need more.
    pub upgrades: Vec<StreamRequest>,
    /// Requests in flight whose priority changed (class, or urgency by more
    /// than the configured ratio).
    pub reprioritized: Vec<StreamRequest>,
    /// Assets that need fewer levels than requested.
    pub downgrades: Vec<Downgrade>,
    /// Assets no longer wanted at all.
    pub releases: Vec<AssetId>,
    /// World cells that became wanted (their placements are in `loads`).
    pub cells_loaded: Vec<CellId>,
    /// World cells released.
    pub cells_released: Vec<CellId>,
    /// Counters.
    pub stats: UpdateStats,
}

impl StreamingUpdate {
    pub(crate) fn clear(&mut self) {
        self.loads.clear();
        self.upgrades.clear();
        self.reprioritized.clear();
        self.downgrades.clear();
        self.releases.clear();
        self.cells_loaded.clear();
        self.cells_released.clear();
        self.stats = UpdateStats::default();
    }
}
