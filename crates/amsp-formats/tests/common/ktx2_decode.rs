//! Decoding the images of a parsed KTX2 file to RGBA8 on the CPU, with two
//! independent decoders, and comparing images (PSNR).
//!
//! The first decoder is `texture2ddecoder` (BCn, ETC2/EAC, ASTC); the second
//! is `bcdec_rs` for BCn and `astc-decode` for ASTC. Uncompressed 8-bit
//! formats are expanded to RGBA8 directly. Values stay in the format's own
//! encoding: sRGB data is compared as sRGB bytes, as a PNG stores them.

use amsp_formats::texture::ktx2::{Ktx2Texture, VkFormat};

/// One 2D image of a texture, as RGBA8.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Image {
    /// Width in texels.
    pub width: u32,
    /// Height in texels.
    pub height: u32,
    /// `width × height × 4` bytes, rows top to bottom as stored.
    pub rgba: Vec<u8>,
}

impl Image {
    /// The image flipped top to bottom.
    pub fn flipped_vertically(&self) -> Image {
        let row = self.width as usize * 4;
        let rgba = self.rgba.chunks_exact(row).rev().flatten().copied().collect();
        Image { rgba, ..*self }
    }

    /// The image flipped left to right.
    pub fn flipped_horizontally(&self) -> Image {
        let row = self.width as usize * 4;
        let rgba = self
            .rgba
            .chunks_exact(row)
            .flat_map(|r| r.chunks_exact(4).rev().flatten().copied().collect::<Vec<_>>())
            .collect();
        Image { rgba, ..*self }
    }
}

/// Which decoder produced an image.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decoder {
    /// `texture2ddecoder` (and direct expansion for uncompressed formats).
    Texture2d,
    /// `bcdec_rs` (BCn) or `astc-decode` (ASTC).
    Second,
}

/// Whether `format` can be decoded to RGBA8 by [`Decoder::Texture2d`].
pub fn cpu_decodable(format: VkFormat) -> bool {
    use VkFormat as F;
    !matches!(
        format,
        F::Undefined | F::R16G16B16A16Unorm | F::R16G16B16A16Sfloat | F::R32G32B32A32Sfloat
    )
}

/// Whether [`Decoder::Second`] can decode `format`.
pub fn has_second_decoder(format: VkFormat) -> bool {
    let raw = format.raw();
    (131..=142).contains(&raw) || raw == 145 || raw == 146 || (157..=184).contains(&raw)
}

fn texels_to_rgba(texels: &[u32]) -> Vec<u8> {
    // texture2ddecoder packs texels as little-endian BGRA.
    texels
        .iter()
        .flat_map(|t| {
            let [b, g, r, a] = t.to_le_bytes();
            [r, g, b, a]
        })
        .collect()
}

/// Decodes one image of `format` (its blocks, in row order) with `decoder`.
///
/// # Errors
///
/// A message if the decoder refuses the data or has no support for the format.
pub fn decode(
    decoder: Decoder,
    format: VkFormat,
    data: &[u8],
    width: u32,
    height: u32,
) -> Result<Image, String> {
    let rgba = match decoder {
        Decoder::Texture2d => decode_texture2d(format, data, width, height)?,
        Decoder::Second => decode_second(format, data, width, height)?,
    };
    Ok(Image { width, height, rgba })
}

fn decode_texture2d(
    format: VkFormat,
    data: &[u8],
    width: u32,
    height: u32,
) -> Result<Vec<u8>, String> {
    use VkFormat as F;
    use texture2ddecoder as t;
    let (w, h) = (width as usize, height as usize);
    let texels = w * h;
    let expand = |channels: usize, order: [usize; 4]| -> Result<Vec<u8>, String> {
        if data.len() != texels * channels {
            return Err(format!("{} bytes for {w}×{h} texels of {channels} bytes", data.len()));
        }
        Ok(data
            .chunks_exact(channels)
            .flat_map(|t| {
                order.map(|i| {
                    if i < channels {
                        t[i]
                    } else if i == 9 {
                        255
                    } else {
                        0
                    }
                })
            })
            .collect())
    };
    // Channel order indices into the stored texel; 8 is 0, 9 is 255.
    match format {
        F::R8Unorm | F::R8Srgb => return expand(1, [0, 8, 8, 9]),
        F::R8G8Unorm | F::R8G8Srgb => return expand(2, [0, 1, 8, 9]),
        F::R8G8B8Unorm | F::R8G8B8Srgb => return expand(3, [0, 1, 2, 9]),
        F::R8G8B8A8Unorm | F::R8G8B8A8Srgb => return expand(4, [0, 1, 2, 3]),
        F::B8G8R8A8Unorm | F::B8G8R8A8Srgb => return expand(4, [2, 1, 0, 3]),
        _ => {}
    }
    let mut image = vec![0u32; texels];
    let out = &mut image;
    let result = match format {
        F::Bc1RgbUnorm | F::Bc1RgbSrgb => t::decode_bc1(data, w, h, out),
        F::Bc1RgbaUnorm | F::Bc1RgbaSrgb => t::decode_bc1a(data, w, h, out),
        F::Bc2Unorm | F::Bc2Srgb => t::decode_bc2(data, w, h, out),
        F::Bc3Unorm | F::Bc3Srgb => t::decode_bc3(data, w, h, out),
        F::Bc4Unorm => t::decode_bc4(data, w, h, out),
        F::Bc5Unorm => t::decode_bc5(data, w, h, out),
        F::Bc6hUfloat => t::decode_bc6(data, w, h, out, false),
        F::Bc6hSfloat => t::decode_bc6(data, w, h, out, true),
        F::Bc7Unorm | F::Bc7Srgb => t::decode_bc7(data, w, h, out),
        F::Etc2R8G8B8Unorm | F::Etc2R8G8B8Srgb => t::decode_etc2_rgb(data, w, h, out),
        F::Etc2R8G8B8A1Unorm | F::Etc2R8G8B8A1Srgb => t::decode_etc2_rgba1(data, w, h, out),
        F::Etc2R8G8B8A8Unorm | F::Etc2R8G8B8A8Srgb => t::decode_etc2_rgba8(data, w, h, out),
        F::EacR11Unorm => t::decode_eacr(data, w, h, out),
        F::EacR11Snorm => t::decode_eacr_signed(data, w, h, out),
        F::EacR11G11Unorm => t::decode_eacrg(data, w, h, out),
        F::EacR11G11Snorm => t::decode_eacrg_signed(data, w, h, out),
        f if (157..=184).contains(&f.raw()) => {
            let (bw, bh) = f.block_dimensions();
            t::decode_astc(data, w, h, bw as usize, bh as usize, out)
        }
        other => return Err(format!("texture2ddecoder cannot decode {other:?}")),
    };
    result.map_err(|e| format!("texture2ddecoder: {e}"))?;
    Ok(texels_to_rgba(&image))
}

fn decode_second(
    format: VkFormat,
    data: &[u8],
    width: u32,
    height: u32,
) -> Result<Vec<u8>, String> {
    use VkFormat as F;
    let (w, h) = (width as usize, height as usize);
    let (bw, bh) = format.block_dimensions();
    let (bw, bh) = (bw as usize, bh as usize);
    let (blocks_x, blocks_y) = (w.div_ceil(bw), h.div_ceil(bh));
    let block_bytes = format.block_bytes() as usize;
    if data.len() != blocks_x * blocks_y * block_bytes {
        return Err(format!(
            "{} bytes for {blocks_x}×{blocks_y} blocks of {block_bytes} bytes",
            data.len()
        ));
    }
    let mut rgba = vec![0u8; w * h * 4];
    let mut put = |x: usize, y: usize, texel: [u8; 4]| {
        if x < w && y < h {
            rgba[(y * w + x) * 4..][..4].copy_from_slice(&texel);
        }
    };
    for (i, block) in data.chunks_exact(block_bytes).enumerate() {
        let (x0, y0) = ((i % blocks_x) * bw, (i / blocks_x) * bh);
        if (157..=184).contains(&format.raw()) {
            let mut bytes = [0u8; 16];
            bytes.copy_from_slice(block);
            let footprint = astc_decode::Footprint::new(bw as u32, bh as u32);
            // An illegal block decodes to the error colour, as on a GPU.
            astc_decode::astc_decode_block(&bytes, footprint, |x, y, c| {
                put(x0 + x as usize, y0 + y as usize, c)
            });
            continue;
        }
        // bcdec writes a 4×4 block; BC4 and BC5 write 1 and 2 bytes a texel.
        let mut out = [0u8; 64];
        let texel = match format {
            F::Bc1RgbUnorm | F::Bc1RgbSrgb | F::Bc1RgbaUnorm | F::Bc1RgbaSrgb => {
                bcdec_rs::bc1(block, &mut out, 16);
                4
            }
            F::Bc2Unorm | F::Bc2Srgb => {
                bcdec_rs::bc2(block, &mut out, 16);
                4
            }
            F::Bc3Unorm | F::Bc3Srgb => {
                bcdec_rs::bc3(block, &mut out, 16);
                4
            }
            F::Bc4Unorm | F::Bc4Snorm => {
                bcdec_rs::bc4(block, &mut out, 4, format == F::Bc4Snorm);
                1
            }
            F::Bc5Unorm | F::Bc5Snorm => {
                bcdec_rs::bc5(block, &mut out, 8, format == F::Bc5Snorm);
                2
            }
            F::Bc7Unorm | F::Bc7Srgb => {
                bcdec_rs::bc7(block, &mut out, 16);
                4
            }
            other => return Err(format!("no second decoder for {other:?}")),
        };
        for y in 0..4 {
            for x in 0..4 {
                let s = &out[(y * 4 + x) * texel..][..texel];
                let c = match texel {
                    1 => [s[0], 0, 0, 255],
                    2 => [s[0], s[1], 0, 255],
                    _ => [s[0], s[1], s[2], s[3]],
                };
                put(x0 + x, y0 + y, c);
            }
        }
    }
    Ok(rgba)
}

/// One 2D image of a level: its place in the texture and its stored bytes.
#[derive(Debug, Clone)]
pub struct StoredImage<'a> {
    /// `L{level} layer{l} face{f} z{z}`.
    pub label: String,
    /// The level.
    pub level: u32,
    /// The array layer (0 for a texture that is not an array).
    pub layer: u32,
    /// The depth slice (0 for a texture that is not 3D).
    pub z: u32,
    /// Width of the level in texels.
    pub width: u32,
    /// Height of the level in texels.
    pub height: u32,
    /// The image's blocks.
    pub data: &'a [u8],
}

/// Splits a level's data (supercompression undone) into its 2D images:
/// layers, then faces, then depth slices, as KTX2 stores them.
///
/// # Errors
///
/// A message if the data is not exactly the sum of its images.
pub fn split_level<'a>(
    tex: &Ktx2Texture<'_>,
    format: VkFormat,
    level: u32,
    data: &'a [u8],
) -> Result<Vec<StoredImage<'a>>, String> {
    let (w0, h0, d0) = tex.dimensions();
    let (width, height, depth) = ((w0 >> level).max(1), (h0 >> level).max(1), (d0 >> level).max(1));
    let (bw, bh) = format.block_dimensions();
    let image_bytes =
        width.div_ceil(bw) as usize * height.div_ceil(bh) as usize * format.block_bytes() as usize;
    let count = (tex.layers() * tex.faces() * depth) as usize;
    if data.len() != image_bytes * count {
        return Err(format!(
            "level {level}: {} bytes, but {count} images of {width}×{height} need {}",
            data.len(),
            image_bytes * count
        ));
    }
    let mut out = Vec::with_capacity(count);
    for (i, chunk) in data.chunks_exact(image_bytes).enumerate() {
        let i = i as u32;
        let (z, face, layer) = (i % depth, (i / depth) % tex.faces(), i / depth / tex.faces());
        out.push(StoredImage {
            label: format!("L{level} layer{layer} face{face} z{z}"),
            level,
            layer,
            z,
            width,
            height,
            data: chunk,
        });
    }
    Ok(out)
}

/// Peak signal-to-noise ratio in dB over the RGBA channels (alpha left out
/// when `with_alpha` is false); `f64::INFINITY` for identical images.
///
/// # Panics
///
/// If the images differ in size.
pub fn psnr(a: &Image, b: &Image, with_alpha: bool) -> f64 {
    assert_eq!((a.width, a.height), (b.width, b.height), "PSNR of images of different sizes");
    let channels = if with_alpha { 4 } else { 3 };
    let (mut sum, mut n) = (0f64, 0f64);
    for (ta, tb) in a.rgba.chunks_exact(4).zip(b.rgba.chunks_exact(4)) {
        for c in 0..channels {
            let d = f64::from(ta[c]) - f64::from(tb[c]);
            sum += d * d;
            n += 1.0;
        }
    }
    if sum == 0.0 {
        return f64::INFINITY;
    }
    10.0 * (255.0f64 * 255.0 / (sum / n)).log10()
}

/// The largest difference of any channel between two images.
pub fn max_difference(a: &Image, b: &Image) -> u8 {
    a.rgba.iter().zip(&b.rgba).map(|(x, y)| x.abs_diff(*y)).max().unwrap_or(0)
}

/// Loads a PNG as RGBA8 (8 bits a channel, palette and grey expanded).
///
/// # Panics
///
/// If the file cannot be read or decoded: the reference must exist.
pub fn load_png(path: &std::path::Path) -> Image {
    let img = image::open(path)
        .unwrap_or_else(|e| panic!("reference {} cannot be read: {e}", path.display()))
        .to_rgba8();
    Image { width: img.width(), height: img.height(), rgba: img.into_raw() }
}
