//! Mip chains: area-weighted box filtering in linear space.
//!
//! Each level halves the previous one (rounding down, at least 1), down to
//! 1×1. A destination texel averages the source texels under it, each
//! weighted by the area it covers: for an even side that is the 2×2 texels
//! under it with equal weights; for an odd side of `n` texels going to
//! `n / 2`, each destination texel covers `n / (n / 2)` source texels, so it
//! takes three along that side, the shared ones with a fractional weight.
//! No source texel is dropped or counted twice, so every level keeps the
//! mean of the one above it.
//!
//! A box filter is used because, for an exact 2:1 reduction, it is the
//! filter every texel contributes to equally; it has no negative lobes, so it
//! never rings, never produces negative HDR values and never pushes alpha
//! out of range, and weighting it by alpha stays exact across levels. Sharper
//! kernels (Catmull-Rom, Lanczos) are worth it for arbitrary ratios, not 2:1.
//!
//! Filtering happens in `f32`, in the space the role calls for:
//!
//! - [`TextureRole::Color`] and [`TextureRole::Ui`]: RGB is converted from sRGB
//!   to linear, and averaged weighted by alpha (the premultiplied-alpha
//!   average `Σ rgb·a / Σ a`), so a fully transparent texel adds no colour
//!   to its neighbours; alpha itself is averaged plainly. Where every texel
//!   under a destination texel is fully transparent, RGB is the plain
//!   average, so transparent regions keep a sensible colour. The result is
//!   converted back to sRGB.
//! - [`TextureRole::Linear`]: each channel is averaged in its stored values.
//! - [`TextureRole::NormalMap`]: `xyz` is decoded to `[-1, 1]`, averaged,
//!   renormalised to unit length (a zero average becomes `(0, 0, 1)`) and
//!   encoded again; alpha is averaged plainly.
//! - [`TextureRole::Hdr`]: each channel is averaged as `f32`; values above 1.0
//!   are kept.
//!
//! Every level is filtered from the previous level's `f32` values, not from
//! its quantised bytes, so rounding does not accumulate down the chain. Level
//! 0 is the source's bytes unchanged.

use super::{ImageImportError, MipLevel, PixelFormat, SourceImage, TextureRole};

/// Number of levels in a full chain for a `width`×`height` image: the
/// levels from the full size down to 1×1, both included.
pub fn mip_count(width: u32, height: u32) -> u32 {
    32 - width.max(height).max(1).leading_zeros()
}

/// Builds the full mip chain of `image`, level 0 (the image itself) first,
/// 1×1 last, every level in `image.format`. See the module docs for how each
/// [`TextureRole`] is filtered.
///
/// # Errors
///
/// [`ImageImportError::DataSizeMismatch`] when `image.data` does not hold
/// `width * height` pixels, [`ImageImportError::RoleMismatch`] for
/// [`TextureRole::Hdr`] on 8- or 16-bit pixels, or a colour or normal-map
/// role on `f32` pixels.
pub fn build_mips(
    image: &SourceImage,
    role: TextureRole,
) -> Result<Vec<MipLevel>, ImageImportError> {
    let expected =
        u64::from(image.width) * u64::from(image.height) * image.format.bytes_per_pixel() as u64;
    if expected != image.data.len() as u64 || image.width == 0 || image.height == 0 {
        return Err(ImageImportError::DataSizeMismatch {
            width: image.width,
            height: image.height,
            format: image.format,
            expected,
            actual: image.data.len() as u64,
        });
    }
    let float = image.format == PixelFormat::RgbaF32;
    let role_fits = match role {
        TextureRole::Hdr => float,
        TextureRole::Linear => true,
        TextureRole::Color | TextureRole::Ui | TextureRole::NormalMap => !float,
    };
    if !role_fits {
        return Err(ImageImportError::RoleMismatch { role, format: image.format });
    }

    let space = Space::of(role);
    let mut levels = Vec::with_capacity(mip_count(image.width, image.height) as usize);
    levels.push(MipLevel { width: image.width, height: image.height, data: image.data.clone() });

    let (mut width, mut height) = (image.width as usize, image.height as usize);
    if width == 1 && height == 1 {
        return Ok(levels);
    }
    // Level 1 reads level 0 straight from the bytes, so the full-size level is
    // never held as f32.
    let srgb_table = srgb_to_linear_table();
    let source = |i: usize| space.decode(image.format, &image.data, i, &srgb_table);
    let mut current = downsample(width, height, source, space);
    (width, height) = (half(width), half(height));
    loop {
        levels.push(MipLevel {
            width: width as u32,
            height: height as u32,
            data: encode_level(space, image.format, &current),
        });
        if width == 1 && height == 1 {
            return Ok(levels);
        }
        current = downsample(width, height, |i| current[i], space);
        (width, height) = (half(width), half(height));
    }
}

/// Half a side, rounded down, at least 1.
fn half(side: usize) -> usize {
    (side / 2).max(1)
}

/// The space texels are filtered in.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Space {
    /// sRGB colour: linear light, alpha-weighted.
    Srgb,
    /// Stored values, channels independent (also HDR).
    Plain,
    /// Unit vectors in `xyz`.
    Normal,
}

impl Space {
    fn of(role: TextureRole) -> Self {
        match role {
            TextureRole::Color | TextureRole::Ui => Space::Srgb,
            TextureRole::NormalMap => Space::Normal,
            TextureRole::Linear | TextureRole::Hdr => Space::Plain,
        }
    }

    /// Pixel `i` of `data` as filtering values.
    fn decode(self, format: PixelFormat, data: &[u8], i: usize, srgb8: &[f32; 256]) -> [f32; 4] {
        let mut texel = [0.0; 4];
        match format {
            PixelFormat::Rgba8 => {
                let p = &data[i * 4..i * 4 + 4];
                for c in 0..4 {
                    texel[c] = if self == Space::Srgb && c < 3 {
                        srgb8[usize::from(p[c])]
                    } else {
                        f32::from(p[c]) / 255.0
                    };
                }
            }
            PixelFormat::Rgba16 => {
                let p = &data[i * 8..i * 8 + 8];
                for c in 0..4 {
                    let v = f32::from(u16::from_le_bytes([p[2 * c], p[2 * c + 1]])) / 65535.0;
                    texel[c] = if self == Space::Srgb && c < 3 { srgb_to_linear(v) } else { v };
                }
            }
            PixelFormat::RgbaF32 => {
                let p = &data[i * 16..i * 16 + 16];
                for c in 0..4 {
                    texel[c] =
                        f32::from_le_bytes([p[4 * c], p[4 * c + 1], p[4 * c + 2], p[4 * c + 3]]);
                }
            }
        }
        if self == Space::Normal {
            for v in &mut texel[..3] {
                *v = *v * 2.0 - 1.0;
            }
        }
        texel
    }

    /// Filtering values back to pixels of `format`.
    fn encode(self, format: PixelFormat, texels: &[[f32; 4]]) -> Vec<u8> {
        let stored = |t: &[f32; 4], c: usize| -> f32 {
            match self {
                Space::Srgb if c < 3 => linear_to_srgb(t[c]),
                Space::Normal if c < 3 => t[c] * 0.5 + 0.5,
                _ => t[c],
            }
        };
        let mut out = Vec::with_capacity(texels.len() * format.bytes_per_pixel());
        for t in texels {
            for c in 0..4 {
                let v = stored(t, c);
                match format {
                    PixelFormat::Rgba8 => out.push((v.clamp(0.0, 1.0) * 255.0).round() as u8),
                    PixelFormat::Rgba16 => out.extend_from_slice(
                        &((v.clamp(0.0, 1.0) * 65535.0).round() as u16).to_le_bytes(),
                    ),
                    PixelFormat::RgbaF32 => out.extend_from_slice(&v.to_le_bytes()),
                }
            }
        }
        out
    }

    /// Averages `texels` (each with its weight; the weights sum to 1) into one.
    fn average(self, texels: &[([f32; 4], f32)]) -> [f32; 4] {
        let mut sum = [0.0f32; 4];
        match self {
            Space::Srgb => {
                let alpha: f32 = texels.iter().map(|(t, w)| t[3] * w).sum();
                for (t, w) in texels {
                    // Weight colour by alpha; if nothing is visible, fall back
                    // to the plain average so transparent regions keep a colour.
                    let w = if alpha > 0.0 { t[3] * w / alpha } else { *w };
                    for c in 0..3 {
                        sum[c] += t[c] * w;
                    }
                }
                sum[3] = alpha;
            }
            Space::Plain => {
                for (t, w) in texels {
                    for c in 0..4 {
                        sum[c] += t[c] * w;
                    }
                }
            }
            Space::Normal => {
                for (t, w) in texels {
                    for c in 0..4 {
                        sum[c] += t[c] * w;
                    }
                }
                let len = (sum[0] * sum[0] + sum[1] * sum[1] + sum[2] * sum[2]).sqrt();
                if len > 1e-6 {
                    for v in &mut sum[..3] {
                        *v /= len;
                    }
                } else {
                    sum[..3].copy_from_slice(&[0.0, 0.0, 1.0]);
                }
            }
        }
        sum
    }
}

/// Levels with fewer texels than this are filtered and encoded on one
/// thread: below it, starting threads costs more than it saves.
const PARALLEL_MIN_TEXELS: usize = 64 * 1024;

/// How many threads share work over `texels` texels in `rows` rows.
fn workers(texels: usize, rows: usize) -> usize {
    if texels < PARALLEL_MIN_TEXELS {
        return 1;
    }
    std::thread::available_parallelism().map_or(1, std::num::NonZero::get).min(rows).min(16)
}

/// One 2×2 box-filter step from a `width`×`height` level read by `texel`.
/// Large levels are filtered in bands of rows on several threads; every
/// texel is computed as on one thread, so the result is the same.
fn downsample(
    width: usize,
    height: usize,
    texel: impl Fn(usize) -> [f32; 4] + Sync,
    space: Space,
) -> Vec<[f32; 4]> {
    let (dw, dh) = (half(width), half(height));
    downsample_on(width, height, texel, space, workers(dw * dh, dh))
}

/// [`downsample`] on `threads` threads.
fn downsample_on(
    width: usize,
    height: usize,
    texel: impl Fn(usize) -> [f32; 4] + Sync,
    space: Space,
    threads: usize,
) -> Vec<[f32; 4]> {
    let (dw, dh) = (half(width), half(height));
    let (cols, rows) = (box_taps(width, dw), box_taps(height, dh));
    let mut out = vec![[0.0f32; 4]; dw * dh];
    let fill = |rows: &[Vec<(usize, f32)>], out: &mut [[f32; 4]]| {
        let mut gathered = Vec::with_capacity(9);
        let mut targets = out.iter_mut();
        for row in rows {
            for col in &cols {
                gathered.clear();
                for &(y, wy) in row {
                    for &(x, wx) in col {
                        gathered.push((texel(y * width + x), wy * wx));
                    }
                }
                if let Some(target) = targets.next() {
                    *target = space.average(&gathered);
                }
            }
        }
    };
    if threads <= 1 {
        fill(&rows, &mut out);
        return out;
    }
    let band = dh.div_ceil(threads);
    let fill = &fill;
    std::thread::scope(|scope| {
        for (rows, out) in rows.chunks(band).zip(out.chunks_mut(band * dw)) {
            scope.spawn(move || fill(rows, out));
        }
    });
    out
}

/// [`Space::encode`] of `texels`, in slices on several threads for large
/// levels (the same bytes as on one thread).
fn encode_level(space: Space, format: PixelFormat, texels: &[[f32; 4]]) -> Vec<u8> {
    encode_level_on(space, format, texels, workers(texels.len(), texels.len()))
}

/// [`encode_level`] on `threads` threads.
fn encode_level_on(
    space: Space,
    format: PixelFormat,
    texels: &[[f32; 4]],
    threads: usize,
) -> Vec<u8> {
    if threads <= 1 {
        return space.encode(format, texels);
    }
    let slice = texels.len().div_ceil(threads);
    std::thread::scope(|scope| {
        let parts: Vec<_> = texels
            .chunks(slice)
            .map(|part| scope.spawn(move || space.encode(format, part)))
            .collect();
        let mut out = Vec::with_capacity(texels.len() * format.bytes_per_pixel());
        for part in parts {
            match part.join() {
                Ok(bytes) => out.extend_from_slice(&bytes),
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }
        out
    })
}

/// The source texels and weights of each of the `dn` destination texels
/// along a side of `n` source texels: an area-weighted box, so every source
/// texel counts in proportion to the area it covers and the level's mean is
/// kept. An even side gives two texels of weight ½; an odd one three, with
/// the middle texel shared between neighbours.
fn box_taps(n: usize, dn: usize) -> Vec<Vec<(usize, f32)>> {
    let scale = n as f64 / dn as f64;
    (0..dn)
        .map(|d| {
            let (lo, hi) = (d as f64 * scale, (d + 1) as f64 * scale);
            let first = lo.floor() as usize;
            let last = (hi.ceil() as usize).min(n);
            (first..last)
                .filter_map(|i| {
                    let cover = hi.min(i as f64 + 1.0) - lo.max(i as f64);
                    (cover > 1e-9).then_some((i, (cover / scale) as f32))
                })
                .collect()
        })
        .collect()
}

/// The sRGB decoding curve for one value in `[0, 1]`.
fn srgb_to_linear(v: f32) -> f32 {
    if v <= 0.04045 { v / 12.92 } else { ((v + 0.055) / 1.055).powf(2.4) }
}

/// The sRGB encoding curve for one value in `[0, 1]`.
fn linear_to_srgb(v: f32) -> f32 {
    let v = v.clamp(0.0, 1.0);
    if v <= 0.003_130_8 { v * 12.92 } else { 1.055 * v.powf(1.0 / 2.4) - 0.055 }
}

/// [`srgb_to_linear`] for every 8-bit value.
fn srgb_to_linear_table() -> [f32; 256] {
    std::array::from_fn(|i| srgb_to_linear(i as f32 / 255.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Filtering and encoding on several threads give exactly the texels
    /// and bytes of one thread, odd sizes (shared middle taps) included.
    #[test]
    fn threads_change_nothing() {
        let (width, height) = (301_usize, 257_usize);
        let data: Vec<u8> = (0..width * height * 4).map(|i| (i * 7 % 251) as u8).collect();
        let table = srgb_to_linear_table();
        for space in [Space::Srgb, Space::Plain, Space::Normal] {
            let texel = |i| space.decode(PixelFormat::Rgba8, &data, i, &table);
            let one = downsample_on(width, height, texel, space, 1);
            for threads in [2, 3, 7] {
                let many = downsample_on(width, height, texel, space, threads);
                assert!(
                    one.iter().zip(&many).all(|(a, b)| a.map(f32::to_bits) == b.map(f32::to_bits))
                );
                assert_eq!(one.len(), many.len());
                assert_eq!(
                    encode_level_on(space, PixelFormat::Rgba8, &one, 1),
                    encode_level_on(space, PixelFormat::Rgba8, &one, threads)
                );
            }
        }
    }
}
