//! Decoding source images: every real file in the corpus, deliberately broken
//! files, and the size limits.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use amsp_formats::texture::source::{
    ImageImportError, ImageLimits, PixelFormat, TextureRole, build_mips, decode_image,
};

const CORPUS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/corpus");
const IMAGE_EXTENSIONS: [&str; 7] = ["png", "jpg", "jpeg", "gif", "bmp", "tga", "hdr"];

fn images_dir() -> PathBuf {
    let dir = Path::new(CORPUS).join("textures/images");
    assert!(
        dir.is_dir(),
        "test corpus missing: expected {} (see shared/corpus/README.md)",
        dir.display()
    );
    dir
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            collect(&path, out);
        } else if extension(&path).is_some_and(|e| IMAGE_EXTENSIONS.contains(&e.as_str())) {
            out.push(path);
        }
    }
}

fn extension(path: &Path) -> Option<String> {
    path.extension().map(|e| e.to_string_lossy().to_ascii_lowercase())
}

/// Files that are broken on purpose: the BMP suite's `lenient/` folder and
/// the files its names mark as bad, cut or invalid.
fn deliberately_broken(path: &Path) -> bool {
    let name = path.file_name().unwrap().to_string_lossy();
    path.components().any(|c| c.as_os_str() == "lenient")
        || ["bad", "cut", "invalid"].iter().any(|w| name.contains(w))
}

/// Valid files using BMP variants the `image` 0.25 decoder does not support;
/// they must be refused with a clear error. Remove a row when the decoder
/// learns the variant (the test then fails, asking for it).
const UNSUPPORTED_BY_DECODER: [(&str, &str); 2] = [
    ("rgb24rle24.bmp", "OS/2 2.x header (64 bytes) with 24-bit RLE"),
    ("rgba32abf.bmp", "BI_ALPHABITFIELDS compression (type 6)"),
];

#[test]
fn every_corpus_image_decodes() {
    let mut files = Vec::new();
    collect(&images_dir(), &mut files);
    files.sort();
    assert!(files.len() > 150, "only {} images found", files.len());

    let limits = ImageLimits::default();
    let (mut decoded, mut broken_ok, mut broken_refused, mut unsupported) = (0, 0, 0, 0);
    let mut failures = Vec::new();
    for path in &files {
        let bytes = std::fs::read(path).unwrap();
        let ext = extension(path);
        let started = Instant::now();
        let result =
            catch_unwind(AssertUnwindSafe(|| decode_image(&bytes, ext.as_deref(), &limits)));
        let elapsed = started.elapsed();
        let rel = path.strip_prefix(CORPUS).unwrap_or(path).display();
        let Ok(result) = result else {
            failures.push(format!("{rel}: panicked"));
            continue;
        };
        assert!(elapsed < Duration::from_secs(10), "{rel} took {elapsed:?}");
        let name = path.file_name().unwrap().to_string_lossy();
        if let Some((_, why)) = UNSUPPORTED_BY_DECODER.iter().find(|(n, _)| *n == name) {
            match result {
                Ok(_) => failures.push(format!("{rel} ({why}) now decodes: move it to the rest")),
                Err(e) => {
                    eprintln!("refused (decoder lacks {why}) {rel}: {e}");
                    unsupported += 1;
                }
            }
            continue;
        }
        if deliberately_broken(path) {
            match result {
                Ok(_) => broken_ok += 1,
                Err(e) => {
                    assert!(!e.to_string().is_empty());
                    eprintln!("refused (deliberately broken) {rel}: {e}");
                    broken_refused += 1;
                }
            }
            continue;
        }
        match result {
            Ok(image) => {
                let expected = u64::from(image.width)
                    * u64::from(image.height)
                    * image.format.bytes_per_pixel() as u64;
                assert_eq!(image.data.len() as u64, expected, "{rel}");
                assert!((1..=4).contains(&image.source_channels), "{rel}");
                decoded += 1;
            }
            Err(e) => failures.push(format!("{rel}: {e}")),
        }
    }
    eprintln!(
        "{} images: {decoded} decoded; {unsupported} valid but unsupported by the decoder, \
         refused; deliberately broken: {broken_ok} decoded leniently, {broken_refused} refused \
         with an error",
        files.len()
    );
    assert!(failures.is_empty(), "failed:\n{}", failures.join("\n"));
}

#[test]
fn formats_and_channels_are_reported() {
    let dir = images_dir().join("image-rs");
    let load = |rel: &str| {
        let bytes = std::fs::read(dir.join(rel)).unwrap();
        let ext = extension(Path::new(rel));
        decode_image(&bytes, ext.as_deref(), &ImageLimits::default()).unwrap()
    };
    let png16 = load("png/16bpc/basn6a16.png");
    assert_eq!(png16.format, PixelFormat::Rgba16);
    assert_eq!(png16.source_channels, 4);
    assert!(png16.has_alpha);

    let grey16 = load("png/16bpc/basi0g16.png");
    assert_eq!(grey16.format, PixelFormat::Rgba16);
    assert_eq!(grey16.source_channels, 1);
    assert!(!grey16.has_alpha);

    let interlaced = load("png/interlaced/basi2c08.png");
    assert_eq!((interlaced.format, interlaced.source_channels), (PixelFormat::Rgba8, 3));

    let progressive = load("jpg/progressive/cat.jpg");
    assert_eq!(progressive.format, PixelFormat::Rgba8);
    assert!(!progressive.has_alpha);

    let grey_tga = load("tga/testsuite/ubw8.tga");
    assert_eq!(grey_tga.source_channels, 1);

    let palette_alpha = load("png/transparency/tbbn3p08.png");
    assert!(palette_alpha.has_alpha);

    // A decoded corpus image goes through the mip chain.
    let mips = build_mips(&progressive, TextureRole::Color).unwrap();
    assert_eq!((mips.last().unwrap().width, mips.last().unwrap().height), (1, 1));
}

#[test]
fn radiance_hdr_decodes_to_f32() {
    // A 2×1 Radiance file, flat (not run-length) RGBE pixels.
    let mut bytes = b"#?RADIANCE\nFORMAT=32-bit_rle_rgbe\n\n-Y 1 +X 2\n".to_vec();
    // 4.0 = 0.5 * 2^3 → mantissa 128, exponent 128 + 3.
    bytes.extend_from_slice(&[128, 128, 128, 131, 128, 0, 0, 129]);
    let image = decode_image(&bytes, None, &ImageLimits::default()).unwrap();
    assert_eq!((image.width, image.height), (2, 1));
    assert_eq!(image.format, PixelFormat::RgbaF32);
    let first = f32::from_le_bytes(image.data[..4].try_into().unwrap());
    assert!(first > 1.0, "HDR value {first} should exceed 1.0");
    let mips = build_mips(&image, TextureRole::Hdr).unwrap();
    let avg = f32::from_le_bytes(mips[1].data[..4].try_into().unwrap());
    assert!(avg > 1.0, "{avg}");
}

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 != 0 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
        }
    }
    !crc
}

/// A PNG signature and IHDR (8-bit RGBA) claiming `width`×`height`, then an
/// empty IDAT and IEND: no pixel data at all.
fn png_header(width: u32, height: u32) -> Vec<u8> {
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut chunk = |kind: &[u8; 4], data: &[u8]| {
        png.extend_from_slice(&(data.len() as u32).to_be_bytes());
        let mut body = kind.to_vec();
        body.extend_from_slice(data);
        png.extend_from_slice(&body);
        png.extend_from_slice(&crc32(&body).to_be_bytes());
    };
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&width.to_be_bytes());
    ihdr.extend_from_slice(&height.to_be_bytes());
    ihdr.extend_from_slice(&[8, 6, 0, 0, 0]);
    chunk(b"IHDR", &ihdr);
    chunk(b"IDAT", &[]);
    chunk(b"IEND", &[]);
    png
}

#[test]
fn crc32_matches_known_value() {
    assert_eq!(crc32(b"IEND"), 0xAE42_6082);
}

#[test]
fn huge_header_is_refused_before_decoding() {
    let bytes = png_header(100_000, 100_000);
    let started = Instant::now();
    let err = decode_image(&bytes, Some("png"), &ImageLimits::default()).unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(1));
    assert_eq!(
        err,
        ImageImportError::DimensionsTooLarge { width: 100_000, height: 100_000, max: 16384 }
    );
    assert_eq!(err.to_string(), "dimensions 100000x100000 exceed the limit of 16384");
    // Without a hint the signature is recognised.
    assert!(matches!(
        decode_image(&bytes, None, &ImageLimits::default()),
        Err(ImageImportError::DimensionsTooLarge { .. })
    ));
}

#[test]
fn limits_are_configurable() {
    let bytes = png_header(64, 64);
    let err = decode_image(&bytes, Some("png"), &ImageLimits::new(32, 1 << 28)).unwrap_err();
    assert!(matches!(err, ImageImportError::DimensionsTooLarge { max: 32, .. }));

    let err = decode_image(&bytes, Some("png"), &ImageLimits::new(64, 1000)).unwrap_err();
    assert!(matches!(err, ImageImportError::TooManyPixels { max: 1000, .. }), "{err}");

    // Within the limits, the empty IDAT is the problem, reported as such.
    let err = decode_image(&bytes, Some("png"), &ImageLimits::default()).unwrap_err();
    assert!(
        matches!(err, ImageImportError::Truncated { .. } | ImageImportError::Malformed { .. }),
        "{err}"
    );

    let mut limits = ImageLimits::default();
    limits.max_pixels = 4096;
    let path = images_dir().join("image-rs/png/16bpc/basn6a16.png"); // 32×32
    let ok = decode_image(&std::fs::read(path).unwrap(), Some("png"), &limits).unwrap();
    assert_eq!((ok.width, ok.height), (32, 32));
}

#[test]
fn wrong_or_truncated_bytes_are_clear_errors() {
    let dir = images_dir();
    let jpeg = std::fs::read(dir.join("alien1.jpg")).unwrap();
    let err = decode_image(&jpeg, Some("png"), &ImageLimits::default()).unwrap_err();
    assert!(err.to_string().contains("PNG"), "{err}");

    let err = decode_image(b"hello", None, &ImageLimits::default()).unwrap_err();
    assert_eq!(err, ImageImportError::UnknownFormat { hint: None });

    let png = std::fs::read(dir.join("chimp.png")).unwrap();
    for cut in [8, 20, 40, png.len() / 2, png.len() - 13] {
        let err = decode_image(&png[..cut], Some("png"), &ImageLimits::default()).unwrap_err();
        eprintln!("chimp.png cut at {cut}: {err}");
        assert!(err.to_string().contains("PNG"), "{err}");
    }
    let cut = decode_image(&jpeg[..jpeg.len() / 2], Some("jpg"), &ImageLimits::default());
    eprintln!("alien1.jpg cut in half: {cut:?}", cut = cut.as_ref().map(|i| i.width));
}
