//! ASTC as a direct cook target: `encoding: "astc-WxH"` cooks a corpus
//! image to ASTC of that block size (sRGB for colour, X/Y layout for normal
//! maps) with a full mip chain, and the level decodes close to the source.
#![cfg(feature = "import")]

mod common;

use amsp_cook::{AssetMeta, ImportInput, Importer};
use amsp_core::AssetPath;
use amsp_formats::texture::TextureImporter;
use amsp_formats::texture::encode::{AstcBlock, TextureEncoding};
use amsp_formats::texture::ktx2::{Ktx2Texture, TextureLimits, VkFormat};
use amsp_formats::texture::source::{ImageLimits, decode_image};

fn import(name: &str, bytes: &[u8], encoding: &str) -> Vec<u8> {
    let path = AssetPath::new(name).unwrap();
    let mut meta = AssetMeta::new_random();
    meta.settings.insert("encoding".into(), ron::Value::String(encoding.into()));
    let asset = TextureImporter::default()
        .import(&ImportInput { path: &path, bytes, meta: &meta })
        .unwrap_or_else(|e| panic!("{name} as {encoding}: {e}"));
    assert_eq!(asset.metadata["mip_count"], asset.chunks.len() - 1);
    asset.chunks.concat()
}

fn psnr(a: &[u8], b: &[u8]) -> f64 {
    let mse = a.iter().zip(b).map(|(&x, &y)| (f64::from(x) - f64::from(y)).powi(2)).sum::<f64>()
        / a.len() as f64;
    10.0 * (255.0 * 255.0 / mse.max(1e-9)).log10()
}

#[test]
fn images_cook_to_every_astc_block_size() {
    let path =
        concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/corpus/textures/images/fist.png");
    let png = std::fs::read(path).unwrap_or_else(|e| panic!("test corpus missing: {path}: {e}"));
    let source = decode_image(&png, Some("png"), &ImageLimits::default()).unwrap();
    let mut last = f64::INFINITY;
    for block in [AstcBlock::B4x4, AstcBlock::B6x6, AstcBlock::B8x8, AstcBlock::B12x12] {
        let file = import("fist.png", &png, &format!("astc-{block}"));
        let ktx = Ktx2Texture::parse(&file, &TextureLimits::default()).unwrap();
        assert_eq!(ktx.format(), Some(block.vk_format(true)), "{block}");
        assert!(ktx.is_srgb());
        assert_eq!(ktx.levels(), 9, "300×424 has 9 levels");
        let level = ktx.level(0).unwrap();
        let decoded =
            common::decode(TextureEncoding::Astc(block), &level, source.width, source.height);
        let db = psnr(&decoded, &source.data);
        eprintln!("fist.png as ASTC {block}: {db:.1} dB");
        assert!(db > 28.0, "{block}: {db:.1} dB");
        assert!(db < last + 0.5, "larger blocks keep less: {block} {db:.1} dB after {last:.1}");
        last = db;
    }
}

#[test]
fn normal_maps_cook_to_two_channel_astc() {
    let path =
        concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/corpus/textures/images/brick.png");
    let png = std::fs::read(path).unwrap_or_else(|e| panic!("test corpus missing: {path}: {e}"));
    let file = import("brick_normal.png", &png, "astc-4x4");
    let ktx = Ktx2Texture::parse(&file, &TextureLimits::default()).unwrap();
    assert_eq!(ktx.format(), Some(VkFormat::Astc4x4Unorm), "normal maps are linear");
    assert!(!ktx.is_srgb());
}

#[test]
fn an_unknown_block_size_names_the_choices() {
    let path = AssetPath::new("a.png").unwrap();
    let mut meta = AssetMeta::new_random();
    meta.settings.insert("encoding".into(), ron::Value::String("astc-7x7".into()));
    let png = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/corpus/textures/images/fist.png"
    ))
    .unwrap();
    let err = TextureImporter::default()
        .import(&ImportInput { path: &path, bytes: &png, meta: &meta })
        .unwrap_err()
        .to_string();
    assert!(err.contains("astc-7x7") && err.contains("astc-6x6"), "{err}");
}
