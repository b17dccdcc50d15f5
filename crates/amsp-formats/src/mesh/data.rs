//! The in-memory mesh every importer produces: one vertex array with
//! optional attributes, a `u32` triangle list and submeshes.

use super::error::MeshError;

/// Limits checked before anything sized by the input is allocated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MeshLimits {
    /// Most vertices one mesh may have.
    pub max_vertices: u64,
    /// Most indices (three per triangle) one mesh may have.
    pub max_indices: u64,
    /// Most bytes a source may make the importer hold (buffers, decoded data).
    pub max_bytes: u64,
}

impl Default for MeshLimits {
    fn default() -> Self {
        Self { max_vertices: 1 << 24, max_indices: 3 << 25, max_bytes: 1 << 30 }
    }
}

impl MeshLimits {
    /// Checks a vertex count against the limit.
    ///
    /// # Errors
    /// [`MeshError::TooLarge`] when `count` is above `max_vertices`.
    pub fn check_vertices(&self, count: u64) -> Result<usize, MeshError> {
        check(count, self.max_vertices, "vertices")
    }

    /// Checks an index count against the limit.
    ///
    /// # Errors
    /// [`MeshError::TooLarge`] when `count` is above `max_indices`.
    pub fn check_indices(&self, count: u64) -> Result<usize, MeshError> {
        check(count, self.max_indices, "indices")
    }

    /// Checks a byte count against the limit.
    ///
    /// # Errors
    /// [`MeshError::TooLarge`] when `count` is above `max_bytes`.
    pub fn check_bytes(&self, count: u64) -> Result<usize, MeshError> {
        check(count, self.max_bytes, "bytes")
    }
}

fn check(count: u64, max: u64, what: &'static str) -> Result<usize, MeshError> {
    if count > max {
        return Err(MeshError::TooLarge { what, count, max });
    }
    usize::try_from(count).map_err(|_| MeshError::TooLarge { what, count, max })
}

/// The product `a × b` of two column-major 4×4 matrices.
#[cfg(any(feature = "import", feature = "runtime"))]
pub(crate) fn mul(a: &[f32; 16], b: &[f32; 16]) -> [f32; 16] {
    std::array::from_fn(|i| {
        let (col, row) = (i / 4, i % 4);
        (0..4).map(|k| a[k * 4 + row] * b[col * 4 + k]).sum()
    })
}

/// A range of a mesh's index buffer drawn with one material.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Submesh {
    /// First index of the range.
    pub index_start: u32,
    /// Number of indices (a multiple of 3).
    pub index_count: u32,
    /// The source's material index (`u32::MAX` when it has none).
    pub material: u32,
}

/// An axis-aligned box and a sphere around a mesh's positions.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Bounds {
    /// Smallest x, y, z.
    pub min: [f32; 3],
    /// Largest x, y, z.
    pub max: [f32; 3],
    /// Sphere centre (the box centre).
    pub center: [f32; 3],
    /// Sphere radius: the farthest position from `center`.
    pub radius: f32,
}

impl Bounds {
    /// The bounds of `positions` (all zero for none).
    #[must_use]
    pub fn of(positions: &[[f32; 3]]) -> Self {
        let Some(first) = positions.first() else { return Self::default() };
        let (mut min, mut max) = (*first, *first);
        for p in positions {
            for k in 0..3 {
                min[k] = min[k].min(p[k]);
                max[k] = max[k].max(p[k]);
            }
        }
        let center = [0, 1, 2].map(|k| (min[k] + max[k]) * 0.5);
        let radius = positions
            .iter()
            .map(|p| (0..3).map(|k| (p[k] - center[k]).powi(2)).sum::<f32>())
            .fold(0.0f32, f32::max)
            .sqrt();
        Self { min, max, center, radius }
    }
}

/// A triangle mesh in memory, as importers produce it.
///
/// `positions` is required; every other attribute is either empty or has
/// one entry per position. `indices` is a triangle list into the vertices;
/// `submeshes` cover it in order without overlap.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct MeshData {
    /// Vertex positions.
    pub positions: Vec<[f32; 3]>,
    /// Vertex normals (empty when the source has none).
    pub normals: Vec<[f32; 3]>,
    /// First texture coordinate set (empty when the source has none).
    pub uvs: Vec<[f32; 2]>,
    /// Tangents with the bitangent sign in `w` (empty when absent).
    pub tangents: Vec<[f32; 4]>,
    /// Linear RGBA vertex colours (empty when absent).
    pub colors: Vec<[f32; 4]>,
    /// Triangle list.
    pub indices: Vec<u32>,
    /// Index ranges per material.
    pub submeshes: Vec<Submesh>,
}

impl MeshData {
    /// Number of vertices.
    #[must_use]
    pub fn vertex_count(&self) -> usize {
        self.positions.len()
    }

    /// Number of triangles.
    #[must_use]
    pub fn triangle_count(&self) -> usize {
        self.indices.len() / 3
    }

    /// Appends `other` as new submeshes after this mesh's, with its indices
    /// offset. Attributes one side lacks are filled with defaults so that
    /// every attribute keeps one entry per vertex.
    ///
    /// # Errors
    /// [`MeshError::TooLarge`] when the result passes `limits`.
    pub fn append(&mut self, other: MeshData, limits: &MeshLimits) -> Result<(), MeshError> {
        let base = self.positions.len() as u64;
        limits.check_vertices(base + other.positions.len() as u64)?;
        limits.check_indices(self.indices.len() as u64 + other.indices.len() as u64)?;
        let (n_self, n_other) = (self.positions.len(), other.positions.len());
        merge(&mut self.normals, other.normals, n_self, n_other, [0.0, 0.0, 1.0]);
        merge(&mut self.uvs, other.uvs, n_self, n_other, [0.0; 2]);
        merge(&mut self.tangents, other.tangents, n_self, n_other, [1.0, 0.0, 0.0, 1.0]);
        merge(&mut self.colors, other.colors, n_self, n_other, [1.0; 4]);
        self.positions.extend(other.positions);
        let start = self.indices.len() as u32;
        for s in other.submeshes {
            self.submeshes.push(Submesh { index_start: s.index_start + start, ..s });
        }
        let base = base as u32;
        self.indices.extend(other.indices.into_iter().map(|i| i + base));
        Ok(())
    }

    /// Checks the invariants: attribute lengths, indices in range, a
    /// triangle list, submeshes covering it, and finite positions.
    ///
    /// # Errors
    /// [`MeshError::Invalid`] naming the first broken invariant.
    pub fn validate(&self) -> Result<(), MeshError> {
        let n = self.positions.len();
        let lens = [
            ("normals", self.normals.len()),
            ("uvs", self.uvs.len()),
            ("tangents", self.tangents.len()),
            ("colors", self.colors.len()),
        ];
        for (name, len) in lens {
            if len != 0 && len != n {
                return Err(MeshError::invalid(format!("{len} {name} for {n} positions")));
            }
        }
        if !self.indices.len().is_multiple_of(3) {
            return Err(MeshError::invalid(format!(
                "{} indices is not a triangle list",
                self.indices.len()
            )));
        }
        if let Some(bad) = self.indices.iter().find(|&&i| i as usize >= n) {
            return Err(MeshError::invalid(format!("index {bad} out of range of {n} vertices")));
        }
        if self.positions.iter().flatten().any(|v| !v.is_finite()) {
            return Err(MeshError::invalid("a position is NaN or infinite"));
        }
        let mut next = 0u64;
        for s in &self.submeshes {
            if u64::from(s.index_start) != next || s.index_count % 3 != 0 {
                return Err(MeshError::invalid("submeshes do not cover the index buffer in order"));
            }
            next += u64::from(s.index_count);
        }
        if next != self.indices.len() as u64 {
            return Err(MeshError::invalid("submeshes do not cover the index buffer"));
        }
        Ok(())
    }

    /// Replaces non-finite normals, UVs, tangents and colours by defaults
    /// and drops triangles that repeat a vertex (degenerate by index), so
    /// that imported data is safe to optimise and draw.
    pub fn sanitise(&mut self) {
        fix(&mut self.normals, [0.0, 0.0, 1.0]);
        fix(&mut self.uvs, [0.0; 2]);
        fix(&mut self.tangents, [1.0, 0.0, 0.0, 1.0]);
        fix(&mut self.colors, [1.0; 4]);
        let mut out = Vec::with_capacity(self.indices.len());
        let mut submeshes = Vec::with_capacity(self.submeshes.len());
        for s in &self.submeshes {
            let start = out.len();
            let range = s.index_start as usize..(s.index_start + s.index_count) as usize;
            for t in self.indices[range].chunks_exact(3) {
                if t[0] != t[1] && t[1] != t[2] && t[0] != t[2] {
                    out.extend_from_slice(t);
                }
            }
            if out.len() > start {
                let count = (out.len() - start) as u32;
                submeshes.push(Submesh { index_start: start as u32, index_count: count, ..*s });
            }
        }
        self.indices = out;
        self.submeshes = submeshes;
    }

    /// The bounds of the positions.
    #[must_use]
    pub fn bounds(&self) -> Bounds {
        Bounds::of(&self.positions)
    }
}

fn merge<T: Copy>(a: &mut Vec<T>, b: Vec<T>, n_a: usize, n_b: usize, default: T) {
    match (a.is_empty(), b.is_empty()) {
        (true, true) => {}
        (false, true) => a.resize(n_a + n_b, default),
        (true, false) => {
            a.resize(n_a, default);
            a.extend(b);
        }
        (false, false) => a.extend(b),
    }
}

fn fix<const N: usize>(values: &mut [[f32; N]], default: [f32; N]) {
    for v in values {
        if v.iter().any(|c| !c.is_finite()) {
            *v = default;
        }
    }
}
