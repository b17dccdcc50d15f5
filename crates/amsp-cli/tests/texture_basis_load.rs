//! Basis Universal textures (UASTC and ETC1S from the KTX2 corpus) cooked
//! as they are and transcoded at load for each target, whole or as a mip
//! tail: the same bytes as transcoding the source file directly.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use amsp_cook::Cooker;
use amsp_formats::texture::basis::{BasisTranscoder, TextureTarget};
use amsp_formats::texture::ktx2::{Ktx2Texture, TextureLimits};
use amsp_formats::texture::{MipSelection, Texture, TextureImporter, TextureLoader};
use amsp_io::{AssetSource, CookedSource};
use amsp_runtime::{AssetServer, LoadState};

const FILES: [&str; 4] = [
    "color_grid_uastc_zstd.ktx2",
    "cyan_rgb_reference_uastc.ktx2",
    "rgba-mipmap-reference-basis.ktx2",
    "kodim17_basis.ktx2",
];

fn corpus(name: &str) -> PathBuf {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/corpus/textures/ktx2-valid")
        .join(name);
    assert!(path.is_file(), "the shared test corpus is missing: {}", path.display());
    path
}

#[test]
fn basis_textures_transcode_at_load_for_every_target() {
    let dir = tempfile::tempdir().unwrap();
    let (src, out) = (dir.path().join("src"), dir.path().join("out"));
    std::fs::create_dir_all(&src).unwrap();
    for name in FILES {
        std::fs::copy(corpus(name), src.join(name)).unwrap();
    }
    let mut cooker = Cooker::new(&src, &out);
    cooker.registry_mut().register(Arc::new(TextureImporter::default()));
    let report = cooker.run().unwrap();
    assert_eq!(report.cooked, FILES.len(), "{:?}", report.errors);
    let source: Arc<dyn AssetSource> = Arc::new(CookedSource::open(&out).unwrap());

    for target in TextureTarget::ALL {
        for mips in [MipSelection::All, MipSelection::MaxSize(8)] {
            let server = AssetServer::builder()
                .source(Arc::clone(&source))
                .worker_threads(1)
                .build()
                .unwrap();
            server.register_loader(TextureLoader { mips, target, ..TextureLoader::default() });
            for name in FILES {
                let handle = server.load::<Texture>(name);
                let state = server.wait_for(&handle, Duration::from_secs(30));
                assert!(matches!(state, LoadState::Loaded), "{name} {target:?}: {state:?}");
                let texture = server.get(&handle).unwrap();

                // The same as transcoding the source file directly.
                let bytes = std::fs::read(corpus(name)).unwrap();
                let ktx = Ktx2Texture::parse(&bytes, &TextureLimits::default()).unwrap();
                let transcoder = BasisTranscoder::new(&ktx).unwrap();
                assert_eq!(texture.format, transcoder.format(target), "{name}");
                assert_eq!(texture.mip_count, ktx.levels(), "{name}");
                let (w, h, _) = ktx.dimensions();
                assert_eq!(texture.resident, mips.range(w, h, ktx.levels()), "{name}");
                for level in texture.resident.clone() {
                    let expected = transcoder.transcode_level(level, target).unwrap().data;
                    assert!(
                        texture.level(level) == Some(&expected[..]),
                        "{name} {target:?}: level {level} differs"
                    );
                }
            }
        }
    }
}

/// PSNR of `a` against `b` over every byte.
fn psnr(a: &[u8], b: &[u8]) -> f64 {
    assert_eq!(a.len(), b.len());
    let mse = a.iter().zip(b).map(|(&x, &y)| (f64::from(x) - f64::from(y)).powi(2)).sum::<f64>()
        / a.len() as f64;
    if mse == 0.0 { f64::INFINITY } else { 10.0 * (255.0 * 255.0 / mse).log10() }
}

#[test]
fn images_cooked_to_uastc_load_for_every_target() {
    use amsp_formats::texture::ktx2::VkFormat;
    use amsp_formats::texture::source::{ImageLimits, decode_image};

    let image = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/corpus/textures/images/alpha_complex.png");
    assert!(image.is_file(), "the shared test corpus is missing: {}", image.display());
    let dir = tempfile::tempdir().unwrap();
    let (src, out) = (dir.path().join("src"), dir.path().join("out"));
    std::fs::create_dir_all(&src).unwrap();
    std::fs::copy(&image, src.join("sprite.png")).unwrap();
    std::fs::write(
        src.join("sprite.png.meta"),
        r#"(id: "0000000000000000000000000000a57c", settings: {"encoding": "uastc"})"#,
    )
    .unwrap();
    let mut cooker = Cooker::new(&src, &out);
    cooker.registry_mut().register(Arc::new(TextureImporter::default()));
    let report = cooker.run().unwrap();
    assert_eq!(report.cooked, 1, "{:?}", report.errors);
    let source: Arc<dyn AssetSource> = Arc::new(CookedSource::open(&out).unwrap());
    let decoded =
        decode_image(&std::fs::read(&image).unwrap(), Some("png"), &ImageLimits::default())
            .unwrap();

    let expected = [
        (TextureTarget::Desktop, VkFormat::Bc7Srgb),
        (TextureTarget::Mobile, VkFormat::Astc4x4Srgb),
        (TextureTarget::MobileEtc2, VkFormat::Etc2R8G8B8A8Srgb),
        (TextureTarget::Uncompressed, VkFormat::R8G8B8A8Srgb),
    ];
    for (target, format) in expected {
        let server =
            AssetServer::builder().source(Arc::clone(&source)).worker_threads(1).build().unwrap();
        server.register_loader(TextureLoader { target, ..TextureLoader::default() });
        let handle = server.load::<Texture>("sprite.png");
        let state = server.wait_for(&handle, Duration::from_secs(30));
        assert!(matches!(state, LoadState::Loaded), "{target:?}: {state:?}");
        let texture = server.get(&handle).unwrap();
        assert_eq!(texture.format, format, "{target:?}");
        assert_eq!((texture.width, texture.height), (decoded.width, decoded.height));
        assert_eq!(texture.resident, 0..texture.mip_count);
        if target == TextureTarget::Uncompressed {
            let db = psnr(texture.level(0).unwrap(), &decoded.data);
            eprintln!("alpha_complex.png through UASTC to RGBA8: {db:.1} dB");
            assert!(db >= 35.0, "{db:.1} dB");
        }
    }
}
