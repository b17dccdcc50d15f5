//! DirectDraw Surface (DDS) files: reading with every size checked.
//!
//! [`DdsTexture::parse`] reads the legacy (DX9) header and the DX10
//! extension, works out the format ([`DdsFormat`]), dimensions, array
//! layers, cube faces and mip levels, and checks every size they imply
//! against [`TextureLimits`] and the file length before anything is
//! allocated. It then hands out each image's levels as slices of the file.
//!
//! Supported: DX9 FourCCs `DXT1`–`DXT5`, `ATI1`, `ATI2`, `BC4U`/`BC4S`,
//! `BC5U`/`BC5S`, the D3DFMT float and 16-bit RGBA codes, and uncompressed
//! RGB(A)/BGR(A)/luminance/alpha bit masks of 8–32 bits; DX10 `DXGI_FORMAT`s
//! BC1–BC7 (with sRGB, BC6H unsigned and signed), R8G8B8A8, B8G8R8A8/X8
//! (with sRGB), R16G16B16A16 UNORM and FLOAT, R32G32B32A32_FLOAT, R8 and
//! R8G8; mip chains, texture arrays, cube maps, cube map arrays and volume
//! textures. The byte layout is described in the [`header`] module.
//!
//! ```
//! use amsp_formats::texture::dds::{DdsError, DdsTexture};
//! use amsp_formats::texture::ktx2::TextureLimits;
//!
//! // A header that claims a 100000×100000 texture is refused before any
//! // allocation.
//! let mut bytes = vec![0u8; 128];
//! bytes[..4].copy_from_slice(b"DDS ");
//! bytes[4] = 124;
//! bytes[12..16].copy_from_slice(&100_000u32.to_le_bytes());
//! bytes[16..20].copy_from_slice(&100_000u32.to_le_bytes());
//! bytes[76] = 32;
//! bytes[80] = 0x4; // FourCC
//! bytes[84..88].copy_from_slice(b"DXT1");
//! let error = DdsTexture::parse(&bytes, &TextureLimits::default()).unwrap_err();
//! assert!(matches!(error, DdsError::LimitExceeded { .. }));
//! ```

mod error;
mod format;
pub mod header;

pub use error::DdsError;
pub use format::{DdsFormat, PixelLayout, f16_to_f32};
pub use header::DdsHeader;
use header::{
    CAPS_MIPMAP, CAPS2_ALL_FACES, CAPS2_CUBEMAP, CAPS2_VOLUME, FLAG_DEPTH, FLAG_MIPMAPCOUNT,
    MISC_TEXTURECUBE,
};

use super::ktx2::TextureLimits;

/// A validated DDS file borrowing its bytes.
#[derive(Debug, Clone)]
pub struct DdsTexture<'a> {
    header: DdsHeader,
    format: DdsFormat,
    width: u32,
    height: u32,
    depth: u32,
    layers: u32,
    faces: u32,
    levels: u32,
    /// Bytes of one image's whole mip chain.
    image_stride: u64,
    data: &'a [u8],
}

fn check_limit(what: &'static str, value: u64, limit: u64) -> Result<(), DdsError> {
    if value > limit {
        return Err(DdsError::LimitExceeded { what, value, limit });
    }
    Ok(())
}

impl<'a> DdsTexture<'a> {
    /// Parses and validates a DDS file.
    ///
    /// Trailing bytes after the last image are ignored.
    ///
    /// # Errors
    ///
    /// A [`DdsError`] for the first problem found: wrong magic, truncated
    /// headers or data, a dimension, layer count, level count or total size
    /// above `limits`, inconsistent header fields, or an unsupported format.
    pub fn parse(bytes: &'a [u8], limits: &TextureLimits) -> Result<Self, DdsError> {
        let (header, data_offset) = DdsHeader::read(bytes)?;
        let bad = |m: String| Err(DdsError::InvalidHeader(m));
        let format = match &header.dx10 {
            Some(dx10) => DdsFormat::from_dxgi(dx10.dxgi_format)?,
            None => DdsFormat::from_legacy(&header.pixel_format)?,
        };

        let (height, mut depth, layers, faces) = match &header.dx10 {
            Some(dx10) => {
                let cube = dx10.misc_flag & MISC_TEXTURECUBE != 0;
                let (height, depth) = match dx10.resource_dimension {
                    2 => (header.height.max(1), 1),
                    3 => (header.height, 1),
                    4 => (header.height, header.depth),
                    other => {
                        return bad(format!(
                            "resourceDimension is {other}, must be 2 (1D), 3 (2D) or 4 (3D)"
                        ));
                    }
                };
                if cube && dx10.resource_dimension != 3 {
                    return bad("a cube map must be a 2D resource".into());
                }
                (height, depth, dx10.array_size.max(1), if cube { 6 } else { 1 })
            }
            None => {
                let volume = header.caps2 & CAPS2_VOLUME != 0 || header.flags & FLAG_DEPTH != 0;
                let depth = if volume { header.depth.max(1) } else { 1 };
                let faces = if header.caps2 & CAPS2_CUBEMAP == 0 {
                    1
                } else if header.caps2 & CAPS2_ALL_FACES == CAPS2_ALL_FACES {
                    6
                } else {
                    return bad(format!(
                        "a cube map with only some faces (dwCaps2 {:#x}) is not supported",
                        header.caps2
                    ));
                };
                (header.height, depth, 1, faces)
            }
        };
        depth = depth.max(1);
        let width = header.width;

        check_limit("width", width.into(), limits.max_dimension.into())?;
        check_limit("height", height.into(), limits.max_dimension.into())?;
        check_limit("depth", depth.into(), limits.max_dimension.into())?;
        check_limit("array size", layers.into(), limits.max_layers.into())?;
        if width == 0 || height == 0 {
            return bad(format!("dimensions {width}×{height} include 0"));
        }
        if faces == 6 && width != height {
            return bad(format!("a cube map must be square, not {width}×{height}"));
        }
        let mipmapped = header.flags & FLAG_MIPMAPCOUNT != 0 || header.caps & CAPS_MIPMAP != 0;
        let levels = if mipmapped { header.mip_map_count.max(1) } else { 1 };
        check_limit("dwMipMapCount", levels.into(), limits.max_levels.into())?;
        let full_chain = 32 - width.max(height).max(depth).leading_zeros();
        if levels > full_chain {
            return bad(format!(
                "dwMipMapCount is {levels} but a {width}×{height}×{depth} texture has at most {full_chain} levels"
            ));
        }

        let overflow = || DdsError::LimitExceeded {
            what: "the total data size",
            value: u64::MAX,
            limit: limits.max_total_bytes,
        };
        let mut image_stride: u64 = 0;
        for level in 0..levels {
            let (w, h, d) = level_dimensions(width, height, depth, level);
            let size = format.image_bytes(w, h, d).ok_or_else(overflow)?;
            image_stride = image_stride.checked_add(size).ok_or_else(overflow)?;
        }
        let images = u64::from(layers) * u64::from(faces);
        let total = image_stride.checked_mul(images).ok_or_else(overflow)?;
        check_limit("the total data size", total, limits.max_total_bytes)?;
        let needed = (data_offset as u64).checked_add(total).ok_or_else(overflow)?;
        let file_len = bytes.len() as u64;
        if needed > file_len {
            return Err(DdsError::Truncated { what: "texel data", needed, file_len });
        }
        let data = &bytes[data_offset..needed as usize];
        Ok(DdsTexture {
            header,
            format,
            width,
            height,
            depth,
            layers,
            faces,
            levels,
            image_stride,
            data,
        })
    }

    /// The headers as stored.
    pub fn header(&self) -> &DdsHeader {
        &self.header
    }

    /// The texel format.
    pub fn format(&self) -> DdsFormat {
        self.format
    }

    /// Whether the file came with a DX10 header (which names sRGB explicitly).
    pub fn is_dx10(&self) -> bool {
        self.header.dx10.is_some()
    }

    /// Width, height and depth of level 0 (each at least 1).
    pub fn dimensions(&self) -> (u32, u32, u32) {
        (self.width, self.height, self.depth)
    }

    /// Array layers (cubes, for a cube map array); at least 1.
    pub fn layers(&self) -> u32 {
        self.layers
    }

    /// Faces: 6 for a cube map, else 1.
    pub fn faces(&self) -> u32 {
        self.faces
    }

    /// Stored mip levels (at least 1).
    pub fn levels(&self) -> u32 {
        self.levels
    }

    /// Width, height and depth of `level`.
    pub fn level_dimensions(&self, level: u32) -> (u32, u32, u32) {
        level_dimensions(self.width, self.height, self.depth, level)
    }

    /// The bytes of `level` of image `image` (images are layer-major, then
    /// face: `layer * faces + face`), or `None` if either is out of range.
    pub fn image_level(&self, image: u32, level: u32) -> Option<&'a [u8]> {
        if image >= self.layers * self.faces || level >= self.levels {
            return None;
        }
        let mut start = u64::from(image) * self.image_stride;
        for l in 0..level {
            let (w, h, d) = self.level_dimensions(l);
            start += self.format.image_bytes(w, h, d)?;
        }
        let (w, h, d) = self.level_dimensions(level);
        let len = self.format.image_bytes(w, h, d)?;
        self.data.get(start as usize..(start + len) as usize)
    }
}

fn level_dimensions(width: u32, height: u32, depth: u32, level: u32) -> (u32, u32, u32) {
    let side = |s: u32| s.checked_shr(level).unwrap_or(0).max(1);
    (side(width), side(height), side(depth))
}
