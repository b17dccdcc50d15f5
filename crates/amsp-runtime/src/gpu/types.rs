//! Plain values shared by GPU backends and the residency manager: ids,
//! texel formats, texture descriptions, memory figures and errors.

use std::ops::Range;

/// A texture created by a [`GpuBackend`](super::GpuBackend); stable for
/// the texture's life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct GpuTextureId(pub u64);

/// A buffer created by a [`GpuBackend`](super::GpuBackend).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct GpuBufferId(pub u64);

/// Texel formats the GPU tier moves. Block-compressed formats have 4×4
/// blocks; the others one texel per block.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum GpuFormat {
    /// 8-bit red.
    R8Unorm,
    /// 8-bit red, green.
    Rg8Unorm,
    /// 8-bit RGBA, linear.
    Rgba8Unorm,
    /// 8-bit RGBA, sRGB-encoded colour.
    Rgba8UnormSrgb,
    /// 16-bit float RGBA.
    Rgba16Float,
    /// 32-bit float RGBA.
    Rgba32Float,
    /// BC1 (DXT1), linear.
    Bc1RgbaUnorm,
    /// BC1 (DXT1), sRGB.
    Bc1RgbaUnormSrgb,
    /// BC3 (DXT5), linear.
    Bc3RgbaUnorm,
    /// BC3 (DXT5), sRGB.
    Bc3RgbaUnormSrgb,
    /// BC4, one channel.
    Bc4RUnorm,
    /// BC5, two channels (normal maps).
    Bc5RgUnorm,
    /// BC6H, unsigned half floats.
    Bc6hRgbUfloat,
    /// BC7, linear.
    Bc7RgbaUnorm,
    /// BC7, sRGB.
    Bc7RgbaUnormSrgb,
}

impl GpuFormat {
    /// Width and height of one block in texels.
    #[must_use]
    pub fn block_dims(self) -> (u32, u32) {
        if self.is_compressed() { (4, 4) } else { (1, 1) }
    }

    /// Bytes of one block.
    #[must_use]
    pub fn block_bytes(self) -> u32 {
        match self {
            Self::R8Unorm => 1,
            Self::Rg8Unorm => 2,
            Self::Rgba8Unorm | Self::Rgba8UnormSrgb => 4,
            Self::Rgba16Float | Self::Bc1RgbaUnorm | Self::Bc1RgbaUnormSrgb | Self::Bc4RUnorm => 8,
            Self::Rgba32Float
            | Self::Bc3RgbaUnorm
            | Self::Bc3RgbaUnormSrgb
            | Self::Bc5RgUnorm
            | Self::Bc6hRgbUfloat
            | Self::Bc7RgbaUnorm
            | Self::Bc7RgbaUnormSrgb => 16,
        }
    }

    /// Whether the format is block-compressed.
    #[must_use]
    pub fn is_compressed(self) -> bool {
        matches!(
            self,
            Self::Bc1RgbaUnorm
                | Self::Bc1RgbaUnormSrgb
                | Self::Bc3RgbaUnorm
                | Self::Bc3RgbaUnormSrgb
                | Self::Bc4RUnorm
                | Self::Bc5RgUnorm
                | Self::Bc6hRgbUfloat
                | Self::Bc7RgbaUnorm
                | Self::Bc7RgbaUnormSrgb
        )
    }
}

/// What a 2D texture (or 2D array: cube faces count as layers) is made of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct GpuTextureDesc {
    /// Texel format.
    pub format: GpuFormat,
    /// Width of mip 0 in texels.
    pub width: u32,
    /// Height of mip 0 in texels.
    pub height: u32,
    /// Array layers (layers × faces of the source texture), at least 1.
    pub layers: u32,
    /// Mip levels, at least 1; level 0 is the finest.
    pub mip_count: u32,
}

impl GpuTextureDesc {
    /// Size of mip `mip` in texels (at least 1×1).
    #[must_use]
    pub fn mip_size(&self, mip: u32) -> (u32, u32) {
        let shift = mip.min(31);
        ((self.width >> shift).max(1), (self.height >> shift).max(1))
    }

    /// Rows of blocks of mip `mip` (one layer).
    #[must_use]
    pub fn block_rows(&self, mip: u32) -> u32 {
        let (_, h) = self.mip_size(mip);
        h.div_ceil(self.format.block_dims().1)
    }

    /// Bytes of one row of blocks of mip `mip`.
    #[must_use]
    pub fn row_bytes(&self, mip: u32) -> u64 {
        let (w, _) = self.mip_size(mip);
        u64::from(w.div_ceil(self.format.block_dims().0)) * u64::from(self.format.block_bytes())
    }

    /// Bytes of one layer of mip `mip`.
    #[must_use]
    pub fn layer_bytes(&self, mip: u32) -> u64 {
        self.row_bytes(mip) * u64::from(self.block_rows(mip))
    }

    /// Bytes of mip `mip`, all layers.
    #[must_use]
    pub fn mip_bytes(&self, mip: u32) -> u64 {
        self.layer_bytes(mip) * u64::from(self.layers)
    }

    /// Bytes of the mips in `mips`.
    #[must_use]
    pub fn bytes_of(&self, mips: Range<u32>) -> u64 {
        mips.map(|m| self.mip_bytes(m)).sum()
    }

    /// Bytes of the whole chain.
    #[must_use]
    pub fn bytes(&self) -> u64 {
        self.bytes_of(0..self.mip_count)
    }

    /// Whether the description is usable: non-zero sizes and layers, a mip
    /// count no longer than the full chain.
    #[must_use]
    pub fn is_valid(&self) -> bool {
        let full = 32 - self.width.max(self.height).leading_zeros();
        self.width > 0 && self.height > 0 && self.layers > 0 && (1..=full).contains(&self.mip_count)
    }
}

/// A region of a texture to write: whole rows of blocks of one layer of one
/// mip. Its bytes are `rows.len() × row_bytes(mip)`, rows tightly packed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextureWrite {
    /// Mip level.
    pub mip: u32,
    /// Array layer.
    pub layer: u32,
    /// Rows of blocks (not texels) written.
    pub rows: Range<u32>,
}

/// What a buffer is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum GpuBufferUsage {
    /// Vertex data.
    Vertex,
    /// `u32` indices.
    Index,
    /// Any other storage or uniform data.
    Storage,
}

/// GPU memory as a backend knows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct GpuMemoryInfo {
    /// Memory the device offers this process, if the backend knows it.
    pub budget: Option<u64>,
    /// Bytes of textures and buffers the backend created and holds.
    pub used: u64,
    /// Bytes written through the backend since it was made.
    pub written: u64,
}

/// A GPU backend operation that failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum GpuError {
    /// The backend cannot create textures of this format on its device.
    #[error("texture format {format:?} is not supported by {backend}")]
    UnsupportedFormat {
        /// The format.
        format: GpuFormat,
        /// The backend or device that refused it.
        backend: String,
    },
    /// A texture description with zero sizes or too many mips, or beyond
    /// the device's limits.
    #[error("invalid texture {desc:?}: {reason}")]
    InvalidTexture {
        /// The description.
        desc: GpuTextureDesc,
        /// What is wrong.
        reason: String,
    },
    /// An id the backend does not hold (destroyed, or never created).
    #[error("unknown GPU resource {0}")]
    UnknownResource(String),
    /// A write outside the resource, or whose byte count does not match
    /// its region.
    #[error("bad write to {resource}: {reason}")]
    BadWrite {
        /// The resource written.
        resource: String,
        /// What is wrong.
        reason: String,
    },
    /// The device failed (lost, out of memory, validation).
    #[error("GPU device error: {0}")]
    Device(String),
}
