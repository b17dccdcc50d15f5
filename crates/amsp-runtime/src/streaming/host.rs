//! The streamer: a streaming manager's decisions carried out through an
//! asset server.

use std::any::Any;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use amsp_core::{AssetId, Priority};

use super::chain::{Level, LevelChain};
use super::error::StreamingError;
use super::manager::StreamingManager;
use super::output::{StreamRequest, StreamingUpdate};
use crate::asset::Asset;
use crate::error::{LoadError, LoadState};
use crate::handle::Handle;
use crate::server::AssetServer;

/// Counters of a [`Streamer`] since it was made.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct StreamerStats {
    /// Level requests made to the server.
    pub requests: u64,
    /// Level requests that loaded.
    pub loaded: u64,
    /// Level requests that failed.
    pub failed: u64,
    /// Level requests dropped before they loaded (cancelled in the server).
    pub cancelled: u64,
    /// Level requests in flight now.
    pub in_flight: usize,
}

/// Drives a [`StreamingManager`] through an [`AssetServer`], one level
/// request per asset at a time.
///
/// Each update it reports the levels that finished loading to the manager,
/// runs the manager, and turns the result into server requests:
///
/// - **loads and upgrades**: a [`AssetServer::load_level`] request for the
///   level, with the manager's priority. The loader extends the level it
///   already has, so one step finer reads one level's chunks;
/// - **re-prioritised** requests: [`AssetServer::set_priority`] on the
///   handle in flight;
/// - **downgrades**: a request in flight for a finer level is dropped (and
///   so cancelled at whatever stage it is), and a finer resident level is
///   replaced by the wanted one, trimmed from it with no I/O;
/// - **releases**: every handle of the asset is dropped; the server unloads
///   it under its memory budget or at
///   [`AssetServer::unload_unused`].
///
/// The finest loaded level stays available through [`Streamer::get`] until
/// the level replacing it has loaded, so a drawn asset never disappears
/// while it changes level.
///
/// ```no_run
/// # use amsp_runtime::AssetServer;
/// # use amsp_runtime::streaming::{Observer, StreamingConfig, StreamingManager, Streamer, Vec3};
/// # fn f(server: &AssetServer) -> Result<(), Box<dyn std::error::Error>> {
/// let mut streamer = Streamer::new(StreamingManager::new(StreamingConfig::default())?);
/// // streamer.register::<Texture>(id, &chain)?; streamer.manager_mut().insert(...)?;
/// let eye = streamer.manager_mut().add_observer(Observer::new(Vec3::ZERO, Vec3::Z))?;
/// loop {
///     // Move the observer, then:
///     streamer.update(server, 1.0 / 60.0)?;
///     // Draw with streamer.get::<Texture>(id), the finest level loaded.
/// #   break;
/// }
/// # Ok(()) }
/// ```
pub struct Streamer {
    manager: StreamingManager,
    entries: HashMap<AssetId, Box<dyn LevelSlots>>,
    in_flight: HashSet<AssetId>,
    /// Levels asked for that were already held: reported loaded at the
    /// next poll.
    held: Vec<(AssetId, Level)>,
    failures: Vec<(AssetId, LoadError)>,
    stats: StreamerStats,
}

impl std::fmt::Debug for Streamer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Streamer")
            .field("assets", &self.entries.len())
            .field("stats", &self.stats)
            .finish_non_exhaustive()
    }
}

impl Streamer {
    /// A streamer around `manager` (with its placements and observers, or
    /// none yet).
    #[must_use]
    pub fn new(manager: StreamingManager) -> Self {
        Self {
            manager,
            entries: HashMap::new(),
            in_flight: HashSet::new(),
            held: Vec::new(),
            failures: Vec::new(),
            stats: StreamerStats::default(),
        }
    }

    /// Registers `asset`, streamed as a `T` with the levels of `chain`
    /// (registered with the manager too).
    ///
    /// # Errors
    /// As [`StreamingManager::register_asset`].
    pub fn register<T: Asset>(
        &mut self,
        asset: AssetId,
        chain: &LevelChain,
    ) -> Result<(), StreamingError> {
        self.manager.register_asset(asset, chain)?;
        self.entries.insert(asset, Box::new(Slots::<T>::default()));
        Ok(())
    }

    /// The manager: placements, observers, budget.
    #[must_use]
    pub fn manager(&self) -> &StreamingManager {
        &self.manager
    }

    /// The manager, to insert placements and move observers.
    pub fn manager_mut(&mut self) -> &mut StreamingManager {
        &mut self.manager
    }

    /// Reports finished requests to the manager, runs its update and
    /// carries out what it decided; returns the update.
    ///
    /// # Errors
    /// As [`StreamingManager::update`].
    pub fn update(
        &mut self,
        server: &AssetServer,
        dt: f32,
    ) -> Result<&StreamingUpdate, StreamingError> {
        self.update_with(server, dt, |r| r.priority)
    }

    /// [`update`](Self::update) with the priority of each request set by
    /// `priority` (given the manager's request and its priority): to weigh
    /// a subsystem's assets, or to serve them in another order.
    ///
    /// # Errors
    /// As [`StreamingManager::update`].
    pub fn update_with(
        &mut self,
        server: &AssetServer,
        dt: f32,
        mut priority: impl FnMut(&StreamRequest) -> Priority,
    ) -> Result<&StreamingUpdate, StreamingError> {
        self.poll()?;
        let update = self.manager.update(dt)?;
        for id in &update.releases {
            if let Some(entry) = self.entries.get_mut(id) {
                self.stats.cancelled += u64::from(entry.release());
                self.in_flight.remove(id);
            }
        }
        for d in &update.downgrades {
            let Some(entry) = self.entries.get_mut(&d.asset) else { continue };
            let (dropped, requested) = entry.downgrade(server, d.asset, d.level);
            self.stats.cancelled += u64::from(dropped);
            self.stats.requests += u64::from(requested);
            if entry.pending().is_some() {
                self.in_flight.insert(d.asset);
            } else {
                self.in_flight.remove(&d.asset);
            }
        }
        for r in update.loads.iter().chain(&update.upgrades).chain(&update.reprioritized) {
            let Some(entry) = self.entries.get_mut(&r.asset) else { continue };
            let (dropped, requested) = entry.request(server, r.asset, r.level, priority(r));
            self.stats.cancelled += u64::from(dropped);
            self.stats.requests += u64::from(requested);
            if !requested && entry.pending().is_none() && entry.current() == Some(r.level) {
                // Asked for the level it holds (after a downgrade it had
                // not finished): the manager learns it is resident.
                self.held.push((r.asset, r.level));
            }
            if entry.pending().is_some() {
                self.in_flight.insert(r.asset);
            }
        }
        self.stats.in_flight = self.in_flight.len();
        Ok(update)
    }

    /// Reports the requests that finished since the last call to the
    /// manager (an update does this first). A failed level is not asked
    /// for again until the asset is released and wanted anew; its error
    /// waits in [`take_failures`](Self::take_failures).
    ///
    /// # Errors
    /// [`StreamingError`] if the manager refuses a completion (a bug).
    pub fn poll(&mut self) -> Result<(), StreamingError> {
        for (id, level) in std::mem::take(&mut self.held) {
            self.manager.mark_loaded(id, level)?;
        }
        let mut done = Vec::new();
        for &id in &self.in_flight {
            let Some(entry) = self.entries.get_mut(&id) else { continue };
            match entry.poll() {
                Polled::Pending => {}
                Polled::Loaded(level) => {
                    self.manager.mark_loaded(id, level)?;
                    self.stats.loaded += 1;
                    done.push(id);
                }
                Polled::Failed(err) => {
                    self.stats.failed += 1;
                    self.failures.push((id, err));
                    done.push(id);
                }
            }
        }
        for id in done {
            self.in_flight.remove(&id);
        }
        self.stats.in_flight = self.in_flight.len();
        Ok(())
    }

    /// The finest loaded level of `asset` as a `T` (the value the renderer
    /// draws), or `None` while none is loaded or if it is registered as
    /// another type.
    #[must_use]
    pub fn get<T: Asset>(&self, asset: AssetId) -> Option<Arc<T>> {
        let slots = self.entries.get(&asset)?.as_any().downcast_ref::<Slots<T>>()?;
        slots.current.as_ref().and_then(|(_, h)| h.slot().get())
    }

    /// The level of `asset` loaded and held, if any.
    #[must_use]
    pub fn loaded_level(&self, asset: AssetId) -> Option<Level> {
        self.entries.get(&asset)?.current()
    }

    /// The level of `asset` requested and not loaded yet, if any.
    #[must_use]
    pub fn pending_level(&self, asset: AssetId) -> Option<Level> {
        self.entries.get(&asset)?.pending()
    }

    /// The requests that failed since the last call, with their errors.
    pub fn take_failures(&mut self) -> Vec<(AssetId, LoadError)> {
        std::mem::take(&mut self.failures)
    }

    /// Counters.
    #[must_use]
    pub fn stats(&self) -> StreamerStats {
        self.stats
    }
}

/// How a pending request stands.
enum Polled {
    Pending,
    Loaded(Level),
    Failed(LoadError),
}

/// The level handles of one asset, whatever its type.
trait LevelSlots: Send + Sync {
    /// Wants `level` at `priority`: re-prioritises the request in flight
    /// for it, or replaces any other with a new one. Returns whether a
    /// request was dropped and whether one was made.
    fn request(
        &mut self,
        server: &AssetServer,
        id: AssetId,
        level: Level,
        priority: Priority,
    ) -> (bool, bool);
    /// Keeps nothing finer than `level`.
    fn downgrade(&mut self, server: &AssetServer, id: AssetId, level: Level) -> (bool, bool);
    /// Drops every handle; returns whether a request in flight was dropped.
    fn release(&mut self) -> bool;
    fn poll(&mut self) -> Polled;
    fn current(&self) -> Option<Level>;
    fn pending(&self) -> Option<Level>;
    fn as_any(&self) -> &dyn Any;
}

struct Slots<T: Asset> {
    /// The finest level loaded, drawn until its replacement loads.
    current: Option<(Level, Handle<T>)>,
    /// The level requested.
    pending: Option<(Level, Handle<T>)>,
    /// A level whose load failed: not requested again until released.
    failed: Option<Level>,
}

impl<T: Asset> Default for Slots<T> {
    fn default() -> Self {
        Self { current: None, pending: None, failed: None }
    }
}

/// A level as the server's level number (`None`: the whole asset); lower
/// is finer.
fn server_level(level: Level) -> Option<u8> {
    match level {
        Level::Lod(n) | Level::Mip(n) => Some(n),
        Level::Whole => None,
    }
}

/// Whether `a` is a finer level than `b`.
fn finer(a: Level, b: Level) -> bool {
    matches!((server_level(a), server_level(b)), (Some(x), Some(y)) if x < y)
}

impl<T: Asset> Slots<T> {
    fn start(&mut self, server: &AssetServer, id: AssetId, level: Level, priority: Priority) {
        let handle = match server_level(level) {
            Some(n) => server.load_level::<T>(id, n, priority),
            None => server.load_with_priority::<T>(id, priority),
        };
        self.pending = Some((level, handle));
    }
}

impl<T: Asset> LevelSlots for Slots<T> {
    fn request(
        &mut self,
        server: &AssetServer,
        id: AssetId,
        level: Level,
        priority: Priority,
    ) -> (bool, bool) {
        if let Some((l, handle)) = &self.pending
            && *l == level
        {
            server.set_priority(handle, priority);
            return (false, false);
        }
        if self.current.as_ref().is_some_and(|(l, _)| *l == level) || self.failed == Some(level) {
            let dropped = self.pending.take().is_some();
            return (dropped, false);
        }
        let dropped = self.pending.is_some();
        self.start(server, id, level, priority);
        (dropped, true)
    }

    fn downgrade(&mut self, server: &AssetServer, id: AssetId, level: Level) -> (bool, bool) {
        let mut dropped = false;
        if self.pending.as_ref().is_some_and(|(l, _)| finer(*l, level)) {
            self.pending = None;
            dropped = true;
        }
        if self.failed.is_some_and(|l| finer(l, level)) {
            self.failed = None;
        }
        let trim =
            self.current.as_ref().filter(|(l, _)| finer(*l, level)).map(|(_, h)| h.priority());
        match trim {
            Some(priority) if self.pending.is_none() => {
                self.start(server, id, level, priority);
                (dropped, true)
            }
            _ => (dropped, false),
        }
    }

    fn release(&mut self) -> bool {
        self.current = None;
        self.failed = None;
        self.pending.take().is_some()
    }

    fn poll(&mut self) -> Polled {
        let Some((level, handle)) = &self.pending else { return Polled::Pending };
        match handle.state() {
            LoadState::Loaded => {
                let level = *level;
                self.current = self.pending.take();
                Polled::Loaded(level)
            }
            LoadState::Failed(err) => {
                self.failed = Some(*level);
                self.pending = None;
                Polled::Failed(err)
            }
            _ => Polled::Pending,
        }
    }

    fn current(&self) -> Option<Level> {
        self.current.as_ref().map(|(l, _)| *l)
    }

    fn pending(&self) -> Option<Level> {
        self.pending.as_ref().map(|(l, _)| *l)
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}
