//! The streaming manager's state and its editing API: assets, placements,
//! cells and observers. The per-frame update is in `update.rs`.

use std::collections::HashMap;

use amsp_core::{AssetId, Priority};

use super::StreamingError;
use super::budget::Budgeter;
use super::cells::{CellId, CellTable, WorldCell};
use super::chain::{Chain, Level, LevelChain};
use super::config::StreamingConfig;
use super::demand::{Contribution, Demand};
use super::grid::{Member, SpatialGrid};
use super::math::{Aabb, Frustum, Sphere, Vec3};
use super::observer::{Observer, ObserverId};
use super::output::StreamingUpdate;
use super::update::Scratch;

/// Identifies a placement: a slot index and a generation, so an id of a
/// removed placement never names a later one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PlacementId(u64);

impl PlacementId {
    fn new(index: u32, generation: u32) -> Self {
        Self(u64::from(generation) << 32 | u64::from(index))
    }

    pub(crate) fn index(self) -> u32 {
        self.0 as u32
    }

    fn generation(self) -> u32 {
        (self.0 >> 32) as u32
    }
}

/// A placement to insert: an instance of an asset somewhere in the world.
#[derive(Clone, Debug, PartialEq)]
pub struct PlacementDesc {
    /// The asset it needs (registered with
    /// [`StreamingManager::register_asset`]).
    pub asset: AssetId,
    /// Its bounds in world space; the bounding sphere is derived from them.
    pub bounds: Aabb,
    /// Its load distance (from the bounds' centre); `None` for the
    /// manager's default.
    pub range: Option<f32>,
    /// The world cell it belongs to: it is then wanted exactly while the
    /// cell is.
    pub cell: Option<CellId>,
}

impl PlacementDesc {
    /// A placement of `asset` within `bounds`, with the default range and no
    /// cell.
    #[must_use]
    pub fn new(asset: AssetId, bounds: Aabb) -> Self {
        Self { asset, bounds, range: None, cell: None }
    }

    /// Sets the load distance.
    #[must_use]
    pub fn with_range(mut self, range: f32) -> Self {
        self.range = Some(range);
        self
    }

    /// Puts the placement in a world cell.
    #[must_use]
    pub fn in_cell(mut self, cell: CellId) -> Self {
        self.cell = Some(cell);
        self
    }
}

/// The streaming state of one registered asset.
#[derive(Debug)]
pub(crate) struct AssetEntry {
    pub id: AssetId,
    pub chain: Chain,
    /// Finest step requested (-1: none).
    pub requested: i8,
    /// Finest step reported loaded (-1: none).
    pub resident: i8,
    /// The priority last sent for the request in flight.
    pub sent: Priority,
    /// What its wanted placements add up to.
    pub demand: Demand,
    /// Whether the asset is in the manager's dirty list.
    pub dirty: bool,
    /// Whether the asset is in the list an update is working through.
    pub listed: bool,
    /// The target after the budget (-1: not wanted).
    pub target: i8,
    /// The priority of this update.
    pub priority: Priority,
}

#[derive(Clone, Copy, Debug)]
pub(crate) struct Slot {
    pub generation: u32,
    pub live: bool,
    pub bounds: Aabb,
}

/// An observer and what the manager remembers of it.
#[derive(Debug)]
pub(crate) struct ObserverEntry {
    pub id: ObserverId,
    pub observer: Observer,
    /// The observer as it was at the previous update (for velocity
    /// estimation and the odometers).
    pub last: Option<(Observer, Vec3)>,
}

/// Decides what should be resident, at which level and with what priority,
/// for one or more observers moving through a world of placements.
///
/// It does no I/O: each [`update`](Self::update) returns requests (first
/// loads at the coarsest level, upgrades one level at a time, new
/// priorities for requests in flight), downgrades and releases, which the
/// host turns into loads on its [`AssetServer`](crate::AssetServer) and
/// reports back with [`mark_loaded`](Self::mark_loaded).
#[derive(Debug)]
pub struct StreamingManager {
    pub(crate) config: StreamingConfig,
    pub(crate) grid: SpatialGrid,
    pub(crate) slots: Vec<Slot>,
    free: Vec<u32>,
    pub(crate) assets: Vec<AssetEntry>,
    asset_index: HashMap<AssetId, u32>,
    pub(crate) cells: CellTable,
    pub(crate) observers: Vec<ObserverEntry>,
    next_observer: u32,
    pub(crate) frame: u32,
    /// Grid cells that held active placements after the last update.
    pub(crate) active_grid_cells: Vec<u32>,
    /// Assets demanded or requested after the last update.
    pub(crate) tracked: Vec<u32>,
    pub(crate) budgeter: Budgeter,
    /// Assets whose demand changed since the last update.
    pub(crate) dirty: Vec<u32>,
    /// Bumped when every placement must be evaluated again (an observer
    /// added or removed, its view parameters changed).
    pub(crate) epoch: u32,
    /// Metres the observers' eyes and predicted end points have moved, in
    /// total.
    pub(crate) odometer: f64,
    /// Radians the observers' views have turned, in total.
    pub(crate) turn_odometer: f64,
    /// Whether the last update's demand exceeded the budget (then every
    /// wanted placement's value is kept fresh).
    pub(crate) over_budget: bool,
    pub(crate) out: StreamingUpdate,
    pub(crate) scratch: Scratch,
}

impl StreamingManager {
    /// An empty manager.
    ///
    /// # Errors
    ///
    /// [`StreamingError::InvalidGeometry`] if a distance in `config` is not
    /// positive and finite, or the unload factor is below 1.
    pub fn new(config: StreamingConfig) -> Result<Self, StreamingError> {
        let positive = |v: f32| v.is_finite() && v > 0.0;
        let valid = positive(config.grid_cell_size)
            && positive(config.default_range)
            && config.unload_factor >= 1.0
            && config.unload_factor.is_finite()
            && config.level_margin >= 0.0
            && config.level_margin.is_finite()
            && positive(config.target_error_px)
            && config.horizon >= 0.0
            && config.horizon.is_finite();
        if !valid {
            return Err(StreamingError::InvalidGeometry("streaming configuration out of range"));
        }
        Ok(Self {
            grid: SpatialGrid::new(config.grid_cell_size, config.unload_factor),
            config,
            slots: Vec::new(),
            free: Vec::new(),
            assets: Vec::new(),
            asset_index: HashMap::new(),
            cells: CellTable::default(),
            observers: Vec::new(),
            next_observer: 0,
            frame: 0,
            active_grid_cells: Vec::new(),
            tracked: Vec::new(),
            budgeter: Budgeter::default(),
            dirty: Vec::new(),
            epoch: 0,
            odometer: 0.0,
            turn_odometer: 0.0,
            over_budget: false,
            out: StreamingUpdate::default(),
            scratch: Scratch::default(),
        })
    }

    /// The configuration.
    #[must_use]
    pub fn config(&self) -> &StreamingConfig {
        &self.config
    }

    /// Changes the memory budget (takes effect at the next update).
    pub fn set_memory_budget(&mut self, bytes: u64) {
        self.config.memory_budget = bytes;
    }

    /// Registers an asset and the levels it can be loaded at.
    ///
    /// # Errors
    ///
    /// [`StreamingError::DuplicateAsset`] or
    /// [`StreamingError::InvalidChain`].
    pub fn register_asset(
        &mut self,
        id: AssetId,
        chain: &LevelChain,
    ) -> Result<(), StreamingError> {
        if self.asset_index.contains_key(&id) {
            return Err(StreamingError::DuplicateAsset(id));
        }
        let chain = Chain::new(id, chain)?;
        self.asset_index.insert(id, self.assets.len() as u32);
        self.assets.push(AssetEntry {
            id,
            requested: -1,
            resident: -1,
            sent: Priority::default(),
            demand: Demand::new(chain.step_bytes.len()),
            dirty: false,
            listed: false,
            target: -1,
            priority: Priority::default(),
            chain,
        });
        Ok(())
    }

    pub(crate) fn mark_dirty(&mut self, asset: u32) {
        let e = &mut self.assets[asset as usize];
        if !e.dirty {
            e.dirty = true;
            self.dirty.push(asset);
        }
    }

    pub(crate) fn asset(&self, id: AssetId) -> Result<u32, StreamingError> {
        self.asset_index.get(&id).copied().ok_or(StreamingError::UnknownAsset(id))
    }

    /// Adds a world cell.
    ///
    /// # Errors
    ///
    /// [`StreamingError::DuplicateCell`] or
    /// [`StreamingError::InvalidGeometry`].
    pub fn add_cell(&mut self, cell: WorldCell) -> Result<(), StreamingError> {
        self.cells.add(cell)
    }

    /// Inserts a placement.
    ///
    /// # Errors
    ///
    /// [`StreamingError::UnknownAsset`], [`StreamingError::UnknownCell`],
    /// [`StreamingError::InvalidGeometry`] for non-finite bounds or a range
    /// that is not positive and finite, or
    /// [`StreamingError::TooManyPlacements`].
    pub fn insert(&mut self, desc: &PlacementDesc) -> Result<PlacementId, StreamingError> {
        let asset = self.asset(desc.asset)?;
        let cell = desc.cell.map(|c| self.cells.index(c)).transpose()?.unwrap_or(u32::MAX);
        let range = self.check_geometry(&desc.bounds, desc.range)?;
        let index = match self.free.pop() {
            Some(i) => i,
            None => {
                let i = u32::try_from(self.slots.len())
                    .ok()
                    .filter(|&i| i < u32::MAX)
                    .ok_or(StreamingError::TooManyPlacements)?;
                self.slots.push(Slot { generation: 0, live: false, bounds: desc.bounds });
                i
            }
        };
        let slot = &mut self.slots[index as usize];
        slot.live = true;
        slot.bounds = desc.bounds;
        let sphere = desc.bounds.bounding_sphere();
        let grid_cell = self.grid.insert(Member {
            center: sphere.center,
            radius: sphere.radius,
            range,
            index,
            asset,
            world_cell: cell,
            c: Contribution::NONE,
        });
        self.cells.track(cell, grid_cell, true);
        Ok(PlacementId::new(index, slot.generation))
    }

    fn check_geometry(&self, bounds: &Aabb, range: Option<f32>) -> Result<f32, StreamingError> {
        let range = range.unwrap_or(self.config.default_range);
        let sphere_ok = bounds.bounding_sphere().radius.is_finite();
        if !(bounds.is_finite() && sphere_ok && range.is_finite() && range > 0.0) {
            return Err(StreamingError::InvalidGeometry(
                "placement bounds must be finite and its range positive and finite",
            ));
        }
        Ok(range)
    }

    fn slot(&self, id: PlacementId) -> Result<u32, StreamingError> {
        let i = id.index();
        match self.slots.get(i as usize) {
            Some(s) if s.live && s.generation == id.generation() => Ok(i),
            _ => Err(StreamingError::UnknownPlacement(id)),
        }
    }

    /// Removes a placement. What it wanted stops being wanted at the next
    /// update (unless another placement wants it).
    ///
    /// # Errors
    ///
    /// [`StreamingError::UnknownPlacement`].
    pub fn remove(&mut self, id: PlacementId) -> Result<(), StreamingError> {
        let i = self.slot(id)?;
        if let Some((grid_cell, member)) = self.grid.remove(i) {
            self.cells.track(member.world_cell, grid_cell, false);
            let a = member.asset;
            self.assets[a as usize].demand.apply(&member.c, false);
            self.mark_dirty(a);
        }
        let slot = &mut self.slots[i as usize];
        slot.live = false;
        slot.generation = slot.generation.wrapping_add(1);
        self.free.push(i);
        Ok(())
    }

    /// Moves a placement to new bounds (its range stays).
    ///
    /// # Errors
    ///
    /// [`StreamingError::UnknownPlacement`] or
    /// [`StreamingError::InvalidGeometry`].
    pub fn move_to(&mut self, id: PlacementId, bounds: Aabb) -> Result<(), StreamingError> {
        let i = self.slot(id)?;
        if !bounds.is_finite() || !bounds.bounding_sphere().radius.is_finite() {
            return Err(StreamingError::InvalidGeometry("placement bounds must be finite"));
        }
        let Some((old_cell, mut member)) = self.grid.remove(i) else {
            return Err(StreamingError::UnknownPlacement(id));
        };
        let sphere = bounds.bounding_sphere();
        member.center = sphere.center;
        member.radius = sphere.radius;
        let new_cell = self.grid.insert(member);
        if new_cell != old_cell {
            self.cells.track(member.world_cell, old_cell, false);
            self.cells.track(member.world_cell, new_cell, true);
            if member.c.step >= 0 {
                // Still active: the new grid cell must be visited.
                self.active_grid_cells.push(new_cell);
            }
        }
        self.slots[i as usize].bounds = bounds;
        Ok(())
    }

    /// The number of placements.
    #[must_use]
    pub fn len(&self) -> usize {
        self.grid.len()
    }

    /// Whether there are no placements.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.grid.len() == 0
    }

    /// The bounds of a placement.
    ///
    /// # Errors
    ///
    /// [`StreamingError::UnknownPlacement`].
    pub fn bounds(&self, id: PlacementId) -> Result<Aabb, StreamingError> {
        Ok(self.slots[self.slot(id)? as usize].bounds)
    }

    /// The level a placement needs after the last update (`None` when it is
    /// not wanted), before the budget is applied.
    ///
    /// # Errors
    ///
    /// [`StreamingError::UnknownPlacement`].
    pub fn placement_level(&self, id: PlacementId) -> Result<Option<Level>, StreamingError> {
        let i = self.slot(id)?;
        let member = self.grid.member(i).ok_or(StreamingError::UnknownPlacement(id))?;
        let chain = &self.assets[member.asset as usize].chain;
        Ok((member.c.step >= 0).then(|| chain.level(member.c.step as u8)))
    }

    fn ids(&self, indices: Vec<u32>) -> Vec<PlacementId> {
        indices
            .into_iter()
            .map(|i| PlacementId::new(i, self.slots[i as usize].generation))
            .collect()
    }

    /// The placements whose bounding sphere intersects a sphere.
    #[must_use]
    pub fn query_sphere(&self, center: Vec3, radius: f32) -> Vec<PlacementId> {
        let mut out = Vec::new();
        self.grid.query_sphere(Sphere { center, radius }, &mut out);
        self.ids(out)
    }

    /// The placements whose bounding sphere touches a frustum.
    #[must_use]
    pub fn query_frustum(&self, frustum: &Frustum) -> Vec<PlacementId> {
        let mut out = Vec::new();
        self.grid.query_frustum(frustum, &mut out);
        self.ids(out)
    }

    /// Adds an observer.
    ///
    /// # Errors
    ///
    /// [`StreamingError::InvalidObserver`].
    pub fn add_observer(&mut self, observer: Observer) -> Result<ObserverId, StreamingError> {
        observer.validate()?;
        let id = ObserverId(self.next_observer);
        self.next_observer += 1;
        self.observers.push(ObserverEntry { id, observer, last: None });
        self.epoch = self.epoch.wrapping_add(1);
        Ok(id)
    }

    /// The observer, to move or turn it before the next update (it is
    /// validated there).
    pub fn observer_mut(&mut self, id: ObserverId) -> Option<&mut Observer> {
        self.observers.iter_mut().find(|o| o.id == id).map(|o| &mut o.observer)
    }

    /// Removes an observer.
    ///
    /// # Errors
    ///
    /// [`StreamingError::UnknownObserver`].
    pub fn remove_observer(&mut self, id: ObserverId) -> Result<(), StreamingError> {
        let pos = self.observers.iter().position(|o| o.id == id);
        let pos = pos.ok_or(StreamingError::UnknownObserver(id))?;
        self.observers.remove(pos);
        self.epoch = self.epoch.wrapping_add(1);
        Ok(())
    }

    /// Records that `level` of `asset` is now resident (the host's loader
    /// finished the request). The next update may then request the next
    /// finer level.
    ///
    /// # Errors
    ///
    /// [`StreamingError::UnknownAsset`] or [`StreamingError::InvalidLevel`].
    pub fn mark_loaded(&mut self, asset: AssetId, level: Level) -> Result<(), StreamingError> {
        let a = self.asset(asset)?;
        let entry = &mut self.assets[a as usize];
        let step =
            entry.chain.step_of(level).ok_or(StreamingError::InvalidLevel { asset, level })?;
        let step = step as i8;
        // A completion for a level no longer requested (downgraded or
        // released meanwhile) is ignored.
        if step <= entry.requested {
            entry.resident = entry.resident.max(step);
        }
        Ok(())
    }

    /// Records that the asset is no longer resident at all (evicted, or its
    /// load failed): the next update requests it again if it is wanted.
    ///
    /// # Errors
    ///
    /// [`StreamingError::UnknownAsset`].
    pub fn mark_unloaded(&mut self, asset: AssetId) -> Result<(), StreamingError> {
        let a = self.asset(asset)?;
        let entry = &mut self.assets[a as usize];
        entry.requested = -1;
        entry.resident = -1;
        Ok(())
    }

    /// The level of `asset` reported resident, if any.
    ///
    /// # Errors
    ///
    /// [`StreamingError::UnknownAsset`].
    pub fn resident_level(&self, asset: AssetId) -> Result<Option<Level>, StreamingError> {
        let e = &self.assets[self.asset(asset)? as usize];
        Ok((e.resident >= 0).then(|| e.chain.level(e.resident as u8)))
    }
}
