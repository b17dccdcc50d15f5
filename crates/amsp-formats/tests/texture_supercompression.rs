//! The `supercompression` setting: `auto` keeps zstd where it saves at
//! least a quarter of the level bytes (flat art) and stores block data that
//! barely compresses as it is (noisy content); `zstd` and `none` force it.
//! Every mode gives the same texels.
#![cfg(feature = "import")]

use amsp_cook::{AssetMeta, ImportInput, ImportedAsset, Importer};
use amsp_core::AssetPath;
use amsp_formats::texture::TextureImporter;
use amsp_formats::texture::ktx2::{Ktx2Texture, Supercompression, TextureLimits};

fn import(name: &str, bytes: &[u8], mode: Option<&str>) -> ImportedAsset {
    let path = AssetPath::new(name).unwrap();
    let mut meta = AssetMeta::new_random();
    if let Some(mode) = mode {
        meta.settings.insert("supercompression".into(), ron::Value::String(mode.into()));
    }
    TextureImporter::default()
        .import(&ImportInput { path: &path, bytes, meta: &meta })
        .unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// The cooked file's scheme, its stored and uncompressed level bytes, and
/// every level with supercompression undone.
fn cooked(asset: &ImportedAsset) -> (Supercompression, u64, u64, Vec<Vec<u8>>) {
    let file = asset.chunks.concat();
    let ktx = Ktx2Texture::parse(&file, &TextureLimits::default()).unwrap();
    let stored = ktx.level_index().iter().map(|e| e.byte_length).sum();
    let raw = ktx.level_index().iter().map(|e| e.uncompressed_byte_length).sum();
    let levels = (0..ktx.levels()).map(|l| ktx.level(l).unwrap().into_owned()).collect();
    (ktx.supercompression(), stored, raw, levels)
}

/// A 256×256 PNG of xorshift noise over a gradient: BC7 of it barely
/// compresses.
fn noisy_png() -> Vec<u8> {
    let mut state = 0x2545_f491_u32;
    let mut pixels = Vec::with_capacity(256 * 256 * 4);
    for y in 0..256u32 {
        for x in 0..256u32 {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            let n = state.to_le_bytes();
            pixels.extend_from_slice(&[n[0] ^ x as u8, n[1] ^ y as u8, n[2], 255]);
        }
    }
    let mut png = Vec::new();
    image::ImageEncoder::write_image(
        image::codecs::png::PngEncoder::new(&mut png),
        &pixels,
        256,
        256,
        image::ExtendedColorType::Rgba8,
    )
    .unwrap();
    png
}

#[test]
fn auto_keeps_zstd_only_where_it_saves_a_quarter() {
    let corpus = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/corpus/textures/images/color_grid.png"
    );
    let flat = std::fs::read(corpus)
        .unwrap_or_else(|e| panic!("the shared test corpus is missing: {corpus}: {e}"));
    let noisy = noisy_png();
    for (name, bytes, auto_keeps_zstd) in
        [("color_grid.png", &flat, true), ("noise.png", &noisy, false)]
    {
        let (auto_scheme, auto_stored, auto_raw, auto_levels) = cooked(&import(name, bytes, None));
        let (zstd_scheme, zstd_stored, zstd_raw, zstd_levels) =
            cooked(&import(name, bytes, Some("zstd")));
        let (none_scheme, none_stored, none_raw, none_levels) =
            cooked(&import(name, bytes, Some("none")));
        let saving = 1.0 - zstd_stored as f64 / zstd_raw as f64;
        eprintln!("{name}: zstd saves {:.1}% of {zstd_raw} bytes", saving * 100.0);

        assert_eq!(zstd_scheme, Supercompression::Zstd);
        assert_eq!(none_scheme, Supercompression::None);
        assert_eq!(none_stored, none_raw);
        assert_eq!(auto_raw, zstd_raw);
        let expected =
            if auto_keeps_zstd { Supercompression::Zstd } else { Supercompression::None };
        assert_eq!(auto_scheme, expected, "{name}: zstd saves {:.1}%", saving * 100.0);
        assert_eq!(auto_keeps_zstd, saving >= 0.25, "{name}: the case tests what it says");
        if auto_keeps_zstd {
            assert_eq!(auto_stored, zstd_stored);
        }
        // Every mode holds the same texels.
        assert_eq!(auto_levels, zstd_levels, "{name}");
        assert_eq!(none_levels, zstd_levels, "{name}");
    }
}

#[test]
fn an_unknown_mode_is_an_error_naming_the_choices() {
    let path = AssetPath::new("noise.png").unwrap();
    let mut meta = AssetMeta::new_random();
    meta.settings.insert("supercompression".into(), ron::Value::String("lzma".into()));
    let bytes = noisy_png();
    let err = TextureImporter::default()
        .import(&ImportInput { path: &path, bytes: &bytes, meta: &meta })
        .unwrap_err()
        .to_string();
    assert!(err.contains("lzma") && err.contains("auto, zstd, none"), "{err}");
}

/// Regression: `none` used to compress every level with zstd and then
/// strip it again. It now writes the levels as they are; the bytes must be
/// exactly those of a zstd cook with zstd undone, for image and KTX2
/// sources alike.
#[test]
fn none_writes_the_bytes_of_a_zstd_cook_with_zstd_undone() {
    use amsp_formats::texture::ktx2::repack_uncompressed;
    let limits = TextureLimits::default();
    let png = noisy_png();
    let ktx2 = import("noise.png", &png, Some("none")).chunks.concat();
    for (name, bytes) in [("noise.png", &png), ("noise.ktx2", &ktx2)] {
        let zstd = import(name, bytes, Some("zstd")).chunks.concat();
        assert_eq!(cooked(&import(name, bytes, Some("zstd"))).0, Supercompression::Zstd);
        let stripped = repack_uncompressed(&zstd, &limits).unwrap().into_bytes();
        let none = import(name, bytes, Some("none")).chunks.concat();
        assert_eq!(none, stripped, "{name}");
    }
}
