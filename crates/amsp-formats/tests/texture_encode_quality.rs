//! Block compression against real corpus images: encode, decode back with an
//! independent decoder (`texture2ddecoder`), and measure PSNR per channel set.

mod common;

use std::path::{Path, PathBuf};

use amsp_formats::texture::encode::{
    AstcBlock, EncodeQuality, TextureEncoding, encode_level, encode_level_as,
};
use amsp_formats::texture::source::{ImageLimits, MipLevel, PixelFormat, decode_image};
use common::decode;

const IMAGES: &str =
    concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/corpus/textures/images/");

/// Every colour image of the corpus (PNG, JPEG, BMP, TGA, GIF) as 8-bit RGBA,
/// 16-bit sources rounded to 8 bits the way the encoder does it.
fn corpus() -> Vec<(String, MipLevel, PixelFormat)> {
    let dir = Path::new(IMAGES);
    assert!(dir.is_dir(), "test corpus missing: expected {}", dir.display());
    let mut paths = Vec::new();
    collect(dir, &mut paths);
    paths.sort();
    let mut images = Vec::new();
    for path in paths {
        let Ok(bytes) = std::fs::read(&path) else { continue };
        let hint = path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase);
        let Ok(image) = decode_image(&bytes, hint.as_deref(), &ImageLimits::default()) else {
            continue; // broken files of the corpus are the decoder tests' business
        };
        if image.format == PixelFormat::RgbaF32 || image.width < 8 || image.height < 8 {
            continue;
        }
        let name = path.strip_prefix(dir).unwrap().display().to_string();
        let level = MipLevel { width: image.width, height: image.height, data: image.data };
        images.push((name, level, image.format));
    }
    assert!(images.len() >= 20, "only {} usable corpus images", images.len());
    images
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            collect(&path, out);
        } else if path.extension().and_then(|e| e.to_str()).is_some_and(|e| {
            ["png", "jpg", "jpeg", "bmp", "tga", "gif"].contains(&e.to_ascii_lowercase().as_str())
        }) {
            out.push(path);
        }
    }
}

/// The source as 8-bit RGBA.
fn rgba8(level: &MipLevel, format: PixelFormat) -> Vec<u8> {
    match format {
        PixelFormat::Rgba8 => level.data.clone(),
        PixelFormat::Rgba16 => level
            .data
            .chunks_exact(2)
            .map(|c| ((u32::from(u16::from_le_bytes([c[0], c[1]])) * 255 + 32767) / 65535) as u8)
            .collect(),
        PixelFormat::RgbaF32 => unreachable!(),
        _ => unreachable!(),
    }
}

/// PSNR in dB over the given channels of two RGBA8 images.
fn psnr(a: &[u8], b: &[u8], channels: &[usize]) -> f64 {
    let mut sum = 0.0;
    let mut count = 0usize;
    for (x, y) in a.chunks_exact(4).zip(b.chunks_exact(4)) {
        for &c in channels {
            let d = f64::from(x[c]) - f64::from(y[c]);
            sum += d * d;
            count += 1;
        }
    }
    let mse = sum / count as f64;
    if mse == 0.0 { 99.0 } else { 10.0 * (255.0 * 255.0 / mse).log10() }
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

/// Encodes every corpus image, returns the PSNR of each, and prints them.
fn measure(encoding: TextureEncoding, channels: &[usize], opaque_only: bool) -> Vec<(String, f64)> {
    measure_as(encoding, EncodeQuality::Basic, false, channels, opaque_only)
}

/// [`measure`] at a given quality, for the sRGB or linear format.
fn measure_as(
    encoding: TextureEncoding,
    quality: EncodeQuality,
    srgb: bool,
    channels: &[usize],
    opaque_only: bool,
) -> Vec<(String, f64)> {
    let mut results = Vec::new();
    for (name, level, format) in corpus() {
        let source = rgba8(&level, format);
        if opaque_only && source.chunks_exact(4).any(|t| t[3] != 255) {
            continue;
        }
        let blocks = encode_level_as(&level, format, encoding, quality, srgb).unwrap();
        assert_eq!(blocks.len(), encoding.level_size(level.width, level.height), "{name}");
        let decoded = decode(encoding, &blocks, level.width, level.height);
        let value = psnr(&source, &decoded, channels);
        eprintln!("{encoding:?} {name} {}x{}: {value:.2} dB", level.width, level.height);
        results.push((name, value));
    }
    let mut values: Vec<f64> = results.iter().map(|r| r.1).collect();
    let min = values.iter().copied().fold(f64::INFINITY, f64::min);
    eprintln!(
        "{encoding:?} {quality:?} srgb={srgb}: {} images, median {:.2} dB, min {min:.2} dB",
        values.len(),
        median(&mut values)
    );
    results
}

/// Asserts the median reaches `floor` and reports (without failing) the
/// images below it; `hard_floor` is what every image must reach.
///
/// Some corpus images are below `floor` for every encoder setting: 1-pixel
/// red/blue dithers (`pal2color.bmp`, `pal4rle*.bmp`) defeat the encoder's
/// principal-axis search, which starts orthogonal to the red-blue axis and
/// settles on the average colour, and sharp palette art (`alien*`,
/// `explosion1.gif`) stays near 30 dB in BC7. The hard floors sit below those
/// cases and far above what a wrong block layout or channel order gives.
fn check(encoding: TextureEncoding, results: &[(String, f64)], floor: f64, hard_floor: f64) {
    let mut values: Vec<f64> = results.iter().map(|r| r.1).collect();
    let median = median(&mut values);
    for (name, value) in results.iter().filter(|r| r.1 < floor) {
        eprintln!("{encoding:?}: below {floor} dB: {name} ({value:.2} dB)");
    }
    assert!(median >= floor, "{encoding:?} median PSNR {median:.2} dB < {floor} dB");
    for (name, value) in results {
        assert!(*value >= hard_floor, "{encoding:?} {name}: {value:.2} dB < {hard_floor} dB");
    }
}

#[test]
fn bc7_reaches_40_db_on_colour_images() {
    let results = measure(TextureEncoding::Bc7, &[0, 1, 2, 3], false);
    check(TextureEncoding::Bc7, &results, 40.0, 25.0);
}

#[test]
fn bc1_reaches_30_db_on_opaque_colour_images() {
    let results = measure(TextureEncoding::Bc1, &[0, 1, 2], true);
    check(TextureEncoding::Bc1, &results, 30.0, 12.0);
}

#[test]
fn bc3_keeps_colour_and_alpha() {
    let results = measure(TextureEncoding::Bc3, &[0, 1, 2, 3], false);
    check(TextureEncoding::Bc3, &results, 30.0, 13.0);
}

#[test]
fn bc4_reaches_35_db_on_red() {
    let results = measure(TextureEncoding::Bc4, &[0], false);
    check(TextureEncoding::Bc4, &results, 35.0, 30.0);
}

#[test]
fn bc5_reaches_35_db_on_red_and_green() {
    let results = measure(TextureEncoding::Bc5, &[0, 1], false);
    check(TextureEncoding::Bc5, &results, 35.0, 30.0);
}

#[test]
fn rgba8_is_the_source_itself() {
    for (name, level, format) in corpus() {
        let bytes =
            encode_level(&level, format, TextureEncoding::Rgba8, EncodeQuality::Basic).unwrap();
        assert_eq!(bytes, rgba8(&level, format), "{name}");
    }
}

// ASTC colour textures are measured in their sRGB format, as the cook stores
// colour. The decoder is texture2ddecoder's linear one; sRGB endpoints expand
// differently on a GPU, which moves results by well under a step.
//
// Measured medians (Basic, 131 images, all four channels): 4×4 45.9 dB
// (BC7 in the same run: 46.6 dB), 6×6 38.3 dB, 8×8 32.7 dB. Floors sit 3–4 dB
// below; the hard floors sit 3–4 dB below the worst images (palette art and
// 1-texel dithers, as for BC7).

#[test]
fn astc_4x4_reaches_42_db_on_colour_images() {
    let encoding = TextureEncoding::Astc(AstcBlock::B4x4);
    let results = measure_as(encoding, EncodeQuality::Basic, true, &[0, 1, 2, 3], false);
    check(encoding, &results, 42.0, 24.0);
}

#[test]
fn astc_6x6_reaches_35_db_on_colour_images() {
    let encoding = TextureEncoding::Astc(AstcBlock::B6x6);
    let results = measure_as(encoding, EncodeQuality::Basic, true, &[0, 1, 2, 3], false);
    check(encoding, &results, 35.0, 18.0);
}

#[test]
fn astc_8x8_reaches_30_db_on_colour_images() {
    let encoding = TextureEncoding::Astc(AstcBlock::B8x8);
    let results = measure_as(encoding, EncodeQuality::Basic, true, &[0, 1, 2, 3], false);
    check(encoding, &results, 30.0, 15.0);
}

/// Median PSNR of `encoding` at `quality` over the colour corpus.
fn astc_median(block: AstcBlock, quality: EncodeQuality, srgb: bool) -> f64 {
    let results = measure_as(TextureEncoding::Astc(block), quality, srgb, &[0, 1, 2, 3], false);
    let mut values: Vec<f64> = results.iter().map(|r| r.1).collect();
    median(&mut values)
}

#[test]
fn astc_slow_beats_fast_and_linear_matches_srgb() {
    // Measured on 4×4: fast 44.6 dB, slow 49.2 dB (medium preset).
    let fast = astc_median(AstcBlock::B4x4, EncodeQuality::Fast, true);
    let slow = astc_median(AstcBlock::B4x4, EncodeQuality::Slow, true);
    assert!(slow >= fast + 2.0, "slow {slow:.2} dB, fast {fast:.2} dB");
    // The linear profile, decoded linearly, lands within a fraction of a dB
    // of the sRGB one (measured 45.89 against 45.92 dB).
    let linear = astc_median(AstcBlock::B4x4, EncodeQuality::Basic, false);
    assert!(linear >= 42.0, "linear 4x4 median {linear:.2} dB");
}

/// A tangent-space normal map derived from an image's luminance used as a
/// height field (central differences), stored as 0.5 + 0.5 n in RGB.
fn normal_map(source: &[u8], width: u32, height: u32) -> MipLevel {
    let (w, h) = (width as usize, height as usize);
    let luma = |x: usize, y: usize| {
        let t = &source[(y * w + x) * 4..];
        (0.299 * f64::from(t[0]) + 0.587 * f64::from(t[1]) + 0.114 * f64::from(t[2])) / 255.0
    };
    let mut data = Vec::with_capacity(w * h * 4);
    for y in 0..h {
        for x in 0..w {
            let dx = luma((x + 1).min(w - 1), y) - luma(x.saturating_sub(1), y);
            let dy = luma(x, (y + 1).min(h - 1)) - luma(x, y.saturating_sub(1));
            let n = [-dx * 2.0, -dy * 2.0, 1.0];
            let len = (n[0] * n[0] + n[1] * n[1] + n[2] * n[2]).sqrt();
            let unorm = |v: f64| ((v / len * 0.5 + 0.5) * 255.0).round() as u8;
            data.extend([unorm(n[0]), unorm(n[1]), unorm(n[2]), 255]);
        }
    }
    MipLevel { width, height, data }
}

#[test]
fn astc_normal_maps_match_bc5_on_x_and_y() {
    let mut astc = Vec::new();
    let mut bc5 = Vec::new();
    for (name, level, format) in corpus() {
        let source = rgba8(&level, format);
        let normals = normal_map(&source, level.width, level.height);
        let (w, h) = (level.width, level.height);

        let encoding = TextureEncoding::AstcNormal(AstcBlock::B4x4);
        let blocks =
            encode_level(&normals, PixelFormat::Rgba8, encoding, EncodeQuality::Basic).unwrap();
        // X comes back in red (and green, blue), Y in alpha.
        let decoded: Vec<u8> = decode(encoding, &blocks, w, h)
            .chunks_exact(4)
            .flat_map(|t| [t[0], t[3], 0, 0])
            .collect();
        let value = psnr(&normals.data, &decoded, &[0, 1]);
        eprintln!("{encoding:?} {name}: {value:.2} dB");
        astc.push(value);

        let blocks =
            encode_level(&normals, PixelFormat::Rgba8, TextureEncoding::Bc5, EncodeQuality::Basic)
                .unwrap();
        let decoded = decode(TextureEncoding::Bc5, &blocks, w, h);
        bc5.push(psnr(&normals.data, &decoded, &[0, 1]));
    }
    let (astc, bc5) = (median(&mut astc), median(&mut bc5));
    eprintln!("normal maps, X and Y: ASTC 4x4 median {astc:.2} dB, BC5 median {bc5:.2} dB");
    // Measured: ASTC 4×4 41.8 dB, BC5 42.1 dB: the same 8 bits a texel,
    // the same quality.
    assert!(astc >= 38.0, "ASTC normal-map median {astc:.2} dB");
    assert!(astc >= bc5 - 2.0, "ASTC {astc:.2} dB far below BC5 {bc5:.2} dB");
}
