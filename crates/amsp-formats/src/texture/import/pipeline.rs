//! The source-image pipeline: decoded images → mip chains → encoded levels
//! → one KTX2 file. Images (PNG, JPEG, …, Radiance HDR) and uncompressed
//! DDS data go through it.

use amsp_cook::{AssetMeta, ImportError};

use super::settings::{self, SupercompressionChoice, Target};
use crate::texture::basis::{UastcPackLevel, UastcQuality, encode_uastc_level, uastc_dfd};
use crate::texture::encode::{EncodeQuality, encode_level_as};
use crate::texture::ktx2::{Ktx2File, Ktx2Writer, WriteSupercompression};
use crate::texture::source::{MipLevel, PixelFormat, SourceImage, TextureRole, build_mips};

/// How [`cook_images`] cooks.
#[derive(Debug, Clone, Copy)]
pub(super) struct Cook {
    /// How mips are filtered; also picks sRGB for colour and UI.
    pub role: TextureRole,
    /// The GPU format.
    pub target: Target,
    /// Encoder effort.
    pub quality: EncodeQuality,
    /// zstd supercompression level.
    pub zstd_level: i32,
    /// UASTC rate-distortion optimisation scalar, if any.
    pub uastc_rdo: Option<f32>,
    /// The `supercompression` setting: `none` writes the levels as they
    /// are, instead of compressing them only to strip it again.
    pub supercompression: SupercompressionChoice,
}

impl Cook {
    /// The cook for `role` and `target`, with the effort, zstd level and
    /// UASTC RDO the sidecar `meta` sets.
    pub(super) fn new(
        meta: &AssetMeta,
        role: TextureRole,
        target: Target,
    ) -> Result<Self, ImportError> {
        Ok(Cook {
            role,
            target,
            quality: settings::quality(meta)?,
            zstd_level: settings::zstd_level(meta)?,
            uastc_rdo: settings::uastc_rdo(meta)?,
            supercompression: settings::supercompression(meta)?,
        })
    }
}

/// Builds the full mip chain of every image, encodes it and writes one KTX2
/// file. `images` are layer-major then face, all of one size and pixel
/// format; `layers` is 0 for a texture that is not an array.
pub(super) fn cook_images(
    images: &[SourceImage],
    layers: u32,
    faces: u32,
    cook: Cook,
) -> Result<Ktx2File, ImportError> {
    let err = |e: &dyn std::fmt::Display| ImportError::new(e.to_string());
    let Some(first) = images.first() else {
        return Err(ImportError::new("no image to cook"));
    };
    let srgb = matches!(cook.role, TextureRole::Color | TextureRole::Ui);
    let format = cook.target.vk_format(srgb);
    let mut levels: Vec<Vec<u8>> = Vec::new();
    for image in images {
        let mips = build_mips(image, cook.role).map_err(|e| err(&e))?;
        if levels.is_empty() {
            levels = vec![Vec::new(); mips.len()];
        }
        for (out, mip) in levels.iter_mut().zip(&mips) {
            out.extend_from_slice(&encode(mip, image.format, cook)?);
        }
    }
    let slices: Vec<&[u8]> = levels.iter().map(Vec::as_slice).collect();
    let mut writer = Ktx2Writer::new(format, first.width, first.height)
        .layers(layers)
        .faces(faces)
        .supercompression(match cook.supercompression {
            SupercompressionChoice::None => WriteSupercompression::None,
            _ => WriteSupercompression::Zstd { level: cook.zstd_level },
        });
    if cook.target == Target::Uastc {
        // VK_FORMAT_UNDEFINED: the DFD says UASTC and carries sRGB.
        writer = writer.dfd(uastc_dfd(srgb, images.iter().any(|i| i.has_alpha)));
    }
    writer.write(&slices).map_err(|e| err(&e))
}

fn encode(mip: &MipLevel, format: PixelFormat, cook: Cook) -> Result<Vec<u8>, ImportError> {
    let float_only = |name: &str| {
        ImportError::new(format!(
            "{name} needs a high-dynamic-range (float) source, not {format:?}"
        ))
    };
    match cook.target {
        Target::Encoded(encoding) => {
            let srgb = matches!(cook.role, TextureRole::Color | TextureRole::Ui);
            encode_level_as(mip, format, encoding, cook.quality, srgb)
                .map_err(|e| ImportError::new(e.to_string()))
        }
        Target::Rgba32f if format == PixelFormat::RgbaF32 => Ok(mip.data.clone()),
        Target::Rgba16f if format == PixelFormat::RgbaF32 => Ok(mip
            .data
            .chunks_exact(4)
            .flat_map(|f| f32_to_f16(f32::from_le_bytes([f[0], f[1], f[2], f[3]])).to_le_bytes())
            .collect()),
        Target::Uastc if format == PixelFormat::Rgba8 => {
            let srgb = matches!(cook.role, TextureRole::Color | TextureRole::Ui);
            // UASTC's own default level runs at about a ninth of BC7's
            // speed; one step down keeps cook times near BC7's.
            let pack_level = match cook.quality {
                EncodeQuality::Fast => UastcPackLevel::Fastest,
                EncodeQuality::Basic => UastcPackLevel::Faster,
                _ => UastcPackLevel::Default,
            };
            let mut quality = UastcQuality::new(pack_level);
            if let Some(lambda) = cook.uastc_rdo {
                quality = quality.with_rdo(lambda);
            }
            encode_uastc_level(mip, srgb, quality).map_err(|e| ImportError::new(e.to_string()))
        }
        Target::Uastc => {
            Err(ImportError::new(format!("UASTC needs an 8-bit source, not {format:?}")))
        }
        Target::Rgba32f => Err(float_only("rgba32f")),
        Target::Rgba16f => Err(float_only("rgba16f")),
    }
}

/// Reduces 16-bit texels to 8 bits (the block encoders and RGBA8 take 8).
pub(super) fn to_rgba8(image: SourceImage) -> SourceImage {
    match image.format {
        PixelFormat::Rgba16 => {
            // Little-endian u16, rounded to the nearest 8-bit value.
            let data = image
                .data
                .chunks_exact(2)
                .map(|p| {
                    let v = u32::from(u16::from_le_bytes([p[0], p[1]]));
                    ((v * 255 + 32767) / 65535) as u8
                })
                .collect();
            SourceImage { format: PixelFormat::Rgba8, data, ..image }
        }
        _ => image,
    }
}

/// `value` as an IEEE 754 half, rounded to nearest even. Values beyond the
/// largest finite half (65504) are clamped to it, as no cooked format holds
/// infinities; NaN stays NaN.
pub(super) fn f32_to_f16(value: f32) -> u16 {
    let bits = value.to_bits();
    let sign = ((bits >> 16) & 0x8000) as u16;
    let exponent = ((bits >> 23) & 0xFF) as i32;
    let mantissa = bits & 0x7F_FFFF;
    if exponent == 0xFF {
        return if mantissa != 0 { sign | 0x7E00 } else { sign | 0x7BFF };
    }
    let e = exponent - 112;
    if e >= 0x1F {
        return sign | 0x7BFF;
    }
    if e <= 0 {
        if e < -10 {
            return sign;
        }
        let m = mantissa | 0x80_0000;
        let shift = (14 - e) as u32;
        let kept = m >> shift;
        let rest = m & ((1 << shift) - 1);
        let halfway = 1 << (shift - 1);
        let rounded =
            if rest > halfway || (rest == halfway && kept & 1 == 1) { kept + 1 } else { kept };
        return sign | rounded as u16;
    }
    let mut h = ((e as u32) << 10) | (mantissa >> 13);
    let rest = mantissa & 0x1FFF;
    if rest > 0x1000 || (rest == 0x1000 && h & 1 == 1) {
        h += 1;
    }
    sign | h.min(0x7BFF) as u16
}

#[cfg(test)]
mod tests {
    use super::f32_to_f16;
    use crate::texture::dds::f16_to_f32;

    #[test]
    fn halves_round_trip_and_round_to_nearest() {
        for h in (0u16..0x7C00).chain(0x8000..0xFC00) {
            assert_eq!(f32_to_f16(f16_to_f32(h)), h, "{h:#x}");
        }
        assert_eq!(f32_to_f16(1.0), 0x3C00);
        assert_eq!(f32_to_f16(65504.0 * 2.0), 0x7BFF);
        assert_eq!(f32_to_f16(f32::INFINITY), 0x7BFF);
        assert_eq!(f32_to_f16(1.0 + 1.0 / 4096.0), 0x3C00); // below half an ulp
        assert_eq!(f32_to_f16(1.0 + 3.0 / 2048.0), 0x3C02); // tie to even
        assert_eq!(f32_to_f16(1e-10), 0);
    }
}
