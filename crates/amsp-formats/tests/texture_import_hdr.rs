//! Radiance HDR sources through the texture importer: BC6H by default
//! (decoded here with `bcdec_rs` and compared in float), or uncompressed
//! half or single floats.
#![cfg(feature = "import")]

#[path = "common/import.rs"]
mod importing;
use importing::import;

use amsp_formats::texture::ktx2::{Ktx2Texture, TextureLimits, VkFormat};
use amsp_formats::texture::source::{ImageLimits, decode_image};
use image::Rgb;
use image::codecs::hdr::HdrEncoder;

/// A `width`×`height` Radiance HDR file: a sky-like gradient from 0.02 to
/// about 16, with a bright disc.
fn hdr_file(width: u32, height: u32) -> Vec<u8> {
    let pixels: Vec<Rgb<f32>> = (0..height)
        .flat_map(|y| {
            (0..width).map(move |x| {
                let (u, v) = (x as f32 / width as f32, y as f32 / height as f32);
                let sky = 0.02 + 4.0 * (1.0 - v) * (1.0 - v);
                let (dx, dy) = (u - 0.7, v - 0.3);
                let sun = if dx * dx + dy * dy < 0.01 { 12.0 } else { 0.0 };
                Rgb([sky * (0.6 + 0.4 * u) + sun, sky * 0.8 + sun, sky + sun * 0.9])
            })
        })
        .collect();
    let mut out = Vec::new();
    HdrEncoder::new(&mut out).encode(&pixels, width as usize, height as usize).unwrap();
    out
}

/// Decodes BC6H unsigned blocks of a `width`×`height` level to RGB floats.
fn decode_bc6h(blocks: &[u8], width: u32, height: u32) -> Vec<[f32; 3]> {
    let (w, h) = (width as usize, height as usize);
    let across = w.div_ceil(4);
    let mut out = vec![[0.0; 3]; w * h];
    for (i, block) in blocks.chunks_exact(16).enumerate() {
        let mut texels = [0f32; 4 * 4 * 3];
        bcdec_rs::bc6h_float(block, &mut texels, 12, false);
        let (bx, by) = (i % across * 4, i / across * 4);
        for y in 0..4 {
            for x in 0..4 {
                if bx + x < w && by + y < h {
                    let t = &texels[y * 12 + x * 3..y * 12 + x * 3 + 3];
                    out[(by + y) * w + bx + x] = [t[0], t[1], t[2]];
                }
            }
        }
    }
    out
}

/// The source texels as RGB floats, as the importer decodes them.
fn source(bytes: &[u8]) -> Vec<[f32; 3]> {
    let image = decode_image(bytes, Some("hdr"), &ImageLimits::default()).unwrap();
    image
        .data
        .chunks_exact(16)
        .map(|p| {
            let f = |i: usize| f32::from_le_bytes([p[i], p[i + 1], p[i + 2], p[i + 3]]);
            [f(0), f(4), f(8)]
        })
        .collect()
}

/// Relative error of `got` against `want`, with values below 1/16 counted
/// as 1/16 so that near-black texels are judged on absolute error.
fn relative_error(got: f32, want: f32) -> f32 {
    (got - want).abs() / want.abs().max(1.0 / 16.0)
}

#[test]
fn hdr_images_cook_to_bc6h_within_a_small_relative_error() {
    let (width, height) = (70, 44);
    let bytes = hdr_file(width, height);
    let asset = import("sky.hdr", &bytes, &[]).unwrap();
    let file = asset.chunks.concat();
    let texture = Ktx2Texture::parse(&file, &TextureLimits::default()).unwrap();
    assert_eq!(texture.format(), Some(VkFormat::Bc6hUfloat));
    assert_eq!(texture.levels(), 7);
    let m = &asset.metadata;
    assert_eq!(
        (&m["source_format"], &m["role"], &m["encoding"]),
        (&"hdr".into(), &"hdr".into(), &"Bc6h".into())
    );

    let want = source(&bytes);
    let got = decode_bc6h(&texture.level(0).unwrap(), width, height);
    let errors: Vec<f32> = got
        .iter()
        .zip(&want)
        .flat_map(|(g, w)| (0..3).map(|c| relative_error(g[c], w[c])))
        .collect();
    let mean = errors.iter().sum::<f32>() / errors.len() as f32;
    let max = errors.iter().copied().fold(0.0, f32::max);
    let brightest = got.iter().flat_map(|t| *t).fold(0.0, f32::max);
    eprintln!("BC6H level 0: mean relative error {mean:.4}, max {max:.4}, brightest {brightest}");
    assert!(mean < 0.02, "mean relative error {mean}");
    assert!(max < 0.25, "max relative error {max}");
    assert!(brightest > 12.0, "values above 1 must survive: brightest is {brightest}");

    // For a power-of-two image the 1×1 level is the mean of the image (box
    // filter in linear floats).
    let bytes = hdr_file(64, 32);
    let want = source(&bytes);
    let asset = import("sky.hdr", &bytes, &[]).unwrap();
    let file = asset.chunks.concat();
    let texture = Ktx2Texture::parse(&file, &TextureLimits::default()).unwrap();
    let last = decode_bc6h(&texture.level(6).unwrap(), 1, 1)[0];
    for c in 0..3 {
        let mean = want.iter().map(|t| f64::from(t[c])).sum::<f64>() / want.len() as f64;
        let e = relative_error(last[c], mean as f32);
        assert!(e < 0.03, "1×1 channel {c}: {} vs {mean} ({e})", last[c]);
    }
}

#[test]
fn hdr_images_cook_to_uncompressed_floats() {
    let (width, height) = (9, 5);
    let bytes = hdr_file(width, height);
    let want = source(&bytes);

    let asset = import("sky.hdr", &bytes, &[("encoding", "rgba32f")]).unwrap();
    let file = asset.chunks.concat();
    let texture = Ktx2Texture::parse(&file, &TextureLimits::default()).unwrap();
    assert_eq!(texture.format(), Some(VkFormat::R32G32B32A32Sfloat));
    let level = texture.level(0).unwrap();
    let got: Vec<f32> =
        level.chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect();
    for (g, w) in got.chunks_exact(4).zip(&want) {
        assert_eq!(&g[..3], &w[..], "rgba32f keeps the floats exactly");
        assert_eq!(g[3], 1.0);
    }

    let asset = import("sky.hdr", &bytes, &[("encoding", "rgba16f")]).unwrap();
    let file = asset.chunks.concat();
    let texture = Ktx2Texture::parse(&file, &TextureLimits::default()).unwrap();
    assert_eq!(texture.format(), Some(VkFormat::R16G16B16A16Sfloat));
    assert_eq!(texture.levels(), 4);
    let level = texture.level(0).unwrap();
    let halves: Vec<f32> = level
        .chunks_exact(2)
        .map(|b| amsp_formats::texture::dds::f16_to_f32(u16::from_le_bytes([b[0], b[1]])))
        .collect();
    for (g, w) in halves.chunks_exact(4).zip(&want) {
        for c in 0..3 {
            // Half floats have 11 significant bits: rounding is within 2^-11.
            assert!((g[c] - w[c]).abs() <= w[c].abs() / 2048.0 + 1e-7, "{} vs {}", g[c], w[c]);
        }
    }
}

#[test]
fn settings_that_do_not_fit_hdr_are_refused() {
    let bytes = hdr_file(8, 8);
    for settings in [[("encoding", "bc7")], [("role", "color")], [("encoding", "rgba9")]] {
        let e = import("sky.hdr", &bytes, &settings).unwrap_err();
        assert!(e.to_string().contains(settings[0].0), "{settings:?}: {e}");
    }
    // rgba16f/rgba32f need a float source.
    let png = {
        let mut out = std::io::Cursor::new(Vec::new());
        image::RgbaImage::new(4, 4).write_to(&mut out, image::ImageFormat::Png).unwrap();
        out.into_inner()
    };
    let e = import("flat.png", &png, &[("encoding", "rgba16f")]).unwrap_err();
    assert!(e.to_string().contains("encoding"), "{e}");
}

/// An OpenEXR file of the same picture as [`hdr_file`], with alpha, as
/// 32-bit floats, and its texels.
fn exr_file(width: u32, height: u32) -> (Vec<u8>, Vec<f32>) {
    let texels: Vec<f32> = source(&hdr_file(width, height))
        .iter()
        .enumerate()
        .flat_map(|(i, t)| [t[0], t[1], t[2], if i % 3 == 0 { 0.5 } else { 1.0 }])
        .collect();
    let image = image::Rgba32FImage::from_raw(width, height, texels.clone()).unwrap();
    let mut out = std::io::Cursor::new(Vec::new());
    image::DynamicImage::ImageRgba32F(image)
        .write_to(&mut out, image::ImageFormat::OpenExr)
        .unwrap();
    (out.into_inner(), texels)
}

#[test]
fn openexr_images_cook_like_radiance_ones() {
    let (width, height) = (36, 20);
    let (bytes, texels) = exr_file(width, height);

    let asset = import("sky.exr", &bytes, &[("encoding", "rgba32f")]).unwrap();
    assert_eq!(asset.metadata["source_format"], "exr");
    assert_eq!(asset.metadata["has_alpha"], true);
    let file = asset.chunks.concat();
    let texture = Ktx2Texture::parse(&file, &TextureLimits::default()).unwrap();
    let expected: Vec<u8> = texels.iter().flat_map(|f| f.to_le_bytes()).collect();
    assert!(texture.level(0).unwrap().as_ref() == &expected[..], "rgba32f keeps the floats");

    let asset = import("sky.exr", &bytes, &[]).unwrap();
    let file = asset.chunks.concat();
    let texture = Ktx2Texture::parse(&file, &TextureLimits::default()).unwrap();
    assert_eq!(texture.format(), Some(VkFormat::Bc6hUfloat));
    let got = decode_bc6h(&texture.level(0).unwrap(), width, height);
    let mean = got
        .iter()
        .zip(texels.chunks_exact(4))
        .flat_map(|(g, w)| (0..3).map(move |c| relative_error(g[c], w[c])))
        .sum::<f32>()
        / (got.len() * 3) as f32;
    assert!(mean < 0.02, "mean relative error {mean}");

    // Cut short anywhere: an error, never a panic.
    for len in (0..bytes.len()).step_by(7) {
        match std::panic::catch_unwind(|| import("cut.exr", &bytes[..len], &[])) {
            Ok(result) => assert!(result.is_err(), "{len} of {} bytes imported", bytes.len()),
            Err(_) => panic!("panic on an OpenEXR file cut to {len} bytes"),
        }
    }
}
