//! The spatial index: a loose uniform grid over x/z, one layer per class of
//! reach.
//!
//! Each placement lives in the grid cell that holds its centre, in the layer
//! of its *reach* (the distance at which it may still matter — its unload
//! distance — plus its radius; layer k holds reaches up to 2^k cells). Each
//! grid cell keeps the box around its members' spheres and their largest
//! reach, so a query tests cell boxes and only opens cells that can hold a
//! hit, and a 1 km tower does not make every pebble in its cell be examined
//! from 1 km away. Insert, remove and move are O(1) (a member is
//! swap-removed from its cell's array, which stores the sphere and reach
//! inline so a scan reads memory in order).
//!
//! Cell boxes and reaches only grow while a cell has members (a removal does
//! not shrink them), which keeps every query conservative; a cell that
//! empties starts afresh.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use super::demand::Contribution;
use super::math::{Aabb, Frustum, Sphere, Vec3};

/// A placement as stored in a grid cell.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Member {
    /// Bounding sphere centre.
    pub center: Vec3,
    /// Bounding sphere radius.
    pub radius: f32,
    /// The placement's load distance (from its centre).
    pub range: f32,
    /// The placement's slot index.
    pub index: u32,
    /// The asset's index in the manager's asset table.
    pub asset: u32,
    /// The world cell's index (`u32::MAX`: none).
    pub world_cell: u32,
    /// What the placement adds to its asset's demand (its level step, -1
    /// when not wanted, is kept between updates for hysteresis).
    pub c: Contribution,
}

/// When a member must be evaluated again: once the observers have moved
/// (odometer) or turned (turn odometer) past these marks, or at this frame,
/// whichever comes first.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Due {
    /// Linear odometer mark (metres).
    pub lin: f64,
    /// Turn odometer mark (radians).
    pub turn: f64,
    /// Frame mark.
    pub frame: u32,
}

impl Due {
    /// Due at once.
    pub const NOW: Self = Self { lin: f64::NEG_INFINITY, turn: f64::NEG_INFINITY, frame: 0 };
    /// Never due.
    pub const NEVER: Self = Self { lin: f64::INFINITY, turn: f64::INFINITY, frame: u32::MAX };

    /// Whether the marks are passed.
    #[inline]
    pub fn passed(&self, lin: f64, turn: f64, frame: u32) -> bool {
        lin >= self.lin || turn >= self.turn || frame >= self.frame
    }

    /// The earlier of two marks, mark by mark.
    #[inline]
    pub fn min(self, other: Self) -> Self {
        Self {
            lin: self.lin.min(other.lin),
            turn: self.turn.min(other.turn),
            frame: self.frame.min(other.frame),
        }
    }
}

/// One cell of the grid.
#[derive(Debug)]
pub(crate) struct GridCell {
    /// Members, in no particular order.
    pub members: Vec<Member>,
    /// When each member is due, parallel to `members` (kept apart so that
    /// the per-frame check reads little memory).
    pub due: Vec<Due>,
    /// The manager's epoch when the cell was last evaluated; a different
    /// epoch makes every member due.
    pub epoch: u32,
    /// The earliest marks of `due`: until one is passed, no member is due
    /// and the cell is skipped without reading its members.
    pub next: Due,
    /// How many members are wanted.
    pub active: u32,
    /// The box around the members' spheres.
    pub bounds: Aabb,
    /// The largest `range * reach_factor + radius` of the members: beyond
    /// this distance from `bounds`, no member matters.
    pub reach: f32,
}

/// Where a placement sits: its grid cell and its index in that cell's array.
#[derive(Clone, Copy, Debug)]
struct Location {
    cell: u32,
    slot: u32,
}

const NOWHERE: Location = Location { cell: u32::MAX, slot: u32::MAX };

/// A multiply-rotate hasher for grid keys (small integers the program
/// makes, so no flooding concern): a query probes thousands of keys per
/// update, and SipHash was a tenth of its time.
#[derive(Default)]
pub(crate) struct KeyHasher(u64);

impl Hasher for KeyHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(u64::from(b));
        }
    }

    fn write_u8(&mut self, i: u8) {
        self.write_u64(u64::from(i));
    }

    fn write_i32(&mut self, i: i32) {
        self.write_u64(u64::from(i as u32));
    }

    fn write_u64(&mut self, i: u64) {
        self.0 = (self.0.rotate_left(5) ^ i).wrapping_mul(0x517c_c1b7_2722_0a95);
    }
}

/// A loose uniform grid of placements over x/z.
#[derive(Debug)]
pub(crate) struct SpatialGrid {
    cell_size: f32,
    /// Multiplies a member's range to get the distance it is tracked to
    /// (the unload distance).
    reach_factor: f32,
    map: HashMap<(u8, i32, i32), u32, BuildHasherDefault<KeyHasher>>,
    pub cells: Vec<GridCell>,
    locations: Vec<Location>,
    layers: [Layer; LAYERS],
    len: usize,
}

/// The number of reach layers.
const LAYERS: usize = 8;

/// One layer of the grid.
#[derive(Debug, Default)]
struct Layer {
    /// Its cells (indices into `cells`).
    cells: Vec<u32>,
    /// The largest reach of any member ever (never shrinks).
    max_reach: f32,
    /// The largest member radius ever (never shrinks).
    max_radius: f32,
}

impl SpatialGrid {
    /// An empty grid of square cells of `cell_size` metres.
    pub fn new(cell_size: f32, reach_factor: f32) -> Self {
        Self {
            cell_size,
            reach_factor,
            map: HashMap::default(),
            cells: Vec::new(),
            locations: Vec::new(),
            layers: Default::default(),
            len: 0,
        }
    }

    /// The number of placements.
    pub fn len(&self) -> usize {
        self.len
    }

    fn key(&self, p: Vec3) -> (i32, i32) {
        // `as` saturates: a far-away coordinate lands in an edge cell, which
        // stays correct because queries test cell boxes, not keys.
        ((p.x / self.cell_size).floor() as i32, (p.z / self.cell_size).floor() as i32)
    }

    fn layer(&self, reach: f32) -> u8 {
        let cells = reach / self.cell_size;
        if cells > 1.0 { (cells.log2().ceil() as usize).min(LAYERS - 1) as u8 } else { 0 }
    }

    /// Adds a member (whose placement is not yet in the grid); returns its
    /// grid cell.
    pub fn insert(&mut self, member: Member) -> u32 {
        let reach = member.range * self.reach_factor + member.radius;
        let layer = self.layer(reach);
        let (x, z) = self.key(member.center);
        let key = (layer, x, z);
        let cell = match self.map.get(&key) {
            Some(&c) => c,
            None => {
                let c = self.cells.len() as u32;
                self.cells.push(GridCell {
                    members: Vec::new(),
                    due: Vec::new(),
                    epoch: u32::MAX,
                    next: Due::NOW,
                    active: 0,
                    bounds: Aabb { min: member.center, max: member.center },
                    reach: 0.0,
                });
                self.map.insert(key, c);
                self.layers[usize::from(layer)].cells.push(c);
                c
            }
        };
        let grid_cell = &mut self.cells[cell as usize];
        let r = member.radius;
        let sb = Aabb::from_center(member.center, Vec3::new(r, r, r));
        let first = grid_cell.members.is_empty();
        grid_cell.bounds = if first { sb } else { grid_cell.bounds.union(&sb) };
        grid_cell.reach = if first { reach } else { grid_cell.reach.max(reach) };
        let slot = grid_cell.members.len() as u32;
        grid_cell.members.push(member);
        grid_cell.due.push(Due::NOW);
        grid_cell.next = Due::NOW;
        grid_cell.active += u32::from(member.c.step >= 0);
        let l = &mut self.layers[usize::from(layer)];
        l.max_reach = l.max_reach.max(reach);
        l.max_radius = l.max_radius.max(r);
        let i = member.index as usize;
        if self.locations.len() <= i {
            self.locations.resize(i + 1, NOWHERE);
        }
        self.locations[i] = Location { cell, slot };
        self.len += 1;
        cell
    }

    /// Removes placement `index`; returns its grid cell and member if it
    /// was there.
    pub fn remove(&mut self, index: u32) -> Option<(u32, Member)> {
        let loc = *self.locations.get(index as usize)?;
        if loc.cell == u32::MAX {
            return None;
        }
        let cell = &mut self.cells[loc.cell as usize];
        cell.due.swap_remove(loc.slot as usize);
        let members = &mut cell.members;
        let member = members.swap_remove(loc.slot as usize);
        cell.active -= u32::from(member.c.step >= 0);
        if let Some(moved) = members.get(loc.slot as usize) {
            self.locations[moved.index as usize].slot = loc.slot;
        }
        self.locations[index as usize] = NOWHERE;
        self.len -= 1;
        Some((loc.cell, member))
    }

    /// Makes every member of grid cell `cell` due at the next update.
    pub fn invalidate(&mut self, cell: u32) {
        if let Some(c) = self.cells.get_mut(cell as usize) {
            c.epoch = c.epoch.wrapping_sub(1);
        }
    }

    /// The member of placement `index`.
    pub fn member(&self, index: u32) -> Option<&Member> {
        let loc = self.locations.get(index as usize)?;
        self.cells.get(loc.cell as usize)?.members.get(loc.slot as usize)
    }

    /// Calls `f` with every cell whose box may lie within `radius` of
    /// `center` plus the cell's own reach times `reach_scale`.
    pub fn for_each_cell_near(
        &self,
        center: Vec3,
        radius: f32,
        reach_scale: f32,
        mut f: impl FnMut(u32, &GridCell),
    ) {
        let test = |c: &GridCell| {
            let r = radius + c.reach * reach_scale;
            !c.members.is_empty() && c.bounds.distance_squared(center) <= r * r
        };
        for (k, layer) in self.layers.iter().enumerate() {
            if layer.cells.is_empty() {
                continue;
            }
            let extent = radius + layer.max_reach * reach_scale + layer.max_radius + self.cell_size;
            let span = (2.0 * extent / self.cell_size).ceil();
            if !span.is_finite() || span * span >= layer.cells.len() as f32 {
                for &c in &layer.cells {
                    let cell = &self.cells[c as usize];
                    if test(cell) {
                        f(c, cell);
                    }
                }
                continue;
            }
            let lo = self.key(center - Vec3::new(extent, 0.0, extent));
            let hi = self.key(center + Vec3::new(extent, 0.0, extent));
            for x in lo.0..=hi.0 {
                for z in lo.1..=hi.1 {
                    if let Some(&c) = self.map.get(&(k as u8, x, z)) {
                        let cell = &self.cells[c as usize];
                        if test(cell) {
                            f(c, cell);
                        }
                    }
                }
            }
        }
    }

    /// Appends the indices of placements whose bounding sphere intersects
    /// `query`.
    pub fn query_sphere(&self, query: Sphere, out: &mut Vec<u32>) {
        self.for_each_cell_near(query.center, query.radius, 0.0, |_, cell| {
            for m in &cell.members {
                let r = query.radius + m.radius;
                if (m.center - query.center).length_squared() <= r * r {
                    out.push(m.index);
                }
            }
        });
    }

    /// Appends the indices of placements whose bounding sphere touches the
    /// frustum.
    pub fn query_frustum(&self, frustum: &Frustum, out: &mut Vec<u32>) {
        for cell in &self.cells {
            if cell.members.is_empty() || !frustum.intersects_aabb(&cell.bounds) {
                continue;
            }
            for m in &cell.members {
                if frustum.intersects_sphere(&Sphere { center: m.center, radius: m.radius }) {
                    out.push(m.index);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A small deterministic generator (xorshift64*).
    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> f32 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            (self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 40) as f32 / (1u64 << 24) as f32
        }
    }

    #[test]
    fn queries_match_brute_force_through_inserts_moves_and_removes() {
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        let mut grid = SpatialGrid::new(16.0, 1.0);
        let mut spheres: Vec<Option<Sphere>> = Vec::new();
        let random_sphere = |rng: &mut Rng| Sphere {
            center: Vec3::new(
                rng.next() * 400.0 - 200.0,
                rng.next() * 20.0,
                rng.next() * 400.0 - 200.0,
            ),
            radius: rng.next() * rng.next() * 30.0,
        };
        let member = |i: u32, s: Sphere| Member {
            center: s.center,
            radius: s.radius,
            range: 10.0,
            index: i,
            asset: 0,
            world_cell: u32::MAX,
            c: Contribution::NONE,
        };
        for i in 0..3000u32 {
            let s = random_sphere(&mut rng);
            grid.insert(member(i, s));
            spheres.push(Some(s));
        }
        for round in 0..2000u32 {
            let i = (rng.next() * 3000.0) as usize % 3000;
            if round % 3 == 0 {
                if spheres[i].take().is_some() {
                    assert!(grid.remove(i as u32).is_some());
                }
            } else {
                let s = random_sphere(&mut rng);
                if spheres[i].is_some() {
                    grid.remove(i as u32);
                }
                grid.insert(member(i as u32, s));
                spheres[i] = Some(s);
            }
        }
        assert_eq!(grid.len(), spheres.iter().flatten().count());
        let frustum = Frustum::perspective(
            Vec3::new(0.0, 5.0, -150.0),
            Vec3::Z,
            Vec3::Y,
            1.0,
            1.5,
            0.1,
            200.0,
        );
        let mut got = Vec::new();
        grid.query_frustum(&frustum, &mut got);
        got.sort_unstable();
        let want: Vec<u32> = (0..3000u32)
            .filter(|&i| spheres[i as usize].is_some_and(|s| frustum.intersects_sphere(&s)))
            .collect();
        assert_eq!(got, want);
        assert!(!want.is_empty());
        for q in 0..50 {
            let query = Sphere {
                center: Vec3::new(rng.next() * 500.0 - 250.0, 0.0, rng.next() * 500.0 - 250.0),
                radius: q as f32 * 3.0,
            };
            let mut got = Vec::new();
            grid.query_sphere(query, &mut got);
            got.sort_unstable();
            let want: Vec<u32> = (0..3000u32)
                .filter(|&i| {
                    spheres[i as usize].is_some_and(|s| {
                        let r = s.radius + query.radius;
                        (s.center - query.center).length_squared() <= r * r
                    })
                })
                .collect();
            assert_eq!(got, want, "query {q}");
        }
    }
}
