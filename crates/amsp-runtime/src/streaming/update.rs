//! One streaming update: what every observer sees, what each placement and
//! asset needs, the budget, and the requests, downgrades and releases that
//! follow.

use amsp_core::{AssetId, Priority, PriorityClass};

use super::StreamingError;
use super::budget::Candidate;
use super::cells::CellId;
use super::chain::Level;
use super::manager::{AssetEntry, StreamingManager};
use super::math::Vec3;
use super::observer::View;

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
    /// Placements examined.
    pub placements_visited: usize,
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
    fn clear(&mut self) {
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

/// Buffers reused between updates.
#[derive(Debug, Default)]
pub(crate) struct Scratch {
    views: Vec<View>,
    visit: Vec<u32>,
    cell_active: Vec<bool>,
    touched: Vec<u32>,
    candidates: Vec<Candidate>,
    kept: Vec<i8>,
}

/// Visibility tiers of a placement, most urgent last.
const PREFETCH: u8 = 0;
const IN_RANGE: u8 = 1;
const SOON: u8 = 2;
const VISIBLE: u8 = 3;

/// Budget value of a pixel of a placement at each tier.
const TIER_WEIGHT: [f32; 4] = [0.25, 1.0, 4.0, 8.0];

impl StreamingManager {
    /// Runs one update: `dt` is the time since the previous one, in
    /// seconds (used to estimate the velocity of observers that do not
    /// give theirs).
    ///
    /// # Errors
    ///
    /// [`StreamingError::InvalidObserver`] if an observer was changed into
    /// one that defines no view, or [`StreamingError::InvalidGeometry`] if
    /// `dt` is negative or not finite. Nothing changes then.
    pub fn update(&mut self, dt: f32) -> Result<&StreamingUpdate, StreamingError> {
        if !(dt >= 0.0 && dt.is_finite()) {
            return Err(StreamingError::InvalidGeometry("dt must be finite and not negative"));
        }
        for o in &self.observers {
            o.observer.validate()?;
        }
        self.frame = self.frame.wrapping_add(1);
        self.out.clear();
        let mut s = std::mem::take(&mut self.scratch);
        self.prepare_views(dt, &mut s);
        self.cells.update(&s.views, &mut self.out.cells_loaded, &mut self.out.cells_released);
        self.collect_grid_cells(&mut s);
        self.evaluate_placements(&mut s);
        self.apply_budget(&mut s);
        self.emit(&s);
        self.scratch = s;
        Ok(&self.out)
    }

    /// The result of the last update.
    #[must_use]
    pub fn last_update(&self) -> &StreamingUpdate {
        &self.out
    }

    /// The assets wanted after the last update, with their level and
    /// priority.
    pub fn wanted(&self) -> impl Iterator<Item = Want> + '_ {
        self.wanted_assets.iter().map(|&a| {
            let e = &self.assets[a as usize];
            Want {
                asset: e.id,
                level: e.chain.level(e.target.max(0) as u8),
                priority: e.priority,
                resident: (e.resident >= 0).then(|| e.chain.level(e.resident as u8)),
            }
        })
    }

    fn prepare_views(&mut self, dt: f32, s: &mut Scratch) {
        s.views.clear();
        let teleport = self.config.teleport_distance;
        for o in &mut self.observers {
            let pos = o.observer.position;
            let velocity = o.observer.velocity.unwrap_or_else(|| match o.last_position {
                Some(last) if dt > 0.0 && (pos - last).length() <= teleport => {
                    (pos - last) * (1.0 / dt)
                }
                _ => Vec3::ZERO,
            });
            o.last_position = Some(pos);
            s.views.push(View::new(&o.observer, velocity, self.config.horizon));
        }
    }

    /// The grid cells to examine: those any observer can reach (now or
    /// within the horizon), those of wanted world cells, and those that held
    /// wanted placements (so they are released when out of reach).
    fn collect_grid_cells(&mut self, s: &mut Scratch) {
        s.visit.clear();
        for v in &s.views {
            let travel = v.velocity.length() * v.horizon();
            self.grid.for_each_cell_near(v.position, travel, 1.0, |i, _| s.visit.push(i));
        }
        s.cell_active.clear();
        for e in &self.cells.entries {
            s.cell_active.push(e.active);
            if e.active {
                s.visit.extend(e.grid_cells.keys());
            }
        }
        s.visit.append(&mut self.active_grid_cells);
        s.visit.sort_unstable();
        s.visit.dedup();
    }

    fn evaluate_placements(&mut self, s: &mut Scratch) {
        let frame = self.frame;
        let unload = self.config.unload_factor;
        let margin = 1.0 + self.config.level_margin;
        let target_px = self.config.target_error_px;
        let assets = &mut self.assets;
        s.touched.clear();
        let stats = &mut self.out.stats;
        stats.grid_cells_visited = s.visit.len();
        for &c in &s.visit {
            let Some(cell) = self.grid.cells.get_mut(c as usize) else { continue };
            let mut any_active = false;
            stats.placements_visited += cell.members.len();
            for m in &mut cell.members {
                let in_cell = m.world_cell != u32::MAX;
                let cell_on =
                    in_cell && s.cell_active.get(m.world_cell as usize).copied().unwrap_or(false);
                if in_cell && !cell_on {
                    m.step = -1;
                    continue;
                }
                let reach = m.range * unload;
                let (mut ppu, mut in_load, mut in_unload, mut entering) =
                    (0.0f32, false, false, false);
                let (mut tier, mut urgency) = (PREFETCH, 0.0f32);
                let diameter = 2.0 * m.radius;
                for v in &s.views {
                    let Some(sight) = v.sight_if_near(m.center, m.radius, m.range, reach) else {
                        continue;
                    };
                    ppu = ppu.max(sight.ppu);
                    let px = sight.ppu * diameter;
                    in_load |= sight.distance <= m.range;
                    in_unload |= sight.distance <= reach;
                    let (t, u) = match (sight.time_to_visible, sight.time_to_range) {
                        (Some(t), _) if t <= 0.0 => (VISIBLE, px),
                        (Some(t), _) => (SOON, px / (1.0 + t)),
                        (None, Some(t)) if t <= 0.0 => (IN_RANGE, px),
                        (None, Some(t)) => {
                            entering = true;
                            (PREFETCH, px / (1.0 + t))
                        }
                        (None, None) => (PREFETCH, px * 0.5),
                    };
                    if (t, u) > (tier, urgency) {
                        (tier, urgency) = (t, u);
                    }
                }
                let was = m.step >= 0;
                // SOON implies entering range within the horizon.
                let active = cell_on || in_load || entering || tier == SOON || (was && in_unload);
                if !active {
                    m.step = -1;
                    continue;
                }
                if cell_on && tier < IN_RANGE {
                    tier = IN_RANGE;
                }
                let entry = &mut assets[m.asset as usize];
                let need = entry.chain.step_for(ppu, diameter, target_px);
                m.step = if !was || need as i8 > m.step {
                    need as i8
                } else {
                    let relaxed = entry.chain.step_for(ppu * margin, diameter, target_px) as i8;
                    relaxed.min(m.step)
                };
                any_active = true;
                stats.placements_wanted += 1;
                let value = TIER_WEIGHT[usize::from(tier)] * ppu * diameter;
                let protect = tier == VISIBLE || cell_on;
                merge_demand(
                    entry,
                    frame,
                    m.asset,
                    m.step,
                    tier,
                    urgency,
                    value,
                    protect,
                    &mut s.touched,
                );
            }
            if any_active {
                self.active_grid_cells.push(c);
            }
        }
    }

    fn apply_budget(&mut self, s: &mut Scratch) {
        let mut demanded = 0u64;
        for &a in &s.touched {
            let e = &mut self.assets[a as usize];
            demanded = demanded.saturating_add(e.chain.cumulative[e.demand as usize]);
            e.target = e.demand;
        }
        self.out.stats.demanded_bytes = demanded;
        self.out.stats.wanted_bytes = demanded;
        if demanded <= self.config.memory_budget {
            return;
        }
        s.candidates.clear();
        for &a in &s.touched {
            let e = &self.assets[a as usize];
            s.candidates.push(Candidate {
                target: e.demand as u8,
                value: e.value,
                protect_coarsest: e.protect,
            });
        }
        let assets = &self.assets;
        let touched = &s.touched;
        self.out.stats.wanted_bytes = self.budgeter.fit(
            self.config.memory_budget,
            &s.candidates,
            |i| assets[touched[i] as usize].chain.step_bytes.as_slice(),
            &mut s.kept,
        );
        for (&a, &k) in s.touched.iter().zip(&s.kept) {
            self.assets[a as usize].target = k;
        }
    }

    fn emit(&mut self, s: &Scratch) {
        let frame = self.frame;
        let ratio = self.config.reprioritize_ratio;
        let out = &mut self.out;
        for &a in &self.wanted_assets {
            let e = &mut self.assets[a as usize];
            if e.stamp != frame {
                e.target = -1;
                transition(e, ratio, out);
            }
        }
        self.wanted_assets.clear();
        for &a in &s.touched {
            let e = &mut self.assets[a as usize];
            transition(e, ratio, out);
            if e.target >= 0 {
                self.wanted_assets.push(a);
            }
        }
        out.stats.assets_wanted = self.wanted_assets.len();
    }
}

#[expect(clippy::too_many_arguments, reason = "one call site in the hot loop, all plain values")]
fn merge_demand(
    entry: &mut AssetEntry,
    frame: u32,
    asset: u32,
    step: i8,
    tier: u8,
    urgency: f32,
    value: f32,
    protect: bool,
    touched: &mut Vec<u32>,
) {
    if entry.stamp != frame {
        entry.stamp = frame;
        entry.demand = step;
        entry.tier = tier;
        entry.urgency = urgency;
        entry.value = value;
        entry.protect = protect;
        touched.push(asset);
    } else {
        entry.demand = entry.demand.max(step);
        if (tier, urgency) > (entry.tier, entry.urgency) {
            entry.tier = tier;
            entry.urgency = urgency;
        }
        entry.value += value;
        entry.protect |= protect;
    }
}

/// The priority of an asset's request from its best placement's tier and
/// what is resident.
fn priority(e: &AssetEntry) -> Priority {
    let class = match e.tier {
        VISIBLE if e.resident < 0 => PriorityClass::Critical,
        VISIBLE | SOON => PriorityClass::High,
        IN_RANGE => PriorityClass::Normal,
        _ => PriorityClass::Low,
    };
    Priority::with_urgency(class, e.urgency)
}

/// Moves an asset's request state towards its target, one level at a time.
fn transition(e: &mut AssetEntry, ratio: f32, out: &mut StreamingUpdate) {
    let target = e.target;
    if target < 0 {
        if e.requested >= 0 {
            out.releases.push(e.id);
        }
        e.requested = -1;
        e.resident = -1;
        return;
    }
    e.priority = priority(e);
    let request = |e: &AssetEntry, step: i8| StreamRequest {
        asset: e.id,
        level: e.chain.level(step as u8),
        priority: e.priority,
    };
    if e.requested < 0 {
        e.requested = 0;
        e.sent = e.priority;
        out.loads.push(request(e, 0));
        return;
    }
    if target < e.requested {
        out.downgrades.push(Downgrade { asset: e.id, level: e.chain.level(target as u8) });
        e.resident = e.resident.min(target);
        // A request in flight for a dropped level is cancelled; if the
        // target is not resident yet, the next step is requested below.
        e.requested = target.min(e.resident.max(0));
        if e.resident < 0 {
            // Nothing resident: the coarsest level stays requested.
            return;
        }
    }
    if e.requested == e.resident && target > e.resident {
        e.requested += 1;
        e.sent = e.priority;
        out.upgrades.push(request(e, e.requested));
    } else if e.requested > e.resident {
        let changed = e.priority.class != e.sent.class
            || (e.priority.urgency - e.sent.urgency).abs() > ratio * e.sent.urgency.abs().max(1e-6);
        if changed {
            e.sent = e.priority;
            out.reprioritized.push(request(e, e.requested));
        }
    }
}
