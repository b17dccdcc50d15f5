//! The runtime `Texture` asset and its loader.

use std::sync::Arc;

use crate::levels::{Nearest, nearest_level};
use std::ops::Range;

use amsp_io::{AssetDescriptor, DiskCache};
use amsp_runtime::{Asset, AssetLoader, LoadContext, LoadError, LoadInput};

use super::basis::TextureTarget;
use super::ktx2::{Ktx2Texture, TextureLimits, VkFormat};
use super::layout::TEXTURE_TYPE;
use super::read::{MipSelection, TextureReadError, read_levels, read_texture_cached};

/// A texture ready for upload: its format, dimensions and the mip levels
/// that are resident in memory.
#[derive(Debug, Clone, PartialEq)]
pub struct Texture {
    /// Width of mip level 0, in texels.
    pub width: u32,
    /// Height of mip level 0, in texels.
    pub height: u32,
    /// Texel format of every level.
    pub format: VkFormat,
    /// Depth of mip level 0, in texels (1 unless a volume texture).
    pub depth: u32,
    /// Array layers (1 for a plain 2D texture).
    pub layers: u32,
    /// Faces (6 for a cube map, else 1).
    pub faces: u32,
    /// Number of mip levels of the full texture.
    pub mip_count: u32,
    /// Which levels are resident: `resident.start` is the finest one held.
    pub resident: Range<u32>,
    /// The resident levels' texel data, finest first
    /// (`mips[0]` is level `resident.start`).
    pub mips: Vec<Vec<u8>>,
    /// The cooked header chunk the levels were read with, kept so that an
    /// upgrade reads only the finer levels' chunks.
    pub(crate) header: Option<Arc<[u8]>>,
}

impl Texture {
    /// An 8×8 RGBA8 checkerboard of 2×2 cells in two colours.
    fn checkerboard(a: [u8; 4], b: [u8; 4]) -> Self {
        let mut data = Vec::with_capacity(8 * 8 * 4);
        for y in 0..8 {
            for x in 0..8 {
                data.extend_from_slice(if (x / 2 + y / 2) % 2 == 0 { &a } else { &b });
            }
        }
        Self {
            width: 8,
            height: 8,
            format: VkFormat::R8G8B8A8Srgb,
            depth: 1,
            layers: 1,
            faces: 1,
            mip_count: 1,
            resident: 0..1,
            mips: vec![data],
            header: None,
        }
    }

    /// The same texture with levels `finest..` resident: the levels finer
    /// than the resident ones are read through `read_chunk(chunk, out)` (as
    /// for [`read_texture`](super::read_texture), transcoded for `target` if
    /// they are Basis Universal data: give the target the texture was loaded
    /// with) and the resident ones are kept. A `finest` at or past the
    /// finest resident level returns a copy.
    ///
    /// ```no_run
    /// # use amsp_formats::texture::{Texture, basis::TextureTarget, ktx2::TextureLimits};
    /// # use amsp_io::AssetSource;
    /// # fn f(texture: &Texture, source: &dyn AssetSource, id: amsp_core::AssetId) {
    /// let read = |chunk, out: &mut Vec<u8>| source.read_chunk(id, chunk, out);
    /// let sharper = texture
    ///     .upgrade(read, 0, TextureTarget::Desktop, &TextureLimits::default())
    ///     .expect("levels read");
    /// assert_eq!(sharper.resident.start, 0);
    /// # }
    /// ```
    ///
    /// # Errors
    ///
    /// As [`read_texture`](super::read_texture), and
    /// [`TextureReadError::NoSuchLevels`] when the stored texture no longer
    /// matches this one.
    pub fn upgrade<E>(
        &self,
        read_chunk: impl FnMut(u32, &mut Vec<u8>) -> Result<(), E>,
        finest: u32,
        target: TextureTarget,
        limits: &TextureLimits,
    ) -> Result<Texture, TextureReadError<E>> {
        self.upgrade_cached(read_chunk, finest, target, limits, None)
    }

    /// As [`upgrade`](Self::upgrade), with Basis Universal levels looked up
    /// in (and, when transcoded, stored to) `cache`.
    fn upgrade_cached<E>(
        &self,
        mut read_chunk: impl FnMut(u32, &mut Vec<u8>) -> Result<(), E>,
        finest: u32,
        target: TextureTarget,
        limits: &TextureLimits,
        cache: Option<&DiskCache>,
    ) -> Result<Texture, TextureReadError<E>> {
        if finest >= self.resident.start {
            return Ok(self.clone());
        }
        let header: Arc<[u8]> = match &self.header {
            Some(header) => Arc::clone(header),
            None => {
                let mut header = Vec::new();
                read_chunk(0, &mut header).map_err(TextureReadError::Source)?;
                Arc::from(header)
            }
        };
        let ktx = Ktx2Texture::parse_header(&header, limits)?;
        let requested = finest..self.resident.start;
        let same = ktx.dimensions() == (self.width, self.height, self.depth)
            && ktx.levels() == self.mip_count;
        if !same {
            return Err(TextureReadError::NoSuchLevels { requested, levels: ktx.levels() });
        }
        let cache = cache.map(|cache| (cache, &header[..]));
        let mut finer = read_levels(&ktx, &mut read_chunk, requested.clone(), target, cache)?;
        if finer.format != self.format {
            return Err(TextureReadError::NoSuchLevels { requested, levels: ktx.levels() });
        }
        finer.mips.extend(self.mips.iter().cloned());
        finer.resident = finest..self.resident.end;
        finer.header = Some(header);
        Ok(finer)
    }

    /// The same texture without the levels finer than `finest` (to give
    /// memory back); the coarsest resident level is always kept.
    #[must_use]
    pub fn trimmed(&self, finest: u32) -> Texture {
        let finest = finest.clamp(self.resident.start, self.resident.end.saturating_sub(1));
        let skip = (finest - self.resident.start) as usize;
        Texture {
            resident: finest..self.resident.end,
            mips: self.mips[skip..].to_vec(),
            ..self.clone()
        }
    }

    /// The texel data of mip level `level`, if it is resident.
    #[must_use]
    pub fn level(&self, level: u32) -> Option<&[u8]> {
        if !self.resident.contains(&level) {
            return None;
        }
        self.mips.get((level - self.resident.start) as usize).map(Vec::as_slice)
    }
}

impl Asset for Texture {
    const TYPE_NAME: &'static str = "Texture";

    fn byte_size(&self) -> usize {
        self.mips.iter().map(Vec::len).sum::<usize>()
            + self.header.as_ref().map_or(0, |h| h.len())
            + size_of::<Self>()
    }

    /// Magenta and black: the texture is still loading.
    fn placeholder() -> Option<Self> {
        Some(Self::checkerboard([255, 0, 255, 255], [0, 0, 0, 255]))
    }

    /// Red and white: the texture failed to load.
    fn error_placeholder() -> Option<Self> {
        Some(Self::checkerboard([255, 0, 0, 255], [255, 255, 255, 255]))
    }
}

/// Loads cooked KTX2 textures as [`Texture`]: the levels [`mips`](Self::mips)
/// selects, each read from its own pack chunk, Basis Universal data
/// transcoded for [`target`](Self::target) (or taken from the
/// [`transcode_cache`](Self::transcode_cache)).
///
/// ```no_run
/// use std::sync::Arc;
/// use amsp_formats::texture::TextureLoader;
/// use amsp_io::{DiskCache, DiskCacheConfig};
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let cache = Arc::new(DiskCache::open_default(DiskCacheConfig::default())?);
/// let loader = TextureLoader::default().with_transcode_cache(cache);
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, Default)]
pub struct TextureLoader {
    /// Size limits checked before anything is allocated.
    pub limits: TextureLimits,
    /// Which levels a load makes resident (all by default).
    pub mips: MipSelection,
    /// What Basis Universal textures (UASTC, ETC1S) are transcoded to
    /// (desktop BC7 by default); other textures load as they were cooked.
    pub target: TextureTarget,
    /// Where Basis Universal levels transcoded at load are kept, so that
    /// the next load of the same level for the same target (in this run or
    /// a later one) reads them instead of transcoding (none by default).
    /// Only the levels a load reads are looked up; a failure to store one
    /// is counted in the cache's stats and does not fail the load. See
    /// [`TRANSCODE_CACHE_VERSION`](super::TRANSCODE_CACHE_VERSION) for what
    /// an entry's key is made of.
    pub transcode_cache: Option<Arc<DiskCache>>,
}

impl TextureLoader {
    /// The same loader, keeping transcoded Basis Universal levels in `cache`.
    #[must_use]
    pub fn with_transcode_cache(mut self, cache: Arc<DiskCache>) -> Self {
        self.transcode_cache = Some(cache);
        self
    }
}

impl AssetLoader for TextureLoader {
    type Asset = Texture;

    fn asset_types(&self) -> &[&str] {
        &[TEXTURE_TYPE]
    }

    fn extensions(&self) -> &[&str] {
        &["ktx2"]
    }

    /// The header and the chunks of the levels a load makes resident, which
    /// are stored first (the smallest levels follow the header).
    fn read_ahead(&self, descriptor: &AssetDescriptor, level: Option<u8>) -> u32 {
        let from = match (level, self.mips) {
            (Some(level), _) => u32::from(level),
            (None, MipSelection::All) => 0,
            (None, MipSelection::From(level)) => level,
            // The tail's size is known only from the header.
            (None, _) => return 1,
        };
        descriptor.chunk_count.saturating_sub(from).max(1)
    }

    /// A level request ([`AssetServer::load_level`]) loads mip `level` and
    /// the smaller ones: trimmed from a finer level already loaded, or
    /// extended from a coarser one by reading only the mips it lacks.
    ///
    /// [`AssetServer::load_level`]: amsp_runtime::AssetServer::load_level
    fn load(&self, input: LoadInput, ctx: &mut LoadContext<'_>) -> Result<Texture, LoadError> {
        let read = |chunk, out: &mut Vec<u8>| input.read_chunk(chunk, out).map_err(Box::new);
        let map = |err: TextureReadError<Box<LoadError>>| match err {
            TextureReadError::Source(err) => *err,
            other => ctx.parse_error(other),
        };
        let cache = self.transcode_cache.as_deref();
        let Some(level) = ctx.level().map(u32::from) else {
            return read_texture_cached(read, self.mips, self.target, &self.limits, cache)
                .map_err(map);
        };
        let loaded: Vec<Arc<Texture>> =
            ctx.loaded_levels::<Texture>().into_iter().map(|(_, t)| t).collect();
        match nearest_level(&loaded, level, |t| t.resident.clone()) {
            Some(Nearest::Finer(texture)) => Ok(texture.trimmed(level)),
            Some(Nearest::Coarser(texture)) => {
                texture.upgrade_cached(read, level, self.target, &self.limits, cache).map_err(map)
            }
            None => {
                let from = MipSelection::From(level);
                read_texture_cached(read, from, self.target, &self.limits, cache).map_err(map)
            }
        }
    }
}
