//! Cooking a [`MeshData`]: vertex-cache, overdraw and vertex-fetch
//! optimisation, an LOD chain by simplification, and one pack chunk per LOD
//! (coarsest first) in the layout of [`layout`](crate::mesh::layout).

use amsp_catalog::LodVariant;

use crate::mesh::codec::encode_vertices;
use crate::mesh::data::{Bounds, MeshData, Submesh};
use crate::mesh::error::MeshError;
use crate::mesh::layout::{LodChunk, LodHeader, VertexLayout, chunk_of_lod, write_chunk};

/// How the LOD chain is built.
#[derive(Debug, Clone, PartialEq)]
pub struct LodSettings {
    /// Most LODs, LOD 0 (the full mesh) included.
    pub lods: u32,
    /// Error target of LOD 1, 2, … relative to the mesh extent; the last
    /// entry repeats for further levels.
    pub lod_error: Vec<f32>,
    /// Each LOD aims for this fraction of the previous LOD's triangles.
    pub ratio: f32,
}

impl Default for LodSettings {
    fn default() -> Self {
        Self { lods: 4, lod_error: vec![0.005, 0.01, 0.02, 0.05], ratio: 0.5 }
    }
}

/// A LOD stops the chain when it keeps more than this share of the
/// previous LOD's triangles: simplification has stalled.
const STALL: f32 = 0.9;

/// The cooked mesh: chunks (coarsest LOD first), the catalog's LOD
/// variants and what the metadata records.
pub(crate) struct CookedMesh {
    pub chunks: Vec<Vec<u8>>,
    pub lods: Vec<LodVariant>,
    pub layout: VertexLayout,
    pub bounds: Bounds,
    pub lod_triangles: Vec<u64>,
    pub lod_vertices: Vec<u64>,
    pub lod_errors: Vec<f32>,
}

/// Interleaves the attributes of `mesh` as f32: position, then normal, uv,
/// tangent and colour as present.
fn interleave(mesh: &MeshData) -> (VertexLayout, Vec<u8>) {
    let layout = VertexLayout {
        normal: !mesh.normals.is_empty(),
        uv: !mesh.uvs.is_empty(),
        tangent: !mesh.tangents.is_empty(),
        color: !mesh.colors.is_empty(),
    };
    let mut out = Vec::with_capacity(mesh.vertex_count() * layout.stride());
    for i in 0..mesh.vertex_count() {
        let mut push = |v: &[f32]| out.extend(v.iter().flat_map(|f| f.to_le_bytes()));
        push(&mesh.positions[i]);
        if layout.normal {
            push(&mesh.normals[i]);
        }
        if layout.uv {
            push(&mesh.uvs[i]);
        }
        if layout.tangent {
            push(&mesh.tangents[i]);
        }
        if layout.color {
            push(&mesh.colors[i]);
        }
    }
    (layout, out)
}

/// Cooks `mesh` (validated) into LOD chunks.
pub(crate) fn cook_mesh(mesh: &MeshData, settings: &LodSettings) -> Result<CookedMesh, MeshError> {
    mesh.validate()?;
    if mesh.indices.is_empty() {
        return Err(MeshError::Empty);
    }
    let (layout, vertices) = interleave(mesh);
    let stride = layout.stride();
    let adapter = meshopt::VertexDataAdapter::new(&vertices, stride, 0)
        .map_err(|e| MeshError::invalid(e.to_string()))?;
    let scale = meshopt::simplify_scale(&adapter);
    let bounds = mesh.bounds();

    // Index buffers per LOD (into the full vertex array), finest first.
    let mut levels: Vec<(Vec<u32>, Vec<Submesh>, f32)> =
        vec![(mesh.indices.clone(), mesh.submeshes.clone(), 0.0)];
    for level in 1..settings.lods.max(1) {
        let previous = levels[levels.len() - 1].0.len();
        let error_target = settings
            .lod_error
            .get(level as usize - 1)
            .or(settings.lod_error.last())
            .copied()
            .unwrap_or(0.01);
        let mut indices = Vec::new();
        let mut submeshes = Vec::new();
        let mut error = 0.0f32;
        for s in &mesh.submeshes {
            let range = s.index_start as usize..(s.index_start + s.index_count) as usize;
            let source = &mesh.indices[range];
            let ratio = settings.ratio.clamp(0.0, 1.0).powi(level as i32);
            let target = ((source.len() as f32 * ratio) as usize / 3 * 3).max(3);
            let mut result_error = 0.0f32;
            let simplified = meshopt::simplify(
                source,
                &adapter,
                target,
                error_target,
                meshopt::SimplifyOptions::LockBorder,
                Some(&mut result_error),
            );
            error = error.max(result_error);
            let start = indices.len() as u32;
            if !simplified.is_empty() {
                submeshes.push(Submesh {
                    index_start: start,
                    index_count: simplified.len() as u32,
                    material: s.material,
                });
                indices.extend(simplified);
            }
        }
        if indices.is_empty() || indices.len() as f32 > previous as f32 * STALL {
            break;
        }
        levels.push((indices, submeshes, error));
    }

    let lod_count = levels.len() as u32;
    let mut chunks = vec![Vec::new(); levels.len()];
    let mut lods = Vec::with_capacity(levels.len());
    let (mut lod_triangles, mut lod_vertices, mut lod_errors) = (vec![], vec![], vec![]);
    for (level, (mut indices, submeshes, error)) in levels.into_iter().enumerate() {
        let level = level as u32;
        for s in &submeshes {
            let range = s.index_start as usize..(s.index_start + s.index_count) as usize;
            let part = &mut indices[range];
            meshopt::optimize_vertex_cache_in_place(part, mesh.vertex_count());
            meshopt::optimize_overdraw_in_place(part, &adapter, 1.05);
        }
        let (lod_vertices_bytes, vertex_count) = compact(&vertices, stride, &mut indices);
        let encoded_vertices = encode_vertices(&lod_vertices_bytes, stride)
            .map_err(|e| MeshError::invalid(format!("vertex encoding: {e}")))?;
        let encoded_indices = meshopt::encode_index_buffer(&indices, vertex_count)
            .map_err(|e| MeshError::invalid(format!("index encoding: {e}")))?;
        let chunk = write_chunk(&LodChunk {
            header: LodHeader {
                level,
                lod_count,
                layout,
                vertex_count: vertex_count as u32,
                index_count: indices.len() as u32,
                error,
                bounds,
            },
            submeshes,
            vertices: &encoded_vertices,
            indices: &encoded_indices,
        });
        let at = chunk_of_lod(level, lod_count);
        lods.push(LodVariant {
            level,
            chunk: at,
            screen_error: error * scale,
            triangles: indices.len() as u64 / 3,
            bytes: chunk.len() as u64,
        });
        lod_triangles.push(indices.len() as u64 / 3);
        lod_vertices.push(vertex_count as u64);
        lod_errors.push(error);
        chunks[at as usize] = chunk;
    }
    Ok(CookedMesh { chunks, lods, layout, bounds, lod_triangles, lod_vertices, lod_errors })
}

/// Vertex-fetch optimisation: keeps only the vertices `indices` use, in
/// the order of first use, and rewrites `indices` to match. Returns the new
/// vertex bytes and count.
fn compact(vertices: &[u8], stride: usize, indices: &mut [u32]) -> (Vec<u8>, usize) {
    let mut remap = vec![u32::MAX; vertices.len() / stride];
    let mut out = Vec::new();
    let mut next = 0u32;
    for index in indices.iter_mut() {
        let slot = &mut remap[*index as usize];
        if *slot == u32::MAX {
            *slot = next;
            next += 1;
            let at = *index as usize * stride;
            out.extend_from_slice(&vertices[at..at + stride]);
        }
        *index = *slot;
    }
    (out, next as usize)
}
