//! Reading a cooked mesh's LODs from its pack chunks, coarsest first.

use std::ops::Range;

use super::asset::{Mesh, MeshLod};
use super::codec::{decode_indices, decode_vertices};
use super::data::MeshLimits;
use super::layout::{LayoutError, LodHeader, chunk_of_lod, read_chunk};

/// Which LODs a mesh load makes resident.
///
/// LODs are numbered from 0, the full mesh. The coarsest LOD is always
/// loaded, so a mesh is never empty; finer LODs can be added later with
/// [`Mesh::upgrade`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum LodSelection {
    /// Every LOD.
    #[default]
    All,
    /// Only the coarsest LOD.
    Coarsest,
    /// Every LOD from this one down to the coarsest (0 loads all).
    From(u32),
}

impl LodSelection {
    /// The LODs this selection makes resident of a mesh with `lod_count`
    /// LODs: never empty.
    #[must_use]
    pub fn range(self, lod_count: u32) -> Range<u32> {
        let lod_count = lod_count.max(1);
        let first = match self {
            LodSelection::All => 0,
            LodSelection::Coarsest => lod_count - 1,
            LodSelection::From(level) => level,
        };
        first.min(lod_count - 1)..lod_count
    }
}

/// Why a cooked mesh could not be read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MeshReadError<E> {
    /// The source failed to give a chunk.
    #[error(transparent)]
    Source(E),
    /// A chunk is not a valid mesh chunk.
    #[error(transparent)]
    Layout(#[from] LayoutError),
    /// A chunk's vertex or index data does not decode.
    #[error("LOD {level}: {message}")]
    Decode {
        /// The LOD.
        level: u32,
        /// What went wrong.
        message: String,
    },
    /// A chunk is above the limits.
    #[error("LOD {level}: {vertices} vertices, {indices} indices are above the limits")]
    TooLarge {
        /// The LOD.
        level: u32,
        /// Its vertex count.
        vertices: u32,
        /// Its index count.
        indices: u32,
    },
    /// The requested LODs are not in the mesh, or a chunk does not belong
    /// to the same mesh as the others.
    #[error("LODs {requested:?} requested of a mesh with {lod_count} LODs")]
    NoSuchLods {
        /// What was asked for.
        requested: Range<u32>,
        /// How many LODs the mesh has.
        lod_count: u32,
    },
}

/// Reads and decodes the chunk of LOD `level` of a mesh with `lod_count`
/// LODs (`held` names the chunk `buffer` already holds, if any).
pub(crate) fn read_lod<E>(
    read_chunk_fn: &mut impl FnMut(u32, &mut Vec<u8>) -> Result<(), E>,
    level: u32,
    lod_count: u32,
    limits: &MeshLimits,
    buffer: &mut Vec<u8>,
    held: Option<u32>,
) -> Result<(LodHeader, MeshLod), MeshReadError<E>> {
    let chunk = chunk_of_lod(level, lod_count);
    if held != Some(chunk) {
        read_chunk_fn(chunk, buffer).map_err(MeshReadError::Source)?;
    }
    let chunk = read_chunk(buffer)?;
    let h = chunk.header;
    if h.level != level || h.lod_count != lod_count {
        return Err(MeshReadError::NoSuchLods {
            requested: level..level + 1,
            lod_count: h.lod_count,
        });
    }
    let too_large =
        || MeshReadError::TooLarge { level, vertices: h.vertex_count, indices: h.index_count };
    let vertices = limits.check_vertices(u64::from(h.vertex_count)).map_err(|_| too_large())?;
    let indices = limits.check_indices(u64::from(h.index_count)).map_err(|_| too_large())?;
    let stride = h.layout.stride();
    limits.check_bytes((vertices * stride) as u64).map_err(|_| too_large())?;
    let decode = |message| MeshReadError::Decode { level, message };
    let vertex_bytes = decode_vertices(chunk.vertices, vertices, stride).map_err(decode)?;
    let index_data = decode_indices(chunk.indices, indices, vertices).map_err(decode)?;
    Ok((
        h,
        MeshLod {
            level,
            error: h.error,
            vertex_count: h.vertex_count,
            vertices: vertex_bytes,
            indices: index_data,
            submeshes: chunk.submeshes,
        },
    ))
}

/// Reads the LODs `selection` picks of a cooked mesh through
/// `read_chunk(chunk, out)`, which replaces `out` with the chunk's bytes.
///
/// Chunk 0 (the coarsest LOD, which names the LOD count) is read first,
/// then each finer LOD selected, coarse to fine.
///
/// # Errors
/// [`MeshReadError::Source`] when a read fails, and the other variants for
/// data that is not a cooked mesh or passes `limits`.
pub fn read_mesh<E>(
    mut read_chunk_fn: impl FnMut(u32, &mut Vec<u8>) -> Result<(), E>,
    selection: LodSelection,
    limits: &MeshLimits,
) -> Result<Mesh, MeshReadError<E>> {
    let mut buffer = Vec::new();
    read_chunk_fn(0, &mut buffer).map_err(MeshReadError::Source)?;
    let lod_count = read_chunk(&buffer)?.header.lod_count;
    let range = selection.range(lod_count);
    let mut lods = Vec::with_capacity(range.len());
    let mut first = None;
    // Chunk 0 (the coarsest LOD) is in `buffer` already.
    let mut held = Some(0);
    for level in range.clone().rev() {
        let (header, lod) =
            read_lod(&mut read_chunk_fn, level, lod_count, limits, &mut buffer, held.take())?;
        first.get_or_insert(header);
        lods.push(lod);
    }
    lods.reverse();
    let header = first.ok_or(MeshReadError::NoSuchLods { requested: range.clone(), lod_count })?;
    Ok(Mesh { layout: header.layout, bounds: header.bounds, lod_count, resident: range, lods })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selections_are_never_empty() {
        assert_eq!(LodSelection::All.range(4), 0..4);
        assert_eq!(LodSelection::Coarsest.range(4), 3..4);
        assert_eq!(LodSelection::From(2).range(4), 2..4);
        assert_eq!(LodSelection::From(9).range(4), 3..4);
        assert_eq!(LodSelection::All.range(0), 0..1);
    }
}
