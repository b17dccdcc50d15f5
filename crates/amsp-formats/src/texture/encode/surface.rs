//! Turning a mip level into the surfaces the ISPC encoder reads: 8-bit
//! channels or half floats, with both sides padded to a multiple of four by
//! repeating the last column and row.

use std::borrow::Cow;

use crate::texture::source::{MipLevel, PixelFormat};

/// Number of 4-texel blocks needed to cover `texels`.
pub(super) fn blocks_across(texels: u32) -> usize {
    texels.div_ceil(4) as usize
}

/// A level's texels in the layout one encoder expects, sides multiples of 4.
pub(super) struct Padded<'a> {
    /// Texels, rows of `width` texels without gaps.
    pub(super) data: Cow<'a, [u8]>,
    /// Padded width, a multiple of 4.
    pub(super) width: u32,
    /// Padded height, a multiple of 4.
    pub(super) height: u32,
}

impl<'a> Padded<'a> {
    /// 8-bit RGBA. An 8-bit level whose sides are already multiples of four
    /// is borrowed as it is.
    pub(super) fn rgba8(level: &'a MipLevel, format: PixelFormat) -> Self {
        if format == PixelFormat::Rgba8
            && level.width.is_multiple_of(4)
            && level.height.is_multiple_of(4)
        {
            return Padded {
                data: Cow::Borrowed(&level.data),
                width: level.width,
                height: level.height,
            };
        }
        Self::channels::<4>(level, format)
    }

    /// The first `C` channels, 8 bits each (red; red and green; ...).
    pub(super) fn channels<const C: usize>(level: &MipLevel, format: PixelFormat) -> Self {
        match format {
            PixelFormat::Rgba16 => pad::<C>(level, 8, |texel| {
                std::array::from_fn(|c| {
                    unorm16_to_8(u16::from_le_bytes([texel[2 * c], texel[2 * c + 1]]))
                })
            }),
            // Callers refuse HDR sources for 8-bit encodings before this.
            PixelFormat::Rgba8 | PixelFormat::RgbaF32 => {
                pad::<C>(level, 4, |texel| std::array::from_fn(|c| texel[c]))
            }
        }
    }

    /// Half-float RGBA (8 bytes a texel, little-endian) from an
    /// [`PixelFormat::RgbaF32`] level, as BC6H reads it. Values are clamped to
    /// what an unsigned half holds; alpha is set to 1.
    pub(super) fn rgba_f16(level: &MipLevel) -> Self {
        pad::<8>(level, 16, |texel| {
            let channel = |c: usize| {
                let bytes = [texel[4 * c], texel[4 * c + 1], texel[4 * c + 2], texel[4 * c + 3]];
                f32_to_f16_unsigned(f32::from_le_bytes(bytes)).to_le_bytes()
            };
            let [r, g, b] = [channel(0), channel(1), channel(2)];
            let a = HALF_ONE.to_le_bytes();
            [r[0], r[1], g[0], g[1], b[0], b[1], a[0], a[1]]
        })
    }
}

/// Writes a level as tight 8-bit RGBA into `out` (`width * height * 4` bytes).
pub(super) fn to_rgba8(level: &MipLevel, format: PixelFormat, out: &mut [u8]) {
    match format {
        PixelFormat::Rgba16 => {
            for (dst, src) in out.iter_mut().zip(level.data.chunks_exact(2)) {
                *dst = unorm16_to_8(u16::from_le_bytes([src[0], src[1]]));
            }
        }
        PixelFormat::Rgba8 | PixelFormat::RgbaF32 => out.copy_from_slice(&level.data),
    }
}

/// Copies `level` into a new buffer of `C`-byte texels, converting each
/// `src_bytes`-byte source texel with `convert`, then fills the padding by
/// repeating the last texel of each row and the last row.
fn pad<const C: usize>(
    level: &MipLevel,
    src_bytes: usize,
    convert: impl Fn(&[u8]) -> [u8; C],
) -> Padded<'static> {
    let (width, height) = (level.width as usize, level.height as usize);
    let padded_width = blocks_across(level.width) * 4;
    let padded_height = blocks_across(level.height) * 4;
    let row_bytes = padded_width * C;
    let mut data = vec![0; row_bytes * padded_height];

    let src_rows = level.data.chunks_exact(width * src_bytes);
    for (dst_row, src_row) in data.chunks_exact_mut(row_bytes).zip(src_rows) {
        let (texels, padding) = dst_row.split_at_mut(width * C);
        for (dst, src) in texels.chunks_exact_mut(C).zip(src_row.chunks_exact(src_bytes)) {
            dst.copy_from_slice(&convert(src));
        }
        let last = &texels[(width - 1) * C..];
        for dst in padding.chunks_exact_mut(C) {
            dst.copy_from_slice(last);
        }
    }
    let (rows, padding) = data.split_at_mut(height * row_bytes);
    let last = &rows[(height - 1) * row_bytes..];
    for dst in padding.chunks_exact_mut(row_bytes) {
        dst.copy_from_slice(last);
    }

    Padded { data: Cow::Owned(data), width: padded_width as u32, height: padded_height as u32 }
}

/// 16-bit unsigned normalised to 8-bit, rounded to nearest.
fn unorm16_to_8(value: u16) -> u8 {
    ((u32::from(value) * 255 + 32767) / 65535) as u8
}

/// 1.0 as an IEEE half.
const HALF_ONE: u16 = 0x3c00;

/// `f32` to IEEE half, rounded to nearest even, for an unsigned target:
/// negatives and NaN become 0, values past the largest half (65504) become it.
pub(super) fn f32_to_f16_unsigned(value: f32) -> u16 {
    let value = if value > 0.0 { value.min(65504.0) } else { 0.0 };
    let bits = value.to_bits();
    let exponent = ((bits >> 23) & 0xff) as i32 - 127 + 15;
    let mantissa = bits & 0x7f_ffff;
    if exponent < -10 {
        return 0;
    }
    if exponent <= 0 {
        // Subnormal half: the implicit bit becomes explicit and shifts down.
        let full = mantissa | 0x80_0000;
        let shift = (14 - exponent) as u32;
        return round_shift(full, shift) as u16;
    }
    let half = ((exponent as u32) << 10) | (mantissa >> 13);
    let rest = mantissa & 0x1fff;
    // A carry out of the mantissa correctly bumps the exponent; 65504 is
    // exact, so the result never reaches infinity.
    let up = rest > 0x1000 || (rest == 0x1000 && half & 1 == 1);
    (half + u32::from(up)) as u16
}

/// `value >> shift`, rounded to nearest even.
fn round_shift(value: u32, shift: u32) -> u32 {
    let kept = value >> shift;
    let rest = value & ((1 << shift) - 1);
    let halfway = 1 << (shift - 1);
    kept + u32::from(rest > halfway || (rest == halfway && kept & 1 == 1))
}

#[cfg(test)]
mod tests {
    use super::f32_to_f16_unsigned as f16;

    #[test]
    fn half_conversion_matches_known_values() {
        let cases: [(f32, u16); 12] = [
            (0.0, 0x0000),
            (-1.0, 0x0000),
            (f32::NAN, 0x0000),
            (1.0, 0x3c00),
            (0.5, 0x3800),
            (2.0, 0x4000),
            (65504.0, 0x7bff),
            (1.0e9, 0x7bff),
            (f32::INFINITY, 0x7bff),
            (6.103_515_6e-5, 0x0400),     // smallest normal
            (5.960_464_5e-8, 0x0001),     // smallest subnormal
            (1.0 + 1.0 / 2048.0, 0x3c00), // halfway, rounds to even
        ];
        for (value, half) in cases {
            assert_eq!(f16(value), half, "{value}");
        }
        assert_eq!(f16(1.0 + 3.0 / 2048.0), 0x3c02, "halfway rounds up to even");
    }
}
