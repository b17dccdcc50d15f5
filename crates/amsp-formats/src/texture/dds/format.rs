//! DDS pixel formats: which are block-compressed (kept as they are) and how
//! the uncompressed ones become RGBA source pixels.

use super::DdsError;
use super::header::{DdsPixelFormat, PF_ALPHA, PF_ALPHAPIXELS, PF_FOURCC, PF_LUMINANCE, PF_RGB};
use crate::texture::ktx2::VkFormat;
use crate::texture::source::PixelFormat;

/// What the texels of a DDS file are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum DdsFormat {
    /// Block-compressed (BC1–BC7) data in this Vulkan format.
    Block(VkFormat),
    /// Uncompressed texels that convert to RGBA source pixels.
    Uncompressed(PixelLayout),
}

/// How one uncompressed texel is stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum PixelLayout {
    /// Legacy bit-mask format of 1–4 bytes per texel; `luminance` reads the
    /// red mask as grey.
    Masked {
        /// Bytes per texel.
        bytes: u32,
        /// Red (or luminance), green, blue and alpha masks; 0 means absent.
        masks: [u32; 4],
        /// Whether the red mask is luminance (copied to red, green and blue).
        luminance: bool,
    },
    /// `R8G8B8A8`; `srgb` when the format says so.
    Rgba8 {
        /// Whether the format is the `_SRGB` variant.
        srgb: bool,
    },
    /// `B8G8R8A8` (or `B8G8R8X8` when `opaque`).
    Bgra8 {
        /// Whether the format is the `_SRGB` variant.
        srgb: bool,
        /// Whether the fourth byte is unused (X) rather than alpha.
        opaque: bool,
    },
    /// `R16G16B16A16_UNORM`.
    Rgba16,
    /// `R16G16B16A16_FLOAT`.
    Rgba16f,
    /// `R32G32B32A32_FLOAT`.
    Rgba32f,
    /// `R8_UNORM`: red only.
    R8,
    /// `R8G8_UNORM`: red and green.
    Rg8,
}

impl DdsFormat {
    /// Bytes of a `width`×`height`×`depth` image, or `None` on overflow.
    pub fn image_bytes(self, width: u32, height: u32, depth: u32) -> Option<u64> {
        let (w, h, d) = (u64::from(width), u64::from(height), u64::from(depth));
        match self {
            DdsFormat::Block(format) => {
                let blocks = w.div_ceil(4).checked_mul(h.div_ceil(4))?.checked_mul(d)?;
                blocks.checked_mul(u64::from(format.block_bytes()))
            }
            DdsFormat::Uncompressed(layout) => {
                w.checked_mul(h)?.checked_mul(d)?.checked_mul(u64::from(layout.bytes_per_texel()))
            }
        }
    }

    /// Whether the format names sRGB colour (only DX10 formats can).
    pub fn is_srgb(self) -> bool {
        match self {
            DdsFormat::Block(format) => format.is_srgb(),
            DdsFormat::Uncompressed(
                PixelLayout::Rgba8 { srgb } | PixelLayout::Bgra8 { srgb, .. },
            ) => srgb,
            DdsFormat::Uncompressed(_) => false,
        }
    }

    /// The format of a DX10 header's `dxgiFormat`.
    ///
    /// # Errors
    ///
    /// [`DdsError::UnsupportedFormat`] for any other `DXGI_FORMAT`.
    pub fn from_dxgi(dxgi: u32) -> Result<Self, DdsError> {
        use VkFormat as V;
        let block = |f| Ok(DdsFormat::Block(f));
        let plain = |l| Ok(DdsFormat::Uncompressed(l));
        match dxgi {
            2 => plain(PixelLayout::Rgba32f),
            10 => plain(PixelLayout::Rgba16f),
            11 => plain(PixelLayout::Rgba16),
            27 | 28 => plain(PixelLayout::Rgba8 { srgb: false }),
            29 => plain(PixelLayout::Rgba8 { srgb: true }),
            49 => plain(PixelLayout::Rg8),
            61 => plain(PixelLayout::R8),
            87 | 90 => plain(PixelLayout::Bgra8 { srgb: false, opaque: false }),
            91 => plain(PixelLayout::Bgra8 { srgb: true, opaque: false }),
            88 => plain(PixelLayout::Bgra8 { srgb: false, opaque: true }),
            93 => plain(PixelLayout::Bgra8 { srgb: true, opaque: true }),
            70 | 71 => block(V::Bc1RgbaUnorm),
            72 => block(V::Bc1RgbaSrgb),
            73 | 74 => block(V::Bc2Unorm),
            75 => block(V::Bc2Srgb),
            76 | 77 => block(V::Bc3Unorm),
            78 => block(V::Bc3Srgb),
            79 | 80 => block(V::Bc4Unorm),
            81 => block(V::Bc4Snorm),
            82 | 83 => block(V::Bc5Unorm),
            84 => block(V::Bc5Snorm),
            94 | 95 => block(V::Bc6hUfloat),
            96 => block(V::Bc6hSfloat),
            97 | 98 => block(V::Bc7Unorm),
            99 => block(V::Bc7Srgb),
            other => Err(DdsError::UnsupportedFormat(format!(
                "DXGI_FORMAT {other} (supported: BC1–BC7, R8G8B8A8, B8G8R8A8/X8, R16G16B16A16 UNORM/FLOAT, R32G32B32A32_FLOAT, R8, R8G8)"
            ))),
        }
    }

    /// The format of a legacy (DX9) pixel format block.
    ///
    /// # Errors
    ///
    /// [`DdsError::UnsupportedFormat`] for FourCCs and bit layouts AMSP does
    /// not import (YUV, bump maps, palettes, masks wider than the texel).
    pub fn from_legacy(pf: &DdsPixelFormat) -> Result<Self, DdsError> {
        use VkFormat as V;
        // Some writers set the FourCC flag with an empty FourCC beside RGB masks.
        if pf.flags & PF_FOURCC != 0 && pf.four_cc != [0; 4] {
            let block = |f| Ok(DdsFormat::Block(f));
            let plain = |l| Ok(DdsFormat::Uncompressed(l));
            return match &pf.four_cc {
                b"DXT1" => block(V::Bc1RgbaUnorm),
                b"DXT2" | b"DXT3" => block(V::Bc2Unorm),
                b"DXT4" | b"DXT5" => block(V::Bc3Unorm),
                b"ATI1" | b"BC4U" => block(V::Bc4Unorm),
                b"BC4S" => block(V::Bc4Snorm),
                b"ATI2" | b"BC5U" => block(V::Bc5Unorm),
                b"BC5S" => block(V::Bc5Snorm),
                // D3DFMT values stored in the FourCC field.
                [36, 0, 0, 0] => plain(PixelLayout::Rgba16),
                [113, 0, 0, 0] => plain(PixelLayout::Rgba16f),
                [116, 0, 0, 0] => plain(PixelLayout::Rgba32f),
                other => Err(DdsError::UnsupportedFormat(format!(
                    "FourCC {:?} ({other:02x?})",
                    String::from_utf8_lossy(other)
                ))),
            };
        }
        let luminance = pf.flags & PF_LUMINANCE != 0;
        let alpha_only = pf.flags & PF_ALPHA != 0;
        if pf.flags & PF_RGB == 0 && !luminance && !alpha_only {
            return Err(DdsError::UnsupportedFormat(format!(
                "pixel format flags {:#x} name neither FourCC, RGB, luminance nor alpha data",
                pf.flags
            )));
        }
        let bits = pf.rgb_bit_count;
        if !matches!(bits, 8 | 16 | 24 | 32) {
            return Err(DdsError::UnsupportedFormat(format!(
                "dwRGBBitCount {bits} (supported: 8, 16, 24, 32)"
            )));
        }
        let alpha = if pf.flags & (PF_ALPHAPIXELS | PF_ALPHA) != 0 { pf.a_mask } else { 0 };
        let (r, g, b) = if alpha_only {
            (0, 0, 0)
        } else if luminance {
            (pf.r_mask, 0, 0)
        } else {
            (pf.r_mask, pf.g_mask, pf.b_mask)
        };
        let masks = [r, g, b, alpha];
        let limit = if bits == 32 { u32::MAX } else { (1u32 << bits) - 1 };
        if masks.iter().all(|&m| m == 0) || masks.iter().any(|&m| m & !limit != 0) {
            return Err(DdsError::UnsupportedFormat(format!(
                "bit masks {masks:#x?} do not fit a {bits}-bit texel or are all empty"
            )));
        }
        Ok(DdsFormat::Uncompressed(PixelLayout::Masked { bytes: bits / 8, masks, luminance }))
    }
}

impl PixelLayout {
    /// Bytes one texel takes.
    pub fn bytes_per_texel(self) -> u32 {
        match self {
            PixelLayout::Masked { bytes, .. } => bytes,
            PixelLayout::Rgba8 { .. } | PixelLayout::Bgra8 { .. } => 4,
            PixelLayout::Rgba16 | PixelLayout::Rgba16f => 8,
            PixelLayout::Rgba32f => 16,
            PixelLayout::R8 => 1,
            PixelLayout::Rg8 => 2,
        }
    }

    /// The [`PixelFormat`] texels convert to.
    pub fn pixel_format(self) -> PixelFormat {
        match self {
            PixelLayout::Rgba16 => PixelFormat::Rgba16,
            PixelLayout::Rgba16f | PixelLayout::Rgba32f => PixelFormat::RgbaF32,
            _ => PixelFormat::Rgba8,
        }
    }

    /// Channels the data holds: 1 (grey or red), 2, 3 or 4.
    pub fn channels(self) -> u8 {
        match self {
            PixelLayout::Masked { masks, luminance, .. } => {
                let alpha = u8::from(masks[3] != 0);
                if luminance { 1 + alpha } else { 3 + alpha }
            }
            PixelLayout::R8 => 1,
            PixelLayout::Rg8 => 2,
            PixelLayout::Bgra8 { opaque: true, .. } => 3,
            _ => 4,
        }
    }

    /// Converts `data`, whole texels in this layout, to
    /// [`pixel_format`](Self::pixel_format) pixels.
    pub fn to_rgba(self, data: &[u8]) -> Vec<u8> {
        let texel = self.bytes_per_texel() as usize;
        match self {
            PixelLayout::Rgba8 { .. } | PixelLayout::Rgba16 | PixelLayout::Rgba32f => data.to_vec(),
            PixelLayout::Bgra8 { opaque, .. } => data
                .chunks_exact(4)
                .flat_map(|p| [p[2], p[1], p[0], if opaque { u8::MAX } else { p[3] }])
                .collect(),
            PixelLayout::R8 => data.iter().flat_map(|&r| [r, 0, 0, u8::MAX]).collect(),
            PixelLayout::Rg8 => {
                data.chunks_exact(2).flat_map(|p| [p[0], p[1], 0, u8::MAX]).collect()
            }
            PixelLayout::Rgba16f => data
                .chunks_exact(2)
                .flat_map(|h| f16_to_f32(u16::from_le_bytes([h[0], h[1]])).to_le_bytes())
                .collect(),
            PixelLayout::Masked { masks, luminance, .. } => {
                let mut out = Vec::with_capacity(data.len() / texel * 4);
                for p in data.chunks_exact(texel) {
                    let mut word = [0u8; 4];
                    word[..texel].copy_from_slice(p);
                    let value = u32::from_le_bytes(word);
                    let [r, g, b, a] = masks.map(|m| expand(value, m));
                    let a = if masks[3] == 0 { u8::MAX } else { a };
                    match (luminance, masks[..3].iter().all(|&m| m == 0)) {
                        (true, _) => out.extend_from_slice(&[r, r, r, a]),
                        // Alpha-only data: white with that alpha.
                        (false, true) => out.extend_from_slice(&[u8::MAX, u8::MAX, u8::MAX, a]),
                        (false, false) => out.extend_from_slice(&[r, g, b, a]),
                    }
                }
                out
            }
        }
    }
}

/// The channel under `mask` in `value`, scaled to 8 bits (0 without a mask).
fn expand(value: u32, mask: u32) -> u8 {
    if mask == 0 {
        return 0;
    }
    let shift = mask.trailing_zeros();
    let max = u64::from(mask >> shift);
    let v = u64::from((value & mask) >> shift);
    ((v * 255 + max / 2) / max) as u8
}

/// An IEEE 754 half-precision value as `f32`.
pub fn f16_to_f32(h: u16) -> f32 {
    let sign = u32::from(h >> 15) << 31;
    let exponent = u32::from((h >> 10) & 0x1F);
    let mantissa = u32::from(h & 0x3FF);
    let bits = match (exponent, mantissa) {
        (0, 0) => sign,
        (0, m) => {
            // Subnormal: value = m × 2^-24.
            let value = m as f32 * f32::from_bits(0x3380_0000);
            return if sign != 0 { -value } else { value };
        }
        (0x1F, m) => sign | 0x7F80_0000 | (m << 13),
        (e, m) => sign | ((e + 112) << 23) | (m << 13),
    };
    f32::from_bits(bits)
}
