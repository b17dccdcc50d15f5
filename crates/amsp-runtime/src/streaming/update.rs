//! One streaming update: what every observer sees, what each placement and
//! asset needs, the budget, and the requests, downgrades and releases that
//! follow.

use amsp_core::{Priority, PriorityClass};

use super::StreamingError;
use super::budget::Candidate;
use super::evaluate::{IN_RANGE, Params, SOON, VISIBLE, evaluate};
use super::grid::Due;
use super::manager::{AssetEntry, StreamingManager};
use super::math::Vec3;
use super::observer::{Observer, View};
use super::output::{Downgrade, StreamRequest, StreamingUpdate, Want};

/// Buffers reused between updates.
#[derive(Debug, Default)]
pub(crate) struct Scratch {
    views: Vec<View>,
    visit: Vec<u32>,
    cell_active: Vec<bool>,
    live: Vec<u32>,
    candidates: Vec<Candidate>,
    kept: Vec<i8>,
    toggled: Vec<u32>,
}

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
        let window = self.config.max_staleness_frames.max(1);
        if self.frame.is_multiple_of(window) {
            for e in &mut self.assets {
                e.demand.roll_window();
            }
        }
        self.out.clear();
        let mut s = std::mem::take(&mut self.scratch);
        self.prepare_views(dt, &mut s);
        s.toggled.clear();
        s.visit.clear();
        self.cells.update(
            &s.views,
            &mut self.out.cells_loaded,
            &mut self.out.cells_released,
            &mut s.toggled,
        );
        for &c in &s.toggled {
            let grid_cells: Vec<u32> =
                self.cells.entries[c as usize].grid_cells.keys().copied().collect();
            for g in grid_cells {
                self.grid.invalidate(g);
                s.visit.push(g);
            }
        }
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
        self.tracked.iter().filter(|&&a| self.assets[a as usize].target >= 0).map(|&a| {
            let e = &self.assets[a as usize];
            Want {
                asset: e.id,
                level: e.chain.level(e.target.max(0) as u8),
                priority: e.priority,
                resident: (e.resident >= 0).then(|| e.chain.level(e.resident as u8)),
            }
        })
    }

    /// Builds the views and advances the odometers; a change of view
    /// parameters (field of view, viewport, near, far) makes everything due.
    fn prepare_views(&mut self, dt: f32, s: &mut Scratch) {
        s.views.clear();
        let teleport = self.config.teleport_distance;
        let horizon = self.config.horizon;
        for o in &mut self.observers {
            let pos = o.observer.position;
            let yaw_rate = o.observer.yaw_rate.unwrap_or_else(|| match &o.last {
                Some((last, _)) if dt > 0.0 => {
                    let turn = yaw_between(last.forward, o.observer.forward);
                    if turn.abs() <= std::f32::consts::FRAC_PI_2 { turn / dt } else { 0.0 }
                }
                _ => 0.0,
            });
            let velocity = o.observer.velocity.unwrap_or_else(|| match &o.last {
                Some((last, _)) if dt > 0.0 && (pos - last.position).length() <= teleport => {
                    (pos - last.position) * (1.0 / dt)
                }
                _ => Vec3::ZERO,
            });
            if let Some((last, last_velocity)) = &o.last {
                let moved =
                    (pos - last.position).length() + (velocity - *last_velocity).length() * horizon;
                self.odometer += f64::from(moved);
                self.turn_odometer += f64::from(
                    angle(last.forward, o.observer.forward) + angle(last.up, o.observer.up),
                );
                if view_changed(last, &o.observer) {
                    self.epoch = self.epoch.wrapping_add(1);
                }
            }
            o.last = Some((o.observer.clone(), velocity));
            s.views.push(View::new(&o.observer, velocity, yaw_rate, horizon));
        }
    }

    /// The grid cells to examine: those any observer can reach (now or
    /// within the horizon), those of wanted world cells, and those that held
    /// wanted placements (so they are released when out of reach).
    fn collect_grid_cells(&mut self, s: &mut Scratch) {
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
        let epoch = self.epoch;
        let (lin, turn) = (self.odometer, self.turn_odometer);
        let incremental = self.config.incremental;
        let window = self.config.max_staleness_frames.max(1);
        let params = Params {
            unload: self.config.unload_factor,
            margin: 1.0 + self.config.level_margin,
            target_px: self.config.target_error_px,
        };
        let refresh_all = self.over_budget;
        let stats = &mut self.out.stats;
        stats.grid_cells_visited = s.visit.len();
        for &c in &s.visit {
            let Some(cell) = self.grid.cells.get_mut(c as usize) else { continue };
            let fresh = !incremental || cell.epoch != epoch;
            cell.epoch = epoch;
            if !fresh && !cell.next.passed(lin, turn, frame) {
                if cell.active > 0 {
                    self.active_grid_cells.push(c);
                }
                continue;
            }
            stats.placements_visited += cell.members.len();
            let mut next = Due::NEVER;
            // Each cell has its own phase in the window, so the refreshes
            // spread evenly over the frames.
            let refresh = frame.wrapping_add(window - frame.wrapping_add(c) % window);
            for (m, due) in cell.members.iter_mut().zip(cell.due.iter_mut()) {
                if !fresh && !due.passed(lin, turn, frame) {
                    next = next.min(*due);
                    continue;
                }
                if !fresh && !refresh_all && lin < due.lin && turn < due.turn {
                    // Due only to refresh its urgency: that matters only while
                    // its asset has a request in flight (or the budget is
                    // exceeded, for its value).
                    let e = &self.assets[m.asset as usize];
                    if e.requested >= 0 && e.requested <= e.resident {
                        due.frame = refresh;
                        next = next.min(*due);
                        continue;
                    }
                }
                stats.placements_evaluated += 1;
                let cell_on = if m.world_cell == u32::MAX {
                    None
                } else {
                    Some(s.cell_active.get(m.world_cell as usize).copied().unwrap_or(false))
                };
                let entry = &mut self.assets[m.asset as usize];
                let (new, slack, turn_slack) =
                    evaluate(m, &s.views, cell_on, &entry.chain, &params);
                *due = Due {
                    lin: lin + f64::from(slack.max(0.0)),
                    turn: turn + f64::from(turn_slack.max(0.0)),
                    // Only a wanted placement's urgency and tier matter.
                    frame: if new.step >= 0 { refresh } else { u32::MAX },
                };
                next = next.min(*due);
                if new != m.c {
                    entry.demand.apply(&m.c, false);
                    entry.demand.apply(&new, true);
                    cell.active = cell.active + u32::from(new.step >= 0) - u32::from(m.c.step >= 0);
                    if !entry.dirty {
                        entry.dirty = true;
                        self.dirty.push(m.asset);
                    }
                }
                if new.step >= 0 {
                    entry.demand.observe(&new);
                    if !entry.dirty {
                        entry.dirty = true;
                        self.dirty.push(m.asset);
                    }
                }
                m.c = new;
            }
            cell.next = next;
            if cell.active > 0 {
                self.active_grid_cells.push(c);
            }
        }
    }

    fn apply_budget(&mut self, s: &mut Scratch) {
        // The assets to look at: demanded or requested before, or changed
        // since.
        s.live.clear();
        s.live.append(&mut self.tracked);
        for &a in &s.live {
            self.assets[a as usize].listed = true;
        }
        for &a in &self.dirty {
            let e = &mut self.assets[a as usize];
            e.dirty = false;
            if !e.listed {
                e.listed = true;
                s.live.push(a);
            }
        }
        self.dirty.clear();
        let mut demanded = 0u64;
        let mut placements = 0usize;
        for &a in &s.live {
            let e = &mut self.assets[a as usize];
            let step = e.demand.step();
            e.target = step;
            if step >= 0 {
                demanded = demanded.saturating_add(e.chain.cumulative[step as usize]);
                placements += e.demand.wanted() as usize;
            }
        }
        self.out.stats.placements_wanted = placements;
        self.out.stats.demanded_bytes = demanded;
        self.out.stats.wanted_bytes = demanded;
        self.over_budget = demanded > self.config.memory_budget;
        if !self.over_budget {
            return;
        }
        s.candidates.clear();
        let assets = &self.assets;
        let demanded: Vec<u32> =
            s.live.iter().copied().filter(|&a| assets[a as usize].target >= 0).collect();
        for &a in &demanded {
            let e = &self.assets[a as usize];
            s.candidates.push(Candidate {
                target: e.target as u8,
                value: e.demand.value(),
                protect_coarsest: e.demand.protected(),
            });
        }
        self.out.stats.wanted_bytes = self.budgeter.fit(
            self.config.memory_budget,
            &s.candidates,
            |i| assets[demanded[i] as usize].chain.step_bytes.as_slice(),
            &mut s.kept,
        );
        for (&a, &k) in demanded.iter().zip(&s.kept) {
            self.assets[a as usize].target = k;
        }
    }

    fn emit(&mut self, s: &Scratch) {
        let ratio = self.config.reprioritize_ratio;
        let out = &mut self.out;
        for &a in &s.live {
            let e = &mut self.assets[a as usize];
            transition(e, ratio, out);
            e.listed = false;
            out.stats.assets_wanted += usize::from(e.target >= 0);
            if e.target >= 0 || e.demand.step() >= 0 || e.requested >= 0 {
                self.tracked.push(a);
            }
        }
    }
}

/// The angle between two directions, in radians (0 if either is zero).
fn angle(a: Vec3, b: Vec3) -> f32 {
    match (a.normalized(), b.normalized()) {
        (Some(a), Some(b)) => a.dot(b).clamp(-1.0, 1.0).acos(),
        _ => 0.0,
    }
}

/// The signed turn about world up from `a` to `b`, in radians (positive
/// turns +z towards +x), of their horizontal parts; 0 if either is vertical.
fn yaw_between(a: Vec3, b: Vec3) -> f32 {
    let flat = |v: Vec3| Vec3::new(v.x, 0.0, v.z).normalized();
    match (flat(a), flat(b)) {
        (Some(a), Some(b)) => a.cross(b).y.atan2(a.dot(b)),
        _ => 0.0,
    }
}

/// Whether the parameters that scale what an observer sees changed.
fn view_changed(a: &Observer, b: &Observer) -> bool {
    a.fov_y != b.fov_y || a.viewport != b.viewport || a.near != b.near || a.far != b.far
}

/// The priority of an asset's request from its best placement's tier and
/// what is resident.
fn priority(e: &AssetEntry) -> Priority {
    let class = match e.demand.tier() {
        VISIBLE if e.resident < 0 => PriorityClass::Critical,
        VISIBLE | SOON => PriorityClass::High,
        IN_RANGE => PriorityClass::Normal,
        _ => PriorityClass::Low,
    };
    Priority::with_urgency(class, e.demand.urgency())
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
