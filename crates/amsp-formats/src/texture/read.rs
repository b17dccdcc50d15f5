//! Reading a cooked texture's levels from its pack chunks: the header chunk
//! first, then only the level chunks wanted, each decoded straight into the
//! buffer the [`Texture`] keeps.

use std::cell::RefCell;
use std::ops::Range;

use amsp_io::DiskCache;

use super::asset::Texture;
use super::basis::{BasisError, BasisTranscoder, TextureTarget};
use super::ktx2::{Ktx2Error, Ktx2Texture, Supercompression, TextureLimits, VkFormat};
use super::layout::chunk_of_level;
use super::transcode_cache::LevelCache;

/// Which mip levels a texture load makes resident.
///
/// Levels are numbered from 0, the full-size one. The coarsest level is
/// always loaded, so a texture is never empty; finer levels can be added
/// later with [`Texture::upgrade`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum MipSelection {
    /// Every level.
    #[default]
    All,
    /// The mip tail: levels whose larger side is at most this many texels.
    MaxSize(u32),
    /// Every level from this one down (0 loads all).
    From(u32),
}

impl MipSelection {
    /// The levels this selection makes resident for a texture of `levels`
    /// levels whose level 0 is `width`×`height`: never empty.
    #[must_use]
    pub fn range(self, width: u32, height: u32, levels: u32) -> Range<u32> {
        let levels = levels.max(1);
        let first = match self {
            MipSelection::All => 0,
            MipSelection::From(level) => level,
            MipSelection::MaxSize(max) => {
                (0..levels).find(|&l| (width >> l).max(height >> l).max(1) <= max).unwrap_or(levels)
            }
        };
        first.min(levels - 1)..levels
    }
}

/// Why a cooked texture could not be read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TextureReadError<E> {
    /// The source failed to give a chunk.
    #[error(transparent)]
    Source(E),
    /// The KTX2 data is invalid.
    #[error("invalid KTX2: {0}")]
    Format(#[from] Ktx2Error),
    /// The KTX2 `vkFormat` is not one AMSP knows the layout of.
    #[error("unsupported vkFormat {0}")]
    UnsupportedFormat(u32),
    /// Basis Universal data could not be transcoded.
    #[error("Basis Universal transcoding failed: {0}")]
    Transcode(#[from] BasisError),
    /// The requested levels are not in the texture.
    #[error("levels {requested:?} requested of a texture with {levels} levels")]
    NoSuchLevels {
        /// What was asked for.
        requested: Range<u32>,
        /// How many levels the texture has.
        levels: u32,
    },
}

thread_local! {
    /// Compressed level bytes, reused across loads on one thread.
    static STORED: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

/// A scratch buffer above this capacity is freed after use.
const SCRATCH_KEEP: usize = 16 << 20;

/// Reads the levels `selection` picks of a cooked texture through
/// `read_chunk(chunk, out)`, which replaces `out` with the chunk's bytes.
///
/// Chunk 0 (the KTX2 header, index and DFD) is read and validated first,
/// against `limits`; then each level's chunk. Unsupercompressed levels are
/// read straight into the buffer the texture keeps; zstd levels are read
/// into a per-thread scratch buffer and decompressed into it; Basis
/// Universal levels (UASTC, ETC1S) are transcoded into the format
/// `target` picks (other textures ignore `target`).
///
/// # Errors
///
/// [`TextureReadError::Source`] when a read fails, and the other variants
/// for data that is not a texture AMSP can use.
pub fn read_texture<E>(
    read_chunk: impl FnMut(u32, &mut Vec<u8>) -> Result<(), E>,
    selection: MipSelection,
    target: TextureTarget,
    limits: &TextureLimits,
) -> Result<Texture, TextureReadError<E>> {
    read_texture_cached(read_chunk, selection, target, limits, None)
}

/// As [`read_texture`], with Basis Universal levels looked up in `cache`
/// and, when transcoded, stored to it (see the `transcode_cache` module);
/// with `None`, the same as [`read_texture`]. Only the levels `selection`
/// picks are looked up. A level that cannot be stored is counted in the
/// cache's stats and does not fail the read.
///
/// # Errors
///
/// As [`read_texture`].
pub fn read_texture_cached<E>(
    mut read_chunk: impl FnMut(u32, &mut Vec<u8>) -> Result<(), E>,
    selection: MipSelection,
    target: TextureTarget,
    limits: &TextureLimits,
    cache: Option<&DiskCache>,
) -> Result<Texture, TextureReadError<E>> {
    let mut header = Vec::new();
    read_chunk(0, &mut header).map_err(TextureReadError::Source)?;
    let ktx = Ktx2Texture::parse_header(&header, limits)?;
    let (width, height, _) = ktx.dimensions();
    let range = selection.range(width, height, ktx.levels());
    let cache = cache.map(|cache| (cache, &header[..]));
    let mut texture = read_levels(&ktx, &mut read_chunk, range, target, cache)?;
    texture.header = Some(std::sync::Arc::from(header));
    Ok(texture)
}

/// Reads levels `range` of the texture whose header chunk `ktx` parsed,
/// transcoding Basis Universal data for `target`, through `cache` (the disk
/// cache and the header chunk's bytes) when given.
pub(crate) fn read_levels<E>(
    ktx: &Ktx2Texture<'_>,
    read_chunk: &mut impl FnMut(u32, &mut Vec<u8>) -> Result<(), E>,
    range: Range<u32>,
    target: TextureTarget,
    cache: Option<(&DiskCache, &[u8])>,
) -> Result<Texture, TextureReadError<E>> {
    let levels = ktx.levels();
    if range.is_empty() || range.end > levels {
        return Err(TextureReadError::NoSuchLevels { requested: range, levels });
    }
    let transcoder = if ktx.needs_transcode() { Some(BasisTranscoder::new(ktx)?) } else { None };
    // Only textures that are transcoded hash their header.
    let level_cache = cache
        .filter(|_| transcoder.is_some())
        .map(|(cache, header)| LevelCache::new(cache, header));
    let format = match &transcoder {
        Some(transcoder) => transcoder.format(target),
        None => ktx
            .format()
            .filter(|&f| f != VkFormat::Undefined)
            .ok_or(TextureReadError::UnsupportedFormat(ktx.vk_format()))?,
    };
    let mut mips = Vec::with_capacity(range.len());
    for level in range.clone() {
        let chunk = chunk_of_level(level, levels);
        let data = match (&transcoder, ktx.supercompression()) {
            (None, Supercompression::None) => {
                let mut data = Vec::new();
                read_chunk(chunk, &mut data).map_err(TextureReadError::Source)?;
                let len = ktx.stored_level(level, &data)?.len();
                data.truncate(len);
                data
            }
            _ => STORED.with_borrow_mut(|stored| {
                let result = read_chunk(chunk, stored).map_err(TextureReadError::Source);
                let data = result.and_then(|()| match (&transcoder, &level_cache) {
                    (Some(transcoder), Some(cache)) => {
                        Ok(cache.transcode(transcoder, level, stored, target)?)
                    }
                    (Some(transcoder), None) => {
                        Ok(transcoder.transcode_stored_level(level, stored, target)?.data)
                    }
                    (None, _) => Ok(ktx.decode_stored_level(level, stored)?.into_owned()),
                });
                if stored.capacity() > SCRATCH_KEEP {
                    *stored = Vec::new();
                }
                data
            })?,
        };
        mips.push(data);
    }
    let (width, height, depth) = ktx.dimensions();
    Ok(Texture {
        width,
        height,
        depth,
        format,
        layers: ktx.layers(),
        faces: ktx.faces(),
        mip_count: levels,
        resident: range,
        mips,
        header: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selections_are_never_empty() {
        // 2048×1024: 12 levels, level 3 is 256×128.
        assert_eq!(MipSelection::All.range(2048, 1024, 12), 0..12);
        assert_eq!(MipSelection::MaxSize(256).range(2048, 1024, 12), 3..12);
        assert_eq!(MipSelection::MaxSize(300).range(2048, 1024, 12), 3..12);
        assert_eq!(MipSelection::MaxSize(0).range(2048, 1024, 12), 11..12);
        assert_eq!(MipSelection::MaxSize(4096).range(2048, 1024, 12), 0..12);
        assert_eq!(MipSelection::From(5).range(2048, 1024, 12), 5..12);
        assert_eq!(MipSelection::From(40).range(2048, 1024, 12), 11..12);
        // A texture cooked without its full chain keeps its last level.
        assert_eq!(MipSelection::MaxSize(1).range(2048, 1024, 3), 2..3);
    }
}
