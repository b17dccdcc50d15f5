//! Block compression of odd sizes (mip tails, partial blocks), solid colours,
//! HDR input and the errors of `encode_level`.

mod common;

use amsp_formats::texture::encode::{EncodeError, EncodeQuality, TextureEncoding, encode_level};
use amsp_formats::texture::ktx2::VkFormat;
use amsp_formats::texture::source::{MipLevel, PixelFormat};
use common::decode;

const BLOCK_ENCODINGS: [TextureEncoding; 5] = [
    TextureEncoding::Bc1,
    TextureEncoding::Bc3,
    TextureEncoding::Bc4,
    TextureEncoding::Bc5,
    TextureEncoding::Bc7,
];

/// A smooth opaque gradient, deterministic.
fn gradient(width: u32, height: u32) -> MipLevel {
    let mut data = Vec::with_capacity(width as usize * height as usize * 4);
    for y in 0..height {
        for x in 0..width {
            data.extend_from_slice(&[
                (40 + x * 3 % 180) as u8,
                (60 + y * 5 % 150) as u8,
                (100 + (x + y) % 100) as u8,
                255,
            ]);
        }
    }
    MipLevel { width, height, data }
}

/// Channels an encoding keeps.
fn channels(encoding: TextureEncoding) -> &'static [usize] {
    match encoding {
        TextureEncoding::Bc1 | TextureEncoding::Bc6h => &[0, 1, 2],
        TextureEncoding::Bc4 => &[0],
        TextureEncoding::Bc5 => &[0, 1],
        _ => &[0, 1, 2, 3],
    }
}

fn max_error(a: &[u8], b: &[u8], channels: &[usize]) -> u8 {
    a.chunks_exact(4)
        .zip(b.chunks_exact(4))
        .flat_map(|(x, y)| channels.iter().map(move |&c| x[c].abs_diff(y[c])))
        .max()
        .unwrap()
}

#[test]
fn odd_sizes_give_whole_blocks_and_decode_close_to_the_source() {
    for (width, height) in [(1, 1), (2, 2), (5, 3), (300, 17), (3, 9), (4, 4)] {
        let level = gradient(width, height);
        for encoding in BLOCK_ENCODINGS {
            let blocks =
                encode_level(&level, PixelFormat::Rgba8, encoding, EncodeQuality::Basic).unwrap();
            let expected =
                width.div_ceil(4) as usize * height.div_ceil(4) as usize * encoding.block_bytes();
            assert_eq!(blocks.len(), expected, "{encoding:?} {width}x{height}");
            assert_eq!(blocks.len(), encoding.level_size(width, height));
            let decoded = decode(encoding, &blocks, width, height);
            let error = max_error(&level.data, &decoded, channels(encoding));
            assert!(error <= 24, "{encoding:?} {width}x{height}: max error {error}");
        }
    }
}

#[test]
fn solid_colour_round_trips_almost_exactly() {
    for (width, height) in [(1, 1), (7, 5), (64, 64)] {
        let level = MipLevel {
            width,
            height,
            data: [180, 90, 30, 200].repeat(width as usize * height as usize),
        };
        for encoding in BLOCK_ENCODINGS {
            let blocks =
                encode_level(&level, PixelFormat::Rgba8, encoding, EncodeQuality::Fast).unwrap();
            let decoded = decode(encoding, &blocks, width, height);
            let error = max_error(&level.data, &decoded, channels(encoding));
            // BC1 and BC3 store colour as 5:6:5 endpoints interpolated in thirds.
            let allowed =
                if matches!(encoding, TextureEncoding::Bc1 | TextureEncoding::Bc3) { 4 } else { 1 };
            assert!(error <= allowed, "{encoding:?} {width}x{height}: max error {error}");
        }
    }
}

#[test]
fn rgba16_sources_encode_like_their_8_bit_rounding() {
    let level8 = gradient(13, 6);
    let data16 = level8.data.iter().flat_map(|&v| (u16::from(v) * 257).to_le_bytes()).collect();
    let level16 = MipLevel { data: data16, ..level8.clone() };
    for encoding in [TextureEncoding::Rgba8, TextureEncoding::Bc7, TextureEncoding::Bc4] {
        let a = encode_level(&level8, PixelFormat::Rgba8, encoding, EncodeQuality::Basic).unwrap();
        let b =
            encode_level(&level16, PixelFormat::Rgba16, encoding, EncodeQuality::Basic).unwrap();
        assert_eq!(a, b, "{encoding:?}");
    }
}

#[test]
fn bc6h_encodes_hdr_texels() {
    let (width, height) = (10u32, 7u32);
    let mut data = Vec::new();
    let mut expected = Vec::new();
    for y in 0..height {
        for x in 0..width {
            // In [0, 1] so that the 8-bit decoder can check it; one texel
            // far above 1 to show that large values are accepted.
            let texel = [0.3 + x as f32 / 20.0, 0.4 + y as f32 / 14.0, 0.5, 1.0];
            let texel = if (x, y) == (9, 6) { [300.0, 2.0, 1.5, 1.0] } else { texel };
            expected.extend(texel.map(|v| (v * 255.0).clamp(0.0, 255.0) as u8));
            data.extend(texel.iter().flat_map(|v| v.to_le_bytes()));
        }
    }
    let level = MipLevel { width, height, data };
    for quality in [EncodeQuality::Fast, EncodeQuality::Basic, EncodeQuality::Slow] {
        let blocks =
            encode_level(&level, PixelFormat::RgbaF32, TextureEncoding::Bc6h, quality).unwrap();
        assert_eq!(blocks.len(), 3 * 2 * 16);
        let decoded = decode(TextureEncoding::Bc6h, &blocks, width, height);
        // The block holding the 300.0 texel has a wide range: leave it out.
        let error = decoded
            .chunks_exact(4 * width as usize)
            .zip(expected.chunks_exact(4 * width as usize))
            .take(4)
            .map(|(a, b)| max_error(a, b, &[0, 1, 2]))
            .max()
            .unwrap();
        // Loose: decoded neighbours come out in equal pairs (6-7 of 255 off);
        // whether that is the encoder's profile or the decoder's BC6H path
        // is not settled yet. 16 still rules out a wrong texel layout.
        assert!(error <= 16, "{quality:?}: max error {error}");
        assert_eq!(&decoded[(6 * 10 + 9) * 4..][..3], &[255, 255, 255]);
    }
}

#[test]
fn errors_name_the_level() {
    let level = gradient(4, 4);
    assert_eq!(
        encode_level(&level, PixelFormat::Rgba16, TextureEncoding::Bc7, EncodeQuality::Basic),
        Err(EncodeError::DataSize {
            width: 4,
            height: 4,
            format: PixelFormat::Rgba16,
            expected: 128,
            actual: 64
        })
    );
    let empty = MipLevel { width: 0, height: 4, data: Vec::new() };
    assert!(matches!(
        encode_level(&empty, PixelFormat::Rgba8, TextureEncoding::Bc1, EncodeQuality::Basic),
        Err(EncodeError::Empty { width: 0, height: 4 })
    ));
    assert!(matches!(
        encode_level(&level, PixelFormat::Rgba8, TextureEncoding::Bc6h, EncodeQuality::Basic),
        Err(EncodeError::Unsupported { .. })
    ));
    let hdr = MipLevel { width: 4, height: 4, data: vec![0; 4 * 4 * 16] };
    assert!(matches!(
        encode_level(&hdr, PixelFormat::RgbaF32, TextureEncoding::Bc7, EncodeQuality::Basic),
        Err(EncodeError::Unsupported { .. })
    ));
}

#[test]
fn vk_formats_match_block_sizes() {
    for encoding in [
        TextureEncoding::Rgba8,
        TextureEncoding::Bc1,
        TextureEncoding::Bc3,
        TextureEncoding::Bc4,
        TextureEncoding::Bc5,
        TextureEncoding::Bc6h,
        TextureEncoding::Bc7,
    ] {
        for srgb in [false, true] {
            let format = encoding.vk_format(srgb);
            assert_eq!(format.block_bytes() as usize, encoding.block_bytes(), "{encoding:?}");
        }
    }
    assert_eq!(TextureEncoding::Bc7.vk_format(true), VkFormat::Bc7Srgb);
    assert_eq!(TextureEncoding::Bc5.vk_format(true), VkFormat::Bc5Unorm);
}
