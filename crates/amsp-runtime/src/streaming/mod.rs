//! The streaming manager: what should be resident, at which level and with
//! what priority, for observers moving through a world of placements.
//!
//! The manager is pure computation: each [`StreamingManager::update`]
//! returns what to request, upgrade, re-prioritise, downgrade and release.
//! A [`Streamer`] carries that out through an
//! [`AssetServer`](crate::AssetServer): one
//! [`load_level`](crate::AssetServer::load_level) request per asset and
//! level, with the manager's priority, re-prioritised and cancelled as the
//! manager decides, and completions reported back with
//! [`StreamingManager::mark_loaded`]. A host with its own loading calls the
//! manager directly.
//!
//! - **Placements** ([`PlacementDesc`]): an instance of an asset with
//!   bounds, a load distance and optionally a [`WorldCell`]. Assets are
//!   registered once with their [`LevelChain`]: a mesh's LOD chain
//!   (coarsest first), a texture's mip chain, or a whole asset.
//! - **Index**: a loose uniform grid over x/z whose cells keep the box and
//!   the largest reach of their members; insert, remove and move are O(1);
//!   [`query_sphere`](StreamingManager::query_sphere) and
//!   [`query_frustum`](StreamingManager::query_frustum) test cell boxes
//!   first.
//! - **Observers** ([`Observer`]): position, velocity (given or estimated),
//!   orientation, field of view, viewport. For each placement within reach
//!   of an observer an update computes the projected size (pixels per
//!   metre), whether it is in the frustum, and the exact time at which it
//!   will enter the frustum and its range under constant velocity within
//!   the prediction horizon (a turning observer's frustum is also sampled
//!   over the horizon). Several observers: the most demanding wins.
//! - **Levels**: an LOD is the coarsest whose geometric error projects to at
//!   most `target_error_px`; a mip is the finest whose texels are about a
//!   pixel. Requests start at the coarsest level (mip tail, coarsest LOD)
//!   and upgrade one level at a time as the previous one is reported loaded.
//! - **Hysteresis**: a placement loads within its range and is released
//!   beyond `range * unload_factor`; it steps to a coarser level only when
//!   that level would do at `1 + level_margin` times its current pixel
//!   density. World cells have load and unload radii.
//! - **Priorities**: Critical when visible now and nothing is resident,
//!   High when visible at too coarse a level or visible within the horizon,
//!   Normal when in range, Low for prefetch; urgency from the projected
//!   size and the time until visible.
//! - **Incremental**: an update evaluates a placement again only when the
//!   observers have moved (eye or predicted end point) or turned further
//!   than its slack — the distance to its next load, unload, level or
//!   frustum threshold — or, for a wanted placement, when
//!   `max_staleness_frames` have passed (the bound on how stale its urgency
//!   may be). Grid cells none of whose placements is due are skipped whole.
//!   Assets sum their placements' contributions, updated as they change.
//!   Decisions are the same as a full update's (tested).
//! - **Budget**: above the memory budget, levels are kept by value per byte
//!   (visibility tier × pixels), fine levels dropped before coarse ones and
//!   the coarsest level of what is visible dropped last.
//!
//! ```
//! use amsp_core::{AssetId, PriorityClass};
//! use amsp_runtime::streaming::{
//!     Aabb, Level, LevelChain, MipChain, Observer, PlacementDesc, StreamingConfig,
//!     StreamingManager, Vec3,
//! };
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let mut manager = StreamingManager::new(StreamingConfig::default())?;
//! let rock = AssetId::from_u128(1);
//! let mips = (0..11).map(|m| (1024u64 >> m).max(1).pow(2)).collect();
//! manager.register_asset(rock, &LevelChain::Mip(MipChain::new(1024, 1024, mips)))?;
//! let bounds = Aabb::from_center(Vec3::new(0.0, 0.0, 20.0), Vec3::new(1.0, 1.0, 1.0));
//! manager.insert(&PlacementDesc::new(rock, bounds).with_range(100.0))?;
//! manager.add_observer(Observer::new(Vec3::ZERO, Vec3::Z))?;
//!
//! let update = manager.update(1.0 / 60.0)?;
//! // Visible and nothing resident: the mip tail first, at Critical.
//! assert_eq!(update.loads.len(), 1);
//! assert_eq!(update.loads[0].level, Level::Mip(4));
//! assert_eq!(update.loads[0].priority.class, PriorityClass::Critical);
//!
//! manager.mark_loaded(rock, Level::Mip(4))?;
//! let update = manager.update(1.0 / 60.0)?;
//! assert_eq!(update.upgrades[0].level, Level::Mip(3)); // one level finer
//! # Ok(())
//! # }
//! ```

mod budget;
mod cells;
mod chain;
mod config;
mod demand;
mod error;
mod evaluate;
mod grid;
mod host;
mod manager;
mod math;
mod observer;
mod output;
mod update;

pub use cells::{CellId, WorldCell};
pub use chain::{Level, LevelChain, LodLevel, MAX_LEVELS, MipChain};
pub use config::StreamingConfig;
pub use error::StreamingError;
pub use host::{Streamer, StreamerStats};
pub use manager::{PlacementDesc, PlacementId, StreamingManager};
pub use math::{Aabb, Frustum, Plane, Sphere, Vec3};
pub use observer::{Observer, ObserverId};
pub use output::{Downgrade, StreamRequest, StreamingUpdate, UpdateStats, Want};
