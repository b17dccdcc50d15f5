//! World cells: placements grouped into regions that load and unload as a
//! bundle, as in world-partition systems.

use std::collections::HashMap;

use super::StreamingError;
use super::math::Aabb;
use super::observer::View;

/// Identifies a world cell (chosen by the host, e.g. a partition tile).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CellId(pub u64);

/// A region whose placements are requested together.
#[derive(Clone, Debug, PartialEq)]
pub struct WorldCell {
    /// The cell's id.
    pub id: CellId,
    /// The region the cell covers.
    pub bounds: Aabb,
    /// The cell becomes wanted when an observer comes within this distance
    /// of `bounds` (or will, within the prediction horizon).
    pub load_radius: f32,
    /// A wanted cell is released when every observer is further than this
    /// from `bounds` (at least `load_radius`).
    pub unload_radius: f32,
}

impl WorldCell {
    /// A cell whose unload radius is `load_radius * 1.25`.
    #[must_use]
    pub fn new(id: CellId, bounds: Aabb, load_radius: f32) -> Self {
        Self { id, bounds, load_radius, unload_radius: load_radius * 1.25 }
    }
}

/// A cell with its state.
#[derive(Debug)]
pub(crate) struct CellEntry {
    pub cell: WorldCell,
    /// Whether the cell is wanted.
    pub active: bool,
    /// The grid cells holding the cell's placements, with how many each.
    pub grid_cells: HashMap<u32, u32>,
}

/// All world cells.
#[derive(Debug, Default)]
pub(crate) struct CellTable {
    pub entries: Vec<CellEntry>,
    pub by_id: HashMap<CellId, u32>,
}

impl CellTable {
    /// Adds a cell.
    pub fn add(&mut self, cell: WorldCell) -> Result<(), StreamingError> {
        if self.by_id.contains_key(&cell.id) {
            return Err(StreamingError::DuplicateCell(cell.id));
        }
        let valid = cell.bounds.is_finite()
            && cell.load_radius >= 0.0
            && cell.unload_radius >= cell.load_radius
            && cell.unload_radius.is_finite();
        if !valid {
            return Err(StreamingError::InvalidGeometry(
                "a cell needs finite bounds and 0 ≤ load radius ≤ unload radius < ∞",
            ));
        }
        self.by_id.insert(cell.id, self.entries.len() as u32);
        self.entries.push(CellEntry { cell, active: false, grid_cells: HashMap::new() });
        Ok(())
    }

    /// The index of a cell.
    pub fn index(&self, id: CellId) -> Result<u32, StreamingError> {
        self.by_id.get(&id).copied().ok_or(StreamingError::UnknownCell(id))
    }

    /// Records that a placement of cell `cell` now lives in grid cell `grid`
    /// (`add`) or no longer does.
    pub fn track(&mut self, cell: u32, grid: u32, add: bool) {
        let Some(entry) = self.entries.get_mut(cell as usize) else { return };
        if add {
            *entry.grid_cells.entry(grid).or_insert(0) += 1;
        } else if let Some(n) = entry.grid_cells.get_mut(&grid) {
            *n -= 1;
            if *n == 0 {
                entry.grid_cells.remove(&grid);
            }
        }
    }

    /// Updates which cells are wanted for these views; appends the cells
    /// that became wanted to `loaded` and those released to `released`, and
    /// the indices of both to `toggled`.
    pub fn update(
        &mut self,
        views: &[View],
        loaded: &mut Vec<CellId>,
        released: &mut Vec<CellId>,
        toggled: &mut Vec<u32>,
    ) {
        for (i, entry) in self.entries.iter_mut().enumerate() {
            let c = &entry.cell;
            let near = |radius: f32| {
                views.iter().any(|v| {
                    let r2 = radius * radius;
                    c.bounds.distance_squared(v.position) <= r2
                        || within_on_path(v, &c.bounds, radius)
                })
            };
            let now = if entry.active { near(c.unload_radius) } else { near(c.load_radius) };
            if now != entry.active {
                entry.active = now;
                toggled.push(i as u32);
                if now { loaded.push(c.id) } else { released.push(c.id) }
            }
        }
    }
}

/// Whether the observer's predicted path over the horizon comes within
/// `radius` of `bounds`, sampled halfway and at the end of the horizon (the
/// current position is tested by the caller); a cell the path only grazes
/// between samples is caught by a later update.
fn within_on_path(view: &View, bounds: &Aabb, radius: f32) -> bool {
    let r2 = radius * radius;
    [0.5f32, 1.0].iter().any(|&f| {
        bounds.distance_squared(view.position + view.velocity * (view.horizon() * f)) <= r2
    })
}
