//! The streaming manager's tuning.

/// Tuning of a [`StreamingManager`](super::StreamingManager).
#[derive(Clone, Debug, PartialEq)]
pub struct StreamingConfig {
    /// Side of the spatial grid's cells in metres (default 64).
    pub grid_cell_size: f32,
    /// Load distance of placements that do not give their own (default
    /// 300 m).
    pub default_range: f32,
    /// A loaded placement is released only beyond `range * unload_factor`
    /// (default 1.25): the distance hysteresis.
    pub unload_factor: f32,
    /// The margin between levels (default 0.25): a placement steps down to
    /// a coarser level only when that level would still do at `1 + margin`
    /// times its current pixel density.
    pub level_margin: f32,
    /// The largest geometric error an LOD may show, in pixels (default 1).
    pub target_error_px: f32,
    /// How far ahead the observers' motion is extrapolated, in seconds
    /// (default 1).
    pub horizon: f32,
    /// The memory budget for the wanted set, in bytes (default unlimited).
    pub memory_budget: u64,
    /// An observer whose position jumps further than this between updates,
    /// with an estimated velocity, is taken to have teleported (default
    /// 100 m).
    pub teleport_distance: f32,
    /// An in-flight request is re-prioritised when its class changes or its
    /// urgency changes by more than this fraction (default 0.25).
    pub reprioritize_ratio: f32,
    /// Re-evaluate a placement only when the observers have moved or turned
    /// enough that its level, its being wanted or its visibility can have
    /// changed (default true). Off, every placement within reach is
    /// evaluated at every update (the reference the incremental update is
    /// tested against).
    pub incremental: bool,
    /// Even when nothing says it can have changed, a wanted placement is
    /// re-evaluated at least every this many updates (default 8) while its
    /// asset has a request in flight or the budget is exceeded: the bound
    /// on how stale the urgency, the "visible soon" tier and the budget
    /// value behind a decision may be.
    pub max_staleness_frames: u32,
}

impl Default for StreamingConfig {
    fn default() -> Self {
        Self {
            grid_cell_size: 64.0,
            default_range: 300.0,
            unload_factor: 1.25,
            level_margin: 0.25,
            target_error_px: 1.0,
            horizon: 1.0,
            memory_budget: u64::MAX,
            teleport_distance: 100.0,
            reprioritize_ratio: 0.25,
            incremental: true,
            max_staleness_frames: 8,
        }
    }
}
