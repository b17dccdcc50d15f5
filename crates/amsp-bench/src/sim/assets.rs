//! What the simulation streams, read from a cooked world's catalog: for
//! each prop its mesh (an LOD chain, one chunk per LOD, coarsest first) and
//! its texture (a mip chain: a header chunk, then one chunk per mip), as
//! the streaming manager's level chains plus, per level, the chunks to read
//! and their stored bytes.

use std::io;

use amsp_catalog::{AssetRecord, Catalog};
use amsp_core::{AssetId, AssetPath};
use amsp_runtime::streaming::{Level, LevelChain, LodLevel, MipChain};

use crate::world::World;

/// Mips whose larger side is at most this many texels load as one first
/// step (the streaming manager's default tail).
pub const TAIL_SIZE: u32 = 64;

/// The chunks one step of an asset's chain adds.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    /// Chunks to read.
    pub chunks: Vec<u32>,
    /// The stored bytes of each of `chunks`.
    pub chunk_stored: Vec<u64>,
    /// Their stored bytes (what the transfer costs).
    pub stored: u64,
    /// Their bytes once loaded (what residency costs).
    pub loaded: u64,
}

/// A streamable asset: its chain for the manager and its steps for reads.
#[derive(Debug, Clone, PartialEq)]
pub struct StreamAsset {
    /// The asset.
    pub id: AssetId,
    /// Its chain, as registered with the streaming manager.
    pub chain: LevelChain,
    /// Steps from coarsest (0) to finest.
    pub steps: Vec<Step>,
    /// For textures: the first mip of the tail (step 0 holds it and every
    /// smaller mip); 0 for meshes.
    tail_start: u8,
    is_texture: bool,
}

impl StreamAsset {
    /// The step a manager level stands for.
    #[must_use]
    pub fn step_of(&self, level: Level) -> usize {
        match level {
            // LODs count from the finest (0), steps from the coarsest.
            Level::Lod(n) => (self.steps.len() - 1).saturating_sub(usize::from(n)),
            Level::Mip(m) => usize::from(self.tail_start.saturating_sub(m)),
            Level::Whole => 0,
        }
    }

    /// The stored bytes of each of the asset's chunks (what reading it
    /// costs), by chunk.
    pub fn chunk_costs(&self) -> impl Iterator<Item = (u32, u64)> + '_ {
        self.steps.iter().flat_map(|s| s.chunks.iter().copied().zip(s.chunk_stored.iter().copied()))
    }

    /// Whether this is a texture (else a mesh).
    #[must_use]
    pub fn is_texture(&self) -> bool {
        self.is_texture
    }
}

/// The streamable assets of a world cooked into `out`, and its packs
/// opened.
///
/// # Errors
/// A catalog or pack that does not open, or as [`stream_assets`].
pub fn open_world(
    out: &std::path::Path,
    world: &World,
) -> io::Result<(Vec<StreamAsset>, std::sync::Arc<amsp_io::CookedSource>)> {
    let catalog =
        Catalog::open_read_only(out.join(amsp_cook::CATALOG_FILE)).map_err(io::Error::other)?;
    let assets = stream_assets(&catalog, world)?;
    let source = amsp_io::CookedSource::open(out).map_err(io::Error::other)?;
    Ok((assets, std::sync::Arc::new(source)))
}

/// The streamable assets of a world: `assets[2 * prop]` is the prop's mesh
/// and `assets[2 * prop + 1]` its texture.
///
/// # Errors
/// A prop whose mesh or texture is missing from the catalog or lacks the
/// metadata the cook records.
pub fn stream_assets(catalog: &Catalog, world: &World) -> io::Result<Vec<StreamAsset>> {
    let bad = |what: String| io::Error::new(io::ErrorKind::InvalidData, what);
    let get = |path: &str| -> io::Result<AssetRecord> {
        let p = AssetPath::new(path).map_err(|e| bad(e.to_string()))?;
        catalog
            .get_by_path(&p)
            .map_err(io::Error::other)?
            .ok_or_else(|| bad(format!("{path} is not in the catalog")))
    };
    let mut out = Vec::with_capacity(world.props.len() * 2);
    for prop in &world.props {
        let mesh = get(&prop.mesh)?;
        out.push(
            mesh_asset(&mesh, prop.scale).ok_or_else(|| bad(format!("{}: no LODs", prop.mesh)))?,
        );
        let texture = get(&prop.texture)?;
        out.push(
            texture_asset(&texture)
                .ok_or_else(|| bad(format!("{}: no mip metadata", prop.texture)))?,
        );
    }
    Ok(out)
}

/// A mesh's LOD chain, coarsest first, its errors scaled to the placement.
fn mesh_asset(record: &AssetRecord, scale: f32) -> Option<StreamAsset> {
    let mut lods = record.lods.clone();
    if lods.is_empty() {
        return None;
    }
    lods.sort_by_key(|l| std::cmp::Reverse(l.level));
    let chain = LevelChain::Lod(
        lods.iter()
            .map(|l| LodLevel {
                error: (l.screen_error * scale).max(0.0),
                triangles: u32::try_from(l.triangles).unwrap_or(u32::MAX),
                bytes: l.bytes,
            })
            .collect(),
    );
    let steps = lods
        .iter()
        .map(|l| Step {
            chunks: vec![l.chunk],
            chunk_stored: vec![l.bytes],
            stored: l.bytes,
            loaded: l.bytes,
        })
        .collect();
    Some(StreamAsset { id: record.id, chain, steps, tail_start: 0, is_texture: false })
}

/// A texture's mip chain: step 0 the header chunk and the tail, then one
/// mip per step, finer each time.
fn texture_asset(record: &AssetRecord) -> Option<StreamAsset> {
    let m = &record.metadata;
    let numbers =
        |key: &str| -> Option<Vec<u64>> { m[key].as_array()?.iter().map(|v| v.as_u64()).collect() };
    let (width, height) =
        (u32::try_from(m["width"].as_u64()?).ok()?, u32::try_from(m["height"].as_u64()?).ok()?);
    let (chunks, bytes, stored) =
        (numbers("mip_chunks")?, numbers("mip_bytes")?, numbers("mip_stored_bytes")?);
    let count = bytes.len();
    if count == 0 || chunks.len() != count || stored.len() != count {
        return None;
    }
    let side = width.max(height);
    let tail_start = (0..count).find(|&i| (side >> i).max(1) <= TAIL_SIZE).unwrap_or(count - 1);
    let header = record.stored_size.saturating_sub(stored.iter().sum());
    let mut steps = vec![Step {
        chunks: std::iter::once(0).chain(chunks[tail_start..].iter().map(|&c| c as u32)).collect(),
        chunk_stored: std::iter::once(header).chain(stored[tail_start..].iter().copied()).collect(),
        stored: header + stored[tail_start..].iter().sum::<u64>(),
        loaded: bytes[tail_start..].iter().sum(),
    }];
    for mip in (0..tail_start).rev() {
        steps.push(Step {
            chunks: vec![chunks[mip] as u32],
            chunk_stored: vec![stored[mip]],
            stored: stored[mip],
            loaded: bytes[mip],
        });
    }
    Some(StreamAsset {
        id: record.id,
        chain: LevelChain::Mip(MipChain { width, height, mip_bytes: bytes, tail_size: TAIL_SIZE }),
        steps,
        tail_start: tail_start as u8,
        is_texture: true,
    })
}
