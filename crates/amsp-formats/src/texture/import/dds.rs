//! DDS sources.
//!
//! - Uncompressed data is a source image: level 0 of every layer and face
//!   goes through the image pipeline (mips rebuilt for the role, encoded per
//!   the settings); mips stored in the file are not used.
//! - Block-compressed data (BC1–BC7) is kept as the artist encoded it and
//!   rewritten into KTX2 with zstd supercompression, one level per chunk.
//!   When its mip chain stops short of 1×1, the missing levels are built
//!   from the smallest stored level (decoded, filtered for the format's
//!   colour space, re-encoded in the same format) for BC1, BC3, BC4, BC5
//!   and BC7 (unsigned) 2D data; BC2, BC6H, signed BC4/BC5 and volume data
//!   keep the chain they have (a KTX2 file may stop short of 1×1).
//! - A DX9 file cannot say whether colour is sRGB: block data of a colour
//!   or UI role (the default) is marked sRGB where the format has an sRGB
//!   variant; a `role` of `linear` or `normal` keeps it linear. DX10 files
//!   name their colour space and are kept as they say.

use amsp_cook::{ImportError, ImportInput, ImportedAsset};
use serde_json::json;

use super::TextureImporter;
use super::cooked::{cooked, extras};
use super::pipeline::{Cook, cook_images, to_rgba8};
use super::settings;
use crate::texture::dds::{DdsFormat, DdsTexture, PixelLayout};
use crate::texture::encode::{EncodeQuality, TextureEncoding, encode_level};
use crate::texture::ktx2::{Ktx2Writer, VkFormat, WriteSupercompression};
use crate::texture::source::{PixelFormat, SourceImage, TextureRole, build_mips};

pub(super) fn import(
    importer: &TextureImporter,
    input: &ImportInput<'_>,
) -> Result<ImportedAsset, ImportError> {
    let dds = DdsTexture::parse(input.bytes, &importer.container_limits)
        .map_err(|e| ImportError::new(format!("DDS: {e}")))?;
    // KTX2 writes 0 for "not an array".
    let layers = if dds.is_dx10() && dds.layers() > 1 { dds.layers() } else { 0 };
    match dds.format() {
        DdsFormat::Uncompressed(layout) => uncompressed(&dds, layout, layers, input),
        DdsFormat::Block(format) => block(&dds, format, layers, input),
    }
}

fn uncompressed(
    dds: &DdsTexture<'_>,
    layout: PixelLayout,
    layers: u32,
    input: &ImportInput<'_>,
) -> Result<ImportedAsset, ImportError> {
    let (width, height, depth) = dds.dimensions();
    if depth > 1 {
        return Err(ImportError::new(format!(
            "DDS: uncompressed volume textures ({width}×{height}×{depth}) are not imported; \
             store them block-compressed to keep them as they are"
        )));
    }
    let hdr = layout.pixel_format() == PixelFormat::RgbaF32;
    let images = (0..dds.layers() * dds.faces())
        .map(|image| {
            let texels = dds.image_level(image, 0).ok_or_else(|| {
                ImportError::new(format!("DDS: image {image} level 0 is out of range"))
            })?;
            let data = layout.to_rgba(texels);
            let image = SourceImage {
                width,
                height,
                format: layout.pixel_format(),
                has_alpha: alpha_below_max(&data, layout.pixel_format()),
                source_channels: layout.channels(),
                data,
            };
            Ok(if hdr { image } else { to_rgba8(image) })
        })
        .collect::<Result<Vec<_>, ImportError>>()?;
    let meta = input.meta;
    let (role, target) = if hdr {
        settings::check_hdr_role(meta)?;
        (TextureRole::Hdr, settings::hdr_target(meta)?)
    } else {
        let role = settings::role(meta, input.path.file_name())?;
        (role, settings::ldr_target(meta, role, layout.channels())?)
    };
    let cook = Cook::new(meta, role, target)?;
    let file = cook_images(&images, layers, dds.faces(), cook)?;
    let extra = extras([
        ("encoding", json!(target.name())),
        ("role", json!(settings::role_name(role))),
        ("has_alpha", json!(images.iter().any(|i| i.has_alpha))),
        ("dds_dx10", json!(dds.is_dx10())),
    ]);
    cooked(&file, input.meta, "dds", extra)
}

fn block(
    dds: &DdsTexture<'_>,
    format: VkFormat,
    layers: u32,
    input: &ImportInput<'_>,
) -> Result<ImportedAsset, ImportError> {
    settings::refuse(
        input.meta,
        &["encoding", "quality"],
        "block-compressed DDS data is kept as it was encoded",
    )?;
    let role = settings::role(input.meta, input.path.file_name())?;
    let format = if !dds.is_dx10() && matches!(role, TextureRole::Color | TextureRole::Ui) {
        format.with_srgb(true).unwrap_or(format)
    } else {
        format
    };
    let images = dds.layers() * dds.faces();
    let (width, height, depth) = dds.dimensions();
    let mut levels: Vec<Vec<u8>> = (0..dds.levels())
        .map(|level| {
            let mut out = Vec::new();
            for image in 0..images {
                let data = dds.image_level(image, level).ok_or_else(|| {
                    ImportError::new(format!("DDS: image {image} level {level} is out of range"))
                })?;
                out.extend_from_slice(data);
            }
            Ok(out)
        })
        .collect::<Result<_, ImportError>>()?;
    let full_chain = 32 - width.max(height).max(depth).leading_zeros();
    let mut generated = 0;
    if dds.levels() < full_chain
        && depth == 1
        && let Some(encoding) = regenerable(format)
    {
        let tail = generate_tail(dds, format, encoding)?;
        generated = tail.len();
        levels.extend(tail);
    }
    let slices: Vec<&[u8]> = levels.iter().map(Vec::as_slice).collect();
    let file = Ktx2Writer::new(format, width, height)
        .depth(if depth > 1 { depth } else { 0 })
        .layers(layers)
        .faces(dds.faces())
        .supercompression(match settings::supercompression(input.meta)? {
            // Not compressed only to be stripped again.
            settings::SupercompressionChoice::None => WriteSupercompression::None,
            _ => WriteSupercompression::Zstd { level: settings::zstd_level(input.meta)? },
        })
        .write(&slices)
        .map_err(|e| ImportError::new(e.to_string()))?;
    let extra = extras([
        ("encoding", json!("passthrough")),
        ("role", json!(settings::role_name(role))),
        ("dds_dx10", json!(dds.is_dx10())),
        ("generated_levels", json!(generated)),
    ]);
    cooked(&file, input.meta, "dds", extra)
}

/// The encoder that writes more levels of `format`, if there is one.
fn regenerable(format: VkFormat) -> Option<TextureEncoding> {
    use VkFormat as V;
    match format {
        V::Bc1RgbUnorm | V::Bc1RgbSrgb | V::Bc1RgbaUnorm | V::Bc1RgbaSrgb => {
            Some(TextureEncoding::Bc1)
        }
        V::Bc3Unorm | V::Bc3Srgb => Some(TextureEncoding::Bc3),
        V::Bc4Unorm => Some(TextureEncoding::Bc4),
        V::Bc5Unorm => Some(TextureEncoding::Bc5),
        V::Bc7Unorm | V::Bc7Srgb => Some(TextureEncoding::Bc7),
        _ => None,
    }
}

/// The levels below the smallest stored one, down to 1×1, every image's
/// concatenated per level: decoded, filtered in the format's colour space
/// and encoded again in the same format.
fn generate_tail(
    dds: &DdsTexture<'_>,
    format: VkFormat,
    encoding: TextureEncoding,
) -> Result<Vec<Vec<u8>>, ImportError> {
    let last = dds.levels() - 1;
    let (width, height, _) = dds.level_dimensions(last);
    let role = if format.is_srgb() { TextureRole::Color } else { TextureRole::Linear };
    let mut tail: Vec<Vec<u8>> = Vec::new();
    for image in 0..dds.layers() * dds.faces() {
        let blocks = dds.image_level(image, last).ok_or_else(|| {
            ImportError::new(format!("DDS: image {image} level {last} is out of range"))
        })?;
        let data = decode_blocks(encoding, blocks, width, height)?;
        let source = SourceImage {
            width,
            height,
            format: PixelFormat::Rgba8,
            has_alpha: alpha_below_max(&data, PixelFormat::Rgba8),
            source_channels: 4,
            data,
        };
        let mips = build_mips(&source, role).map_err(|e| ImportError::new(e.to_string()))?;
        if tail.is_empty() {
            tail = vec![Vec::new(); mips.len().saturating_sub(1)];
        }
        for (out, mip) in tail.iter_mut().zip(mips.iter().skip(1)) {
            let encoded = encode_level(mip, PixelFormat::Rgba8, encoding, EncodeQuality::Basic)
                .map_err(|e| ImportError::new(e.to_string()))?;
            out.extend_from_slice(&encoded);
        }
    }
    Ok(tail)
}

/// Decodes one level of BC blocks to RGBA8.
fn decode_blocks(
    encoding: TextureEncoding,
    blocks: &[u8],
    width: u32,
    height: u32,
) -> Result<Vec<u8>, ImportError> {
    let (w, h) = (width as usize, height as usize);
    let mut texels = vec![0u32; w * h];
    let decoded = match encoding {
        TextureEncoding::Bc1 => texture2ddecoder::decode_bc1(blocks, w, h, &mut texels),
        TextureEncoding::Bc3 => texture2ddecoder::decode_bc3(blocks, w, h, &mut texels),
        TextureEncoding::Bc4 => texture2ddecoder::decode_bc4(blocks, w, h, &mut texels),
        TextureEncoding::Bc5 => texture2ddecoder::decode_bc5(blocks, w, h, &mut texels),
        _ => texture2ddecoder::decode_bc7(blocks, w, h, &mut texels),
    };
    decoded.map_err(|e| ImportError::new(format!("DDS: decoding {encoding:?} blocks: {e}")))?;
    // texture2ddecoder packs texels as little-endian BGRA.
    Ok(texels
        .iter()
        .flat_map(|t| {
            let [b, g, r, a] = t.to_le_bytes();
            [r, g, b, a]
        })
        .collect())
}

/// Whether some pixel's alpha is below the maximum.
fn alpha_below_max(data: &[u8], format: PixelFormat) -> bool {
    let pixel = format.bytes_per_pixel();
    data.chunks_exact(pixel).any(|p| match format {
        PixelFormat::Rgba8 => p[3] != u8::MAX,
        PixelFormat::Rgba16 => p[6..8] != [0xFF, 0xFF],
        _ => f32::from_le_bytes([p[12], p[13], p[14], p[15]]) < 1.0,
    })
}
