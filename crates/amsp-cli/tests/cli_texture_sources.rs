//! DDS, KTX2 and Radiance HDR sources end to end: `amsp cook` turns them
//! into textures, `verify` is clean, and the runtime loads each back with
//! the source's texels (DDS blocks and KTX2 levels byte for byte).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

use amsp_formats::texture::ktx2::{Ktx2Texture, TextureLimits, VkFormat};
use amsp_formats::texture::{Texture, TextureLoader};
use amsp_io::{AssetSource, CookedSource};
use amsp_runtime::{AssetServer, LoadState};
use serde_json::Value;

/// Non-Basis corpus files (the runtime does not transcode Basis yet).
const KTX2: [&str; 3] = [
    "texturearray_bc3_unorm.ktx2",
    "rgb-mipmap-reference-u.ktx2",
    "astc_ldr_6x6_arraytex_7_mipmap.ktx2",
];

fn corpus_ktx2() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/corpus/textures/ktx2-valid");
    assert!(dir.is_dir(), "the shared test corpus is missing at {}", dir.display());
    dir
}

fn amsp(args: &[&str], paths: &[&Path]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_amsp")).args(args).args(paths).output().unwrap()
}

/// A DX9 DDS file: 32×32 DXT5 with its full chain of 6 levels, and the
/// block data.
fn dxt5_dds() -> (Vec<u8>, Vec<u8>) {
    let mut h = vec![0u8; 128];
    let mut put = |at: usize, v: u32| h[at..at + 4].copy_from_slice(&v.to_le_bytes());
    put(0, u32::from_le_bytes(*b"DDS "));
    put(4, 124);
    put(8, 0x2_1007);
    put(12, 32);
    put(16, 32);
    put(28, 6);
    put(76, 32);
    put(80, 0x4);
    put(84, u32::from_le_bytes(*b"DXT5"));
    put(108, 0x40_1008);
    let blocks: usize = (0..6).map(|l| ((32usize >> l).max(1).div_ceil(4)).pow(2) * 16).sum();
    let data: Vec<u8> = (0..blocks).map(|i| (i * 31 % 251) as u8).collect();
    h.extend_from_slice(&data);
    (h, data)
}

/// A 4×4 Radiance HDR file (flat RGBE pixels) with values up to 8.
fn radiance() -> Vec<u8> {
    let mut out = b"#?RADIANCE\nFORMAT=32-bit_rle_rgbe\n\n-Y 4 +X 4\n".to_vec();
    for i in 0..16u8 {
        // Exponent 131 scales the mantissas by 2^(131-136) = 1/32: up to ~8.
        out.extend_from_slice(&[16 * i + 15, 128, 255 - 16 * i, 131]);
    }
    out
}

#[test]
fn dds_ktx2_and_hdr_sources_cook_and_load_as_textures() {
    let dir = tempfile::tempdir().unwrap();
    let (src, out) = (dir.path().join("src"), dir.path().join("out"));
    std::fs::create_dir_all(src.join("tex")).unwrap();
    for name in KTX2 {
        std::fs::copy(corpus_ktx2().join(name), src.join("tex").join(name)).unwrap();
    }
    let (dds, dds_blocks) = dxt5_dds();
    std::fs::write(src.join("tex/crate.dds"), &dds).unwrap();
    std::fs::write(src.join("tex/sky.hdr"), radiance()).unwrap();
    std::fs::write(src.join("tex/cut.dds"), &dds[..200]).unwrap();

    let cooked = amsp(&["cook", "--json"], &[&src, &out]);
    let report: Value = serde_json::from_slice(&cooked.stdout).unwrap();
    assert_eq!(report["cooked"], KTX2.len() + 2, "{report}");
    assert_eq!(report["failed"], 1, "{report}");
    assert_eq!(report["errors"][0]["path"], "tex/cut.dds");
    assert!(report["errors"][0]["error"].as_str().unwrap().contains("DDS"), "{report}");
    assert!(amsp(&["verify"], &[&out]).status.success(), "verify passes on the output");

    let info = Command::new(env!("CARGO_BIN_EXE_amsp"))
        .args(["info", "--json"])
        .arg(&out)
        .arg("tex/crate.dds")
        .output()
        .unwrap();
    let info: Value = serde_json::from_slice(&info.stdout).unwrap();
    assert_eq!(info["metadata"]["source_format"], "dds");
    assert_eq!(info["metadata"]["format"], "Bc3Srgb", "DX9 colour data is marked sRGB");
    assert_eq!(info["metadata"]["encoding"], "passthrough");
    assert_eq!(info["chunk_count"], 7, "a header chunk and one chunk per mip");

    let source = Arc::new(CookedSource::open(&out).unwrap());
    let server = AssetServer::builder().source(source as Arc<dyn AssetSource>).build().unwrap();
    server.register_loader(TextureLoader::default());
    let load = |path: &str| {
        let handle = server.load::<Texture>(path);
        assert!(
            matches!(server.wait_for(&handle, Duration::from_secs(30)), LoadState::Loaded),
            "{path}"
        );
        server.get(&handle).unwrap()
    };

    for name in KTX2 {
        let texture = load(&format!("tex/{name}"));
        let bytes = std::fs::read(corpus_ktx2().join(name)).unwrap();
        let ktx = Ktx2Texture::parse(&bytes, &TextureLimits::default()).unwrap();
        assert_eq!(Some(texture.format), ktx.format(), "{name}");
        assert_eq!((texture.layers, texture.faces), (ktx.layers(), ktx.faces()), "{name}");
        assert_eq!(texture.mip_count, ktx.levels(), "{name}");
        for level in 0..ktx.levels() {
            assert_eq!(texture.level(level).unwrap(), ktx.level(level).unwrap().as_ref(), "{name}");
        }
    }

    let texture = load("tex/crate.dds");
    assert_eq!(texture.format, VkFormat::Bc3Srgb);
    assert_eq!((texture.width, texture.height, texture.mip_count), (32, 32, 6));
    let mut at = 0;
    for level in 0..6 {
        let stored = texture.level(level).unwrap();
        assert_eq!(stored, &dds_blocks[at..at + stored.len()], "DDS level {level}");
        at += stored.len();
    }
    assert_eq!(at, dds_blocks.len());

    let texture = load("tex/sky.hdr");
    assert_eq!(texture.format, VkFormat::Bc6hUfloat);
    assert_eq!((texture.width, texture.height, texture.mip_count), (4, 4, 3));
}
