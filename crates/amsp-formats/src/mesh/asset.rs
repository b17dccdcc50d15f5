//! The runtime `Mesh` asset and its loader.

use std::sync::Arc;

use crate::levels::{Nearest, nearest_level};
use std::ops::Range;

use amsp_io::AssetDescriptor;
use amsp_runtime::{Asset, AssetLoader, LoadContext, LoadError, LoadInput};

use super::data::{Bounds, MeshLimits, Submesh};
use super::layout::{MESH_TYPE, VertexLayout};
use super::read::{LodSelection, MeshReadError, read_lod, read_mesh};

/// One resident LOD: interleaved vertices ready for upload and a `u32`
/// triangle list.
#[derive(Debug, Clone, PartialEq)]
pub struct MeshLod {
    /// The LOD level (0 = finest).
    pub level: u32,
    /// Simplification error relative to the mesh extent (0 for LOD 0).
    pub error: f32,
    /// Number of vertices.
    pub vertex_count: u32,
    /// Interleaved little-endian f32 vertices in the mesh's
    /// [`VertexLayout`] (`vertex_count × layout.stride()` bytes).
    pub vertices: Vec<u8>,
    /// Triangle list into `vertices`.
    pub indices: Vec<u32>,
    /// Index ranges per material.
    pub submeshes: Vec<Submesh>,
}

impl MeshLod {
    /// The position of vertex `i`.
    #[must_use]
    pub fn position(&self, i: usize) -> Option<[f32; 3]> {
        let stride = self.vertices.len().checked_div(self.vertex_count as usize)?;
        let v = self.vertices.get(i * stride..i * stride + 12)?;
        Some(std::array::from_fn(|k| {
            f32::from_le_bytes([v[k * 4], v[k * 4 + 1], v[k * 4 + 2], v[k * 4 + 3]])
        }))
    }

    /// Number of triangles.
    #[must_use]
    pub fn triangle_count(&self) -> usize {
        self.indices.len() / 3
    }
}

/// A mesh ready for upload: its vertex layout, bounds and the LODs that are
/// resident in memory.
#[derive(Debug, Clone, PartialEq)]
pub struct Mesh {
    /// Vertex attributes of every LOD.
    pub layout: VertexLayout,
    /// Bounds of the full mesh (AABB and sphere).
    pub bounds: Bounds,
    /// Number of LODs of the cooked mesh.
    pub lod_count: u32,
    /// Which LODs are resident: `resident.start` is the finest one held.
    pub resident: Range<u32>,
    /// The resident LODs, finest first (`lods[0]` is LOD `resident.start`).
    pub lods: Vec<MeshLod>,
}

impl Mesh {
    /// A unit cube (−0.5…0.5) with normals and UVs, 24 vertices and 12
    /// triangles; `color` fills a colour attribute.
    #[must_use]
    pub fn cube(color: [f32; 4]) -> Self {
        let layout = VertexLayout { normal: true, uv: true, tangent: false, color: true };
        let mut vertices = Vec::with_capacity(24 * layout.stride());
        let mut indices = Vec::with_capacity(36);
        let faces: [([f32; 3], [f32; 3], [f32; 3]); 6] = [
            ([1.0, 0.0, 0.0], [0.0, 0.0, -1.0], [0.0, 1.0, 0.0]),
            ([-1.0, 0.0, 0.0], [0.0, 0.0, 1.0], [0.0, 1.0, 0.0]),
            ([0.0, 1.0, 0.0], [1.0, 0.0, 0.0], [0.0, 0.0, -1.0]),
            ([0.0, -1.0, 0.0], [1.0, 0.0, 0.0], [0.0, 0.0, 1.0]),
            ([0.0, 0.0, 1.0], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0]),
            ([0.0, 0.0, -1.0], [-1.0, 0.0, 0.0], [0.0, 1.0, 0.0]),
        ];
        for (f, (n, u, v)) in faces.iter().enumerate() {
            for (su, sv) in [(-1.0f32, -1.0f32), (1.0, -1.0), (1.0, 1.0), (-1.0, 1.0)] {
                let p: [f32; 3] = std::array::from_fn(|k| 0.5 * (n[k] + su * u[k] + sv * v[k]));
                let uv = [(su + 1.0) * 0.5, (1.0 - sv) * 0.5];
                for x in p.iter().chain(n).chain(&uv).chain(&color) {
                    vertices.extend_from_slice(&x.to_le_bytes());
                }
            }
            let b = f as u32 * 4;
            indices.extend_from_slice(&[b, b + 1, b + 2, b, b + 2, b + 3]);
        }
        let lod = MeshLod {
            level: 0,
            error: 0.0,
            vertex_count: 24,
            vertices,
            indices,
            submeshes: vec![Submesh { index_start: 0, index_count: 36, material: u32::MAX }],
        };
        Self {
            layout,
            bounds: Bounds {
                min: [-0.5; 3],
                max: [0.5; 3],
                center: [0.0; 3],
                radius: 0.75f32.sqrt(),
            },
            lod_count: 1,
            resident: 0..1,
            lods: vec![lod],
        }
    }

    /// The resident LOD `level`, if any.
    #[must_use]
    pub fn lod(&self, level: u32) -> Option<&MeshLod> {
        if !self.resident.contains(&level) {
            return None;
        }
        self.lods.get((level - self.resident.start) as usize)
    }

    /// The finest resident LOD.
    #[must_use]
    pub fn finest(&self) -> &MeshLod {
        &self.lods[0]
    }

    /// The same mesh with LODs `finest..` resident: the LODs finer than the
    /// resident ones are read through `read_chunk(chunk, out)` and the
    /// resident ones kept. A `finest` at or past the finest resident LOD
    /// returns a copy.
    ///
    /// # Errors
    /// As [`read_mesh`], and [`MeshReadError::NoSuchLods`] when the stored
    /// mesh no longer matches this one.
    pub fn upgrade<E>(
        &self,
        mut read_chunk: impl FnMut(u32, &mut Vec<u8>) -> Result<(), E>,
        finest: u32,
        limits: &MeshLimits,
    ) -> Result<Mesh, MeshReadError<E>> {
        if finest >= self.resident.start {
            return Ok(self.clone());
        }
        let mut buffer = Vec::new();
        let mut finer = Vec::new();
        for level in (finest..self.resident.start).rev() {
            let (header, lod) =
                read_lod(&mut read_chunk, level, self.lod_count, limits, &mut buffer, None)?;
            if header.layout != self.layout {
                return Err(MeshReadError::NoSuchLods {
                    requested: finest..self.resident.start,
                    lod_count: self.lod_count,
                });
            }
            finer.push(lod);
        }
        finer.reverse();
        finer.extend(self.lods.iter().cloned());
        Ok(Mesh { resident: finest..self.resident.end, lods: finer, ..self.clone() })
    }

    /// The same mesh without the LODs finer than `finest` (to give memory
    /// back); the coarsest resident LOD is always kept.
    #[must_use]
    pub fn trimmed(&self, finest: u32) -> Mesh {
        let finest = finest.clamp(self.resident.start, self.resident.end.saturating_sub(1));
        let skip = (finest - self.resident.start) as usize;
        Mesh {
            resident: finest..self.resident.end,
            lods: self.lods[skip..].to_vec(),
            layout: self.layout,
            bounds: self.bounds,
            lod_count: self.lod_count,
        }
    }
}

impl Asset for Mesh {
    const TYPE_NAME: &'static str = "Mesh";

    fn byte_size(&self) -> usize {
        self.lods
            .iter()
            .map(|l| l.vertices.capacity() + l.indices.capacity() * 4 + size_of::<MeshLod>())
            .sum::<usize>()
            + size_of::<Self>()
    }

    /// A grey unit cube: the mesh is still loading.
    fn placeholder() -> Option<Self> {
        Some(Self::cube([0.5, 0.5, 0.5, 1.0]))
    }

    /// A magenta unit cube: the mesh failed to load.
    fn error_placeholder() -> Option<Self> {
        Some(Self::cube([1.0, 0.0, 1.0, 1.0]))
    }
}

/// Loads cooked meshes as [`Mesh`]: the LODs [`lods`](Self::lods) selects,
/// each from its own pack chunk, coarsest first.
#[derive(Debug, Clone, Default)]
pub struct MeshLoader {
    /// Size limits checked before anything is allocated.
    pub limits: MeshLimits,
    /// Which LODs a load makes resident (all by default).
    pub lods: LodSelection,
}

impl AssetLoader for MeshLoader {
    type Asset = Mesh;

    fn asset_types(&self) -> &[&str] {
        &[MESH_TYPE]
    }

    fn extensions(&self) -> &[&str] {
        &[]
    }

    /// The chunks of the LODs a load makes resident, which are stored
    /// first (coarsest first).
    fn read_ahead(&self, descriptor: &AssetDescriptor, level: Option<u8>) -> u32 {
        let from = match (level, self.lods) {
            (Some(level), _) => u32::from(level),
            (None, LodSelection::All) => 0,
            (None, LodSelection::From(level)) => level,
            (None, _) => return 1,
        };
        descriptor.chunk_count.saturating_sub(from).max(1)
    }

    /// A level request ([`AssetServer::load_level`]) loads LOD `level` and
    /// the coarser ones: trimmed from a finer level already loaded, or
    /// extended from a coarser one by reading only the LODs it lacks.
    ///
    /// [`AssetServer::load_level`]: amsp_runtime::AssetServer::load_level
    fn load(&self, input: LoadInput, ctx: &mut LoadContext<'_>) -> Result<Mesh, LoadError> {
        let read = |chunk, out: &mut Vec<u8>| input.read_chunk(chunk, out).map_err(Box::new);
        let map = |err: MeshReadError<Box<LoadError>>| match err {
            MeshReadError::Source(err) => *err,
            other => ctx.parse_error(other),
        };
        let Some(level) = ctx.level().map(u32::from) else {
            return read_mesh(read, self.lods, &self.limits).map_err(map);
        };
        let loaded: Vec<Arc<Mesh>> =
            ctx.loaded_levels::<Mesh>().into_iter().map(|(_, m)| m).collect();
        match nearest_level(&loaded, level, |m| m.resident.clone()) {
            Some(Nearest::Finer(mesh)) => Ok(mesh.trimmed(level)),
            Some(Nearest::Coarser(mesh)) => mesh.upgrade(read, level, &self.limits).map_err(map),
            None => read_mesh(read, LodSelection::From(level), &self.limits).map_err(map),
        }
    }
}
