//! Textures end to end: real corpus images cooked into KTX2 (one pack chunk
//! per mip), a broken image reported, `verify` clean, and the runtime
//! `Texture` loaded back with its level 0 equal to the decoded source.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

use amsp_formats::texture::ktx2::VkFormat;
use amsp_formats::texture::source::{ImageLimits, decode_image};
use amsp_formats::texture::{Texture, TextureLoader};
use amsp_io::{AssetSource, CookedSource};
use amsp_runtime::{AssetServer, LoadState};
use serde_json::Value;

const IMAGES: [&str; 6] = [
    "alien1.png",
    "alien1.jpg",
    "asprite.bmp",
    "alien1.gif",
    "yellow.tga",
    "test_this_way_up_sRGB_128x128.png",
];

fn corpus_images() -> PathBuf {
    let dir =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus/textures/images");
    assert!(dir.is_dir(), "the shared test corpus is missing at {}", dir.display());
    dir
}

fn amsp(args: &[&str], paths: &[&Path]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_amsp")).args(args).args(paths).output().unwrap()
}

#[test]
fn corpus_images_cook_to_ktx2_and_load_as_textures() {
    let dir = tempfile::tempdir().unwrap();
    let (src, out) = (dir.path().join("src"), dir.path().join("out"));
    std::fs::create_dir_all(src.join("tex")).unwrap();
    for name in IMAGES {
        std::fs::copy(corpus_images().join(name), src.join("tex").join(name)).unwrap();
    }
    // One texture keeps raw RGBA8 texels (checked exactly below); one is a
    // normal map by name (BC5); the rest take the colour default (BC7 sRGB).
    std::fs::write(
        src.join("tex/alien1.png.meta"),
        br#"(id: "000000000000000000000000000a11e1", settings: {"encoding": "rgba8"})"#,
    )
    .unwrap();
    std::fs::copy(corpus_images().join("brick.png"), src.join("tex/brick_normal.png")).unwrap();
    let png = std::fs::read(corpus_images().join("alien1.png")).unwrap();
    std::fs::write(src.join("tex/broken.png"), &png[..png.len() / 3]).unwrap();

    let cooked = amsp(&["cook", "--json"], &[&src, &out]);
    assert_eq!(cooked.status.code(), Some(1), "a broken image fails the cook");
    let report: Value = serde_json::from_slice(&cooked.stdout).unwrap();
    assert_eq!(report["cooked"], IMAGES.len() + 1);
    assert_eq!(report["failed"], 1);
    assert_eq!(report["errors"][0]["path"], "tex/broken.png");
    assert!(report["errors"][0]["error"].as_str().unwrap().contains("texture"), "{report}");
    assert!(amsp(&["verify"], &[&out]).status.success(), "verify passes on the output");

    let info = Command::new(env!("CARGO_BIN_EXE_amsp"))
        .args(["info", "--json"])
        .arg(&out)
        .arg("tex/test_this_way_up_sRGB_128x128.png")
        .output()
        .unwrap();
    let info: Value = serde_json::from_slice(&info.stdout).unwrap();
    assert_eq!(info["type"], "texture");
    assert_eq!(info["metadata"]["width"], 128);
    assert_eq!(info["metadata"]["mip_count"], 8);
    assert_eq!(info["metadata"]["format"], "Bc7Srgb");
    assert_eq!(info["metadata"]["mip_bytes"][0], 128 * 128, "BC7: 16 bytes per 4x4 block");
    assert_eq!(info["metadata"]["mip_bytes"][7], 16, "a 1x1 level is one block");
    assert_eq!(info["chunk_count"], 9, "a header chunk and one chunk per mip");

    let source = Arc::new(CookedSource::open(&out).unwrap());
    let server = AssetServer::builder().source(source as Arc<dyn AssetSource>).build().unwrap();
    server.register_loader(TextureLoader::default());
    for name in IMAGES {
        let path = format!("tex/{name}");
        let handle = server.load::<Texture>(path.as_str());
        assert!(
            matches!(server.wait_for(&handle, Duration::from_secs(30)), LoadState::Loaded),
            "{path}"
        );
        let texture = server.get(&handle).unwrap();
        let bytes = std::fs::read(corpus_images().join(name)).unwrap();
        let ext = name.rsplit('.').next();
        let decoded = decode_image(&bytes, ext, &ImageLimits::default()).unwrap();
        assert_eq!((texture.width, texture.height), (decoded.width, decoded.height), "{path}");
        assert_eq!(texture.mip_count as usize, texture.mips.len());
        if name == "alien1.png" {
            assert_eq!(texture.format, VkFormat::R8G8B8A8Srgb);
            assert_eq!(
                texture.level(0).unwrap(),
                decoded.data.as_slice(),
                "{path}: level 0 is the source"
            );
            assert_eq!(texture.level(texture.mip_count - 1).unwrap().len(), 4, "ends at 1x1");
        } else {
            assert_eq!(texture.format, VkFormat::Bc7Srgb, "{path}");
            let blocks = decoded.width.div_ceil(4) * decoded.height.div_ceil(4);
            assert_eq!(texture.level(0).unwrap().len(), blocks as usize * 16, "{path}");
            assert_eq!(
                texture.level(texture.mip_count - 1).unwrap().len(),
                16,
                "{path}: ends at 1x1"
            );
        }
    }
    let normal = server.load::<Texture>("tex/brick_normal.png");
    assert!(server.wait_for(&normal, Duration::from_secs(30)).is_loaded());
    assert_eq!(server.get(&normal).unwrap().format, VkFormat::Bc5Unorm);

    // The broken image was never cooked: NotFound, and the error placeholder
    // (red and white) differs from the loading placeholder (magenta and black).
    let broken = server.load::<Texture>("tex/broken.png");
    assert!(matches!(server.wait_for(&broken, Duration::from_secs(5)), LoadState::Failed(_)));
    let shown = server.get_or_placeholder(&broken).unwrap();
    assert_eq!(&shown.mips[0][..4], &[255, 0, 0, 255]);
    assert_ne!(Some(shown.as_ref()), <Texture as amsp_runtime::Asset>::placeholder().as_ref());
}
