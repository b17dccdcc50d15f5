//! Mip-chain generation: sizes, gamma-correct and alpha-correct colour,
//! normal maps, HDR.

use amsp_formats::texture::source::{
    ImageImportError, PixelFormat, SourceImage, TextureRole, build_mips, mip_count,
};

fn rgba8(width: u32, height: u32, pixels: &[[u8; 4]]) -> SourceImage {
    assert_eq!(pixels.len(), (width * height) as usize);
    SourceImage {
        width,
        height,
        format: PixelFormat::Rgba8,
        has_alpha: pixels.iter().any(|p| p[3] < 255),
        source_channels: 4,
        data: pixels.iter().flatten().copied().collect(),
    }
}

fn rgba_f32(width: u32, height: u32, pixels: &[[f32; 4]]) -> SourceImage {
    SourceImage {
        width,
        height,
        format: PixelFormat::RgbaF32,
        has_alpha: false,
        source_channels: 3,
        data: pixels.iter().flatten().flat_map(|v| v.to_le_bytes()).collect(),
    }
}

fn sizes(width: u32, height: u32) -> Vec<(u32, u32)> {
    let image = rgba8(width, height, &vec![[10, 20, 30, 255]; (width * height) as usize]);
    let mips = build_mips(&image, TextureRole::Color).unwrap();
    for m in &mips {
        assert_eq!(m.data.len(), (m.width * m.height * 4) as usize);
    }
    assert_eq!(mips.len() as u32, mip_count(width, height));
    mips.iter().map(|m| (m.width, m.height)).collect()
}

#[test]
fn level_sizes_halve_down_to_one() {
    assert_eq!(sizes(1, 1), [(1, 1)]);
    assert_eq!(sizes(7, 3), [(7, 3), (3, 1), (1, 1)]);
    assert_eq!(sizes(256, 256), (0..9).map(|i| (256 >> i, 256 >> i)).collect::<Vec<_>>());
    assert_eq!(
        sizes(300, 17),
        [(300, 17), (150, 8), (75, 4), (37, 2), (18, 1), (9, 1), (4, 1), (2, 1), (1, 1)]
    );
    assert_eq!(sizes(1, 5), [(1, 5), (1, 2), (1, 1)]);
}

#[test]
fn uniform_image_stays_uniform_at_odd_sizes() {
    let image = rgba8(7, 3, &[[10, 20, 30, 255]; 21]);
    for role in [TextureRole::Color, TextureRole::Linear, TextureRole::Ui] {
        for m in build_mips(&image, role).unwrap() {
            assert!(m.data.chunks(4).all(|p| p == [10, 20, 30, 255]), "{role:?}");
        }
    }
}

#[test]
fn odd_column_folds_into_the_last_texel() {
    // 3×1 linear: 0, 0, 255 → one texel averaging all three (85), not the
    // first two (0).
    let image = rgba8(3, 1, &[[0, 0, 0, 255], [0, 0, 0, 255], [255, 255, 255, 255]]);
    let mips = build_mips(&image, TextureRole::Linear).unwrap();
    assert_eq!(mips[1].data, [85, 85, 85, 255]);
}

#[test]
fn every_level_keeps_the_mean_at_odd_sizes() {
    // Linear floats with a few bright texels, at sizes whose chains go
    // through odd sides: each level's mean equals level 0's.
    for (width, height) in [(70, 44), (5, 3), (33, 17), (1, 9)] {
        let mut state = 0x1234_5678_u32;
        let pixels: Vec<[f32; 4]> = (0..width * height)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 17;
                state ^= state << 5;
                let v =
                    if state.is_multiple_of(50) { 14.0 } else { (state % 1000) as f32 / 1000.0 };
                [v, v * 0.5, 1.0 - v.min(1.0), 1.0]
            })
            .collect();
        let image = rgba_f32(width, height, &pixels);
        let mips = build_mips(&image, TextureRole::Hdr).unwrap();
        let mean = |data: &[u8]| {
            let values: Vec<f32> = data
                .chunks_exact(16)
                .map(|t| f32::from_le_bytes([t[0], t[1], t[2], t[3]]))
                .collect();
            values.iter().map(|&v| f64::from(v)).sum::<f64>() / values.len() as f64
        };
        let top = mean(&mips[0].data);
        for (i, level) in mips.iter().enumerate() {
            let m = mean(&level.data);
            assert!((m - top).abs() <= top * 1e-4, "{width}×{height} level {i}: mean {m} vs {top}");
        }
    }
}

#[test]
fn srgb_checker_averages_in_linear_light() {
    let (b, w) = ([0, 0, 0, 255], [255, 255, 255, 255]);
    let image = rgba8(2, 2, &[b, w, w, b]);
    let color = build_mips(&image, TextureRole::Color).unwrap();
    let value = color[1].data[0];
    assert!((187..=188).contains(&value), "got {value}");
    assert_eq!(color[1].data[3], 255);
    // Linear data averages the stored values.
    let linear = build_mips(&image, TextureRole::Linear).unwrap();
    assert!((127..=128).contains(&linear[1].data[0]));
}

#[test]
fn transparent_texel_colour_does_not_bleed() {
    // Opaque red next to fully transparent green.
    let image = rgba8(2, 1, &[[255, 0, 0, 255], [0, 255, 0, 0]]);
    for role in [TextureRole::Color, TextureRole::Ui] {
        let mips = build_mips(&image, role).unwrap();
        let p = &mips[1].data;
        assert_eq!(&p[..3], [255, 0, 0], "{role:?}");
        assert!((127..=128).contains(&p[3]), "alpha {}", p[3]);
    }
    // All transparent: colour is the plain average rather than garbage.
    let clear = rgba8(2, 1, &[[255, 0, 0, 0], [255, 0, 0, 0]]);
    let mips = build_mips(&clear, TextureRole::Color).unwrap();
    assert_eq!(mips[1].data, [255, 0, 0, 0]);
}

#[test]
fn normal_map_stays_unit_length() {
    let encode = |v: [f32; 3]| -> [u8; 4] {
        let len = (v[0] * v[0] + v[1] * v[1] + v[2] * v[2]).sqrt();
        let e = |c: f32| ((c / len * 0.5 + 0.5) * 255.0).round() as u8;
        [e(v[0]), e(v[1]), e(v[2]), 255]
    };
    let texels: Vec<[u8; 4]> = (0..64)
        .map(|i| {
            let a = i as f32 * 0.7;
            encode([a.cos(), a.sin(), 0.4])
        })
        .collect();
    let image = rgba8(8, 8, &texels);
    let mips = build_mips(&image, TextureRole::NormalMap).unwrap();
    assert_eq!(mips.len(), 4);
    for m in &mips[1..] {
        for p in m.data.chunks(4) {
            let v: Vec<f32> = p[..3].iter().map(|&c| f32::from(c) / 255.0 * 2.0 - 1.0).collect();
            let len = (v[0] * v[0] + v[1] * v[1] + v[2] * v[2]).sqrt();
            // 8-bit quantisation allows about 1/127 per component.
            assert!((len - 1.0).abs() < 0.02, "length {len} at {p:?}");
        }
    }
}

#[test]
fn hdr_values_above_one_survive() {
    let image = rgba_f32(
        2,
        2,
        &[
            [10.0, 2.0, 0.5, 1.0],
            [30.0, 2.0, 0.5, 1.0],
            [10.0, 2.0, 0.5, 1.0],
            [30.0, 2.0, 0.5, 1.0],
        ],
    );
    let mips = build_mips(&image, TextureRole::Hdr).unwrap();
    let texel: Vec<f32> =
        mips[1].data.chunks(4).map(|b| f32::from_le_bytes(b.try_into().unwrap())).collect();
    assert_eq!(texel, [20.0, 2.0, 0.5, 1.0]);
}

#[test]
fn sixteen_bit_keeps_its_format() {
    let image = SourceImage {
        width: 2,
        height: 2,
        format: PixelFormat::Rgba16,
        has_alpha: false,
        source_channels: 4,
        data: [0u16, 0, 0, 65535, 65535, 65535, 65535, 65535]
            .repeat(2)
            .iter()
            .flat_map(|v| v.to_le_bytes())
            .collect(),
    };
    let mips = build_mips(&image, TextureRole::Linear).unwrap();
    assert_eq!(mips[1].data.len(), 8);
    let r = u16::from_le_bytes([mips[1].data[0], mips[1].data[1]]);
    assert!((32767..=32768).contains(&r));
}

#[test]
fn bad_input_is_an_error() {
    let mut image = rgba8(2, 2, &[[0; 4]; 4]);
    assert!(matches!(
        build_mips(&image, TextureRole::Hdr),
        Err(ImageImportError::RoleMismatch { .. })
    ));
    image.data.pop();
    let err = build_mips(&image, TextureRole::Color).unwrap_err();
    assert!(matches!(err, ImageImportError::DataSizeMismatch { .. }));
    assert!(err.to_string().contains("15 bytes"), "{err}");
}
