//! Decoded texels of the valid KTX2 corpus against references.
//!
//! Every valid file whose `vkFormat` can be decoded on the CPU (BCn, ETC2/EAC,
//! ASTC, uncompressed 8-bit; Basis Universal files, `vkFormat` 0, are left to
//! the transcoder tests) is parsed with [`Ktx2Texture`], every image of every
//! level, layer, face and depth slice is decoded with `texture2ddecoder`, and
//! each is checked:
//!
//! - structurally: every level decodes, sizes follow the dimensions, and no
//!   file is a single colour unless its reference says so;
//! - against the reference the corpus has for it, one of: the source PNG
//!   (`KTXorientation` applied), the uncompressed KTX2 of the same source,
//!   a colour named by the file, another encoding of the same image
//!   (cross-format or cross-quality), the previous mip level box-filtered;
//! - against a second, independent decoder (`bcdec_rs` for BCn,
//!   `astc-decode` for ASTC) where one exists. ETC2/EAC has none here.
//!
//! Values are compared as stored: sRGB bytes against the sRGB bytes of a PNG.

#[path = "common/ktx2_decode.rs"]
mod ktx2_decode;

use std::path::{Path, PathBuf};

use amsp_formats::texture::ktx2::{Ktx2Texture, TextureLimits, VkFormat};
use ktx2_decode::{
    Decoder, Image, StoredImage, cpu_decodable, decode, has_second_decoder, load_png,
    max_difference, psnr, split_level,
};

fn textures() -> PathBuf {
    let dir = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/corpus/textures"));
    assert!(dir.is_dir(), "the texture corpus is missing: {} does not exist", dir.display());
    dir.to_path_buf()
}

/// The CTS array and 3D references: one solid colour per layer (or depth
/// slice), red, orange, yellow, green, blue, indigo, violet, as the CTS
/// stores them (within 1 of the CSS colours of those names).
const RAINBOW: &[[u8; 4]] = &[
    [255, 0, 0, 255],
    [255, 166, 0, 255],
    [255, 255, 0, 255],
    [0, 129, 0, 255],
    [0, 0, 255, 255],
    [74, 0, 131, 255],
    [239, 131, 239, 255],
];

/// The CTS mipmap reference: one solid colour per level, red, orange,
/// yellow, green, blue, cyan, magenta.
const MIP_COLOURS: &[[u8; 4]] = &[
    [255, 0, 0, 255],
    [255, 116, 0, 255],
    [255, 255, 0, 255],
    [0, 255, 0, 255],
    [0, 0, 255, 255],
    [0, 255, 255, 255],
    [255, 0, 255, 255],
];

/// Which image a [`Reference::Solid`] colour list is indexed by.
#[derive(Debug, Clone, Copy)]
enum Per {
    /// Array layer or depth slice.
    Layer,
    /// Mip level.
    Level,
}

/// What a file's decoded images are compared with.
#[derive(Debug, Clone, Copy)]
enum Reference {
    /// The PNG it was made from (path under `textures/images/`), level 0,
    /// after `KTXorientation`. `exact`: the same bytes; else the same picture
    /// through another colour conversion.
    Png { path: &'static str, exact: bool },
    /// An uncompressed KTX2 of the same source (file in `ktx2-valid/`): the
    /// same images, or for a 3D texture its layers as this file's depth slices.
    Ktx2(&'static str),
    /// Every texel of each image is the colour at its layer or level.
    Solid(&'static [[u8; 4]], Per),
    /// Another lossy encoding of the same images (file in `ktx2-valid/`).
    SameImage(&'static str),
    /// A two-channel normal map as ASTC's normal mode stores it: X in R, G
    /// and B, Y in alpha; every texel must have equal RGB and |(X, Y)| ≤ 1.
    NormalMap,
    /// None in the corpus: structural checks (and a second decoder) only.
    Structural,
}

/// The minimum PSNR (dB, RGBA) per format family and reference. Measured
/// values are printed; the lossy floors leave a margin below them.
fn floor(reference: Reference, format: VkFormat) -> f64 {
    let lossy = format.is_block_compressed();
    match reference {
        // The same picture through a different colour conversion (measured 31.6 dB).
        Reference::Png { exact: false, .. } => 30.0,
        // Uncompressed data must be the reference's bytes exactly.
        Reference::Png { .. } | Reference::Solid(..) | Reference::Ktx2(_) if !lossy => {
            f64::INFINITY
        }
        // ASTC 6×6 of the solid-colour arrays.
        Reference::Png { .. } | Reference::Solid(..) | Reference::Ktx2(_) => 40.0,
        // Two uncompressed files of the same source.
        Reference::SameImage(_) if !lossy => f64::INFINITY,
        // BC3, ETC2 and ASTC 8×8 of one image (measured 29.6–32.4 dB), or
        // ASTC 6×6 at two encoder speeds.
        Reference::SameImage(_) => 28.0,
        Reference::NormalMap | Reference::Structural => f64::NEG_INFINITY,
    }
}

/// Second-decoder agreement, per channel. BC1–3 interpolate endpoints with
/// rounding that the specification leaves to ±1, and the two ASTC decoders
/// round the final unorm8 conversion differently: 1 is allowed, no more.
const SECOND_DECODER_MAX_DIFF: u8 = 1;

/// The reference for each CPU-decodable file of the corpus. A file missing
/// here fails the test, so a new corpus file gets a reference.
fn reference_for(name: &str) -> Option<Reference> {
    use Reference::*;
    let png = |path| Png { path, exact: true };
    Some(match name {
        "tbrn2c08.ktx2" => png("image-rs/png/transparency/tbrn2c08.png"),
        "tbyn3p08.ktx2" => png("image-rs/png/transparency/tbyn3p08.png"),
        "tm3n3p02.ktx2" => png("image-rs/png/transparency/tm3n3p02.png"),
        // Made from the same picture with another gamma handling: the bytes
        // differ, but up/down orientation must match the PNG.
        "orient-down-metadata-u.ktx2" | "orient-up-metadata-u.ktx2" | "orient-up-metadata.ktx2" => {
            Png { path: "test_this_way_up_sRGB_128x128.png", exact: false }
        }
        "astc_ldr_6x6_arraytex_7.ktx2" | "astc_ldr_6x6_3dtex_7.ktx2" => {
            Ktx2("arraytex_7_reference_u.ktx2")
        }
        "astc_ldr_6x6_arraytex_7_mipmap.ktx2" => Ktx2("arraytex_7_mipmap_reference_u.ktx2"),
        "cyan_rgba_reference_u.ktx2" => Solid(&[[0, 255, 255, 255]], Per::Layer),
        "green_rgb_reference_u.ktx2" => Solid(&[[0, 255, 0, 255]], Per::Layer),
        "arraytex_1_reference_u.ktx2"
        | "arraytex_7_reference_u.ktx2"
        | "arraytex_7_mipmap_reference_u.ktx2" => Solid(RAINBOW, Per::Layer),
        "rgb-mipmap-reference-u.ktx2" => Solid(MIP_COLOURS, Per::Level),
        "texturearray_etc2_unorm.ktx2" => SameImage("texturearray_bc3_unorm.ktx2"),
        "texturearray_bc3_unorm.ktx2" => SameImage("texturearray_astc_8x8_unorm.ktx2"),
        "texturearray_astc_8x8_unorm.ktx2" => SameImage("texturearray_etc2_unorm.ktx2"),
        "astc_mipmap_ldr_6x6_kodim17_fast.ktx2" | "astc_mipmap_ldr_6x6_kodim17_fastest.ktx2" => {
            SameImage("astc_mipmap_ldr_6x6_kodim17_medium.ktx2")
        }
        "astc_mipmap_ldr_6x6_kodim17_medium.ktx2" => {
            SameImage("astc_mipmap_ldr_6x6_kodim17_fast.ktx2")
        }
        // The CTS made its R and luminance (RG and luminance-alpha) references
        // from one source each.
        "r_reference_u.ktx2" => SameImage("luminance_reference_u.ktx2"),
        "luminance_reference_u.ktx2" => SameImage("r_reference_u.ktx2"),
        "rg_reference_u.ktx2" => SameImage("luminance_alpha_reference_u.ktx2"),
        "luminance_alpha_reference_u.ktx2" => SameImage("rg_reference_u.ktx2"),
        "astc_ldr_6x6_Iron_Bars_001_normal.ktx2" => NormalMap,
        "rgba-reference-u.ktx2"
        | "ccwn2c08.ktx2"
        | "astc_ldr_12x12_FlightHelmet_baseColor.ktx2" => Structural,
        _ => return None,
    })
}

/// A decoded file: its format and every image with its label.
struct Decoded {
    format: VkFormat,
    images: Vec<Decoded2d>,
}

/// One decoded 2D image and where it is in the texture.
struct Decoded2d {
    label: String,
    level: u32,
    layer: u32,
    z: u32,
    image: Image,
}

/// Parses and decodes every image of a file with `decoder`.
fn decode_file(path: &Path, decoder: Decoder) -> Result<Decoded, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let tex = Ktx2Texture::parse(&bytes, &TextureLimits::default())
        .map_err(|e| e.with_path(path.display().to_string()).to_string())?;
    let format = tex.format().ok_or_else(|| format!("vkFormat {} unknown", tex.vk_format()))?;
    let mut images = Vec::new();
    for level in 0..tex.levels() {
        let data = tex.level(level).map_err(|e| e.to_string())?;
        for stored in split_level(&tex, format, level, &data)? {
            let image = decode(decoder, format, stored.data, stored.width, stored.height)
                .map_err(|e| format!("{}: {e}", stored.label))?;
            let StoredImage { label, level, layer, z, .. } = stored;
            images.push(Decoded2d { label, level, layer, z, image });
        }
    }
    Ok(Decoded { format, images })
}

/// The image as the KTX2 orientation says it is meant to be seen
/// (`rd`: rows top to bottom, as a PNG stores them).
fn oriented(image: &Image, orientation: Option<&[u8]>) -> Image {
    let o = orientation.unwrap_or(b"rd\0");
    let mut out = image.clone();
    if o.first() == Some(&b'l') {
        out = out.flipped_horizontally();
    }
    if o.get(1) == Some(&b'u') {
        out = out.flipped_vertically();
    }
    out
}

/// The lowest PSNR over the images compared, and how many were compared.
fn compare(reference: Reference, path: &Path, file: &Decoded) -> Result<(f64, usize), String> {
    let mut worst = f64::INFINITY;
    let mut count = 0;
    let mut note = |p: f64| {
        worst = worst.min(p);
        count += 1;
    };
    match reference {
        Reference::Png { path: png, .. } => {
            let expected = load_png(&textures().join("images").join(png));
            let bytes = std::fs::read(path).unwrap();
            let tex = Ktx2Texture::parse(&bytes, &TextureLimits::default()).unwrap();
            let orientation = tex.key_value("KTXorientation");
            let stored = &file.images[0].image;
            let seen = psnr(&oriented(stored, orientation), &expected, true);
            // Where the orientation is not the PNG's, ignoring it must not
            // pass: the comparison then proves the orientation is honoured.
            let as_stored = psnr(stored, &expected, true);
            if orientation.is_some_and(|o| !o.starts_with(b"rd")) && as_stored >= seen {
                return Err(format!(
                    "ignoring KTXorientation matches the PNG as well ({}) as applying it ({})",
                    db(as_stored),
                    db(seen)
                ));
            }
            note(seen);
        }
        Reference::Solid(colours, per) => {
            for d in &file.images {
                let index = match per {
                    Per::Layer => d.layer.max(d.z),
                    Per::Level => d.level,
                };
                let colour = colours
                    .get(index as usize)
                    .ok_or_else(|| format!("{}: no reference colour", d.label))?;
                let (w, h) = (d.image.width, d.image.height);
                let expected = Image { width: w, height: h, rgba: colour.repeat((w * h) as usize) };
                note(psnr(&d.image, &expected, true));
            }
        }
        Reference::Ktx2(other) | Reference::SameImage(other) => {
            let theirs = decode_file(&path.with_file_name(other), Decoder::Texture2d)?;
            for d in &file.images {
                // The same level and layer; a depth slice against a layer.
                let twin = theirs
                    .images
                    .iter()
                    .find(|t| t.level == d.level && t.layer == d.layer.max(d.z) && t.z == 0)
                    .ok_or_else(|| format!("{}: {other} has no such image", d.label))?;
                note(psnr(&d.image, &twin.image, true));
            }
        }
        Reference::NormalMap => {
            for d in &file.images {
                let bad = d.image.rgba.chunks_exact(4).filter(|t| {
                    let x = f64::from(t[0]) / 127.5 - 1.0;
                    let y = f64::from(t[3]) / 127.5 - 1.0;
                    t[0] != t[1] || t[1] != t[2] || x * x + y * y > 1.02
                });
                let bad = bad.count();
                if bad > 0 {
                    return Err(format!("{}: {bad} texels are not a unit normal's X, Y", d.label));
                }
                note(f64::INFINITY);
            }
        }
        Reference::Structural => {}
    }
    Ok((worst, count))
}

/// One row of the printed table.
struct Row {
    file: String,
    format: String,
    images: usize,
    reference: String,
    psnr: String,
    second: String,
}

fn db(p: f64) -> String {
    if p.is_infinite() { "identical".into() } else { format!("{p:.2} dB") }
}

#[test]
fn decoded_corpus_textures_match_their_references() {
    let valid = textures().join("ktx2-valid");
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&valid)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "ktx2"))
        .collect();
    paths.sort();
    let mut rows = Vec::new();
    let mut failures = Vec::new();
    let mut skipped_basis = 0;
    for path in &paths {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let bytes = std::fs::read(path).unwrap();
        let tex = Ktx2Texture::parse(&bytes, &TextureLimits::default())
            .unwrap_or_else(|e| panic!("{}", e.with_path(&name)));
        if tex.vk_format() == 0 {
            skipped_basis += 1;
            continue;
        }
        let format =
            tex.format().unwrap_or_else(|| panic!("{name}: vkFormat {} unknown", tex.vk_format()));
        assert!(cpu_decodable(format), "{name}: {format:?} has no CPU decoder in this test");
        let reference = reference_for(&name)
            .unwrap_or_else(|| panic!("{name}: no reference is listed for this corpus file"));
        let mut fail = |m: String| failures.push(format!("{name}: {m}"));

        // Structure: every image decodes; sizes follow the dimensions.
        let file = match decode_file(path, Decoder::Texture2d) {
            Ok(f) => f,
            Err(e) => {
                fail(e);
                continue;
            }
        };
        let expected_images: u32 = (0..tex.levels())
            .map(|l| tex.layers() * tex.faces() * (tex.dimensions().2 >> l).max(1))
            .sum();
        if file.images.len() != expected_images as usize {
            fail(format!("{} images decoded, {expected_images} expected", file.images.len()));
        }
        let (w0, h0, _) = tex.dimensions();
        for d in &file.images {
            let size = ((w0 >> d.level).max(1), (h0 >> d.level).max(1));
            if (d.image.width, d.image.height) != size {
                fail(format!("{} is {}×{}", d.label, d.image.width, d.image.height));
            }
        }
        // Not degenerate: level 0 holds more than one colour, unless the
        // reference says each image is one colour.
        let level0: Vec<&[u8]> = file
            .images
            .iter()
            .filter(|d| d.level == 0)
            .flat_map(|d| d.image.rgba.chunks_exact(4))
            .collect();
        let one_colour = level0.iter().all(|t| *t == level0[0]);
        let solid = matches!(reference, Reference::Solid(..) | Reference::Ktx2(_));
        if one_colour && !solid {
            fail("level 0 is a single colour".into());
        }

        // The reference.
        let floor = floor(reference, file.format);
        let (worst, compared) = match compare(reference, path, &file) {
            Ok(r) => r,
            Err(e) => {
                fail(e);
                continue;
            }
        };
        if !matches!(reference, Reference::Structural) && compared == 0 {
            fail(format!("nothing compared with {reference:?}"));
        }
        if worst < floor {
            fail(format!(
                "PSNR {} against {reference:?} is below the floor {}",
                db(worst),
                db(floor)
            ));
        }

        // A second decoder, image by image.
        let second = if has_second_decoder(format) {
            match decode_file(path, Decoder::Second) {
                Ok(other) => {
                    let diff = file
                        .images
                        .iter()
                        .zip(&other.images)
                        .map(|(a, b)| max_difference(&a.image, &b.image))
                        .max()
                        .unwrap_or(0);
                    let p = file
                        .images
                        .iter()
                        .zip(&other.images)
                        .map(|(a, b)| psnr(&a.image, &b.image, true))
                        .fold(f64::INFINITY, f64::min);
                    if diff > SECOND_DECODER_MAX_DIFF {
                        fail(format!("the second decoder differs by up to {diff} ({})", db(p)));
                    }
                    format!("max diff {diff}, {}", db(p))
                }
                Err(e) => {
                    fail(format!("second decoder: {e}"));
                    "failed".into()
                }
            }
        } else {
            "none".into()
        };
        let reference_text = match reference {
            Reference::Png { path, .. } => format!("PNG {path}"),
            Reference::Ktx2(k) => format!("KTX2 {k}"),
            Reference::Solid(c, Per::Layer) => {
                format!("{} colour(s) by layer", c.len().min(file.images.len()))
            }
            Reference::Solid(c, Per::Level) => format!("{} colours by level", c.len()),
            Reference::SameImage(k) => format!("same image {k}"),
            Reference::NormalMap => "normal map: RGB = X, A = Y, |XY| ≤ 1".into(),
            Reference::Structural => "structure only".into(),
        };
        let psnr_text = if compared == 0 {
            "-".into()
        } else if matches!(reference, Reference::NormalMap) {
            format!("every texel a unit normal ({compared} images)")
        } else {
            format!("{} (floor {}, {compared} images)", db(worst), db(floor))
        };
        rows.push(Row {
            file: name,
            format: format!("{format:?}"),
            images: file.images.len(),
            reference: reference_text,
            psnr: psnr_text,
            second,
        });
    }
    println!(
        "{:42} {:18} {:>6}  {:55} {:42} second decoder",
        "file", "format", "images", "reference", "PSNR (worst image, RGBA)"
    );
    for r in &rows {
        println!(
            "{:42} {:18} {:>6}  {:55} {:42} {}",
            r.file, r.format, r.images, r.reference, r.psnr, r.second
        );
    }
    println!(
        "{} CPU-decodable files checked, {skipped_basis} Basis Universal files left out",
        rows.len()
    );
    assert!(failures.is_empty(), "{} problems: {failures:#?}", failures.len());
    assert!(
        rows.len() >= 20,
        "only {} CPU-decodable files found in {}",
        rows.len(),
        valid.display()
    );
}
