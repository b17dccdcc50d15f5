//! How a cooked mesh is laid out in pack chunks.
//!
//! A cooked mesh has one chunk per LOD, **coarsest first**: chunk 0 is the
//! coarsest LOD and the last chunk LOD 0 (the full mesh). Every chunk is
//! self-contained (its own compacted vertex buffer and index buffer), so a
//! client that reads chunk 0 alone can draw the mesh. The cook compresses
//! each chunk with zstd on top of the meshopt codecs.
//!
//! Chunk layout (little-endian):
//!
//! ```text
//! offset size  field
//!      0    4  magic "AMSH"
//!      4    4  version (1)
//!      8    4  LOD level (0 = finest)
//!     12    4  LOD count
//!     16    4  attribute bits (1 normal, 2 uv, 4 tangent, 8 colour)
//!     20    4  vertex count
//!     24    4  index count (multiple of 3)
//!     28    4  submesh count
//!     32    4  simplification error (f32, relative to the mesh extent)
//!     36   24  AABB min xyz, max xyz (f32, whole mesh)
//!     60   16  bounding sphere centre xyz, radius (f32, whole mesh)
//!     76    4  encoded vertex bytes
//!     80    4  encoded index bytes
//!     84 12*s  submeshes: index start, index count, material (u32 each)
//!      …       vertex buffer (meshopt vertex codec; interleaved f32:
//!              position, then normal, uv, tangent, colour as present)
//!      …       index buffer (meshopt index codec, u32 triangle list)
//! ```

use super::data::{Bounds, Submesh};

/// The cooked type name of meshes.
pub const MESH_TYPE: &str = "mesh";

/// Chunk magic.
const MAGIC: &[u8; 4] = b"AMSH";
/// Chunk format version.
const VERSION: u32 = 1;
/// Bytes before the submesh table.
const HEADER_LEN: usize = 84;

/// Which optional vertex attributes a cooked mesh has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub struct VertexLayout {
    /// Normals (3 × f32).
    pub normal: bool,
    /// Texture coordinates (2 × f32).
    pub uv: bool,
    /// Tangents (4 × f32).
    pub tangent: bool,
    /// Colours (4 × f32).
    pub color: bool,
}

impl VertexLayout {
    /// The attribute bits as stored.
    #[must_use]
    pub fn bits(self) -> u32 {
        u32::from(self.normal)
            | u32::from(self.uv) << 1
            | u32::from(self.tangent) << 2
            | u32::from(self.color) << 3
    }

    /// The layout of stored attribute bits, if every bit is known.
    #[must_use]
    pub fn from_bits(bits: u32) -> Option<Self> {
        (bits < 16).then_some(Self {
            normal: bits & 1 != 0,
            uv: bits & 2 != 0,
            tangent: bits & 4 != 0,
            color: bits & 8 != 0,
        })
    }

    /// Bytes per interleaved vertex.
    #[must_use]
    pub fn stride(self) -> usize {
        12 + 12 * usize::from(self.normal)
            + 8 * usize::from(self.uv)
            + 16 * usize::from(self.tangent)
            + 16 * usize::from(self.color)
    }

    /// Byte offsets of normal, uv, tangent and colour within a vertex.
    #[must_use]
    pub fn offsets(self) -> [Option<usize>; 4] {
        let mut at = 12;
        [(self.normal, 12), (self.uv, 8), (self.tangent, 16), (self.color, 16)].map(|(on, len)| {
            on.then(|| {
                at += len;
                at - len
            })
        })
    }

    /// Names of the attributes present, position first.
    #[must_use]
    pub fn names(self) -> Vec<&'static str> {
        let mut names = vec!["position"];
        for (on, name) in [
            (self.normal, "normal"),
            (self.uv, "uv"),
            (self.tangent, "tangent"),
            (self.color, "color"),
        ] {
            if on {
                names.push(name);
            }
        }
        names
    }
}

/// The fixed fields of one LOD chunk.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LodHeader {
    /// LOD level (0 = finest).
    pub level: u32,
    /// Number of LODs of the mesh.
    pub lod_count: u32,
    /// Vertex attributes.
    pub layout: VertexLayout,
    /// Vertices in this LOD's buffer.
    pub vertex_count: u32,
    /// Indices in this LOD's buffer.
    pub index_count: u32,
    /// Simplification error relative to the mesh extent (0 for LOD 0).
    pub error: f32,
    /// Bounds of the whole mesh.
    pub bounds: Bounds,
}

/// One LOD chunk, parsed but not decoded.
#[derive(Debug, Clone, PartialEq)]
pub struct LodChunk<'a> {
    /// The fixed fields.
    pub header: LodHeader,
    /// Index ranges per material.
    pub submeshes: Vec<Submesh>,
    /// meshopt-encoded vertex buffer.
    pub vertices: &'a [u8],
    /// meshopt-encoded index buffer.
    pub indices: &'a [u8],
}

/// The pack chunk of LOD `level` of a mesh with `lod_count` LODs.
#[must_use]
pub fn chunk_of_lod(level: u32, lod_count: u32) -> u32 {
    lod_count.saturating_sub(1).saturating_sub(level)
}

/// Writes one LOD chunk.
#[must_use]
pub fn write_chunk(chunk: &LodChunk<'_>) -> Vec<u8> {
    let h = &chunk.header;
    let mut out = Vec::with_capacity(
        HEADER_LEN + 12 * chunk.submeshes.len() + chunk.vertices.len() + chunk.indices.len(),
    );
    out.extend_from_slice(MAGIC);
    let b = &h.bounds;
    let words = [
        VERSION,
        h.level,
        h.lod_count,
        h.layout.bits(),
        h.vertex_count,
        h.index_count,
        chunk.submeshes.len() as u32,
        h.error.to_bits(),
    ];
    let floats = [b.min, b.max, b.center].concat();
    out.extend(words.iter().flat_map(|w| w.to_le_bytes()));
    out.extend(floats.iter().chain([&b.radius]).flat_map(|f| f.to_le_bytes()));
    out.extend_from_slice(&(chunk.vertices.len() as u32).to_le_bytes());
    out.extend_from_slice(&(chunk.indices.len() as u32).to_le_bytes());
    for s in &chunk.submeshes {
        for w in [s.index_start, s.index_count, s.material] {
            out.extend_from_slice(&w.to_le_bytes());
        }
    }
    out.extend_from_slice(chunk.vertices);
    out.extend_from_slice(chunk.indices);
    out
}

/// Why a cooked mesh chunk could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LayoutError {
    /// The chunk is shorter than its header says.
    #[error("mesh chunk truncated: {0}")]
    Truncated(&'static str),
    /// A field has a value this version does not know.
    #[error("mesh chunk invalid: {0}")]
    Invalid(String),
}

fn u32_at(bytes: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]])
}

/// Parses one LOD chunk, checking every size against the chunk.
///
/// # Errors
/// [`LayoutError`] when the bytes are not a version-1 mesh chunk.
pub fn read_chunk(bytes: &[u8]) -> Result<LodChunk<'_>, LayoutError> {
    if bytes.len() < HEADER_LEN {
        return Err(LayoutError::Truncated("header"));
    }
    if &bytes[..4] != MAGIC {
        return Err(LayoutError::Invalid("not a mesh chunk (bad magic)".into()));
    }
    let version = u32_at(bytes, 4);
    if version != VERSION {
        return Err(LayoutError::Invalid(format!("version {version}")));
    }
    let layout = VertexLayout::from_bits(u32_at(bytes, 16))
        .ok_or_else(|| LayoutError::Invalid(format!("attribute bits {}", u32_at(bytes, 16))))?;
    let f = |at: usize| f32::from_bits(u32_at(bytes, at));
    let header = LodHeader {
        level: u32_at(bytes, 8),
        lod_count: u32_at(bytes, 12),
        layout,
        vertex_count: u32_at(bytes, 20),
        index_count: u32_at(bytes, 24),
        error: f(32),
        bounds: Bounds {
            min: [f(36), f(40), f(44)],
            max: [f(48), f(52), f(56)],
            center: [f(60), f(64), f(68)],
            radius: f(72),
        },
    };
    if header.level >= header.lod_count || !header.index_count.is_multiple_of(3) {
        return Err(LayoutError::Invalid(format!(
            "LOD {} of {}, {} indices",
            header.level, header.lod_count, header.index_count
        )));
    }
    let submesh_count = u32_at(bytes, 28) as usize;
    let (vertex_len, index_len) = (u32_at(bytes, 76) as usize, u32_at(bytes, 80) as usize);
    let table_end = submesh_count
        .checked_mul(12)
        .and_then(|n| n.checked_add(HEADER_LEN))
        .filter(|&end| end <= bytes.len())
        .ok_or(LayoutError::Truncated("submesh table"))?;
    let vertex_end = table_end
        .checked_add(vertex_len)
        .filter(|&end| end <= bytes.len())
        .ok_or(LayoutError::Truncated("vertex buffer"))?;
    let index_end = vertex_end
        .checked_add(index_len)
        .filter(|&end| end == bytes.len())
        .ok_or(LayoutError::Truncated("index buffer"))?;
    let submeshes: Vec<Submesh> = bytes[HEADER_LEN..table_end]
        .chunks_exact(12)
        .map(|s| Submesh {
            index_start: u32_at(s, 0),
            index_count: u32_at(s, 4),
            material: u32_at(s, 8),
        })
        .collect();
    let mut next = 0u64;
    for s in &submeshes {
        if u64::from(s.index_start) != next || s.index_count % 3 != 0 {
            return Err(LayoutError::Invalid("submeshes do not cover the indices in order".into()));
        }
        next += u64::from(s.index_count);
    }
    if next != u64::from(header.index_count) {
        return Err(LayoutError::Invalid("submeshes do not cover the indices".into()));
    }
    Ok(LodChunk {
        header,
        submeshes,
        vertices: &bytes[table_end..vertex_end],
        indices: &bytes[vertex_end..index_end],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_round_trip_and_truncations_are_errors() {
        let chunk = LodChunk {
            header: LodHeader {
                level: 1,
                lod_count: 3,
                layout: VertexLayout { normal: true, uv: true, tangent: false, color: false },
                vertex_count: 4,
                index_count: 6,
                error: 0.01,
                bounds: Bounds { min: [-1.0; 3], max: [1.0; 3], center: [0.0; 3], radius: 1.7 },
            },
            submeshes: vec![Submesh { index_start: 0, index_count: 6, material: 2 }],
            vertices: &[1, 2, 3],
            indices: &[4, 5],
        };
        let bytes = write_chunk(&chunk);
        assert_eq!(read_chunk(&bytes).unwrap(), chunk);
        for len in 0..bytes.len() {
            assert!(read_chunk(&bytes[..len]).is_err(), "truncated at {len}");
        }
        assert_eq!(chunk_of_lod(0, 3), 2);
        assert_eq!(chunk_of_lod(2, 3), 0);
        assert_eq!(chunk.header.layout.stride(), 32);
        assert_eq!(chunk.header.layout.offsets(), [Some(12), Some(24), None, None]);
    }
}
