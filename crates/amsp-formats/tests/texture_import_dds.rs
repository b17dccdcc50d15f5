//! DDS sources through the texture importer: files written with `ddsfile`
//! (DX10 headers) and DX9 headers built by hand, including arrays, cube
//! maps and short mip chains; then truncated, corrupt and oversized files.
#![cfg(feature = "import")]

#[path = "common/import.rs"]
mod importing;
use importing::import;

use amsp_cook::ImportedAsset;
use amsp_formats::texture::encode::{EncodeQuality, TextureEncoding, encode_level};
use amsp_formats::texture::ktx2::{Ktx2Texture, TextureLimits, VkFormat};
use amsp_formats::texture::source::{PixelFormat, SourceImage, TextureRole, build_mips};
use ddsfile::{AlphaMode, D3D10ResourceDimension, Dds, DxgiFormat, NewDxgiParams};

mod common;

fn cooked(asset: &ImportedAsset) -> Vec<u8> {
    asset.chunks.concat()
}

fn parse(file: &[u8]) -> Ktx2Texture<'_> {
    Ktx2Texture::parse(file, &TextureLimits::default()).unwrap()
}

/// Deterministic filler bytes.
fn noise(len: usize, seed: u32) -> Vec<u8> {
    let mut x = seed.wrapping_mul(2_654_435_761).max(1);
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x as u8
        })
        .collect()
}

/// A smooth RGBA8 test picture.
fn picture(width: u32, height: u32) -> Vec<u8> {
    (0..height)
        .flat_map(|y| {
            (0..width).flat_map(move |x| {
                [(x * 255 / width) as u8, (y * 255 / height) as u8, ((x + y) * 3) as u8, 255]
            })
        })
        .collect()
}

/// Bytes of a `w`×`h` level in a 4×4 block format of `block` bytes.
fn block_level(w: u32, h: u32, block: usize) -> usize {
    w.div_ceil(4) as usize * h.div_ceil(4) as usize * block
}

fn dxgi(format: DxgiFormat, size: (u32, u32), levels: u32, layers: u32, cube: bool) -> Dds {
    Dds::new_dxgi(NewDxgiParams {
        height: size.1,
        width: size.0,
        depth: None,
        format,
        mipmap_levels: Some(levels),
        array_layers: Some(layers * if cube { 6 } else { 1 }),
        caps2: None,
        is_cubemap: cube,
        resource_dimension: D3D10ResourceDimension::Texture2D,
        alpha_mode: AlphaMode::Unknown,
    })
    .unwrap()
}

fn write(dds: &Dds) -> Vec<u8> {
    let mut out = Vec::new();
    dds.write(&mut out).unwrap();
    out
}

/// The DDS data of level `level` of every image, concatenated (the KTX2
/// level layout).
fn dds_level(data: &[u8], images: u32, level_sizes: &[usize], level: usize) -> Vec<u8> {
    let stride: usize = level_sizes.iter().sum();
    let start: usize = level_sizes[..level].iter().sum();
    (0..images as usize)
        .flat_map(|i| data[i * stride + start..i * stride + start + level_sizes[level]].to_vec())
        .collect()
}

#[test]
fn dx10_block_data_is_kept_with_arrays_and_cube_maps() {
    // (format, vk format, block bytes, size, levels, layers, cube)
    let cases = [
        (DxgiFormat::BC1_UNorm, VkFormat::Bc1RgbaUnorm, 8, (64, 32), 7, 3, false),
        (DxgiFormat::BC2_UNorm_sRGB, VkFormat::Bc2Srgb, 16, (32, 32), 6, 1, false),
        (DxgiFormat::BC3_UNorm_sRGB, VkFormat::Bc3Srgb, 16, (16, 16), 5, 1, true),
        (DxgiFormat::BC4_UNorm, VkFormat::Bc4Unorm, 8, (20, 12), 5, 1, false),
        (DxgiFormat::BC5_SNorm, VkFormat::Bc5Snorm, 16, (16, 16), 5, 4, false),
        (DxgiFormat::BC6H_UF16, VkFormat::Bc6hUfloat, 16, (32, 16), 6, 1, false),
        (DxgiFormat::BC6H_SF16, VkFormat::Bc6hSfloat, 16, (8, 8), 4, 1, true),
        (DxgiFormat::BC7_UNorm_sRGB, VkFormat::Bc7Srgb, 16, (16, 16), 5, 2, true),
    ];
    for (n, (dxgi_format, vk, block, size, levels, layers, cube)) in cases.into_iter().enumerate() {
        let name = format!("case{n}_{dxgi_format:?}.dds");
        let mut dds = dxgi(dxgi_format, size, levels, layers, cube);
        let level_sizes: Vec<usize> = (0..levels)
            .map(|l| block_level((size.0 >> l).max(1), (size.1 >> l).max(1), block))
            .collect();
        let images = layers * if cube { 6 } else { 1 };
        assert_eq!(dds.data.len(), level_sizes.iter().sum::<usize>() * images as usize, "{name}");
        dds.data = noise(dds.data.len(), n as u32 + 1);
        let bytes = write(&dds);
        let asset = import(&name, &bytes, &[]).unwrap_or_else(|e| panic!("{name}: {e}"));
        let file = cooked(&asset);
        let texture = parse(&file);
        assert_eq!(texture.format(), Some(vk), "{name}");
        assert_eq!(texture.dimensions(), (size.0, size.1, 1), "{name}");
        assert_eq!(texture.faces(), if cube { 6 } else { 1 }, "{name}");
        assert_eq!(texture.layers(), layers, "{name}");
        assert_eq!(texture.levels(), levels, "{name}");
        for level in 0..levels as usize {
            let expected = dds_level(&dds.data, images, &level_sizes, level);
            assert!(texture.level(level as u32).unwrap() == expected, "{name}: level {level}");
        }
        assert_eq!(asset.chunks.len(), levels as usize + 1, "{name}");
        let m = &asset.metadata;
        assert_eq!(m["source_format"], "dds", "{name}");
        assert_eq!(m["encoding"], "passthrough", "{name}");
        assert_eq!(m["generated_levels"], 0, "{name}");
        assert_eq!(m["mip_count"], levels, "{name}");
    }
}

/// `levels` levels of `picture` encoded in `encoding`, level 0 first.
fn encoded_chain(
    width: u32,
    height: u32,
    levels: usize,
    encoding: TextureEncoding,
) -> Vec<Vec<u8>> {
    let image = SourceImage {
        width,
        height,
        format: PixelFormat::Rgba8,
        has_alpha: false,
        source_channels: 4,
        data: picture(width, height),
    };
    build_mips(&image, TextureRole::Color)
        .unwrap()
        .iter()
        .take(levels)
        .map(|mip| encode_level(mip, PixelFormat::Rgba8, encoding, EncodeQuality::Basic).unwrap())
        .collect()
}

#[test]
fn short_mip_chains_are_completed_in_the_same_format() {
    let (width, height, stored) = (128u32, 64u32, 3usize);
    let chain = encoded_chain(width, height, stored, TextureEncoding::Bc1);
    let mut dds = dxgi(DxgiFormat::BC1_UNorm_sRGB, (width, height), stored as u32, 1, false);
    dds.data = chain.concat();
    let asset = import("short.dds", &write(&dds), &[]).unwrap();
    let file = cooked(&asset);
    let texture = parse(&file);
    assert_eq!(texture.levels(), 8);
    assert_eq!(texture.format(), Some(VkFormat::Bc1RgbaSrgb));
    assert_eq!(asset.metadata["generated_levels"], 5);
    for (level, data) in chain.iter().enumerate() {
        assert!(
            texture.level(level as u32).unwrap().as_ref() == &data[..],
            "stored level {level} changed"
        );
    }
    // Each generated level must look like the stored level 2 scaled down:
    // compare the decoded 1×1 level with the mean of decoded level 2.
    let level2 = common::decode(TextureEncoding::Bc1, &chain[2], width >> 2, height >> 2);
    let last = texture.level(7).unwrap();
    assert_eq!(last.len(), 8);
    let tail = common::decode(TextureEncoding::Bc1, &last, 1, 1);
    // Colour is averaged in linear light (the format is sRGB).
    let to_linear = |v: u8| {
        let c = f64::from(v) / 255.0;
        if c <= 0.04045 { c / 12.92 } else { ((c + 0.055) / 1.055).powf(2.4) }
    };
    let to_srgb = |l: f64| {
        let c = if l <= 0.003_130_8 { l * 12.92 } else { 1.055 * l.powf(1.0 / 2.4) - 0.055 };
        c * 255.0
    };
    for c in 0..3 {
        let mean = level2.chunks_exact(4).map(|p| to_linear(p[c])).sum::<f64>()
            / (level2.len() / 4) as f64;
        let expected = to_srgb(mean);
        // BC1 endpoints are 5:6:5 bits: allow 6 of 255.
        assert!(
            (f64::from(tail[c]) - expected).abs() < 6.0,
            "channel {c}: {} vs {expected}",
            tail[c]
        );
    }

    // BC6H cannot be re-encoded from an 8-bit decode: the chain stays short.
    let mut dds = dxgi(DxgiFormat::BC6H_UF16, (32, 32), 2, 1, false);
    dds.data = noise(dds.data.len(), 9);
    let asset = import("short_hdr.dds", &write(&dds), &[]).unwrap();
    assert_eq!(parse(&cooked(&asset)).levels(), 2);
    assert_eq!(asset.metadata["generated_levels"], 0);

    // A single-level BC7 cube map gets a full chain on every face.
    let faces: Vec<Vec<u8>> =
        (0..6).map(|_| encoded_chain(16, 16, 1, TextureEncoding::Bc7).concat()).collect();
    let mut dds = dxgi(DxgiFormat::BC7_UNorm, (16, 16), 1, 1, true);
    dds.data = faces.concat();
    let asset = import("sky.dds", &write(&dds), &[]).unwrap();
    let file = cooked(&asset);
    let texture = parse(&file);
    assert_eq!((texture.levels(), texture.faces()), (5, 6));
    assert_eq!(texture.level(4).unwrap().len(), 6 * 16);
}

/// A DX9 pixel format: flags, FourCC, bit count, R, G, B, A masks.
type LegacyFormat<'a> = (u32, &'a [u8; 4], u32, [u32; 4]);

/// A DX9 header.
fn dx9(width: u32, height: u32, mips: u32, pf: LegacyFormat<'_>, caps2: u32) -> Vec<u8> {
    let mut h = vec![0u8; 128];
    let mut put = |at: usize, v: u32| h[at..at + 4].copy_from_slice(&v.to_le_bytes());
    put(0, u32::from_le_bytes(*b"DDS "));
    put(4, 124);
    put(8, 0x1007 | if mips > 1 { 0x2_0000 } else { 0 });
    put(12, height);
    put(16, width);
    put(28, mips);
    put(76, 32);
    put(80, pf.0);
    put(84, u32::from_le_bytes(*pf.1));
    put(88, pf.2);
    for (i, m) in pf.3.iter().enumerate() {
        put(92 + 4 * i, *m);
    }
    put(108, 0x1000 | if mips > 1 { 0x40_0008 } else { 0 });
    put(112, caps2);
    h
}

const FOURCC: u32 = 0x4;
const RGB: u32 = 0x40;
const ALPHA_PIXELS: u32 = 0x1;
const LUMINANCE: u32 = 0x2_0000;

#[test]
fn dx9_block_headers_built_by_hand() {
    // (FourCC, vk for a colour role, vk for a linear role, block bytes)
    let cases: [(&[u8; 4], VkFormat, VkFormat, usize); 5] = [
        (b"DXT1", VkFormat::Bc1RgbaSrgb, VkFormat::Bc1RgbaUnorm, 8),
        (b"DXT3", VkFormat::Bc2Srgb, VkFormat::Bc2Unorm, 16),
        (b"DXT5", VkFormat::Bc3Srgb, VkFormat::Bc3Unorm, 16),
        (b"ATI1", VkFormat::Bc4Unorm, VkFormat::Bc4Unorm, 8),
        (b"ATI2", VkFormat::Bc5Unorm, VkFormat::Bc5Unorm, 16),
    ];
    for (four_cc, colour, linear, block) in cases {
        let name = format!("{}.dds", String::from_utf8_lossy(four_cc));
        let sizes: Vec<usize> = (0..6).map(|l| block_level(32 >> l, 32 >> l, block)).collect();
        let data = noise(sizes.iter().sum(), 3);
        let mut bytes = dx9(32, 32, 6, (FOURCC, four_cc, 0, [0; 4]), 0);
        bytes.extend_from_slice(&data);
        for (role, vk) in [(None, colour), (Some("linear"), linear)] {
            let settings: Vec<(&str, &str)> = role.map(|r| ("role", r)).into_iter().collect();
            let asset = import(&name, &bytes, &settings).unwrap_or_else(|e| panic!("{name}: {e}"));
            let file = cooked(&asset);
            let texture = parse(&file);
            assert_eq!(texture.format(), Some(vk), "{name} {role:?}");
            assert_eq!(texture.levels(), 6, "{name}");
            for level in 0..6 {
                assert!(texture.level(level as u32).unwrap() == dds_level(&data, 1, &sizes, level));
            }
        }
    }

    // A DX9 cube map: six faces, each with its own chain.
    let sizes: Vec<usize> = (0..4).map(|l| block_level(8 >> l, 8 >> l, 8)).collect();
    let data = noise(sizes.iter().sum::<usize>() * 6, 4);
    let mut bytes = dx9(8, 8, 4, (FOURCC, b"DXT1", 0, [0; 4]), 0x200 | 0xFC00);
    bytes.extend_from_slice(&data);
    let asset = import("cube.dds", &bytes, &[]).unwrap();
    let file = cooked(&asset);
    let texture = parse(&file);
    assert_eq!((texture.faces(), texture.levels()), (6, 4));
    for level in 0..4 {
        assert!(texture.level(level as u32).unwrap() == dds_level(&data, 6, &sizes, level));
    }
    // Only some faces: refused.
    let mut bytes = dx9(8, 8, 1, (FOURCC, b"DXT1", 0, [0; 4]), 0x200 | 0x0C00);
    bytes.extend_from_slice(&noise(6 * 32, 1));
    let e = import("partial.dds", &bytes, &[]).unwrap_err().to_string();
    assert!(e.contains("only some faces"), "{e}");
}

#[test]
fn dx9_uncompressed_masks_convert_exactly() {
    let (w, h) = (8u32, 4u32);
    let texels = (w * h) as usize;
    // (name, pixel format, bytes per texel, expected RGBA from a texel's bytes)
    type Expect = fn(&[u8]) -> [u8; 4];
    let cases: [(&str, LegacyFormat<'_>, usize, Expect); 6] = [
        (
            "a8r8g8b8",
            (RGB | ALPHA_PIXELS, &[0; 4], 32, [0xFF_0000, 0xFF00, 0xFF, 0xFF00_0000]),
            4,
            |p| [p[2], p[1], p[0], p[3]],
        ),
        (
            "a8b8g8r8",
            (RGB | ALPHA_PIXELS, &[0; 4], 32, [0xFF, 0xFF00, 0xFF_0000, 0xFF00_0000]),
            4,
            |p| [p[0], p[1], p[2], p[3]],
        ),
        ("r8g8b8", (RGB, &[0; 4], 24, [0xFF_0000, 0xFF00, 0xFF, 0]), 3, |p| {
            [p[2], p[1], p[0], 255]
        }),
        ("l8", (LUMINANCE, &[0; 4], 8, [0xFF, 0, 0, 0]), 1, |p| [p[0], p[0], p[0], 255]),
        ("a8l8", (LUMINANCE | ALPHA_PIXELS, &[0; 4], 16, [0xFF, 0, 0, 0xFF00]), 2, |p| {
            [p[0], p[0], p[0], p[1]]
        }),
        ("r5g6b5", (RGB, &[0; 4], 16, [0xF800, 0x07E0, 0x001F, 0]), 2, |p| {
            let v = u16::from_le_bytes([p[0], p[1]]);
            let scale = |x: u16, max: u16| {
                ((u32::from(x) * 255 + u32::from(max) / 2) / u32::from(max)) as u8
            };
            [scale(v >> 11, 31), scale((v >> 5) & 63, 63), scale(v & 31, 31), 255]
        }),
    ];
    for (name, pf, bpp, expect) in cases {
        let data = noise(texels * bpp, 7);
        let mut bytes = dx9(w, h, 1, pf, 0);
        bytes.extend_from_slice(&data);
        let name = format!("{name}.dds");
        let asset = import(&name, &bytes, &[("encoding", "rgba8"), ("role", "linear")])
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let file = cooked(&asset);
        let texture = parse(&file);
        assert_eq!(texture.format(), Some(VkFormat::R8G8B8A8Unorm), "{name}");
        assert_eq!(texture.levels(), 4, "{name}: mips are built");
        let expected: Vec<u8> = data.chunks_exact(bpp).flat_map(expect).collect();
        assert!(texture.level(0).unwrap() == expected, "{name}: level 0");
        assert_eq!(asset.metadata["encoding"], "Rgba8");
    }
}

#[test]
fn dx10_uncompressed_data_goes_through_the_pipeline() {
    let (w, h) = (16u32, 8u32);
    let n = (w * h) as usize;
    // RGBA8 array of three layers, cooked to RGBA8: level 0 is exact.
    let mut dds = dxgi(DxgiFormat::R8G8B8A8_UNorm, (w, h), 1, 3, false);
    dds.data = noise(n * 4 * 3, 11);
    let asset = import("array.dds", &write(&dds), &[("encoding", "rgba8")]).unwrap();
    let file = cooked(&asset);
    let texture = parse(&file);
    assert_eq!((texture.layers(), texture.levels()), (3, 5));
    assert_eq!(texture.format(), Some(VkFormat::R8G8B8A8Srgb));
    assert!(texture.level(0).unwrap().as_ref() == &dds.data[..]);

    // BGRA sRGB swizzles to RGBA; the default encoding is BC7 sRGB.
    let mut dds = dxgi(DxgiFormat::B8G8R8A8_UNorm_sRGB, (w, h), 1, 1, false);
    dds.data = noise(n * 4, 12);
    let asset = import("bgra.dds", &write(&dds), &[("encoding", "rgba8")]).unwrap();
    let swizzled: Vec<u8> =
        dds.data.chunks_exact(4).flat_map(|p| [p[2], p[1], p[0], p[3]]).collect();
    assert!(parse(&cooked(&asset)).level(0).unwrap() == swizzled);
    let asset = import("bgra.dds", &write(&dds), &[]).unwrap();
    assert_eq!(parse(&cooked(&asset)).format(), Some(VkFormat::Bc7Srgb));

    // One-channel linear data defaults to BC4.
    let mut dds = dxgi(DxgiFormat::R8_UNorm, (w, h), 1, 1, false);
    dds.data = noise(n, 13);
    let asset = import("mask.dds", &write(&dds), &[("role", "linear")]).unwrap();
    assert_eq!(parse(&cooked(&asset)).format(), Some(VkFormat::Bc4Unorm));

    // Float data is HDR: BC6H by default, exact with rgba32f.
    let floats: Vec<f32> = (0..n * 4).map(|i| (i % 97) as f32 * 0.25).collect();
    let mut dds = dxgi(DxgiFormat::R32G32B32A32_Float, (w, h), 1, 1, false);
    dds.data = floats.iter().flat_map(|f| f.to_le_bytes()).collect();
    let asset = import("sky.dds", &write(&dds), &[]).unwrap();
    assert_eq!(parse(&cooked(&asset)).format(), Some(VkFormat::Bc6hUfloat));
    assert_eq!(asset.metadata["role"], "hdr");
    let asset = import("sky.dds", &write(&dds), &[("encoding", "rgba32f")]).unwrap();
    assert!(parse(&cooked(&asset)).level(0).unwrap().as_ref() == &dds.data[..]);
    // Half floats: 1.0, 2.5, 0.25, 1.0 as f16 read back as f32.
    let mut dds = dxgi(DxgiFormat::R16G16B16A16_Float, (w, h), 1, 1, false);
    dds.data = (0..n)
        .flat_map(|_| [0x3C00u16, 0x4100, 0x3400, 0x3C00])
        .flat_map(u16::to_le_bytes)
        .collect();
    let asset = import("half.dds", &write(&dds), &[("encoding", "rgba32f")]).unwrap();
    let expected: Vec<u8> =
        (0..n).flat_map(|_| [1.0f32, 2.5, 0.25, 1.0]).flat_map(f32::to_le_bytes).collect();
    assert!(parse(&cooked(&asset)).level(0).unwrap() == expected);
    // Settings that make no sense for the source are refused.
    assert!(import("half.dds", &write(&dds), &[("encoding", "bc7")]).is_err());
    assert!(import("half.dds", &write(&dds), &[("role", "color")]).is_err());
}

/// A small valid DDS file: a 16×16 BC1 array of 2 with a full chain.
fn small_valid() -> Vec<u8> {
    let mut dds = dxgi(DxgiFormat::BC1_UNorm, (16, 16), 5, 2, false);
    dds.data = noise(dds.data.len(), 5);
    write(&dds)
}

#[test]
fn oversized_truncated_and_corrupt_files_are_refused_without_panicking() {
    // Regression guard: a header claiming 100000×100000 must not allocate.
    let mut huge = dx9(100_000, 100_000, 1, (FOURCC, b"DXT1", 0, [0; 4]), 0);
    huge.extend_from_slice(&[0; 64]);
    let e = import("huge.dds", &huge, &[]).unwrap_err().to_string();
    assert!(e.contains("100000") && e.contains("limit"), "{e}");

    let valid = small_valid();
    import("valid.dds", &valid, &[]).unwrap();
    let uncompressed = {
        let mut b = dx9(
            8,
            8,
            1,
            (RGB | ALPHA_PIXELS, &[0; 4], 32, [0xFF_0000, 0xFF00, 0xFF, 0xFF00_0000]),
            0,
        );
        b.extend_from_slice(&noise(256, 2));
        b
    };
    for file in [&valid, &uncompressed] {
        for len in 0..file.len() {
            match std::panic::catch_unwind(|| import("cut.dds", &file[..len], &[])) {
                Ok(Err(e)) => assert!(e.to_string().starts_with("DDS: "), "{e}"),
                Ok(Ok(_)) => panic!("a file cut to {len} of {} bytes was imported", file.len()),
                Err(_) => panic!("panic on a file cut to {len} bytes"),
            }
        }
    }

    // Single header fields set to bad values: (offset, value, expected words).
    let field_cases: [(usize, u32, &str); 9] = [
        (4, 100, "dwSize"),
        (28, 20, "dwMipMapCount"),
        (16, 0, "include 0"),
        (12, 70_000, "limit"),
        (76, 31, "pixel format"),
        (128, 999, "DXGI_FORMAT 999"),
        (132, 7, "resourceDimension"),
        (140, 1 << 30, "array size"),
        (140, 4000, "limit"),
    ];
    for (at, value, words) in field_cases {
        let mut bytes = valid.clone();
        bytes[at..at + 4].copy_from_slice(&value.to_le_bytes());
        let e = import("bad.dds", &bytes, &[]).unwrap_err().to_string();
        assert!(e.contains(words), "field at {at} = {value}: {e}");
    }
    let mut bytes = huge.clone();
    bytes[84..88].copy_from_slice(b"ABCD");
    assert!(import("fourcc.dds", &bytes, &[]).unwrap_err().to_string().contains("FourCC"));

    // Random corruption of the headers and data: never a panic.
    let mut seed = 0x1234_5678u32;
    let mut next = || {
        seed ^= seed << 13;
        seed ^= seed >> 17;
        seed ^= seed << 5;
        seed
    };
    let (mut refused, mut imported) = (0, 0);
    for _ in 0..3000 {
        let mut bytes = if next() % 2 == 0 { valid.clone() } else { uncompressed.clone() };
        for _ in 0..1 + next() % 4 {
            let at = (next() as usize) % 160.min(bytes.len());
            bytes[at] = next() as u8;
        }
        match std::panic::catch_unwind(|| import("fuzz.dds", &bytes, &[])) {
            Ok(Ok(_)) => imported += 1,
            Ok(Err(_)) => refused += 1,
            Err(_) => panic!("panic on corrupted bytes {:02x?}", &bytes[..160.min(bytes.len())]),
        }
    }
    eprintln!("corrupted DDS files: {refused} refused, {imported} imported");
    assert!(refused > 0 && imported > 0);
}

#[test]
fn block_compressed_volumes_are_kept_and_uncompressed_ones_refused() {
    let (size, depth, levels) = (16u32, 8u32, 4u32);
    let mut dds = Dds::new_dxgi(NewDxgiParams {
        height: size,
        width: size,
        depth: Some(depth),
        format: DxgiFormat::BC1_UNorm,
        mipmap_levels: Some(levels),
        array_layers: None,
        caps2: Some(ddsfile::Caps2::VOLUME),
        is_cubemap: false,
        resource_dimension: D3D10ResourceDimension::Texture3D,
        alpha_mode: AlphaMode::Unknown,
    })
    .unwrap();
    let level_sizes: Vec<usize> = (0..levels)
        .map(|l| block_level(size >> l, size >> l, 8) * (depth >> l).max(1) as usize)
        .collect();
    assert_eq!(dds.data.len(), level_sizes.iter().sum::<usize>());
    dds.data = noise(dds.data.len(), 21);
    let asset = import("fog.dds", &write(&dds), &[]).unwrap();
    let file = cooked(&asset);
    let texture = parse(&file);
    assert_eq!(texture.dimensions(), (size, size, depth));
    // A volume's chain is kept as stored, even when short.
    assert_eq!(texture.levels(), levels);
    assert_eq!(asset.metadata["depth"], depth);
    for level in 0..levels as usize {
        assert!(
            texture.level(level as u32).unwrap() == dds_level(&dds.data, 1, &level_sizes, level)
        );
    }

    let mut dds = Dds::new_dxgi(NewDxgiParams {
        height: 4,
        width: 4,
        depth: Some(4),
        format: DxgiFormat::R8G8B8A8_UNorm,
        mipmap_levels: Some(1),
        array_layers: None,
        caps2: Some(ddsfile::Caps2::VOLUME),
        is_cubemap: false,
        resource_dimension: D3D10ResourceDimension::Texture3D,
        alpha_mode: AlphaMode::Unknown,
    })
    .unwrap();
    dds.data = noise(dds.data.len(), 22);
    let e = import("fog.dds", &write(&dds), &[]).unwrap_err().to_string();
    assert!(e.contains("volume"), "{e}");
}
